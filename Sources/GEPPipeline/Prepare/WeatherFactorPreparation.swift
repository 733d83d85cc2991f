import Foundation
import GEPCore
import GEPGeo

/// Options of `FactorPreparation.weatherFactor(meteo:rain:stations:grid:out:options:)`.
public struct WeatherFactorOptions: Sendable, Hashable {
  /// The year.
  public var year: Int
  /// RWEQ periods (half-month default [S8], or month [S9]).
  public var period: RWEQPeriod
  /// Fields of the long-layout meteorological table (T_max, T_min, humidity, wind, sunshine;
  /// SEIMS/CMA defaults TMAX, TMIN, RM, WS, SSD), the wind height (10 m at CMA stations), the
  /// station coordinates and the interpolation, as for `gep prepare et` (ET_p of SW is the
  /// FAO-56 Penman–Monteith ET₀ of these fields). Its `omega` and land-use settings are not
  /// used.
  public var fields: ETPreparationOptions
  /// Daily snow depth field of the meteorological table, mm; nil: no snow data (SD = 1, said
  /// in the notes).
  public var snowField: String?
  /// Station field and value field of the daily rainfall table (wide layout: nil, nil).
  public var rain: DailyRainOptions
  /// U_t at 2 m, m/s (`rweq_threshold_wind_speed`, 5 [S8][S9]).
  public var thresholdWindSpeed: Double
  /// Snow depth above which the soil is covered, mm (`rweq_snow_depth_threshold`, 25.4 [S8]).
  public var snowDepthThreshold: Double
  /// Days of the year that may lack a variable (they are not observations; RWEQ's N_d/N
  /// scales the period); a station with more is dropped with a note.
  public var maximumMissingDays: Int

  /// Creates options.
  public init(
    year: Int, period: RWEQPeriod = .halfMonth, fields: ETPreparationOptions? = nil,
    snowField: String? = nil, rain: DailyRainOptions = .init(), thresholdWindSpeed: Double = 5,
    snowDepthThreshold: Double = 25.4, maximumMissingDays: Int = 0
  ) {
    self.year = year
    self.period = period
    self.fields = fields ?? ETPreparationOptions(year: year)
    self.snowField = snowField
    self.rain = rain
    self.thresholdWindSpeed = thresholdWindSpeed
    self.snowDepthThreshold = snowDepthThreshold
    self.maximumMissingDays = maximumMissingDays
  }
}

