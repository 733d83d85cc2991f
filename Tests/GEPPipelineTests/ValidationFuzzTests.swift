import Foundation
import GEPGeo
import GEPPipeline
import Testing

/// A small deterministic generator (SplitMix64), so every failure can be replayed by its seed.
struct SeededRandom: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Random mutations of a byte string: flip, insert, delete, duplicate a span, truncate, or
/// insert a byte that matters to the format (quote, comma, newline, bracket, NUL, 0xFF).
func mutate(_ bytes: [UInt8], _ rng: inout SeededRandom, steps: Int) -> [UInt8] {
  var b = bytes
  let special: [UInt8] = [0x22, 0x2C, 0x0A, 0x0D, 0x5B, 0x5D, 0x3D, 0x00, 0xFF, 0xE4, 0x23]
  for _ in 0..<steps {
    let i = b.isEmpty ? 0 : Int.random(in: 0..<b.count, using: &rng)
    switch Int.random(in: 0..<6, using: &rng) {
    case 0 where !b.isEmpty: b[i] ^= UInt8.random(in: 1...255, using: &rng)
    case 1: b.insert(special.randomElement(using: &rng)!, at: min(i, b.count))
    case 2 where !b.isEmpty: b.remove(at: i)
    case 3 where !b.isEmpty:
      let n = Int.random(in: 1...min(32, b.count - i), using: &rng)
      b.insert(contentsOf: b[i..<(i + n)], at: i)
    case 4: b = Array(b.prefix(i))
    default: b.insert(UInt8.random(in: 0...255, using: &rng), at: min(i, b.count))
    }
  }
  return b
}

/// Parsers fed random bytes and random mutations of valid inputs: no crash, no hang, and
/// either an error or a well-formed result. A deterministic seeded loop (a few hundred cases
/// per parser), so a failing case is replayed by its index.
@Suite struct ValidationFuzzTests {
  @Test func tableReaderSurvivesRandomAndMutatedCSV() throws {
    let folder = try tempFolder("fuzz-csv")
    defer { try? FileManager.default.removeItem(at: folder) }
    let valid = Array(
      ("unit_code,sector,output_value_yuan,allocate_to,source\n"
        + "520621,agriculture,2242000000,cropland,\"江口县统计局, 2024\"\n"
        + "520621001001,forestry,469000000,forest;shrub,公报\n").utf8)
    var rng = SeededRandom(seed: 0x6E_7061_7273)
    for k in 0..<300 {
      let bytes: [UInt8] =
        k < 50
        ? (0..<Int.random(in: 0...400, using: &rng)).map { _ in
          UInt8.random(in: 0...255, using: &rng)
        }
        : mutate(valid, &rng, steps: Int.random(in: 1...8, using: &rng))
      let path = folder.appendingPathComponent("t\(k).csv").path
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      if let t = try? Table(path: path) {
        for r in t.rows { #expect(r.values.count == t.fields.count, "case \(k)") }
        #expect(t.rows.map(\.line) == t.rows.map(\.line).sorted(), "case \(k)")
      }
      try? FileManager.default.removeItem(atPath: path)
    }
  }

  @Test func tableReaderSurvivesMutatedXLSX() throws {
    let folder = try tempFolder("fuzz-xlsx")
    defer { try? FileManager.default.removeItem(at: folder) }
    let csv = folder.appendingPathComponent("g.csv").path
    try Data("unit_code,year,gdp_yuan\n520621,2024,9496000000\n520621001001,2024,1\n".utf8)
      .write(to: URL(fileURLWithPath: csv))
    let xlsx = folder.appendingPathComponent("g.xlsx").path
    try translateVector(
      sourcePath: csv, destinationPath: xlsx, format: "XLSX", arguments: ["-nln", "gdp"])
    let valid = try [UInt8](Data(contentsOf: URL(fileURLWithPath: xlsx)))
    #expect(try Table(path: xlsx, sheet: "gdp").rows.count == 2)
    var rng = SeededRandom(seed: 0x786C_7378)
    for k in 0..<200 {
      let bytes = mutate(valid, &rng, steps: Int.random(in: 1...4, using: &rng))
      let path = folder.appendingPathComponent("m\(k).xlsx").path
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      if let t = try? Table(path: path, sheet: k % 2 == 0 ? "gdp" : nil) {
        for r in t.rows { #expect(r.values.count == t.fields.count, "case \(k)") }
      }
      try? FileManager.default.removeItem(atPath: path)
    }
  }

  @Test func runFileReaderSurvivesRandomAndMutatedTOML() throws {
    let folder = try tempFolder("fuzz-toml")
    defer { try? FileManager.default.removeItem(at: folder) }
    let valid = Array(
      """
      year = 2024
      profile = "national-2022"
      coefficients = "../coefficients"
      output = "out"

      [landuse]
      path = "landuse.tif"
      scheme = "clcd"

      [rasters.precipitation]
      path = "p.tif"
      unit = "mm"
      resampling = "bilinear"

      [units]
      path = "villages.geojson"
      code_field = "code"
      name_field = "name"
      hierarchy = "code12"

      [tables.gdp_population]
      path = "gdp.xlsx"
      sheet = "gdp"

      """.utf8)
    let path = folder.appendingPathComponent("gep.toml").path
    try Data(valid).write(to: URL(fileURLWithPath: path))
    #expect(throws: Never.self) { _ = try RunConfiguration.load(path: path) }
    var rng = SeededRandom(seed: 0x746F_6D6C)
    for k in 0..<400 {
      let bytes: [UInt8] =
        k < 50
        ? (0..<Int.random(in: 0...300, using: &rng)).map { _ in
          UInt8.random(in: 0...255, using: &rng)
        }
        : mutate(valid, &rng, steps: Int.random(in: 1...6, using: &rng))
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      do {
        let c = try RunConfiguration.load(path: path)
        #expect((1949...2100).contains(c.year), "case \(k)")
        #expect(!c.landUse.path.isEmpty, "case \(k)")
      } catch let e as InputProblems {
        #expect(!e.problems.isEmpty, "case \(k)")
        #expect(e.problems.allSatisfy { $0.severity == .error || $0.severity == .warning })
        #expect(e.problems.allSatisfy { $0.location.file == path }, "case \(k)")
      } catch {
        Issue.record("case \(k): unexpected error \(error)")
      }
    }
  }
}
