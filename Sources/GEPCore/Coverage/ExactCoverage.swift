/// The cell lattice of an axis-aligned grid, for coverage: where cell (col 0, row 0) begins and
/// how large a cell is, in the CRS's units (GDAL geotransform coefficients 0, 1, 3, 5).
///
///     x = originX + col · cellWidth,   y = originY + row · cellHeight
///
/// for a cell corner (col, row); `cellHeight` is negative for north-up grids.
public struct CoverageLattice: Sendable, Hashable {
  /// x of the upper-left corner of cell (0, 0).
  public var originX: Double
  /// y of the upper-left corner of cell (0, 0).
  public var originY: Double
  /// Cell width (x step per column), ≠ 0.
  public var cellWidth: Double
  /// Cell height (y step per row), ≠ 0; negative for north-up grids.
  public var cellHeight: Double

  /// Creates a lattice; the cell sizes must be finite and non-zero.
  public init(originX: Double, originY: Double, cellWidth: Double, cellHeight: Double) {
    precondition(cellWidth != 0 && cellHeight != 0, "a cell has a non-zero size")
    self.originX = originX
    self.originY = originY
    self.cellWidth = cellWidth
    self.cellHeight = cellHeight
  }

  /// |cellWidth × cellHeight|, the planar area of one cell in CRS units².
  public var cellArea: Double { abs(cellWidth * cellHeight) }
}

/// A run of cells in one grid row covered by a polygon with the same fraction: an interior run
/// (`fraction` 1, `count` ≥ 1) or one boundary cell (`count` 1, 0 < `fraction` ≤ 1).
public struct CoverageSpan: Sendable, Hashable {
  /// Grid row (0-based, the grid's rows, not the window's).
  public var row: Int
  /// First grid column of the run.
  public var col: Int
  /// Number of cells in the run (≥ 1).
  public var count: Int
  /// Covered fraction of each cell of the run, in (0, 1].
  public var fraction: Double

  /// Creates a span.
  public init(row: Int, col: Int, count: Int, fraction: Double) {
    self.row = row
    self.col = col
    self.count = count
    self.fraction = fraction
  }
}

/// A polygon (or multipolygon) prepared for exact coverage on one lattice: its rings in cell
/// coordinates, each with the sign that makes exterior rings add and holes subtract.
///
/// **Method.** The covered area of cell (k, r) — columns as x, rows as y, in cell units — is
/// the integral over the cell of the winding number w(x, y). Integrating over x first,
///
///     area(k, r) = Σ_edges s · ∫_{row r} clamp(k + 1 − x_e(y), 0, 1) dy,
///
/// where x_e(y) is where the edge crosses height y and s = ±1 its direction. So each edge,
/// split at row lines and column lines into pieces that stay inside one cell, adds to the cell
/// it lies in the trapezoid `s·dy·(k + 1 − x̄)` (x̄ the mean x of the piece), and adds `s·dy`
/// to every cell to its right in the same row (the "carry" accumulated along the row). This is
/// the signed-area accumulation of scan-line font rasterisers (e.g. font-rs, libart), made exact
/// for polygons: holes (winding −1) and ring orientation need no special case. Cells that no
/// piece touches have an integral winding number, so the carry is rounded to that integer there
/// (their fraction is exactly 0 or 1) and the sweep restarts from it; only boundary cells get
/// fractional values.
///
/// This is the same result as exactextract's method (isciences/exactextract, README "Method
/// used in exactextract": each ring traversed once noting the cells it enters and leaves, the
/// covered area of each touched cell from the traversal, untouched cells 0 or 1 filled from the
/// boundary), reached by a different route: the per-cell area comes from Green's theorem instead
/// of from the counter-clockwise-bounded areas inside a cell, and the interior is filled by the
/// row carry instead of a flood fill. Read there, not copied.
///
/// **Cost.** Proportional to the number of (edge, cell) pieces — the boundary length in cells —
/// plus the number of spans returned, for each window asked; interior cells are runs.
///
/// **Determinism.** A cell's fraction does not depend on the window it is asked in: each row is
/// swept over the polygon's whole width (pieces left of the window are summed, not skipped), and
/// every crossing is computed from the edge's endpoints alone, with the endpoints of each edge in
/// a canonical order (so an edge shared by two units, traversed in opposite directions, gives
/// the same pieces with opposite signs, and their fractions sum to 1 up to rounding).
public struct CoverageShape: Sendable {
  /// The lattice the rings are expressed on.
  public let lattice: CoverageLattice
  /// Column and row of the local origin (the polygon's envelope's first cell), so local
  /// coordinates stay small and keep their digits.
  let colBase: Int
  let rowBase: Int
  /// Vertex coordinates in CRS units from the corner of cell (colBase, rowBase), u along
  /// columns and v along rows (u = (column − colBase) · |cellWidth|, v likewise with
  /// |cellHeight|), rings one after another, each closed implicitly. Kept in CRS units rather
  /// than cell units so that round coordinates stay exact (a 300 000 m² rectangle on 30 m
  /// cells gives fractions whose areas sum to 300 000 m² exactly).
  let us: [Double]
  let vs: [Double]
  /// Start of each ring in `us`/`vs`, plus the end (length rings + 1).
  let ringStart: [Int]
  /// Per ring: +1 or −1, so that the winding number is +1 inside exterior rings and −1 inside
  /// holes whatever the rings' orientations.
  let ringSign: [Double]
  /// The rows and columns (grid indices, half-open) the polygon's envelope touches.
  public let rows: Range<Int>
  /// See `rows`.
  public let cols: Range<Int>
  /// Polygon area in cell units (Σ exterior − Σ holes, shoelace), for checks.
  public let areaInCells: Double

