import Foundation
import GEPCore
import GEPGeo
import GEPPipeline
import Testing

// Issue 10 ("Trust"): each case of the hostile review is a test that failed on the code before
// the fix. Runs are the small synthetic ones of `validationBase()` (20 × 10 cells of 30 m,
// SWAT code 6, two villages).

/// Runs `gep compute` in-process on a run file; the problems when it stops on input problems.
func computeProblems(_ runFile: String, out: URL) -> [Problem]? {
  do {
    let config = try RunConfiguration.load(path: runFile)
    _ = try ComputeJob.run(
      config: config, options: ComputeOptions(output: out.path, threads: 2))
    return nil
  } catch let e as InputProblems {
    return e.problems
  } catch {
    return [Problem(.error, "unexpected", "\(error)", at: ProblemLocation())]
  }
}

@Suite struct TrustRangeTests {
  /// A hole holding 3.4028e38 (another tool's nodata, not declared) inside the county trapped
  /// with "value cannot be converted to Int128" (SIGILL) after validate said 0 errors. Now
  /// validation names the cell and compute stops with the same error.
  @Test func undeclaredHugeValueIsAnErrorNamingTheCell() throws {
    var run = validationBase()
    run.rasters["precipitation"] = ("mm", { c, r in c == 7 && r == 3 ? 3.4028e38 : 1200 })
    let folder = try tempFolder("huge-hole")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try run.write(to: folder)
    let problems = validate(runFile: runFile)
    let p = try #require(with("raster.out-of-range", problems).first)
    #expect(p.severity == .error)
    #expect(p.location.row == 3 && p.location.column == "7")
    #expect(p.message.hasPrefix("1 cells of the precipitation raster lie outside the accepted"))
    #expect(p.message.contains("annual precipitation above 15 000 mm"))
    let c = try #require(computeProblems(runFile, out: folder.appendingPathComponent("out")))
    #expect(with("raster.out-of-range", c).count == 1)
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
  }

  /// Erodibility, erosivity and LS had no range: the precipitation file given as K gave GEP
  /// 780 036 亿元, one LS cell of 1e20 gave 9.27e22 yuan.
  @Test func everySoilFactorHasARange() throws {
    var run = validationBase()
    run.rasters["erodibility"] = ("t hm2 h hm-2 MJ-1 mm-1", { _, _ in 1200 })
    run.rasters["ls"] = ("1", { c, r in c == 2 && r == 1 ? 1e20 : 3 })
    run.rasters["erosivity"] = ("MJ mm hm-2 h-1 a-1", { _, _ in 4000 })
    let problems = try validated(run)
    let ranges = with("raster.out-of-range", problems)
    let k = try #require(ranges.first { $0.location.file?.hasSuffix("erodibility.tif") == true })
    #expect(k.message.contains("K in SI units"))
    #expect(k.message.contains("the values look like precipitation or erosivity, not K"))
    #expect(k.message.hasPrefix("200 cells of the erodibility raster"))
    let ls = try #require(ranges.first { $0.location.file?.hasSuffix("ls.tif") == true })
    #expect(ls.location.row == 1 && ls.location.column == "2")
    // The Float32 cell holds 1.00000002e20.
    #expect(Double(ls.location.value ?? "").map { abs($0 / 1e20 - 1) < 1e-7 } == true)
    #expect(ls.message.contains("LS above 1 000"))
    #expect(ranges.count == 2, "R = 4000 is plausible: \(ranges.map(\.message))")
    // Every role declares a range (a new role cannot be added without one).
    for role in RasterRole.allCases {
      let r = role.plausibleRange(unit: role.acceptedUnits[0])
      #expect(r.range.lowerBound < r.range.upperBound && !r.reason.isEmpty)
    }
  }

  /// A value one Float32 ulp from the nodata value: the message says it sits next to it.
  @Test func valueNextToNoDataIsNamed() throws {
    let nd = Double(-Float.greatestFiniteMagnitude)
    let next = Double((-Float.greatestFiniteMagnitude).nextUp)
    let problems = try validated { f in
      let g = try shiftedGrid()
      try writeTestRaster(f.appendingPathComponent("r.tif"), grid: g, noData: nd) { c, r in
        c == 4 && r == 2 ? next : (c == 5 ? nd : 6000)
      }
      try appendRunFile(f, "[rasters.erosivity]\npath = \"r.tif\"\nunit = \"MJ mm hm-2 h-1 a-1\"")
    }
    let p = try #require(with("raster.negative", problems).first)
    #expect(p.location.row == 2 && p.location.column == "4")
    #expect(p.message.contains("sits next to the nodata value"))
    #expect(p.message.contains("(1 Float32 ulp away)"))
  }

