internal import CGDAL

/// One grid cell covered (at least partly) by a polygon.
public struct CellCoverage: Sendable, Hashable {
  /// Row of the cell (0-based).
  public var row: Int
  /// Column of the cell (0-based).
  public var col: Int
  /// Covered fraction of the cell's area, 0 < f ≤ 1 (areas measured in the grid's CRS plane).
  public var fraction: Double
}

/// The exact fraction of each grid cell covered by a polygon (the exactextract idea, computed
/// here with GEOS: `OGR_G_Intersection` of the polygon with each cell square of its bounding
/// box, `OGR_G_Area`), so a parcel smaller than a cell is neither 0 nor 1 whole cells.
///
/// Coordinates are shifted to the cell's corner before intersecting, so the areas of cells far
/// from the CRS origin keep their digits. Fractions are planar in the grid CRS; on geographic
/// grids a cell's fraction in degrees equals its fraction of true area to within the change of
/// scale across one cell (≈ cell height × tan φ relative, < 10⁻⁵ for 3″ cells).
///
/// - Parameters:
///   - polygon: a polygon or multipolygon in the grid's CRS.
///   - grid: the grid (axis-aligned).
/// - Returns: covered cells in row-major order; cells outside the grid are skipped.
/// - Throws: `GDALError` when a geometry cannot be built.
public func cellCoverage(of polygon: Geometry, on grid: Grid) throws(GDALError) -> [CellCoverage] {
  let t = grid.geoTransform
  guard t.isAxisAligned else {
    throw GDALError(
      number: GDALError.notSupported, message: "rotated geotransforms are not supported",
      function: "cellCoverage", path: nil)
  }
  let e = polygon.envelope
  func colOf(_ x: Double) -> Double { (x - t.originX) / t.pixelWidth }
  func rowOf(_ y: Double) -> Double { (y - t.originY) / t.pixelHeight }
  let c0 = max(0, Int(min(colOf(e.minX), colOf(e.maxX)).rounded(.down)))
  let c1 = min(grid.width - 1, Int(max(colOf(e.minX), colOf(e.maxX)).rounded(.up)) - 1)
  let r0 = max(0, Int(min(rowOf(e.minY), rowOf(e.maxY)).rounded(.down)))
  let r1 = min(grid.height - 1, Int(max(rowOf(e.minY), rowOf(e.maxY)).rounded(.up)) - 1)
  guard c0 <= c1, r0 <= r1 else { return [] }
  let cellArea = abs(t.pixelWidth * t.pixelHeight)
  var out: [CellCoverage] = []
  // Work in coordinates relative to the bounding box's first cell corner.
  let (ox, oy) = t.apply(col: Double(c0), row: Double(r0))
  let shifted = polygon.copy()
  try shift(shifted, dx: -ox, dy: -oy)
  for r in r0...r1 {
    for c in c0...c1 {
      let x0 = Double(c - c0) * t.pixelWidth
      let y0 = Double(r - r0) * t.pixelHeight
      let x1 = x0 + t.pixelWidth
      let y1 = y0 + t.pixelHeight
      let cell = try Geometry(
        wkt: "POLYGON ((\(x0) \(y0),\(x1) \(y0),\(x1) \(y1),\(x0) \(y1),\(x0) \(y0)))")
      guard shifted.intersects(cell) else { continue }
      guard let part = shifted.intersection(cell) else {
        throw GDALError(
          number: GDALError.appDefined,
          message: "GEOS could not intersect the polygon with cell (row \(r), column \(c))",
          function: "OGR_G_Intersection", path: nil)
      }
      let f = min(1, part.area / cellArea)
      if f > 0 { out.append(CellCoverage(row: r, col: c, fraction: f)) }
    }
  }
  return out
}

/// Translates a geometry in place by (dx, dy) (`OGR_G_GetPointCount`, `OGR_G_GetPoint`,
/// `OGR_G_SetPoint` on every ring of every part).
func shift(_ g: Geometry, dx: Double, dy: Double) throws(GDALError) {
  func walk(_ h: OGRGeometryH) {
    let n = OGR_G_GetGeometryCount(h)
    if n > 0 {
      for i in 0..<n { if let sub = OGR_G_GetGeometryRef(h, i) { walk(sub) } }
      return
    }
    let points = OGR_G_GetPointCount(h)
    for i in 0..<points {
      var x = 0.0
      var y = 0.0
      var z = 0.0
      OGR_G_GetPoint(h, i, &x, &y, &z)
      OGR_G_SetPoint_2D(h, i, x + dx, y + dy)
    }
  }
  walk(g.handle)
}

extension Geometry {
  /// A copy whose polygon rings follow RFC 7946 §3.1.6: exterior rings counter-clockwise,
  /// holes clockwise (reversing rings as needed with `OGR_G_GetPoint` / `OGR_G_SetPoint_2D`).
  /// GEOS returns unions with clockwise shells, which strict GeoJSON readers reject.
  public func rfc7946Winding() -> Geometry {
    let g = copy()
    func signedArea(_ ring: OGRGeometryH) -> Double {
      let n = OGR_G_GetPointCount(ring)
      var a = 0.0
      var x0 = 0.0
      var y0 = 0.0
      var z = 0.0
      OGR_G_GetPoint(ring, 0, &x0, &y0, &z)
      var px = x0
      var py = y0
      for i in 1..<max(1, n) {
        var x = 0.0
        var y = 0.0
        OGR_G_GetPoint(ring, i, &x, &y, &z)
        a += (px - x0) * (y - y0) - (x - x0) * (py - y0)
        px = x
        py = y
      }
      return a / 2
    }
    func reverse(_ ring: OGRGeometryH) {
      let n = OGR_G_GetPointCount(ring)
      var pts: [(Double, Double)] = []
      for i in 0..<n {
        var x = 0.0
        var y = 0.0
        var z = 0.0
        OGR_G_GetPoint(ring, i, &x, &y, &z)
        pts.append((x, y))
      }
      for (i, p) in pts.reversed().enumerated() { OGR_G_SetPoint_2D(ring, Int32(i), p.0, p.1) }
    }
    func polygon(_ p: OGRGeometryH) {
      for r in 0..<OGR_G_GetGeometryCount(p) {
        guard let ring = OGR_G_GetGeometryRef(p, r) else { continue }
        let ccw = signedArea(ring) > 0
        if (r == 0) != ccw { reverse(ring) }
      }
    }
    let flat = OGR_G_GetGeometryType(g.handle).rawValue & 0xff
    if flat == wkbPolygon.rawValue {
      polygon(g.handle)
    } else if flat == wkbMultiPolygon.rawValue {
      for i in 0..<OGR_G_GetGeometryCount(g.handle) {
        if let p = OGR_G_GetGeometryRef(g.handle, i) { polygon(p) }
      }
    }
    return g
  }
}
