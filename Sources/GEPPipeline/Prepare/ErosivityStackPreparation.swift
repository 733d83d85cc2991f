import Foundation
import GEPCore
import GEPGeo

// `gep prepare r --daily-stack`: rainfall erosivity R per cell from a daily rainfall raster
// stack (one band per day), streamed window by window. GEP-METHODS §5.2 [S5] [S7].

/// How the day of each band of a daily raster stack is known.
public enum DailyStackDates: Sendable, Hashable {
  /// Band i (1-based) holds day `from` + (i − 1): consecutive days, possibly over several years
  /// (`--start-date`).
  case consecutive(from: CalendarDay)
  /// Each band's description holds its date: a word "YYYY-MM-DD", "YYYY/MM/DD" or "YYYYMMDD"
  /// (e.g. `P_20140101`, `rain 2014-01-01`). Band metadata items are not read.
  case bandDescriptions
}

extension FactorPreparation {
  /// The largest number of cell values (bands × window cells) a daily-stack window holds:
  /// 8 million, i.e. 64 MB of Float64 values plus 8 MB of validity flags.
  public static let defaultStackWindowValues = 8_000_000

  /// The first date in `text`: a word (separated by anything other than digits, `-` and `/`)
  /// that `CalendarDay(parsing:)` accepts, or nil.
  static func dateInText(_ text: String) -> CalendarDay? {
    let words = text.split { !($0.isASCII && ($0.isNumber || $0 == "-" || $0 == "/")) }
    for w in words {
      let word = w.trimmingCharacters(in: CharacterSet(charactersIn: "-/"))
      if let day = CalendarDay(parsing: word) { return day }
    }
    return nil
  }

  /// The day of each band (index 0 = band 1) of a daily stack.
  static func stackDays(_ ds: RasterDataset, path: String, dates: DailyStackDates) throws
    -> [CalendarDay]
  {
    switch dates {
    case .consecutive(let start):
      return (0..<ds.bandCount).map { start.adding(days: $0) }
    case .bandDescriptions:
      var days: [CalendarDay] = []
      var bandOf: [CalendarDay: Int] = [:]
      for b in 1...ds.bandCount {
        let text = try ds.band(b).bandDescription
        guard let day = dateInText(text) else {
          throw PrepareError(
            "\(path): band \(b) description '\(text)' holds no date (YYYY-MM-DD or YYYYMMDD); "
              + "give the first band's date with --start-date")
        }
        if let other = bandOf[day] {
          throw PrepareError("\(path): bands \(other) and \(b) are both dated \(day)")
        }
        bandOf[day] = b
        days.append(day)
      }
      return days
    }
  }

