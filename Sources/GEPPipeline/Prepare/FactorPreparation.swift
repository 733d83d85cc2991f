import Foundation
import GEPCore
import GEPGeo

/// `gep prepare`: derives biophysical factor rasters (slope, LS, R, K, C, annual precipitation,
/// ET) from primary data — a DEM, a soil map with a property table, daily station tables and
/// NDVI — and writes each as a Float32 GeoTIFF (nodata −9999) so it can be inspected and
/// reused. Source: GEP-METHODS §5.1, §5.2, §11.4; FAO-56 for ET₀.
///
/// Every function reads whole rasters into memory (limit `maximumCells`) — except R from a
/// daily raster stack, C/FVC from NDVI and K from a soil map, which stream strips of rows — runs the pure code of GEPCore and returns a
/// `FactorSummary`. Errors are `PrepareError` (file, line, column, value)
/// or `GDALError` (GDAL's message and path).
public enum FactorPreparation {}

// MARK: - Terrain

/// Options of `FactorPreparation.ls(dem:out:options:)` and `slope(dem:out:crs:)`.
public struct LSPreparationOptions: Sendable, Hashable {
  /// LS method, S form, flow routing, exponent rule, caps and channel threshold (see
  /// `LSFactorOptions`).
  public var factor: LSFactorOptions
  /// CRS to assume instead of the DEM's (e.g. "EPSG:4528"), or nil.
  public var crs: String?
  /// Also write the slope (degrees) here, or nil.
  public var slopeOut: String?
  /// Also write the channel mask here (1 channel, 0 hillslope; needs
  /// `factor.channelThreshold`), or nil.
  public var streamOut: String?

  /// Creates options (defaults: D8, Desmet–Govers with area in m², Liu S, slope-class m, no
  /// cap, no channels, the DEM's CRS).
  public init(
    factor: LSFactorOptions = LSFactorOptions(), crs: String? = nil, slopeOut: String? = nil,
    streamOut: String? = nil
  ) {
    self.factor = factor
    self.crs = crs
    self.slopeOut = slopeOut
    self.streamOut = streamOut
  }
}

extension FactorPreparation {
  static func terrain(_ dem: String, crs: String?) throws -> (TerrainGrid, Grid) {
    let raster = try load(dem, crs: try crs.map { try SpatialReference(definition: $0) })
    let sizes = try cellSizesPerRow(raster.grid)
    let terrain = try TerrainGrid(
      width: raster.grid.width, height: raster.grid.height, elevation: raster.values,
      valid: raster.valid, cellWidths: sizes.widths, cellHeights: sizes.heights)
    return (terrain, raster.grid)
  }

  /// Slope in degrees from a DEM: depressions filled (Priority-Flood), then Horn's 3×3 method
  /// with cell sizes in metres per row (correct on geographic grids).
  ///
  /// - Parameters:
  ///   - dem: DEM path (elevation in m).
  ///   - out: GeoTIFF to write (degrees).
  ///   - crs: CRS override, or nil for the DEM's.
  /// - Throws: `PrepareError` (size limit, no CRS), `GDALError`.
  public static func slope(dem: String, out: String, crs: String? = nil) throws -> FactorSummary {
    let (t, grid) = try terrain(dem, crs: crs)
    let s = hornSlope(t, elevation: fillDepressions(t))
    return try write(
      s.degrees, valid: t.valid, grid: grid, to: out, name: "slope (Horn, filled DEM)",
      unit: "degree")
  }

