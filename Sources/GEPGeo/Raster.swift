internal import CGDAL

/// The data type of a raster band (GDAL's `GDALDataType`).
public enum RasterDataType: String, Sendable, CaseIterable {
  case byte = "Byte"
  case int8 = "Int8"
  case uint16 = "UInt16"
  case int16 = "Int16"
  case uint32 = "UInt32"
  case int32 = "Int32"
  case uint64 = "UInt64"
  case int64 = "Int64"
  case float32 = "Float32"
  case float64 = "Float64"
  case unknown = "Unknown"

  init(_ t: GDALDataType) {
    switch t {
    case GDT_Byte: self = .byte
    case GDT_UInt16: self = .uint16
    case GDT_Int16: self = .int16
    case GDT_UInt32: self = .uint32
    case GDT_Int32: self = .int32
    case GDT_UInt64: self = .uint64
    case GDT_Int64: self = .int64
    case GDT_Float32: self = .float32
    case GDT_Float64: self = .float64
    default: self = .unknown
    }
  }

  var gdal: GDALDataType {
    switch self {
    case .byte, .int8: return GDT_Byte
    case .uint16: return GDT_UInt16
    case .int16: return GDT_Int16
    case .uint32: return GDT_UInt32
    case .int32: return GDT_Int32
    case .uint64: return GDT_UInt64
    case .int64: return GDT_Int64
    case .float32: return GDT_Float32
    case .float64: return GDT_Float64
    case .unknown: return GDT_Unknown
    }
  }

  /// The closed range of values the type can hold (integers), or nil for floating types.
  public var integerRange: ClosedRange<Double>? {
    switch self {
    case .byte: return 0...255
    case .int8: return -128...127
    case .uint16: return 0...65535
    case .int16: return -32768...32767
    case .uint32: return 0...4_294_967_295
    case .int32: return -2_147_483_648...2_147_483_647
    case .uint64: return 0...Double(UInt64.max)
    case .int64: return Double(Int64.min)...Double(Int64.max)
    case .float32, .float64, .unknown: return nil
    }
  }
}

/// A raster dataset opened read-only (`GDALOpenEx` with `GDAL_OF_RASTER | GDAL_OF_READONLY |
/// GDAL_OF_VERBOSE_ERROR`). Plain paths, `/vsizip/…`, `/vsimem/…` and any other GDAL virtual
/// path work.
///
/// Not thread-safe: GDAL 3.6 datasets must be used by one thread at a time, so parallel code
/// opens one `RasterDataset` per worker thread. Closed when the last reference goes
/// (`GDALClose`); bands keep their dataset alive.
public final class RasterDataset {
  let handle: GDALDatasetH
  /// The path the dataset was opened from.
  public let path: String

  /// Opens a raster read-only.
  ///
  /// - Throws: `GDALError` with GDAL's message and the path: number 4 (`CPLE_OpenFailed`)
  ///   for a missing, unreadable, corrupt or non-raster file, and for a path that is a device,
  ///   FIFO or socket (`GDAL.requireRegularFile`; checked before opening, so nothing blocks).
  public init(path: String) throws(GDALError) {
    GDAL.ensureRegistered()
    // A FIFO would block GDALOpenEx and a device would be read without end: refuse them first.
    try GDAL.requireRegularFile(path, folderAllowed: true)
    CPLErrorReset()
    let flags = UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR)
    guard let h = GDALOpenEx(path, flags, nil, nil, nil) else {
      throw lastGDALError("GDALOpenEx", path: path, fallback: "not a raster GDAL can open")
    }
    handle = h
    self.path = path
    CPLErrorReset()
  }

  deinit { GDALClose(handle) }

  /// Number of columns (`GDALGetRasterXSize`).
  public var width: Int { Int(GDALGetRasterXSize(handle)) }
  /// Number of rows (`GDALGetRasterYSize`).
  public var height: Int { Int(GDALGetRasterYSize(handle)) }
  /// Number of bands (`GDALGetRasterCount`).
  public var bandCount: Int { Int(GDALGetRasterCount(handle)) }
  /// The GDAL driver's short name, e.g. "GTiff" (`GDALGetDriverShortName`).
  public var driverName: String {
    guard let d = GDALGetDatasetDriver(handle) else { return "" }
    return String(cString: GDALGetDriverShortName(d))
  }

  /// The geotransform (`GDALGetGeoTransform`).
  ///
  /// - Throws: `GDALError` when the dataset has none (GDAL would otherwise return the identity
  ///   transform, which would silently treat pixel indices as coordinates).
  public func geoTransform() throws(GDALError) -> GeoTransform {
    var c = [Double](repeating: 0, count: 6)
    CPLErrorReset()
    if GDALGetGeoTransform(handle, &c) != CE_None {
      throw GDALError(
        number: GDALError.appDefined, message: "the raster has no geotransform",
        function: "GDALGetGeoTransform", path: path)
    }
    return GeoTransform(gdal: c)
  }

  /// The CRS (`GDALGetSpatialRef`), or nil when the raster declares none.
  ///
  /// - Throws: `GDALError` when the declared CRS cannot be exported.
  public func spatialReference() throws(GDALError) -> SpatialReference? {
    guard let srs = GDALGetSpatialRef(handle) else { return nil }
    return try SpatialReference(handle: srs)
  }

  /// The analysis grid this raster defines (CRS, geotransform, size).
  ///
  /// - Throws: `GDALError` when the raster has no CRS or no geotransform.
  public func grid() throws(GDALError) -> Grid {
    guard let crs = try spatialReference() else {
      throw GDALError(
        number: GDALError.appDefined, message: "the raster declares no coordinate reference system",
        function: "GDALGetSpatialRef", path: path)
    }
    return Grid(crs: crs, geoTransform: try geoTransform(), width: width, height: height)
  }

  /// Band `index` (1-based, GDAL's convention) (`GDALGetRasterBand`).
  ///
  /// - Throws: `GDALError` naming the band when it does not exist.
  public func band(_ index: Int) throws(GDALError) -> RasterBand {
    guard index >= 1, index <= bandCount else {
      throw GDALError(
        number: GDALError.illegalArgument,
        message: "band \(index) does not exist (the raster has \(bandCount))",
        function: "GDALGetRasterBand", path: path)
    }
    let h = try checkNotNil(
      GDALGetRasterBand(handle, Int32(index)), "GDALGetRasterBand", path: path)
    return RasterBand(dataset: self, handle: h, index: index)
  }
}