  /// The run file may widen a range; the manifest records it.
  @Test func runFileWidensARangeAndTheManifestSaysSo() throws {
    var run = validationBase()
    run.rasters["precipitation"] = ("mm", { c, _ in c == 0 ? 16_000 : 1200 })
    let folder = try tempFolder("widen")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try run.write(to: folder)
    #expect(with("raster.out-of-range", validate(runFile: runFile)).count == 1)
    try editRunFile(
      folder, "path = \"precipitation.tif\"", "path = \"precipitation.tif\"\nrange = [0, 20000]")
    #expect(with("raster.out-of-range", validate(runFile: runFile)).isEmpty)
    let out = folder.appendingPathComponent("out")
    #expect(computeProblems(runFile, out: out) == nil)
    let manifest = try String(
      contentsOf: out.appendingPathComponent("manifest.json"), encoding: .utf8)
    #expect(
      manifest.contains(
        "\"precipitation\": {\"low\": 0, \"high\": 20000, \"set_by\": \"run file\"}"))
    #expect(
      manifest.contains(
        "\"evapotranspiration\": {\"low\": 0, \"high\": 4000, \"set_by\": \"role default\"}"))
    // A malformed range is a run-file error.
    try editRunFile(folder, "range = [0, 20000]", "range = [20000, 0]")
    #expect(with("run-file.value", validate(runFile: runFile)).count == 1)
  }

  /// A material-product value of 1e30 trapped in the exact sum (SIGILL, exit 132).
  @Test func hugeTableValueIsAnInputErrorInValidateAndCompute() throws {
    var run = validationBase()
    run.materialCSV =
      "unit_code,sector,output_value_yuan,allocate_to,source\n520621,agriculture,1e30,forest,x\n"
    let folder = try tempFolder("huge-table")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try run.write(to: folder)
    let v = try #require(with("table.out-of-range", validate(runFile: runFile)).first)
    #expect(v.location.row == 2 && v.location.column == "output_value_yuan")
    #expect(v.location.value == "1e30")
    let c = try #require(computeProblems(runFile, out: folder.appendingPathComponent("out")))
    #expect(with("table.out-of-range", c).count == 1)
  }
}

/// A GeoJSON layer in EPSG:32649 of cell rectangles (col0, row0, col1, row1 half-open on the
/// synthetic grid) with the given properties.
func rectanglesGeoJSON(_ units: [([String: String], Int, Int, Int, Int)]) -> String {
  let features = units.map { props, c0, r0, c1, r1 -> String in
    let x0 = 500_000 + Double(c0) * 30
    let x1 = 500_000 + Double(c1) * 30
    let y0 = 3_000_000 - Double(r0) * 30
    let y1 = 3_000_000 - Double(r1) * 30
    let p = props.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }
      .joined(separator: ",")
    return "{\"type\":\"Feature\",\"properties\":{\(p)},\"geometry\":{\"type\":\"Polygon\","
      + "\"coordinates\":[[[\(x0),\(y0)],[\(x1),\(y0)],[\(x1),\(y1)],[\(x0),\(y1)],[\(x0),\(y0)]]]}}"
  }
  return "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
    + "\"urn:ogc:def:crs:EPSG::32649\"}},\"features\":[" + features.joined(separator: ",") + "]}"
}

@Suite struct TrustHierarchyTests {
  /// A county layer with the county's code as its own township code doubled every area
  /// (6 224.5 km² for a 3 103 km² county): a code naming two levels is an error.
  @Test func unitThatIsItsOwnParentIsAnError() throws {
    let problems = try validated { f in
      try Data(
        rectanglesGeoJSON([
          (["code": "520621", "name": "江口县", "town": "520621", "county": "520621"], 0, 0, 20, 10)
        ]).utf8
      ).write(to: f.appendingPathComponent("villages.geojson"))
      try editRunFile(
        f, "hierarchy = \"code12\"",
        "hierarchy = \"fields\"\ntownship_field = \"town\"\ncounty_field = \"county\"")
    }
    let ps = with("units.code-collision", problems)
    #expect(ps.count == 2, "\(ps.map(\.message))")
    #expect(ps.contains { $0.message.contains("the village 520621 is its own parent") })
    #expect(ps.contains { $0.message.contains("used both as a township") })
  }