  /// RUSLE LS factor from a DEM (`lsFactor` in GEPCore: fill, Horn slope, D8/MFD contributing
  /// area, L by the chosen `LSMethod`, m by slope class or McCool, S by Liu or McCool, optional
  /// slope-length and L caps, optional channel cells from a flow-accumulation threshold).
  ///
  /// - Parameters:
  ///   - dem: DEM path (elevation in m), at most `maximumCells` cells.
  ///   - out: GeoTIFF to write (dimensionless LS).
  ///   - options: method, routing, exponent rule, caps, channel threshold, CRS override,
  ///     optional slope and channel-mask outputs.
  /// - Returns: the LS summary; its notes name the method, S form, exponent rule, flow, caps
  ///   and the channel share (cells and per cent of the valid cells).
  /// - Throws: `PrepareError` (a channel mask asked for without a threshold, size limit, no
  ///   CRS), `GDALError`.
  public static func ls(dem: String, out: String, options: LSPreparationOptions = .init())
    throws -> FactorSummary
  {
    if options.streamOut != nil, options.factor.channelThreshold == nil {
      throw PrepareError(
        "a channel mask (--stream-out) needs a channel threshold (--channel-threshold, cells)")
    }
    let (t, grid) = try terrain(dem, crs: options.crs)
    let result = lsFactor(t, options: options.factor)
    if let slopeOut = options.slopeOut {
      _ = try write(
        result.slopeDegrees, valid: t.valid, grid: grid, to: slopeOut,
        name: "slope (Horn, filled DEM)", unit: "degree")
    }
    let f = options.factor
    var notes = [
      "LS method \(f.method.rawValue), S \(f.steepness.rawValue), m by "
        + "\(f.exponentRule.rawValue), flow \(f.flow.rawValue)"
    ]
    if let lambda = f.maximumSlopeLength {
      notes.append("slope length capped at \(lambda) m")
    }
    if let cap = f.maximumL {
      let capped = result.l.filter { $0 == cap }.count
      notes.append("L factor capped at \(cap) on \(capped) cells")
    }
    if let threshold = f.channelThreshold {
      let channels = result.channel.filter { $0 }.count
      let valid = t.valid.filter { $0 }.count
      notes.append(
        "channel cells (flow accumulation ≥ \(threshold) cells): \(channels) of \(valid) ("
          + String(format: "%.2f", 100 * Double(channels) / Double(max(valid, 1))) + " %)"
          + (f.method == .cumulative ? "; slope lengths stop there" : ""))
      if let streamOut = options.streamOut {
        _ = try write(
          result.channel.map { $0 ? 1 : 0 }, valid: t.valid, grid: grid, to: streamOut,
          name: "channel cells (flow accumulation ≥ \(threshold) cells)", unit: "1")
      }
    }
    return try write(
      result.ls, grid: grid, to: out, name: "RUSLE LS factor", unit: "1", notes: notes)
  }
}

// MARK: - Stations to grids

/// How station values become a raster.
public struct StationGridOptions: Sendable, Hashable {
  /// Station coordinate fields and CRS.
  public var coordinates: StationCoordinateOptions
  /// IDW (with power) or nearest station; default IDW, power 2.
  public var method: StationInterpolation
  /// CRS to assume for the reference grid instead of its own, or nil.
  public var gridCRS: String?

  /// Creates options.
  public init(
    coordinates: StationCoordinateOptions = .init(),
    method: StationInterpolation = .inverseDistance(power: 2), gridCRS: String? = nil
  ) {
    self.coordinates = coordinates
    self.method = method
    self.gridCRS = gridCRS
  }
}

extension FactorPreparation {
  /// Interpolates station values onto `grid` (IDW or nearest); a single station without a
  /// station table gives a uniform raster.
  static func stationsToGrid(
    _ values: [String: Double], stationTable: String?, grid: Grid, options: StationGridOptions
  ) throws -> [Double] {
    let n = grid.width * grid.height
    guard
      let points = try stationPoints(
        values, stationTable: stationTable, crs: grid.crs, options: options)
    else { return [Double](repeating: values.values.first!, count: n) }
    let (xs, ys) = cellCentres(grid)
    let distance: StationDistance =
      grid.crs.isGeographic ? .greatCircle(radius: 6_371_008.8) : .planar
    return interpolateStationsOnGrid(
      stations: points, xs: xs, ys: ys, method: options.method, distance: distance)
  }

  /// The stations with values as points in `crs`: every station of `values` must have
  /// coordinates in the station table; without a table there must be one station (a uniform
  /// raster, nil is returned). Checked by `gep validate` too.
  ///
  /// - Throws: `PrepareError`: no station value, several stations without a table, a station
  ///   without coordinates (naming the table and the station).
  static func stationPoints(
    _ values: [String: Double], stationTable: String?, crs: SpatialReference,
    options: StationGridOptions
  ) throws -> [StationPoint]? {
    guard !values.isEmpty else { throw PrepareError("no station has a usable value") }
    guard let stationTable else {
      guard values.count == 1 else {
        throw PrepareError(
          "\(values.count) stations (\(values.keys.sorted().joined(separator: ", "))) need a "
            + "station table with their coordinates (--stations)")
      }
      return nil
    }
    let locations = try readStations(stationTable, options: options.coordinates, target: crs)
    var points: [StationPoint] = []
    for id in values.keys.sorted() {
      guard let p = locations.positions[id] else {
        throw PrepareError("\(stationTable): station '\(id)' has no coordinates")
      }
      points.append(StationPoint(id: id, x: p.x, y: p.y, value: values[id]!))
    }
    return points
  }

