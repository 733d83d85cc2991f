import Foundation
import GEPCore
import GEPGeo
import GEPPipeline
import Testing

// One small fixture per bad-input case of `InputValidator` (issue 6): each test builds a
// synthetic run (`SyntheticRun`: 20 × 10 cells of 30 m in EPSG:32649 from (500000, 3000000),
// SWAT code 6 everywhere), breaks one thing, and asserts the code, message and location.

/// A valid base run: two villages (columns 0–9 and 10–19), precipitation 1200 mm and ET 700 mm.
func validationBase() -> SyntheticRun {
  var run = SyntheticRun()
  run.rasters = [
    "precipitation": ("mm", { _, _ in 1200 }), "evapotranspiration": ("mm", { _, _ in 700 }),
  ]
  run.villages = [
    ("520621001001", "甲村", 0, 0, 10, 10), ("520621002001", "乙村", 10, 0, 20, 10),
  ]
  return run
}

/// Writes `run`, lets `edit` change the files (given the folder), validates the run file.
func validated(
  _ run: SyntheticRun = validationBase(), edit: (URL) throws -> Void = { _ in }
) throws -> [Problem] {
  let folder = try tempFolder("validate")
  defer { try? FileManager.default.removeItem(at: folder) }
  let runFile = try run.write(to: folder)
  try edit(folder)
  return validate(runFile: runFile)
}

/// Replaces text in the run file of `folder`.
func editRunFile(_ folder: URL, _ old: String, _ new: String) throws {
  let url = folder.appendingPathComponent("gep.toml")
  let text = try String(contentsOf: url, encoding: .utf8)
  #expect(text.contains(old), "the run file has no \(old)")
  try Data(text.replacingOccurrences(of: old, with: new).utf8).write(to: url)
}

/// Appends to the run file of `folder`.
func appendRunFile(_ folder: URL, _ text: String) throws {
  let url = folder.appendingPathComponent("gep.toml")
  let old = try String(contentsOf: url, encoding: .utf8)
  try Data((old + "\n" + text + "\n").utf8).write(to: url)
}

/// The problems with `code`.
func with(_ code: String, _ problems: [Problem]) -> [Problem] {
  problems.filter { $0.code == code }
}

/// Writes a raster on `grid` from a function of (col, row).
func writeTestRaster(
  _ path: URL, grid: Grid, type: RasterDataType = .float32, noData: Double? = -9999,
  _ f: (Int, Int) -> Double
) throws {
  var v = [Double](repeating: 0, count: grid.width * grid.height)
  for r in 0..<grid.height { for c in 0..<grid.width { v[r * grid.width + c] = f(c, r) } }
  let w = try RasterWriter(
    path: path.path, grid: grid, dataType: type, noData: noData, blockSize: 16)
  try w.write(v, window: grid.fullWindow)
  try w.close()
}

/// The grid of `SyntheticRun` with another origin or size.
func shiftedGrid(
  x: Double = 500_000, y: Double = 3_000_000, width: Int = 20, height: Int = 10,
  cell: Double = 30, epsg: Int = 32649
) throws -> Grid {
  Grid(
    crs: try SpatialReference(epsg: epsg),
    geoTransform: GeoTransform(originX: x, pixelWidth: cell, originY: y, pixelHeight: -cell),
    width: width, height: height)
}

/// A GeoJSON FeatureCollection in EPSG:32649 of (code, name, WKT-like ring in cell coordinates
/// of the synthetic grid, or nil for a null geometry).
func unitsGeoJSON(_ units: [(String, String, [(Double, Double)]?)]) -> String {
  let features = units.map { u -> String in
    let geometry: String
    if let ring = u.2 {
      let coords = ring.map { "[\(500_000 + $0.0 * 30),\(3_000_000 - $0.1 * 30)]" }
      geometry = "{\"type\":\"Polygon\",\"coordinates\":[[\(coords.joined(separator: ","))]]}"
    } else {
      geometry = "null"
    }
    return "{\"type\":\"Feature\",\"properties\":{\"code\":\"\(u.0)\",\"name\":\"\(u.1)\"},"
      + "\"geometry\":\(geometry)}"
  }
  return "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
    + "{\"name\":\"urn:ogc:def:crs:EPSG::32649\"}},\"features\":["
    + features.joined(separator: ",") + "]}"
}

