import Foundation
import GEPCore
import GEPGeo
import GEPPipeline
import Testing

// `gep compute` on the REAL Zhongtianshe (中田舍) watershed, Liyang, Jiangsu
// (`../shared/data/cn-zhongtianshe-seims`, SEIMS, GPL-3.0; see its SOURCES.md). The files are
// read in place; derived inputs (P, ET, R, K, LS) are made in a temp folder by the simple,
// documented means below. Skipped when `../shared/data` is absent.

/// The repository root, from this file's path (Tests/GEPPipelineTests/<file>).
private let ztsRepoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent()
/// The data folder, `../shared/data/cn-zhongtianshe-seims` from the repository root.
private let ztsData = ztsRepoRoot.appendingPathComponent("../shared/data/cn-zhongtianshe-seims")
  .standardizedFileURL
private let ztsDataExists = FileManager.default.fileExists(
  atPath: ztsData.appendingPathComponent("spatial/landuse_25m.tif").path)

/// The accounting year: one year of the station series (2011–2016).
private let ztsYear = 2014
/// Latitude used for extraterrestrial radiation, degrees N (watershed 31.13–31.23°N).
private let ztsLatitude = 31.2
/// Budyko–Fu parameter ω.
private let ztsOmega = 2.6
/// Placeholder 12-digit code of the watershed: Liyang is county 320481; township "100" and
/// village "001" are NOT real statistical codes, they only give the code12 hierarchy
/// village 320481100001 → township 320481100000 → county 320481000000.
private let ztsVillageCode = "320481100001"
private let ztsTownshipCode = "320481100000"
private let ztsCountyCode = "320481000000"

