import Foundation
import GEPCore
import GEPGeo
import GEPPipeline
import Testing

@Suite struct VEPTests {
  /// Parcels on the uniform 20 × 10 forest grid of `ComputeTests` (30 m cells from
  /// (500000, 3000000), EPSG:32649), written as GeoJSON in the grid CRS.
  func parcelsFile(_ folder: URL, _ parcels: [(String, [(Double, Double)])]) throws -> String {
    let features = parcels.map { (id, pts) in
      let ring = (pts + [pts[0]]).map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
      return """
        {"type":"Feature","properties":{"id":"\(id)"},"geometry":{"type":"Polygon","coordinates":[[\(ring)]]}}
        """
    }
    let path = folder.appendingPathComponent("parcels.geojson").path
    try Data(
      """
      {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32649"}},"features":[
      \(features.joined(separator: ",\n"))]}
      """.utf8
    ).write(to: URL(fileURLWithPath: path))
    return path
  }

  func uniformRun(_ folder: URL) throws -> RunConfiguration {
    let run = SyntheticRun.waterBalance()
    return try RunConfiguration.load(path: try run.write(to: folder))
  }

  /// Water conservation of 1 m² of the uniform forest: 457.76 mm · 1 m² · 0.001 m³/(mm·m²)
  /// = 0.45776 m³, worth 0.45776 · 7.53 = 3.4469328 yuan (see `ComputeTests`).
  let waterPerSquareMetre = 0.45776
  let yuanPerSquareMetre = 0.45776 * 7.53