/// A rectangle ring in cell coordinates.
func rect(_ c0: Double, _ r0: Double, _ c1: Double, _ r1: Double) -> [(Double, Double)] {
  [(c0, r0), (c1, r0), (c1, r1), (c0, r1), (c0, r0)]
}

@Suite struct ValidationFileTests {
  @Test func baseRunHasNoErrors() throws {
    let problems = try validated()
    #expect(problems.filter { $0.severity == .error }.isEmpty, "\(problems)")
  }

  @Test func missingFileIsNamedWithItsKey() throws {
    let problems = try validated { f in
      try editRunFile(f, "path = \"landuse.tif\"", "path = \"nope.tif\"")
    }
    let p = try #require(with("file.missing", problems).first)
    #expect(p.severity == .error)
    #expect(p.message == "the land-use file does not exist (run file key landuse.path)")
    #expect(p.location.file?.hasSuffix("/nope.tif") == true)
    #expect(p.location.field == "landuse.path")
  }

  @Test func folderInsteadOfFileIsUnreadable() throws {
    let problems = try validated { f in
      let p = f.appendingPathComponent("precipitation.tif")
      try FileManager.default.removeItem(at: p)
      try FileManager.default.createDirectory(at: p, withIntermediateDirectories: false)
    }
    let p = try #require(with("file.unreadable", problems).first)
    #expect(p.message == "the precipitation path is a folder, not a file")
    #expect(p.location.field == "rasters.precipitation.path")
  }

  @Test func emptyFileIsReported() throws {
    let problems = try validated { f in
      try Data().write(to: f.appendingPathComponent("evapotranspiration.tif"))
    }
    let p = try #require(with("file.empty", problems).first)
    #expect(p.message == "the evapotranspiration file is empty (0 bytes)")
    #expect(p.location.file?.hasSuffix("evapotranspiration.tif") == true)
  }

  @Test func corruptGeoTIFFIsReported() throws {
    let problems = try validated { f in
      // A TIFF header followed by garbage.
      var bytes: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00]
      bytes += (0..<200).map { UInt8(($0 * 37) % 251) }
      try Data(bytes).write(to: f.appendingPathComponent("precipitation.tif"))
    }
    let p = try #require(with("raster.unreadable", problems).first)
    #expect(p.severity == .error)
    #expect(p.message.hasPrefix("GDAL cannot read the precipitation file as a raster"))
    #expect(p.location.file?.hasSuffix("precipitation.tif") == true)
  }

  @Test func vectorGivenAsRasterIsNamed() throws {
    let problems = try validated { f in
      try editRunFile(f, "path = \"precipitation.tif\"", "path = \"villages.geojson\"")
    }
    let p = try #require(with("file.not-raster", problems).first)
    #expect(p.message.contains("the precipitation file is a vector file (layers: "))
    #expect(p.message.hasSuffix("but a raster is expected"))
    #expect(p.location.field == "rasters.precipitation.path")
  }

  @Test func missingWorkbookSheetListsTheSheets() throws {
    let problems = try validated { f in
      let csv = f.appendingPathComponent("g.csv").path
      try Data("unit_code,year,gdp_yuan\n520621,2024,1000\n".utf8).write(
        to: URL(fileURLWithPath: csv))
      try translateVector(
        sourcePath: csv, destinationPath: f.appendingPathComponent("gdp.xlsx").path,
        format: "XLSX", arguments: ["-nln", "gdp"])
      try appendRunFile(f, "[tables.gdp_population]\npath = \"gdp.xlsx\"\nsheet = \"GDP2024\"")
    }
    let p = try #require(with("table.missing-sheet", problems).first)
    #expect(p.message == "the workbook has no sheet \"GDP2024\"; its sheets: gdp")
    #expect(p.location.layer == "GDP2024")
    #expect(p.location.field == "tables.gdp_population.sheet")
  }

  @Test func coefficientProblemsAreIncluded() throws {
    let problems = try validated { f in
      let coef = f.appendingPathComponent("coef")
      try FileManager.default.createDirectory(at: coef, withIntermediateDirectories: true)
      try FileManager.default.copyItem(
        atPath: coefficientRoot + "/national-2022", toPath: coef.path + "/national-2022")
      let prices = coef.appendingPathComponent("national-2022/prices.csv")
      let text = try String(contentsOf: prices, encoding: .utf8)
      try Data(
        text.replacingOccurrences(
          of: "reservoir storage capacity,7.53,", with: "reservoir storage capacity,abc,"
        ).utf8
      ).write(to: prices)
      try editRunFile(f, "coefficients = \"\(coefficientRoot)\"", "coefficients = \"coef\"")
    }
    let errors = problems.filter { $0.code.hasPrefix("coefficients.") && $0.severity == .error }
    let p = try #require(errors.first)
    #expect(p.location.file?.hasSuffix("national-2022/prices.csv") == true)
    #expect(p.location.row == 2)
    #expect(p.location.value == "abc")
  }
}