  /// Rainfall erosivity R (MJ·mm·hm⁻²·h⁻¹·a⁻¹) per cell from a daily rainfall raster stack:
  /// each cell's daily series goes through the same model as a station's —
  /// `zhangWenboErosivity(observations:year:)` (章文波 half-month model; P_d12 and P_y12 over
  /// the whole stack) or `monthlyRegressionErosivity(observations:year:)` — and R is written
  /// on the stack's grid (Float32 GeoTIFF, nodata −9999). GEP-METHODS §5.2 [S5] [S7].
  ///
  /// The stack is read window by window (rows of full width, all bands of the window, at most
  /// `maximumValuesPerWindow` values), never whole, so its size is not limited by
  /// `maximumCells`.
  ///
  /// Missing-day rule (as for stations in `r(dailyRain:…)`): a band that is nodata (or NaN)
  /// in a cell is a missing day and counts as dry (no rain, hence no erosive rain); the notes
  /// give how many cells had missing days and the most missing in one cell. A cell without any
  /// value in `year` (or in the whole stack when `year` is nil) is written as nodata. A cell
  /// with values but no erosive day (≥ 12 mm) gets R = 0 under the half-month model (noted).
  ///
  /// - Parameters:
  ///   - dailyStack: raster with one band per day, rainfall in mm (any GDAL format).
  ///   - out: GeoTIFF to write.
  ///   - year: the year of R, or nil for the mean annual R over the stack's years.
  ///   - method: half-month (default) or monthly regression.
  ///   - dates: consecutive days from a start date, or dates from band descriptions.
  ///   - crs: CRS to assume instead of the stack's own (e.g. "EPSG:4528"), or nil.
  ///   - maximumValuesPerWindow: window budget in values (bands × cells); at least one row.
  /// - Returns: the summary of R, with notes on the stack's dates, missing days and cells
  ///   without value or without erosive day.
  /// - Throws: `PrepareError` for a band without a date, two bands of one day, no band in
  ///   `year`, no CRS, a rotated geotransform, or negative rainfall (naming band, date, row and
  ///   column); `GDALError` for read or write failures.
  public static func r(
    dailyStack: String, out: String, year: Int?, method: ErosivityMethod = .halfMonth,
    dates: DailyStackDates, crs: String? = nil,
    maximumValuesPerWindow: Int = defaultStackWindowValues
  ) throws -> FactorSummary {
    let ds = try RasterDataset(path: dailyStack)
    let bands = ds.bandCount
    guard bands >= 1 else { throw PrepareError("\(dailyStack): the raster has no band") }
    let days = try stackDays(ds, path: dailyStack, dates: dates)
    let first = days.min()!
    let last = days.max()!
    if let year, !days.contains(where: { $0.year == year }) {
      throw PrepareError(
        "\(dailyStack): no band falls in \(year) (the bands cover \(first)…\(last))")
    }
    let geoTransform = try ds.geoTransform()
    guard geoTransform.isAxisAligned else {
      throw PrepareError("\(dailyStack): rotated geotransforms are not supported")
    }
    let rasterCRS: SpatialReference
    if let crs {
      rasterCRS = try SpatialReference(definition: crs)
    } else if let own = try ds.spatialReference() {
      rasterCRS = own
    } else {
      throw PrepareError("\(dailyStack): the raster declares no CRS; give one with --crs")
    }
    let grid = Grid(crs: rasterCRS, geoTransform: geoTransform, width: ds.width, height: ds.height)
    let bandsOfYear = year.map { y in days.filter { $0.year == y }.count } ?? bands

    var notes = [
      "\(dailyStack): \(bands) daily bands \(first)…\(last)"
        + (dates == .bandDescriptions ? " (dates from band descriptions)" : "")
    ]
    let covered = Set(days)
    let partialYears = Set(days.map(\.year)).sorted().filter { y in
      !CalendarDay.allDays(of: y).allSatisfy { covered.contains($0) }
    }
    if !partialYears.isEmpty {
      notes.append(
        "the stack does not cover every day of "
          + partialYears.map(String.init).joined(separator: ", ")
          + ": absent days count as dry")
    }

    let width = grid.width
    let rowsPerWindow = max(1, min(grid.height, maximumValuesPerWindow / max(1, bands * width)))
    let bandHandles = try (1...bands).map { try ds.band($0) }
    let windowCells = rowsPerWindow * width
    var values = [Double](repeating: 0, count: bands * windowCells)
    var valid = [Bool](repeating: false, count: bands * windowCells)
    var bandValues = [Double](repeating: 0, count: windowCells)
    var bandValid = [Bool](repeating: false, count: windowCells)
    var output = [Double](repeating: prepareNoData, count: windowCells)
    var observations: [(day: CalendarDay, rain: Double)] = []
    observations.reserveCapacity(bands)

    var lo = Double.infinity
    var hi = -Double.infinity
    var sum = 0.0
    var validCells = 0
    var noDataCells = 0
    var cellsWithMissing = 0
    var mostMissing = 0
    var dryCells = 0

    let parent = URL(fileURLWithPath: out).deletingLastPathComponent()
    try? FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
    // Written next to the target and renamed when complete (never truncating `out` while it
    // may still be read, never leaving half a raster).
    let partial =
      out.hasPrefix("/vsi") ? out : "\(out).partial-\(ProcessInfo.processInfo.processIdentifier)"
    let writer = try RasterWriter(
      path: partial, grid: grid, dataType: .float32, noData: prepareNoData)
    do {
      for row0 in stride(from: 0, to: grid.height, by: rowsPerWindow) {
        let window = RasterWindow(
          colOffset: 0, rowOffset: row0, width: width,
          height: min(rowsPerWindow, grid.height - row0))
        let n = window.count
        for b in 0..<bands {
          try bandHandles[b].readMasked(window, values: &bandValues, valid: &bandValid)
          for i in 0..<n {
            values[b * n + i] = bandValues[i]
            valid[b * n + i] = bandValid[i] && bandValues[i].isFinite
          }
        }
        for i in 0..<n {
          observations.removeAll(keepingCapacity: true)
          var presentInYear = 0
          for b in 0..<bands where valid[b * n + i] {
            let rain = values[b * n + i]
            if rain < 0 {
              throw PrepareError(
                "\(dailyStack) band \(b + 1) (\(days[b])), row \(row0 + i / width), column "
                  + "\(i % width): negative rainfall \(rain) mm")
            }
            observations.append((days[b], rain))
            if year == nil || days[b].year == year { presentInYear += 1 }
          }
          guard presentInYear > 0 else {
            output[i] = prepareNoData
            noDataCells += 1
            continue
          }
          let missing = bandsOfYear - presentInYear
          if missing > 0 {
            cellsWithMissing += 1
            mostMissing = max(mostMissing, missing)
          }
          let r: Double
          switch method {
          case .halfMonth:
            if let z = zhangWenboErosivity(observations: observations, year: year) {
              r = z.annual
            } else {
              r = 0
              dryCells += 1
            }
          case .monthly:
            r = monthlyRegressionErosivity(observations: observations, year: year)
          }
          output[i] = r
          lo = min(lo, r)
          hi = max(hi, r)
          sum += r
          validCells += 1
        }
        try writer.write(Array(output[0..<n]), window: window)
      }
      try writer.describe(
        band: 1,
        description: "rainfall erosivity R (\(method.rawValue)\(year.map { " \($0)" } ?? ""))",
        unit: "MJ mm hm-2 h-1 a-1")
      try writer.close()
      if partial != out, rename(partial, out) != 0 {
        throw PrepareError(
          "cannot move the finished raster to \(out): \(String(cString: strerror(errno)))")
      }
    } catch {
      try? writer.close()
      if partial != out { try? FileManager.default.removeItem(atPath: partial) }
      throw error
    }
    if cellsWithMissing > 0 {
      notes.append(
        "\(cellsWithMissing) cells have missing days (nodata bands), counted as dry; at most "
          + "\(mostMissing) of \(bandsOfYear) days in one cell")
    }
    if noDataCells > 0 {
      notes.append(
        "\(noDataCells) cells have no value \(year.map { "in \($0)" } ?? "on any band"): nodata")
    }
    if dryCells > 0 { notes.append("\(dryCells) cells have no erosive day (≥ 12 mm): R = 0") }
    return FactorSummary(
      path: out,
      name: "rainfall erosivity R (\(method.rawValue)\(year.map { " \($0)" } ?? ""), daily stack)",
      unit: "MJ mm hm-2 h-1 a-1", validCells: validCells, noDataCells: noDataCells,
      minimum: validCells > 0 ? lo : .nan, maximum: validCells > 0 ? hi : .nan,
      mean: validCells > 0 ? sum / Double(validCells) : .nan, notes: notes)
  }
}
