internal import CGDAL

/// Computes terrain slope in degrees from a DEM with GDAL's DEM processing (Horn's 3×3
/// method; `GDALDEMProcessing` "slope", the gdaldem API) and writes it as a tiled GeoTIFF
/// (Float32, nodata −9999; edge cells computed with `-compute_edges`).
///
/// - Parameters:
///   - demPath: the DEM (elevation in metres).
///   - outputPath: the slope raster to write.
///   - geographic: true when the DEM is on a geographic grid: GDAL then needs the ratio of
///     vertical to horizontal units, 111 120 m per degree (`-s 111120`), an approximation that
///     is exact in the north–south direction only.
/// - Throws: `GDALError` with GDAL's message.
public func demSlope(demPath: String, outputPath: String, geographic: Bool) throws(GDALError) {
  let dem = try RasterDataset(path: demPath)
  var args = [
    "-of", "GTiff", "-compute_edges", "-co", "TILED=YES", "-co", "COMPRESS=NONE",
  ]
  if geographic { args += ["-s", "111120"] }
  CPLErrorReset()
  let options: OpaquePointer? = withCStringList(args) { GDALDEMProcessingOptionsNew($0, nil) }
  guard let options else { throw lastGDALError("GDALDEMProcessingOptionsNew", path: demPath) }
  defer { GDALDEMProcessingOptionsFree(options) }
  var usageError: Int32 = 0
  guard
    let out = GDALDEMProcessing(outputPath, dem.handle, "slope", nil, options, &usageError)
  else {
    throw lastGDALError("GDALDEMProcessing", path: demPath)
  }
  CPLErrorReset()
  GDALClose(out)
  try checkNoRecordedFailure("GDALClose", path: outputPath)
}
