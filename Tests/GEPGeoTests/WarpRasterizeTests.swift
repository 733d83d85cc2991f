import GEPGeo
import Testing

@Suite struct WarpTests {
  /// Source: 4×4 UTM grid, 30 m cells, value = 10·row + col (row-major):
  ///
  ///      0  1  2  3
  ///     10 11 12 13
  ///     20 21 22 23
  ///     30 31 32 33
  func source() throws -> (path: String, grid: Grid) {
    let grid = try utmGrid(width: 4, height: 4)
    var v: [Double] = []
    for r in 0..<4 { for c in 0..<4 { v.append(Double(10 * r + c)) } }
    return (try writeRaster(v, grid: grid, noData: -1), grid)
  }

  @Test func nearestOntoAGridShiftedByOneCell() throws {
    let (src, grid) = try source()
    defer { try? GDAL.unlink(src) }
    // Target: 3×3, origin one cell east and one cell south of the source's. Target cell
    // (c, r) is source cell (c + 1, r + 1); the last column and row fall outside → NaN.
    var target = grid
    target.geoTransform.originX += 30
    target.geoTransform.originY -= 30
    target.width = 4
    target.height = 4
    let out = memPath("shifted.tif")
    defer { try? GDAL.unlink(out) }
    try warpRaster(sourcePath: src, onto: target, resampling: .nearest, outputPath: out)
    let band = try RasterDataset(path: out).band(1)
    var v = [Double](repeating: 0, count: 16)
    var ok = [Bool](repeating: false, count: 16)
    try band.readMasked(target.fullWindow, values: &v, valid: &ok)
    #expect(Array(v[0..<3]) == [11, 12, 13])
    #expect(Array(v[4..<7]) == [21, 22, 23])
    #expect(Array(v[8..<11]) == [31, 32, 33])
    #expect(ok[3] == false && ok[12] == false && ok[15] == false)
    #expect(ok[0] && ok[10])
  }

  @Test func averageOntoACoarserGrid() throws {
    let (src, grid) = try source()
    defer { try? GDAL.unlink(src) }
    // Target: 2×2 cells of 60 m over the same extent; each is the mean of a 2×2 block:
    // (0+1+10+11)/4 = 5.5, (2+3+12+13)/4 = 7.5, (20+21+30+31)/4 = 25.5, (22+23+32+33)/4 = 27.5.
    var target = grid
    target.geoTransform.pixelWidth = 60
    target.geoTransform.pixelHeight = -60
    target.width = 2
    target.height = 2
    let out = memPath("coarse.tif")
    defer { try? GDAL.unlink(out) }
    try warpRaster(sourcePath: src, onto: target, resampling: .average, outputPath: out)
    let v = try RasterDataset(path: out).band(1).read(target.fullWindow)
    #expect(v == [5.5, 7.5, 25.5, 27.5])
  }

  @Test func sourceNoDataStaysNoData() throws {
    let grid = try utmGrid(width: 2, height: 1)
    let src = try writeRaster([7, -1], grid: grid, noData: -1)
    defer { try? GDAL.unlink(src) }
    let out = memPath("nd.tif")
    defer { try? GDAL.unlink(out) }
    try warpRaster(sourcePath: src, onto: grid, resampling: .nearest, outputPath: out)
    let v = try RasterDataset(path: out).band(1).read(grid.fullWindow)
    #expect(v[0] == 7)
    #expect(v[1].isNaN)
  }
}

@Suite struct RasterizeTests {
  @Test func twoAdjacentSquaresGetExactCellCounts() throws {
    // 10×10 grid of 30 m cells from (500000, 3000000). Square A covers columns 0–3
    // (x 500000…500120), square B columns 4–9 (x 500120…500300), both rows 0–9
    // (y 2999700…3000000); every cell centre is strictly inside one square. A: 4×10 = 40
    // cells, B: 6×10 = 60. A third polygon far away burns nothing.
    let grid = try utmGrid(width: 10, height: 10)
    let a = try Geometry(
      wkt: "POLYGON((500000 3000000,500120 3000000,500120 2999700,500000 2999700,500000 3000000))")
    let b = try Geometry(
      wkt: "POLYGON((500120 3000000,500300 3000000,500300 2999700,500120 2999700,500120 3000000))")
    let far = try Geometry(wkt: "POLYGON((0 0,1 0,1 1,0 1,0 0))")
    let r = ZoneRasterizer(grid: grid, geometries: [a, b, far], zones: [0, 1, 2])
    let zones = try r.rasterize(grid.fullWindow)
    #expect(zones.filter { $0 == 0 }.count == 40)
    #expect(zones.filter { $0 == 1 }.count == 60)
    #expect(zones.filter { $0 == 2 }.count == 0)
    #expect(zones[3] == 0 && zones[4] == 1)
    // Windows give the same cells as the whole grid, whatever the window.
    let win = RasterWindow(colOffset: 2, rowOffset: 5, width: 4, height: 3)
    let part = try r.copy().rasterize(win)
    for row in 0..<3 {
      for col in 0..<4 {
        #expect(part[row * 4 + col] == zones[(row + 5) * 10 + col + 2])
      }
    }
  }

  @Test func cellCentreRuleAndOutsideValue() throws {
    // A triangle covering the lower-left half of a 2×2 grid of 30 m cells: the centres
    // (15, 45), (45, 45), (15, 15), (45, 15) relative to the origin's column/row. The triangle
    // (0,0)-(60,0)-(0,60) in local coordinates contains the centre (15, 15) and the centres
    // on its hypotenuse x + y = 60 ((15,45), (45,15)) only if GDAL counts boundary points;
    // GDAL's scan-line rule takes the centre strictly inside, so (45, 45) is out for sure.
    let grid = try utmGrid(width: 2, height: 2)
    let x0 = 500_000.0
    let y0 = 2_999_940.0
    let tri = try Geometry(
      wkt: "POLYGON((\(x0) \(y0),\(x0 + 60) \(y0),\(x0) \(y0 + 60),\(x0) \(y0)))")
    let zones = try ZoneRasterizer(grid: grid, geometries: [tri], zones: [7], outside: -9)
      .rasterize(grid.fullWindow)
    // Row 1 (southern), column 0 is centre (15, 15): inside. Row 0, column 1 is (45, 45): out.
    #expect(zones[2] == 7)
    #expect(zones[1] == -9)
  }
}