@Suite struct ValidationRasterTests {
  @Test func rasterWithoutCRSIsAnError() throws {
    let problems = try validated { f in
      // An ESRI ASCII grid without .prj: geotransform, no CRS.
      var text = "ncols 20\nnrows 10\nxllcorner 500000\nyllcorner 2999700\ncellsize 30\n"
      text += "NODATA_value -9999\n"
      for _ in 0..<10 { text += Array(repeating: "1200", count: 20).joined(separator: " ") + "\n" }
      try Data(text.utf8).write(to: f.appendingPathComponent("p.asc"))
      try editRunFile(f, "path = \"precipitation.tif\"", "path = \"p.asc\"")
    }
    let p = try #require(with("raster.no-crs", problems).first)
    #expect(p.severity == .error)
    #expect(p.message.hasPrefix("the precipitation raster declares no coordinate reference system"))
    #expect(p.location.file?.hasSuffix("p.asc") == true)
    #expect(p.location.band == 1)
  }

  @Test func otherCRSIsReprojectedAndReported() throws {
    let problems = try validated { f in
      // WGS 84 raster around the grid (about 111.0°E, 27.1°N).
      let g = try shiftedGrid(x: 110.99, y: 27.13, width: 40, height: 40, cell: 0.001, epsg: 4326)
      try writeTestRaster(f.appendingPathComponent("precipitation.tif"), grid: g) { _, _ in 1200 }
    }
    #expect(problems.filter { $0.severity == .error }.isEmpty, "\(problems)")
    let p = try #require(with("raster.reprojected", problems).first)
    #expect(p.severity == .warning)
    #expect(p.message.contains("the precipitation raster is in EPSG:4326"))
    #expect(p.message.contains("not in the land-use grid's EPSG:32649"))
    #expect(p.message.hasSuffix("it is reprojected onto the grid (bilinear)"))
  }

  @Test func rasterOutsideTheGridIsAnError() throws {
    let problems = try validated { f in
      let g = try shiftedGrid(x: 900_000)
      try writeTestRaster(f.appendingPathComponent("precipitation.tif"), grid: g) { _, _ in 1200 }
    }
    let p = try #require(with("raster.no-overlap", problems).first)
    #expect(p.severity == .error)
    #expect(p.message.hasPrefix("the precipitation raster does not overlap the land-use grid"))
    #expect(p.message.contains("x 900000…900600"))
  }

