import Foundation
import GEPCore
import GEPGeo

/// Options of `FactorPreparation.et(meteo:stations:precipitation:out:options:)`.
public struct ETPreparationOptions: Sendable, Hashable {
  /// The year to sum.
  public var year: Int
  /// Field names of the long-layout meteorological table: daily T_max, T_min (°C), mean
  /// relative humidity (%), wind speed (m/s), sunshine hours (h). Defaults are SEIMS/CMA names
  /// TMAX, TMIN, RM, WS, SSD. If `rhMaxField` and `rhMinField` are set they are used instead
  /// of `rhMeanField` (FAO-56 eq. 17 rather than eq. 19).
  public var tmaxField: String, tminField: String, rhMeanField: String
  /// See `tmaxField`.
  public var rhMaxField: String?, rhMinField: String?
  /// See `tmaxField`.
  public var windField: String, sunshineField: String
  /// Station field of the meteorological table (nil: StationID/station found by name).
  public var stationField: String?
  /// Height of the wind measurement, m (CMA stations: 10).
  public var windHeight: Double
  /// Missing days tolerated per station (a day is missing when any variable is); within the
  /// allowance a missing day takes the mean daily ET₀ of the station's present days in that
  /// month (as for precipitation).
  public var maximumMissingDays: Int
  /// One Fu ω for every cell, or nil with `omegaTable`.
  public var omega: Double?
  /// Land-use raster on the precipitation grid, and a table of ω per land-use code, or nil.
  public var landuse: String?
  /// See `landuse`: fields `code` (or lucode, lulc_code) and `omega`.
  public var omegaTable: String?
  /// Optional output of the interpolated annual ET₀ (mm).
  public var et0Out: String?
  /// Station coordinates and interpolation.
  public var grid: StationGridOptions

  /// Creates options with SEIMS/CMA defaults.
  public init(
    year: Int, tmaxField: String = "TMAX", tminField: String = "TMIN",
    rhMeanField: String = "RM", rhMaxField: String? = nil, rhMinField: String? = nil,
    windField: String = "WS", sunshineField: String = "SSD", stationField: String? = nil,
    windHeight: Double = 10, maximumMissingDays: Int = 0, omega: Double? = nil,
    landuse: String? = nil, omegaTable: String? = nil, et0Out: String? = nil,
    grid: StationGridOptions = .init()
  ) {
    self.year = year
    self.tmaxField = tmaxField
    self.tminField = tminField
    self.rhMeanField = rhMeanField
    self.rhMaxField = rhMaxField
    self.rhMinField = rhMinField
    self.windField = windField
    self.sunshineField = sunshineField
    self.stationField = stationField
    self.windHeight = windHeight
    self.maximumMissingDays = maximumMissingDays
    self.omega = omega
    self.landuse = landuse
    self.omegaTable = omegaTable
    self.et0Out = et0Out
    self.grid = grid
  }
}

extension FactorPreparation {
  /// Annual reference ET₀ (mm) of each station of a daily meteorological table for one year,
  /// by FAO-56 Penman–Monteith (`dailyReferenceET`), daily negatives set to 0.
  ///
  /// - Returns: station → annual ET₀, and notes (missing days, dropped stations).
  /// - Throws: `PrepareError` for a station without latitude or elevation, or a bad cell.
  public static func annualReferenceET(
    meteo: String, stations: String, options: ETPreparationOptions
  ) throws -> (values: [String: Double], notes: [String]) {
    let useMaxMin = options.rhMaxField != nil && options.rhMinField != nil
    var fields = [options.tmaxField, options.tminField, options.windField, options.sunshineField]
    fields += useMaxMin ? [options.rhMaxField!, options.rhMinField!] : [options.rhMeanField]
    let table = try DailyStationTable(
      path: meteo, variables: fields, stationField: options.stationField)
    let locations = try readStations(
      stations, options: options.grid.coordinates, target: try SpatialReference.wgs84())
    var values: [String: Double] = [:]
    var notes: [String] = []
    for (station, vars) in table.series.sorted(by: { $0.key < $1.key }) {
      guard let lat = locations.latitudes[station] else {
        throw PrepareError("\(stations): station \(station) of \(meteo) is not listed")
      }
      guard let elevation = locations.elevations[station] else {
        throw PrepareError("\(stations): station \(station) has no elevation")
      }
      var daily: [CalendarDay: Double] = [:]
      for day in CalendarDay.allDays(of: options.year) {
        let v = fields.map { vars[$0]?[day] }
        guard v.allSatisfy({ $0 != nil }) else { continue }
        let humidity: DailyWeather.Humidity =
          useMaxMin ? .maxMin(v[4]!, v[5]!) : .mean(v[4]!)
        let weather = DailyWeather(
          dayOfYear: day.dayOfYear, tmax: v[0]!, tmin: v[1]!, humidity: humidity,
          windSpeed: v[2]!, windHeight: options.windHeight, sunshineHours: v[3]!)
        // Plausible daily ranges (world records: 56.7 °C Death Valley, −89.2 °C Vostok; 24 h of
        // daylight at most; the strongest surface winds ≈ 113 m/s): a typo such as 999 °C
        // would otherwise make ET as large as P everywhere and zero water conservation.
        let checks: [(String, Double, ClosedRange<Double>)] =
          [
            (fields[0], weather.tmax, -90...60), (fields[1], weather.tmin, -90...60),
            (fields[2], weather.windSpeed, 0...113), (fields[3], weather.sunshineHours, 0...24),
          ]
          + (useMaxMin
            ? [(fields[4], v[4]!, 0...100), (fields[5], v[5]!, 0...100)]
            : [(fields[4], v[4]!, 0...100)])
        for (field, value, range) in checks where !range.contains(value) {
          throw PrepareError(
            "\(meteo): station \(station) on \(day): \(field) \(value) is outside the plausible "
              + "range \(range.lowerBound)…\(range.upperBound) (°C, m/s, h or %)")
        }
        guard weather.tmax >= weather.tmin else {
          throw PrepareError(
            "\(meteo): station \(station) on \(day): T_max \(weather.tmax) < T_min "
              + "\(weather.tmin)")
        }
        daily[day] = max(
          dailyReferenceET(weather, latitudeDegrees: lat, elevation: elevation).referenceET, 0)
      }
      guard
        let sum = annualSumOfDailyValues(
          daily, year: options.year, maximumMissingDays: options.maximumMissingDays)
      else {
        notes.append(
          "station \(station) dropped: \(CalendarDay.daysInYear(options.year) - daily.count) "
            + "days of \(options.year) incomplete (more than \(options.maximumMissingDays))")
        continue
      }
      values[station] = sum.total
      notes.append(
        "station \(station): ET0 \(String(format: "%.1f", sum.total)) mm"
          + (sum.missingDays.isEmpty ? "" : ", \(sum.missingDays.count) days filled"))
    }
    guard !values.isEmpty else {
      throw PrepareError("\(meteo): no station with usable data; " + notes.joined(separator: "; "))
    }
    return (values, notes)
  }

