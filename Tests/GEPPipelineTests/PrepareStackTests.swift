import Foundation
import GEPCore
import GEPGeo
import GEPPipeline
import Testing

/// A UTM 50N grid (EPSG:32650) of `width × height` cells of 10 m from (500000, 3500000).
private func stackGrid(width: Int, height: Int) throws -> Grid {
  Grid(
    crs: try SpatialReference(definition: "EPSG:32650"),
    geoTransform: GeoTransform(
      originX: 500_000, pixelWidth: 10, rowRotation: 0, originY: 3_500_000, columnRotation: 0,
      pixelHeight: -10),
    width: width, height: height)
}

/// Writes a Float32 daily stack (nodata −9999): band b holds `cells[i][b]` for cell i (row-major);
/// nil is nodata. `descriptions`, when given, are written as band descriptions.
private func writeStack(
  _ path: String, cells: [[Double?]], width: Int, height: Int, descriptions: [String]? = nil
) throws {
  let grid = try stackGrid(width: width, height: height)
  let bands = cells[0].count
  let w = try RasterWriter(
    path: path, grid: grid, bands: bands, dataType: .float32, noData: -9999, blockSize: 16)
  for b in 0..<bands {
    try w.write(cells.map { $0[b] ?? -9999 }, window: grid.fullWindow, band: b + 1)
    if let descriptions { try w.describe(band: b + 1, description: descriptions[b], unit: "mm") }
  }
  try w.close()
}

private func readBand1(_ path: String) throws -> [Double] {
  let ds = try RasterDataset(path: path)
  return try ds.band(1).read(try ds.grid().fullWindow)
}

private func stackIsClose(_ actual: Double, _ expected: Double, tolerance: Double) -> Bool {
  abs(actual - expected) <= tolerance
}

private func day(_ y: Int, _ m: Int, _ d: Int) -> CalendarDay {
  CalendarDay(year: y, month: m, day: d)!
}

/// The hand series of `PrepareFactorTests.halfMonthErosivityByHand`: 0 mm every day of
/// 2020–2021 except 2020-01-10 20 mm, 2020-07-20 40 mm, 2020-07-21 5 mm, 2021-07-05 30 mm.
private let handRain: [CalendarDay: Double] = [
  day(2020, 1, 10): 20, day(2020, 7, 20): 40, day(2020, 7, 21): 5, day(2021, 7, 5): 30,
]