  @Test func unitsOutsideTheGridAreAnError() throws {
    var run = validationBase()
    run.villages = [("520621001001", "甲村", 100, 0, 110, 10)]
    let problems = try validated(run)
    let p = try #require(with("units.no-overlap", problems).first)
    #expect(
      p.message.hasPrefix("no unit overlaps the land-use grid: the units span x 503000…503300"))
  }

  @Test func partialOverlapIsReportedPerUnit() throws {
    // Precipitation covers columns 0–14 of 20: 75 % of the grid; village 乙村 (10–19) is
    // covered 50 %, 甲村 (0–9) fully.
    let problems = try validated { f in
      let g = try shiftedGrid(width: 15)
      try writeTestRaster(f.appendingPathComponent("precipitation.tif"), grid: g) { _, _ in 1200 }
    }
    let p = try #require(with("raster.partial-overlap", problems).first)
    #expect(p.message.hasPrefix("the precipitation raster covers 75.00 % of the land-use grid"))
    let units = with("units.partial-coverage", problems)
    #expect(units.count == 1)
    #expect(units.first?.message.hasPrefix("unit 520621002001 (乙村) is covered 50.00 %") == true)
    #expect(units.first?.location.value == "520621002001")
    #expect(units.first?.location.field == "rasters.precipitation")
  }

  @Test func missingNoDataIsWarnedWithThePolicy() throws {
    var run = validationBase()
    run.landUseNoData = nil
    let problems = try validated(run)
    let p = try #require(with("landuse.no-nodata", problems).first)
    #expect(p.severity == .warning)
    #expect(
      p.message.hasPrefix(
        "the land-use raster declares no nodata value: every cell is taken as data, 0 included"))
    #expect(p.location.band == 1)
  }

  @Test func noDataOutsideTheBandTypeIsWarned() throws {
    // The Dianbu land-use quirk: −128 declared on a Byte band.
    let problems = try validated { f in
      try writeTestRaster(
        f.appendingPathComponent("landuse.tif"), grid: try shiftedGrid(), type: .byte,
        noData: -128
      ) { _, _ in 6 }
    }
    let p = try #require(with("landuse.nodata-out-of-range", problems).first)
    #expect(
      p.message
        == "the declared nodata value -128 cannot occur in a Byte band (0–255), so it masks "
        + "nothing: every cell is taken as data")
    #expect(p.location.value == "-128")
  }

  @Test func nanAndInfiniteCellsAreReported() throws {
    var run = validationBase()
    run.rasters["precipitation"] = ("mm", { c, r in c == 3 && r == 2 ? .nan : 1200 })
    run.rasters["evapotranspiration"] = ("mm", { c, r in r == 1 && c >= 5 ? .infinity : 700 })
    let problems = try validated(run)
    let nan = try #require(with("raster.nan", problems).first)
    #expect(nan.severity == .warning)
    #expect(
      nan.message
        == "1 cells of the precipitation raster are NaN (first at row 2, column 3, 0-based): "
        + "they are treated as nodata")
    #expect(nan.location.row == 2 && nan.location.column == "3")
    let inf = try #require(with("raster.infinite", problems).first)
    #expect(inf.severity == .error)
    #expect(
      inf.message.hasPrefix(
        "15 cells of the evapotranspiration raster are infinite (first at row 1, column 5"))
  }

  @Test func negativePrecipitationIsAnError() throws {
    var run = validationBase()
    run.rasters["precipitation"] = ("mm", { c, r in r == 0 && c < 3 ? -1 : 1200 })
    let problems = try validated(run)
    let p = try #require(with("raster.negative", problems).first)
    #expect(p.severity == .error)
    #expect(
      p.message.hasPrefix(
        "3 cells of the precipitation raster are negative (minimum -1, first at row 0, column 0"))
    #expect(p.message.contains("all are -1: is that the nodata value?"))
    #expect(p.location.value == "-1")
  }

  @Test func precipitationInMetresIsAnError() throws {
    var run = validationBase()
    run.rasters["precipitation"] = ("mm", { _, _ in 1.2 })
    run.rasters["evapotranspiration"] = ("mm", { _, _ in 0.7 })
    let problems = try validated(run)
    let ps = with("raster.implausible-unit", problems)
    #expect(ps.count == 2)
    let p = try #require(ps.first { $0.location.file?.hasSuffix("precipitation.tif") == true })
    #expect(p.severity == .error)
    #expect(p.message.contains("averages 1.2"))
    #expect(p.message.contains("the values look like metres (multiply by 1000)"))
  }

  @Test func evapotranspirationAboveTwicePrecipitationIsWarned() throws {
    var run = validationBase()
    run.rasters["precipitation"] = ("mm", { _, _ in 300 })
    run.rasters["evapotranspiration"] = ("mm", { _, _ in 700 })
    let problems = try validated(run)
    let p = try #require(with("raster.et-exceeds-precipitation", problems).first)
    #expect(
      p.message.hasPrefix(
        "mean evapotranspiration (700 mm) is more than twice mean precipitation (300 mm)"))
  }

  @Test func ndviOutsideMinusOneToOneIsAnError() throws {
    var run = validationBase()
    run.rasters["ndvi"] = ("1", { c, _ in Double(c) * 400 })
    let problems = try validated(run)
    let p = try #require(with("raster.out-of-range", problems).first)
    #expect(p.message.hasPrefix("190 cells of the ndvi raster lie outside the accepted range"))
    #expect(p.message.contains("(range found 0–7600"))
    #expect(p.message.contains("NDVI lies in [−1, 1]; the values look scaled by 10000 (MODIS)"))
    #expect(p.location.row == 0 && p.location.column == "1" && p.location.value == "400")
  }

  @Test func degreesUnderAProjectedCRSAreAnError() throws {
    let problems = try validated { f in
      let g = try shiftedGrid(x: 111.0, y: 27.1, cell: 0.00027)
      try writeTestRaster(f.appendingPathComponent("dem.tif"), grid: g) { _, _ in 500 }
      try appendRunFile(f, "[rasters.dem]\npath = \"dem.tif\"\nunit = \"m\"")
    }
    let p = try #require(with("raster.degrees-as-metres", problems).first)
    #expect(p.message.hasPrefix("the dem raster's coordinates look like degrees (origin 111, 27.1"))
    #expect(p.message.contains("EPSG:32649 is projected in metres"))
  }
}

