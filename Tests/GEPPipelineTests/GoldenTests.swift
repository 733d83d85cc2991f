import Foundation
import GEPPipeline
import Testing

/// Golden files: the outputs of the demo county and of the irregular synthetic case, compared
/// byte for byte, so that a refactor is proven to preserve behaviour.
///
/// The files live in `Tests/GEPPipelineTests/Golden/<case>/`. They are refreshed only on
/// purpose, after a deliberate change of results, with
///
///     GEP_REFRESH_GOLDEN=1 swift test --filter GoldenTests
///
/// and the commit that refreshes them says why. A missing golden file is a failure, never a
/// silent pass.
@Suite struct GoldenTests {
  static let goldenRoot = repoRoot.appendingPathComponent("Tests/GEPPipelineTests/Golden")
  static let refreshing = ProcessInfo.processInfo.environment["GEP_REFRESH_GOLDEN"] == "1"

  /// The outputs of `gep compute` that are compared (manifest.json holds timings, paths and
  /// hashes that differ per run; its warnings are compared as codes below).
  static let computeFiles = ["summary.csv", "indicators.csv", "matrix.csv", "units.geojson"]

  /// Compares `files` of `out` with the golden folder `name` (or writes them when refreshing).
  func compare(_ name: String, out: URL, files: [String], extra: [String: String] = [:]) throws {
    let golden = Self.goldenRoot.appendingPathComponent(name)
    var produced: [String: Data] = [:]
    for f in files { produced[f] = try Data(contentsOf: out.appendingPathComponent(f)) }
    for (f, text) in extra { produced[f] = Data(text.utf8) }
    if Self.refreshing {
      try FileManager.default.createDirectory(at: golden, withIntermediateDirectories: true)
      for (f, data) in produced { try data.write(to: golden.appendingPathComponent(f)) }
      return
    }
    for (f, data) in produced.sorted(by: { $0.key < $1.key }) {
      let path = golden.appendingPathComponent(f)
      guard let expected = try? Data(contentsOf: path) else {
        Issue.record("golden file \(name)/\(f) is missing (refresh with GEP_REFRESH_GOLDEN=1)")
        continue
      }
      if data != expected {
        // Name the first differing line, to make a failure readable.
        let a = String(decoding: data, as: UTF8.self).components(separatedBy: "\n")
        let b = String(decoding: expected, as: UTF8.self).components(separatedBy: "\n")
        var i = 0
        while i < a.count && i < b.count && a[i] == b[i] { i += 1 }
        let got = i < a.count ? String(a[i].prefix(300)) : "<end>"
        let want = i < b.count ? String(b[i].prefix(300)) : "<end>"
        Issue.record(
          "\(name)/\(f) differs from the golden file at line \(i + 1):\n  got:      \(got)\n  expected: \(want)"
        )
      }
    }
  }

  /// The warning codes of a run, one per line with their count (messages hold paths).
  func warningCodes(_ warnings: [Problem]) -> String {
    var counts: [String: Int] = [:]
    for w in warnings { counts[w.code, default: 0] += 1 }
    return counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined()
  }

  /// The demo county's run file with another profile (the file is copied next to the original
  /// so its relative paths still resolve).
  func demoRun(profile: String?, in folder: URL) throws -> String {
    let demo = repoRoot.appendingPathComponent("sample-data/demo-county")
    var toml = try String(
      contentsOf: demo.appendingPathComponent("gep.toml"), encoding: .utf8)
    toml = toml.replacingOccurrences(
      of: "coefficients = \"../../coefficients\"", with: "coefficients = \"\(coefficientRoot)\"")
    for name in [
      "landuse.tif", "precipitation.tif", "evapotranspiration.tif", "erosivity.tif",
      "erodibility.tif", "ls.tif", "fvc.tif", "dem.tif", "villages.geojson", "units.csv",
      "material_products.csv", "gdp_population.csv",
    ] {
      toml = toml.replacingOccurrences(
        of: "path = \"\(name)\"", with: "path = \"\(demo.appendingPathComponent(name).path)\"")
      toml = toml.replacingOccurrences(
        of: "names = \"\(name)\"", with: "names = \"\(demo.appendingPathComponent(name).path)\"")
    }
    if let profile {
      #expect(toml.contains("profile = \"reference\""))
      toml = toml.replacingOccurrences(
        of: "profile = \"reference\"", with: "profile = \"\(profile)\"")
    }
    let path = folder.appendingPathComponent("gep.toml")
    try Data(toml.utf8).write(to: path)
    return path.path
  }