@Suite struct ZhongtiansheTests {
  @Test(
    .enabled(
      if: ztsDataExists,
      "needs ../shared/data/cn-zhongtianshe-seims (real Zhongtianshe inputs); skipped"))
  func realWatershedAccount() throws {
    let folder = try tempFolder("zhongtianshe")
    defer { try? FileManager.default.removeItem(at: folder) }
    let spatial = ztsData.appendingPathComponent("spatial")
    let landUsePath = spatial.appendingPathComponent("landuse_25m.tif").path
    let demPath = spatial.appendingPathComponent("dem_25m.tif").path
    let soilPath = spatial.appendingPathComponent("soil_SEQN_25m.tif").path
    let boundPath = spatial.appendingPathComponent("bound.shp").path

    // ---- Grids. The DEM carries the right CRS (EPSG:4528, CGCS2000 / 3-degree GK zone 40);
    // the land-use and soil files name a wrong datum ("Hungarian_Datum_1909") with the same
    // projection parameters. The soil map is on the DEM's grid (same origin, size, cell), so
    // its ids are used on that grid and K is written there, declared EPSG:4528 (the soil
    // file's own CRS is never used). The land-use grid is offset from the DEM grid by
    // 0.19 / 0.28 cell and is the analysis grid, with `crs = "EPSG:4528"` in the run file.
    let demDS = try RasterDataset(path: demPath)
    let demGrid = try demDS.grid()
    let soilDS = try RasterDataset(path: soilPath)
    #expect(try soilDS.geoTransform() == demGrid.geoTransform)
    #expect(soilDS.width == demGrid.width && soilDS.height == demGrid.height)
    let gridCRS = try SpatialReference(definition: "EPSG:4528")
    // The DEM's CRS is EPSG:4528 in substance (GDAL does not call it "same": other names, no
    // EPSG id): a corner maps onto itself.
    var cx = [demGrid.geoTransform.originX]
    var cy = [demGrid.geoTransform.originY]
    try CoordinateTransformation(from: demGrid.crs, to: gridCRS).transform(x: &cx, y: &cy)
    #expect(abs(cx[0] - demGrid.geoTransform.originX) < 1e-6)
    #expect(abs(cy[0] - demGrid.geoTransform.originY) < 1e-6)
    // Derived rasters: the DEM grid, declared EPSG:4528.
    let derivedGrid = Grid(
      crs: gridCRS, geoTransform: demGrid.geoTransform, width: demGrid.width,
      height: demGrid.height)
    let luDS = try RasterDataset(path: landUsePath)
    let luGrid = Grid(
      crs: gridCRS, geoTransform: try luDS.geoTransform(), width: luDS.width,
      height: luDS.height)
    let luBand = try luDS.band(1)
    let luNoData = try #require(luBand.noDataValue)
    let lu = try luBand.read(luGrid.fullWindow)
    let cellArea = 625.0

    // ---- Land-use codes against the swat crosswalk: all 11 codes must be mapped, otherwise
    // the run stops with landuse.unknown-code.
    let crosswalk = try Table(
      path: ztsRepoRoot.appendingPathComponent("coefficients/national-2022/crosswalk_swat.csv")
        .path
    ).records
    var classOfCode: [Int: Int] = [:]
    for r in crosswalk {
      if let c = Int(r["lulc_code"] ?? ""), let e = Int(r["ecosystem_class"] ?? "") {
        classOfCode[c] = e
      }
    }
    let codesInRaster = Set(lu.filter { $0 != luNoData }.map { Int($0) })
    #expect(codesInRaster == [4, 6, 7, 8, 15, 18, 33, 104, 106, 107, 200])
    #expect(codesInRaster.subtracting(classOfCode.keys).isEmpty, "codes not in the crosswalk")

    // ---- P: annual precipitation of `ztsYear` at station 111 LianYuQiao (119.39E, 31.22N,
    // inside the watershed), the sum of the daily series, written as a uniform raster
    // (GEP-METHODS §5.1: P_i, annual precipitation in mm; one station → one value).
    let rain = try readDailyTable(
      ztsData.appendingPathComponent("climate/precipitation_zts_daily.txt").path)
    let rainYear = rain.filter { $0.year == ztsYear }
    #expect(rainYear.count == 365)
    let precipitation = rainYear.reduce(0.0) { $0 + $1.values[0] }

    // ---- ET: annual ACTUAL evapotranspiration — an APPROXIMATION, not the MOD16 product of
    // GEP-METHODS §5.1. (1) Reference ET0 by Hargreaves–Samani (FAO-56 eq. 52):
    //   ET0 = 0.0023 · (Tmean + 17.8) · √(Tmax − Tmin) · 0.408 · Ra   (mm/d),
    // Tmean = (Tmax + Tmin)/2, daily Tmax/Tmin of station 58345 Liyang, Ra the extraterrestrial
    // radiation (FAO-56 eqs. 21–25, MJ·m⁻²·d⁻¹) at 31.2°N; summed over the year.
    // (2) Actual ET by the Budyko curve in Fu's form (傅抱璞 1981; Zhang et al. 2004):
    //   ET = P · [1 + φ − (1 + φ^ω)^(1/ω)],  φ = ET0/P,  ω = 2.6,
    // one value for the watershed (uniform raster): no land-cover dependence.
    let met = try readDailyTable(
      ztsData.appendingPathComponent("climate/meteorology_zts_daily.txt").path,
      skipColumns: 1)
    let metYear = met.filter { $0.year == ztsYear }
    #expect(metYear.count == 365)
    var et0 = 0.0
    for d in metYear {
      // Columns after Y M D: TMEAN TMAX TMIN RM WS SSD.
      let tmax = d.values[1]
      let tmin = d.values[2]
      let ra = extraterrestrialRadiation(
        latitudeDegrees: ztsLatitude, dayOfYear: dayOfYear(d.year, d.month, d.day))
      et0 += 0.0023 * ((tmax + tmin) / 2 + 17.8) * max(tmax - tmin, 0).squareRoot() * 0.408 * ra
    }
    let phi = et0 / precipitation
    let actualET = precipitation * (1 + phi - pow(1 + pow(phi, ztsOmega), 1 / ztsOmega))
    #expect(actualET > 0 && actualET < min(precipitation, et0))

    // ---- R: rainfall erosivity by the 章文波 half-month daily-rainfall model (GEP-METHODS
    // §5.2): erosive days D ≥ 12 mm; P_d12 = mean erosive daily rainfall and P_y12 = mean
    // annual erosive rainfall over the whole record 2011–2016 (6 years);
    //   β = 0.8363 + 18.144/P_d12 + 24.455/P_y12,  α = 21.586 β^−7.1891,
    //   R_hm = α Σ_{erosive days of the half-month} D^β,  R = Σ of the 24 half-months of 2014
    // (half-months: days 1–15 and 16–end of each month). Uniform raster.
    let erosiveDays = rain.map { $0.values[0] }.filter { $0 >= 12 }
    let years = Set(rain.map(\.year)).count
    let pd12 = erosiveDays.reduce(0, +) / Double(erosiveDays.count)
    let py12 = erosiveDays.reduce(0, +) / Double(years)
    let beta = zhangWenboBeta(meanDailyErosiveRainfall: pd12, meanAnnualErosiveRainfall: py12)
    let alphaR = zhangWenboAlpha(beta: beta)
    var halfMonth = [Double](repeating: 0, count: 24)
    for d in rainYear {
      halfMonth[(d.month - 1) * 2 + (d.day <= 15 ? 0 : 1)] += erosiveRainfallTerm(
        dailyRainfall: d.values[0], beta: beta)
    }
    let erosivity = halfMonth.reduce(0.0) {
      $0 + halfMonthRainfallErosivity(sumOfErosiveRainfallTerms: $1, alpha: alphaR)
    }

    // ---- K: the soil map reclassified by SOL_USLE_K of the top layer (first of "a-b") in
    // lookup/soil_properties_lookup.txt. Units: the table's values equal the EPIC (Williams
    // 1984) K of the same rows' top-layer sand/silt/clay and OC = OM/1.724, rounded to 0.01
    // (checked below) — EPIC K is in US customary units (t·ac·h·(100 ac·ft·tonf·in)⁻¹), so
    // K_SI = 0.1317 · K_US (GEP-METHODS §5.2, §11.5) in t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹. Soil ids of the
    // map missing from the table (19, 22, 50) and soil nodata are written as nodata.
    let soilTable = try readSoilTable(
      ztsData.appendingPathComponent("lookup/soil_properties_lookup.txt").path)
    for s in soilTable.values {
      let epic = epicErodibilityUSCustomary(
        sandPercent: s.sand, siltPercent: s.silt, clayPercent: s.clay,
        organicCarbonPercent: s.organicMatter / 1.724)
      #expect(abs(epic - s.uslek) <= 0.006, "soil \(s.id): EPIC \(epic) vs table \(s.uslek)")
    }
    let soilBand = try soilDS.band(1)
    let soilNoData = try #require(soilBand.noDataValue)
    let soil = try soilBand.read(demGrid.fullWindow)
    let soilIDs = Set(soil.filter { $0 != soilNoData }.map { Int($0) })
    let missingSoil = soilIDs.subtracting(soilTable.keys)
    #expect(missingSoil == [19, 22, 50])
    let kNoData = -9999.0
    let kValues = soil.map { v -> Double in
      guard v != soilNoData, let s = soilTable[Int(v)] else { return kNoData }
      return s.uslek * UnitConversion.siErodibilityPerUSErodibility
    }

    // ---- LS from the DEM on its own grid: slope θ by GDAL (Horn 3×3, `demSlope`);
    // S by the McCool/Liu form (10.8 sin θ + 0.03 below 5°, 16.8 sin θ − 0.50 below 10°,
    // 21.91 sin θ − 0.96 above; `slopeSteepnessFactor`); L = (λ/22.13)^m with λ = the cell
    // size 25 m (the simple cell-length form: no flow accumulation, every cell its own slope
    // length) and m = 0.2/0.3/0.4/0.5 for slope < 1 %, < 3 %, < 9 %, ≥ 9 %
    // (`slopeLengthExponent`), GEP-METHODS §5.2. Nodata where the slope is nodata.
    let slopePath = folder.appendingPathComponent("slope_dem.tif").path
    try demSlope(demPath: demPath, outputPath: slopePath, geographic: false)
    let slopeBand = try RasterDataset(path: slopePath).band(1)
    var slope = [Float](repeating: 0, count: demGrid.fullWindow.count)
    var slopeValid = [Bool](repeating: false, count: slope.count)
    try slopeBand.readMasked(demGrid.fullWindow, values: &slope, valid: &slopeValid)
    let lsNoData = -9999.0
    let lsValues = (0..<slope.count).map { i -> Double in
      guard slopeValid[i] else { return lsNoData }
      let theta = Double(slope[i])
      let m = slopeLengthExponent(slopePercent: 100 * tan(theta * Double.pi / 180))
      return slopeLengthFactor(slopeLength: 25, exponent: m)
        * slopeSteepnessFactor(slopeDegrees: theta)
    }
    var demValues = [Float](repeating: 0, count: slope.count)
    var demValid = [Bool](repeating: false, count: slope.count)
    try demDS.band(1).readMasked(demGrid.fullWindow, values: &demValues, valid: &demValid)

    // The DEM's nodata, −3.402823e+38 as printed (−FLT_MAX), masks the same cells read as
    // Float32 or as Float64 (gep reads Float64).
    var dem64 = [Double](repeating: 0, count: slope.count)
    var demValid64 = [Bool](repeating: false, count: slope.count)
    try demDS.band(1).readMasked(demGrid.fullWindow, values: &dem64, valid: &demValid64)
    #expect(demValid64 == demValid)

    // ---- Write the derived rasters (Float32) on the DEM grid.
    func writeDerived(_ name: String, _ values: [Double], noData: Double?) throws {
      let w = try RasterWriter(
        path: folder.appendingPathComponent("\(name).tif").path, grid: derivedGrid,
        dataType: .float32, noData: noData)
      try w.write(values, window: demGrid.fullWindow)
      try w.close()
    }
    let n = demGrid.fullWindow.count
    try writeDerived("precipitation", [Double](repeating: precipitation, count: n), noData: nil)
    try writeDerived("evapotranspiration", [Double](repeating: actualET, count: n), noData: nil)
    try writeDerived("erosivity", [Double](repeating: erosivity, count: n), noData: nil)
    try writeDerived("erodibility", kValues, noData: kNoData)
    try writeDerived("ls", lsValues, noData: lsNoData)
    print(
      "  DEM-grid cells: \(demValid.filter { $0 }.count) with elevation, "
        + "\(soil.filter { $0 != soilNoData }.count) with a soil id")

    // ---- Units: bound.shp (EPSG:4549, CM 120E without the zone prefix) copied to a GPKG with
    // the placeholder code and a name; gep reprojects it onto the EPSG:4528 grid.
    let unitPath = folder.appendingPathComponent("unit.gpkg").path
    try translateVector(
      sourcePath: boundPath, destinationPath: unitPath, format: "GPKG",
      arguments: [
        "-dialect", "SQLite", "-sql",
        "SELECT '\(ztsVillageCode)' AS code, '中田舍流域' AS name, geometry FROM bound",
        "-nln", "units",
      ])

    // ---- Run file. K, LS and the DEM are resampled "nearest": same 25 m cell, sub-cell
    // shift, so each analysis cell takes the values of the DEM-grid cell holding its centre
    // (which keeps nodata from spreading and makes the masks checkable by hand below).
    let coefficients = ztsRepoRoot.appendingPathComponent("coefficients").path
    let toml = """
      year = \(ztsYear)
      profile = "national-2022"
      coefficients = "\(coefficients)"
      output = "out"

      [landuse]
      path = "\(landUsePath)"
      scheme = "swat"
      crs = "EPSG:4528"

      [rasters.precipitation]
      path = "precipitation.tif"
      unit = "mm"

      [rasters.evapotranspiration]
      path = "evapotranspiration.tif"
      unit = "mm"

      [rasters.erosivity]
      path = "erosivity.tif"
      unit = "MJ mm hm-2 h-1 a-1"

      [rasters.erodibility]
      path = "erodibility.tif"
      unit = "t hm2 h hm-2 MJ-1 mm-1"
      resampling = "nearest"

      [rasters.ls]
      path = "ls.tif"
      unit = "1"
      resampling = "nearest"

      [rasters.dem]
      path = "\(demPath)"
      unit = "m"
      resampling = "nearest"

      [units]
      path = "unit.gpkg"
      code_field = "code"
      name_field = "name"
      hierarchy = "code12"
      # The unit-area checks below recount the cells by their centres independently: this
      # run uses the cell-centre rule (exact coverage is checked in ExactCoverageDemoTests).
      coverage = "centre"

      """
    let runFile = folder.appendingPathComponent("gep.toml").path
    try Data(toml.utf8).write(to: URL(fileURLWithPath: runFile))
    let out = folder.appendingPathComponent("out")
    let config = try RunConfiguration.load(path: runFile)
    let result = try ComputeJob.run(
      config: config, options: ComputeOptions(output: out.path, threads: 2, writeRasters: true))

    // ---- Derived factor ranges (printed for the lead's note).
    func range(_ v: [Double], _ nd: Double) -> (Double, Double) {
      let x = v.filter { $0 != nd }
      return (x.min() ?? .nan, x.max() ?? .nan)
    }
    let kr = range(kValues, kNoData)
    let lsr = range(lsValues, lsNoData)
    print("Zhongtianshe \(ztsYear) derived inputs:")
    print("  P  = \(fmt(precipitation)) mm (station 111, uniform)")
    print(
      "  ET0 = \(fmt(et0)) mm (Hargreaves), φ = \(fmt(phi, 4)); ET = \(fmt(actualET)) mm "
        + "(Budyko–Fu ω = \(ztsOmega), uniform)")
    print(
      "  R  = \(fmt(erosivity)) MJ·mm·hm⁻²·h⁻¹·a⁻¹ (章文波: \(erosiveDays.count) erosive "
        + "days, P_d12 = \(fmt(pd12)) mm, P_y12 = \(fmt(py12)) mm, β = \(fmt(beta, 4)), "
        + "α = \(fmt(alphaR, 4)))")
    print(
      "  K  = \(fmt(kr.0, 4))–\(fmt(kr.1, 4)) t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹ (SI; missing soil "
        + "ids \(missingSoil.sorted()))")
    print("  LS = \(fmt(lsr.0, 4))–\(fmt(lsr.1, 4))")

    // ---- Hierarchy: county → township → village rows exist; children sum exactly.
    let units = result.account.units
    func row(_ code: String) throws -> UnitAccount {
      try #require(units.first { $0.unit.code == code }, "no row \(code)")
    }
    let village = try row(ztsVillageCode)
    let township = try row(ztsTownshipCode)
    let county = try row(ztsCountyCode)
    #expect(village.unit.level == .village && village.unit.parentCode == ztsTownshipCode)
    #expect(township.unit.level == .township && township.unit.parentCode == ztsCountyCode)
    #expect(county.unit.level == .county)
    for (parent, children) in [(township, [village]), (county, [township])] {
      func sum(_ f: (UnitAccount) -> ExactSum) -> Int128 {
        var s = ExactSum()
        for c in children { s.add(f(c)) }
        return s.raw
      }
      #expect(parent.area.raw == sum(\.area))
      #expect(parent.noDataArea.raw == sum(\.noDataArea))
      for (i, line) in parent.lines.enumerated() {
        if let q = line.quantity { #expect(q.raw == sum { $0.lines[i].quantity ?? ExactSum() }) }
        if let v = line.value { #expect(v.raw == sum { $0.lines[i].value ?? ExactSum() }) }
        #expect(line.maskedArea.raw == sum { $0.lines[i].maskedArea })
        #expect(line.uncoveredArea.raw == sum { $0.lines[i].uncoveredArea })
      }
    }

    // ---- Unit area. The polygon, independently reprojected: EPSG:4549 → EPSG:4528 is the
    // same CGCS2000 transverse Mercator on 120°E, so it must be a pure shift of the false
    // easting by 40 000 000 m.
    let layer = try VectorDataset(path: unitPath).layer(0)
    let layerCRS = try #require(try layer.spatialReference())
    let feature = try #require(try layer.features().first)
    let source = try #require(feature.geometry)
    let polygon = try source.transformed(by: CoordinateTransformation(from: layerCRS, to: gridCRS))
    let srcRings = source.polygonRings.flatMap { $0 }
    let rings = polygon.polygonRings.flatMap { $0 }
    for (a, b) in zip(srcRings.flatMap { $0 }, rings.flatMap { $0 }) {
      #expect(abs(b.x - a.x - 40_000_000) < 1e-3 && abs(b.y - a.y) < 1e-3)
    }
    var perimeter = 0.0
    for ring in rings {
      for i in 1..<ring.count {
        perimeter += hypot(ring[i].x - ring[i - 1].x, ring[i].y - ring[i - 1].y)
      }
    }
    // The polygon sticks out of the land-use grid (by ~38 m west, ~48 m east, ~110 m south):
    // only its part inside the grid's extent can be counted.
    let b = luGrid.bounds
    let extent = try Geometry(
      wkt: "POLYGON((\(b.minX) \(b.minY),\(b.maxX) \(b.minY),\(b.maxX) \(b.maxY),"
        + "\(b.minX) \(b.maxY),\(b.minX) \(b.minY)))")
    let clippedArea = try #require(polygon.intersection(extent)).area
    // Cells by their centre, with an independent even–odd point-in-polygon test.
    let gt = luGrid.geoTransform
    var insideValid = 0
    var insideNoData = 0
    var insideCells: [Int] = []
    for r in 0..<luGrid.height {
      let y = gt.originY + (Double(r) + 0.5) * gt.pixelHeight
      for c in 0..<luGrid.width {
        let x = gt.originX + (Double(c) + 0.5) * gt.pixelWidth
        guard pointInRings(x, y, rings) else { continue }
        let i = r * luGrid.width + c
        insideCells.append(i)
        if lu[i] == luNoData { insideNoData += 1 } else { insideValid += 1 }
      }
    }
    let counted = village.area.value + village.noDataArea.value
    // Cell-centre rule: a cell is counted whole when its centre is inside, so the error is a
    // sum of slivers along the boundary, each at most half a cell (12.5 m) wide measured
    // across the boundary: |counted − area| ≤ perimeter × 12.5 m. (Along the grid's own edges
    // the clip is exact, so the polygon's perimeter bounds the clipped one's error.)
    let areaTolerance = perimeter * 12.5
    print(
      "  unit: polygon \(fmt(polygon.area / 1e6, 6)) km², inside the grid "
        + "\(fmt(clippedArea / 1e6, 6)) km², counted \(fmt(counted / 1e6, 6)) km² "
        + "(land \(fmt(village.area.value / 1e6, 6)), land-use nodata "
        + "\(fmt(village.noDataArea.value / 1e6, 6))); |Δ| = \(fmt(abs(counted - clippedArea))) "
        + "m² ≤ perimeter \(fmt(perimeter)) m × 12.5 m = \(fmt(areaTolerance)) m²")
    #expect(abs(counted - clippedArea) <= areaTolerance)
    #expect(village.area.value == Double(insideValid) * cellArea)
    #expect(village.noDataArea.value == Double(insideNoData) * cellArea)
    // Every valid land-use cell is counted once: in the unit or in the unassigned row.
    let unassigned = try row(Account.unassignedCode)
    let allValid = lu.filter { $0 != luNoData }.count
    #expect(allValid == 97_561)
    #expect(village.area.value + unassigned.area.value == Double(allValid) * cellArea)

    // ---- No negative physical quantities (water conservation clamps negative cells to 0).
    for u in [village, township, county, unassigned] {
      for l in u.lines {
        if let q = l.quantity { #expect(q.value >= 0, "\(u.unit.code) \(l.indicator)") }
      }
    }
    let waterRaster = try RasterDataset(
      path: out.appendingPathComponent("rasters/water_conservation.tif").path)
    let waterQ = try waterRaster.band(2).read(luGrid.fullWindow)
    let waterV = try waterRaster.band(1).read(luGrid.fullWindow)
    #expect(waterQ.allSatisfy { $0.isNaN || $0 >= 0 })
    let soilRaster = try RasterDataset(
      path: out.appendingPathComponent("rasters/soil_conservation.tif").path)
    let soilQ = try soilRaster.band(2).read(luGrid.fullWindow)
    #expect(soilQ.allSatisfy { $0.isNaN || $0 >= 0 })

    // ---- Soil conservation: no FVC (no NDVI here), so C comes from the class table
    // rusle.usle_c. While national-2022 gives no usle_c for any class, every unmasked cell is
    // "uncovered" or not applicable, gep warns, and the quantity is 0.
    let soilLine = try #require(village.lines.first { $0.indicator == "soil_conservation" })
    let coefFolder = ztsRepoRoot.appendingPathComponent("coefficients/national-2022")
    let classC = try Table(path: coefFolder.appendingPathComponent("rusle.csv").path).records
      .filter { $0["parameter"] == "usle_c" && !($0["value"] ?? "").isEmpty }
    if classC.isEmpty {
      #expect(
        result.warnings.contains {
          $0.code == "coefficients.missing-for-class"
            && $0.message.hasPrefix("soil_conservation")
        })
      // Classes with applies = 0 (water, urban) are not applicable, the rest uncovered.
      #expect(
        soilLine.maskedArea.raw + soilLine.uncoveredArea.raw + soilLine.notApplicableArea.raw
          == village.area.raw)
      #expect(soilLine.quantity?.raw == 0)
    } else {
      print(
        "  rusle.csv now gives usle_c for \(classC.count) classes: soil conservation is "
          + "computed there")
    }
    // Masked area: cells whose DEM-grid cell (the one holding the cell's centre — what a
    // nearest warp reads) has K nodata (soil id missing from the table, or soil nodata) or LS /
    // DEM nodata (the DEM and soil maps are clipped to the watershed, not exactly like the
    // land-use map). Exact by hand; and the missing-id share alone equals the reported share
    // within the share of such edge mismatches.
    let dgt = demGrid.geoTransform
    var maskedCells = 0
    var missingIdCells = 0
    var edgeMismatchCells = 0
    for i in insideCells where lu[i] != luNoData {
      let x = gt.originX + (Double(i % luGrid.width) + 0.5) * gt.pixelWidth
      let y = gt.originY + (Double(i / luGrid.width) + 0.5) * gt.pixelHeight
      let dc = Int(((x - dgt.originX) / dgt.pixelWidth).rounded(.down))
      let dr = Int(((y - dgt.originY) / dgt.pixelHeight).rounded(.down))
      let j = dr * demGrid.width + dc
      let missingID = soil[j] != soilNoData && missingSoil.contains(Int(soil[j]))
      let edge = soil[j] == soilNoData || !demValid[j] || lsValues[j] == lsNoData
      if missingID { missingIdCells += 1 }
      if edge && !missingID { edgeMismatchCells += 1 }
      if missingID || edge { maskedCells += 1 }
    }
    let land = village.area.value
    let maskedShare = soilLine.maskedArea.value / land
    let missingShare = Double(missingIdCells) * cellArea / land
    let edgeShare = Double(edgeMismatchCells) * cellArea / land
    print(
      "  soil conservation masked share \(fmt(maskedShare * 100, 4)) % = soil ids "
        + "\(missingSoil.sorted()) \(fmt(missingShare * 100, 4)) % (\(missingIdCells) cells) + "
        + "edge mismatch \(fmt(edgeShare * 100, 4)) % (\(edgeMismatchCells) cells)")
    #expect(soilLine.maskedArea.value == Double(maskedCells) * cellArea)
    #expect(abs(maskedShare - missingShare) <= edgeShare + 1e-12)
    // P and ET cover the whole grid: water conservation is never masked.
    let waterLine = try #require(village.lines.first { $0.indicator == "water_conservation" })
    #expect(waterLine.maskedArea.raw == 0)

    // ---- Cells by hand: water conservation (GEP-METHODS §5.1, per cell)
    //   Q = max(P − α·P − ET, 0) mm × A hm² × 10 m³·mm⁻¹·hm⁻²,  A = 625 m² = 0.0625 hm²,
    //   value density = Q · price / A (yuan/hm²), price = reservoir_capacity_cost (prices.csv),
    // α from runoff_coefficient.csv (percent) for the class crosswalk_swat.csv gives the code.
    // P and ET are read back from the derived rasters (Float32) at the DEM cell of the cell.
    var alphaOfClass: [Int: Double] = [:]
    for r in try Table(path: coefFolder.appendingPathComponent("runoff_coefficient.csv").path)
      .records where r["parameter"] == "alpha"
    {
      if let c = Int(r["class_code"] ?? ""), let v = Double(r["value"] ?? "") {
        alphaOfClass[c] = v / 100
      }
    }
    let price = try #require(
      try Table(path: coefFolder.appendingPathComponent("prices.csv").path).records
        .first { $0["price_id"] == "reservoir_capacity_cost" }
        .flatMap { r in r["value"].flatMap(Double.init) })
    let pBand = try RasterDataset(path: folder.appendingPathComponent("precipitation.tif").path)
      .band(1)
    let etBand = try RasterDataset(
      path: folder.appendingPathComponent("evapotranspiration.tif").path
    ).band(1)
    for code in [6, 4, 200, 33] {
      let i = try #require(
        insideCells.first { lu[$0] == Double(code) }, "no cell of code \(code) in the unit")
      let c = i % luGrid.width
      let r = i / luGrid.width
      let x = gt.originX + (Double(c) + 0.5) * gt.pixelWidth
      let y = gt.originY + (Double(r) + 0.5) * gt.pixelHeight
      let win = RasterWindow(
        colOffset: Int(((x - dgt.originX) / dgt.pixelWidth).rounded(.down)),
        rowOffset: Int(((y - dgt.originY) / dgt.pixelHeight).rounded(.down)), width: 1,
        height: 1)
      let p = try pBand.read(win)[0]
      let et = try etBand.read(win)[0]
      let cls = try #require(classOfCode[code])
      guard let alpha = alphaOfClass[cls] else {
        // Rice (33 → class 501, farmland): no α in national-2022, not computed.
        #expect(waterQ[i].isNaN, "code \(code) has no α but a value")
        print("  cell (col \(c), row \(r)) code \(code) → class \(cls): no α, not computed")
        continue
      }
      let q = max(p - alpha * p - et, 0) * 0.0625 * 10
      let density = q * price / 0.0625
      let a = fmt(alpha, 4)
      print(
        "  cell (col \(c), row \(r)) code \(code) → class \(cls), α = \(a): Q = "
          + "(\(fmt(p, 3)) − \(a)·\(fmt(p, 3)) − \(fmt(et, 3))) × 0.625 = \(fmt(q, 4)) m³ "
          + "(gep \(fmt(waterQ[i], 4))), \(fmt(density, 2)) yuan/hm² (gep \(fmt(waterV[i], 2)))")
      // Float32 storage of the per-cell output: relative error ≤ 2⁻²⁴ ≈ 6e-8.
      #expect(abs(waterQ[i] / q - 1) < 1e-6)
      #expect(abs(waterV[i] / density - 1) < 1e-6)
    }

