import Foundation
import GEPCore
import GEPGeo
import GEPPipeline
import Testing

@Suite struct ComputeTests {
  /// Uniform case, answer computed by hand.
  ///
  /// Grid 20 × 10 cells of 30 m (900 m² = 0.09 hm² each), all SWAT code 6 (FRST) → class 103
  /// (mixed needleleaf–broadleaf forest): α = 3.52 % (GEP-METHODS §11.1 [S2]), P (level-1 forest)
  /// = 0.6 (§11.3 [S7]). Village A = columns 0–9, village B = columns 10–19 (100 cells each),
  /// in townships 520621001000 and 520621002000 of county 520621000000.
  ///
  /// Water conservation per cell (§5.1): (1200 − 1200 · 0.0352 − 700) mm = 457.76 mm;
  /// 457.76 mm · 0.09 hm² · 10 m³/(mm·hm²) = 411.984 m³; 100 cells → 41 198.4 m³ per village;
  /// value at 7.53 yuan/m³ = 310 223.952 yuan per village.
  ///
  /// Soil conservation (§5.2): FVC 0.5 → 50 % → C = 0.6508 − 0.3436 · log10 50
  /// = 0.6508 − 0.3436 · 1.6989700043 = 0.0670339065; SC = 4000 · 0.03 · 2 · (1 − 0.6 C)
  /// = 240 · 0.9597796561 = 230.3471175 t/hm²; per cell × 0.09 = 20.73124057 t; per village
  /// × 100 = 2 073.124057 t. Value per t: 0.24/0.93 · 15.58 (sediment, dredging)
  /// + 0.37 % · 875 (N) + 0.108 % · 2800 (P) = 4.020645161 + 3.2375 + 3.024 = 10.282145161.
  ///
  /// Material: 1 000 000 yuan of agriculture at the county, allocate_to cropland, but the grid
  /// has no cropland → allocated by total area (warning): 500 000 per village.
  @Test func uniformCaseMatchesHandComputation() throws {
    let folder = try tempFolder("uniform")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun()
    run.rasters = [
      "precipitation": ("mm", { _, _ in 1200 }), "evapotranspiration": ("mm", { _, _ in 700 }),
      "erosivity": ("MJ mm hm-2 h-1 a-1", { _, _ in 4000 }),
      "erodibility": ("t hm2 h hm-2 MJ-1 mm-1", { _, _ in 0.03 }),
      "ls": ("1", { _, _ in 2 }), "fvc": ("fraction", { _, _ in 0.5 }),
    ]
    run.villages = [
      ("520621001001", "甲村", 0, 0, 10, 10), ("520621002001", "乙村", 10, 0, 20, 10),
    ]
    run.materialCSV =
      "unit_code,sector,output_value_yuan,allocate_to,source\n"
      + "520621,agriculture,1000000,cropland,test\n"
    run.gdpCSV = "unit_code,year,gdp_yuan,population,source\n520621,2024,1000000000,10000,test\n"
    let runFile = try run.write(to: folder)
    let result = try compute(runFile, out: folder.appendingPathComponent("out"))
    #expect(result.cells == 200)
    let summary = try readCSV(folder.appendingPathComponent("out/summary.csv").path)
    let byCode = Dictionary(uniqueKeysWithValues: summary.map { ($0["code"]!, $0) })
    func num(_ code: String, _ col: String) -> Double { Double(byCode[code]?[col] ?? "") ?? .nan }
    // FVC and the rasters are Float32: 0.03 is stored as 0.029999999329447746 and 0.5
    // exactly, so the soil values carry a relative error of 2.2e-8 from K; 1200, 700, 4000 and
    // 2 are exact in Float32.
    let kRel = 1e-7
    for v in ["520621001001", "520621002001"] {
      #expect(abs(num(v, "area_km2") - 0.09) < 1e-12)
      #expect(abs(num(v, "water_conservation_yuan") - 310_223.952) < 1e-6)
      #expect(abs(num(v, "soil_conservation_yuan") / (2073.124057 * 10.282145161) - 1) < kRel)
      #expect(abs(num(v, "agricultural_products_yuan") - 500_000) < 1e-6)
    }
    // Parents are sums of children.
    #expect(abs(num("520621001000", "water_conservation_yuan") - 310_223.952) < 1e-6)
    #expect(abs(num("520621000000", "water_conservation_yuan") - 620_447.904) < 1e-6)
    #expect(abs(num("520621000000", "area_km2") - 0.18) < 1e-12)
    #expect(abs(num("520621000000", "agricultural_products_yuan") - 1_000_000) < 1e-6)
    // GEP/GDP and per capita at the county.
    let gep = num("520621000000", "gep_yuan")
    #expect(abs(num("520621000000", "gep_gdp_ratio") - gep / 1e9) < 1e-15)
    #expect(abs(num("520621000000", "gep_per_capita_yuan") - gep / 10000) < 1e-9)
    // Physical quantities in indicators.csv.
    let lines = try readCSV(folder.appendingPathComponent("out/indicators.csv").path)
    let water = lines.first {
      $0["code"] == "520621001001" && $0["indicator"] == "water_conservation"
    }
    #expect(abs((Double(water?["physical_quantity"] ?? "") ?? 0) - 41_198.4) < 1e-7)
    #expect(water?["physical_unit"] == "m3/a")
    let soil = lines.first {
      $0["code"] == "520621001001" && $0["indicator"] == "soil_conservation"
    }
    #expect(abs((Double(soil?["physical_quantity"] ?? "") ?? 0) / 2073.124057 - 1) < kRel)
    #expect(result.warnings.contains { $0.code == "material.allocation-fallback" })
  }

