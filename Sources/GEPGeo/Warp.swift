internal import CGDAL
import Foundation

/// Resampling methods for warping (gdalwarp `-r`).
public enum Resampling: String, Sendable, CaseIterable, Codable {
  /// Nearest neighbour: categorical data (land use), exact copies on aligned grids.
  case nearest = "near"
  /// Bilinear: continuous data on similar cell sizes.
  case bilinear
  /// Average of contributing cells (weighted by overlap): continuous data onto coarser grids.
  case average
  /// Mode (most frequent value): categorical data onto coarser grids.
  case mode
  /// Cubic convolution.
  case cubic
}

/// Warps a raster onto a target grid and writes it as a tiled GeoTIFF, so later reads of any
/// window give the same values whatever the window (no per-window edge effects)
/// (`GDALWarp` from `gdal_utils.h`, the gdalwarp program's API).
///
/// GDAL's warper streams: it processes the output in chunks bounded by `memoryLimitMB`, so the
/// source is never read whole into memory. Cells of the target outside the source, and cells
/// whose source is nodata, get `noData` in the output (NaN by default for float types).
///
/// - Parameters:
///   - sourcePath: the raster to warp (its own CRS and nodata are used).
///   - band: the source band, 1-based.
///   - grid: the target grid (CRS, geotransform, size); must be axis-aligned.
///   - resampling: the method.
///   - outputPath: the GeoTIFF to write (plain path or `/vsimem/`).
///   - dataType: output cell type (default Float64).
///   - noData: the output nodata value (default NaN).
///   - memoryLimitMB: the warper's working memory.
///   - sourceCRS: the CRS to assume for the source instead of the one it declares (gdalwarp
///     `-s_srs`), for files whose declared CRS is wrong or missing.
/// - Throws: `GDALError` with GDAL's message when the source cannot be opened, has no CRS, or
///   the warp fails.
public func warpRaster(
  sourcePath: String, band: Int = 1, onto grid: Grid, resampling: Resampling,
  outputPath: String, dataType: RasterDataType = .float64, noData: Double = .nan,
  memoryLimitMB: Int = 256, sourceCRS: SpatialReference? = nil
) throws(GDALError) {
  let source = try RasterDataset(path: sourcePath)
  let declared = try source.spatialReference()
  guard sourceCRS != nil || declared != nil else {
    throw GDALError(
      number: GDALError.appDefined,
      message: "the raster declares no coordinate reference system; it cannot be warped",
      function: "GDALWarp", path: sourcePath)
  }
  _ = try source.band(band)
  // gdalwarp has no band selection before GDAL 3.7: pick the band through a VRT first.
  var input = source
  var vrtPath: String? = nil
  if source.bandCount > 1 {
    let path = "/vsimem/gep-warp-band-\(UInt64.random(in: 0...UInt64.max)).vrt"
    try translate(source, to: path, arguments: ["-of", "VRT", "-b", String(band)])
    input = try RasterDataset(path: path)
    vrtPath = path
  }
  defer { if let vrtPath { try? GDAL.unlink(vrtPath) } }
  let b = grid.bounds
  let nd = noData.isNaN ? "nan" : String(noData)
  var args: [String] = []
  if let sourceCRS { args += ["-s_srs", sourceCRS.wkt] }
  args += [
    "-of", "GTiff", "-t_srs", grid.crs.wkt,
    "-te", String(b.minX), String(b.minY), String(b.maxX), String(b.maxY),
    "-ts", String(grid.width), String(grid.height), "-r", resampling.rawValue,
    "-ot", dataType.rawValue, "-dstnodata", nd, "-wm", String(memoryLimitMB),
    "-co", "TILED=YES", "-co", "COMPRESS=NONE", "-co", "BIGTIFF=IF_SAFER", "-overwrite", "-q",
  ]
  CPLErrorReset()
  let options: OpaquePointer? = withCStringList(args) { GDALWarpAppOptionsNew($0, nil) }
  guard let options else {
    throw lastGDALError("GDALWarpAppOptionsNew", path: sourcePath)
  }
  defer { GDALWarpAppOptionsFree(options) }
  var sources: [GDALDatasetH?] = [input.handle]
  var usageError: Int32 = 0
  let out = sources.withUnsafeMutableBufferPointer { buf in
    GDALWarp(outputPath, nil, 1, buf.baseAddress, options, &usageError)
  }
  guard let out else {
    throw outputFailure(
      lastGDALError("GDALWarp", path: sourcePath, fallback: "warp onto the grid failed"),
      source: sourcePath, output: outputPath)
  }
  CPLErrorReset()
  GDALClose(out)
  do {
    try checkNoRecordedFailure("GDALClose", path: outputPath)
  } catch {
    throw outputFailure(error, source: sourcePath, output: outputPath)
  }
}

/// A warp failure re-attributed to the output when it is a write failure (GDAL's message
/// speaks of writing or space, or the output's file system has less than 64 MiB free): the
/// error then names the output path and the free space, not the input raster.
func outputFailure(_ error: GDALError, source: String, output: String) -> GDALError {
  let lower = error.message.lowercased()
  let free = freeBytes(near: output)
  let writeWords = ["write", "space", "too large", "disk", "quota", "cannot create", "fwrite"]
  let isWrite = writeWords.contains { lower.contains($0) } || (free.map { $0 < 64 << 20 } ?? false)
  guard isWrite else { return error }
  let freeText = free.map { "\(formatBytes($0)) free on its file system" } ?? "free space unknown"
  return GDALError(
    severity: error.severity, number: error.number,
    message: "cannot write the warped copy of \(source) to \(output) (\(freeText)): "
      + error.message,
    function: error.function, path: output)
}

/// Bytes available to this user on the file system holding `path` (or its nearest existing
/// ancestor), from `statvfs`; nil for GDAL virtual paths or when it cannot be read.
public func freeBytes(near path: String) -> Int64? {
  guard !path.hasPrefix("/vsi") else { return nil }
  var dir = URL(fileURLWithPath: path)
  var info = statvfs()
  while true {
    if statvfs(dir.path, &info) == 0 { return Int64(info.f_bavail) * Int64(info.f_frsize) }
    if dir.path == "/" { return nil }
    dir.deleteLastPathComponent()
  }
}

/// A byte count for messages: "512 B", "3.2 MiB", "1.5 GiB".
public func formatBytes(_ n: Int64) -> String {
  if n < 1024 { return "\(n) B" }
  let units = ["KiB", "MiB", "GiB", "TiB"]
  var v = Double(n) / 1024
  var i = 0
  while v >= 1024 && i < units.count - 1 {
    v /= 1024
    i += 1
  }
  return String(format: "%.1f", v) + " " + units[i]
}

/// Runs gdal_translate's API on an open dataset (`GDALTranslate`) and closes the result.
///
/// - Throws: `GDALError` with GDAL's message.
func translate(_ source: RasterDataset, to path: String, arguments: [String]) throws(GDALError) {
  CPLErrorReset()
  let options: OpaquePointer? = withCStringList(arguments) { GDALTranslateOptionsNew($0, nil) }
  guard let options else { throw lastGDALError("GDALTranslateOptionsNew", path: source.path) }
  defer { GDALTranslateOptionsFree(options) }
  var usageError: Int32 = 0
  guard let out = GDALTranslate(path, source.handle, options, &usageError) else {
    throw lastGDALError("GDALTranslate", path: source.path)
  }
  CPLErrorReset()
  GDALClose(out)
  try checkNoRecordedFailure("GDALClose", path: path)
}
