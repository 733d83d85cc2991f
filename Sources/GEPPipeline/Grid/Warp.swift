import Foundation
import GEPGeo

/// The raster on the analysis grid: the file itself when it already lies on the grid (same CRS,
/// geotransform and size), else a copy warped by GDAL (`warpRaster`, the input's resampling)
/// into `work`.
///
/// - Parameters:
///   - r: the raster input of the run file.
///   - grid: the analysis grid (the land use's).
///   - work: the run's work folder (inside the output staging folder).
///   - progress: receives a line per warped raster.
/// - Returns: the path and band to read on the grid.
/// - Throws: `GDALError` when the raster cannot be opened or warped (a full disk names the
///   temporary file and the free space).
func rasterOnGrid(_ r: RasterInput, grid: Grid, work: URL, progress: (String) -> Void) throws
  -> (path: String, band: Int)
{
  let ds = try RasterDataset(path: r.path)
  let declared = try r.crs.map { try SpatialReference(definition: $0) } ?? ds.spatialReference()
  if let crs = declared, try crs.isSame(as: grid.crs),
    try ds.geoTransform() == grid.geoTransform, ds.width == grid.width,
    ds.height == grid.height
  {
    return (r.path, r.band)
  }
  let out = work.appendingPathComponent("\(r.name).tif").path
  progress("warping \(r.name) onto the grid (\(r.resampling.rawValue))")
  try warpRaster(
    sourcePath: r.path, band: r.band, onto: grid, resampling: r.resampling, outputPath: out,
    sourceCRS: try r.crs.map { try SpatialReference(definition: $0) })
  return (out, 1)
}

/// The rasters a model reads, on the grid, in the model's role order; a slope the run does not
/// give is made from the DEM tile by tile inside the cell pass (`TileSlope`), so the DEM is
/// read in its slot.
///
/// - Parameters:
///   - roles: the model's roles (`CellModel.roles`).
///   - rasters: the run's rasters by role name, after derivations.
///   - grid, work, progress: as `rasterOnGrid`.
/// - Returns: the inputs of the cell pass, and whether the slope is made from the DEM.
/// - Throws: `GDALError` from `rasterOnGrid`.
func modelInputsOnGrid(
  roles: [RasterRole], rasters: [String: RasterInput], grid: Grid, work: URL,
  progress: (String) -> Void
) throws -> (paths: [(path: String, band: Int)], slopeFromDEMSlot: Int?) {
  var paths: [(path: String, band: Int)] = []
  var slopeSlot: Int? = nil
  for role in roles {
    if role == .slope && rasters["slope"] == nil, let dem = rasters["dem"] {
      slopeSlot = paths.count
      paths.append(try rasterOnGrid(dem, grid: grid, work: work, progress: progress))
    } else {
      // The model reads only roles the run provides (`RunConfiguration.availableRoles`).
      guard let r = rasters[role.rawValue] else {
        preconditionFailure("the model reads \(role.rawValue), which the run does not give")
      }
      paths.append(try rasterOnGrid(r, grid: grid, work: work, progress: progress))
    }
  }
  return (paths, slopeSlot)
}
