internal import CGDAL

/// A new GeoTIFF written window by window: tiled, DEFLATE-compressed, BigTIFF when needed
/// (`GDALCreate` with the GTiff driver). Not thread-safe: one thread writes, or writes are
/// serialised by the caller.
///
/// Call `close()` and check its error: GDAL 3.6's `GDALFlushCache` and `GDALClose` return void,
/// so `close()` resets the error state, flushes, closes and throws any failure GDAL recorded.
/// A writer dropped without `close()` is closed by `deinit`, but its errors are lost.
public final class RasterWriter {
  var handle: GDALDatasetH?
  /// The output path.
  public let path: String
  /// The grid written.
  public let grid: Grid
  /// The band count.
  public let bandCount: Int
  /// The cell type.
  public let dataType: RasterDataType

  /// Creates the file.
  ///
  /// - Parameters:
  ///   - path: output path (plain or `/vsimem/`).
  ///   - grid: CRS, geotransform and size.
  ///   - bands: number of bands (≥ 1).
  ///   - dataType: cell type.
  ///   - noData: nodata value written to every band, or nil for none.
  ///   - blockSize: tile edge in cells (multiple of 16), default 256.
  ///   - compress: GTiff COMPRESS value, default "DEFLATE" (use "NONE" for speed).
  ///   - driver: GDAL driver short name, default "GTiff" ("MEM" for in-memory work).
  /// - Throws: `GDALError` when the driver is missing or the file cannot be created.
  public init(
    path: String, grid: Grid, bands: Int = 1, dataType: RasterDataType, noData: Double?,
    blockSize: Int = 256, compress: String = "DEFLATE", driver: String = "GTiff"
  ) throws(GDALError) {
    GDAL.ensureRegistered()
    self.path = path
    self.grid = grid
    self.bandCount = bands
    self.dataType = dataType
    guard let drv = GDALGetDriverByName(driver) else {
      throw lastGDALError("GDALGetDriverByName", path: path, fallback: "no \(driver) driver")
    }
    var options: [String] = []
    if driver == "GTiff" {
      options = [
        "TILED=YES", "BLOCKXSIZE=\(blockSize)", "BLOCKYSIZE=\(blockSize)", "COMPRESS=\(compress)",
        "BIGTIFF=IF_SAFER",
      ]
      if compress != "NONE" {
        options.append(
          "PREDICTOR=\(dataType == .float32 || dataType == .float64 ? 3 : 2)")
      }
    }
    let w = try int32(grid.width, "width", function: "GDALCreate", path: path)
    let h = try int32(grid.height, "height", function: "GDALCreate", path: path)
    CPLErrorReset()
    let ds = withCStringList(options) { opts in
      GDALCreate(drv, path, w, h, Int32(bands), dataType.gdal, opts)
    }
    handle = try checkNotNil(ds, "GDALCreate", path: path)
    var gt = grid.geoTransform.gdalCoefficients
    try check(GDALSetGeoTransform(handle, &gt), "GDALSetGeoTransform", path: path)
    let srs = try grid.crs.makeHandle()
    defer { OSRDestroySpatialReference(srs) }
    try check(GDALSetSpatialRef(handle, srs), "GDALSetSpatialRef", path: path)
    if let noData {
      for b in 1...bands {
        try check(
          GDALSetRasterNoDataValue(GDALGetRasterBand(handle, Int32(b)), noData),
          "GDALSetRasterNoDataValue", path: path)
      }
    }
  }

  deinit {
    if let handle {
      assert(false, "RasterWriter for \(path) was not closed; its write errors were lost")
      GDALClose(handle)
    }
  }

  private func checkedBand(_ band: Int, _ window: RasterWindow, count: Int) throws(GDALError)
    -> GDALRasterBandH
  {
    guard let handle else {
      throw GDALError(
        number: GDALError.illegalArgument, message: "the writer is already closed",
        function: "GDALRasterIO", path: path)
    }
    guard band >= 1, band <= bandCount, window.colOffset >= 0, window.rowOffset >= 0,
      window.colOffset + window.width <= grid.width,
      window.rowOffset + window.height <= grid.height,
      count >= window.count
    else {
      throw GDALError(
        number: GDALError.illegalArgument,
        message: "band \(band) window \(window) with \(count) values does not fit the "
          + "\(grid.width)×\(grid.height)×\(bandCount) raster",
        function: "GDALRasterIO", path: path)
    }
    return GDALGetRasterBand(handle, Int32(band))
  }