    // ---- The unit's account by indicator (printed for the lead's note).
    print(
      "  account of \(ztsVillageCode) (placeholder code), \(result.cells) cells, "
        + "\(fmt(result.seconds, 2)) s:")
    for l in village.lines {
      let name = l.indicator + (l.component.isEmpty ? "" : " (\(l.component))")
      let q = l.quantity.map { "\(fmt($0.value, 2)) \(l.physicalUnit)" } ?? "–"
      let v = l.value.map { "\(fmt($0.value, 2)) yuan" } ?? "no value"
      print(
        "    \(name): \(q), \(v), masked \(fmt(l.maskedArea.value / land * 100, 3)) %, "
          + "uncovered \(fmt(l.uncoveredArea.value / land * 100, 3)) %")
    }
    print("    GEP \(fmt(village.gep.value, 2)) yuan; county row GEP \(fmt(county.gep.value, 2))")
    for w in result.warnings { print("    warning \(w.code): \(w.message.prefix(160))") }
  }
}

// MARK: - Helpers

/// One day of a station table: date and the numeric columns after Y M D.
private struct StationDay {
  var year: Int
  var month: Int
  var day: Int
  var values: [Double]
}

/// Reads a tab-separated station table with a header line: `skipColumns` leading columns
/// (e.g. StationID), then Y, M, D and numeric columns.
private func readDailyTable(_ path: String, skipColumns: Int = 0) throws -> [StationDay] {
  let text = try String(contentsOfFile: path, encoding: .utf8)
  var days: [StationDay] = []
  for line in text.split(whereSeparator: \.isNewline).dropFirst() {
    let f = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).map(String.init)
    guard f.count >= skipColumns + 4, let y = Int(f[skipColumns]), let m = Int(f[skipColumns + 1]),
      let d = Int(f[skipColumns + 2])
    else { continue }
    let values = f[(skipColumns + 3)...].map { Double($0) ?? .nan }
    days.append(StationDay(year: y, month: m, day: d, values: values))
  }
  return days
}

