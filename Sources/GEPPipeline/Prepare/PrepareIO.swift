import Foundation
import GEPCore
import GEPGeo

// Input and output of `gep prepare`: whole-raster reads with a memory limit, Float32 GeoTIFF
// output with nodata, cell geometry in metres, and station/daily tables with errors that name
// the file, line, column and value.

/// An error of factor preparation, with the file, line, column and value involved.
public struct PrepareError: Error, CustomStringConvertible, Sendable {
  /// The human-readable message (names file, row, column and value where they apply).
  public let message: String

  /// Creates an error with its message.
  public init(_ message: String) { self.message = message }

  /// The message.
  public var description: String { message }
}

/// Summary of a written factor raster, for messages and tests.
public struct FactorSummary: Sendable, CustomStringConvertible {
  /// The file written.
  public var path: String
  /// What it holds, e.g. "LS factor".
  public var name: String
  /// Its unit, e.g. "MJ mm hm-2 h-1 a-1" ("1" when dimensionless).
  public var unit: String
  /// Cells with a value, and cells without (nodata).
  public var validCells: Int, noDataCells: Int
  /// Minimum, maximum and mean of the valid cells (NaN when none).
  public var minimum: Double, maximum: Double, mean: Double
  /// Notes for the user (stations dropped, missing days filled, ...).
  public var notes: [String]

  /// One line: name, range, mean, unit, counts.
  public var description: String {
    func f(_ v: Double) -> String { String(format: "%.6g", v) }
    return "\(name): \(f(minimum))…\(f(maximum)) (mean \(f(mean))) \(unit); \(validCells) cells"
      + (noDataCells > 0 ? ", \(noDataCells) nodata" : "") + " → \(path)"
  }
}

/// A raster band held in memory with its validity mask.
struct LoadedRaster {
  let path: String
  let grid: Grid
  var values: [Double]
  var valid: [Bool]
}

/// Nodata value of every raster `gep prepare` writes (Float32).
public let prepareNoData = -9999.0

extension FactorPreparation {
  /// The largest raster, in cells, that `gep prepare` holds in memory: 50 million cells (e.g.
  /// 7 000 × 7 000). LS needs about 60 bytes per cell (DEM, filled DEM, slope, gradients,
  /// flow order and accumulation, L, S, LS), i.e. about 3 GB at the limit. Larger DEMs must be
  /// split into overlapping tiles (or resampled) before `gep prepare ls`.
  public static let maximumCells = 50_000_000

  /// The geotransform and CRS `gep prepare` works in: the raster's own CRS unless `crs` is
  /// given.
  ///
  /// - Throws: `PrepareError` when the raster has no CRS and none is given, or a rotated
  ///   geotransform; `GDALError` when they cannot be read.
  static func preparedGeoreference(
    _ ds: RasterDataset, path: String, crs: SpatialReference?
  ) throws -> (GeoTransform, SpatialReference) {
    let geoTransform = try ds.geoTransform()
    let rasterCRS: SpatialReference
    if let crs {
      rasterCRS = crs
    } else if let own = try ds.spatialReference() {
      rasterCRS = own
    } else {
      throw PrepareError("\(path): the raster declares no CRS; give one with --crs")
    }
    guard geoTransform.isAxisAligned else {
      throw PrepareError("\(path): rotated geotransforms are not supported")
    }
    return (geoTransform, rasterCRS)
  }

  static func load(_ path: String, band: Int = 1, crs: SpatialReference? = nil) throws
    -> LoadedRaster
  {
    let ds = try RasterDataset(path: path)
    let count = ds.width * ds.height
    guard count <= maximumCells else {
      throw PrepareError(
        "\(path): \(ds.width) × \(ds.height) = \(count) cells exceeds the in-memory limit of "
          + "\(maximumCells) cells of gep prepare; clip or resample it first")
    }
    let (geoTransform, rasterCRS) = try preparedGeoreference(ds, path: path, crs: crs)
    let grid = Grid(crs: rasterCRS, geoTransform: geoTransform, width: ds.width, height: ds.height)
    var values = [Double](repeating: 0, count: count)
    var valid = [Bool](repeating: false, count: count)
    try ds.band(band).readMasked(grid.fullWindow, values: &values, valid: &valid)
    for i in 0..<count where valid[i] && !values[i].isFinite { valid[i] = false }
    return LoadedRaster(path: path, grid: grid, values: values, valid: valid)
  }

