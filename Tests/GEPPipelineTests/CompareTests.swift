import Foundation
import GEPCore
import Testing

@testable import GEPPipeline

/// `gep compare` and multi-year run files (issue 17).
@Suite struct CompareTests {
  /// Writes an account folder by hand: summary.csv (class areas forest, farmland),
  /// indicators.csv, matrix.csv and a manifest naming the reference coefficient set.
  func writeAccount(
    _ folder: URL, year: Int,
    units: [(code: String, name: String, level: String, forestKm2: Double)],
    lines: [(
      code: String, indicator: String, category: String, quantity: String, value: String,
      status: String, forestValue: Double?
    )]
  ) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var s =
      "code,name,level,parent_code,area_km2,landuse_nodata_km2,area_forest_km2,area_farmland_km2\n"
    for u in units {
      s += "\(u.code),\(u.name),\(u.level),,\(u.forestKm2 + 1),0,\(u.forestKm2),1\n"
    }
    try s.write(to: folder.appendingPathComponent("summary.csv"), atomically: true, encoding: .utf8)
    var i = "code,indicator,component,category,physical_quantity,physical_unit,value_yuan,status\n"
    var m = "code,indicator,component,class_name,value_yuan\n"
    for l in lines {
      i += "\(l.code),\(l.indicator),,\(l.category),\(l.quantity),m3/a,\(l.value),\(l.status)\n"
      if let v = l.forestValue { m += "\(l.code),\(l.indicator),,Forest,\(v)\n" }
    }
    try i.write(
      to: folder.appendingPathComponent("indicators.csv"), atomically: true, encoding: .utf8)
    try m.write(to: folder.appendingPathComponent("matrix.csv"), atomically: true, encoding: .utf8)
    let manifest = """
      {"accounting_year": \(year), "coefficients": "\(coefficientRoot)/reference",
       "run_file": "hand", "grid": {}, "inputs": [], "warnings": []}
      """
    try manifest.write(
      to: folder.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
  }

