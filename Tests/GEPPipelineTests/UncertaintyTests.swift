import Foundation
import GEPCore
import GEPGeo
import Testing

@testable import GEPPipeline

/// `gep uncertainty` on the demo county (issue 18): the account of a draw evaluated from the
/// sufficient sums of one raster pass against `gep compute` run on a coefficient folder holding
/// the drawn values (an independent path: the full cell pass, nothing shared but the formulas);
/// zero-width ranges; byte-identical outputs for any thread count and tile size.
@Suite struct UncertaintyTests {
  let demo = repoRoot.appendingPathComponent("sample-data/demo-county/gep.toml").path

  /// True when `a` and `b` agree to 1e-12 relative, beyond the fixed-point rounding of the
  /// compute's sums (`ExactSum`: at most 2⁻⁴¹ per added cell, `cells` cells).
  func close(_ a: Double?, _ b: Double?, cells: Int) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case (let x?, let y?):
      return abs(x - y) <= 1e-12 * max(abs(x), abs(y)) + Double(cells) * 0x1p-41
    default: return false
    }
  }

  /// Three draws (SplitMix64, seed 2026; every drawn row of the reference set at its triangular
  /// quantile): each draw's account from the sufficient sums equals `gep compute` on a folder
  /// with the drawn values, per unit and line (quantity and value) and GEP, to 1e-12 relative.
  @Test func drawsEqualComputeOnDrawnFolders() throws {
    let config = try RunConfiguration.load(path: demo)
    var options = UncertaintyOptions()
    options.threads = 2
    let prepared = try UncertaintyJob.prepare(config: config, options: options) { _ in }
    let rows = prepared.rows
    #expect(rows.count >= 10)  // the reference set's ranged rows (README: 15)
    let root = try tempFolder("unc-draws")
    defer { try? FileManager.default.removeItem(at: root) }
    var rng = SplitMix64(seed: 2026)
    for draw in 0..<3 {
      let values = rows.map { $0.distribution.quantile(rng.openUniform()) }
      // At least one value moved away from the point in every draw.
      #expect(zip(rows, values).contains { $0.value != $1 })
      let fromSums = try prepared.evaluator.account(values)
      try writeDrawnCoefficientFolder(
        from: URL(fileURLWithPath: config.coefficientsFolder), rows: rows, values: values,
        to: root.appendingPathComponent("drawn\(draw)"))
      var drawnConfig = config
      drawnConfig.coefficientsRoot = root.path
      drawnConfig.profile = "drawn\(draw)"
      let computed = try ComputeJob.run(
        config: drawnConfig,
        options: ComputeOptions(
          output: root.appendingPathComponent("out\(draw)").path, threads: 2, tileSize: nil,
          writeRasters: false, overwrite: false, bom: false))
      let cells = computed.cells
      #expect(fromSums.units.count == computed.account.units.count)
      for (a, b) in zip(fromSums.units, computed.account.units) {
        #expect(a.unit.code == b.unit.code)
        #expect(close(a.gep.value, b.gep.value, cells: cells), "\(a.unit.code) GEP")
        #expect(a.lines.count == b.lines.count)
        for (la, lb) in zip(a.lines, b.lines) {
          #expect(la.indicator == lb.indicator && la.component == lb.component)
          #expect(
            close(la.value?.value, lb.value?.value, cells: cells),
            "\(a.unit.code) \(la.indicator) \(la.component) value")
          #expect(
            close(la.quantity?.value, lb.quantity?.value, cells: cells),
            "\(a.unit.code) \(la.indicator) \(la.component) quantity")
        }
      }
      // The fast roll-up of the cell lines (what the draws use on the demo) agrees too.
      #expect(prepared.evaluator.rollUp != nil)
      // ... by its linear form in the drawn rows (LinearDraws: no rebinding per draw).
      #expect(prepared.evaluator.linear != nil)
      var fast = [Double](repeating: .nan, count: prepared.layout.slots)
      try fast.withUnsafeMutableBufferPointer {
        try prepared.evaluator.numbers(values, layout: prepared.layout, into: $0.baseAddress!)
      }
      var want = [Double](repeating: .nan, count: prepared.layout.slots)
      want.withUnsafeMutableBufferPointer {
        prepared.layout.numbers(computed.account, into: $0.baseAddress!)
      }
      for (s, (x, y)) in zip(fast, want).enumerated() {
        #expect(
          close(x.isNaN ? nil : x, y.isNaN ? nil : y, cells: cells), "roll-up slot \(s)")
      }
      // The county's GEP moved with the draw (the check is not of the point account).
      let county = computed.account.units.first { $0.unit.level == .county }!
      #expect(abs(county.gep.value - prepared.pointAccount.units[0].gep.value) > 1e6)
    }
  }

  /// Every drawn row declared `fixed` in the distribution table: each draw is the point account
  /// evaluated from the sufficient sums, so every line's mean, P5, P50 and P95 equal its point
  /// value (to 1e-12 relative beyond the fixed-point resolution of the sums, `close`), and no
  /// row is listed in sensitivity.csv.
  @Test func zeroWidthRangesCollapseToThePoint() throws {
    let config = try RunConfiguration.load(path: demo)
    let coefficients = try CoefficientSet.load(
      from: URL(fileURLWithPath: config.coefficientsFolder))
    let rows = try coefficients.uncertainCoefficients()
    let root = try tempFolder("unc-fixed")
    defer { try? FileManager.default.removeItem(at: root) }
    let table = root.appendingPathComponent("distributions.csv")
    try
      ("file,key,distribution,sd,group\n"
      + rows.map { "\($0.file),\($0.key),fixed,,\n" }.joined()).write(
        to: table, atomically: true, encoding: .utf8)
    var options = UncertaintyOptions()
    options.draws = 5
    options.sobolDraws = 0
    options.threads = 2
    options.distributions = table.path
    options.output = root.appendingPathComponent("out").path
    let result = try UncertaintyJob.run(config: config, options: options)
    #expect(result.coefficients.isEmpty && result.cells > 100_000)
    let csv = try String(
      contentsOf: root.appendingPathComponent("out/uncertainty.csv"), encoding: .utf8)
    let records = try StrictCSV.records(csv)
    let header = records[0].fields
    var checked = 0
    for r in records.dropFirst() {
      for prefix in ["quantity", "value"] {
        let pointColumn = header.firstIndex(
          of: prefix == "value" ? "value_point_yuan" : "quantity_point")!
        guard let point = Double(r.fields[pointColumn]) else { continue }
        for stat in ["mean", "p5", "p50", "p95"] {
          let c = header.firstIndex(
            of: prefix == "value" ? "value_\(stat)_yuan" : "quantity_\(stat)")!
          let x = try #require(Double(r.fields[c]))
          #expect(close(x, point, cells: result.cells), "\(r.fields[0]) \(r.fields[3]) \(stat)")
          checked += 1
        }
      }
    }
    #expect(checked > 1000)
    let sensitivity = try String(
      contentsOf: root.appendingPathComponent("out/sensitivity.csv"), encoding: .utf8)
    #expect(sensitivity.split(separator: "\n").count == 1)
  }

  /// The same seed gives byte-identical uncertainty.csv, sensitivity.csv and
  /// uncertainty-run.csv with 1 thread and 256-cell tiles and with 2 threads and 64-cell tiles.
  @Test func sameSeedSameBytesForAnyThreadCount() throws {
    let config = try RunConfiguration.load(path: demo)
    let root = try tempFolder("unc-threads")
    defer { try? FileManager.default.removeItem(at: root) }
    var texts: [[String]] = []
    for (threads, tile) in [(1, 256), (2, 64)] {
      var options = UncertaintyOptions()
      options.draws = 12
      options.sobolDraws = 3
      options.seed = 7
      options.threads = threads
      options.tileSize = tile
      options.output = root.appendingPathComponent("t\(threads)").path
      _ = try UncertaintyJob.run(config: config, options: options)
      texts.append(
        try ["uncertainty.csv", "sensitivity.csv", "uncertainty-run.csv"].map {
          try String(
            contentsOf: root.appendingPathComponent("t\(threads)/\($0)"), encoding: .utf8)
        })
    }
    #expect(texts[0] == texts[1])
    #expect(texts[0][1].split(separator: "\n").count > 10)
  }
}
