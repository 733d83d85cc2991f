public import GEPCore

/// The cell lattice of an axis-aligned grid, for `CoverageShape`.
///
/// - Throws: `GDALError` (`notSupported`) for a rotated geotransform.
public func coverageLattice(_ grid: Grid) throws(GDALError) -> CoverageLattice {
  let t = grid.geoTransform
  guard t.isAxisAligned, t.pixelWidth != 0, t.pixelHeight != 0 else {
    throw GDALError(
      number: GDALError.notSupported, message: "rotated geotransforms are not supported",
      function: "coverageLattice", path: nil)
  }
  return CoverageLattice(
    originX: t.originX, originY: t.originY, cellWidth: t.pixelWidth, cellHeight: t.pixelHeight)
}

/// The exact fraction of each grid cell covered by a polygon (`CoverageShape`, the
/// signed-area sweep along the polygon's boundary; GEP-METHODS "units", issue 15), for one
/// polygon over its whole bounding box: what `gep vep` weights a parcel's cells by.
///
/// Fractions are planar in the grid CRS; on geographic grids multiply them by the geodesic
/// cell area of the row (`cellAreasPerRow`).
///
/// - Parameters:
///   - polygon: a polygon or multipolygon in the grid's CRS.
///   - grid: the grid (axis-aligned).
/// - Returns: covered cells in row-major order; cells outside the grid are skipped.
/// - Throws: `GDALError` (`notSupported`) for a rotated grid.
public func exactCellCoverage(of polygon: Geometry, on grid: Grid) throws(GDALError)
  -> [CellCoverage]
{
  let shape = CoverageShape(polygons: polygon.polygonRings, lattice: try coverageLattice(grid))
  var out: [CellCoverage] = []
  for s in shape.coverage(rows: 0..<grid.height, cols: 0..<grid.width) {
    for c in s.col..<(s.col + s.count) {
      out.append(CellCoverage(row: s.row, col: c, fraction: s.fraction))
    }
  }
  return out
}

/// The zones covering each cell of a tile, with their fractions (compressed rows: the entries
/// of cell i are `start[i] ..< start[i + 1]`; cells row-major over the window).
///
/// Every cell has at least one entry, and the fractions of a cell sum to 1 except where units
/// overlap (each overlapping unit has its full fraction): the part of a cell no unit covers is
/// an entry of the `outside` zone, dropped when below `ZoneCoverage.remainderTolerance`.
public struct TileCoverage: Sendable {
  /// Entry offsets, length cells + 1.
  public var start: [Int32] = []
  /// Zone of each entry.
  public var zone: [Int32] = []
  /// Covered fraction of each entry, in (0, 1].
  public var fraction: [Double] = []

  /// An empty coverage (for reuse).
  public init() {}
}

/// Exact coverage of the cells of a grid by zones (village or parcel polygons): per tile, the
/// fraction of each cell each zone covers (`CoverageShape`), the rest to the `outside` zone —
/// the exact counterpart of `ZoneRasterizer`'s cell-centre rule.
///
/// Holds only coordinates (no GDAL object), so one instance serves every thread. A cell's
/// entries do not depend on the tile it is asked in.
public struct ZoneCoverage: Sendable {
  /// Remainders 1 − Σ f below this (in cells) are rounding, not uncovered land: two units
  /// sharing an edge give Σ f = 1 ± 10⁻¹⁶; the area dropped is < 10⁻¹² of a cell.
  public static let remainderTolerance = 1e-12
  /// The grid.
  public let grid: Grid
  let shapes: [CoverageShape]
  let zones: [Int32]
  /// Shape indices (ascending) whose envelope touches each bucket of `bucketSize` × `bucketSize`
  /// cells, buckets row-major over the grid (`bucketColumns` per row): a tile looks only at the
  /// shapes of its buckets instead of every shape.
  let buckets: [[Int32]]
  let bucketColumns: Int
  static let bucketSize = 128
  /// The zone of the part of a cell no polygon covers.
  public let outside: Int32