  /// Prepares a polygon or multipolygon.
  ///
  /// - Parameters:
  ///   - polygons: one entry per polygon (part of a multipolygon); each is its rings, the
  ///     exterior first and then its holes; a ring is its vertices (x, y) in the lattice's CRS,
  ///     closed or not (a repeated first vertex is ignored). Rings with fewer than 3 vertices or
  ///     no area are skipped. Coordinates must be finite.
  ///   - lattice: the grid's cell lattice.
  /// - Precondition: every coordinate is finite.
  public init(polygons: [[[(x: Double, y: Double)]]], lattice: CoverageLattice) {
    self.lattice = lattice
    var minU = Double.infinity
    var maxU = -Double.infinity
    var minV = Double.infinity
    var maxV = -Double.infinity
    for polygon in polygons {
      for ring in polygon {
        for p in ring {
          precondition(p.x.isFinite && p.y.isFinite, "polygon coordinates are finite")
          let u = (p.x - lattice.originX) / lattice.cellWidth
          let v = (p.y - lattice.originY) / lattice.cellHeight
          minU = min(minU, u)
          maxU = max(maxU, u)
          minV = min(minV, v)
          maxV = max(maxV, v)
        }
      }
    }
    guard minU <= maxU, minV <= maxV else {
      colBase = 0
      rowBase = 0
      us = []
      vs = []
      ringStart = [0]
      ringSign = []
      rows = 0..<0
      cols = 0..<0
      areaInCells = 0
      return
    }
    let cb = Int(minU.rounded(.down))
    let rb = Int(minV.rounded(.down))
    colBase = cb
    rowBase = rb
    var us: [Double] = []
    var vs: [Double] = []
    var starts = [0]
    var signs: [Double] = []
    var total = 0.0
    let x0 = lattice.originX + Double(cb) * lattice.cellWidth
    let y0 = lattice.originY + Double(rb) * lattice.cellHeight
    let sx: Double = lattice.cellWidth > 0 ? 1 : -1
    let sy: Double = lattice.cellHeight > 0 ? 1 : -1
    for polygon in polygons {
      for (ringIndex, ring) in polygon.enumerated() {
        var pts = ring.map {
          (u: ($0.x - x0) * sx, v: ($0.y - y0) * sy)
        }
        if pts.count > 1, pts[0] == pts[pts.count - 1] { pts.removeLast() }
        guard pts.count >= 3 else { continue }
        // Shoelace area (CRS units²), positive when counter-clockwise in (u, v).
        var a = 0.0
        for i in pts.indices {
          let p = pts[i]
          let q = pts[(i + 1) % pts.count]
          a += p.u * q.v - q.u * p.v
        }
        a /= 2
        guard a != 0, a.isFinite else { continue }
        // With the formula above, a ring positive in (u, v) gives winding −1 inside.
        let isHole = ringIndex > 0
        signs.append((a > 0 ? -1 : 1) * (isHole ? -1 : 1))
        total += isHole ? -abs(a) : abs(a)
        for p in pts {
          us.append(p.u)
          vs.append(p.v)
        }
        starts.append(us.count)
      }
    }
    self.us = us
    self.vs = vs
    ringStart = starts
    ringSign = signs
    areaInCells = total / lattice.cellArea
    rows = rb..<max(rb + 1, Int(maxV.rounded(.up)))
    cols = cb..<max(cb + 1, Int(maxU.rounded(.up)))
  }