  /// Interpolates one value field of a station table onto the grid of a reference raster.
  ///
  /// - Parameters:
  ///   - stations: table with station id, coordinates and `valueField`.
  ///   - valueField: the field to interpolate (any unit; the raster has the same unit).
  ///   - grid: reference raster whose grid (CRS, geotransform, size) the output takes.
  ///   - out: GeoTIFF to write.
  ///   - unit: unit to record in the band metadata.
  ///   - options: coordinates and method.
  /// - Throws: `PrepareError` naming the file, line, column and value of a bad cell.
  public static func interpolate(
    stations: String, valueField: String, grid: String, out: String, unit: String = "",
    options: StationGridOptions = .init()
  ) throws -> FactorSummary {
    let g = try referenceGrid(grid, crs: options.gridCRS)
    let table = try Table(path: stations)
    guard let vi = findField(table, valueField, alternatives: []),
      let ii = findField(
        table, options.coordinates.idField,
        alternatives: ["StationID", "station", "station_id", "id"])
    else {
      throw PrepareError(
        "\(stations): no field '\(valueField)' or station id among "
          + table.fields.joined(separator: ", "))
    }
    var values: [String: Double] = [:]
    for row in table.rows where !row.values[ii].isEmpty {
      values[row.values[ii]] = try parseNumber(
        row.values[vi], path: stations, line: row.line, column: table.fields[vi])
    }
    let grid = try stationsToGrid(values, stationTable: stations, grid: g, options: options)
    return try write(
      grid, grid: g, to: out, name: "\(valueField) (\(methodName(options.method)))", unit: unit)
  }

  static func methodName(_ m: StationInterpolation) -> String {
    switch m {
    case .nearest: return "nearest station"
    case .inverseDistance(let p): return "IDW p=\(p)"
    }
  }
}

// MARK: - Precipitation and R

/// Options for the daily rainfall tables of `precipitation` and `r`.
public struct DailyRainOptions: Sendable, Hashable {
  /// The accounting year (required for precipitation; nil for R means the record's mean year).
  public var year: Int?
  /// Station field of a long-layout table (nil: found by name, or wide layout).
  public var stationField: String?
  /// Value field of a long-layout table (nil for the wide layout).
  public var valueField: String?
  /// Missing days tolerated per station and year for annual precipitation (default 0).
  public var maximumMissingDays: Int
  /// Station coordinates and interpolation.
  public var grid: StationGridOptions

  /// Creates options.
  public init(
    year: Int? = nil, stationField: String? = nil, valueField: String? = nil,
    maximumMissingDays: Int = 0, grid: StationGridOptions = .init()
  ) {
    self.year = year
    self.stationField = stationField
    self.valueField = valueField
    self.maximumMissingDays = maximumMissingDays
    self.grid = grid
  }
}

/// R model.
public enum ErosivityMethod: String, Sendable, CaseIterable, Codable {
  /// 章文波 half-month daily-rainfall model (default).
  case halfMonth = "half-month"
  /// Monthly-precipitation regression.
  case monthly
}

extension FactorPreparation {
  static func readRain(_ path: String, options: DailyRainOptions) throws
    -> [String: [CalendarDay: Double]]
  {
    let table = try DailyStationTable(
      path: path, variables: options.valueField.map { [$0] }, stationField: options.stationField)
    var out: [String: [CalendarDay: Double]] = [:]
    for (station, vars) in table.series {
      let v = options.valueField.flatMap { vars[$0] } ?? vars["value"] ?? vars.values.first ?? [:]
      for (day, rain) in v where rain < 0 {
        throw PrepareError("\(path): station \(station) has negative rainfall \(rain) on \(day)")
      }
      // The world's largest daily rainfall is 1 825 mm (Foc-Foc, Réunion, 1966, WMO).
      for (day, rain) in v.sorted(by: { $0.key < $1.key }) where rain > 2000 {
        throw PrepareError(
          "\(path): station \(station) has \(rain) mm of rain on \(day), above the 1 825 mm world "
            + "record for one day (WMO): a typo, or tenths of mm?")
      }
      out[station] = v
    }
    return out
  }