  /// Prepares polygons already in the grid's CRS.
  ///
  /// - Parameters:
  ///   - grid: target grid (axis-aligned).
  ///   - geometries: polygons or multipolygons in `grid.crs`.
  ///   - zones: the zone index of each geometry (same length as `geometries`).
  ///   - outside: the zone of uncovered parts.
  /// - Throws: `GDALError` (`notSupported`) for a rotated grid.
  public init(grid: Grid, geometries: [Geometry], zones: [Int32], outside: Int32)
    throws(GDALError)
  {
    precondition(geometries.count == zones.count, "one zone index per geometry")
    let lattice = try coverageLattice(grid)
    self.grid = grid
    let shapes = geometries.map { CoverageShape(polygons: $0.polygonRings, lattice: lattice) }
    self.shapes = shapes
    self.zones = zones
    self.outside = outside
    let b = ZoneCoverage.bucketSize
    let bc = max(1, (grid.width + b - 1) / b)
    let br = max(1, (grid.height + b - 1) / b)
    var buckets = [[Int32]](repeating: [], count: bc * br)
    for (z, shape) in shapes.enumerated() where !shape.isEmpty {
      let r0 = max(0, shape.rows.lowerBound)
      let r1 = min(grid.height, shape.rows.upperBound)
      let c0 = max(0, shape.cols.lowerBound)
      let c1 = min(grid.width, shape.cols.upperBound)
      guard r0 < r1, c0 < c1 else { continue }
      for by in (r0 / b)...((r1 - 1) / b) {
        for bx in (c0 / b)...((c1 - 1) / b) { buckets[by * bc + bx].append(Int32(z)) }
      }
    }
    self.buckets = buckets
    bucketColumns = bc
  }

  /// Indices (ascending, once each) of the shapes whose envelope overlaps the window.
  func candidates(rows: Range<Int>, cols: Range<Int>) -> [Int] {
    let b = ZoneCoverage.bucketSize
    let r0 = max(0, rows.lowerBound)
    let r1 = min(grid.height, rows.upperBound)
    let c0 = max(0, cols.lowerBound)
    let c1 = min(grid.width, cols.upperBound)
    guard r0 < r1, c0 < c1 else { return [] }
    var found: [Int] = []
    for by in (r0 / b)...((r1 - 1) / b) {
      for bx in (c0 / b)...((c1 - 1) / b) {
        for z in buckets[by * bucketColumns + bx] {
          let shape = shapes[Int(z)]
          if shape.rows.overlaps(rows) && shape.cols.overlaps(cols) { found.append(Int(z)) }
        }
      }
    }
    found.sort()
    var unique: [Int] = []
    unique.reserveCapacity(found.count)
    for z in found where unique.last != z { unique.append(z) }
    return unique
  }

  /// The coverage of `window` into `out` (its arrays reused).
  ///
  /// Entries of a cell are in zone-list order, the `outside` remainder last.
  public func coverage(_ window: RasterWindow, into out: inout TileCoverage) {
    let n = window.count
    let rows = window.rowOffset..<(window.rowOffset + window.height)
    let cols = window.colOffset..<(window.colOffset + window.width)
    var spans: [CoverageSpan] = []
    var spanZone: [Int32] = []
    var scratch = CoverageScratch()
    for z in candidates(rows: rows, cols: cols) {
      let before = spans.count
      shapes[z].coverage(rows: rows, cols: cols, into: &spans, scratch: &scratch)
      spanZone.append(contentsOf: repeatElement(zones[z], count: spans.count - before))
    }
    // Σ f per cell, then one remainder entry where it is short of 1.
    var covered = [Double](repeating: 0, count: n)
    var count = [Int32](repeating: 0, count: n + 1)
    for s in spans {
      let base = (s.row - window.rowOffset) * window.width - window.colOffset
      for c in s.col..<(s.col + s.count) {
        covered[base + c] += s.fraction
        count[base + c] += 1
      }
    }
    for i in 0..<n where 1 - covered[i] > ZoneCoverage.remainderTolerance { count[i] += 1 }
    out.start.removeAll(keepingCapacity: true)
    out.start.reserveCapacity(n + 1)
    var total: Int32 = 0
    for i in 0..<n {
      out.start.append(total)
      total += count[i]
    }
    out.start.append(total)
    out.zone = [Int32](repeating: outside, count: Int(total))
    out.fraction = [Double](repeating: 0, count: Int(total))
    var fill = Array(out.start.dropLast())
    for (k, s) in spans.enumerated() {
      let base = (s.row - window.rowOffset) * window.width - window.colOffset
      for c in s.col..<(s.col + s.count) {
        let e = Int(fill[base + c])
        out.zone[e] = spanZone[k]
        out.fraction[e] = s.fraction
        fill[base + c] += 1
      }
    }
    for i in 0..<n where 1 - covered[i] > ZoneCoverage.remainderTolerance {
      let e = Int(fill[i])
      out.zone[e] = outside
      out.fraction[e] = 1 - covered[i]
    }
  }
}
