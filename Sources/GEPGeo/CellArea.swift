internal import CPROJ

/// True cell areas of a grid, one value per row (m²), length = grid height.
///
/// - Geographic grids: the geodesic area on the CRS's ellipsoid of the quadrilateral bounded by
///   the row's two parallels and one cell's two meridians (PROJ's `geod_init`,
///   `geod_polygonarea`; Karney 2013), so a cell's area depends on its row only.
/// - Projected grids: |pixelWidth × pixelHeight| × metresPerUnit² (the planar area; a projected
///   CRS's scale error is not corrected, as in pygeoprocessing and InVEST).
///
/// - Throws: `GDALError` (number `notSupported`) for rotated grids, or for a CRS that is neither
///   geographic nor projected (e.g. a local engineering CRS), where no true area is known.
public func cellAreasPerRow(_ grid: Grid) throws(GDALError) -> [Double] {
  let t = grid.geoTransform
  guard t.isAxisAligned else {
    throw GDALError(
      number: GDALError.notSupported, message: "rotated geotransforms are not supported",
      function: "cellAreasPerRow", path: nil)
  }
  if grid.crs.isGeographic {
    var g = geod_geodesic()
    let f = grid.crs.inverseFlattening == 0 ? 0 : 1 / grid.crs.inverseFlattening
    geod_init(&g, grid.crs.semiMajor, f)
    var areas = [Double](repeating: 0, count: grid.height)
    let lon0 = t.originX
    let lon1 = t.originX + t.pixelWidth
    for row in 0..<grid.height {
      let latTop = t.originY + Double(row) * t.pixelHeight
      let latBottom = latTop + t.pixelHeight
      var lats = [latTop, latTop, latBottom, latBottom]
      var lons = [lon0, lon1, lon1, lon0]
      var area = 0.0
      var perimeter = 0.0
      geod_polygonarea(&g, &lats, &lons, 4, &area, &perimeter)
      areas[row] = abs(area)
    }
    return areas
  }
  if grid.crs.isProjected {
    let a = abs(t.pixelWidth * t.pixelHeight) * grid.crs.metresPerUnit * grid.crs.metresPerUnit
    return [Double](repeating: a, count: grid.height)
  }
  throw GDALError(
    number: GDALError.notSupported,
    message: "the CRS \(grid.crs) is neither geographic nor projected; cell areas are unknown",
    function: "cellAreasPerRow", path: nil)
}