  /// Annual precipitation (mm) per station of `options.year` from daily station rainfall, with
  /// the missing-day rule of `precipitation(dailyRain:stations:grid:out:options:)`: the table
  /// part of that derivation, which `gep validate` runs too.
  ///
  /// - Returns: station id → annual total (mm), and a note per station.
  /// - Throws: `PrepareError` when no year is given, the table is bad, or no station is usable.
  static func precipitationAtStations(dailyRain: String, options: DailyRainOptions) throws
    -> ([String: Double], [String])
  {
    guard let year = options.year else { throw PrepareError("annual precipitation needs --year") }
    var sums: [String: Double] = [:]
    var notes: [String] = []
    for (station, series) in try readRain(dailyRain, options: options) {
      guard
        let s = annualSumOfDailyValues(
          series, year: year, maximumMissingDays: options.maximumMissingDays)
      else {
        let missing = CalendarDay.allDays(of: year).filter { series[$0] == nil }.count
        notes.append(
          "station \(station) dropped: \(missing) days of \(year) missing "
            + "(more than \(options.maximumMissingDays) allowed)")
        continue
      }
      sums[station] = s.total
      notes.append(
        "station \(station): \(String(format: "%.1f", s.total)) mm"
          + (s.missingDays.isEmpty
            ? "" : ", \(s.missingDays.count) missing days filled with +\(s.filledAmount) mm"))
    }
    guard !sums.isEmpty else {
      throw PrepareError(
        "\(dailyRain): no station has \(year) complete enough; " + notes.joined(separator: "; "))
    }
    return (sums, notes)
  }

  /// Annual precipitation (mm) of `options.year` from daily station rainfall, interpolated onto
  /// the grid of a reference raster.
  ///
  /// Missing-day rule (`annualSumOfDailyValues`): a station with more than
  /// `maximumMissingDays` missing days in the year is dropped (named in the notes); within the
  /// allowance, each missing day takes the mean of the station's present days of that month.
  ///
  /// - Throws: `PrepareError` when no year is given, no station is usable, or a cell is bad.
  public static func precipitation(
    dailyRain: String, stations: String?, grid: String, out: String, options: DailyRainOptions
  ) throws -> FactorSummary {
    guard let year = options.year else { throw PrepareError("annual precipitation needs --year") }
    let g = try referenceGrid(grid, crs: options.grid.gridCRS)
    let (sums, notes) = try precipitationAtStations(dailyRain: dailyRain, options: options)
    let values = try stationsToGrid(sums, stationTable: stations, grid: g, options: options.grid)
    return try write(
      values, grid: g, to: out, name: "annual precipitation \(year)", unit: "mm", notes: notes)
  }

  /// R per station (MJ·mm·hm⁻²·h⁻¹·a⁻¹) from daily station rainfall: the table part of
  /// `r(dailyRain:stations:grid:out:method:options:)`, which `gep validate` runs too.
  ///
  /// - Returns: station id → R, and a note per station.
  /// - Throws: `PrepareError` when the table is bad.
  static func erosivityAtStations(
    dailyRain: String, method: ErosivityMethod, options: DailyRainOptions
  ) throws -> ([String: Double], [String]) {
    var values: [String: Double] = [:]
    var notes: [String] = []
    for (station, series) in try readRain(dailyRain, options: options).sorted(by: { $0.0 < $1.0 }) {
      if let year = options.year {
        let missing = CalendarDay.allDays(of: year).filter { series[$0] == nil }.count
        if missing > 0 { notes.append("station \(station): \(missing) missing days count as dry") }
      }
      switch method {
      case .halfMonth:
        if let z = zhangWenboErosivity(series, year: options.year) {
          values[station] = z.annual
          notes.append(
            "station \(station): P_d12 \(String(format: "%.2f", z.meanDailyErosiveRainfall)) mm, "
              + "P_y12 \(String(format: "%.1f", z.meanAnnualErosiveRainfall)) mm over "
              + "\(z.years) years, β \(String(format: "%.4f", z.beta)), "
              + "α \(String(format: "%.4f", z.alpha)), R \(String(format: "%.1f", z.annual))")
        } else {
          values[station] = 0
          notes.append("station \(station): no erosive day (≥ 12 mm); R = 0")
        }
      case .monthly:
        values[station] = monthlyRegressionErosivity(series, year: options.year)
      }
    }
    return (values, notes)
  }

