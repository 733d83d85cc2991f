internal import CGDAL
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A GDAL, OGR or PROJ failure, carrying GDAL's own error number and message, the wrapper
/// function that failed and the path of the dataset involved.
///
/// Every function of `GEPGeo` that calls GDAL throws this type (typed throws); nothing is turned
/// into `nil` silently. The message is GDAL's `CPLGetLastErrorMsg()` text, read on the calling
/// thread (GDAL keeps its error state per thread, so this is safe in workers).
public struct GDALError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The `CPLErr` class of the failure.
  public enum Severity: String, Sendable, Equatable {
    /// `CE_Warning`: GDAL warned; the wrapper made it an error because the result is unusable.
    case warning
    /// `CE_Failure`: the operation failed.
    case failure
    /// `CE_Fatal`: GDAL cannot continue.
    case fatal
  }

  /// The `CPLErr` class of the failure.
  public let severity: Severity
  /// GDAL's `CPLErrorNum` (`CPLE_*`): 1 = AppDefined, 2 = OutOfMemory, 3 = FileIO,
  /// 4 = OpenFailed, 5 = IllegalArg, 6 = NotSupported, 10 = ObjectNull, 0 = none recorded.
  public let number: Int32
  /// GDAL's message (`CPLGetLastErrorMsg()`), or the wrapper's own when GDAL recorded none.
  public let message: String
  /// The GDAL C function that failed (e.g. `GDALOpenEx`) or the wrapper operation.
  public let function: String
  /// The dataset, layer or file involved, when known.
  public let path: String?
  /// For errors in a table's text: the 1-based line of the file, else nil.
  public let line: Int?
  /// For errors in a table's text: the field (header name, or "field N" when the header has
  /// no name for it), else nil.
  public let field: String?

  /// `CPLE_OpenFailed`: the number GDAL gives a file that cannot be opened.
  public static let openFailed: Int32 = 4
  /// `CPLE_FileIO`.
  public static let fileIO: Int32 = 3
  /// `CPLE_IllegalArg`.
  public static let illegalArgument: Int32 = 5
  /// `CPLE_AppDefined`.
  public static let appDefined: Int32 = 1
  /// `CPLE_NotSupported`.
  public static let notSupported: Int32 = 6

  /// Creates an error by hand (used where the wrapper, not GDAL, detects the problem).
  ///
  /// - Parameters:
  ///   - severity: the failure class.
  ///   - number: a `CPLE_*` number (use `appDefined` for the wrapper's own checks).
  ///   - message: what went wrong, naming the value involved.
  ///   - function: the wrapper or C function.
  ///   - path: the dataset or file involved.
  ///   - line: for table text errors, the 1-based line of the file.
  ///   - field: for table text errors, the field's header name (or "field N").
  public init(
    severity: Severity = .failure, number: Int32, message: String, function: String,
    path: String?, line: Int? = nil, field: String? = nil
  ) {
    self.severity = severity
    self.number = number
    self.message = message
    self.function = function
    self.path = path
    self.line = line
    self.field = field
  }

  /// "`function` failed on `path`: `message` (CPLE `number`)".
  public var description: String {
    "\(function) failed on \(path ?? "-"): \(message) (CPLE \(number))"
  }
}

/// Reads this thread's last GDAL error (`CPLGetLastErrorNo`, `CPLGetLastErrorType`,
/// `CPLGetLastErrorMsg`) into a `GDALError` and clears it with `CPLErrorReset`.
func lastGDALError(_ function: String, path: String? = nil, fallback: String? = nil) -> GDALError {
  let number = Int32(CPLGetLastErrorNo())
  let type = CPLGetLastErrorType()
  var message = String(cString: CPLGetLastErrorMsg())
  CPLErrorReset()
  if message.isEmpty { message = fallback ?? "GDAL reported no message" }
  let severity: GDALError.Severity =
    type == CE_Fatal ? .fatal : (type == CE_Warning ? .warning : .failure)
  return GDALError(
    severity: severity, number: number == 0 ? GDALError.appDefined : number, message: message,
    function: function, path: path)
}