@Suite struct ValidationLandUseTests {
  @Test func unknownCodesAreListedWithCellsAndShare() throws {
    var run = validationBase()
    run.landUse = { c, r in c == 0 ? 99 : (c == 1 && r < 4 ? 98 : 6) }
    let problems = try validated(run)
    let ps = with("landuse.unknown-code", problems)
    #expect(
      ps.map(\.message) == [
        "land-use code 98 is not in crosswalk_swat.csv: 4 cells, 2.0000 % of the area",
        "land-use code 99 is not in crosswalk_swat.csv: 10 cells, 5.0000 % of the area",
      ])
    #expect(ps.map(\.location.value) == ["98", "99"])
    #expect(with("landuse.wrong-scheme", problems).isEmpty)
  }

  @Test func anotherSchemeIsRecognised() throws {
    // CLCD codes 2, 3, 5 and 1 declared as SWAT: 2, 3 and 5 are not SWAT codes.
    var run = validationBase()
    run.landUse = { c, _ in [2, 3, 5, 1][c / 5] }
    let problems = try validated(run)
    #expect(with("landuse.unknown-code", problems).count == 3)
    let p = try #require(with("landuse.wrong-scheme", problems).first)
    #expect(
      p.message.hasPrefix(
        "most of the land-use raster is not in crosswalk_swat.csv (75.0 % of the area, 3 of 4 "
          + "codes)"))
    #expect(p.message.contains("crosswalk_clcd.csv maps 100.0 % of it (scheme = \"clcd\"?)"))
    #expect(p.location.field == "landuse.scheme")
  }
}

@Suite struct ValidationTableTests {
  func tableProblems(_ role: String, _ csv: String, sheet: String? = nil) throws -> [Problem] {
    var run = validationBase()
    run.tables[role] = csv
    return try validated(run)
  }