  @Test(arguments: ["reference", "example-literature", "national-2022"])
  func demoCounty(profile: String) throws {
    let folder = try tempFolder("golden-demo")
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = try demoRun(profile: profile, in: folder)
    let out = folder.appendingPathComponent("out")
    let result = try compute(run, out: out)
    if profile == "reference" {
      // Constant prices (issue 13): the reservoir cost 7.53 yuan/m³ of 2011 is brought to 2024
      // with the national CPI chain of the reference set, 2012…2024 (上年 = 100): 102.6, 102.6,
      // 102.0, 101.4, 102.0, 101.6, 102.1, 102.9, 102.5, 100.9, 102.0, 100.2, 100.2 →
      // factor 1.2555051 → 9.4539536 yuan/m³ (multiplied out by hand with a calculator).
      let county = try #require(result.account.units.first { $0.unit.level == .county })
      let water = try #require(county.lines.first { $0.indicator == "water_conservation" })
      let price = try #require(water.value).value / (try #require(water.quantity).value)
      #expect(abs(price - 9.453953623) < 1e-8)
      #expect(water.price.contains("2011 → 2024 by cpi_national"))
    }
    try compare(
      "demo-\(profile)", out: out, files: Self.computeFiles,
      extra: ["warnings.txt": warningCodes(result.warnings)])
  }

  @Test(arguments: ["national-2022", "example-literature"])
  func irregularSyntheticCase(profile: String) throws {
    let folder = try tempFolder("golden-irregular")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = ComputeTests().irregularRun()
    run.profile = profile
    run.rasters["slope"] = ("degree", { c, r in Double((c * 5 + r * 3) % 35) })
    let runFile = try run.write(to: folder)
    let out = folder.appendingPathComponent("out")
    let result = try compute(runFile, out: out, tileSize: 32)
    try compare(
      "irregular-\(profile)", out: out, files: Self.computeFiles,
      extra: ["warnings.txt": warningCodes(result.warnings)])
  }

  /// A copy of example-literature with every empty carbon, climate and purification value
  /// filled with a test value (class code mod 9 + 1, times a per-table scale; rows documented
  /// as "not computed in this version" stay empty) and cooling days 40, so that every per-cell channel is computed in `irregularEveryChannel`.
  func filledCoefficients(_ folder: URL) throws -> URL {
    let root = folder.appendingPathComponent("coef")
    let fm = FileManager.default
    try fm.createDirectory(at: root, withIntermediateDirectories: true)
    let set = root.appendingPathComponent("example-literature")
    try fm.copyItem(
      at: URL(fileURLWithPath: coefficientRoot).appendingPathComponent("example-literature"),
      to: set)
    let scales = [
      "carbon_sequestration.csv": 0.5, "climate_regulation.csv": 1000,
      "air_purification.csv": 20, "water_purification.csv": 3,
    ]
    for (file, scale) in scales {
      let url = set.appendingPathComponent(file)
      let lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
      let filled = lines.enumerated().map { (i, line) -> String in
        var f = line.components(separatedBy: ",")
        guard i > 0, !line.contains("\""), !line.contains("not computed in this version"),
          f.count > 4, f[3].isEmpty, let code = Int(f[0])
        else { return line }
        f[3] = String(Double(code % 9 + 1) * scale)
        return f.joined(separator: ",")
      }
      try Data(filled.joined(separator: "\n").utf8).write(to: url)
    }
    let parameters = set.appendingPathComponent("parameters.csv")
    let text = try String(contentsOf: parameters, encoding: .utf8)
    #expect(text.contains("cooling_days,climate_regulation,,"))
    try Data(
      text.replacingOccurrences(
        of: "cooling_days,climate_regulation,,", with: "cooling_days,climate_regulation,40,"
      ).utf8
    ).write(to: parameters)
    return root
  }

  /// The irregular case with a marsh class (SWAT 9) and every per-cell channel computed.
  @Test func irregularEveryChannel() throws {
    let folder = try tempFolder("golden-every")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = ComputeTests().irregularRun()
    run.profile = "example-literature"
    run.landUse = { c, r in [6.0, 6, 1, 7, 8, 9, 6][(c * 7 + r * 3) % 7] }
    run.rasters["slope"] = ("degree", { c, r in Double((c * 5 + r * 3) % 35) })
    let runFile = try run.write(to: folder)
    let root = try filledCoefficients(folder)
    try editRunFile(
      folder, "coefficients = \"\(coefficientRoot)\"", "coefficients = \"\(root.path)\"")
    let out = folder.appendingPathComponent("out")
    let result = try compute(runFile, out: out, tileSize: 32)
    let county = try #require(result.account.units.first { $0.unit.level == .county })
    for id in [
      "carbon_sequestration", "climate_regulation", "air_purification", "water_purification",
    ] {
      #expect(county.indicatorStatus(id) != .notComputed, "\(id)")
    }
    try compare(
      "irregular-every-channel", out: out, files: Self.computeFiles,
      extra: ["warnings.txt": warningCodes(result.warnings)])
  }

  @Test func demoVEP() throws {
    let folder = try tempFolder("golden-vep")
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = try demoRun(profile: nil, in: folder)
    let demo = repoRoot.appendingPathComponent("sample-data/demo-county")
    let out = folder.appendingPathComponent("vep")
    let config = try RunConfiguration.load(path: run)
    _ = try VEPJob.run(
      config: config,
      options: VEPOptions(
        parcels: demo.appendingPathComponent("parcels.geojson").path, idField: "id",
        changes: demo.appendingPathComponent("parcel_changes.csv").path, years: 20,
        discountRate: 0.0277, output: out.path))
    try compare("demo-vep", out: out, files: ["vep.csv", "vep.geojson"])
  }
}
