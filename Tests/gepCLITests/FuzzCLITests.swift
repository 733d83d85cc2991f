import Foundation
import Testing

/// SplitMix64: a small seeded generator, so every CI run tries the same mutants.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// One run of `gep` with a time bound: exit status, whether it ended by a signal, whether it
/// was killed for exceeding `seconds`, and stderr.
func runBounded(_ arguments: [String], seconds: Double) throws -> (
  status: Int32, signalled: Bool, timedOut: Bool, stderr: String
) {
  let process = Process()
  process.executableURL = gepExecutable()
  process.arguments = arguments
  let err = Pipe()
  process.standardOutput = FileHandle.nullDevice
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  try process.run()
  let done = DispatchSemaphore(value: 0)
  final class Box: @unchecked Sendable { var data = Data() }
  let box = Box()
  let handle = err.fileHandleForReading
  DispatchQueue.global().async {
    box.data = handle.readDataToEndOfFile()
    done.signal()
  }
  var timedOut = false
  if done.wait(timeout: .now() + seconds) == .timedOut {
    timedOut = true
    process.terminate()
    done.wait()
  }
  process.waitUntilExit()
  return (
    process.terminationStatus, process.terminationReason == .uncaughtSignal, timedOut,
    String(decoding: box.data, as: UTF8.self)
  )
}

/// The county's GEP (yuan) in an account's summary.csv, as written.
func countyGEP(_ out: URL) -> String? {
  guard
    let text = try? String(contentsOf: out.appendingPathComponent("summary.csv"), encoding: .utf8)
  else { return nil }
  let lines = text.split(separator: "\n").map {
    $0.split(separator: ",", omittingEmptySubsequences: false)
  }
  guard let header = lines.first, let gi = header.firstIndex(of: "gep_yuan"),
    let row = lines.first(where: { $0.first == "520621000000" }), gi < row.count
  else { return nil }
  return String(row[gi])
}

/// The warnings of a run's stderr ("gep: warning [code] message"), with the run's folder
/// replaced by a placeholder so runs in different folders compare.
func warnings(_ stderr: String, folder: URL) -> Set<String> {
  Set(
    stderr.split(separator: "\n").filter { $0.hasPrefix("gep: warning [") }
      .map { $0.replacingOccurrences(of: folder.path, with: "<run>") })
}

/// Issue 10: a seeded fuzz loop over the demo county. Each mutant corrupts one text input (run
/// file, material-products, GDP or unit-names table) in a way a real file gets corrupted (a
/// stray quote, a NUL, an invalid byte, a number that is not a plain decimal, a cut line, a
/// duplicated line, a changed character of the run file) and runs `gep compute`. Asserted for
/// every mutant: exit 0, 1 or 64 only; never a crash (signal); never over 90 s; and a run that
/// exits 0 has the baseline's GEP, or a warning the baseline did not have (the change is
/// explained). The counts are printed.
@Suite struct FuzzCLITests {
  static let demo = repositoryRoot.appendingPathComponent("sample-data/demo-county")
  static let textFiles = ["gep.toml", "material_products.csv", "gdp_population.csv", "units.csv"]

  /// A run folder: symbolic links to the demo's rasters and layers, copies of its text files
  /// with the run file's coefficient path made absolute.
  func runFolder(_ root: URL, _ name: String) throws -> URL {
    let fm = FileManager.default
    let folder = root.appendingPathComponent(name)
    try fm.createDirectory(at: folder, withIntermediateDirectories: true)
    for f in try fm.contentsOfDirectory(atPath: Self.demo.path) where !Self.textFiles.contains(f) {
      try fm.createSymbolicLink(
        at: folder.appendingPathComponent(f),
        withDestinationURL: Self.demo.appendingPathComponent(f))
    }
    for f in Self.textFiles {
      var data = try Data(contentsOf: Self.demo.appendingPathComponent(f))
      if f == "gep.toml" {
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(
          of: "coefficients = \"../../coefficients\"",
          with: "coefficients = \"\(repositoryRoot.appendingPathComponent("coefficients").path)\"")
        data = Data(text.utf8)
      }
      try data.write(to: folder.appendingPathComponent(f))
    }
    return folder
  }