  /// A deterministic, irregular case: varied rasters, three villages that do not cover the
  /// whole grid (so an unassigned row exists), nodata holes in one input.
  func irregularRun() -> SyntheticRun {
    var run = SyntheticRun()
    run.width = 70
    run.height = 45
    run.landUse = { c, r in [6.0, 6, 1, 7, 8, 6][(c * 7 + r * 3) % 6] }
    run.rasters = [
      "precipitation": ("mm", { c, r in 1000 + Double((c * 37 + r * 11) % 400) + 0.37 }),
      "evapotranspiration": (
        "mm", { c, r in (c + r) % 17 == 0 ? -9999 : 600 + Double((c * r) % 90) / 3 }
      ),
      "erosivity": ("MJ mm hm-2 h-1 a-1", { c, r in 3000 + Double((c * 13 + r * 7) % 1000) }),
      "erodibility": ("t hm2 h hm-2 MJ-1 mm-1", { c, r in 0.02 + Double((c + 2 * r) % 10) / 1000 }),
      "ls": ("1", { c, r in 0.5 + Double((c * r) % 23) / 7 }),
      "fvc": ("fraction", { c, r in Double((c * 3 + r * 5) % 101) / 100 }),
    ]
    run.villages = [
      ("520621001001", "甲村", 0, 0, 33, 20), ("520621001002", "乙村", 33, 0, 70, 20),
      ("520621002001", "丙村", 5, 20, 60, 41),
    ]
    return run
  }

  @Test func resultsAreByteIdenticalForAnyThreadCountAndTileSize() throws {
    let folder = try tempFolder("invariance")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try irregularRun().write(to: folder)
    var outputs: [(String, String)] = []
    for (threads, tile) in [(1, 16), (4, 16), (2, 64), (3, 32)] {
      let out = folder.appendingPathComponent("out-\(threads)-\(tile)")
      _ = try compute(runFile, out: out, threads: threads, tileSize: tile)
      let s = try String(contentsOf: out.appendingPathComponent("summary.csv"), encoding: .utf8)
      let i = try String(contentsOf: out.appendingPathComponent("indicators.csv"), encoding: .utf8)
      outputs.append((s, i))
    }
    for o in outputs.dropFirst() {
      #expect(o.0 == outputs[0].0)
      #expect(o.1 == outputs[0].1)
    }
  }

  @Test func villagesSumToTownshipsAndCountyAndMaskedCellsAreCounted() throws {
    let folder = try tempFolder("rollup")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try irregularRun().write(to: folder)
    let result = try compute(runFile, out: folder.appendingPathComponent("out"))
    let units = result.account.units
    let county = try #require(units.first { $0.unit.level == .county })
    let townships = units.filter { $0.unit.level == .township }
    let villages = units.filter { $0.unit.level == .village && $0.unit.code != "unassigned" }
    #expect(townships.count == 2 && villages.count == 3)
    for (i, line) in county.lines.enumerated() {
      var t = ExactSum()
      var v = ExactSum()
      for u in townships { if let x = u.lines[i].value { t.add(x) } }
      for u in villages { if let x = u.lines[i].value { v.add(x) } }
      if let c = line.value {
        #expect(c.raw == t.raw && c.raw == v.raw)
      }
    }
    // Areas: village rectangles hold 33·20 + 37·20 + 55·21 = 660 + 740 + 1155 = 2555 cells of
    // 900 m²; the rest of the 70·45 = 3150 cells (595) is unassigned.
    #expect(abs(county.area.value - 2555 * 900) < 1e-6)
    let unassigned = try #require(units.first { $0.unit.code == "unassigned" })
    #expect(abs(unassigned.area.value - 595 * 900) < 1e-6)
    // ET is nodata where (c + r) % 17 == 0: water conservation is masked there, and only there.
    var maskedCells = 0
    for r in 0..<45 { for c in 0..<70 where (c + r) % 17 == 0 { maskedCells += 1 } }
    var masked = ExactSum()
    for u in units where u.unit.level == .village {
      if let l = u.lines.first(where: { $0.indicator == "water_conservation" }) {
        masked.add(l.maskedArea)
      }
    }
    #expect(abs(masked.value - Double(maskedCells) * 900) < 1e-6)
  }