@Suite struct PrepareStackTests {
  /// A 3 × 2 stack of 731 bands, 2020-01-01 … 2021-12-31 (--start-date 2020-01-01); every cell
  /// is 0 mm on days not listed:
  /// - cell 0: the hand series → R₂₀₂₀ = 296.116416438, mean annual 214.837450584, monthly
  ///   regression 2020 114.16946 (worked out in `halfMonthErosivityByHand`); R₂₀₂₁ =
  ///   α·30^β = 0.156407907 × 853.911337581 = 133.558484729;
  /// - cell 1: nodata on every band → nodata;
  /// - cell 2: the hand series with 2020-03-01 (a dry day) nodata: missing counts as dry → R as
  ///   cell 0;
  /// - cell 3: 0 mm every day → no erosive day → R = 0;
  /// - cell 4: the hand series with 2020-07-20 (40 mm) nodata → erosive days 20 and 30 mm over
  ///   2 years: P_d12 = 25, P_y12 = 25, β = 0.8363 + 18.144/25 + 24.455/25 = 2.54026,
  ///   α = 21.586 × 2.54026^−7.1891 = 0.026513223; R₂₀₂₀ = α·20^β = 0.026513223 × 2018.154714497
  ///   = 53.507785797; R₂₀₂₁ = α·30^β = 149.876851627; mean = 101.692318712; monthly 2020:
  ///   Jan 20 mm → −1.15527 + 1.792·20 = 34.68473, Jul 5 mm → 7.80473, R = 42.48946;
  /// - cell 5: the hand series for 2020 only, every 2021 band nodata → 1 year: P_d12 = 30,
  ///   P_y12 = 60, β = 0.8363 + 0.6048 + 0.4075833 = 1.8486833, α = 0.260417873;
  ///   R₂₀₂₀ = α(20^β + 40^β) = 0.260417873 × (254.209905475 + 915.591189606) = 304.637113319
  ///   (also the mean annual R: one year); no value in 2021 → nodata for 2021.
  /// Outputs are Float32: tolerance 1e-4 on values ≤ 305 (Float32 spacing 3e-5 there).
  @Test func halfMonthRFromDailyStackByCell() throws {
    let folder = try tempFolder("prepare-stack")
    defer { try? FileManager.default.removeItem(at: folder) }
    func p(_ n: String) -> String { folder.appendingPathComponent(n).path }
    let days = CalendarDay.allDays(of: 2020) + CalendarDay.allDays(of: 2021)
    #expect(days.count == 731)
    let full = days.map { Optional(handRain[$0] ?? 0) }
    var cells = [[Double?]](repeating: full, count: 6)
    cells[1] = [Double?](repeating: nil, count: 731)
    cells[2][days.firstIndex(of: day(2020, 3, 1))!] = nil
    cells[3] = [Double?](repeating: 0, count: 731)
    cells[4][days.firstIndex(of: day(2020, 7, 20))!] = nil
    for (i, d) in days.enumerated() where d.year == 2021 { cells[5][i] = nil }
    try writeStack(p("rain.tif"), cells: cells, width: 3, height: 2)
    let start = DailyStackDates.consecutive(from: day(2020, 1, 1))

    // One row per window (3 cells × 731 bands): the stack is read in 2 windows.
    let s = try FactorPreparation.r(
      dailyStack: p("rain.tif"), out: p("r2020.tif"), year: 2020, dates: start,
      maximumValuesPerWindow: 3 * 731)
    let r = try readBand1(p("r2020.tif"))
    #expect(stackIsClose(r[0], 296.116416438, tolerance: 1e-4))
    #expect(r[1] == prepareNoData)
    #expect(r[2] == r[0])
    #expect(r[3] == 0)
    #expect(stackIsClose(r[4], 53.507785797, tolerance: 1e-4))
    #expect(stackIsClose(r[5], 304.637113319, tolerance: 1e-4))
    #expect(s.validCells == 5 && s.noDataCells == 1)
    #expect(s.notes.contains { $0.contains("2 cells have missing days") })
    #expect(s.notes.contains { $0.contains("1 cells have no erosive day") })
    // Each cell equals the station computation on the same series (stations: missing days are
    // absent from the table), after the same Float32 rounding.
    for i in [0, 2, 3, 4, 5] {
      var series: [CalendarDay: Double] = [:]
      for (b, v) in cells[i].enumerated() { if let v { series[days[b]] = v } }
      let station = zhangWenboErosivity(series, year: 2020)?.annual ?? 0
      #expect(r[i] == Double(Float(station)), "cell \(i)")
    }

    // Mean annual R of the record (year nil), one window for the whole stack.
    _ = try FactorPreparation.r(
      dailyStack: p("rain.tif"), out: p("rmean.tif"), year: nil, dates: start)
    let mean = try readBand1(p("rmean.tif"))
    #expect(stackIsClose(mean[0], 214.837450584, tolerance: 1e-4))
    #expect(mean[1] == prepareNoData && mean[2] == mean[0] && mean[3] == 0)
    #expect(stackIsClose(mean[4], 101.692318712, tolerance: 1e-4))
    #expect(stackIsClose(mean[5], 304.637113319, tolerance: 1e-4))

    // 2021: cell 5 has no value in 2021 → nodata.
    _ = try FactorPreparation.r(
      dailyStack: p("rain.tif"), out: p("r2021.tif"), year: 2021, dates: start)
    let r21 = try readBand1(p("r2021.tif"))
    #expect(stackIsClose(r21[0], 133.558484729, tolerance: 1e-4))
    #expect(stackIsClose(r21[4], 149.876851627, tolerance: 1e-4))
    #expect(r21[1] == prepareNoData && r21[5] == prepareNoData)

    // Monthly regression, 2020.
    _ = try FactorPreparation.r(
      dailyStack: p("rain.tif"), out: p("rm.tif"), year: 2020, method: .monthly, dates: start)
    let rm = try readBand1(p("rm.tif"))
    #expect(stackIsClose(rm[0], 114.16946, tolerance: 1e-4))
    #expect(rm[1] == prepareNoData && rm[3] == 0)
    #expect(stackIsClose(rm[4], 42.48946, tolerance: 1e-4))
    #expect(stackIsClose(rm[5], 114.16946, tolerance: 1e-4))

    // A year outside the stack is refused.
    #expect(throws: PrepareError.self) {
      _ = try FactorPreparation.r(
        dailyStack: p("rain.tif"), out: p("r2019.tif"), year: 2019, dates: start)
    }
  }

  /// Dates from band descriptions ("P_YYYYMMDD"), 366 bands of 2020 in reverse order (band 1
  /// is 2020-12-31): cell 0 carries the 2020 part of the hand series → one year, R =
  /// 304.637113319 (cell 5 of the test above); cell 1 is nodata. A band without a date, and
  /// negative rainfall, are errors naming the band (and the date, row and column).
  @Test func dailyStackDatesFromBandDescriptions() throws {
    let folder = try tempFolder("prepare-stack-dates")
    defer { try? FileManager.default.removeItem(at: folder) }
    func p(_ n: String) -> String { folder.appendingPathComponent(n).path }
    let days = Array(CalendarDay.allDays(of: 2020).reversed())
    let names = days.map { String(format: "P_%04d%02d%02d", $0.year, $0.month, $0.day) }
    let cell0 = days.map { Optional(handRain[$0] ?? 0) }
    let cell1 = [Double?](repeating: nil, count: days.count)
    try writeStack(
      p("rain.tif"), cells: [cell0, cell1], width: 2, height: 1, descriptions: names)
    let s = try FactorPreparation.r(
      dailyStack: p("rain.tif"), out: p("r.tif"), year: nil, dates: .bandDescriptions)
    let r = try readBand1(p("r.tif"))
    #expect(stackIsClose(r[0], 304.637113319, tolerance: 1e-4))
    #expect(r[1] == prepareNoData)
    #expect(s.notes.contains { $0.contains("2020-01-01…2020-12-31") })

    var undated = names
    undated[4] = "band five"
    try writeStack(
      p("undated.tif"), cells: [cell0, cell1], width: 2, height: 1, descriptions: undated)
    do {
      _ = try FactorPreparation.r(
        dailyStack: p("undated.tif"), out: p("r2.tif"), year: nil, dates: .bandDescriptions)
      Issue.record("expected an error")
    } catch let e as PrepareError {
      #expect(e.message.contains("band 5 description 'band five' holds no date"))
    }

    var negative = cell0
    negative[2] = -1  // band 3 = 2020-12-29
    try writeStack(p("negative.tif"), cells: [cell1, negative], width: 2, height: 1)
    do {
      _ = try FactorPreparation.r(
        dailyStack: p("negative.tif"), out: p("r3.tif"), year: 2020,
        dates: .consecutive(from: day(2020, 12, 31)))
      Issue.record("expected an error")
    } catch let e as PrepareError {
      #expect(e.message.contains("band 3 (2021-01-02), row 0, column 1: negative rainfall -1"))
    }
  }

  /// Calendar arithmetic: 2020-01-01 is day 18262 since 1970-01-01 (50 years, 12 leap days:
  /// 50 × 365 + 12 = 18262); 2020-02-28 + 2 days = 2020-03-01 (leap year); parsing accepts
  /// YYYY-MM-DD, YYYY/M/D and YYYYMMDD and refuses 2021-02-29.
  @Test func calendarDayArithmeticAndParsing() {
    #expect(day(2020, 1, 1).daysSince1970 == 18262)
    #expect(CalendarDay(daysSince1970: 18262) == day(2020, 1, 1))
    #expect(day(2020, 2, 28).adding(days: 2) == day(2020, 3, 1))
    #expect(day(2021, 12, 31).adding(days: -365) == day(2020, 12, 31))
    #expect(CalendarDay(parsing: "2014-01-01") == day(2014, 1, 1))
    #expect(CalendarDay(parsing: "2014/7/6") == day(2014, 7, 6))
    #expect(CalendarDay(parsing: "20140706") == day(2014, 7, 6))
    #expect(CalendarDay(parsing: "2021-02-29") == nil)
    #expect(CalendarDay(parsing: "14-01-01") == nil)
  }

  /// C by class (SWAT codes, national-2022 with forest usle_c set to 0.006 in a copy):
  /// 8 FRSE → class 102 → forest 1 → 0.006; 6 FRST → 103 → 1 → 0.006; 18 WATR → class 4
  /// (applies = 0) and 104 URLD → class 6 (applies = 0) → nodata with a note; the land-use
  /// nodata cell stays nodata. Codes 1 (AGRL → 502 → farmland 5, usle_c empty) and 99 (not in
  /// crosswalk_swat.csv) are errors naming the codes.
  @Test func cByClassMasksNonErodibleClasses() throws {
    let folder = try tempFolder("prepare-c-class")
    defer { try? FileManager.default.removeItem(at: folder) }
    func p(_ n: String) -> String { folder.appendingPathComponent(n).path }
    let coef = p("national-2022")
    try FileManager.default.copyItem(atPath: coefficientRoot + "/national-2022", toPath: coef)
    let rusle = coef + "/rusle.csv"
    let text = try String(contentsOfFile: rusle, encoding: .utf8)
    let edited = text.replacingOccurrences(
      of: "1,Forest,usle_c,,,,fraction", with: "1,Forest,usle_c,0.006,,,fraction")
    #expect(edited != text)
    try edited.write(toFile: rusle, atomically: true, encoding: .utf8)

    let grid = try stackGrid(width: 5, height: 1)
    let w = try RasterWriter(path: p("lu.tif"), grid: grid, dataType: .int16, noData: 0)
    try w.write([8, 18, 104, 6, 0] as [Int32], window: grid.fullWindow)
    try w.close()
    let s = try FactorPreparation.cByClass(
      landuse: p("lu.tif"), coefficients: coef, scheme: "swat", out: p("c.tif"))
    let c = try readBand1(p("c.tif"))
    #expect(c[0] == Double(Float(0.006)) && c[3] == Double(Float(0.006)))
    #expect(c[1] == prepareNoData && c[2] == prepareNoData && c[4] == prepareNoData)
    #expect(s.validCells == 2 && s.noDataCells == 3)
    #expect(s.notes.contains { $0.contains("18 (class 4") && $0.contains("104 (class 6") })

    let w2 = try RasterWriter(path: p("lu2.tif"), grid: grid, dataType: .int16, noData: 0)
    try w2.write([8, 1, 99, 18, 1] as [Int32], window: grid.fullWindow)
    try w2.close()
    do {
      _ = try FactorPreparation.cByClass(
        landuse: p("lu2.tif"), coefficients: coef, scheme: "swat", out: p("c2.tif"))
      Issue.record("expected an error")
    } catch let e as PrepareError {
      #expect(e.message.contains("1 (class 502, 2 cells): usle_c is empty or conditional"))
      #expect(e.message.contains("99 (1 cells): not in crosswalk_swat.csv"))
      #expect(!e.message.contains("18 ("))
    }
  }
}
