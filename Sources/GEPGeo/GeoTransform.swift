/// A raster's affine geotransform, in the CRS's units (GDAL's six coefficients).
///
///     x = originX + col · pixelWidth  + row · rowRotation
///     y = originY + col · columnRotation + row · pixelHeight
///
/// for pixel corner (col, row); the centre of cell (c, r) is at (c + 0.5, r + 0.5).
public struct GeoTransform: Hashable, Sendable, Codable {
  /// x of the upper-left corner of the upper-left cell (GDAL coefficient 0).
  public var originX: Double
  /// Cell width in CRS units, east–west (coefficient 1).
  public var pixelWidth: Double
  /// Row rotation, 0 for north-up images (coefficient 2).
  public var rowRotation: Double
  /// y of the upper-left corner of the upper-left cell (coefficient 3).
  public var originY: Double
  /// Column rotation, 0 for north-up images (coefficient 4).
  public var columnRotation: Double
  /// Cell height in CRS units, negative for north-up images (coefficient 5).
  public var pixelHeight: Double

  /// Creates a geotransform from named coefficients.
  public init(
    originX: Double, pixelWidth: Double, rowRotation: Double = 0, originY: Double,
    columnRotation: Double = 0, pixelHeight: Double
  ) {
    self.originX = originX
    self.pixelWidth = pixelWidth
    self.rowRotation = rowRotation
    self.originY = originY
    self.columnRotation = columnRotation
    self.pixelHeight = pixelHeight
  }

  /// Creates a geotransform from GDAL's array order (length 6).
  public init(gdal c: [Double]) {
    precondition(c.count == 6, "a GDAL geotransform has 6 coefficients")
    self.init(
      originX: c[0], pixelWidth: c[1], rowRotation: c[2], originY: c[3], columnRotation: c[4],
      pixelHeight: c[5])
  }

  /// The coefficients in GDAL's order (length 6).
  public var gdalCoefficients: [Double] {
    [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight]
  }

  /// True when both rotation terms are 0 (a north-up or south-up grid).
  public var isAxisAligned: Bool { rowRotation == 0 && columnRotation == 0 }

  /// Map coordinates of a pixel position (col, row may be fractional; +0.5 is a cell centre).
  public func apply(col: Double, row: Double) -> (x: Double, y: Double) {
    (
      originX + col * pixelWidth + row * rowRotation,
      originY + col * columnRotation + row * pixelHeight
    )
  }

  /// The geotransform of a window of this grid: origin moved to the window's upper-left corner.
  public func shifted(to window: RasterWindow) -> GeoTransform {
    let (x, y) = apply(col: Double(window.colOffset), row: Double(window.rowOffset))
    var t = self
    t.originX = x
    t.originY = y
    return t
  }
}

/// A pixel window in raster space: offsets and sizes in cells, not map units (rasterio's
/// vocabulary). Buffers for a window are row-major, element `row * width + col`, length
/// `width × height`.
public struct RasterWindow: Hashable, Sendable, Codable {
  /// First column (0-based).
  public var colOffset: Int
  /// First row (0-based).
  public var rowOffset: Int
  /// Number of columns.
  public var width: Int
  /// Number of rows.
  public var height: Int

  /// Creates a window; sizes must be ≥ 0.
  public init(colOffset: Int, rowOffset: Int, width: Int, height: Int) {
    self.colOffset = colOffset
    self.rowOffset = rowOffset
    self.width = width
    self.height = height
  }

  /// Number of cells, `width × height`.
  public var count: Int { width * height }
}

/// An analysis grid: CRS, geotransform and size in cells. Every raster of a run is read on it.
public struct Grid: Hashable, Sendable {
  /// The grid's CRS.
  public var crs: SpatialReference
  /// The grid's geotransform (CRS units).
  public var geoTransform: GeoTransform
  /// Number of columns.
  public var width: Int
  /// Number of rows.
  public var height: Int

  /// Creates a grid.
  public init(crs: SpatialReference, geoTransform: GeoTransform, width: Int, height: Int) {
    self.crs = crs
    self.geoTransform = geoTransform
    self.width = width
    self.height = height
  }

  /// The whole grid as a window.
  public var fullWindow: RasterWindow {
    RasterWindow(colOffset: 0, rowOffset: 0, width: width, height: height)
  }

  /// Bounds (minX, minY, maxX, maxY) in CRS units, for an axis-aligned grid.
  public var bounds: (minX: Double, minY: Double, maxX: Double, maxY: Double) {
    let (x0, y0) = geoTransform.apply(col: 0, row: 0)
    let (x1, y1) = geoTransform.apply(col: Double(width), row: Double(height))
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
  }
}