  /// Writes `values` (NaN or `valid == false` → nodata) as a Float32 GeoTIFF and summarises it.
  static func write(
    _ values: [Double], valid: [Bool]? = nil, grid: Grid, to path: String, name: String,
    unit: String, notes: [String] = []
  ) throws -> FactorSummary {
    var out = values
    var lo = Double.infinity
    var hi = -Double.infinity
    var sum = 0.0
    var n = 0
    for i in 0..<out.count {
      if out[i].isNaN || !(valid?[i] ?? true) {
        out[i] = prepareNoData
        continue
      }
      lo = min(lo, out[i])
      hi = max(hi, out[i])
      sum += out[i]
      n += 1
    }
    let parent = URL(fileURLWithPath: path).deletingLastPathComponent()
    try? FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
    // Written next to the target and renamed when complete, so a failure (disk full) never
    // leaves a truncated GeoTIFF under the requested name.
    let partial =
      path.hasPrefix("/vsi") ? path : "\(path).partial-\(ProcessInfo.processInfo.processIdentifier)"
    let writer = try RasterWriter(
      path: partial, grid: grid, dataType: .float32, noData: prepareNoData)
    do {
      try writer.write(out, window: grid.fullWindow)
      try writer.describe(band: 1, description: name, unit: unit)
      try writer.close()
      if partial != path {
        // rename(2) replaces a file atomically and fails on a folder: nothing is deleted.
        if rename(partial, path) != 0 {
          let why = String(cString: strerror(errno))
          throw PrepareError("cannot move the finished raster to \(path): \(why)")
        }
      }
    } catch {
      try? writer.close()
      if partial != path { try? FileManager.default.removeItem(atPath: partial) }
      throw error
    }
    return FactorSummary(
      path: path, name: name, unit: unit, validCells: n, noDataCells: out.count - n,
      minimum: n > 0 ? lo : .nan, maximum: n > 0 ? hi : .nan, mean: n > 0 ? sum / Double(n) : .nan,
      notes: notes)
  }

  /// East–west and north–south cell sizes of each row in metres. Geographic grids use the
  /// ellipsoid's radii of curvature at the row's centre latitude φ:
  /// Δx = |Δλ| (π/180) N cos φ, Δy = |Δφ| (π/180) M, N = a/√(1 − e² sin²φ),
  /// M = a (1 − e²)/(1 − e² sin²φ)^{3/2}.
  static func cellSizesPerRow(_ grid: Grid) throws -> (widths: [Double], heights: [Double]) {
    let t = grid.geoTransform
    if grid.crs.isGeographic {
      let a = grid.crs.semiMajor
      let f = grid.crs.inverseFlattening == 0 ? 0 : 1 / grid.crs.inverseFlattening
      let e2 = f * (2 - f)
      var widths = [Double](repeating: 0, count: grid.height)
      var heights = widths
      for row in 0..<grid.height {
        let phi = (t.originY + (Double(row) + 0.5) * t.pixelHeight) * Double.pi / 180
        let s = 1 - e2 * sin(phi) * sin(phi)
        let nRadius = a / s.squareRoot()
        let mRadius = a * (1 - e2) / pow(s, 1.5)
        widths[row] = abs(t.pixelWidth) * Double.pi / 180 * nRadius * cos(phi)
        heights[row] = abs(t.pixelHeight) * Double.pi / 180 * mRadius
      }
      return (widths, heights)
    }
    guard grid.crs.isProjected else {
      throw PrepareError("the CRS \(grid.crs) is neither geographic nor projected")
    }
    let m = grid.crs.metresPerUnit
    return (
      [Double](repeating: abs(t.pixelWidth) * m, count: grid.height),
      [Double](repeating: abs(t.pixelHeight) * m, count: grid.height)
    )
  }

  /// Cell-centre x of each column and y of each row, in the grid's CRS.
  static func cellCentres(_ grid: Grid) -> (xs: [Double], ys: [Double]) {
    let t = grid.geoTransform
    return (
      (0..<grid.width).map { t.originX + (Double($0) + 0.5) * t.pixelWidth },
      (0..<grid.height).map { t.originY + (Double($0) + 0.5) * t.pixelHeight }
    )
  }