/// Throws the thread's last GDAL error unless `err` is `CE_None`.
@inline(__always)
func check(_ err: CPLErr, _ function: String, path: String? = nil) throws(GDALError) {
  guard err == CE_None else { throw lastGDALError(function, path: path) }
}

/// Throws the thread's last GDAL error when a C function returned a null handle.
@inline(__always)
func checkNotNil<T>(_ handle: T?, _ function: String, path: String? = nil) throws(GDALError) -> T {
  guard let handle else { throw lastGDALError(function, path: path) }
  return handle
}

/// Throws when GDAL recorded an error of class `CE_Failure` or worse since the last
/// `CPLErrorReset()`. Used around the GDAL 3.6 functions that return `void`
/// (`GDALFlushCache`, `GDALClose`).
@inline(__always)
func checkNoRecordedFailure(_ function: String, path: String?) throws(GDALError) {
  let type = CPLGetLastErrorType()
  if type == CE_Failure || type == CE_Fatal { throw lastGDALError(function, path: path) }
}

/// Converts a Swift `Int` to the `Int32` GDAL expects, failing with a clear message when it
/// does not fit.
@inline(__always)
func int32(_ value: Int, _ what: String, function: String, path: String?) throws(GDALError)
  -> Int32
{
  guard let v = Int32(exactly: value) else {
    throw GDALError(
      number: GDALError.illegalArgument, message: "\(what) = \(value) does not fit in Int32",
      function: function, path: path)
  }
  return v
}

/// The GDAL library: one-time driver registration and version facts.
///
/// Threading rule (GDAL 3.6 has no thread-safe datasets): a `RasterDataset`, `RasterBand`,
/// `VectorDataset` or `RasterWriter` is used by one thread at a time. Parallel code opens one
/// dataset per worker thread; GDAL's error state is per thread.
public enum GDAL {
  /// Registers all GDAL and OGR drivers exactly once (`GDALAllRegister`); Swift global
  /// initialisers run once and thread-safely.
  static let registered: Void = {
    GDALAllRegister()
    // GDAL's default block cache is 5 % of RAM; rasters here are read once, block by block,
    // so a large cache only grows the resident memory with the raster size. Bound it unless
    // the user sets GDAL_CACHEMAX.
    if CPLGetConfigOption("GDAL_CACHEMAX", nil) == nil {
      GDALSetCacheMax64(GDAL.defaultCacheBytes)
    }
    // Never let GDAL print errors to stderr on its own: the wrapper turns them into values.
    CPLSetErrorHandler(CPLQuietErrorHandler)
  }()

  /// The GDAL block cache gep sets when `GDAL_CACHEMAX` is not set: 128 MiB.
  public static let defaultCacheBytes: Int64 = 128 << 20

  /// The block cache size in force, bytes (`GDALGetCacheMax64`).
  public static var cacheBytes: Int64 {
    ensureRegistered()
    return GDALGetCacheMax64()
  }

  /// Makes sure the drivers are registered; every public entry point calls it.
  @inline(__always)
  static func ensureRegistered() { _ = registered }

  /// The runtime GDAL release, e.g. "3.6.2" (`GDALVersionInfo("RELEASE_NAME")`).
  public static var version: String {
    ensureRegistered()
    return String(cString: GDALVersionInfo("RELEASE_NAME"))
  }

  /// Deletes a file on any GDAL virtual file system, e.g. `/vsimem/` (`VSIUnlink`).
  ///
  /// - Throws: `GDALError` (number `fileIO`) when the file cannot be removed.
  public static func unlink(_ path: String) throws(GDALError) {
    ensureRegistered()
    if VSIUnlink(path) != 0 {
      throw GDALError(
        number: GDALError.fileIO, message: "cannot delete the file", function: "VSIUnlink",
        path: path)
    }
  }

