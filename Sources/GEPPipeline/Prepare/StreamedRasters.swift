import Foundation
import GEPCore
import GEPGeo

// Streamed per-cell derivations of `gep prepare` and `[derive.*]` (issue 23): rasters are
// read in strips of whole rows and written strip by strip, so memory is bounded by the strip
// (`defaultCellsPerStrip`) and GDAL's block cache, never by the raster. The values, the nodata
// cells and the summary (minimum, maximum, mean summed in row-major order) are the same as the
// whole-raster code's, bit for bit (PrepareStreamedTests).

/// Cells per strip of a streamed derivation: 4 Mi cells (about 40 MB of values, mask and
/// output), rounded to whole rows and, when possible, to whole block rows of the input.
let defaultCellsPerStrip = 1 << 22

/// A raster band read strip by strip (whole rows, top to bottom), with the same validity
/// rule as `FactorPreparation.load`: nodata and NaN are invalid, and so are infinite values.
struct RasterStrips {
  /// The file read.
  let path: String
  /// Its grid (with the CRS override, if any).
  let grid: Grid
  /// Rows per strip.
  let rowsPerStrip: Int
  private let dataset: RasterDataset
  private let band: RasterBand

  /// Opens `path` for strip reading.
  ///
  /// - Parameters:
  ///   - band: 1-based band index.
  ///   - crs: CRS to assume instead of the raster's own, or nil.
  ///   - cellsPerStrip: target cells per strip (at least one row).
  /// - Throws: `PrepareError` when the raster has no CRS and none is given, or a rotated
  ///   geotransform; `GDALError` when it cannot be opened.
  init(
    _ path: String, band: Int = 1, crs: SpatialReference? = nil,
    cellsPerStrip: Int = defaultCellsPerStrip
  ) throws {
    let ds = try RasterDataset(path: path)
    let (geoTransform, rasterCRS) = try FactorPreparation.preparedGeoreference(
      ds, path: path, crs: crs)
    self.path = path
    self.dataset = ds
    self.band = try ds.band(band)
    self.grid = Grid(
      crs: rasterCRS, geoTransform: geoTransform, width: ds.width, height: ds.height)
    var rows = max(1, cellsPerStrip / max(ds.width, 1))
    let blockRows = self.band.blockSize.height
    if blockRows > 1, rows > blockRows { rows -= rows % blockRows }
    self.rowsPerStrip = min(max(rows, 1), max(ds.height, 1))
  }

  /// Number of strips.
  var stripCount: Int { (grid.height + rowsPerStrip - 1) / rowsPerStrip }

  /// Calls `body` with each strip's window (whole rows), values and validity, top to bottom.
  /// The buffers are reused: `body` must not keep them.
  ///
  /// - Throws: `GDALError` from a read, or what `body` throws.
  func read(_ body: (RasterWindow, [Double], [Bool]) throws -> Void) throws {
    var values = [Double](repeating: 0, count: rowsPerStrip * grid.width)
    var valid = [Bool](repeating: false, count: values.count)
    var row = 0
    while row < grid.height {
      let h = min(rowsPerStrip, grid.height - row)
      let window = RasterWindow(colOffset: 0, rowOffset: row, width: grid.width, height: h)
      if window.count < values.count {
        values = [Double](repeating: 0, count: window.count)
        valid = [Bool](repeating: false, count: window.count)
      }
      try band.readMasked(window, values: &values, valid: &valid)
      for i in 0..<window.count where valid[i] && !values[i].isFinite { valid[i] = false }
      try body(window, values, valid)
      row += h
    }
  }
}

/// A factor GeoTIFF written strip by strip (Float32, nodata `prepareNoData`), summarised as
/// `FactorPreparation.write` does, and moved into place only when `finish` succeeds.
final class StreamedFactorWriter {
  private let path: String
  private let partial: String
  private let name: String
  private let unit: String
  private var writer: RasterWriter?
  private var lo = Double.infinity
  private var hi = -Double.infinity
  private var sum = 0.0
  private var n = 0
  private var cells = 0
  private var buffer: [Double] = []

  /// Creates the temporary file next to `path`.
  ///
  /// - Throws: `GDALError` when the file cannot be created.
  init(grid: Grid, path: String, name: String, unit: String) throws {
    self.path = path
    self.name = name
    self.unit = unit
    let parent = URL(fileURLWithPath: path).deletingLastPathComponent()
    try? FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
    partial =
      path.hasPrefix("/vsi") ? path : "\(path).partial-\(ProcessInfo.processInfo.processIdentifier)"
    writer = try RasterWriter(
      path: partial, grid: grid, dataType: .float32, noData: prepareNoData)
  }