  /// The reference grid of a raster (for station interpolation), with an optional CRS override.
  /// With `inMemory` (the default) a raster above `maximumCells` is refused, as the
  /// whole-raster derivations would; the streamed ones (C/FVC, K from a soil map) pass false.
  static func referenceGrid(_ path: String, crs: String?, inMemory: Bool = true) throws -> Grid {
    let ds = try RasterDataset(path: path)
    let count = ds.width * ds.height
    guard !inMemory || count <= maximumCells else {
      throw PrepareError(
        "\(path): \(count) cells exceeds the in-memory limit of \(maximumCells) cells")
    }
    let own: SpatialReference?
    if let crs {
      own = try SpatialReference(definition: crs)
    } else {
      own = try ds.spatialReference()
    }
    guard let own else { throw PrepareError("\(path): the raster declares no CRS; use --crs") }
    return Grid(crs: own, geoTransform: try ds.geoTransform(), width: ds.width, height: ds.height)
  }
}

/// Checks the outputs of a `gep prepare` run before anything is computed: an existing folder
/// is never replaced (a GeoTIFF is a file), an output that is one of the inputs (after
/// resolving symbolic links) is refused, and an existing file is replaced only with
/// `overwrite`. GDAL virtual paths are not checked.
///
/// - Throws: `PrepareError` naming the path.
public func checkPrepareOutputs(_ outputs: [String], inputs: [String], overwrite: Bool) throws {
  let inputPaths = Set(inputs.filter { !$0.hasPrefix("/vsi") }.map(canonicalPath))
  for out in outputs where !out.hasPrefix("/vsi") {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) {
      if isDirectory.boolValue {
        throw PrepareError("\(out) is a folder: give the output GeoTIFF's file name (--out)")
      }
      if inputPaths.contains(canonicalPath(out)) {
        throw PrepareError("\(out) is an input of this command: write the output elsewhere")
      }
      if !overwrite {
        throw PrepareError("\(out) exists; pass --overwrite to replace it")
      }
    }
  }
}

// MARK: - Tables

/// Parses a number from a table cell; throws naming the file, line and column.
func parseNumber(_ text: String, path: String, line: Int, column: String) throws -> Double {
  let trimmed = text.trimmingCharacters(in: .whitespaces)
  guard let v = PlainDecimal.parse(trimmed) else {
    let hint = PlainDecimal.hint(for: trimmed).map { " (\($0))" } ?? ""
    throw PrepareError(
      "\(path) line \(line), column \(column): '\(text)' is not a plain decimal number\(hint)")
  }
  return v
}

/// Finds a field by exact name, then case-insensitively, then among `alternatives`.
func findField(_ table: Table, _ name: String?, alternatives: [String]) -> Int? {
  let candidates = (name.map { [$0] } ?? []) + (name == nil ? alternatives : [])
  for c in candidates {
    if let i = table.fieldIndex(c) { return i }
    if let i = table.fields.firstIndex(where: { $0.lowercased() == c.lowercased() }) { return i }
  }
  return nil
}

/// Station positions and attributes read from a table.
public struct StationLocations: Sendable {
  /// Station id → (x, y) in the target CRS.
  public var positions: [String: (x: Double, y: Double)]
  /// Station id → latitude, degrees (WGS 84), for radiation.
  public var latitudes: [String: Double]
  /// Station id → elevation, m, when the table has an elevation field.
  public var elevations: [String: Double]
}

/// How station coordinates are given.
public struct StationCoordinateOptions: Sendable, Hashable {
  /// Station id field (default: StationID, station, station_id, id).
  public var idField: String?
  /// Longitude/latitude fields (WGS 84 degrees; defaults Lon/Lat, longitude/latitude).
  public var lonField: String?, latField: String?
  /// x/y fields in `crs` (used instead of lon/lat when given).
  public var xField: String?, yField: String?
  /// CRS of x/y (e.g. "EPSG:4528"); required with x/y.
  public var crs: String?
  /// Elevation field, m (default Elevation, elev, altitude).
  public var elevationField: String?

  /// Creates options (all defaults: lon/lat fields found by name).
  public init(
    idField: String? = nil, lonField: String? = nil, latField: String? = nil,
    xField: String? = nil, yField: String? = nil, crs: String? = nil,
    elevationField: String? = nil
  ) {
    self.idField = idField
    self.lonField = lonField
    self.latField = latField
    self.xField = xField
    self.yField = yField
    self.crs = crs
    self.elevationField = elevationField
  }
}

