import Foundation
import GEPCore
import GEPGeo

/// A factor raster that `gep compute` derives from primary data (the run file's
/// `[derive.<role>]` tables; the same code as `gep prepare`). GEP-METHODS §5.1, §5.2, §11.
public enum FactorDerivation: Sendable, Hashable {
  /// LS from a DEM: pit filling, Horn slope, D8/MFD contributing area, L by the named
  /// `LSMethod`, S by Liu or McCool, optional caps and channel cells (`LSFactorOptions`).
  case ls(dem: String, crs: String?, options: LSFactorOptions)
  /// Slope (degrees) from a DEM (pit-filled, Horn 3×3).
  case slope(dem: String, crs: String?)
  /// K (SI) from a soil map and a soil property table (EPIC × 0.1317).
  case erodibility(soilMap: String, properties: String, crs: String?, layer: Int)
  /// R from daily station rainfall (章文波 half-month model or monthly regression).
  case erosivity(dailyRain: String, stations: String?, year: Int?, method: ErosivityMethod)
  /// Annual precipitation (mm) from daily station rainfall.
  case precipitation(dailyRain: String, stations: String?, year: Int, maximumMissingDays: Int)
  /// Annual actual ET (mm): FAO-56 Penman–Monteith ET0 at stations, then Budyko–Fu with ω.
  case evapotranspiration(meteo: String, stations: String, year: Int, omega: Double)
  /// FVC (fraction) from NDVI by the dimidiate pixel model (5th/95th percentile endpoints).
  case fvc(ndvi: String, crs: String?)
  /// The RWEQ weather factor WF (kg/m) of the year from daily station wind, temperature,
  /// humidity, sunshine (FAO-56 ET₀ as ET_p), rainfall and snow depth, summed over half-months
  /// or months, interpolated onto the land-use grid (`FactorPreparation.weatherFactor`;
  /// GEP-METHODS §5.3). U_t and the snow threshold come from the coefficient set's
  /// `rweq_threshold_wind_speed` and `rweq_snow_depth_threshold` (5 m/s and 25.4 mm when
  /// empty, [S8] [S9]).
  case weatherFactor(
    meteo: String, rain: String, stations: String, year: Int, period: RWEQPeriod,
    snowField: String?)
  /// A soil raster of sand fixation (`soil_sand`, `soil_silt`, `soil_clay`,
  /// `soil_organic_matter`, `soil_caco3`, percent) from a soil map and its property table:
  /// `field` (nil: the role's default names; organic matter from organic carbon × 1.724) of
  /// layer `layer` (`FactorPreparation.soilProperty`; GEP-METHODS §5.3).
  case soilProperty(soilMap: String, properties: String, field: String?, crs: String?, layer: Int)

  /// The method settings it runs with, key → value in the run file's spelling (for the
  /// manifest): for LS the method, S form, exponent rule, flow, caps and channel threshold
  /// ("none" when not set); for FVC the model, its endpoints and that the NDVI is streamed;
  /// empty for the other derivations.
  public var settings: [(key: String, value: String)] {
    if case .fvc = self {
      return [
        ("method", "dimidiate-pixel"), ("ndvi_soil", "percentile 5"),
        ("ndvi_veg", "percentile 95"), ("c_factor", "cai-chongfa"), ("memory", "streamed"),
      ]
    }
    guard case .ls(_, _, let o) = self else { return [] }
    func number(_ v: Double?) -> String { v.map { formatNumber($0) } ?? "none" }
    return [
      ("method", o.method.rawValue), ("s_factor", o.steepness.rawValue),
      ("m", o.exponentRule.rawValue), ("flow", o.flow.rawValue),
      ("max_slope_length", number(o.maximumSlopeLength)), ("l_factor_cap", number(o.maximumL)),
      ("channel_threshold", number(o.channelThreshold)),
    ]
  }

  /// The input files it reads (for checks and the manifest).
  public var inputs: [String] {
    switch self {
    case .ls(let dem, _, _), .slope(let dem, _): return [dem]
    case .erodibility(let m, let p, _, _): return [m, p]
    case .erosivity(let r, let s, _, _), .precipitation(let r, let s, _, _):
      return [r] + (s.map { [$0] } ?? [])
    case .evapotranspiration(let m, let s, _, _): return [m, s]
    case .fvc(let n, _): return [n]
    case .weatherFactor(let m, let r, let s, _, _, _): return [m, r, s]
    case .soilProperty(let m, let p, _, _, _): return [m, p]
    }
  }
}