  @Test func missingColumnIsNamed() throws {
    let ps = try tableProblems("gdp_population", "unit_code,year,gdp\n520621,2024,1\n")
    let p = try #require(with("table.missing-column", ps).first)
    #expect(
      p.message
        == "required column \"gdp_yuan\" is missing from the gdp_population table; it has: "
        + "unit_code, year, gdp")
    #expect(p.location.column == "gdp_yuan")
    let u = try #require(with("table.unknown-column", ps).first)
    #expect(u.severity == .warning)
    #expect(u.location.column == "gdp")
  }

  @Test func nonNumericValueIsAnError() throws {
    let ps = try tableProblems(
      "gdp_population", "unit_code,year,gdp_yuan\n520621,2024,\"12,000\"\n")
    let p = try #require(with("table.not-numeric", ps).first)
    #expect(
      p.message
        == "gdp_yuan is not a plain decimal number: \"12,000\" (thousands separators are not "
        + "allowed: write 12000)")
    #expect(p.location.row == 2 && p.location.column == "gdp_yuan")
  }

  @Test func duplicatedKeyNamesBothRows() throws {
    let ps = try tableProblems(
      "gdp_population", "unit_code,year,gdp_yuan\n520621,2024,1\n520621000000,2024,2\n")
    let p = try #require(with("table.duplicate-key", ps).first)
    #expect(p.severity == .error)
    #expect(
      p.message
        == "unit_code 520621000000, year 2024 appears twice in the gdp_population table: rows "
        + "2 and 3")
  }

  @Test func swappedCodeAndNameColumnsAreRecognised() throws {
    let ps = try tableProblems(
      "gdp_population", "unit_code,name,year,gdp_yuan\n江口县,520621,2024,1\n")
    let p = try #require(with("table.swapped-columns", ps).first)
    #expect(
      p.message
        == "column \"unit_code\" of the gdp_population table holds text, not unit codes (e.g. "
        + "\"江口县\") and column \"name\" holds codes (e.g. \"520621\"): are the two columns "
        + "swapped?")
    #expect(with("table.unknown-unit", ps).isEmpty)
  }

  @Test func unitCodeAbsentFromTheLayerIsAnError() throws {
    let ps = try tableProblems(
      "emissions", "unit_code,pollutant,emission_t\n520621009001,so2,3\n520621001001,cod,1\n")
    let p = try #require(with("table.unknown-unit", ps).first)
    #expect(
      p.message
        == "unit code 520621009001 is not in the unit layer or the townships and counties above it")
    #expect(p.location.row == 2 && p.location.value == "520621009001")
    #expect(with("table.unknown-unit", ps).count == 1)
  }

  @Test func gbkTableIsDecoded() throws {
    var run = validationBase()
    run.tables["gdp_population"] = ""
    let ps = try validated(run) { f in
      // GBK: 名称 = C3FB B3C6, 江口县 = BDAD BFDA CFD8; unit 520621009 is unknown.
      var bytes = Array("unit_code,year,gdp_yuan,".utf8) + [0xC3, 0xFB, 0xB3, 0xC6]
      bytes += Array("\n520621009,2024,1,".utf8) + [0xBD, 0xAD, 0xBF, 0xDA, 0xCF, 0xD8, 0x0A]
      try Data(bytes).write(to: f.appendingPathComponent("gdp_population.csv"))
    }
    let u = try #require(with("table.unknown-column", ps).first)
    #expect(u.message.hasPrefix("column \"名称\" of the gdp_population table is not used"))
    let p = try #require(with("table.unknown-unit", ps).first)
    #expect(p.location.value == "520621009")
  }

  @Test func blankRowsAreReported() throws {
    let ps = try tableProblems(
      "material_products",
      "unit_code,sector,output_value_yuan,allocate_to\n520621,agriculture,5,cropland\n,,,\n"
        + "520621,forestry,2,forest\n")
    let p = try #require(with("table.blank-row", ps).first)
    #expect(p.severity == .warning)
    #expect(p.message == "blank row in the material_products table: skipped")
    #expect(p.location.row == 3)
    #expect(ps.filter { $0.severity == .error }.isEmpty, "\(ps)")
  }
}

@Suite struct ValidationUnitTests {
  func unitProblems(_ units: [(String, String, [(Double, Double)]?)]) throws -> [Problem] {
    try validated { f in
      try Data(unitsGeoJSON(units).utf8).write(to: f.appendingPathComponent("villages.geojson"))
    }
  }

  @Test func invalidGeometryIsRepairedAndReported() throws {
    // A bow-tie ring.
    let ps = try unitProblems([
      ("520621001001", "甲村", [(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)]),
      ("520621002001", "乙村", rect(10, 0, 20, 10)),
    ])
    let p = try #require(with("units.invalid-geometry", ps).first)
    #expect(p.severity == .warning)
    #expect(p.message == "invalid geometry repaired with make-valid")
    #expect(p.location.value == "520621001001")
  }

  @Test func emptyGeometryIsAnError() throws {
    let ps = try unitProblems([
      ("520621001001", "甲村", nil), ("520621002001", "乙村", rect(10, 0, 20, 10)),
    ])
    let p = try #require(with("units.empty-geometry", ps).first)
    #expect(p.message == "the unit has no geometry; it still gets a row")
    #expect(p.location.value == "520621001001")
  }