  /// Writes one strip: NaN (and `valid == false`) become nodata; the others enter the summary
  /// in row-major order.
  ///
  /// - Throws: `GDALError` from the write.
  func write(_ values: [Double], valid: [Bool]? = nil, window: RasterWindow) throws {
    if buffer.count != window.count { buffer = [Double](repeating: 0, count: window.count) }
    for i in 0..<window.count {
      let v = values[i]
      if v.isNaN || !(valid?[i] ?? true) {
        buffer[i] = prepareNoData
        continue
      }
      buffer[i] = v
      lo = min(lo, v)
      hi = max(hi, v)
      sum += v
      n += 1
    }
    cells += window.count
    try writer!.write(buffer, window: window)
  }

  /// Describes the band, closes the file and renames it to its path.
  ///
  /// - Throws: `GDALError`, or `PrepareError` when the rename fails (the partial file is removed).
  func finish(notes: [String] = []) throws -> FactorSummary {
    guard let w = writer else { throw PrepareError("\(path): the writer is already closed") }
    writer = nil
    do {
      try w.describe(band: 1, description: name, unit: unit)
      try w.close()
      if partial != path, rename(partial, path) != 0 {
        let why = String(cString: strerror(errno))
        throw PrepareError("cannot move the finished raster to \(path): \(why)")
      }
    } catch {
      try? w.close()
      if partial != path { try? FileManager.default.removeItem(atPath: partial) }
      throw error
    }
    return FactorSummary(
      path: path, name: name, unit: unit, validCells: n, noDataCells: cells - n,
      minimum: n > 0 ? lo : .nan, maximum: n > 0 ? hi : .nan, mean: n > 0 ? sum / Double(n) : .nan,
      notes: notes)
  }

  /// Closes and removes the partial file (after a failure).
  func abandon() {
    if let w = writer {
      writer = nil
      try? w.close()
      if partial != path { try? FileManager.default.removeItem(atPath: partial) }
    }
  }

  deinit { abandon() }
}

/// The sort key of a Double: keys compare as the numbers do (−0 before +0; finite values only
/// are fed here).
@inline(__always) func orderKey(_ v: Double) -> UInt64 {
  let b = v.bitPattern
  return b & (1 << 63) != 0 ? ~b : b | (1 << 63)
}

/// The Double of a sort key (inverse of `orderKey`).
@inline(__always) func value(ofOrderKey k: UInt64) -> Double {
  Double(bitPattern: k & (1 << 63) != 0 ? k & ~(1 << 63) : ~k)
}

/// Exact order statistics of values that can only be streamed (read pass by pass), in bounded
/// memory: radix selection on `orderKey` — a histogram of the top 20 bits, then of the next 20
/// among the values of the chosen bin, then the last 24 — until a chosen bin holds at most
/// `collectLimit` values, which are then gathered and sorted. The k-th smallest value equals
/// `sorted()[k]` of all values. Memory: 2^24 counters at most, plus `collectLimit` values.
struct StreamedOrderStatistics {
  /// Bits resolved by each histogram pass (sum 64).
  static let levels = [20, 20, 24]

  /// Histogram of the top `levels[0]` bits of the keys of all `count` values, made during the
  /// first pass by `add`.
  var firstHistogram = [Int](repeating: 0, count: 1 << levels[0])
  /// Values added to `firstHistogram`.
  var count = 0

  /// Adds a value to the first histogram.
  @inline(__always) mutating func add(_ v: Double) {
    firstHistogram[Int(orderKey(v) >> UInt64(64 - Self.levels[0]))] += 1
    count += 1
  }