extension RunConfiguration {
  /// The unit the run file declares for each given raster role.
  public var rasterUnits: [RasterRole: String] {
    var out: [RasterRole: String] = [:]
    for (name, r) in rasters { if let role = RasterRole(rawValue: name) { out[role] = r.unit } }
    return out
  }

  /// True when `[derive.ls]` writes a channel mask that the run uses as its `channels`
  /// raster (a channel threshold, `excludeChannels`, and no `[rasters.channels]`).
  public var derivedChannelMask: Bool {
    guard excludeChannels, rasters["channels"] == nil,
      case .ls(_, _, let o)? = derivations["ls"], o.channelThreshold != nil
    else { return false }
    return true
  }

  /// The raster roles the run provides: given, derived, the slope where a DEM is given, and
  /// the channel mask of a derived LS (`derivedChannelMask`).
  public var availableRoles: Set<RasterRole> {
    var roles = Set(rasters.keys.compactMap(RasterRole.init(rawValue:)))
    roles.formUnion(derivations.keys.compactMap(RasterRole.init(rawValue:)))
    if roles.contains(.dem) { roles.insert(.slope) }
    if derivedChannelMask { roles.insert(.channels) }
    return roles
  }
}

/// The `[derive.<key>]` table a derived raster role comes from: its own, except the channel
/// mask, which `[derive.ls]` writes.
func derivationKey(ofRole role: String) -> String {
  role == RasterRole.channels.rawValue ? "ls" : role
}

/// File name, in the work folder, of the channel mask `[derive.ls]` writes when it has a
/// channel threshold: Float32 on the DEM grid, 1 on channel cells, 0 on hillslopes, −9999
/// where the DEM has no data.
let lsChannelMaskName = "derived-ls-channels.tif"

/// The order derivations run in: evapotranspiration last, as it reads the precipitation raster.
let derivationOrder = [
  "precipitation", "erosivity", "erodibility", "ls", "slope", "fvc", "evapotranspiration",
  "weather_factor", "soil_sand", "soil_silt", "soil_clay", "soil_organic_matter", "soil_caco3",
]

/// The options of `[derive.weather_factor]`: U_t and the snow-depth threshold from the run's
/// coefficient set (`rweq_threshold_wind_speed`, `rweq_snow_depth_threshold`), else 5 m/s and
/// 25.4 mm (GEP-METHODS §5.3 §11.5 [S8] [S9]); stations interpolated onto the land-use grid.
func weatherFactorOptions(
  _ config: RunConfiguration, year: Int, period: RWEQPeriod, snowField: String?
) -> WeatherFactorOptions {
  let set = CoefficientSet.check(directory: URL(fileURLWithPath: config.coefficientsFolder)).set
  var fields = ETPreparationOptions(year: year)
  fields.grid = StationGridOptions(gridCRS: config.landUse.crs)
  return WeatherFactorOptions(
    year: year, period: period, fields: fields, snowField: snowField,
    thresholdWindSpeed: set.parameterValue("rweq_threshold_wind_speed") ?? 5,
    snowDepthThreshold: set.parameterValue("rweq_snow_depth_threshold") ?? 25.4)
}