  @Test func duplicateCodesAreAnError() throws {
    let ps = try unitProblems([
      ("520621001001", "甲村", rect(0, 0, 10, 10)), ("520621001001", "乙村", rect(10, 0, 20, 10)),
    ])
    let p = try #require(with("units.duplicate-code", ps).first)
    #expect(p.message == "the code is used by features 0 and 1")
    #expect(p.location.value == "520621001001")
  }

  @Test func codesBreakingTheHierarchyAreErrors() throws {
    let ps = try unitProblems([
      ("52062100100", "甲村", rect(0, 0, 10, 10)), ("520621002000", "乙村", rect(10, 0, 20, 10)),
    ])
    let bad = with("units.bad-code12", ps)
    #expect(bad.count == 2)
    #expect(bad.contains { $0.location.value == "52062100100" && $0.message.contains("12-digit") })
    #expect(
      bad.contains {
        $0.message
          == "the village code 520621002000 ends in 000, which names a township (or county) in "
          + "the 12-digit hierarchy, not a village"
      })
  }

  @Test func overlappingPolygonsReportTheOverlapArea() throws {
    // 甲村 columns 0–11, 乙村 10–19: 2 × 10 cells of 900 m² = 18000 m², 20 % of 乙村.
    let ps = try unitProblems([
      ("520621001001", "甲村", rect(0, 0, 12, 10)), ("520621002001", "乙村", rect(10, 0, 20, 10)),
    ])
    let p = try #require(with("units.overlap", ps).first)
    // Exact coverage (the default): each unit counts the overlap in full.
    #expect(
      p.message
        == "units 520621001001 (甲村) and 520621002001 (乙村) overlap by 18000 m² (20.00 % of the "
        + "smaller): the overlap is counted in both units (exact coverage gives each unit its "
        + "whole share of every cell it covers)")
    #expect(p.location.value == "520621001001, 520621002001")
    // Cell-centre rule: the later code takes the overlap's cells.
    let centre = try validated { f in
      try Data(
        unitsGeoJSON([
          ("520621001001", "甲村", rect(0, 0, 12, 10)),
          ("520621002001", "乙村", rect(10, 0, 20, 10)),
        ]).utf8
      ).write(to: f.appendingPathComponent("villages.geojson"))
      try editRunFile(
        f, "hierarchy = \"code12\"\n", "hierarchy = \"code12\"\ncoverage = \"centre\"\n")
    }
    #expect(
      with("units.overlap", centre).first?.message
        == "units 520621001001 (甲村) and 520621002001 (乙村) overlap by 18000 m² (20.00 % of the "
        + "smaller): the cells in the overlap are counted in 520621002001 (乙村) only, the later "
        + "code; 520621001001 gets none of them")
  }

  @Test func overlappingUnitsEachGetTheOverlapInFull() throws {
    // 甲村 columns 0–11 (120 cells), 乙村 10–19 (100 cells), rows 0–9: with exact coverage
    // each has its whole polygon, 108000 and 90000 m² of 900 m² cells, the 18000 m² overlap
    // in both; the unassigned row has the remaining grid cells only.
    let folder = try tempFolder("overlap-exact")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try validationBase().write(to: folder)
    try Data(
      unitsGeoJSON([
        ("520621001001", "甲村", rect(0, 0, 12, 10)), ("520621002001", "乙村", rect(10, 0, 20, 10)),
      ]).utf8
    ).write(to: folder.appendingPathComponent("villages.geojson"))
    let result = try compute(runFile, out: folder.appendingPathComponent("out"))
    let a = try #require(result.account.units.first { $0.unit.code == "520621001001" })
    let b = try #require(result.account.units.first { $0.unit.code == "520621002001" })
    #expect(a.area.value + a.noDataArea.value == 108_000)
    #expect(b.area.value + b.noDataArea.value == 90_000)
  }

  @Test func unitSmallerThanACellGetsItsFraction() throws {
    // 丙村 lies inside cell (0, 0) without its centre: 0.4 × 0.4 of a 900 m² cell = 144 m²
    // under exact coverage (the default), and no units.no-cell warning.
    let units: [(String, String, [(Double, Double)]?)] = [
      ("520621001001", "甲村", rect(0.6, 0, 10, 10)), ("520621002001", "乙村", rect(10, 0, 20, 10)),
      ("520621001002", "丙村", rect(0, 0, 0.4, 0.4)),
    ]
    let ps = try unitProblems(units)
    #expect(with("units.no-cell", ps).isEmpty)
    let folder = try tempFolder("subcell")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try validationBase().write(to: folder)
    try Data(unitsGeoJSON(units).utf8).write(
      to: folder.appendingPathComponent("villages.geojson"))
    let result = try compute(runFile, out: folder.appendingPathComponent("out"))
    let row = try #require(result.account.units.first { $0.unit.code == "520621001002" })
    #expect(abs(row.area.value + row.noDataArea.value - 144) < 1e-9)
  }

  @Test func unitWithoutACellIsReportedAndStillGetsARowUnderTheCellCentreRule() throws {
    // 丙村 lies inside cell (0, 0) without its centre.
    let units: [(String, String, [(Double, Double)]?)] = [
      ("520621001001", "甲村", rect(0.6, 0, 10, 10)), ("520621002001", "乙村", rect(10, 0, 20, 10)),
      ("520621001002", "丙村", rect(0, 0, 0.4, 0.4)),
    ]
    let centreRun = { (f: URL) throws in
      try editRunFile(
        f, "hierarchy = \"code12\"\n", "hierarchy = \"code12\"\ncoverage = \"centre\"\n")
    }
    let ps = try validated { f in
      try Data(unitsGeoJSON(units).utf8).write(to: f.appendingPathComponent("villages.geojson"))
      try centreRun(f)
    }
    let p = try #require(with("units.no-cell", ps).first)
    #expect(
      p.message
        == "unit 520621001002 (丙村) contains no cell centre of the land-use grid: it still gets "
        + "a row, with zero area and value")
    #expect(ps.filter { $0.severity == .error }.isEmpty, "\(ps)")
    // gep compute goes on and gives it a row of zero area.
    let folder = try tempFolder("nocell")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try validationBase().write(to: folder)
    try Data(unitsGeoJSON(units).utf8).write(
      to: folder.appendingPathComponent("villages.geojson"))
    try centreRun(folder)
    let result = try compute(runFile, out: folder.appendingPathComponent("out"))
    #expect(result.warnings.contains { $0.code == "units.no-cell" })
    let row = try #require(result.account.units.first { $0.unit.code == "520621001002" })
    #expect(row.area.value == 0)
  }
}

