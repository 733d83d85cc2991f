import Foundation
import GEPCore
import GEPGeo
import GEPPipeline
import Testing

/// Writes a Float32 GeoTIFF of `width × height` cells of `cell` units from (x0, y0) in `crs`.
private func writeRaster(
  _ path: String, _ values: [Double], width: Int, height: Int, crs: String = "EPSG:32650",
  x0: Double = 500_000, y0: Double = 3_500_000, cell: Double = 10, noData: Double? = nil
) throws {
  let grid = Grid(
    crs: try SpatialReference(definition: crs),
    geoTransform: GeoTransform(
      originX: x0, pixelWidth: cell, rowRotation: 0, originY: y0, columnRotation: 0,
      pixelHeight: -cell),
    width: width, height: height)
  let w = try RasterWriter(path: path, grid: grid, dataType: .float32, noData: noData)
  try w.write(values, window: grid.fullWindow)
  try w.close()
}

private func readRaster(_ path: String) throws -> [Double] {
  let ds = try RasterDataset(path: path)
  return try ds.band(1).read(try ds.grid().fullWindow)
}

/// True when |actual − expected| ≤ tolerance (each call states why its tolerance is what it is).
private func prepareIsClose(_ actual: Double, _ expected: Double, tolerance: Double) -> Bool {
  abs(actual - expected) <= tolerance
}

private func day(_ y: Int, _ m: Int, _ d: Int) -> CalendarDay {
  CalendarDay(year: y, month: m, day: d)!
}