  /// Annual ACTUAL evapotranspiration (mm) where no ET raster is given — an APPROXIMATION of
  /// the MOD16/station ET of GEP-METHODS §5.1: station ET₀ by FAO-56 Penman–Monteith summed
  /// over the year, interpolated onto the precipitation raster's grid, then per cell the
  /// Budyko curve in Fu's form, ET = P [1 + φ − (1 + φ^ω)^{1/ω}], φ = ET₀/P, with one ω or
  /// ω per land-use code (`budykoFuActualET`).
  ///
  /// - Parameters:
  ///   - meteo: daily meteorological table (long layout, see `DailyStationTable`).
  ///   - stations: station table with id, lon/lat (or x/y + CRS) and elevation.
  ///   - precipitation: annual precipitation raster (mm); its grid is the output grid.
  ///   - out: ET GeoTIFF (mm).
  ///   - options: year, fields, ω, land use, interpolation.
  /// - Throws: `PrepareError` (missing ω for a land-use code present, land use on another
  ///   grid, bad table cells), `GDALError`.
  public static func et(
    meteo: String, stations: String, precipitation: String, out: String,
    options: ETPreparationOptions
  ) throws -> FactorSummary {
    let crsOverride = try options.grid.gridCRS.map { try SpatialReference(definition: $0) }
    let p = try load(precipitation, crs: crsOverride)
    let (values, notes) = try annualReferenceET(meteo: meteo, stations: stations, options: options)
    let et0 = try stationsToGrid(
      values, stationTable: stations, grid: p.grid, options: options.grid)
    if let et0Out = options.et0Out {
      _ = try write(
        et0, grid: p.grid, to: et0Out, name: "reference ET0 \(options.year) (FAO-56 PM)",
        unit: "mm", notes: notes)
    }
    var omegaOf: [Int: Double] = [:]
    var landuse: LoadedRaster?
    if let lPath = options.landuse, let tPath = options.omegaTable {
      let lu = try load(lPath, crs: crsOverride)
      guard lu.grid.width == p.grid.width, lu.grid.height == p.grid.height,
        lu.grid.geoTransform == p.grid.geoTransform
      else {
        throw PrepareError("\(lPath) is not on the grid of \(precipitation); warp it first")
      }
      landuse = lu
      let table = try Table(path: tPath)
      guard let ci = findField(table, nil, alternatives: ["code", "lucode", "lulc_code"]),
        let oi = findField(table, nil, alternatives: ["omega", "w"])
      else {
        throw PrepareError(
          "\(tPath): needs fields code (or lucode) and omega; has "
            + table.fields.joined(separator: ", "))
      }
      for row in table.rows where !row.values[ci].isEmpty {
        guard let code = Int(row.values[ci]) else {
          throw PrepareError(
            "\(tPath) line \(row.line), column \(table.fields[ci]): '\(row.values[ci])' is not "
              + "an integer code")
        }
        let w = try parseNumber(
          row.values[oi], path: tPath, line: row.line, column: table.fields[oi])
        guard w > 1 else {
          throw PrepareError("\(tPath) line \(row.line): omega \(w) must exceed 1")
        }
        omegaOf[code] = w
      }
    } else if options.omega == nil {
      throw PrepareError("give --omega, or --landuse with --omega-table")
    }
    if let w = options.omega, w <= 1 { throw PrepareError("omega \(w) must exceed 1") }
    var et = [Double](repeating: .nan, count: p.values.count)
    var unknown: [Int: Int] = [:]
    for i in 0..<et.count where p.valid[i] {
      var w = options.omega
      if let lu = landuse {
        guard lu.valid[i] else { continue }
        let code = Int(lu.values[i].rounded())
        if let v = omegaOf[code] {
          w = v
        } else if w == nil {
          unknown[code, default: 0] += 1
          continue
        }
      }
      et[i] = budykoFuActualET(precipitation: p.values[i], potential: et0[i], omega: w!)
    }
    guard unknown.isEmpty else {
      throw PrepareError(
        "\(options.omegaTable ?? ""): no omega for land-use codes "
          + unknown.keys.sorted().map { "\($0) (\(unknown[$0]!) cells)" }.joined(separator: ", ")
          + " (add them, or give --omega as the default)")
    }
    return try write(
      et, grid: p.grid, to: out,
      name: "actual ET \(options.year) (FAO-56 PM ET0 + Budyko-Fu; approximation)", unit: "mm",
      notes: notes)
  }
}