  /// Units matched by code; one removed (V2), one added (V3), one re-coded (V5 → V6, same name
  /// and level) are reported, not dropped; a line computed in 2020 only has no change; values
  /// at constant 2024 prices match the index table by hand.
  ///
  /// Hand computation from coefficients/reference/price_index.csv (cpi_national, chain,
  /// previous year = 100): I_2024 / I_2020 = 1.009 (2021) × 1.020 (2022) × 1.002 (2023) ×
  /// 1.002 (2024) = 1.03329883…; water conservation of V1 in 2020: 3000 yuan → 3000 ×
  /// 1.03329883… at 2024 prices. Its change to 4800 (2024) is decomposed exactly.
  @Test func unitsAddedRemovedRecodedAndIndexedValues() throws {
    let root = try tempFolder("compare-units")
    defer { try? FileManager.default.removeItem(at: root) }
    let a = root.appendingPathComponent("2020")
    let b = root.appendingPathComponent("2024")
    try writeAccount(
      a, year: 2020,
      units: [("V1", "一村", "village", 1), ("V2", "二村", "village", 1), ("V5", "五村", "village", 1)],
      lines: [
        ("V1", "water_conservation", "regulating", "1000", "3000", "computed", 3000),
        ("V1", "carbon_sequestration", "regulating", "10", "50", "computed", 50),
        ("V1", "climate_regulation", "regulating", "", "", "not_computed", nil),
        ("V2", "water_conservation", "regulating", "500", "1500", "computed", 1500),
        ("V5", "water_conservation", "regulating", "500", "1500", "computed", 1500),
      ])
    try writeAccount(
      b, year: 2024,
      units: [
        ("V1", "一村", "village", 1.2), ("V3", "三村", "village", 1), ("V6", "五村", "village", 1),
      ],
      lines: [
        ("V1", "water_conservation", "regulating", "1200", "4800", "computed", 4800),
        ("V1", "carbon_sequestration", "regulating", "", "", "not_computed", nil),
        ("V1", "climate_regulation", "regulating", "", "", "not_computed", nil),
        ("V3", "water_conservation", "regulating", "700", "2800", "computed", 2800),
        ("V6", "water_conservation", "regulating", "500", "2000", "computed", 2000),
      ])
    // Given in either order: ordered by year.
    let r = try CompareJob.run(a: b.path, b: a.path, options: CompareOptions())
    #expect(r.yearA == 2020 && r.yearB == 2024 && r.baseYear == 2024)
    let f = 1.009 * 1.020 * 1.002 * 1.002
    #expect(abs(r.deflatorA! - f) <= 1e-12 * f)
    #expect(r.deflatorB == 1)
    let water = try #require(
      r.rows.first { $0.code == "V1" && $0.indicator == "water_conservation" })
    #expect(abs(water.constantA! - 3000 * f) <= 1e-12 * 3000 * f)
    #expect(water.constantB == 4800)
    #expect(water.decomposition == .byClass)
    let e = try #require(water.constant)
    #expect(abs(e.total - (4800 - 3000 * f)) <= 1e-9 * 4800)
    // Current prices: 3000 → 4800, p 3 → 4, forest 1 → 1.2 km², q 1e-3 m³/m² both years:
    // condition effect 0 and price + extent = 1800.
    let c = try #require(water.current)
    #expect(abs(c.condition) <= 1e-9 * 4800)
    #expect(abs(c.total - 1800) <= 1e-9 * 1800)
    // Computed in 2020 only: shown, not changed, and left out of the total with its name.
    let carbon = try #require(
      r.rows.first { $0.code == "V1" && $0.indicator == "carbon_sequestration" })
    #expect(carbon.valueA == 50 && carbon.valueB == nil && carbon.current == nil)
    #expect(carbon.note.contains("computed in A only"))
    let notComputed = try #require(
      r.rows.first { $0.code == "V1" && $0.indicator == "climate_regulation" })
    #expect(notComputed.valueA == nil && notComputed.valueB == nil && notComputed.current == nil)
    let total = try #require(r.rows.first { $0.code == "V1" && $0.indicator == "total_gep" })
    #expect(total.valueA == 3000 && total.valueB == 4800)
    #expect(total.note.contains("carbon_sequestration"))
    // Units only in one year: their rows, with their values and no change.
    let removed = try #require(r.rows.first { $0.code == "V2" })
    #expect(removed.match == "removed" && removed.valueA == 1500 && removed.current == nil)
    let added = try #require(r.rows.first { $0.code == "V3" })
    #expect(added.match == "added" && added.valueB == 2800 && added.current == nil)
    let codes = r.warnings.map(\.code)
    #expect(codes.contains("compare.unit-removed"))
    #expect(codes.contains("compare.unit-added"))
    #expect(r.warnings.contains { $0.code == "compare.unit-recoded" && $0.message.contains("V6") })
    let removedTotal = try #require(
      r.rows.first { $0.code == "V2" && $0.indicator == "total_gep" })
    #expect(removedTotal.valueA == 1500 && removedTotal.valueB == nil)
    // Another base year: 2020 prices, deflators I_2020/I_2020 = 1 and I_2020/I_2024 = 1/f.
    let at2020 = try CompareJob.run(a: a.path, b: b.path, options: CompareOptions(baseYear: 2020))
    #expect(at2020.deflatorA == 1)
    #expect(abs(at2020.deflatorB! - 1 / f) <= 1e-12)
    let water2020 = try #require(
      at2020.rows.first { $0.code == "V1" && $0.indicator == "water_conservation" })
    #expect(abs(water2020.constantB! - 4800 / f) <= 1e-12 * 4800)
    // change.csv keeps empty what is not computed.
    let csv = changeCSV(r, bom: false)
    let carbonLine = try #require(
      csv.split(separator: "\n").first { $0.contains("V1,一村") && $0.contains("carbon") })
    #expect(carbonLine.contains(",50,,"))
  }

  /// `[years.Y]`: per-year paths replace the run file's; an unknown key and a raster role the
  /// run file does not declare are errors with the run file, line and key.
  @Test func yearsTablesOfTheRunFile() throws {
    let demo = repoRoot.appendingPathComponent("sample-data/demo-county/gep-years.toml").path
    let config = try RunConfiguration.load(path: demo)
    #expect(config.years.keys.sorted() == [2020, 2024])
    let y20 = config.forYear(2020)
    #expect(y20.year == 2020 && y20.years.isEmpty)
    #expect(y20.landUse.path.hasSuffix("/landuse_2020.tif"))
    #expect(y20.rasters["precipitation"]!.path.hasSuffix("/precipitation_2020.tif"))
    #expect(y20.rasters["dem"]!.path.hasSuffix("/dem.tif"))
    let y24 = config.forYear(2024)
    #expect(y24.landUse.path.hasSuffix("/landuse.tif"))

    let folder = try tempFolder("years-run-file")
    defer { try? FileManager.default.removeItem(at: folder) }
    var text = try String(contentsOfFile: demo, encoding: .utf8)
    text +=
      "\n[years.2022.landuse]\npath = \"x.tif\"\nbnad = 2\n\n[years.2022.rasters.ndvi]\npath = \"n.tif\"\n"
    let path = folder.appendingPathComponent("gep.toml")
    try text.write(to: path, atomically: true, encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let bnadLine = lines.firstIndex { $0.hasPrefix("bnad") }! + 1
    let ndviLine = lines.firstIndex { $0 == "[years.2022.rasters.ndvi]" }! + 1
    do {
      _ = try RunConfiguration.load(path: path.path)
      Issue.record("the unknown key was accepted")
    } catch let e as InputProblems {
      let unknown = e.problems.first { $0.location.field == "years.2022.landuse.bnad" }
      #expect(unknown?.code == "run-file.unknown-key")
      #expect(unknown?.location.row == bnadLine)
      #expect(unknown?.location.file == path.path)
      let role = e.problems.first { $0.location.field == "years.2022.rasters.ndvi" }
      #expect(role?.code == "run-file.unknown-key")
      #expect(role?.location.row == ndviLine)
    }
  }

  /// End to end on the two demo years (2020 synthetic: wetter, cropland → forest and forest →
  /// urban undone): the county's change at constant 2024 prices is the sum of its effects
  /// (1e-9 relative); the price effect at constant prices is nil to rounding (both years index
  /// the same published prices with the same CPI); land use gains value (more forest) and the
  /// drier 2024 loses water conservation per area (condition effect < 0).
  @Test func demoYearsEndToEnd() throws {
    let demo = repoRoot.appendingPathComponent("sample-data/demo-county/gep-years.toml").path
    let config = try RunConfiguration.load(path: demo)
    let root = try tempFolder("compare-demo")
    defer { try? FileManager.default.removeItem(at: root) }
    // YearsJob: what `gep compute gep-years.toml` runs.
    let years = try YearsJob.run(
      config: config, options: ComputeOptions(output: root.path, threads: 2))
    let folders = years.accounts.map(\.result.output)
    #expect(years.accounts.map(\.year) == [2020, 2024])
    let r = try #require(years.comparison)
    let county = try #require(
      r.rows.first { $0.level == "county" && $0.indicator == "total_gep" })
    let e = try #require(county.constant)
    let change = county.constantB! - county.constantA!
    #expect(abs(e.total - change) <= 1e-9 * abs(change))
    #expect(abs(e.price) <= 1e-9 * county.constantB!)
    #expect(e.extent > 0)
    let water = try #require(
      r.rows.first { $0.level == "county" && $0.indicator == "water_conservation" })
    #expect(water.constant!.condition < 0)
    // Every decomposed row sums to its change.
    for row in r.rows {
      guard let c = row.constant, let a = row.constantA, let b = row.constantB else { continue }
      #expect(abs(c.total - (b - a)) <= 1e-9 * max(abs(a), abs(b), 1))
    }
    // Transitions (the years share one grid and one unit layer): summed over the county's
    // transitions, the value change is the class-split lines' change at constant prices, and
    // the areas leaving each class are its 2020 area (summary.csv), both to 1e-9.
    let text = try String(
      contentsOf: root.appendingPathComponent("compare/transitions.csv"), encoding: .utf8)
    let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
      .filter { $0.first == "520621000000" }
    #expect(!rows.isEmpty)
    let valueChange = rows.compactMap { Double($0[10]) }.reduce(0, +)
    var classSplit = ExactSum()
    for row in r.rows
    where row.code == "520621000000" && row.decomposition == .byClass {
      classSplit.add(row.constant!.total)
    }
    #expect(abs(valueChange - classSplit.value) <= 1e-9 * abs(classSplit.value))
    let a = try AccountSnapshot.read(folder: folders[0])
    let countyA = try #require(a.units.first { $0.code == "520621000000" })
    for (key, area) in countyA.classAreas where area > 0 {
      let leaving = rows.filter { $0[5] == key }.compactMap { Double($0[7]) }.reduce(0, +) * 1e4
      #expect(abs(leaving - area) <= 1e-9 * area, "\(key)")
    }
    let cropToForest = rows.first { $0[5] == "farmland" && $0[6] == "forest" }
    #expect(cropToForest != nil)
    for name in ["change.csv", "compare-report.md", "transitions.csv"] {
      #expect(
        FileManager.default.fileExists(
          atPath: root.appendingPathComponent("compare/\(name)").path))
    }
  }
}