extension FactorPreparation {
  /// Reads station positions and transforms them to `target`.
  static func readStations(
    _ path: String, options: StationCoordinateOptions, target: SpatialReference
  ) throws -> StationLocations {
    let table = try Table(path: path)
    guard
      let idIndex = findField(
        table, options.idField, alternatives: ["StationID", "station", "station_id", "id"])
    else {
      throw PrepareError(
        "\(path): no station id field \(options.idField ?? "StationID/station/id") among "
          + table.fields.joined(separator: ", "))
    }
    let useXY = options.xField != nil || options.yField != nil
    let xIndex: Int
    let yIndex: Int
    let source: SpatialReference
    if useXY {
      guard let xf = options.xField, let yf = options.yField, let crs = options.crs else {
        throw PrepareError("station x/y fields need both --x-field, --y-field and --crs")
      }
      guard let xi = findField(table, xf, alternatives: []),
        let yi = findField(table, yf, alternatives: [])
      else { throw PrepareError("\(path): no field \(xf) or \(yf)") }
      xIndex = xi
      yIndex = yi
      source = try SpatialReference(definition: crs)
    } else {
      guard let xi = findField(table, options.lonField, alternatives: ["Lon", "longitude"]),
        let yi = findField(table, options.latField, alternatives: ["Lat", "latitude"])
      else {
        throw PrepareError(
          "\(path): no longitude/latitude fields (\(options.lonField ?? "Lon")/"
            + "\(options.latField ?? "Lat")) among " + table.fields.joined(separator: ", "))
      }
      xIndex = xi
      yIndex = yi
      source = try SpatialReference.wgs84()
    }
    let elevIndex = findField(
      table, options.elevationField, alternatives: ["Elevation", "elev", "altitude"])
    var ids: [String] = []
    var xs: [Double] = []
    var ys: [Double] = []
    var elevations: [String: Double] = [:]
    for row in table.rows {
      let id = row.values[idIndex]
      if id.isEmpty { continue }
      guard !ids.contains(id) else {
        throw PrepareError("\(path) line \(row.line): station '\(id)' appears twice")
      }
      ids.append(id)
      xs.append(
        try parseNumber(
          row.values[xIndex], path: path, line: row.line, column: table.fields[xIndex]))
      ys.append(
        try parseNumber(
          row.values[yIndex], path: path, line: row.line, column: table.fields[yIndex]))
      if let e = elevIndex, !row.values[e].isEmpty {
        elevations[id] = try parseNumber(
          row.values[e], path: path, line: row.line, column: table.fields[e])
      }
      if !useXY, abs(ys.last!) > 90 || abs(xs.last!) > 360 {
        throw PrepareError(
          "\(path) line \(row.line): lon/lat \(xs.last!), \(ys.last!) are not degrees; "
            + "give projected coordinates with --x-field/--y-field and --crs")
      }
    }
    guard !ids.isEmpty else { throw PrepareError("\(path): no stations") }
    var lats = ys
    if useXY {
      var lx = xs
      try CoordinateTransformation(from: source, to: try SpatialReference.wgs84()).transform(
        x: &lx, y: &lats)
    }
    var tx = xs
    var ty = ys
    try CoordinateTransformation(from: source, to: target).transform(x: &tx, y: &ty)
    var positions: [String: (x: Double, y: Double)] = [:]
    var latitudes: [String: Double] = [:]
    for (k, id) in ids.enumerated() {
      positions[id] = (tx[k], ty[k])
      latitudes[id] = lats[k]
    }
    return StationLocations(positions: positions, latitudes: latitudes, elevations: elevations)
  }
}

/// Daily values of one or more variables per station, read from a table.
///
/// Two layouts are accepted: **long** — one row per station and day, a station field
/// (`StationID`, `station` …) and one column per variable (SEIMS `meteorology_*_daily.txt`);
/// **wide** — one row per day and one column per station whose header is the station id
/// (SEIMS `precipitation_*_daily.txt`). The date is a `date` field (YYYY-MM-DD or
/// YYYY/MM/DD) or three fields Y, M, D (or year, month, day). Empty cells and the values in
/// `missingValues` are missing days.
public struct DailyStationTable: Sendable {
  /// Station id → variable → day → value.
  public var series: [String: [String: [CalendarDay: Double]]]