  /// One corruption of `bytes` (a table when `table`, else the run file), and its name.
  func mutate(_ bytes: [UInt8], table: Bool, rng: inout SplitMix64) -> ([UInt8], String) {
    var b = bytes
    let lineStarts = [0] + b.indices.filter { b[$0] == 10 && $0 + 1 < b.count }.map { $0 + 1 }
    let dataLines = Array(lineStarts.dropFirst())
    let at = Int.random(in: 0..<max(1, b.count), using: &rng)
    switch Int.random(in: 0..<(table ? 7 : 4), using: &rng) {
    case 0:
      b.insert(UInt8(ascii: "\""), at: at)
      return (b, "stray quote at byte \(at)")
    case 1:
      b.insert(0, at: at)
      return (b, "NUL at byte \(at)")
    case 2:
      let bad: UInt8 = [0xE9, 0xFF, 0xC3, 0x80].randomElement(using: &rng)!
      b.insert(bad, at: at)
      return (b, "byte \(bad) at \(at)")
    case 3 where !table:
      // A changed character of the run file (printable ASCII).
      let c = UInt8.random(in: 32...126, using: &rng)
      if b[at] != 10 { b[at] = c }
      return (b, "run file byte \(at) → \(c)")
    case 3, 4:
      // A number that is not a plain decimal.
      let text = String(decoding: b, as: UTF8.self)
      let numbers = text.ranges(of: /,-?[0-9]+(\.[0-9]+)?(?=,|\n)/)
      guard let found = numbers.randomElement(using: &rng) else { return (b, "no number") }
      let r = text.index(after: found.lowerBound)..<found.upperBound
      let replacement = ["0x10", "inf", "nan", "1e30", "-5", "1,000", "１２", "3.4028e38"]
        .randomElement(using: &rng)!
      let s = text.replacingCharacters(in: r, with: replacement)
      return (Array(s.utf8), "number → \(replacement)")
    case 5:
      // A line cut inside its first field (the rest of the line lost).
      guard let start = dataLines.randomElement(using: &rng),
        let end = b[start...].firstIndex(of: UInt8(ascii: ",")), end > start + 1
      else { return (b, "no line") }
      let stop = b[start...].firstIndex(of: 10) ?? b.count
      b.removeSubrange((start + 1)..<stop)
      return (b, "line at byte \(start) cut")
    default:
      guard let start = dataLines.randomElement(using: &rng) else { return (b, "no line") }
      let stop = (b[start...].firstIndex(of: 10) ?? (b.count - 1)) + 1
      b.insert(contentsOf: Array(b[start..<min(stop, b.count)]), at: start)
      return (b, "line at byte \(start) duplicated")
    }
  }

  @Test func mutantsOfTheDemoNeverCrashHangOrChangeGEPSilently() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gep-fuzz-\(UInt64.random(in: 0...UInt64.max))")
    defer { try? FileManager.default.removeItem(at: root) }
    let base = try runFolder(root, "baseline")
    let baseOut = root.appendingPathComponent("baseline-out")
    let b = try runBounded(
      [
        "compute", base.appendingPathComponent("gep.toml").path, "--out", baseOut.path,
        "--threads", "2",
      ], seconds: 120)
    try #require(b.status == 0, "\(b.stderr)")
    let baseGEP = try #require(countyGEP(baseOut))
    let baseWarnings = warnings(b.stderr, folder: base)
    var rng = SplitMix64(state: 20_261_201)
    var counts: [Int32: Int] = [:]
    var changedWithWarning = 0
    let mutants = 240
    for k in 0..<mutants {
      let folder = try runFolder(root, "m\(k)")
      let file = Self.textFiles.randomElement(using: &rng)!
      let url = folder.appendingPathComponent(file)
      let (bytes, what) = mutate(
        Array(try Data(contentsOf: url)), table: file != "gep.toml", rng: &rng)
      try Data(bytes).write(to: url)
      let out = root.appendingPathComponent("m\(k)-out")
      let r = try runBounded(
        [
          "compute", folder.appendingPathComponent("gep.toml").path, "--out", out.path,
          "--threads", "2",
        ], seconds: 90)
      let label = "mutant \(k) (\(file): \(what))"
      #expect(!r.signalled, "\(label) crashed: \(r.stderr.suffix(400))")
      #expect(!r.timedOut, "\(label) hung")
      #expect([0, 1, 64].contains(r.status), "\(label) exit \(r.status): \(r.stderr.suffix(400))")
      counts[r.status, default: 0] += 1
      if r.status == 0 {
        let gep = countyGEP(out)
        if gep != baseGEP {
          let new = warnings(r.stderr, folder: folder).subtracting(baseWarnings)
          #expect(
            !new.isEmpty,
            "\(label) changed GEP \(baseGEP) → \(gep ?? "none") without a new warning")
          changedWithWarning += 1
        }
      }
      try? FileManager.default.removeItem(at: folder)
      try? FileManager.default.removeItem(at: out)
    }
    print(
      "fuzz: \(mutants) mutants: exit 0 \(counts[0] ?? 0) (GEP changed with a warning "
        + "\(changedWithWarning)), exit 1 \(counts[1] ?? 0), exit 64 \(counts[64] ?? 0)")
  }
}

@Suite struct ConcurrentRunCLITests {
  /// Two `gep compute` runs with the same --out both exited 0 and one account silently
  /// replaced the other. While another process holds the destination's lock (here: this test
  /// process, as a running gep would), a second run fails at once with exit 1 naming it, and
  /// writes nothing.
  @Test func secondRunOnALockedOutputFailsNamingTheFirst() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gep-cli-lock-\(UInt64.random(in: 0...UInt64.max))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let lock = folder.appendingPathComponent(".out.lock").path
    let fd = open(lock, O_RDWR | O_CREAT, 0o644)
    #expect(fd >= 0)
    defer { close(fd) }
    #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
    let pid = "\(ProcessInfo.processInfo.processIdentifier)\n"
    _ = pid.withCString { write(fd, $0, strlen($0)) }
    let run = repositoryRoot.appendingPathComponent("sample-data/demo-county/gep.toml").path
    let out = folder.appendingPathComponent("out").path
    let r = try runGEP(["compute", run, "--out", out, "--threads", "1"])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(
      r.stderr.contains(
        "another gep run (process \(ProcessInfo.processInfo.processIdentifier)) is writing this "
          + "output folder"), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out))
  }
}