extension FactorPreparation {
  /// The RWEQ weather factor WF (kg/m) of each station for one year from daily station data
  /// (`rweqStationWeatherFactor`): U₁₀ from the wind field (converted from the wind height by
  /// the 1/7 power law when it is not 10 m), T = (T_max + T_min)/2, ET_p = FAO-56 ET₀
  /// (`dailyReferenceET`, negatives 0), R from the rainfall table, snow depth from
  /// `snowField`; ρ from the station elevation. GEP-METHODS §5.3 [S8] [S9].
  ///
  /// - Returns: station → WF of the year, and notes (per station, dropped stations, no snow).
  /// - Throws: `PrepareError` for a station without latitude or elevation, a value outside
  ///   its plausible daily range (naming table, station, day, field and value), or no station
  ///   with usable data.
  public static func weatherFactorAtStations(
    meteo: String, rain: String, stations: String, options: WeatherFactorOptions
  ) throws -> (values: [String: Double], notes: [String]) {
    let f = options.fields
    let useMaxMin = f.rhMaxField != nil && f.rhMinField != nil
    var fields = [f.tmaxField, f.tminField, f.windField, f.sunshineField]
    fields += useMaxMin ? [f.rhMaxField!, f.rhMinField!] : [f.rhMeanField]
    let table = try DailyStationTable(
      path: meteo, variables: fields + (options.snowField.map { [$0] } ?? []),
      stationField: f.stationField)
    var rainOptions = options.rain
    rainOptions.year = options.year
    let rainfall = try readRain(rain, options: rainOptions)
    let locations = try readStations(
      stations, options: f.grid.coordinates, target: try SpatialReference.wgs84())
    var values: [String: Double] = [:]
    var notes: [String] = []
    if options.snowField == nil {
      notes.append("no snow depth field: SD = 1 (no snow cover) in every period")
    }
    for (station, vars) in table.series.sorted(by: { $0.key < $1.key }) {
      guard let lat = locations.latitudes[station] else {
        throw PrepareError("\(stations): station \(station) of \(meteo) is not listed")
      }
      guard let elevation = locations.elevations[station] else {
        throw PrepareError("\(stations): station \(station) has no elevation")
      }
      guard let rain = rainfall[station] else {
        notes.append("station \(station) dropped: no rainfall in \(rain)")
        continue
      }
      var days: [RWEQDay] = []
      for day in CalendarDay.allDays(of: options.year) {
        let v = fields.map { vars[$0]?[day] }
        guard v.allSatisfy({ $0 != nil }), let r = rain[day] else { continue }
        let checks: [(String, Double, ClosedRange<Double>)] =
          [
            (fields[0], v[0]!, -90...60), (fields[1], v[1]!, -90...60),
            (fields[2], v[2]!, 0...113), (fields[3], v[3]!, 0...24),
          ] + fields.indices.dropFirst(4).map { (fields[$0], v[$0]!, 0...100) }
        for (field, value, range) in checks where !range.contains(value) {
          throw PrepareError(
            "\(meteo): station \(station) on \(day): \(field) \(value) is outside the plausible "
              + "range \(range.lowerBound)…\(range.upperBound) (°C, m/s, h or %)")
        }
        guard v[0]! >= v[1]! else {
          throw PrepareError(
            "\(meteo): station \(station) on \(day): T_max \(v[0]!) < T_min \(v[1]!)")
        }
        var snow: Double? = nil
        if let s = options.snowField, let depth = vars[s]?[day] {
          // The deepest snow cover measured is 11.46 m (Tamarack, California, 1911).
          guard (0...12_000).contains(depth) else {
            throw PrepareError(
              "\(meteo): station \(station) on \(day): \(s) \(depth) mm is outside 0…12 000 mm "
                + "(cm instead of mm, or a missing-value code?)")
          }
          snow = depth
        }
        let humidity: DailyWeather.Humidity = useMaxMin ? .maxMin(v[4]!, v[5]!) : .mean(v[4]!)
        let weather = DailyWeather(
          dayOfYear: day.dayOfYear, tmax: v[0]!, tmin: v[1]!, humidity: humidity,
          windSpeed: v[2]!, windHeight: f.windHeight, sunshineHours: v[3]!)
        let etp = max(
          dailyReferenceET(weather, latitudeDegrees: lat, elevation: elevation).referenceET, 0)
        days.append(
          RWEQDay(
            day: day, windSpeed10m: v[2]! * pow(10 / f.windHeight, 1.0 / 7.0),
            temperatureCelsius: (v[0]! + v[1]!) / 2, rainfall: r,
            potentialEvapotranspiration: etp, snowDepth: snow))
      }
      let missing = CalendarDay.daysInYear(options.year) - days.count
      guard missing <= options.maximumMissingDays,
        let wf = rweqStationWeatherFactor(
          days: days, year: options.year, elevationKilometres: elevation / 1000,
          period: options.period, thresholdWindSpeed: options.thresholdWindSpeed,
          snowDepthThreshold: options.snowDepthThreshold)
      else {
        notes.append(
          "station \(station) dropped: \(missing) days of \(options.year) lack a variable "
            + "(more than \(options.maximumMissingDays), or a whole period)")
        continue
      }
      values[station] = wf.annual
      notes.append(
        "station \(station): WF \(String(format: "%.3f", wf.annual)) kg/m"
          + (missing > 0 ? ", \(missing) days not observed" : ""))
    }
    guard !values.isEmpty else {
      throw PrepareError("\(meteo): no station with usable data; " + notes.joined(separator: "; "))
    }
    return (values, notes)
  }

  /// The RWEQ weather factor raster (kg/m, the year's sum over its periods) on the grid of
  /// `grid`: station WF (`weatherFactorAtStations`) interpolated by `options.fields.grid`
  /// (IDW power 2 by default). WF is 0 where no wind exceeds U_t. GEP-METHODS §5.3 [S8] [S9];
  /// RWEQ, Fryrear et al. 1998.
  ///
  /// - Parameters:
  ///   - meteo: daily meteorological table (long layout, `DailyStationTable`).
  ///   - rain: daily rainfall table (wide or long, as `gep prepare precipitation`).
  ///   - stations: station table with id, lon/lat (or x/y + CRS) and elevation (m).
  ///   - grid: a raster whose grid the output takes (the land use in `gep compute`).
  ///   - out: the GeoTIFF written (kg/m).
  /// - Throws: `PrepareError`, `GDALError`.
  public static func weatherFactor(
    meteo: String, rain: String, stations: String, grid: String, out: String,
    options: WeatherFactorOptions
  ) throws -> FactorSummary {
    let g = try referenceGrid(grid, crs: options.fields.grid.gridCRS)
    let (values, notes) = try weatherFactorAtStations(
      meteo: meteo, rain: rain, stations: stations, options: options)
    let raster = try stationsToGrid(
      values, stationTable: stations, grid: g, options: options.fields.grid)
    return try write(
      raster, grid: g, to: out,
      name: "RWEQ weather factor \(options.year) (\(options.period.rawValue) periods summed)",
      unit: "kg/m", notes: notes)
  }
}