/// Runs the run file's derivations into `work` and returns the derived rasters as inputs
/// (canonical unit of each role; nearest resampling for K, bilinear otherwise). Evapo-
/// transpiration is derived after precipitation, from the precipitation raster (derived or
/// given).
///
/// - Throws: `PrepareError` or `GDALError` naming the input.
func runDerivations(
  _ config: RunConfiguration, work: URL, progress: (String) -> Void
) throws -> [String: RasterInput] {
  var out: [String: RasterInput] = [:]
  let grid = config.landUse.path
  let gridOptions = StationGridOptions(gridCRS: config.landUse.crs)
  func input(_ role: String, _ path: String, _ resampling: Resampling = .bilinear) -> RasterInput {
    RasterInput(
      name: role, path: path, band: 1,
      unit: RasterRole(rawValue: role)?.acceptedUnits.first ?? "", resampling: resampling)
  }
  for role in derivationOrder {
    guard let derivation = config.derivations[role] else { continue }
    let path = work.appendingPathComponent("derived-\(role).tif").path
    progress("deriving \(role) from primary data")
    let summary: FactorSummary
    switch derivation {
    case .ls(let dem, let crs, let options):
      // With channels, their mask goes next to the LS (`lsChannelMaskName`), for the cell pass.
      let mask =
        options.channelThreshold == nil
        ? nil : work.appendingPathComponent(lsChannelMaskName).path
      summary = try FactorPreparation.ls(
        dem: dem, out: path,
        options: LSPreparationOptions(factor: options, crs: crs, streamOut: mask))
      for note in summary.notes { progress(note) }
      if let mask, config.derivedChannelMask { out["channels"] = input("channels", mask, .nearest) }
    case .slope(let dem, let crs):
      summary = try FactorPreparation.slope(dem: dem, out: path, crs: crs)
    case .erodibility(let map, let properties, let crs, let layer):
      summary = try FactorPreparation.k(
        soilMap: map, properties: properties, out: path,
        options: SoilPropertyOptions(layer: layer, crs: crs))
      out[role] = input(role, path, .nearest)
      progress(summary.description)
      continue
    case .erosivity(let rain, let stations, let year, let method):
      summary = try FactorPreparation.r(
        dailyRain: rain, stations: stations, grid: grid, out: path, method: method,
        options: DailyRainOptions(year: year, grid: gridOptions))
    case .precipitation(let rain, let stations, let year, let missing):
      summary = try FactorPreparation.precipitation(
        dailyRain: rain, stations: stations, grid: grid, out: path,
        options: DailyRainOptions(year: year, maximumMissingDays: missing, grid: gridOptions))
    case .evapotranspiration(let meteo, let stations, let year, let omega):
      guard let p = out["precipitation"]?.path ?? config.rasters["precipitation"]?.path else {
        throw PrepareError(
          "[derive.evapotranspiration] needs a precipitation raster, given or derived")
      }
      summary = try FactorPreparation.et(
        meteo: meteo, stations: stations, precipitation: p, out: path,
        options: ETPreparationOptions(year: year, omega: omega, grid: gridOptions))
    case .fvc(let ndvi, let crs):
      let fvcPath = work.appendingPathComponent("derived-fvc-cover.tif").path
      summary = try FactorPreparation.c(
        ndvi: ndvi, out: path, endpoints: .percentiles(low: 5, high: 95), fvcOut: fvcPath, crs: crs,
        progress: progress)
      out[role] = input(role, fvcPath)
      progress(summary.description)
      continue
    case .weatherFactor(let meteo, let rain, let stations, let year, let period, let snow):
      summary = try FactorPreparation.weatherFactor(
        meteo: meteo, rain: rain, stations: stations, grid: grid, out: path,
        options: weatherFactorOptions(config, year: year, period: period, snowField: snow))
    case .soilProperty(let map, let properties, let field, let crs, let layer):
      summary = try FactorPreparation.soilProperty(
        soilMap: map, properties: properties, role: RasterRole(rawValue: role)!, field: field,
        out: path, options: SoilPropertyOptions(layer: layer, crs: crs))
      // A property of a soil map's polygons: nearest, as K.
      out[role] = input(role, path, .nearest)
      progress(summary.description)
      continue
    }
    out[role] = input(role, path)
    progress(summary.description)
  }
  return out
}