  /// A village code that is also another village's township code.
  @Test func codeUsedAtTwoLevelsIsAnError() throws {
    let problems = try validated { f in
      try Data(
        rectanglesGeoJSON([
          (["code": "T1", "name": "甲", "town": "T0", "county": "C"], 0, 0, 10, 10),
          (["code": "V2", "name": "乙", "town": "T1", "county": "C"], 10, 0, 20, 10),
        ]).utf8
      ).write(to: f.appendingPathComponent("villages.geojson"))
      try editRunFile(
        f, "hierarchy = \"code12\"",
        "hierarchy = \"fields\"\ntownship_field = \"town\"\ncounty_field = \"county\"")
    }
    let p = try #require(with("units.code-collision", problems).first)
    #expect(p.message.hasPrefix("the code T1 names a village and also the township"))
    #expect(p.location.value == "T1")
  }

  /// A county layer declared as such (finest_level = "county") is accounted once: its area is
  /// the grid's 200 cells × 900 m² = 0.18 km², and no village or township rows appear.
  @Test func countyLayerAsFinestLevel() throws {
    let folder = try tempFolder("county-layer")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun.waterBalance()
    run.villages = [("520621000000", "江口县", 0, 0, 20, 10)]
    let runFile = try run.write(to: folder)
    // As villages, the county code is refused (it ends in 000).
    #expect(!with("units.bad-code12", validate(runFile: runFile)).isEmpty)
    try editRunFile(
      folder, "hierarchy = \"code12\"", "hierarchy = \"code12\"\nfinest_level = \"county\"")
    #expect(validate(runFile: runFile).filter { $0.severity == .error }.isEmpty)
    _ = try compute(runFile, out: folder.appendingPathComponent("out"))
    let rows = try readCSV(folder.appendingPathComponent("out/summary.csv").path)
    let units = rows.filter { $0["code"] != "unassigned" }
    #expect(units.map { $0["code"] ?? "" } == ["520621000000"])
    #expect(units.first?["level"] == "county")
    #expect(units.first.flatMap { Double($0["area_km2"] ?? "") } == 0.18)
    // A township layer: the county above it is derived from the code.
    try editRunFile(folder, "finest_level = \"county\"", "finest_level = \"township\"")
    #expect(!with("units.bad-code12", validate(runFile: runFile)).isEmpty)
  }
}