  /// The values of rank `ranks` (0-based, ascending; each below `count`).
  ///
  /// - Parameters:
  ///   - collectLimit: the most values gathered in memory at once.
  ///   - pass: streams every value again, in any order but the same set each time, to its
  ///     argument (one more pass over the raster).
  /// - Throws: what `pass` throws.
  func select(
    ranks: [Int], collectLimit: Int, pass: ((Double) -> Void) throws -> Void
  ) throws -> [Int: Double] {
    struct Target {
      var prefix: UInt64
      var bits: Int
      var rank: Int
      var size: Int
    }
    var targets: [Int: Target] = [:]
    var out: [Int: Double] = [:]
    func descend(_ t: inout Target, _ histogram: [Int], width: Int) {
      var before = 0
      for (bin, c) in histogram.enumerated() {
        if t.rank < before + c {
          t.prefix = (t.prefix << UInt64(width)) | UInt64(bin)
          t.bits += width
          t.rank -= before
          t.size = c
          return
        }
        before += c
      }
      preconditionFailure("rank beyond the histogram")
    }
    for r in Set(ranks) {
      var t = Target(prefix: 0, bits: 0, rank: r, size: count)
      descend(&t, firstHistogram, width: Self.levels[0])
      targets[r] = t
    }
    while !targets.isEmpty {
      for (r, t) in targets where t.bits == 64 {
        out[r] = value(ofOrderKey: t.prefix)
        targets[r] = nil
      }
      if targets.isEmpty { break }
      // One pass serves every pending bin: gather the small ones, histogram the others.
      let bins = Set(targets.values.map { [$0.prefix, UInt64($0.bits)] })
      var gathered: [[UInt64]: [Double]] = [:]
      var histograms: [[UInt64]: [Int]] = [:]
      var plan: [(bin: [UInt64], prefix: UInt64, shift: UInt64, gather: Bool, width: Int)] = []
      for bin in bins {
        let bits = Int(bin[1])
        let size = targets.values.first { $0.prefix == bin[0] && $0.bits == bits }!.size
        let gather = size <= collectLimit
        let width = Self.levels[
          Self.levels.indices.first { level in
            Self.levels[0...level].reduce(0, +) > bits
          }!]
        plan.append((bin, bin[0], UInt64(64 - bits), gather, width))
        if gather {
          gathered[bin] = []
          gathered[bin]!.reserveCapacity(size)
        } else {
          histograms[bin] = [Int](repeating: 0, count: 1 << width)
        }
      }
      try pass { v in
        let k = orderKey(v)
        for p in plan where k >> p.shift == p.prefix {
          if p.gather {
            gathered[p.bin]!.append(v)
          } else {
            let next = Int((k << UInt64(64 - Int(p.shift))) >> UInt64(64 - p.width))
            histograms[p.bin]![next] += 1
          }
        }
      }
      for (r, var t) in targets {
        let bin = [t.prefix, UInt64(t.bits)]
        if let values = gathered[bin] {
          // Sorted by key, so −0 and +0 keep one order whatever the sort.
          out[r] = values.sorted { orderKey($0) < orderKey($1) }[t.rank]
          targets[r] = nil
        } else {
          let width = plan.first { $0.bin == bin }!.width
          descend(&t, histograms[bin]!, width: width)
          targets[r] = t
        }
      }
    }
    return out
  }
}

/// The p-th percentile (0–100) of `n` values by linear interpolation between order statistics
/// (NumPy's default; the arithmetic of `percentileOfSorted`): rank = p/100 × (n − 1).
///
/// - Parameter orderStatistic: the k-th smallest value (0-based).
func percentile(count n: Int, _ p: Double, orderStatistic: (Int) -> Double) -> Double {
  guard n > 0 else { return .nan }
  let (lo, hi, fraction) = percentileRanks(count: n, p)
  let a = orderStatistic(lo)
  return a + fraction * (orderStatistic(hi) - a)
}

/// The two order-statistic ranks and the interpolation weight of the p-th percentile of `n`
/// values (n ≥ 1).
func percentileRanks(count n: Int, _ p: Double) -> (lo: Int, hi: Int, fraction: Double) {
  let rank = min(max(p, 0), 100) / 100 * Double(n - 1)
  let lo = Int(rank.rounded(.down))
  return (lo, min(lo + 1, n - 1), rank - Double(lo))
}