/// Checks every `[derive.<role>]` of the run as the derivation will read it, without making
/// the raster: the table part of each derivation runs in full (daily station tables, dates,
/// negative rainfall, missing-day rule, station coordinates, soil property fields, layers,
/// numbers and texture sums, meteorological fields), and each raster it reads (DEM, NDVI,
/// soil map, and the reference grid) is opened with the in-memory size and CRS checks of
/// `gep prepare`. `gep validate` reports these, so a run it passes does not fail on them.
///
/// - Returns: one error per derivation that would fail (`derive.invalid`, at the run file's
///   `derive.<role>` key, naming the input file and the reason).
func derivationProblems(_ config: RunConfiguration) -> [Problem] {
  var problems: [Problem] = []
  let gridOptions = StationGridOptions(gridCRS: config.landUse.crs)
  for role in derivationOrder {
    guard let derivation = config.derivations[role] else { continue }
    do {
      switch derivation {
      case .ls(let dem, let crs, _), .slope(let dem, let crs):
        _ = try FactorPreparation.referenceGrid(dem, crs: crs)
      case .fvc(let ndvi, let crs):
        _ = try FactorPreparation.referenceGrid(ndvi, crs: crs, inMemory: false)
      case .erodibility(let map, let properties, let crs, let layer):
        _ = try FactorPreparation.referenceGrid(map, crs: crs, inMemory: false)
        _ = try FactorPreparation.soilErodibilityByID(
          properties: properties, options: SoilPropertyOptions(layer: layer, crs: crs))
      case .erosivity(let rain, let stations, let year, let method):
        let g = try FactorPreparation.referenceGrid(config.landUse.path, crs: config.landUse.crs)
        let (values, _) = try FactorPreparation.erosivityAtStations(
          dailyRain: rain, method: method, options: DailyRainOptions(year: year, grid: gridOptions)
        )
        _ = try FactorPreparation.stationPoints(
          values, stationTable: stations, crs: g.crs, options: gridOptions)
      case .precipitation(let rain, let stations, let year, let missing):
        let g = try FactorPreparation.referenceGrid(config.landUse.path, crs: config.landUse.crs)
        let (values, _) = try FactorPreparation.precipitationAtStations(
          dailyRain: rain,
          options: DailyRainOptions(year: year, maximumMissingDays: missing, grid: gridOptions))
        _ = try FactorPreparation.stationPoints(
          values, stationTable: stations, crs: g.crs, options: gridOptions)
      case .evapotranspiration(let meteo, let stations, let year, let omega):
        guard config.derivations["precipitation"] != nil || config.rasters["precipitation"] != nil
        else {
          throw PrepareError(
            "[derive.evapotranspiration] needs a precipitation raster, given or derived")
        }
        let options = ETPreparationOptions(year: year, omega: omega, grid: gridOptions)
        let (values, _) = try FactorPreparation.annualReferenceET(
          meteo: meteo, stations: stations, options: options)
        let g = try FactorPreparation.referenceGrid(config.landUse.path, crs: config.landUse.crs)
        _ = try FactorPreparation.stationPoints(
          values, stationTable: stations, crs: g.crs, options: gridOptions)
        if omega <= 1 { throw PrepareError("omega \(omega) must exceed 1") }
      case .weatherFactor(let meteo, let rain, let stations, let year, let period, let snow):
        let options = weatherFactorOptions(config, year: year, period: period, snowField: snow)
        let (values, _) = try FactorPreparation.weatherFactorAtStations(
          meteo: meteo, rain: rain, stations: stations, options: options)
        let g = try FactorPreparation.referenceGrid(config.landUse.path, crs: config.landUse.crs)
        _ = try FactorPreparation.stationPoints(
          values, stationTable: stations, crs: g.crs, options: options.fields.grid)
      case .soilProperty(let map, let properties, let field, let crs, let layer):
        _ = try FactorPreparation.referenceGrid(map, crs: crs)
        _ = try FactorPreparation.soilPropertyByID(
          properties: properties, role: RasterRole(rawValue: role)!, field: field, layer: layer)
      }
    } catch {
      let message: String
      if let e = error as? PrepareError {
        message = e.description
      } else if let e = error as? GDALError {
        message = e.message + (e.path.map { " (\($0))" } ?? "")
      } else {
        message = "\(error)"
      }
      problems.append(
        Problem(
          .error, "derive.invalid", "[derive.\(role)] cannot be derived: \(message)",
          at: ProblemLocation(
            file: derivation.inputs.first ?? config.runFile, field: "derive.\(role)")))
    }
  }
  return problems
}

/// The plausible-range check of `gep validate` applied to rasters derived from primary data
/// (which do not exist when validation runs): a derived LS of 6 113 or an annual P of
/// 21 700 mm is an input error as it would be in a given raster, naming the derivation.
///
/// - Parameter derived: the derived rasters by role (`runDerivations`).
/// - Returns: `raster.out-of-range` errors, one per derived raster with cells outside the
///   role's range (first cell, range found, reason), and the mean of each derived raster's
///   valid cells by role (for the plausibility warnings, e.g. the mean LS).
func derivedRangeProblems(_ derived: [String: RasterInput]) -> (
  problems: [Problem], means: [String: Double]
) {
  var out: [Problem] = []
  var means: [String: Double] = [:]
  for (role, r) in derived.sorted(by: { $0.key < $1.key }) {
    guard let (range, why) = r.validRange,
      let ds = try? RasterDataset(path: r.path), let band = try? ds.band(r.band)
    else { continue }
    let plan = blockPlan(width: ds.width, height: ds.height, tileWidth: 512, tileHeight: 512)
    let s = ValidationRun.scanRaster(
      r, band: band, windows: plan, nonNegative: false, range: range
    ).scan
    means[role] = s.mean
    guard s.outOfRange > 0, let f = s.firstOutOfRange else { continue }
    let origin = derivationKey(ofRole: role)
    out.append(
      Problem(
        .error, "raster.out-of-range",
        "\(s.outOfRange) cells of the \(role) raster derived from primary data ([derive.\(origin)]) "
          + "lie outside the accepted range (range found \(formatNumber(s.min))–"
          + "\(formatNumber(s.max)), first at row \(f.row), column \(f.col), 0-based): \(why)",
        at: ProblemLocation(
          row: f.row, column: String(f.col), field: "derive.\(origin)",
          value: formatNumber(f.value))))
  }
  return (out, means)
}