@Suite struct TrustAllocationTests {
  /// The villages of one township only with a county-level material table: all county value
  /// went to that part of the land, silently. Here one village covers columns 0–9 of the 20:
  /// half the forest (100 cells × 900 m² = 0.09 km²) lies outside every unit.
  @Test func countyRowOnAPartialUnitLayerIsWarnedWithTheShare() throws {
    var run = validationBase()
    run.villages = [("520621001001", "甲村", 0, 0, 10, 10)]
    run.materialCSV =
      "unit_code,sector,output_value_yuan,allocate_to,source\n520621,forestry,1000,forest,x\n"
    let folder = try tempFolder("partial-layer")
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try compute(try run.write(to: folder), out: folder.appendingPathComponent("out"))
    let w = try #require(result.warnings.first { $0.code == "material.partial-allocation" })
    #expect(
      w.message
        == "the row's 1000 yuan (forestry of 520621) go to units covering only 50.0 % of the "
        + "grid's forest: 0.09 km² of it lie outside every unit (a unit layer with part of the "
        + "county only?)")
    #expect(w.location.row == 2)
  }

  /// Under 1 % of the class outside every unit (the outer parts of a county's boundary cells
  /// under exact coverage) is not a partial layer: a 200-column grid whose one village covers
  /// 199 columns (99.5 % of the forest) gets no warning.
  @Test func boundaryCellRemaindersAreNotAPartialLayer() throws {
    var run = validationBase()
    run.width = 200
    run.villages = [("520621001001", "甲村", 0, 0, 199, 10)]
    run.materialCSV =
      "unit_code,sector,output_value_yuan,allocate_to,source\n520621,forestry,1000,forest,x\n"
    let folder = try tempFolder("almost-whole-layer")
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try compute(try run.write(to: folder), out: folder.appendingPathComponent("out"))
    #expect(!result.warnings.contains { $0.code == "material.partial-allocation" })
  }

  /// A 100 % duplicated village (another code, the same polygon) got 0 and its twin
  /// everything, with a message that did not say which. The warning names the receiver, and
  /// the account agrees with it.
  @Test func duplicatedVillageWarningNamesTheUnitThatGetsTheCells() throws {
    var run = SyntheticRun.waterBalance()
    run.villages = [
      ("520621001001", "甲村", 0, 0, 20, 10), ("520621001002", "甲村副本", 0, 0, 20, 10),
    ]
    let folder = try tempFolder("duplicated-village")
    defer { try? FileManager.default.removeItem(at: folder) }
    // Exact coverage (the default): each twin counts the whole 20 × 10 cells of 900 m².
    let exactFolder = folder.appendingPathComponent("exact")
    try FileManager.default.createDirectory(at: exactFolder, withIntermediateDirectories: true)
    let exact = try compute(
      try run.write(to: exactFolder), out: exactFolder.appendingPathComponent("out"))
    let we = try #require(exact.warnings.first { $0.code == "units.overlap" })
    #expect(
      we.message.hasSuffix(
        "the overlap is counted in both units (exact coverage gives each "
          + "unit its whole share of every cell it covers)"))
    let exactRows = try readCSV(exactFolder.appendingPathComponent("out/summary.csv").path)
    for code in ["520621001001", "520621001002"] {
      #expect(exactRows.first { $0["code"] == code }?["area_km2"] == "0.18")
    }
    // Cell-centre rule: the later code gets the cells.
    let runFile = try run.write(to: folder)
    try editRunFile(
      folder, "hierarchy = \"code12\"\n", "hierarchy = \"code12\"\ncoverage = \"centre\"\n")
    let result = try compute(runFile, out: folder.appendingPathComponent("out"))
    let w = try #require(result.warnings.first { $0.code == "units.overlap" })
    #expect(w.message.contains("(100.00 % of the smaller)"))
    #expect(
      w.message.hasSuffix(
        "the cells in the overlap are counted in 520621001002 (甲村副本) only, the later code; "
          + "520621001001 gets none of them"))
    let rows = try readCSV(folder.appendingPathComponent("out/summary.csv").path)
    let area = { (code: String) in rows.first { $0["code"] == code }?["area_km2"] }
    #expect(area("520621001002") == "0.18")
    #expect(area("520621001001") == "0")
  }
}

@Suite struct TrustCSVInjectionTests {
  /// Unit names such as `=HYPERLINK(…)` were written raw into summary.csv, indicators.csv and
  /// matrix.csv, which Excel/WPS evaluate. Every text cell beginning with =, +, -, @, tab or CR
  /// gets a leading ' (OWASP CSV injection rule); numbers stay numbers.
  @Test func formulaLikeNamesAreNeutralisedInEveryCSV() throws {
    let evil = [
      "=HYPERLINK(\"http://x.example\",\"y\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)",
      "\tTAB",
    ]
    var run = SyntheticRun.waterBalance()
    run.villages = evil.enumerated().map { i, name in
      ("52062100100\(i + 1)", name, i * 3, 0, i * 3 + 3, 10)
    }
    let folder = try tempFolder("csv-injection")
    defer { try? FileManager.default.removeItem(at: folder) }
    let geojson = folder.appendingPathComponent("villages.geojson")
    _ = try run.write(to: folder)
    // JSON-escape the tab and quotes the fixture wrote raw.
    var text = try String(contentsOf: geojson, encoding: .utf8)
    text = text.replacingOccurrences(of: "\t", with: "\\t")
      .replacingOccurrences(
        of: "\"=HYPERLINK(\"http://x.example\",\"y\")\"",
        with: "\"=HYPERLINK(\\\"http://x.example\\\",\\\"y\\\")\"")
    try Data(text.utf8).write(to: geojson)
    let out = folder.appendingPathComponent("out")
    let errors = validate(runFile: folder.appendingPathComponent("gep.toml").path)
      .filter { $0.severity == .error }
    #expect(errors.isEmpty, "\(errors)")
    _ = try compute(folder.appendingPathComponent("gep.toml").path, out: out)
    for file in ["summary.csv", "indicators.csv", "matrix.csv"] {
      let rows = try readCSV(out.appendingPathComponent(file).path)
      for name in evil {
        let cells = rows.flatMap(\.values).filter {
          $0.contains(name.trimmingCharacters(in: .whitespaces))
        }
        #expect(!cells.isEmpty, "\(file) lacks \(name)")
        for cell in cells {
          #expect(cell.hasPrefix("'"), "\(file): \(cell)")
        }
      }
      // No cell of the file begins with a formula trigger unless it is a number.
      for cell in rows.flatMap(\.values) {
        guard let c = cell.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(c) else {
          continue
        }
        #expect(Double(cell) != nil, "\(file): \(cell)")
      }
    }
  }
}