  /// Writes a row-major Float64 window (length ≥ `window.count`) to band `band` (1-based),
  /// converting to the file's cell type (`GDALRasterIO`, `GF_Write`).
  ///
  /// - Throws: `GDALError` for a window outside the raster, a short buffer or a write failure.
  public func write(_ values: [Double], window: RasterWindow, band: Int = 1) throws(GDALError) {
    let b = try checkedBand(band, window, count: values.count)
    try writeIO(b, values, window, GDT_Float64)
  }

  /// Writes a row-major Float32 window (see the Float64 form).
  ///
  /// - Throws: `GDALError` as the Float64 form.
  public func write(_ values: [Float], window: RasterWindow, band: Int = 1) throws(GDALError) {
    let b = try checkedBand(band, window, count: values.count)
    try writeIO(b, values, window, GDT_Float32)
  }

  /// Writes a row-major Int32 window (see the Float64 form).
  ///
  /// - Throws: `GDALError` as the Float64 form.
  public func write(_ values: [Int32], window: RasterWindow, band: Int = 1) throws(GDALError) {
    let b = try checkedBand(band, window, count: values.count)
    try writeIO(b, values, window, GDT_Int32)
  }

  private func writeIO<T>(
    _ band: GDALRasterBandH, _ values: [T], _ window: RasterWindow, _ type: GDALDataType
  ) throws(GDALError) {
    var copy = values
    CPLErrorReset()
    let err = copy.withUnsafeMutableBytes { raw in
      GDALRasterIO(
        band, GF_Write, Int32(window.colOffset), Int32(window.rowOffset), Int32(window.width),
        Int32(window.height), raw.baseAddress, Int32(window.width), Int32(window.height), type, 0,
        0)
    }
    try check(err, "GDALRasterIO", path: path)
  }

  /// Sets band metadata: its description (`GDALSetDescription`) and unit (`GDALSetRasterUnitType`).
  ///
  /// - Throws: `GDALError` when the writer is closed or GDAL refuses.
  public func describe(band: Int, description: String, unit: String) throws(GDALError) {
    guard let handle, band >= 1, band <= bandCount else {
      throw GDALError(
        number: GDALError.illegalArgument, message: "no open band \(band)",
        function: "GDALSetDescription", path: path)
    }
    let b = GDALGetRasterBand(handle, Int32(band))
    GDALSetDescription(b, description)
    try check(GDALSetRasterUnitType(b, unit), "GDALSetRasterUnitType", path: path)
  }

  /// Flushes and closes the file, throwing any error GDAL recorded on the way
  /// (`GDALFlushCache`, `GDALClose`; both return void in GDAL 3.6, so the error state is read
  /// around them). Closing twice is a no-op.
  ///
  /// - Throws: `GDALError` when the flush or close failed (e.g. disk full, no permission).
  public func close() throws(GDALError) {
    guard let h = handle else { return }
    handle = nil
    CPLErrorReset()
    GDALFlushCache(h)
    let flushError: GDALError? =
      (CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal)
      ? lastGDALError("GDALFlushCache", path: path) : nil
    CPLErrorReset()
    GDALClose(h)
    if let flushError { throw flushError }
    try checkNoRecordedFailure("GDALClose", path: path)
  }

  /// Opens the closed file for reading (a convenience for tests and chained steps).
  ///
  /// - Throws: `GDALError` from `RasterDataset(path:)`.
  public func reopen() throws(GDALError) -> RasterDataset {
    try RasterDataset(path: path)
  }
}

/// Calls `body` with a NULL-terminated `char **` list built from `strings` (GDAL's
/// `CSLConstList`), freeing it afterwards.
func withCStringList<R>(
  _ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> R
) -> R {
  var list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
  for s in strings { list = CSLAddString(list, s) }
  defer { CSLDestroy(list) }
  return body(list)
}

/// Views a `char **` list as GDAL's `CSLConstList` (`const char * const *`).
func constList(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?)
  -> UnsafePointer<UnsafePointer<CChar>?>?
{
  list.map { UnsafePointer<UnsafePointer<CChar>?>(OpaquePointer($0)) }
}