/// Day of the year, 1…365/366.
private func dayOfYear(_ y: Int, _ m: Int, _ d: Int) -> Int {
  var cal = Calendar(identifier: .gregorian)
  cal.timeZone = TimeZone(identifier: "UTC")!
  let date = cal.date(from: DateComponents(year: y, month: m, day: d))!
  return cal.ordinality(of: .day, in: .year, for: date)!
}

/// Extraterrestrial radiation Ra, MJ·m⁻²·d⁻¹ (FAO-56 eqs. 21, 23, 24, 25):
///   Ra = (24·60/π) Gsc dr [ωs sin φ sin δ + cos φ cos δ sin ωs],  Gsc = 0.0820 MJ·m⁻²·min⁻¹,
///   dr = 1 + 0.033 cos(2πJ/365),  δ = 0.409 sin(2πJ/365 − 1.39),  ωs = arccos(−tan φ tan δ).
private func extraterrestrialRadiation(latitudeDegrees: Double, dayOfYear j: Int) -> Double {
  let phi = latitudeDegrees * Double.pi / 180
  let t = 2 * Double.pi * Double(j) / 365
  let dr = 1 + 0.033 * cos(t)
  let delta = 0.409 * sin(t - 1.39)
  let ws = acos(-tan(phi) * tan(delta))
  return 24 * 60 / Double.pi * 0.0820 * dr
    * (ws * sin(phi) * sin(delta) + cos(phi) * cos(delta) * sin(ws))
}