@Suite struct TrustDerivationTests {
  /// A daily rainfall table for 2024: a wide layout with one column per station.
  func dailyRain(stations: [String], value: (Int) -> String = { _ in "3.5" }) -> String {
    var text = "date," + stations.joined(separator: ",") + "\n"
    var day = DateComponents(
      calendar: Calendar(identifier: .gregorian), year: 2024, month: 1, day: 1)
    let calendar = Calendar(identifier: .gregorian)
    var date = calendar.date(from: day)!
    for i in 0..<366 {
      day = calendar.dateComponents([.year, .month, .day], from: date)
      text +=
        String(format: "%04d-%02d-%02d", day.year!, day.month!, day.day!) + ","
        + stations.map { _ in value(i) }.joined(separator: ",") + "\n"
      date = calendar.date(byAdding: .day, value: 1, to: date)!
    }
    return text
  }

  /// `gep validate` said 0 errors, then compute failed on a [derive.*] station table. Now
  /// validation reads every derivation input as compute will.
  @Test func validationReadsDerivationTablesAsComputeDoes() throws {
    var run = validationBase()
    run.rasters["precipitation"] = nil
    let folder = try tempFolder("derive-check")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try run.write(to: folder)
    try appendRunFile(folder, "[derive.precipitation]\ndaily_rain = \"rain.csv\"")
    // Two stations and no station table: the interpolation has no coordinates.
    try Data(dailyRain(stations: ["S1", "S2"]).utf8).write(
      to: folder.appendingPathComponent("rain.csv"))
    let p = try #require(with("derive.invalid", validate(runFile: runFile)).first)
    #expect(p.severity == .error)
    #expect(p.location.field == "derive.precipitation")
    #expect(p.message.contains("2 stations (S1, S2) need a station table with their coordinates"))
    let c = try #require(computeProblems(runFile, out: folder.appendingPathComponent("out")))
    #expect(with("derive.invalid", c).map(\.message) == [p.message])
    // Negative rainfall on one day.
    try Data(dailyRain(stations: ["S1"]) { $0 == 40 ? "-2" : "3" }.utf8).write(
      to: folder.appendingPathComponent("rain.csv"))
    let n = try #require(with("derive.invalid", validate(runFile: runFile)).first)
    #expect(
      n.message.contains("station S1 has negative rainfall -2.0 on 2024-02-10"), "\(n.message)")
    // A good table: no derivation problem, and compute derives P = 366 × 3 mm = 1098 mm.
    try Data(dailyRain(stations: ["S1"]) { _ in "3" }.utf8).write(
      to: folder.appendingPathComponent("rain.csv"))
    #expect(with("derive.invalid", validate(runFile: runFile)).isEmpty)
    #expect(computeProblems(runFile, out: folder.appendingPathComponent("out")) == nil)
  }
}