  /// Issue 11: VEP and compute give the same value for a parcel made of whole grid cells that
  /// equals a village (the irregular case's 甲村, cells 0..<33 × 0..<20, with nodata holes in
  /// ET and several land classes), indicator by indicator, to the last bit of the exact sums.
  @Test func parcelOfWholeCellsEqualsTheVillage() throws {
    let folder = try tempFolder("vep-village")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = ComputeTests().irregularRun()
    run.profile = "example-literature"
    let runFile = try run.write(to: folder)
    let account = try compute(runFile, out: folder.appendingPathComponent("out")).account
    let village = try #require(account.units.first { $0.unit.code == "520621001001" })
    let (x0, x1, y0, y1) = (500_000.0, 500_000.0 + 33 * 30, 3_000_000.0, 3_000_000.0 - 20 * 30)
    let parcels = try parcelsFile(folder, [("V", [(x0, y0), (x1, y0), (x1, y1), (x0, y1)])])
    let vep = try VEPJob.run(
      config: try RunConfiguration.load(path: runFile),
      options: VEPOptions(
        parcels: parcels, idField: "id", output: folder.appendingPathComponent("vep").path))
    let parcel = try #require(vep.parcels.first)
    #expect(parcel.coveredArea.raw == village.area.raw)
    var compared = 0
    for line in parcel.lines {
      let v = try #require(
        village.lines.first { $0.indicator == line.indicator && $0.component == line.component })
      guard let value = v.value else {
        #expect(line.baselineValue.raw == 0, "\(line.indicator) \(line.component)")
        continue
      }
      #expect(line.baselineValue.raw == value.raw, "\(line.indicator) \(line.component)")
      #expect(line.baselineQuantity.raw == v.quantity?.raw, "\(line.indicator)")
      compared += 1
    }
    #expect(compared >= 3)
  }

  /// Break-test fault: vep.csv wrote 0 for an indicator computed nowhere in the parcel. On the
  /// uniform forest grid with national-2022 (no carbon rate for forest), carbon sequestration is
  /// not computed: its numbers are empty with status not_computed; water conservation is
  /// computed (0.45776 m³ per m², 900 m² → 411.984 m³).
  @Test func notComputedLinesAreEmptyNotZero() throws {
    let folder = try tempFolder("vep-empty")
    defer { try? FileManager.default.removeItem(at: folder) }
    let config = try uniformRun(folder)
    let (x, y) = (500_000.0, 3_000_000.0)
    let parcels = try parcelsFile(
      folder, [("one", [(x + 60, y - 30), (x + 90, y - 30), (x + 90, y - 60), (x + 60, y - 60)])])
    let out = folder.appendingPathComponent("vep")
    _ = try VEPJob.run(
      config: config, options: VEPOptions(parcels: parcels, idField: "id", output: out.path))
    let rows = try readCSV(out.appendingPathComponent("vep.csv").path)
    let water = try #require(rows.first { $0["indicator"] == "water_conservation" })
    #expect(water["status"] == "computed")
    #expect(abs(Double(water["baseline_quantity"] ?? "")! - 411.984) < 1e-9)
    let carbon = try #require(rows.first { $0["indicator"] == "carbon_sequestration" })
    #expect(carbon["status"] == "not_computed")
    for field in ["baseline_quantity", "baseline_value_yuan", "gain_value_yuan"] {
      #expect(carbon[field] == "", "\(field) = \(carbon[field] ?? "nil")")
    }
  }

  /// Break-test fault / issue 12: restoring a class the profile marks not applicable (bare land,
  /// carbon_sequestration applies = 0) counts the new class's gain instead of "not computed":
  /// 1 hm² bare land → farmland in the reference set: from (0, 0), to 0.129 t C = 0.473 t CO₂.
  @Test func notApplicableClassCountsAsZeroInAChange() throws {
    let set = try CoefficientSet.load(
      from: URL(fileURLWithPath: coefficientRoot).appendingPathComponent("reference"))
    let lines = VEPCalculator.calculate(
      area: 10_000, fromClass: 7, toClass: 5, coefficients: set, means: [:])
    let carbon = try #require(lines.first { $0.indicator == "carbon_sequestration" })
    #expect(carbon.from?.quantity == 0 && carbon.from?.value == 0)
    let to = try #require(carbon.to)
    #expect(abs(to.quantity - 0.129 * 44 / 12) < 1e-12)
  }

  @Test func coveredAreasAreExact() throws {
    let folder = try tempFolder("vep-areas")
    defer { try? FileManager.default.removeItem(at: folder) }
    let config = try uniformRun(folder)
    let x = 500_000.0
    let y = 3_000_000.0
    // One whole cell (col 2, row 1): 900 m². Half a cell (col 5, row 2, west half): 450 m².
    // A 30 m square centred on the corner shared by cells (8…9, 3…4): 4 quarters = 900 m².
    // A 1-mu square (side √(10000/15) = 25.81989 m) inside cell (12, 5): 666.67 m².
    let side = (10_000.0 / 15).squareRoot()
    let parcels = try parcelsFile(
      folder,
      [
        ("one", [(x + 60, y - 30), (x + 90, y - 30), (x + 90, y - 60), (x + 60, y - 60)]),
        ("half", [(x + 150, y - 60), (x + 165, y - 60), (x + 165, y - 90), (x + 150, y - 90)]),
        ("four", [(x + 255, y - 105), (x + 285, y - 105), (x + 285, y - 135), (x + 255, y - 135)]),
        (
          "mu",
          [
            (x + 362, y - 152), (x + 362 + side, y - 152), (x + 362 + side, y - 152 - side),
            (x + 362, y - 152 - side),
          ]
        ),
      ])
    let r = try VEPJob.run(
      config: config,
      options: VEPOptions(
        parcels: parcels, idField: "id", output: folder.appendingPathComponent("vep").path))
    let byID = Dictionary(uniqueKeysWithValues: r.parcels.map { ($0.id, $0) })
    // GEOS areas of cell-sized pieces near the origin of the shifted frame: exact to ~1e-9 m².
    #expect(abs(byID["one"]!.coveredArea.value - 900) < 1e-6)
    #expect(abs(byID["half"]!.coveredArea.value - 450) < 1e-6)
    #expect(abs(byID["four"]!.coveredArea.value - 900) < 1e-6)
    #expect(abs(byID["mu"]!.coveredArea.value - 10_000.0 / 15) < 1e-6)
    #expect(abs(byID["mu"]!.polygonArea - 10_000.0 / 15) < 1e-6)
    // Values follow the covered area: 1 mu of forest → 666.67 · 3.4469328 = 2297.955 yuan/a.
    let mu = byID["mu"]!.lines.first { $0.indicator == "water_conservation" }!
    #expect(abs(mu.baselineQuantity.value - 10_000.0 / 15 * waterPerSquareMetre) < 1e-6)
    #expect(abs(mu.baselineValue.value - 10_000.0 / 15 * yuanPerSquareMetre) < 1e-6)
    // The four-cell parcel has 225 m² in each of 4 cells.
    let csv = try Table(path: folder.appendingPathComponent("vep/vep.csv").path).records
    let total = csv.first { $0["parcel_id"] == "four" && $0["indicator"] == "total" }
    #expect(total?["covered_area_mu"].flatMap(Double.init).map { abs($0 - 1.35) < 1e-9 } == true)
  }

  @Test func overlappingParcelsEachGetTheirFullValueAndIdenticalScenarioGivesZeroGain() throws {
    let folder = try tempFolder("vep-overlap")
    defer { try? FileManager.default.removeItem(at: folder) }
    let config = try uniformRun(folder)
    let x = 500_000.0
    let y = 3_000_000.0
    // A: columns 0–5 (180 m × 300 m = 54 000 m²); B: columns 3–8 overlaps A on columns 3–5.
    let parcels = try parcelsFile(
      folder,
      [
        ("A", [(x, y), (x + 180, y), (x + 180, y - 300), (x, y - 300)]),
        ("B", [(x + 90, y), (x + 270, y), (x + 270, y - 300), (x + 90, y - 300)]),
      ])
    // The scenario raster is the baseline land use itself.
    let r = try VEPJob.run(
      config: config,
      options: VEPOptions(
        parcels: parcels, idField: "id", scenarioLandUse: config.landUse.path, years: 10,
        output: folder.appendingPathComponent("vep").path))
    for p in r.parcels {
      #expect(abs(p.coveredArea.value - 54_000) < 1e-6)
      #expect(abs(p.baselineValue.value - 54_000 * yuanPerSquareMetre) < 1e-6)
      #expect(p.scenarioValue.raw == p.baselineValue.raw)
    }
    #expect(r.presentValueFactor == 10)
    for f in ["vep.csv", "vep.geojson", "vep-report.md"] {
      #expect(
        FileManager.default.fileExists(atPath: folder.appendingPathComponent("vep/\(f)").path))
    }
    let report = try String(
      contentsOf: folder.appendingPathComponent("vep/vep-report.md"), encoding: .utf8)
    #expect(report.contains("SHA-256") && report.contains("万元") && report.contains("per mu"))
    #expect(report.contains("7.53 yuan/m3 (reservoir_capacity_cost"))
  }

  @Test func changeTableMovesTheShareOfAClass() throws {
    // The whole 20 × 10 grid is SWAT 6 (forest → class 103); the change table turns 40 % of it
    // into SWAT 1 (AGRL → class 502, dry farmland), which has no runoff coefficient α in
    // national-2022: a missing coefficient is not a zero, so water conservation is then not
    // computed on the parcel at all (baseline = scenario = 0 counted, with a warning) — rather
    // than a fake loss of 40 %.
    let folder = try tempFolder("vep-changes")
    defer { try? FileManager.default.removeItem(at: folder) }
    let config = try uniformRun(folder)
    let parcels = try parcelsFile(
      folder,
      [
        (
          "all",
          [(500_000, 3_000_000), (500_600, 3_000_000), (500_600, 2_999_700), (500_000, 2_999_700)]
        )
      ])
    let changes = folder.appendingPathComponent("changes.csv").path
    // The second row names SWAT 8 (FRSE), which the all-forest-6 grid does not contain.
    try Data("parcel,from_code,to_code,share\nall,6,1,0.4\nall,8,6,0.5\n".utf8).write(
      to: URL(fileURLWithPath: changes))
    let r = try VEPJob.run(
      config: config,
      options: VEPOptions(
        parcels: parcels, idField: "id", changes: changes,
        output: folder.appendingPathComponent("vep").path))
    let water = r.parcels[0].lines.first { $0.indicator == "water_conservation" }!
    #expect(water.baselineValue.raw == 0 && water.scenarioValue.raw == 0)
    #expect(abs(water.notComputedArea.value - 180_000) < 1e-6)
    #expect(r.warnings.contains { $0.code == "vep.not-computed" })
    let unused = r.warnings.filter { $0.code == "vep.change-unused" }
    #expect(unused.count == 1)
    #expect(unused.first?.message.contains("8 → 6") == true)
    // An unknown parcel id in the change table is an error naming the row.
    try Data("parcel,from_code,to_code,share\nnope,6,1,0.4\n".utf8).write(
      to: URL(fileURLWithPath: changes))
    #expect(throws: InputProblems.self) {
      _ = try VEPJob.run(
        config: config,
        options: VEPOptions(
          parcels: parcels, idField: "id", changes: changes,
          output: folder.appendingPathComponent("vep2").path))
    }
  }

  @Test func presentValueFactor() {
    // r = 0, g = 0: N.
    #expect(GEPPipeline.presentValueFactor(years: 25, discountRate: 0, priceGrowth: 0) == 25)
    // N = 3, r = 5 %: 1 + 1/1.05 + 1/1.05² = 1 + 0.952380952 + 0.907029478 = 2.859410431.
    let f = GEPPipeline.presentValueFactor(years: 3, discountRate: 0.05, priceGrowth: 0)
    #expect(abs(f - 2.859410431) < 1e-9)
    // N = 2, r = 2.77 %, g = 2 %: 1 + 1.02/1.0277 = 1.992507541.
    let g = GEPPipeline.presentValueFactor(years: 2, discountRate: 0.0277, priceGrowth: 0.02)
    #expect(abs(g - 1.992507541) < 1e-9)
  }

  @Test func calculatorMatchesTheCoefficientTable() throws {
    // 10 mu (6666.667 m² = 0.6666667 hm²) of grassland (class 3) becoming forest (class 1),
    // example-literature α: grassland 6.84 %, forest 5.91 % (level-1 means of [S2]); region
    // means P = 1200 mm, ET = 700 mm.
    // Forest: (1200 − 1200 · 0.0591 − 700) = 429.08 mm · 0.6666667 hm² · 10 = 2860.5333 m³.
    // Grassland: (1200 − 1200 · 0.0684 − 700) = 417.92 mm → 2786.1333 m³.
    // Change: 74.4 m³ · 7.53 yuan/m³ = 560.232 yuan/a.
    let set = try CoefficientSet.load(
      from: repoRoot.appendingPathComponent("coefficients/example-literature"))
    let lines = VEPCalculator.calculate(
      area: 10 * 10_000 / 15, fromClass: 3, toClass: 1, coefficients: set,
      means: [.precipitation: 1200, .evapotranspiration: 700])
    let w = try #require(lines.first { $0.indicator == "water_conservation" })
    #expect(abs(w.from!.quantity - 2786.1333333) < 1e-6)
    #expect(abs(w.to!.quantity - 2860.5333333) < 1e-6)
    #expect(abs((w.to!.value - w.from!.value) - 560.232) < 1e-6)
    // Soil conservation needs R, K, LS: not computable without them, and it says so.
    let soil = try #require(lines.first { $0.indicator == "soil_conservation" })
    #expect(soil.from == nil && soil.note.contains("erosivity"))
  }
}