/// One band of a raster dataset. Holds its dataset strongly, so the band can never outlive it
/// (GDAL: never destroy bands directly, destroy the dataset). Not thread-safe.
public final class RasterBand {
  /// The dataset this band belongs to.
  public let dataset: RasterDataset
  let handle: GDALRasterBandH
  /// The band number, 1-based.
  public let index: Int

  init(dataset: RasterDataset, handle: GDALRasterBandH, index: Int) {
    self.dataset = dataset
    self.handle = handle
    self.index = index
  }

  /// The band's data type (`GDALGetRasterDataType`).
  public var dataType: RasterDataType { RasterDataType(GDALGetRasterDataType(handle)) }

  /// The declared nodata value (`GDALGetRasterNoDataValue`), or nil when none is set.
  ///
  /// The value is returned as declared, even when it lies outside the band type's range
  /// (e.g. −128 on a Byte band): then no cell can equal it, and `noDataOutOfRange` says so.
  public var noDataValue: Double? {
    var hasNoData: Int32 = 0
    let v = GDALGetRasterNoDataValue(handle, &hasNoData)
    return hasNoData != 0 ? v : nil
  }

  /// True when the declared nodata value cannot occur in this band's data type (e.g. −128 on
  /// an unsigned Byte band), so it masks nothing.
  public var noDataOutOfRange: Bool {
    guard let nd = noDataValue, let range = dataType.integerRange else { return false }
    return !(range.contains(nd) && nd.rounded() == nd)
  }

  /// The native block size in cells (`GDALGetBlockSize`).
  public var blockSize: (width: Int, height: Int) {
    var bx: Int32 = 0
    var by: Int32 = 0
    GDALGetBlockSize(handle, &bx, &by)
    return (Int(bx), Int(by))
  }

  /// The band description (`GDALGetDescription`), often empty.
  public var bandDescription: String { String(cString: GDALGetDescription(handle)) }

  private func checkWindow(_ window: RasterWindow, bufferCount: Int, _ function: String)
    throws(GDALError)
  {
    let w = dataset.width
    let h = dataset.height
    guard window.colOffset >= 0, window.rowOffset >= 0, window.width > 0, window.height > 0,
      window.colOffset + window.width <= w, window.rowOffset + window.height <= h
    else {
      throw GDALError(
        number: GDALError.illegalArgument,
        message: "window \(window) lies outside the \(w)×\(h) raster (band \(index))",
        function: function, path: dataset.path)
    }
    guard bufferCount >= window.count else {
      throw GDALError(
        number: GDALError.illegalArgument,
        message: "buffer of \(bufferCount) elements is smaller than the window's \(window.count)",
        function: function, path: dataset.path)
    }
  }

  /// Reads `window` into a caller-owned buffer as Float64, row-major (element
  /// `row * window.width + col`; the buffer holds at least `window.count` elements)
  /// (`GDALRasterIOEx`).
  ///
  /// - Throws: `GDALError` for a window outside the raster, a short buffer, or a read failure
  ///   (GDAL's message, with the path).
  public func read(_ window: RasterWindow, into buffer: inout [Double]) throws(GDALError) {
    try checkWindow(window, bufferCount: buffer.count, "GDALRasterIO")
    try rasterIO(window, buffer: &buffer, type: GDT_Float64)
  }