  /// Rainfall erosivity R (MJ·mm·hm⁻²·h⁻¹·a⁻¹) from daily station rainfall: per station by the
  /// 章文波 half-month model (`zhangWenboErosivity`; P_d12, P_y12 over the whole record) or the
  /// monthly regression (`monthlyRegressionErosivity`), then interpolated onto the reference
  /// grid. With `options.year` nil, R is the mean annual R of the record.
  ///
  /// - Throws: `PrepareError`, `GDALError`.
  public static func r(
    dailyRain: String, stations: String?, grid: String, out: String,
    method: ErosivityMethod = .halfMonth, options: DailyRainOptions
  ) throws -> FactorSummary {
    let g = try referenceGrid(grid, crs: options.grid.gridCRS)
    let (values, notes) = try erosivityAtStations(
      dailyRain: dailyRain, method: method, options: options)
    let grid = try stationsToGrid(values, stationTable: stations, grid: g, options: options.grid)
    return try write(
      grid, grid: g, to: out,
      name: "rainfall erosivity R (\(method.rawValue)\(options.year.map { " \($0)" } ?? ""))",
      unit: "MJ mm hm-2 h-1 a-1", notes: notes)
  }
}

// MARK: - K

/// Fields of a soil property table for `FactorPreparation.k(soilMap:properties:out:options:)`.
public struct SoilPropertyOptions: Sendable, Hashable {
  /// Soil id field matching the soil map's values (default SEQN, id, soil_id).
  public var idField: String?
  /// Sand, silt, clay fields, % (defaults SOL_SAND/sand, SOL_SILT/silt, SOL_CLAY/clay).
  public var sandField: String?, siltField: String?, clayField: String?
  /// Organic carbon field, % (default SOL_CBN/oc/organic_carbon) …
  public var organicCarbonField: String?
  /// … or organic matter field, % (default SOL_OM/om), converted by OC = OM / 1.724.
  public var organicMatterField: String?
  /// For multi-layer cells written "a-b-c" (SEIMS), the layer to use, 1 = top (default).
  public var layer: Int
  /// CRS to assume for the soil map instead of its own, or nil.
  public var crs: String?

  /// Creates options (fields found by the default names).
  public init(
    idField: String? = nil, sandField: String? = nil, siltField: String? = nil,
    clayField: String? = nil, organicCarbonField: String? = nil,
    organicMatterField: String? = nil, layer: Int = 1, crs: String? = nil
  ) {
    self.idField = idField
    self.sandField = sandField
    self.siltField = siltField
    self.clayField = clayField
    self.organicCarbonField = organicCarbonField
    self.organicMatterField = organicMatterField
    self.layer = layer
    self.crs = crs
  }
}

/// Ratio of soil organic matter to organic carbon (van Bemmelen factor), OM = 1.724 OC.
public let organicMatterPerOrganicCarbon = 1.724

extension FactorPreparation {
  /// Checks a soil texture/carbon record and returns K in SI units (× 0.1317).
  static func epicK(
    sand: Double, silt: Double, clay: Double, oc: Double, where place: () -> String
  ) throws -> Double {
    for (name, v) in [("sand", sand), ("silt", silt), ("clay", clay), ("organic carbon", oc)]
    where v < 0 || v > 100 {
      throw PrepareError("\(place()): \(name) \(v) % is outside 0–100")
    }
    guard silt + clay > 0 else { throw PrepareError("\(place()): silt + clay is 0") }
    let total = sand + silt + clay
    guard abs(total - 100) <= 5 else {
      throw PrepareError(
        "\(place()): sand + silt + clay = \(total) %, not 100 ± 5 (are the values percent?)")
    }
    return soilErodibilityEPIC(
      sandPercent: sand, siltPercent: silt, clayPercent: clay, organicCarbonPercent: oc)
  }

  /// K (t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹) by EPIC (Williams 1984) × 0.1317 from sand, silt, clay and
  /// organic-carbon rasters (all %, same grid). GEP-METHODS §5.2.
  ///
  /// - Throws: `PrepareError` for rasters on different grids or a cell outside 0–100 % or whose
  ///   texture does not sum to 100 ± 5 % (naming the raster cell), `GDALError`.
  public static func k(
    sand: String, silt: String, clay: String, organicCarbon: String, out: String,
    crs: String? = nil
  ) throws -> FactorSummary {
    let override = try crs.map { try SpatialReference(definition: $0) }
    let rasters = try [sand, silt, clay, organicCarbon].map { try load($0, crs: override) }
    let g = rasters[0].grid
    for r in rasters.dropFirst()
    where r.grid.width != g.width || r.grid.height != g.height
      || r.grid.geoTransform != g.geoTransform
    {
      throw PrepareError(
        "\(r.path) is not on the grid of \(sand) (size and geotransform must match; warp it)")
    }
    var k = [Double](repeating: .nan, count: g.width * g.height)
    for i in 0..<k.count where rasters.allSatisfy({ $0.valid[i] }) {
      k[i] = try epicK(
        sand: rasters[0].values[i], silt: rasters[1].values[i], clay: rasters[2].values[i],
        oc: rasters[3].values[i],
        where: { "row \(i / g.width), column \(i % g.width) of the texture rasters" })
    }
    return try write(
      k, grid: g, to: out, name: "soil erodibility K (EPIC × 0.1317)",
      unit: "t hm2 h hm-2 MJ-1 mm-1")
  }