  /// True when the shape has no ring with area.
  public var isEmpty: Bool { ringSign.isEmpty }

  /// The covered fraction of every cell of a window, as spans.
  ///
  /// - Parameters:
  ///   - rows: grid rows of the window (half-open).
  ///   - cols: grid columns of the window (half-open).
  /// - Returns: spans in row order and, within a row, in column order, clipped to the window;
  ///   cells with fraction 0 are absent. Fractions are planar in the lattice's CRS (multiply by
  ///   the cell's area, or by its geodesic area on geographic grids).
  public func coverage(rows: Range<Int>, cols: Range<Int>) -> [CoverageSpan] {
    var out: [CoverageSpan] = []
    var scratch = CoverageScratch()
    coverage(rows: rows, cols: cols, into: &out, scratch: &scratch)
    return out
  }

  /// One piece of an edge inside one cell: its cell (local row, column), generation order,
  /// trapezoid area in the cell and the area it adds to every cell to its right (its signed
  /// height × the cell width), CRS units².
  struct Piece: Sendable {
    var row: Int32
    var col: Int32
    var seq: Int32
    var area: Double
    var dy: Double
  }

  /// `coverage(rows:cols:)` appending to `out`, reusing `scratch`'s buffers (for many calls,
  /// e.g. every unit of a tile).
  public func coverage(
    rows wantRows: Range<Int>, cols wantCols: Range<Int>, into out: inout [CoverageSpan],
    scratch: inout CoverageScratch
  ) {
    coverage(rows: wantRows, cols: wantCols, into: &out, pieces: &scratch.pieces)
  }