extension FactorPreparation {
  /// RUSLE C (and FVC) from NDVI, streamed strip by strip: the body of
  /// `c(ndvi:out:endpoints:fvcOut:crs:)`. Percentile endpoints are exact order statistics
  /// (`StreamedOrderStatistics`), so the result equals the whole-raster computation's.
  ///
  /// Passes over the NDVI: one for the range check, the count and the first histogram, one to
  /// three to select the percentiles (none with fixed endpoints), one to write.
  ///
  /// - Throws: as `c(ndvi:out:endpoints:fvcOut:crs:)`.
  static func cStreamed(
    ndvi: String, out: String, endpoints: NDVIEndpoints, fvcOut: String?, crs: String?,
    cellsPerStrip: Int = defaultCellsPerStrip, collectLimit: Int = 1 << 22,
    progress: (String) -> Void = { _ in }
  ) throws -> FactorSummary {
    let strips = try RasterStrips(
      ndvi, crs: try crs.map { try SpatialReference(definition: $0) },
      cellsPerStrip: cellsPerStrip)
    let width = strips.grid.width
    var statistics = StreamedOrderStatistics()
    let percentiles: Bool
    if case .percentiles = endpoints { percentiles = true } else { percentiles = false }
    progress("\(ndvi): checking NDVI (\(width) × \(strips.grid.height) cells)")
    try strips.read { window, values, valid in
      for i in 0..<window.count where valid[i] {
        if abs(values[i]) > 1 {
          throw PrepareError(
            "\(ndvi) row \(window.rowOffset + i / width), column \(i % width): NDVI "
              + "\(values[i]) is outside −1…1 (divide scaled products, e.g. MODIS × 0.0001, "
              + "first)")
        }
        if percentiles { statistics.add(values[i]) }
      }
    }
    let soil: Double
    let veg: Double
    switch endpoints {
    case .fixed(let s, let v):
      soil = s
      veg = v
    case .percentiles(let lo, let hi):
      let n = statistics.count
      var ranks: [Int] = []
      if n > 0 {
        for p in [lo, hi] {
          let r = percentileRanks(count: n, p)
          ranks += [r.lo, r.hi]
        }
      }
      progress("\(ndvi): selecting the \(lo)th and \(hi)th NDVI percentiles of \(n) cells")
      let order = try statistics.select(ranks: ranks, collectLimit: collectLimit) { visit in
        try strips.read { window, values, valid in
          for i in 0..<window.count where valid[i] { visit(values[i]) }
        }
      }
      soil = percentile(count: n, lo) { order[$0]! }
      veg = percentile(count: n, hi) { order[$0]! }
    }
    guard veg > soil else {
      throw PrepareError("NDVI_veg \(veg) must exceed NDVI_soil \(soil) (\(ndvi))")
    }
    progress("\(ndvi): writing C and FVC (NDVI_soil \(soil), NDVI_veg \(veg))")
    let cWriter = try StreamedFactorWriter(
      grid: strips.grid, path: out, name: "RUSLE C (蔡崇法, from FVC)", unit: "1")
    let fvcWriter = try fvcOut.map {
      try StreamedFactorWriter(
        grid: strips.grid, path: $0, name: "fractional vegetation cover", unit: "fraction")
    }
    var fvc: [Double] = []
    var cValues: [Double] = []
    try strips.read { window, values, valid in
      if fvc.count != window.count {
        fvc = [Double](repeating: .nan, count: window.count)
        cValues = fvc
      }
      for i in 0..<window.count {
        guard valid[i] else {
          fvc[i] = .nan
          cValues[i] = .nan
          continue
        }
        fvc[i] = fractionalVegetationCover(ndvi: values[i], ndviSoil: soil, ndviVegetation: veg)
        cValues[i] = usleCFromVegetationCover(
          coverPercent: fvc[i] * UnitConversion.percentPerFraction)
      }
      try fvcWriter?.write(fvc, window: window)
      try cWriter.write(cValues, window: window)
    }
    if let fvcWriter { _ = try fvcWriter.finish() }
    return try cWriter.finish(notes: ["NDVI_soil \(soil), NDVI_veg \(veg)"])
  }

  /// K from a soil map and a property table, streamed strip by strip: the body of
  /// `k(soilMap:properties:out:options:)` (same values, nodata and notes as the whole-raster
  /// computation).
  ///
  /// - Throws: as `k(soilMap:properties:out:options:)`.
  static func kStreamed(
    soilMap: String, properties: String, out: String, options: SoilPropertyOptions,
    cellsPerStrip: Int = defaultCellsPerStrip
  ) throws -> FactorSummary {
    let strips = try RasterStrips(
      soilMap, crs: try options.crs.map { try SpatialReference(definition: $0) },
      cellsPerStrip: cellsPerStrip)
    let kOfID = try soilErodibilityByID(properties: properties, options: options)
    var unknown: [Int: Int] = [:]
    let writer = try StreamedFactorWriter(
      grid: strips.grid, path: out, name: "soil erodibility K (EPIC × 0.1317)",
      unit: "t hm2 h hm-2 MJ-1 mm-1")
    var k: [Double] = []
    try strips.read { window, values, valid in
      if k.count != window.count { k = [Double](repeating: .nan, count: window.count) }
      for i in 0..<window.count {
        k[i] = .nan
        guard valid[i] else { continue }
        let id = Int(values[i].rounded())
        if let v = kOfID[id] { k[i] = v } else { unknown[id, default: 0] += 1 }
      }
      try writer.write(k, window: window)
    }
    let notes = unknown.keys.sorted().map {
      "soil id \($0) (\(unknown[$0]!) cells) is not in \(properties): nodata"
    }
    return try writer.finish(notes: notes)
  }
}