  /// Writes `bytes` to `path` on a GDAL virtual file system (`VSIFOpenL`, `VSIFWriteL`);
  /// used to stage decoded tables and test fixtures in `/vsimem/`.
  ///
  /// - Throws: `GDALError` when the file cannot be opened or fully written.
  public static func writeFile(_ path: String, bytes: [UInt8]) throws(GDALError) {
    ensureRegistered()
    guard let fp = VSIFOpenL(path, "wb") else {
      throw lastGDALError("VSIFOpenL", path: path, fallback: "cannot open for writing")
    }
    let written = bytes.withUnsafeBytes { VSIFWriteL($0.baseAddress, 1, bytes.count, fp) }
    let closed = VSIFCloseL(fp)
    if written != bytes.count || closed != 0 {
      throw GDALError(
        number: GDALError.fileIO,
        message: "wrote \(written) of \(bytes.count) bytes", function: "VSIFWriteL", path: path)
    }
  }

  /// Reads a whole file through GDAL's virtual file systems (`VSIFOpenL`, `VSIFReadL`), so
  /// `/vsizip/` and `/vsimem/` paths work like plain ones.
  ///
  /// - Returns: the file's bytes.
  /// - Throws: `GDALError` (number `openFailed`) when the file cannot be opened, or when a
  ///   plain path (after resolving symbolic links) is not a regular file (a device such as
  ///   `/dev/zero` would be read without end, a FIFO would block): see `requireRegularFile`.
  public static func readFile(_ path: String) throws(GDALError) -> [UInt8] {
    ensureRegistered()
    try requireRegularFile(path)
    guard let fp = VSIFOpenL(path, "rb") else {
      throw GDALError(
        number: GDALError.openFailed, message: "No such file or directory, or not readable",
        function: "VSIFOpenL", path: path)
    }
    defer { VSIFCloseL(fp) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = chunk.withUnsafeMutableBytes { VSIFReadL($0.baseAddress, 1, 1 << 16, fp) }
      if n > 0 { result.append(contentsOf: chunk[0..<n]) }
      if n < (1 << 16) { break }
    }
    return result
  }
}

extension GDAL {
  /// The function name of the errors thrown by `requireRegularFile` (`GDALError.function`).
  public static let notRegularFileFunction = "stat (regular file check)"

  /// What a plain path is when it is not a regular file ("a character device", "a FIFO (named
  /// pipe)", "a folder" …), after resolving symbolic links (`stat`), or nil when it is a
  /// regular file, does not exist, or is a GDAL virtual path (`/vsi…`).
  public static func nonRegularFileKind(_ path: String) -> String? {
    if path.hasPrefix("/vsi") { return nil }
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    switch st.st_mode & S_IFMT {
    case S_IFREG: return nil
    case S_IFDIR: return "a folder"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFIFO: return "a FIFO (named pipe)"
    case S_IFSOCK: return "a socket"
    default: return "a special file"
    }
  }

  /// Refuses a plain path that is not a regular file once symbolic links are resolved: a
  /// device (`/dev/zero` would be read without end), a FIFO (opening it blocks until a writer
  /// comes), a socket or, unless `folderAllowed`, a folder. GDAL virtual paths (`/vsi…`) and
  /// paths that do not exist pass (the open that follows reports those).
  ///
  /// Nothing is opened: only `stat` is called, so a FIFO cannot block.
  ///
  /// - Throws: `GDALError` (number `openFailed`, function `notRegularFileFunction`), e.g.
  ///   "link.csv is a character device (/dev/zero), not a regular file".
  public static func requireRegularFile(_ path: String, folderAllowed: Bool = false)
    throws(GDALError)
  {
    guard let kind = nonRegularFileKind(path) else { return }
    if folderAllowed && kind == "a folder" { return }
    let resolved = canonicalPath(path)
    let target = resolved != path ? " (\(resolved))" : ""
    throw GDALError(
      number: GDALError.openFailed, message: "\(path) is \(kind)\(target), not a regular file",
      function: notRegularFileFunction, path: path)
  }
}

/// The path with symbolic links resolved (`realpath`), or the standardized path when it does
/// not exist: how two spellings of one file or folder are recognised as the same.
public func canonicalPath(_ path: String) -> String {
  guard let r = realpath(path, nil) else {
    return URL(fileURLWithPath: path).standardizedFileURL.path
  }
  defer { free(r) }
  return String(cString: r)
}