@Suite struct TrustMessageTests {
  /// A float land use with non-integer codes: the value and the first cell are named.
  @Test func nonIntegerLandUseNamesTheFirstCell() throws {
    let problems = try validated { f in
      let g = try shiftedGrid()
      try writeTestRaster(f.appendingPathComponent("landuse.tif"), grid: g, noData: 0) { c, r in
        r == 6 && c == 13 ? 5.5 : 6
      }
    }
    let p = try #require(
      with("landuse.unknown-code", problems).first { $0.message.contains("not integer codes") })
    #expect(p.location.row == 6 && p.location.column == "13" && p.location.value == "5.5")
    #expect(
      p.message.hasPrefix(
        "1 cells of the land-use raster are not integer codes, 0.5000 % of the area (first at row "
          + "6, column 13, 0-based: 5.5)"))
  }

  /// `max_l` read like a slope length (122 or 333 m in the literature) but capped the L
  /// factor: the run file names what each cap caps.
  @Test func renamedLSCapKeyIsExplained() throws {
    let problems = try validated { f in
      try appendRunFile(f, "[derive.ls]\ndem = \"landuse.tif\"\nmax_l = 333")
    }
    let p = try #require(with("run-file.renamed-key", problems).first)
    #expect(p.message.contains("l_factor_cap"))
    #expect(p.message.contains("max_slope_length"))
    #expect(p.location.field == "derive.ls.max_l")
  }

  /// Without method keys `[derive.ls]` is the national profile (cumulative, Liu S, slope-class
  /// m, D8, 1000-cell channels); given keys override it one by one, and `settings` spells the
  /// result for the manifest.
  @Test func lsDerivationDefaultsAndSettings() throws {
    let folder = try tempFolder("ls-settings")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try validationBase().write(to: folder)
    try appendRunFile(folder, "[derive.ls]\ndem = \"landuse.tif\"")
    let config = try RunConfiguration.load(path: runFile)
    let ls = try #require(config.derivations["ls"])
    guard case .ls(_, _, let options) = ls else {
      Issue.record("not an LS derivation")
      return
    }
    #expect(options == LSFactorOptions.nationalProfile)
    #expect(
      ls.settings.map { "\($0.key)=\($0.value)" } == [
        "method=cumulative", "s_factor=liu", "m=classes", "flow=d8", "max_slope_length=none",
        "l_factor_cap=none", "channel_threshold=1000",
      ])
    try editRunFile(
      folder, "dem = \"landuse.tif\"",
      "dem = \"landuse.tif\"\nmethod = \"desmet-govers-sqrt\"\ns_factor = \"mccool\"")
    let sqrt = try RunConfiguration.load(path: runFile)
    guard case .ls(_, _, let o) = try #require(sqrt.derivations["ls"]) else { return }
    #expect(o.method == .desmetGoversSquareRoot && o.steepness == .mcCool)
    #expect(o.exponentRule == .slopeClasses && o.channelThreshold == 1000)
  }

  /// An LS method, S form or exponent rule gep does not implement is an error naming the key,
  /// the value and the accepted names — never carried as a label.
  @Test func unknownLSChoicesAreRejected() throws {
    let problems = try validated { f in
      try appendRunFile(
        f,
        "[derive.ls]\ndem = \"landuse.tif\"\nmethod = \"usle-2d\"\ns_factor = \"nearing\"\n"
          + "m = \"0.5\"\nchannel_threshold = -5")
    }
    let values = with("run-file.value", problems)
    let method = try #require(values.first { $0.location.field == "derive.ls.method" })
    #expect(
      method.message
        == "method must be one of desmet-govers, desmet-govers-sqrt, slope-length, cumulative")
    #expect(method.location.value == "usle-2d")
    let s = try #require(values.first { $0.location.field == "derive.ls.s_factor" })
    #expect(s.message == "s_factor must be one of liu, mccool")
    #expect(values.contains { $0.location.field == "derive.ls.m" })
  }
}

@Suite struct TrustLargeTableTests {
  /// A table with hundreds of rows of the same problem lists the first 100 and the count of
  /// the rest (a million duplicated rows once gave a million warnings and a 350 MB manifest).
  @Test func repeatedTableProblemsAreSummarised() throws {
    var run = validationBase()
    var csv = "unit_code,year,gdp_yuan\n"
    for _ in 0..<251 { csv += "520621,2024,1\n" }
    run.gdpCSV = csv
    let ps = with("table.duplicate-key", try validated(run))
    #expect(ps.count == 101)
    #expect(ps.allSatisfy { $0.severity == .error })
    let last = try #require(ps.last)
    #expect(
      last.message
        == "… and 150 more table.duplicate-key problems in this file (the first 100 are listed)")
  }
}

@Suite struct ValidationThreadsTests {
  /// `--threads` bounds validation's raster scan too; the problems do not depend on it.
  @Test func validationGivesTheSameProblemsForAnyThreadCount() throws {
    let run = repoRoot.appendingPathComponent("sample-data/demo-county/gep.toml").path
    let one = validate(runFile: run, options: ValidationOptions(threads: 1))
    let two = validate(runFile: run, options: ValidationOptions(threads: 2))
    let eight = validate(runFile: run, options: ValidationOptions(threads: 8))
    #expect(one == two && two == eight)
    #expect(one.filter { $0.severity == .error }.isEmpty, "\(one)")
  }
}