  /// K (SI) per soil id of a soil property table (EPIC × 0.1317 of the chosen layer's
  /// texture and organic carbon): the table part of `k(soilMap:properties:out:options:)`, which
  /// `gep validate` runs too (fields, layers, numbers, texture sums).
  ///
  /// - Returns: soil id → K.
  /// - Throws: `PrepareError` naming the table's file, line, column and value for a bad cell.
  static func soilErodibilityByID(properties: String, options: SoilPropertyOptions) throws
    -> [Int: Double]
  {
    let table = try Table(path: properties)
    func field(_ given: String?, _ alternatives: [String], _ what: String) throws -> Int {
      guard let i = findField(table, given, alternatives: alternatives) else {
        throw PrepareError(
          "\(properties): no \(what) field (\(given ?? alternatives.joined(separator: "/"))) "
            + "among " + table.fields.joined(separator: ", "))
      }
      return i
    }
    let idI = try field(options.idField, ["SEQN", "id", "soil_id", "code"], "soil id")
    let sandI = try field(options.sandField, ["SOL_SAND", "sand"], "sand")
    let siltI = try field(options.siltField, ["SOL_SILT", "silt"], "silt")
    let clayI = try field(options.clayField, ["SOL_CLAY", "clay"], "clay")
    var ocI: Int?
    var omI: Int?
    if options.organicMatterField != nil {
      omI = try field(options.organicMatterField, [], "organic matter")
    } else if let i = findField(
      table, options.organicCarbonField, alternatives: ["SOL_CBN", "oc", "organic_carbon"])
    {
      ocI = i
    } else {
      omI = try field(nil, ["SOL_OM", "om", "organic_matter"], "organic carbon or matter")
    }
    func layerValue(_ row: Table.Row, _ column: Int) throws -> Double {
      let text = row.values[column]
      let parts = text.split(separator: "-").map(String.init)
      let chosen: String
      if PlainDecimal.parse(text) != nil {
        chosen = text
      } else if parts.count >= options.layer, options.layer >= 1 {
        chosen = parts[options.layer - 1]
      } else {
        throw PrepareError(
          "\(properties) line \(row.line), column \(table.fields[column]): '\(text)' has no "
            + "layer \(options.layer)")
      }
      return try parseNumber(
        chosen, path: properties, line: row.line, column: table.fields[column])
    }
    var kOfID: [Int: Double] = [:]
    for row in table.rows where !row.values[idI].isEmpty {
      guard let id = Int(row.values[idI]) else {
        throw PrepareError(
          "\(properties) line \(row.line), column \(table.fields[idI]): '\(row.values[idI])' "
            + "is not an integer soil id")
      }
      let oc =
        try ocI.map { try layerValue(row, $0) }
        ?? (try layerValue(row, omI!) / organicMatterPerOrganicCarbon)
      kOfID[id] = try epicK(
        sand: try layerValue(row, sandI), silt: try layerValue(row, siltI),
        clay: try layerValue(row, clayI), oc: oc,
        where: { "\(properties) line \(row.line) (soil \(id))" })
    }
    return kOfID
  }

  /// K from a soil map and a property table: each soil id's top layer (or `options.layer`) gives
  /// sand, silt, clay and organic carbon (or organic matter ÷ 1.724), then EPIC × 0.1317.
  /// Soil ids of the map missing from the table become nodata and are named in the notes.
  ///
  /// - Throws: `PrepareError` naming the table's file, line, column and value for a bad cell.
  ///
  /// The soil map is streamed in strips of rows (`kStreamed`): memory does not grow with it.
  public static func k(
    soilMap: String, properties: String, out: String, options: SoilPropertyOptions = .init()
  ) throws -> FactorSummary {
    try kStreamed(soilMap: soilMap, properties: properties, out: out, options: options)
  }

