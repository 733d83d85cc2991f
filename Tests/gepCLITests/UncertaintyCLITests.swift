import Foundation
import Testing

/// `gep uncertainty` on the demo through the binary (issue 18): exit code, the three outputs,
/// the county's P5 ≤ P50 ≤ P95 on its `gep` line, and seed determinism (the same seed gives
/// byte-identical files, another seed other draws).
@Suite struct UncertaintyCLITests {
  let run = repositoryRoot.appendingPathComponent("sample-data/demo-county/gep.toml").path

  func folder(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "gep-cli-unc-\(name)-\(UInt64.random(in: 0...UInt64.max))")
  }

  func uncertainty(seed: Int, out: URL) throws -> (status: Int32, stderr: String) {
    let r = try runGEP([
      "uncertainty", run, "--draws", "200", "--sobol-draws", "20", "--seed", String(seed),
      "--out", out.path, "--threads", "2",
    ])
    return (r.status, r.stderr)
  }

  /// The county's `gep` line of uncertainty.csv: point, mean, P5, P50, P95.
  func countyGEP(_ out: URL) throws -> [Double] {
    let csv = try String(
      contentsOf: out.appendingPathComponent("uncertainty.csv"), encoding: .utf8)
    let line = try #require(
      csv.split(separator: "\n").first { $0.hasPrefix("520621000000,") && $0.contains(",gep,") })
    let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    // unit_code … value_point_yuan, value_mean_yuan, value_p5_yuan, value_p50_yuan, value_p95_yuan
    return try fields.suffix(5).map { try #require(Double($0)) }
  }

  @Test func demoWritesIntervalsAndTornadoDeterministically() throws {
    let a = folder("a")
    let b = folder("b")
    let c = folder("c")
    defer { for f in [a, b, c] { try? FileManager.default.removeItem(at: f) } }
    let ra = try uncertainty(seed: 7, out: a)
    #expect(ra.status == 0, "stderr: \(ra.stderr)")
    for f in ["uncertainty.csv", "sensitivity.csv", "uncertainty-run.csv"] {
      #expect(FileManager.default.fileExists(atPath: a.appendingPathComponent(f).path), "\(f)")
    }
    #expect(ra.stderr.contains("江口县 520621000000 GEP"))
    #expect(ra.stderr.contains("P5–P95"))
    let g = try countyGEP(a)
    #expect(g[2] <= g[3] && g[3] <= g[4], "P5 \(g[2]) P50 \(g[3]) P95 \(g[4])")
    #expect(g[2] < g[4])  // the reference set's ranges move the county's GEP
    // The tornado: one row per drawn row of the county, ranked 1, 2, … by swing.
    let sensitivity = try String(
      contentsOf: a.appendingPathComponent("sensitivity.csv"), encoding: .utf8
    ).split(separator: "\n")
    #expect(sensitivity.count > 10)
    #expect(sensitivity[1].hasPrefix("520621000000,"))
    // Same seed, same bytes; another seed, other draws.
    #expect(try uncertainty(seed: 7, out: b).status == 0)
    #expect(try uncertainty(seed: 8, out: c).status == 0)
    for f in ["uncertainty.csv", "sensitivity.csv"] {
      let x = try Data(contentsOf: a.appendingPathComponent(f))
      #expect(x == (try Data(contentsOf: b.appendingPathComponent(f))), "\(f)")
    }
    #expect(
      (try Data(contentsOf: a.appendingPathComponent("uncertainty.csv")))
        != (try Data(contentsOf: c.appendingPathComponent("uncertainty.csv"))))
  }

  /// Fewer than two draws is a usage error (exit code 64) naming --draws; nothing is written.
  @Test func tooFewDrawsIsRefused() throws {
    let out = folder("one")
    defer { try? FileManager.default.removeItem(at: out) }
    let r = try runGEP(["uncertainty", run, "--draws", "1", "--out", out.path])
    #expect(r.status == 64)
    #expect(r.stderr.contains("--draws"))
    #expect(!FileManager.default.fileExists(atPath: out.path))
  }
}