  func coverage(
    rows wantRows: Range<Int>, cols wantCols: Range<Int>, into out: inout [CoverageSpan],
    pieces: inout [Piece]
  ) {
    let rowLo = max(wantRows.lowerBound, rows.lowerBound)
    let rowHi = min(wantRows.upperBound, rows.upperBound)
    guard !isEmpty, rowLo < rowHi, wantCols.lowerBound < wantCols.upperBound,
      cols.lowerBound < wantCols.upperBound, wantCols.lowerBound < cols.upperBound
    else { return }
    // Local row range.
    let r0 = rowLo - rowBase
    let r1 = rowHi - rowBase
    let w = abs(lattice.cellWidth)
    let h = abs(lattice.cellHeight)
    let cellArea = w * h
    let fr0 = Double(r0) * h
    let fr1 = Double(r1) * h
    pieces.removeAll(keepingCapacity: true)
    var seq: Int32 = 0
    func add(_ r: Int, _ k: Int, _ area: Double, _ dy: Double) {
      pieces.append(Piece(row: Int32(r), col: Int32(k), seq: seq, area: area, dy: dy))
      seq &+= 1
    }
    for ring in 0..<ringSign.count {
      let start = ringStart[ring]
      let end = ringStart[ring + 1]
      let sign = ringSign[ring]
      for i in start..<end {
        let j = i + 1 == end ? start : i + 1
        // Canonical order: lower v first (ties: lower u), the sign carries the direction.
        var (ua, va, ub, vb) = (us[i], vs[i], us[j], vs[j])
        var s = sign
        if vb < va || (vb == va && ub < ua) {
          swap(&ua, &ub)
          swap(&va, &vb)
          s = -s
        }
        if vb < fr0 || va > fr1 { continue }
        if va == vb {
          // Horizontal: no area, but it marks the cells it runs through as boundary cells
          // (unless it lies on a row line, where both rows' cells stay whole).
          let vr = va / h
          guard vr != vr.rounded(.down), va >= fr0, va < fr1, ua != ub else { continue }
          let r = Int(vr.rounded(.down))
          let kLo = Int((ua / w).rounded(.down))
          let kHi = Int((ub / w).rounded(.up)) - 1
          for k in kLo...max(kLo, kHi) { add(r, k, 0, 0) }
          continue
        }
        let dxdy = (ub - ua) / (vb - va)
        let dydx = ua == ub ? 0 : (vb - va) / (ub - ua)
        let uMin = min(ua, ub)
        let uMax = max(ua, ub)
        func xAt(_ y: Double) -> Double { min(uMax, max(uMin, ua + (y - va) * dxdy)) }
        let rowFirst = max(Int((va / h).rounded(.down)), r0)
        let rowLast = min(Int((vb / h).rounded(.up)) - 1, r1 - 1)
        guard rowFirst <= rowLast else { continue }
        for r in rowFirst...rowLast {
          let ya = max(va, Double(r) * h)
          let yb = min(vb, Double(r + 1) * h)
          guard yb > ya else { continue }
          let xa = ya == va ? ua : xAt(ya)
          let xb = yb == vb ? ub : xAt(yb)
          let lo = min(xa, xb)
          let hi = max(xa, xb)
          let kLo = Int((lo / w).rounded(.down))
          let kHi = hi > lo ? Int((hi / w).rounded(.up)) - 1 : kLo
          if kLo >= kHi {
            let dy = yb - ya
            add(r, kLo, s * dy * (Double(kLo + 1) * w - (xa + xb) / 2), s * dy * w)
            continue
          }
          // Several columns: walk from lo to hi; y at x = lo and hi are the row piece's ends.
          let yLo = xa <= xb ? ya : yb
          let yHi = xa <= xb ? yb : ya
          var xPrev = lo
          var yPrev = yLo
          for k in kLo...kHi {
            let xNext = k == kHi ? hi : Double(k + 1) * w
            let yNext = k == kHi ? yHi : min(yb, max(ya, va + (xNext - ua) * dydx))
            let dy = abs(yNext - yPrev)
            add(r, k, s * dy * (Double(k + 1) * w - (xPrev + xNext) / 2), s * dy * w)
            xPrev = xNext
            yPrev = yNext
          }
        }
      }
    }
    pieces.sort { a, b in
      a.row != b.row ? a.row < b.row : a.col != b.col ? a.col < b.col : a.seq < b.seq
    }
    let c0 = wantCols.lowerBound - colBase
    let c1 = wantCols.upperBound - colBase
    var p = 0
    while p < pieces.count {
      let r = Int(pieces[p].row)
      let gridRow = r + rowBase
      var carry = 0.0
      var prev = Int.min
      while p < pieces.count, Int(pieces[p].row) == r {
        let k = Int(pieces[p].col)
        if prev != Int.min, k > prev + 1 {
          // Untouched cells prev+1 ..< k: their winding number is an integer.
          let winding = (carry / cellArea).rounded()
          carry = winding * cellArea
          if winding >= 1 {
            let a = max(prev + 1, c0)
            let b = min(k, c1)
            if a < b {
              out.append(CoverageSpan(row: gridRow, col: a + colBase, count: b - a, fraction: 1))
            }
          }
        }
        var area = 0.0
        var dy = 0.0
        while p < pieces.count, Int(pieces[p].row) == r, Int(pieces[p].col) == k {
          area += pieces[p].area
          dy += pieces[p].dy
          p += 1
        }
        let f = min(1, (carry + area) / cellArea)
        if f > 0, k >= c0, k < c1 {
          out.append(CoverageSpan(row: gridRow, col: k + colBase, count: 1, fraction: f))
        }
        carry += dy
        prev = k
      }
    }
  }
}

/// Reusable buffers of `CoverageShape.coverage(rows:cols:into:scratch:)` (one per thread).
public struct CoverageScratch: Sendable {
  var pieces: [CoverageShape.Piece] = []
  /// Empty buffers.
  public init() {}
}