  /// The whole-raster form of `k(soilMap:properties:out:options:)` (the map held in memory, at
  /// most `maximumCells`), kept as the reference the streamed form is tested against.
  static func kWholeRaster(
    soilMap: String, properties: String, out: String, options: SoilPropertyOptions = .init()
  ) throws -> FactorSummary {
    let map = try load(soilMap, crs: try options.crs.map { try SpatialReference(definition: $0) })
    let kOfID = try soilErodibilityByID(properties: properties, options: options)
    var unknown: [Int: Int] = [:]
    var k = [Double](repeating: .nan, count: map.values.count)
    for i in 0..<k.count where map.valid[i] {
      let id = Int(map.values[i].rounded())
      if let v = kOfID[id] { k[i] = v } else { unknown[id, default: 0] += 1 }
    }
    let notes = unknown.keys.sorted().map {
      "soil id \($0) (\(unknown[$0]!) cells) is not in \(properties): nodata"
    }
    return try write(
      k, grid: map.grid, to: out, name: "soil erodibility K (EPIC × 0.1317)",
      unit: "t hm2 h hm-2 MJ-1 mm-1", notes: notes)
  }
}

// MARK: - C

/// NDVI endpoints of the dimidiate pixel model.
public enum NDVIEndpoints: Sendable, Hashable {
  /// Fixed NDVI of bare soil and of full cover (e.g. 0.2 and 0.65 in [S7]).
  case fixed(soil: Double, vegetation: Double)
  /// Percentiles (0–100) of the valid NDVI cells of the raster (e.g. 5 and 95).
  case percentiles(low: Double, high: Double)
}

/// The p-th percentile (0–100) of sorted values, by linear interpolation between order
/// statistics (NumPy's default): rank = p/100 × (n − 1).
public func percentileOfSorted(_ sorted: [Double], _ p: Double) -> Double {
  percentile(count: sorted.count, p) { sorted[$0] }
}

extension FactorPreparation {
  /// RUSLE C from NDVI: FVC by the dimidiate pixel model (`fractionalVegetationCover`) with
  /// fixed or percentile endpoints, then the 蔡崇法 formula on FVC in % (`usleCFromVegetationCover`).
  /// GEP-METHODS §5.2, §11.4.
  ///
  /// - Parameters:
  ///   - ndvi: NDVI raster (−1…1; values outside are reported as an error).
  ///   - out: C GeoTIFF; fvcOut: optional FVC (fraction) GeoTIFF.
  ///   - endpoints: fixed or percentile NDVI_soil / NDVI_veg.
  /// - Throws: `PrepareError` for NDVI outside −1…1 (scaled products must be divided first) or
  ///   endpoints with NDVI_veg ≤ NDVI_soil.
  ///
  /// The NDVI is streamed in strips of rows (`cStreamed`): memory does not grow with the raster.
  public static func c(
    ndvi: String, out: String, endpoints: NDVIEndpoints, fvcOut: String? = nil, crs: String? = nil,
    progress: (String) -> Void = { _ in }
  ) throws -> FactorSummary {
    try cStreamed(
      ndvi: ndvi, out: out, endpoints: endpoints, fvcOut: fvcOut, crs: crs, progress: progress)
  }

  /// The whole-raster form of `c(ndvi:out:endpoints:fvcOut:crs:progress:)` (the NDVI held in
  /// memory, at most `maximumCells`), kept as the reference the streamed form is tested against.
  static func cWholeRaster(
    ndvi: String, out: String, endpoints: NDVIEndpoints, fvcOut: String? = nil, crs: String? = nil
  ) throws -> FactorSummary {
    let r = try load(ndvi, crs: try crs.map { try SpatialReference(definition: $0) })
    for i in 0..<r.values.count where r.valid[i] && abs(r.values[i]) > 1 {
      throw PrepareError(
        "\(ndvi) row \(i / r.grid.width), column \(i % r.grid.width): NDVI \(r.values[i]) is "
          + "outside −1…1 (divide scaled products, e.g. MODIS × 0.0001, first)")
    }
    let soil: Double
    let veg: Double
    switch endpoints {
    case .fixed(let s, let v):
      soil = s
      veg = v
    case .percentiles(let lo, let hi):
      let sorted = zip(r.values, r.valid).filter { $0.1 }.map { $0.0 }.sorted()
      soil = percentileOfSorted(sorted, lo)
      veg = percentileOfSorted(sorted, hi)
    }
    guard veg > soil else {
      throw PrepareError("NDVI_veg \(veg) must exceed NDVI_soil \(soil) (\(ndvi))")
    }
    var fvc = [Double](repeating: .nan, count: r.values.count)
    var cValues = fvc
    for i in 0..<fvc.count where r.valid[i] {
      fvc[i] = fractionalVegetationCover(ndvi: r.values[i], ndviSoil: soil, ndviVegetation: veg)
      cValues[i] = usleCFromVegetationCover(
        coverPercent: fvc[i] * UnitConversion.percentPerFraction)
    }
    if let fvcOut {
      _ = try write(
        fvc, grid: r.grid, to: fvcOut, name: "fractional vegetation cover", unit: "fraction")
    }
    return try write(
      cValues, grid: r.grid, to: out, name: "RUSLE C (蔡崇法, from FVC)", unit: "1",
      notes: ["NDVI_soil \(soil), NDVI_veg \(veg)"])
  }