  /// Reads `window` into a caller-owned buffer as Float32, row-major (see the Float64 form).
  ///
  /// - Throws: `GDALError` as the Float64 form.
  public func read(_ window: RasterWindow, into buffer: inout [Float]) throws(GDALError) {
    try checkWindow(window, bufferCount: buffer.count, "GDALRasterIO")
    try rasterIO(window, buffer: &buffer, type: GDT_Float32)
  }

  /// Reads `window` as Float64 into a new row-major array of length `window.count`.
  ///
  /// - Throws: `GDALError` as `read(_:into:)`.
  public func read(_ window: RasterWindow) throws(GDALError) -> [Double] {
    var buffer = [Double](repeating: 0, count: window.count)
    try read(window, into: &buffer)
    return buffer
  }

  /// Reads `window` as Float64 with a validity mask: `valid[i]` is false where the cell equals
  /// the declared nodata value or is NaN. Infinite values are kept valid (and left for input
  /// validation to report). Both buffers are row-major with at least `window.count` elements.
  ///
  /// This is the one place nodata is decided; formulas never see masked cells.
  ///
  /// - Throws: `GDALError` as `read(_:into:)`.
  public func readMasked(_ window: RasterWindow, values: inout [Double], valid: inout [Bool])
    throws(GDALError)
  {
    try read(window, into: &values)
    guard valid.count >= window.count else {
      throw GDALError(
        number: GDALError.illegalArgument,
        message: "mask buffer of \(valid.count) is smaller than the window's \(window.count)",
        function: "RasterBand.readMasked", path: dataset.path)
    }
    let nd = noDataOutOfRange ? nil : noDataValue
    for i in 0..<window.count {
      let v = values[i]
      valid[i] = !(v.isNaN || (nd != nil && v == nd!))
    }
  }

  /// Reads `window` as Float64 with a validity mask into caller-owned memory: the same values
  /// and mask as `readMasked(_:values:valid:)` (`valid[i]` false where the cell equals the
  /// declared nodata value or is NaN), for readers that keep the rasters of a tile side by side
  /// in one buffer and so avoid a copy per raster. Both buffers are row-major with at least
  /// `window.count` elements.
  ///
  /// - Throws: `GDALError` for a window outside the raster, a short buffer, or a read failure
  ///   (GDAL's message, with the path).
  public func readMasked(
    _ window: RasterWindow, values: UnsafeMutableBufferPointer<Double>,
    valid: UnsafeMutableBufferPointer<Bool>
  ) throws(GDALError) {
    try checkWindow(window, bufferCount: min(values.count, valid.count), "GDALRasterIO")
    var extra = cgdal_default_rasterio_extra_arg()
    CPLErrorReset()
    let err = GDALRasterIOEx(
      handle, GF_Read, Int32(window.colOffset), Int32(window.rowOffset), Int32(window.width),
      Int32(window.height), UnsafeMutableRawPointer(values.baseAddress), Int32(window.width),
      Int32(window.height), GDT_Float64, 0, 0, &extra)
    if err != CE_None {
      throw lastGDALError("GDALRasterIO", path: "\(dataset.path) (band \(index))")
    }
    let count = window.count
    if let nd = noDataOutOfRange ? nil : noDataValue {
      // v == v is false for NaN only; a NaN nodata value masks the NaN cells either way.
      for i in 0..<count {
        let v = values[i]
        valid[i] = v == v && v != nd
      }
    } else {
      for i in 0..<count {
        let v = values[i]
        valid[i] = v == v
      }
    }
  }

  /// Reads `window` as Float32 with a validity mask (see the Float64 form; the nodata value is
  /// compared after conversion to Float32, as GDAL stores it in Float32 bands).
  ///
  /// - Throws: `GDALError` as `read(_:into:)`.
  public func readMasked(_ window: RasterWindow, values: inout [Float], valid: inout [Bool])
    throws(GDALError)
  {
    try read(window, into: &values)
    guard valid.count >= window.count else {
      throw GDALError(
        number: GDALError.illegalArgument,
        message: "mask buffer of \(valid.count) is smaller than the window's \(window.count)",
        function: "RasterBand.readMasked", path: dataset.path)
    }
    let nd: Float? = (noDataOutOfRange ? nil : noDataValue).map { Float($0) }
    for i in 0..<window.count {
      let v = values[i]
      valid[i] = !(v.isNaN || (nd != nil && v == nd!))
    }
  }

  private func rasterIO<T>(_ window: RasterWindow, buffer: inout [T], type: GDALDataType)
    throws(GDALError)
  {
    var extra = cgdal_default_rasterio_extra_arg()
    CPLErrorReset()
    let err = buffer.withUnsafeMutableBytes { raw in
      GDALRasterIOEx(
        handle, GF_Read, Int32(window.colOffset), Int32(window.rowOffset), Int32(window.width),
        Int32(window.height), raw.baseAddress, Int32(window.width), Int32(window.height), type,
        0, 0, &extra)
    }
    if err != CE_None {
      throw lastGDALError("GDALRasterIO", path: "\(dataset.path) (band \(index))")
    }
  }
}