@Suite struct PrepareFactorTests {
  /// 章文波 R by hand. Record 2020–2021 (2 years), erosive days (≥ 12 mm): 2020-01-10 20 mm,
  /// 2020-07-20 40 mm, 2021-07-05 30 mm (2020-07-21 5 mm is not erosive).
  /// P_d12 = 90/3 = 30 mm, P_y12 = 90/2 = 45 mm;
  /// β = 0.8363 + 18.144/30 + 24.455/45 = 0.8363 + 0.6048 + 0.543444 = 1.984544;
  /// α = 21.586 × 1.984544^−7.1891 = 0.156408;
  /// 2020: half-month 0 (Jan 1–15) α·20^β = 0.156408 × 381.9019 = 59.733;
  /// half-month 13 (Jul 16–31) α·40^β = 0.156408 × 1511.3298 = 236.384; R₂₀₂₀ = 296.1164.
  /// 2021: α·30^β = 0.156408 × 853.9113 = 133.5585; mean annual R = 214.8375.
  /// Monthly regression 2020: Jan 20 mm → −1.15527 + 35.84 = 34.68473; Jul 45 mm → 79.48473;
  /// other months 0 mm → 0 (clamped): R = 114.16946.
  @Test func halfMonthErosivityByHand() throws {
    let series: [CalendarDay: Double] = [
      day(2020, 1, 10): 20, day(2020, 7, 20): 40, day(2020, 7, 21): 5, day(2021, 7, 5): 30,
      day(2021, 3, 1): 0,
    ]
    let z = try #require(zhangWenboErosivity(series, year: 2020))
    #expect(prepareIsClose(z.beta, 1.984544444, tolerance: 1e-9))
    #expect(prepareIsClose(z.alpha, 0.156407907, tolerance: 1e-9))
    #expect(prepareIsClose(z.halfMonths[0], 0.156407907 * 381.901927184, tolerance: 1e-6))
    #expect(prepareIsClose(z.halfMonths[13], 0.156407907 * 1511.329833826, tolerance: 1e-6))
    #expect(prepareIsClose(z.annual, 296.116416438, tolerance: 1e-6))
    let mean = try #require(zhangWenboErosivity(series, year: nil))
    #expect(prepareIsClose(mean.annual, 214.837450584, tolerance: 1e-6))
    #expect(
      prepareIsClose(monthlyRegressionErosivity(series, year: 2020), 114.16946, tolerance: 1e-9))
  }

  /// Missing-day rule: 2021 with 1 mm every day except February 10 (missing) and
  /// February 1–9 at 3 mm. February's present days: 9 × 3 + 18 × 1 = 45 mm over 27 days →
  /// the missing day is filled with 45/27 = 1.666667 mm; total = 364 present days
  /// (336 × 1 + 27 + 1 … ) = 9 × 3 + 355 × 1 + 1.666667 = 383.666667 mm.
  /// With 0 missing days allowed the year is refused.
  @Test func annualPrecipitationMissingDayRule() throws {
    var series: [CalendarDay: Double] = [:]
    for d in CalendarDay.allDays(of: 2021) { series[d] = 1 }
    for d in 1...9 { series[day(2021, 2, d)] = 3 }
    series[day(2021, 2, 10)] = nil
    #expect(annualSumOfDailyValues(series, year: 2021, maximumMissingDays: 0) == nil)
    let s = try #require(annualSumOfDailyValues(series, year: 2021, maximumMissingDays: 3))
    #expect(s.missingDays == [day(2021, 2, 10)])
    #expect(prepareIsClose(s.filledAmount, 45.0 / 27, tolerance: 1e-12))
    #expect(prepareIsClose(s.total, 27 + 355 + 45.0 / 27, tolerance: 1e-9))
  }

  /// EPIC K by hand for sand 40 %, silt 40 %, clay 20 %, OC 1.5 %:
  /// {0.2 + 0.3 exp(−0.0256·40·0.6)} = 0.2 + 0.3 × 0.540964 = 0.362290;
  /// (40/60)^0.3 = 0.885467; 1 − 0.25·1.5/(1.5 + exp(3.72 − 4.425)) = 1 − 0.375/1.994109
  /// = 0.811946; SN1 = 0.6: 1 − 0.7·0.6/(0.6 + exp(8.23)) = 0.999888;
  /// K_EPIC = 0.260440, K = 0.1317 × 0.260440 = 0.0342999.
  /// Same soil through a soil map + property table with SEIMS "top-bottom" layers and organic
  /// matter (OM 2.586 % → OC 1.5 %); soil id 9 is not in the table → nodata.
  @Test func epicKFromRastersAndFromSoilTable() throws {
    let folder = try tempFolder("prepare-k")
    defer { try? FileManager.default.removeItem(at: folder) }
    func p(_ n: String) -> String { folder.appendingPathComponent(n).path }
    try writeRaster(p("sand.tif"), [40, 40], width: 2, height: 1)
    try writeRaster(p("silt.tif"), [40, 40], width: 2, height: 1)
    try writeRaster(p("clay.tif"), [20, 20], width: 2, height: 1)
    try writeRaster(p("oc.tif"), [1.5, -9999], width: 2, height: 1, noData: -9999)
    let s = try FactorPreparation.k(
      sand: p("sand.tif"), silt: p("silt.tif"), clay: p("clay.tif"), organicCarbon: p("oc.tif"),
      out: p("k.tif"))
    let k = try readRaster(p("k.tif"))
    #expect(prepareIsClose(k[0], 0.0342999, tolerance: 1e-7))
    #expect(k[1] == prepareNoData)
    #expect(s.validCells == 1)

    try writeRaster(p("soil.tif"), [1, 9], width: 2, height: 1)
    try """
    SEQN,SNAM,SOL_OM,SOL_CLAY,SOL_SILT,SOL_SAND
    1,test,2.586-1.0,20-30,40-40,40-30
    """.write(toFile: p("props.csv"), atomically: true, encoding: .utf8)
    let t = try FactorPreparation.k(
      soilMap: p("soil.tif"), properties: p("props.csv"), out: p("k2.tif"))
    let k2 = try readRaster(p("k2.tif"))
    #expect(prepareIsClose(k2[0], 0.0342999, tolerance: 1e-7))
    #expect(k2[1] == prepareNoData)
    #expect(t.notes.contains { $0.contains("soil id 9") })

    // A bad cell is named by file, line and column.
    try "SEQN,SOL_OM,SOL_CLAY,SOL_SILT,SOL_SAND\n1,2.5,20,forty,40\n".write(
      toFile: p("bad.csv"), atomically: true, encoding: .utf8)
    do {
      _ = try FactorPreparation.k(
        soilMap: p("soil.tif"), properties: p("bad.csv"), out: p("k3.tif"))
      Issue.record("expected an error")
    } catch let e as PrepareError {
      #expect(e.message.contains("bad.csv line 2, column SOL_SILT: 'forty'"))
    }
  }

  /// NDVI → FVC → C at the ends, endpoints 0.2/0.65: NDVI 0.1 → FVC 0 → C 1; 0.425 → FVC 0.5
  /// → C = 0.6508 − 0.3436 lg 50 = 0.0670339; 0.8 → FVC 1 → C 0. Percentiles of the
  /// 11 values 0, 0.1, …, 1.0: 5th → rank 0.5 → 0.05; 95th → 0.95 (linear, NumPy default).
  @Test func ndviToFVCToC() throws {
    let folder = try tempFolder("prepare-c")
    defer { try? FileManager.default.removeItem(at: folder) }
    func p(_ n: String) -> String { folder.appendingPathComponent(n).path }
    try writeRaster(p("ndvi.tif"), [0.1, 0.425, 0.8], width: 3, height: 1)
    _ = try FactorPreparation.c(
      ndvi: p("ndvi.tif"), out: p("c.tif"), endpoints: .fixed(soil: 0.2, vegetation: 0.65),
      fvcOut: p("fvc.tif"))
    let c = try readRaster(p("c.tif"))
    let fvc = try readRaster(p("fvc.tif"))
    #expect(fvc[0] == 0 && fvc[2] == 1)
    #expect(prepareIsClose(fvc[1], 0.5, tolerance: 1e-6))
    #expect(c[0] == 1 && c[2] == 0)
    #expect(prepareIsClose(c[1], 0.0670339, tolerance: 2e-6))  // Float32 input and output
    let sorted = (0...10).map { Double($0) / 10 }
    #expect(prepareIsClose(percentileOfSorted(sorted, 5), 0.05, tolerance: 1e-12))
    #expect(prepareIsClose(percentileOfSorted(sorted, 95), 0.95, tolerance: 1e-12))
    try writeRaster(p("scaled.tif"), [4000, 8000, 100], width: 3, height: 1)
    #expect(throws: PrepareError.self) {
      _ = try FactorPreparation.c(
        ndvi: p("scaled.tif"), out: p("c2.tif"), endpoints: .percentiles(low: 5, high: 95))
    }
  }

  /// LS through GeoTIFFs on the tilted plane (10 m, gradient 0.2 southwards): row 2 gathers
  /// 3 cells, L = √10 (3^1.5 − 2^1.5)/√22.13 = 1.591624, S = 3.336905 → LS = 5.311099.
  @Test func lsFromGeoTIFFTiltedPlane() throws {
    let folder = try tempFolder("prepare-ls")
    defer { try? FileManager.default.removeItem(at: folder) }
    func p(_ n: String) -> String { folder.appendingPathComponent(n).path }
    var z: [Double] = []
    for row in 0..<6 { for _ in 0..<5 { z.append(100 - 2 * Double(row)) } }
    try writeRaster(p("dem.tif"), z, width: 5, height: 6)
    let s = try FactorPreparation.ls(
      dem: p("dem.tif"), out: p("ls.tif"), options: LSPreparationOptions(slopeOut: p("slope.tif")))
    let ls = try readRaster(p("ls.tif"))
    let slope = try readRaster(p("slope.tif"))
    #expect(prepareIsClose(ls[2 * 5 + 2], 1.591624470 * 3.336904521, tolerance: 1e-5))
    #expect(prepareIsClose(slope[2 * 5 + 2], 11.309932474, tolerance: 1e-5))
    #expect(s.validCells == 30)
  }

  /// Geographic grid: 0.001° cells centred near 30°N, elevation rising 1 m per column.
  /// Δx = 0.001 × π/180 × N cos φ with N = a/√(1 − e² sin²φ) (WGS 84) at the row's latitude;
  /// at φ = 29.9985° (row 1 centre): N = 6 383 485.6 m… Δx ≈ 96.48 m → slope = atan(1/Δx)
  /// ≈ 0.5938°. The check recomputes Δx from the formula.
  @Test func slopeOnGeographicGrid() throws {
    let folder = try tempFolder("prepare-geo")
    defer { try? FileManager.default.removeItem(at: folder) }
    func p(_ n: String) -> String { folder.appendingPathComponent(n).path }
    var z: [Double] = []
    for _ in 0..<3 { for col in 0..<3 { z.append(Double(col)) } }
    try writeRaster(
      p("dem.tif"), z, width: 3, height: 3, crs: "EPSG:4326", x0: 120, y0: 30, cell: 0.001)
    _ = try FactorPreparation.slope(dem: p("dem.tif"), out: p("slope.tif"))
    let slope = try readRaster(p("slope.tif"))
    let a = 6_378_137.0
    let f = 1 / 298.257223563
    let e2 = f * (2 - f)
    let phi = (30 - 0.0015) * Double.pi / 180
    let dx = 0.001 * Double.pi / 180 * a / (1 - e2 * sin(phi) * sin(phi)).squareRoot() * cos(phi)
    #expect(prepareIsClose(dx, 96.48, tolerance: 0.05))
    #expect(prepareIsClose(slope[4], atan(1 / dx) * 180 / Double.pi, tolerance: 1e-5))
  }

  /// Station table → raster, coordinates in lon/lat and in a projected CRS give the same cells.
  /// Three stations on a UTM 50N grid at cell centres of a 3 × 1 grid (10 m cells):
  /// A (x0+5) = 10, B (x0+25) = 40, C (x0+15, 20 m north) = 20 → nearest: cell 0 → A, cell 2
  /// → B, cell 1 → C (10 m north, 10 m from A and B: C is 20 m away… so A, the first listed,
  /// is at 10 m like B): cell 1 is equidistant from A and B (10 m), C is 20 m away → A = 10.
  /// IDW p = 2 on cell 1: w = 1/100, 1/100, 1/400 → (0.1 + 0.4 + 0.05)/0.0225 = 24.444444.
  @Test func interpolateStationTable() throws {
    let folder = try tempFolder("prepare-idw")
    defer { try? FileManager.default.removeItem(at: folder) }
    func p(_ n: String) -> String { folder.appendingPathComponent(n).path }
    try writeRaster(p("ref.tif"), [0, 0, 0], width: 3, height: 1)
    let y = 3_500_000 - 5.0
    try """
    id,x,y,rain
    A,500005,\(y),10
    B,500025,\(y),40
    C,500015,\(y + 20),20
    """.write(toFile: p("st.csv"), atomically: true, encoding: .utf8)
    let xy = StationCoordinateOptions(xField: "x", yField: "y", crs: "EPSG:32650")
    _ = try FactorPreparation.interpolate(
      stations: p("st.csv"), valueField: "rain", grid: p("ref.tif"), out: p("n.tif"),
      options: StationGridOptions(coordinates: xy, method: .nearest))
    #expect(try readRaster(p("n.tif")) == [10, 10, 40])
    _ = try FactorPreparation.interpolate(
      stations: p("st.csv"), valueField: "rain", grid: p("ref.tif"), out: p("i.tif"),
      options: StationGridOptions(coordinates: xy, method: .inverseDistance(power: 2)))
    let idw = try readRaster(p("i.tif"))
    #expect(idw[0] == 10 && idw[2] == 40)
    #expect(prepareIsClose(idw[1], 0.55 / 0.0225, tolerance: 1e-4))
  }

  /// Annual precipitation and R from a wide daily table with two stations, end to end.
  @Test func precipitationFromWideDailyTable() throws {
    let folder = try tempFolder("prepare-p")
    defer { try? FileManager.default.removeItem(at: folder) }
    func p(_ n: String) -> String { folder.appendingPathComponent(n).path }
    try writeRaster(p("ref.tif"), [0, 0], width: 2, height: 1)
    var text = "Y\tM\tD\t1\t2\n"
    for d in CalendarDay.allDays(of: 2021) {
      text += "\(d.year)\t\(d.month)\t\(d.day)\t2\t\(d == day(2021, 6, 1) ? "" : "3")\n"
    }
    try text.write(toFile: p("rain.txt"), atomically: true, encoding: .utf8)
    try "id,x,y\n1,500005,3499995\n2,500015,3499995\n".write(
      toFile: p("st.csv"), atomically: true, encoding: .utf8)
    let grid = StationGridOptions(
      coordinates: StationCoordinateOptions(xField: "x", yField: "y", crs: "EPSG:32650"),
      method: .nearest)
    // Station 2 misses 1 day: dropped when 0 are allowed (then station 1 covers both cells).
    let strict = try FactorPreparation.precipitation(
      dailyRain: p("rain.txt"), stations: p("st.csv"), grid: p("ref.tif"), out: p("p0.tif"),
      options: DailyRainOptions(year: 2021, maximumMissingDays: 0, grid: grid))
    #expect(try readRaster(p("p0.tif")) == [730, 730])
    #expect(strict.notes.contains { $0.contains("station 2 dropped") })
    // Allowed: June's mean (3 mm) fills the day: 365 × 3 = 1095 mm.
    _ = try FactorPreparation.precipitation(
      dailyRain: p("rain.txt"), stations: p("st.csv"), grid: p("ref.tif"), out: p("p1.tif"),
      options: DailyRainOptions(year: 2021, maximumMissingDays: 5, grid: grid))
    #expect(try readRaster(p("p1.tif")) == [730, 1095])
  }
}