  /// RUSLE C by land-use class from a coefficient folder's `rusle` table (`usle_c` per
  /// ecosystem class, through the scheme's crosswalk `crosswalk_<scheme>.csv`; a level-2 class
  /// without a row falls back to its level-1 parent, see `CoefficientSet.classCoefficient`).
  ///
  /// Cells whose class is masked with `applies = 0` (non-erodible: wetland and water, urban,
  /// glacier in `coefficients/national-2022/rusle.csv`), and cells whose code the crosswalk maps
  /// outside the account (empty `ecosystem_class`), are written as nodata; a note names those
  /// codes with their classes and cell counts.
  ///
  /// - Parameters:
  ///   - landuse: land-use raster (integer codes of `scheme`).
  ///   - coefficients: coefficient folder (e.g. coefficients/national-2022).
  ///   - scheme: crosswalk name (swat, clcd, cnlucc …).
  ///   - out: GeoTIFF to write (C, dimensionless 0–1).
  ///   - crs: CRS to assume for the land-use raster, or nil for its own.
  /// - Throws: `PrepareError` when the folder has no crosswalk for `scheme`, or listing every
  ///   land-use code present that is missing from the crosswalk or whose class has no usable
  ///   `usle_c` (no row, an empty value, or only conditional rows), with cell counts;
  ///   `CoefficientError`, `GDALError`.
  public static func cByClass(
    landuse: String, coefficients: String, scheme: String, out: String, crs: String? = nil
  ) throws -> FactorSummary {
    let set = try CoefficientSet.load(from: URL(fileURLWithPath: coefficients))
    guard let crosswalk = set.crosswalks[scheme] else {
      throw PrepareError(
        "\(coefficients): no crosswalk_\(scheme).csv (schemes: "
          + set.crosswalks.keys.sorted().joined(separator: ", ") + ")")
    }
    let lu = try load(landuse, crs: try crs.map { try SpatialReference(definition: $0) })
    var cells: [Int: Int] = [:]
    for i in 0..<lu.values.count where lu.valid[i] {
      cells[Int(lu.values[i].rounded()), default: 0] += 1
    }
    var cOfCode: [Int: Double] = [:]
    var masked: [String] = []
    var problems: [String] = []
    for code in cells.keys.sorted() {
      let n = cells[code]!
      guard let entry = crosswalk.entries.first(where: { $0.lulcCode == code }) else {
        problems.append("\(code) (\(n) cells): not in \(crosswalk.file)")
        continue
      }
      guard let cls = entry.ecosystemClass else {
        masked.append("\(code) (outside the account in \(crosswalk.file), \(n) cells)")
        continue
      }
      switch set.classCoefficient(table: "rusle", parameter: "usle_c", classCode: cls) {
      case .value(let v, _):
        cOfCode[code] = v
      case .notApplicable(let row):
        masked.append(
          "\(code) (class \(cls), masked by applies = 0 of class \(row.classCode), \(n) cells)")
      case .empty:
        problems.append("\(code) (class \(cls), \(n) cells): usle_c is empty or conditional")
      case .missing:
        problems.append("\(code) (class \(cls), \(n) cells): no usle_c row")
      }
    }
    guard problems.isEmpty else {
      throw PrepareError(
        "\(coefficients): no usable usle_c for \(scheme) codes of \(landuse): "
          + problems.joined(separator: "; "))
    }
    var c = [Double](repeating: .nan, count: lu.values.count)
    for i in 0..<c.count where lu.valid[i] {
      if let v = cOfCode[Int(lu.values[i].rounded())] { c[i] = v }
    }
    let notes =
      masked.isEmpty
      ? [] : ["non-erodible land-use codes written as nodata: " + masked.joined(separator: ", ")]
    return try write(c, grid: lu.grid, to: out, name: "RUSLE C by class", unit: "1", notes: notes)
  }
}
