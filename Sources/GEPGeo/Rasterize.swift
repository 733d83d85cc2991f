internal import CGDAL

/// Rasterizes polygons into zone indices on windows of a grid (`GDALRasterizeGeometries` on an
/// in-memory `MEM` dataset with the window's geotransform), so no zone raster the size of the
/// whole grid is ever held in memory.
///
/// Rule: a cell belongs to a polygon when the cell's centre lies inside it (GDAL's default,
/// without `ALL_TOUCHED`). Where polygons overlap, the later one in `geometries` wins. Cells
/// covered by no polygon get `outside`. The result of a cell does not depend on the window it is
/// read in. Not thread-safe: one rasterizer per worker (`copy()`).
public final class ZoneRasterizer {
  /// The grid rasterized onto.
  public let grid: Grid
  let geometries: [Geometry]
  let burnValues: [Double]
  let envelopes: [(minX: Double, minY: Double, maxX: Double, maxY: Double)]
  /// The value of cells outside every polygon.
  public let outside: Int32

  /// Prepares polygons already in the grid's CRS.
  ///
  /// - Parameters:
  ///   - grid: target grid (axis-aligned).
  ///   - geometries: polygons in `grid.crs`.
  ///   - zones: the zone index burnt for each geometry (same length as `geometries`).
  ///   - outside: the value of uncovered cells, default −1.
  public init(grid: Grid, geometries: [Geometry], zones: [Int32], outside: Int32 = -1) {
    precondition(geometries.count == zones.count, "one zone index per geometry")
    self.grid = grid
    self.geometries = geometries
    self.burnValues = zones.map(Double.init)
    self.envelopes = geometries.map(\.envelope)
    self.outside = outside
  }

  /// An independent copy for another thread (geometries cloned).
  public func copy() -> ZoneRasterizer {
    ZoneRasterizer(
      grid: grid, geometries: geometries.map { $0.copy() }, zones: burnValues.map { Int32($0) },
      outside: outside)
  }

  /// Zone indices of `window`, row-major, length `window.count`.
  ///
  /// - Throws: `GDALError` when GDAL cannot create the in-memory raster or rasterize.
  public func rasterize(_ window: RasterWindow) throws(GDALError) -> [Int32] {
    GDAL.ensureRegistered()
    let t = grid.geoTransform.shifted(to: window)
    let (x0, y0) = t.apply(col: 0, row: 0)
    let (x1, y1) = t.apply(col: Double(window.width), row: Double(window.height))
    let wMinX = min(x0, x1)
    let wMaxX = max(x0, x1)
    let wMinY = min(y0, y1)
    let wMaxY = max(y0, y1)
    var picked: [OGRGeometryH?] = []
    var values: [Double] = []
    for (i, e) in envelopes.enumerated()
    where e.maxX >= wMinX && e.minX <= wMaxX && e.maxY >= wMinY && e.minY <= wMaxY {
      picked.append(geometries[i].handle)
      values.append(burnValues[i])
    }
    var out = [Int32](repeating: outside, count: window.count)
    if picked.isEmpty { return out }
    guard let drv = GDALGetDriverByName("MEM") else {
      throw lastGDALError("GDALGetDriverByName", fallback: "no MEM driver")
    }
    CPLErrorReset()
    guard
      let ds = GDALCreate(drv, "", Int32(window.width), Int32(window.height), 1, GDT_Int32, nil)
    else {
      throw lastGDALError("GDALCreate", path: "MEM")
    }
    defer { GDALClose(ds) }
    var gt = t.gdalCoefficients
    try check(GDALSetGeoTransform(ds, &gt), "GDALSetGeoTransform", path: "MEM")
    let band = GDALGetRasterBand(ds, 1)
    try check(GDALFillRaster(band, Double(outside), 0), "GDALFillRaster", path: "MEM")
    var bandList: [Int32] = [1]
    let err = picked.withUnsafeMutableBufferPointer { g in
      GDALRasterizeGeometries(
        ds, 1, &bandList, Int32(g.count), g.baseAddress, nil, nil, values, nil, nil, nil)
    }
    try check(err, "GDALRasterizeGeometries", path: "MEM")
    let readErr = out.withUnsafeMutableBytes { raw in
      GDALRasterIO(
        band, GF_Read, 0, 0, Int32(window.width), Int32(window.height), raw.baseAddress,
        Int32(window.width), Int32(window.height), GDT_Int32, 0, 0)
    }
    try check(readErr, "GDALRasterIO", path: "MEM")
    return out
  }
}
