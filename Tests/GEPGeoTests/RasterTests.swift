import Foundation
import GEPGeo
import Testing

/// A unique /vsimem/ path for one test (tests run in parallel in one process).
func memPath(_ name: String) -> String {
  "/vsimem/gepgeo-tests/\(UInt64.random(in: 0...UInt64.max))-\(name)"
}

/// A projected test grid: UTM zone 49N (EPSG:32649), origin (500000, 3000000), 30 m cells.
func utmGrid(width: Int, height: Int, cell: Double = 30) throws -> Grid {
  Grid(
    crs: try SpatialReference(epsg: 32649),
    geoTransform: GeoTransform(
      originX: 500_000, pixelWidth: cell, originY: 3_000_000, pixelHeight: -cell),
    width: width, height: height)
}

/// Writes `values` (row-major, width × height) to a new single-band Float64 GeoTIFF.
func writeRaster(
  _ values: [Double], grid: Grid, noData: Double? = nil, type: RasterDataType = .float64,
  name: String = "r.tif"
) throws -> String {
  let path = memPath(name)
  let w = try RasterWriter(path: path, grid: grid, dataType: type, noData: noData, blockSize: 16)
  try w.write(values, window: grid.fullWindow)
  try w.close()
  return path
}

@Suite struct RasterTests {
  @Test func roundTripKeepsValuesNoDataAndNaN() throws {
    let grid = try utmGrid(width: 3, height: 2)
    // Row-major 3×2: the nodata value −9999 at (col 1, row 0), NaN at (col 2, row 1).
    let values: [Double] = [1.5, -9999, 3, 4, 5.25, .nan]
    let path = try writeRaster(values, grid: grid, noData: -9999)
    defer { try? GDAL.unlink(path) }
    let ds = try RasterDataset(path: path)
    #expect(ds.width == 3 && ds.height == 2 && ds.bandCount == 1)
    #expect(ds.driverName == "GTiff")
    let band = try ds.band(1)
    #expect(band.dataType == .float64)
    #expect(band.noDataValue == -9999)
    #expect(band.blockSize.width == 16 && band.blockSize.height == 16)
    var out = [Double](repeating: 0, count: 6)
    var valid = [Bool](repeating: true, count: 6)
    try band.readMasked(grid.fullWindow, values: &out, valid: &valid)
    #expect(valid == [true, false, true, true, true, false])
    #expect(out[0] == 1.5 && out[2] == 3 && out[3] == 4 && out[4] == 5.25)
    // A window: column 1–2 of row 1 → [5.25, NaN].
    var f = [Float](repeating: 0, count: 2)
    var fv = [Bool](repeating: true, count: 2)
    try band.readMasked(
      RasterWindow(colOffset: 1, rowOffset: 1, width: 2, height: 1), values: &f, valid: &fv)
    #expect(f[0] == 5.25 && fv == [true, false])
  }

  @Test func noNoDataSetIsNilAndOutOfRangeNoDataIsFlagged() throws {
    let grid = try utmGrid(width: 2, height: 1)
    let p1 = try writeRaster([1, 2], grid: grid, noData: nil, type: .byte)
    defer { try? GDAL.unlink(p1) }
    #expect(try RasterDataset(path: p1).band(1).noDataValue == nil)
    // −128 on a Byte band (the Dianbu land-use quirk): declared, but no cell can equal it.
    let p2 = try writeRaster([1, 2], grid: grid, noData: -128, type: .byte)
    defer { try? GDAL.unlink(p2) }
    let b = try RasterDataset(path: p2).band(1)
    #expect(b.noDataValue == -128)
    #expect(b.noDataOutOfRange)
    var v = [Double](repeating: 0, count: 2)
    var ok = [Bool](repeating: false, count: 2)
    try b.readMasked(grid.fullWindow, values: &v, valid: &ok)
    #expect(ok == [true, true])
  }

  @Test func geoTransformAndCRSFacts() throws {
    let grid = try utmGrid(width: 4, height: 5)
    let path = try writeRaster([Double](repeating: 0, count: 20), grid: grid)
    defer { try? GDAL.unlink(path) }
    let ds = try RasterDataset(path: path)
    let t = try ds.geoTransform()
    #expect(t.originX == 500_000 && t.originY == 3_000_000)
    #expect(t.pixelWidth == 30 && t.pixelHeight == -30 && t.isAxisAligned)
    let crs = try #require(try ds.spatialReference())
    #expect(crs.epsg == 32649)
    #expect(crs.isProjected && !crs.isGeographic)
    #expect(crs.metresPerUnit == 1)
    let g = try ds.grid()
    #expect(g.bounds.minX == 500_000 && g.bounds.maxX == 500_120)
    #expect(g.bounds.minY == 2_999_850 && g.bounds.maxY == 3_000_000)
    let geo = try SpatialReference(epsg: 4326)
    #expect(geo.isGeographic && geo.epsg == 4326)
    #expect(geo.semiMajor == 6_378_137)
    #expect(abs(geo.inverseFlattening - 298.257223563) < 1e-9)
  }