@Suite struct ValidationComputeTests {
  @Test func computeStopsBeforeWritingOnAValidationError() throws {
    let folder = try tempFolder("stop")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = validationBase()
    run.rasters["precipitation"] = ("mm", { c, _ in c == 4 ? -3 : 1200 })
    let runFile = try run.write(to: folder)
    let out = folder.appendingPathComponent("out")
    do {
      _ = try compute(runFile, out: out)
      Issue.record("negative precipitation must stop the run")
    } catch let e as InputProblems {
      #expect(e.problems.contains { $0.code == "raster.negative" && $0.severity == .error })
    }
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    #expect(!names.contains { $0 == "out" || $0.hasPrefix(".out") }, "\(names)")
  }

  @Test func interruptCleanupRemovesStagingAndRestoresMovedOutput() throws {
    let folder = try tempFolder("cleanup")
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = try OutputFolder(path: folder.appendingPathComponent("out").path, overwrite: false)
    try Data("x".utf8).write(to: out.file("summary.csv"))
    #expect(FileManager.default.fileExists(atPath: out.staging.path))
    // Another run's staging folder elsewhere in the process must survive a cleanup scoped to
    // this folder (tests run concurrently in one process; an unscoped cleanup once deleted a
    // concurrent test's output mid-write).
    let other = try tempFolder("cleanup-other")
    defer { try? FileManager.default.removeItem(at: other) }
    let otherOut = try OutputFolder(
      path: other.appendingPathComponent("out").path, overwrite: false)
    OutputFolder.discardAllInProgress(under: folder)
    #expect(!FileManager.default.fileExists(atPath: out.staging.path))
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    #expect(FileManager.default.fileExists(atPath: otherOut.staging.path))
    otherOut.discard()
  }
}