  @Test func geographicCopyGivesTheSameAreas() throws {
    // The projected irregular case, and the same land use warped (nearest) onto a WGS 84 grid
    // of about the same cell size. Unit areas then differ only by cells cut differently at the
    // village edges: each village border is ≤ 2 × (33 + 20) cells ≈ 106 cells long, so the
    // area error per village is below ½ cell per border cell, ~5 % of 660 cells in the worst
    // case; the county (2555 cells) is checked to 1 %.
    let folder = try tempFolder("geographic")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = irregularRun()
    run.rasters = [
      "precipitation": ("mm", { _, _ in 1200 }), "evapotranspiration": ("mm", { _, _ in 700 }),
    ]
    let runFile = try run.write(to: folder)
    let projected = try compute(runFile, out: folder.appendingPathComponent("out-utm"))
    // Warp the land use onto lon/lat: 30 m ≈ 0.00027° of latitude at 27°N.
    let src = folder.appendingPathComponent("landuse.tif").path
    let ds = try RasterDataset(path: src)
    let b = try ds.grid().bounds
    var xs = [b.minX, b.maxX]
    var ys = [b.minY, b.maxY]
    let wgs = try SpatialReference(epsg: 4326)
    try CoordinateTransformation(from: try ds.grid().crs, to: wgs).transform(x: &xs, y: &ys)
    let dy = 0.00027
    let dx = 0.0003
    let geo = Grid(
      crs: wgs,
      geoTransform: GeoTransform(
        originX: xs[0] - dx, pixelWidth: dx, originY: ys[1] + dy, pixelHeight: -dy),
      width: Int(((xs[1] - xs[0]) / dx).rounded(.up)) + 2,
      height: Int(((ys[1] - ys[0]) / dy).rounded(.up)) + 2)
    let warped = folder.appendingPathComponent("landuse-geo.tif").path
    try warpRaster(
      sourcePath: src, onto: geo, resampling: .nearest, outputPath: warped, dataType: .int16,
      noData: 0)
    let toml = try String(contentsOfFile: runFile, encoding: .utf8)
      .replacingOccurrences(of: "path = \"landuse.tif\"", with: "path = \"landuse-geo.tif\"")
    let geoRun = folder.appendingPathComponent("geo.toml").path
    try Data(toml.utf8).write(to: URL(fileURLWithPath: geoRun))
    let geographic = try compute(geoRun, out: folder.appendingPathComponent("out-geo"))
    func county(_ r: ComputeResult) -> Double {
      r.account.units.first { $0.unit.level == .county }!.area.value
    }
    let a = county(projected)
    let g = county(geographic)
    #expect(abs(g / a - 1) < 0.01)
    for code in ["520621001001", "520621001002", "520621002001"] {
      let pa = projected.account.units.first { $0.unit.code == code }!.area.value
      let ga = geographic.account.units.first { $0.unit.code == code }!.area.value
      #expect(abs(ga / pa - 1) < 0.05)
    }
  }