/// A soil of the SEIMS property table, top layer.
private struct SoilRow {
  var id: Int
  var sand: Double
  var silt: Double
  var clay: Double
  var organicMatter: Double
  var uslek: Double
}

/// Reads `soil_properties_lookup.txt` (CSV; per-layer values as "top-bottom"): the top layer
/// of SOL_SAND, SOL_SILT, SOL_CLAY, SOL_OM and SOL_USLE_K, keyed by SEQN.
private func readSoilTable(_ path: String) throws -> [Int: SoilRow] {
  let text = try String(contentsOfFile: path, encoding: .utf8)
  let lines = text.split(whereSeparator: \.isNewline).map(String.init)
  let header = lines[0].split(separator: ",").map(String.init)
  func col(_ name: String) throws -> Int { try #require(header.firstIndex(of: name)) }
  let (iID, iSand, iSilt) = (try col("SEQN"), try col("SOL_SAND"), try col("SOL_SILT"))
  let (iClay, iOM, iK) = (try col("SOL_CLAY"), try col("SOL_OM"), try col("SOL_USLE_K"))
  var rows: [Int: SoilRow] = [:]
  for line in lines.dropFirst() {
    let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard f.count == header.count, let id = Int(f[iID]) else { continue }
    func top(_ i: Int) -> Double { Double(f[i].split(separator: "-").first ?? "") ?? .nan }
    rows[id] = SoilRow(
      id: id, sand: top(iSand), silt: top(iSilt), clay: top(iClay), organicMatter: top(iOM),
      uslek: top(iK))
  }
  return rows
}

/// Even–odd point-in-polygon over all rings (exterior and holes).
private func pointInRings(_ x: Double, _ y: Double, _ rings: [[(x: Double, y: Double)]]) -> Bool {
  var inside = false
  for ring in rings where ring.count > 2 {
    var j = ring.count - 1
    for i in 0..<ring.count {
      let (xi, yi) = ring[i]
      let (xj, yj) = ring[j]
      if (yi > y) != (yj > y), x < (xj - xi) * (y - yi) / (yj - yi) + xi { inside.toggle() }
      j = i
    }
  }
  return inside
}

/// A number with `digits` decimals.
private func fmt(_ x: Double, _ digits: Int = 1) -> String {
  String(format: "%.\(digits)f", x)
}