  @Test func traditionalAxisOrderLonLat() throws {
    // UTM 49N has its central meridian at 111°E: (lon 111, lat 0) maps to exactly
    // (500000, 0). With authority (lat, lon) order the point would be far off.
    let t = try CoordinateTransformation(
      from: try SpatialReference(epsg: 4326), to: try SpatialReference(epsg: 32649))
    var x = [111.0]
    var y = [0.0]
    try t.transform(x: &x, y: &y)
    #expect(abs(x[0] - 500_000) < 1e-6)
    #expect(abs(y[0]) < 1e-6)
  }

  @Test func missingCorruptAndWrongKindFilesNameThePath() throws {
    do {
      _ = try RasterDataset(path: "/nonexistent/land-use.tif")
      Issue.record("opening a missing file must fail")
    } catch {
      #expect(error.number == GDALError.openFailed)
      #expect(error.path == "/nonexistent/land-use.tif")
      #expect(error.function == "GDALOpenEx")
      #expect(error.message.contains("No such file or directory"))
    }
    let corrupt = memPath("corrupt.tif")
    try GDAL.writeFile(corrupt, bytes: Array("II*\0 this is not a TIFF".utf8))
    defer { try? GDAL.unlink(corrupt) }
    do {
      _ = try RasterDataset(path: corrupt)
      Issue.record("opening a corrupt file must fail")
    } catch {
      #expect(error.path == corrupt)
      #expect(!error.message.isEmpty)
      #expect(error.description.contains(corrupt))
    }
    let vector = memPath("units.geojson")
    try GDAL.writeFile(
      vector,
      bytes: Array(
        #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]}"#
          .utf8))
    defer { try? GDAL.unlink(vector) }
    do {
      _ = try RasterDataset(path: vector)
      Issue.record("a vector opened as a raster must fail")
    } catch {
      #expect(error.number == GDALError.openFailed)
      #expect(error.path == vector)
      #expect(error.message.contains("not recognized as a supported file format"))
    }
  }

  @Test func windowOutsideTheRasterAndShortBufferAreErrors() throws {
    let grid = try utmGrid(width: 2, height: 2)
    let path = try writeRaster([1, 2, 3, 4], grid: grid)
    defer { try? GDAL.unlink(path) }
    let band = try RasterDataset(path: path).band(1)
    var buf = [Double](repeating: 0, count: 4)
    #expect(throws: GDALError.self) {
      try band.read(RasterWindow(colOffset: 1, rowOffset: 0, width: 2, height: 2), into: &buf)
    }
    var short = [Double](repeating: 0, count: 3)
    #expect(throws: GDALError.self) { try band.read(grid.fullWindow, into: &short) }
    #expect(throws: GDALError.self) { _ = try RasterDataset(path: path).band(2) }
  }

  @Test func writerCloseReportsFailure() throws {
    // A directory that does not exist: GDALCreate fails with GDAL's message and the path.
    let grid = try utmGrid(width: 2, height: 2)
    #expect(throws: GDALError.self) {
      _ = try RasterWriter(
        path: "/nonexistent-dir/out.tif", grid: grid, dataType: .float32, noData: nil)
    }
  }
}

@Suite struct SpatialReferenceTests {
  @Test func equivalentDefinitionsAreTheSameCRS() throws {
    // EPSG:4528 (CGCS2000 / 3-degree Gauss-Kruger zone 40) and its own WKT with every
    // AUTHORITY node removed describe the same CRS; EPSG:4549 (CM 120E without the zone prefix
    // in the false easting) does not.
    let a = try SpatialReference(epsg: 4528)
    var wkt = a.wkt
    while let r = wkt.range(of: #",AUTHORITY\["[A-Z]+","[0-9]+"\]"#, options: .regularExpression) {
      wkt.removeSubrange(r)
    }
    #expect(!wkt.contains("AUTHORITY"))
    let b = try SpatialReference(definition: wkt)
    #expect(try a.isSame(as: b))
    #expect(try !a.isSame(as: try SpatialReference(epsg: 4549)))
  }
}