@Suite struct TownshipLayerTests {
  /// A township layer (finest_level = "township") gave a county row twice the sum of its
  /// townships. Two townships of 100 cells each: 0.09 km² each, the county 0.18 km², with the
  /// code12 hierarchy and with parent fields naming only the county.
  @Test func townshipLayerRollsUpOnce() throws {
    for fields in [false, true] {
      let folder = try tempFolder("township-layer")
      defer { try? FileManager.default.removeItem(at: folder) }
      var run = SyntheticRun.waterBalance()
      run.villages = [
        ("520621001000", "甲镇", 0, 0, 10, 10), ("520621002000", "乙镇", 10, 0, 20, 10),
      ]
      let runFile = try run.write(to: folder)
      if fields {
        try Data(
          rectanglesGeoJSON([
            (["code": "520621001000", "name": "甲镇", "county": "520621000000"], 0, 0, 10, 10),
            (["code": "520621002000", "name": "乙镇", "county": "520621000000"], 10, 0, 20, 10),
          ]).utf8
        ).write(to: folder.appendingPathComponent("villages.geojson"))
        try editRunFile(
          folder, "hierarchy = \"code12\"",
          "hierarchy = \"fields\"\ncounty_field = \"county\"\nfinest_level = \"township\"")
      } else {
        try editRunFile(
          folder, "hierarchy = \"code12\"", "hierarchy = \"code12\"\nfinest_level = \"township\"")
      }
      #expect(validate(runFile: runFile).filter { $0.severity == .error }.isEmpty)
      let result = try compute(runFile, out: folder.appendingPathComponent("out"))
      let county = try #require(result.account.units.first { $0.unit.level == .county })
      let towns = result.account.units.filter { $0.unit.level == .township }
      #expect(towns.count == 2)
      #expect(county.area.value == 180_000, "fields: \(fields)")
      #expect(towns.allSatisfy { $0.area.value == 90_000 })
      let water = { (u: UnitAccount) in
        u.lines.first { $0.indicator == "water_conservation" }?.value?.value ?? -1
      }
      #expect(water(county) == towns.map(water).reduce(0, +))
    }
  }
}

@Suite struct RunFileLineEndTests {
  /// A run file saved by Notepad (CRLF) was refused as "control character in the text".
  @Test func crlfRunFileIsRead() throws {
    let folder = try tempFolder("crlf")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try validationBase().write(to: folder)
    let text = try String(contentsOf: URL(fileURLWithPath: runFile), encoding: .utf8)
    try Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8).write(
      to: URL(fileURLWithPath: runFile))
    let problems = validate(runFile: runFile)
    #expect(problems.filter { $0.severity == .error }.isEmpty, "\(problems)")
  }
}

@Suite struct DuplicateColumnTests {
  /// An extra output_value_yuan column of 1s before the real one zeroed material products
  /// silently (the first column of a name won).
  @Test func duplicatedColumnIsAnErrorInValidateAndCompute() throws {
    var run = validationBase()
    run.materialCSV =
      "unit_code,sector,output_value_yuan,output_value_yuan,allocate_to\n"
      + "520621,forestry,1,1000,forest\n"
    let folder = try tempFolder("duplicate-column")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try run.write(to: folder)
    let p = try #require(with("table.duplicate-column", validate(runFile: runFile)).first)
    #expect(
      p.message
        == "column \"output_value_yuan\" appears twice in the header (columns 3 and 4): keep one")
    let c = try #require(computeProblems(runFile, out: folder.appendingPathComponent("out")))
    #expect(!with("table.duplicate-column", c).isEmpty)
  }
}