@Suite struct VEPScenarioNoDataTests {
  /// A scenario raster with nodata on column 0: parcel A (columns 0–5, 10 rows) has 10 of its
  /// 60 cells without a scenario class — 9 000 of 54 000 m², 1/6 — which are not computed on
  /// either side (reported), instead of stopping the run with a fake "unknown code".
  @Test func scenarioNoDataIsNotComputedAndReported() throws {
    let folder = try tempFolder("vep-scenario-nodata")
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = SyntheticRun.waterBalance()
    let config = try RunConfiguration.load(path: try run.write(to: folder))
    let grid = try run.grid
    let scenario = folder.appendingPathComponent("scenario.tif").path
    var codes = [Double](repeating: 6, count: grid.width * grid.height)
    for r in 0..<grid.height { codes[r * grid.width] = 0 }
    let w = try RasterWriter(path: scenario, grid: grid, dataType: .int16, noData: 0)
    try w.write(codes, window: grid.fullWindow)
    try w.close()
    let parcels = folder.appendingPathComponent("parcels.geojson").path
    try Data(
      """
      {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32649"}},"features":[
      {"type":"Feature","properties":{"id":"A"},"geometry":{"type":"Polygon","coordinates":[[[500000,3000000],[500180,3000000],[500180,2999700],[500000,2999700],[500000,3000000]]]}}]}
      """.utf8
    ).write(to: URL(fileURLWithPath: parcels))
    let out = folder.appendingPathComponent("vep")
    let r = try VEPJob.run(
      config: config,
      options: VEPOptions(
        parcels: parcels, idField: "id", scenarioLandUse: scenario, output: out.path))
    let water = r.parcels[0].lines.first { $0.indicator == "water_conservation" }!
    #expect(abs(water.notComputedArea.value - 9_000) < 1e-6)
    // 50 computed cells of 900 m²: 45 000 m² × 0.45776 m³/m² × 7.53 yuan/m³.
    #expect(abs(water.baselineValue.value - 45_000 * 0.45776 * 7.53) < 1e-6)
    #expect(water.scenarioValue.raw == water.baselineValue.raw)
    #expect(
      r.warnings.contains { $0.code == "vep.scenario-nodata" && $0.message.hasPrefix("16.7 %") })
    let csv = try Table(path: out.appendingPathComponent("vep.csv").path).records
    let row = csv.first { $0["parcel_id"] == "A" && $0["indicator"] == "water_conservation" }
    #expect(
      row?["not_computed_share"].flatMap(Double.init).map { abs($0 - 1.0 / 6) < 1e-12 } == true)
  }
}