  @Test func outputsParseAsCSVAndRFC7946GeoJSON() throws {
    let folder = try tempFolder("formats")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try irregularRun().write(to: folder)
    let out = folder.appendingPathComponent("out")
    _ = try compute(runFile, out: out)
    let summary = try Table(path: out.appendingPathComponent("summary.csv").path)
    #expect(summary.rows.count == 1 + 2 + 3 + 1)
    #expect(summary.rows.allSatisfy { $0.values.count == summary.fields.count })
    let data = try Data(contentsOf: out.appendingPathComponent("units.geojson"))
    let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    #expect(json?["type"] as? String == "FeatureCollection")
    let features = json?["features"] as? [[String: Any]] ?? []
    #expect(features.count == 6)
    // RFC 7946 §3.1.6: every exterior ring counter-clockwise (positive shoelace area in
    // lon/lat), holes clockwise — the township and county unions included (GEOS returns them
    // clockwise; a new user's check found 11 of 169 demo polygons wrong before the fix).
    func ringArea(_ ring: [[Double]]) -> Double {
      var a = 0.0
      for i in 0..<(ring.count - 1) {
        a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1]
      }
      return a / 2
    }
    var rings = 0
    for f in features {
      let g = f["geometry"] as? [String: Any] ?? [:]
      let polygons: [[[[Double]]]] =
        g["type"] as? String == "Polygon"
        ? [g["coordinates"] as? [[[Double]]] ?? []]
        : (g["coordinates"] as? [[[[Double]]]] ?? [])
      for p in polygons {
        for (i, ring) in p.enumerated() {
          rings += 1
          #expect((ringArea(ring) > 0) == (i == 0))
        }
      }
    }
    #expect(rings >= 6)
    // RFC 7946: lon/lat; the grid lies near 111°E, 27°N.
    let layer = try VectorDataset(path: out.appendingPathComponent("units.geojson").path).layer(0)
    #expect(try layer.spatialReference()?.epsg == 4326)
    for f in try layer.features() {
      let e = try #require(f.geometry).envelope
      #expect(e.minX > 110.9 && e.maxX < 111.1 && e.minY > 27 && e.maxY < 27.2)
    }
    let manifest =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as? [String: Any]
    #expect(manifest?["accounting_year"] as? Int == 2024)
    let inputs = manifest?["inputs"] as? [[String: Any]] ?? []
    #expect(
      inputs.contains {
        ($0["role"] as? String) == "landuse" && ($0["sha256"] as? String)?.count == 64
      })
  }

  @Test func unknownLandUseCodesAreListedAndNothingIsWritten() throws {
    let folder = try tempFolder("unknown")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = irregularRun()
    // Codes 99 and 98 are not SWAT codes of the crosswalk: 99 on column 0 (45 cells),
    // 98 on column 1 (45 cells), of 3150 cells → 1.4286 % each.
    run.landUse = { c, _ in c == 0 ? 99 : (c == 1 ? 98 : 6) }
    let runFile = try run.write(to: folder)
    let out = folder.appendingPathComponent("out")
    do {
      _ = try compute(runFile, out: out)
      Issue.record("unknown codes must stop the run")
    } catch let e as InputProblems {
      let unknown = e.problems.filter { $0.code == "landuse.unknown-code" }
      #expect(unknown.count == 2)
      #expect(
        unknown.contains {
          $0.message.contains("land-use code 98") && $0.message.contains("45 cells")
            && $0.message.contains("1.4286 %")
        })
      #expect(unknown.contains { $0.message.contains("land-use code 99") })
    }
    #expect(!FileManager.default.fileExists(atPath: out.path))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
      $0.hasPrefix(".out")
    }
    #expect(leftovers.isEmpty)
  }

  @Test func existingOutputIsRefusedWithoutOverwrite() throws {
    let folder = try tempFolder("exists")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try irregularRun().write(to: folder)
    let out = folder.appendingPathComponent("out")
    _ = try compute(runFile, out: out)
    #expect(throws: InputProblems.self) { _ = try compute(runFile, out: out) }
    _ = try compute(runFile, out: out, overwrite: true)
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("summary.csv").path))
  }
}

@Suite struct MatrixAndGradeTests {
  /// Six villages as vertical strips of 5 columns on a 30 × 10 forest grid, precipitation
  /// rising by 10 mm per column: water conservation per km² rises from west to east, so the
  /// eastmost village has the highest GEP density. Grades: rank r of 6 → 1 + ⌊5r/6⌋ =
  /// 1, 1, 2, 3, 4, 5 from east to west. The matrix row of forest (class 1) carries the whole
  /// value, equal to the indicator's value to the last bit (both are exact sums of the same
  /// cells).
  @Test func gradesAndServiceByClassMatrix() throws {
    let folder = try tempFolder("grades")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun()
    run.width = 30
    run.rasters = [
      "precipitation": ("mm", { c, _ in 1000 + 10 * Double(c) }),
      "evapotranspiration": ("mm", { _, _ in 600 }),
    ]
    run.villages = (0..<6).map { i in
      ("52062100100\(i + 1)", "村\(i + 1)", 5 * i, 0, 5 * i + 5, 10)
    }
    let runFile = try run.write(to: folder)
    let out = folder.appendingPathComponent("out")
    let result = try compute(runFile, out: out)
    let grades = valueGrades(result.account)
    #expect(grades["520621001006"] == 1 && grades["520621001005"] == 1)
    #expect(grades["520621001004"] == 2 && grades["520621001003"] == 3)
    #expect(grades["520621001002"] == 4 && grades["520621001001"] == 5)
    #expect(grades["520621000000"] == nil)
    let summary = try readCSV(out.appendingPathComponent("summary.csv").path)
    #expect(summary.first { $0["code"] == "520621001006" }?["grade"] == "1")
    let county = try #require(result.account.units.first { $0.unit.level == .county })
    let water = try #require(county.lines.first { $0.indicator == "water_conservation" })
    let forest = try #require(result.account.level1Codes.firstIndex(of: 1))
    #expect(water.classValues[forest].raw == water.value!.raw)
    let matrix = try readCSV(out.appendingPathComponent("matrix.csv").path)
    let row = matrix.first {
      $0["code"] == "520621000000" && $0["indicator"] == "water_conservation"
        && $0["class_code"] == "1"
    }
    #expect(row?["value_yuan"] == formatNumber(water.value!.value))
  }
}