@Suite struct DerivedRangeTests {
  /// The demo's LS is an error as [rasters.ls] (cells above 1 000) but passed silently as
  /// [derive.ls] (GEP 123.02 instead of 106.54 亿元): derived rasters get the same ranges.
  @Test func derivedLSOutsideItsRangeStopsCompute() throws {
    let folder = try tempFolder("derived-ls")
    defer { try? FileManager.default.removeItem(at: folder) }
    let demo = repoRoot.appendingPathComponent("sample-data/demo-county")
    let text = try String(contentsOf: demo.appendingPathComponent("gep.toml"), encoding: .utf8)
    var lines = text.components(separatedBy: "\n")
    // Replace [rasters.ls] by [derive.ls] from the demo DEM, with absolute paths.
    if let i = lines.firstIndex(of: "[rasters.ls]") { lines.removeSubrange(i..<(i + 4)) }
    var run = lines.joined(separator: "\n")
      .replacingOccurrences(of: "path = \"", with: "path = \"\(demo.path)/")
      .replacingOccurrences(of: "names = \"", with: "names = \"\(demo.path)/")
      .replacingOccurrences(
        of: "coefficients = \"../../coefficients\"", with: "coefficients = \"\(coefficientRoot)\"")
    // Desmet–Govers with the area in m² (the default before issue 21) is the LS that exceeds
    // 1 000 on this DEM; the national default (cumulative) does not.
    run += "\n[derive.ls]\ndem = \"\(demo.path)/dem.tif\"\nmethod = \"desmet-govers\"\n"
    let runFile = folder.appendingPathComponent("gep.toml")
    try Data(run.utf8).write(to: runFile)
    let c = try #require(computeProblems(runFile.path, out: folder.appendingPathComponent("out")))
    let p = try #require(with("raster.out-of-range", c).first, "\(c)")
    #expect(p.message.contains("ls raster derived from primary data ([derive.ls])"))
    #expect(p.message.contains("LS above 1 000"))
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
  }

  /// One day of 20 000 mm (or 1e30) in a station table, and Tmax 999 °C in the meteorology,
  /// passed validation and changed GEP silently.
  @Test func implausibleStationValuesAreDerivationErrors() throws {
    var run = validationBase()
    run.rasters["precipitation"] = nil
    let folder = try tempFolder("derive-values")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try run.write(to: folder)
    try appendRunFile(folder, "[derive.precipitation]\ndaily_rain = \"rain.csv\"")
    let rain = TrustDerivationTests().dailyRain(stations: ["S1"]) { $0 == 100 ? "20000" : "3" }
    try Data(rain.utf8).write(to: folder.appendingPathComponent("rain.csv"))
    let p = try #require(with("derive.invalid", validate(runFile: runFile)).first)
    #expect(p.message.contains("station S1 has 20000.0 mm of rain on 2024-04-10"), "\(p.message)")
  }
}

@Suite struct RoleSwapTests {
  /// The precipitation file given as ET passed (the ranges overlap) and zeroed water
  /// conservation silently.
  @Test func oneFileForTwoRolesIsAnErrorAndETNearPIsWarned() throws {
    let problems = try validated { f in
      try editRunFile(f, "path = \"evapotranspiration.tif\"", "path = \"precipitation.tif\"")
    }
    let p = try #require(with("raster.same-file", problems).first)
    #expect(
      p.message
        == "the precipitation raster is the same file and band as the evapotranspiration raster: "
        + "one file given for two roles")
    var run = validationBase()
    run.rasters["evapotranspiration"] = ("mm", { _, _ in 1150 })
    let w = try #require(with("raster.et-near-precipitation", try validated(run)).first)
    #expect(w.message.hasPrefix("mean evapotranspiration (1150 mm) is 96 % of mean precipitation"))
  }
}

@Suite struct CellBoundTests {
  /// A range widened on purpose to let 1e20 mm through: the per-cell result is beyond 10¹⁵ and
  /// compute stops with an input error naming the cell and its inputs (no trap, no wrap).
  @Test func perCellResultBeyondTheBoundIsAnInputError() throws {
    var run = validationBase()
    run.rasters["precipitation"] = ("mm", { c, r in c == 3 && r == 2 ? 1e20 : 1200 })
    let folder = try tempFolder("cell-bound")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try run.write(to: folder)
    try editRunFile(
      folder, "path = \"precipitation.tif\"", "path = \"precipitation.tif\"\nrange = [0, 1e30]")
    let c = try #require(computeProblems(runFile, out: folder.appendingPathComponent("out")))
    let p = try #require(with("cell.out-of-range", c).first, "\(c)")
    #expect(p.location.row == 2 && p.location.column == "3")
    #expect(p.message.hasPrefix("water_conservation is "))
    #expect(p.message.contains("precipitation = "))
  }
}