  /// Values treated as missing by default (common CMA and SEIMS codes).
  public static let defaultMissingValues: Set<String> = [
    "", "NA", "NaN", "nan", "-99", "-999", "-9999", "32766", "32744", "32700",
  ]

  /// Reads a daily table.
  ///
  /// - Parameters:
  ///   - path: CSV/TXT/XLSX table.
  ///   - variables: for the long layout, the value fields to read; for the wide layout, nil
  ///     (then every non-date column is a station, read as variable "value").
  ///   - stationField: station id field of the long layout (default found by name).
  ///   - missingValues: cell texts meaning "missing".
  /// - Throws: `PrepareError` naming the file, line, column and value of a bad date or number,
  ///   or a day given twice for one station.
  public init(
    path: String, variables: [String]?, stationField: String? = nil,
    missingValues: Set<String> = DailyStationTable.defaultMissingValues
  ) throws {
    let table = try Table(path: path)
    let dateIndex = findField(table, nil, alternatives: ["date"])
    let yIndex = findField(table, nil, alternatives: ["Y", "year"])
    let mIndex = findField(table, nil, alternatives: ["M", "month"])
    let dIndex = findField(table, nil, alternatives: ["D", "day"])
    guard dateIndex != nil || (yIndex != nil && mIndex != nil && dIndex != nil) else {
      throw PrepareError(
        "\(path): no date field ('date', or 'Y','M','D' / 'year','month','day') among "
          + table.fields.joined(separator: ", "))
    }
    let dateColumns = Set([dateIndex, yIndex, mIndex, dIndex].compactMap { $0 })
    let stationIndex =
      stationField != nil
      ? findField(table, stationField, alternatives: [])
      : findField(table, nil, alternatives: ["StationID", "station", "station_id"])
    if stationField != nil, stationIndex == nil {
      throw PrepareError("\(path): no station field '\(stationField!)'")
    }
    var columns: [(index: Int, station: String?, variable: String)] = []
    if let stationIndex {
      guard let variables, !variables.isEmpty else {
        throw PrepareError("\(path): a table with a station field needs the value field(s)")
      }
      for v in variables {
        guard let i = findField(table, v, alternatives: []) else {
          throw PrepareError(
            "\(path): no field '\(v)' among " + table.fields.joined(separator: ", "))
        }
        columns.append((i, nil, v))
      }
      _ = stationIndex
    } else {
      for (i, name) in table.fields.enumerated() where !dateColumns.contains(i) {
        if let variables, !variables.isEmpty, !variables.contains(name) { continue }
        columns.append((i, name, "value"))
      }
      guard !columns.isEmpty else { throw PrepareError("\(path): no station columns") }
    }
    var series: [String: [String: [CalendarDay: Double]]] = [:]
    for row in table.rows {
      if row.values.allSatisfy({ $0.isEmpty }) { continue }
      let day: CalendarDay?
      if let dateIndex {
        let parts = row.values[dateIndex].split(whereSeparator: { $0 == "-" || $0 == "/" })
          .compactMap { Int($0) }
        day = parts.count == 3 ? CalendarDay(year: parts[0], month: parts[1], day: parts[2]) : nil
        if day == nil {
          throw PrepareError(
            "\(path) line \(row.line), column \(table.fields[dateIndex]): "
              + "'\(row.values[dateIndex])' is not a date (YYYY-MM-DD)")
        }
      } else {
        let y = Int(row.values[yIndex!])
        let m = Int(row.values[mIndex!])
        let d = Int(row.values[dIndex!])
        day = (y != nil && m != nil && d != nil) ? CalendarDay(year: y!, month: m!, day: d!) : nil
        if day == nil {
          throw PrepareError(
            "\(path) line \(row.line): '\(row.values[yIndex!])-\(row.values[mIndex!])-"
              + "\(row.values[dIndex!])' is not a date")
        }
      }
      let station = stationIndex.map { row.values[$0] }
      for col in columns {
        let text = row.values[col.index]
        if missingValues.contains(text) { continue }
        let value = try parseNumber(
          text, path: path, line: row.line, column: table.fields[col.index])
        let id = col.station ?? station ?? ""
        if series[id, default: [:]][col.variable, default: [:]][day!] != nil {
          throw PrepareError(
            "\(path) line \(row.line): station \(id) has \(day!) twice (\(col.variable))")
        }
        series[id, default: [:]][col.variable, default: [:]][day!] = value
      }
    }
    self.series = series
  }
}
