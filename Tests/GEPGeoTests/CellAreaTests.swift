import Foundation
import GEPGeo
import Testing

@Suite struct CellAreaTests {
  @Test func projectedCellAreaIsPixelWidthTimesHeight() throws {
    // 30 m × 30 m cells in UTM: 900 m² on every row.
    let grid = try utmGrid(width: 5, height: 3)
    #expect(try cellAreasPerRow(grid) == [900, 900, 900])
  }

  /// The area of the band between latitudes φ1 and φ2 spanning Δλ radians of longitude on an
  /// ellipsoid with semi-minor axis b and eccentricity e (the authalic-latitude closed form,
  /// e.g. Snyder 1987, eq. 3-12; pygeoprocessing's `_m2_area_of_wg84_pixel`):
  ///
  ///     A = (b² Δλ / 2) · [q(φ2) − q(φ1)],
  ///     q(φ) = sin φ / (1 − e² sin² φ) + (1 / 2e) · ln((1 + e sin φ) / (1 − e sin φ)).
  ///
  /// A cell of a geographic raster is bounded by two parallels and two meridians, so this is
  /// its exact area. PROJ's `geod_polygonarea` joins the corners with geodesics instead of
  /// parallels; for a 3″ (1/1200°) cell the lens between a geodesic and its parallel is below
  /// 1e-10 of the cell, and the top and bottom lenses nearly cancel.
  func bandArea(lat1: Double, lat2: Double, dLonDegrees: Double) -> Double {
    let a = 6_378_137.0
    let f = 1 / 298.257223563
    let b = a * (1 - f)
    let e2 = f * (2 - f)
    let e = e2.squareRoot()
    func q(_ deg: Double) -> Double {
      let s = sin(deg * .pi / 180)
      return s / (1 - e2 * s * s) + 1 / (2 * e) * log((1 + e * s) / (1 - e * s))
    }
    return abs(b * b * (dLonDegrees * .pi / 180) / 2 * (q(lat2) - q(lat1)))
  }

  @Test func geodesicCellAreaOnWGS84MatchesTheClosedForm() throws {
    // A 3″ grid (≈ 92 m) whose first row spans 27°N + 1/1200° down to 27°N, in Guizhou.
    let cell = 1.0 / 1200
    let grid = Grid(
      crs: try SpatialReference(epsg: 4326),
      geoTransform: GeoTransform(
        originX: 108.5, pixelWidth: cell, originY: 27 + cell, pixelHeight: -cell),
      width: 10, height: 3)
    let areas = try cellAreasPerRow(grid)
    #expect(areas.count == 3)
    // Closed form for row 0 (lat 27 … 27 + 1/1200): 7637.327331473 m² (computed by the
    // formula above in double precision; an independent check gave the same digits).
    let expected0 = bandArea(lat1: 27, lat2: 27 + cell, dLonDegrees: cell)
    #expect(abs(expected0 - 7637.327331473) < 1e-6)
    #expect(abs(areas[0] - expected0) / expected0 < 1e-9)
    for row in 1..<3 {
      let top = 27 + cell - Double(row) * cell
      let e = bandArea(lat1: top - cell, lat2: top, dLonDegrees: cell)
      #expect(abs(areas[row] - e) / e < 1e-9)
    }
    // Rows further south are larger (cos φ grows).
    #expect(areas[2] > areas[1] && areas[1] > areas[0])
  }

  @Test func oneDegreeCellAtThirtyNorth() throws {
    // 30–31°N × 1°: closed form 10,642,393,438.9 m². A 1° cell is where geodesic edges and
    // parallels differ most; the lenses cancel to within 1e-5 of the area.
    let grid = Grid(
      crs: try SpatialReference(epsg: 4326),
      geoTransform: GeoTransform(originX: 100, pixelWidth: 1, originY: 31, pixelHeight: -1),
      width: 1, height: 1)
    let a = try cellAreasPerRow(grid)[0]
    let e = bandArea(lat1: 30, lat2: 31, dLonDegrees: 1)
    #expect(abs(e - 10_642_393_438.88) < 1)
    #expect(abs(a - e) / e < 1e-5)
  }
}
