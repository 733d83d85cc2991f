import GEPGeo
import Testing

/// OGR geometries → exact coverage (`polygonRings`, `exactCellCoverage`, `ZoneCoverage`),
/// checked against GEOS clipping (`cellCoverage`, an independent implementation) and hand sums.
@Suite struct ZoneCoverageTests {
  /// x of column c and y of row r on `utmGrid` (30 m cells from (500 000, 3 000 000)).
  static func x(_ c: Double) -> Double { 500_000 + 30 * c }
  static func y(_ r: Double) -> Double { 3_000_000 - 30 * r }

  @Test func multipolygonWithHoleMatchesGEOSClipping() throws {
    let grid = try utmGrid(width: 12, height: 10)
    // Part 1: a skewed quadrilateral with a triangular hole; part 2: a sliver across cells.
    func ring(_ pts: [(Double, Double)]) -> String {
      "(" + (pts + [pts[0]]).map { "\(Self.x($0.0)) \(Self.y($0.1))" }.joined(separator: ", ")
        + ")"
    }
    let outer = ring([(0.3, 0.2), (7.7, 1.1), (6.2, 8.4), (0.9, 6.6)])
    let hole = ring([(2.5, 2.5), (4.1, 3.9), (2.2, 4.4)])
    let sliver = ring([(8.5, 0.5), (11.5, 9.5), (11.2, 9.6)])
    let wkt = "MULTIPOLYGON ((\(outer), \(hole)), (\(sliver)))"
    let g = try Geometry(wkt: wkt)
    let rings = g.polygonRings
    #expect(rings.count == 2 && rings[0].count == 2 && rings[1].count == 1)
    let exact = try exactCellCoverage(of: g, on: grid)
    let geos = try cellCoverage(of: g, on: grid)
    var a = [Double](repeating: 0, count: grid.width * grid.height)
    var b = a
    for c in exact { a[c.row * grid.width + c.col] = c.fraction }
    for c in geos { b[c.row * grid.width + c.col] = c.fraction }
    for i in a.indices {
      #expect(abs(a[i] - b[i]) < 1e-9, "row \(i / grid.width) col \(i % grid.width)")
    }
    // Σ f × 900 m² = the polygon's area (OGR_G_Area), all of it inside the grid.
    let total = exact.reduce(0) { $0 + $1.fraction } * 900
    #expect(abs(total - g.area) <= 1e-12 * g.area)
  }

  @Test func zonesShareCellsAndTheRemainderGoesOutside() throws {
    let grid = try utmGrid(width: 6, height: 4)
    // Zone 0: x ∈ [0, 2.5] cells, zone 1: x ∈ [2.5, 5.2], both rows 0…4 (the whole height).
    // Column 2: 0.5 + 0.5; column 5: zone 1 covers 0.2, the outside zone (9) the other 0.8;
    // column 0–1 and 3–4 are whole cells of one zone.
    func box(_ c0: Double, _ c1: Double) throws -> Geometry {
      try Geometry(
        wkt: "POLYGON ((\(Self.x(c0)) \(Self.y(0)), \(Self.x(c1)) \(Self.y(0)), "
          + "\(Self.x(c1)) \(Self.y(4)), \(Self.x(c0)) \(Self.y(4)), \(Self.x(c0)) \(Self.y(0))))")
    }
    let zc = try ZoneCoverage(
      grid: grid, geometries: [try box(0, 2.5), try box(2.5, 5.2)], zones: [0, 1], outside: 9)
    var whole = TileCoverage()
    zc.coverage(grid.fullWindow, into: &whole)
    for r in 0..<4 {
      func entries(_ c: Int) -> [(Int32, Double)] {
        let i = r * 6 + c
        return (Int(whole.start[i])..<Int(whole.start[i + 1])).map {
          (whole.zone[$0], whole.fraction[$0])
        }
      }
      #expect(entries(0).map(\.0) == [0] && entries(0)[0].1 == 1)
      #expect(entries(3).map(\.0) == [1] && entries(3)[0].1 == 1)
      #expect(entries(2).map(\.0) == [0, 1])
      #expect(abs(entries(2)[0].1 - 0.5) < 1e-12 && abs(entries(2)[1].1 - 0.5) < 1e-12)
      #expect(entries(5).map(\.0) == [1, 9])
      #expect(abs(entries(5)[0].1 - 0.2) < 1e-12 && abs(entries(5)[1].1 - 0.8) < 1e-12)
    }
    // A window of columns 2…5, rows 1…2: the same entries as in the whole grid.
    var part = TileCoverage()
    let win = RasterWindow(colOffset: 2, rowOffset: 1, width: 4, height: 2)
    zc.coverage(win, into: &part)
    for r in 0..<2 {
      for c in 0..<4 {
        let i = r * 4 + c
        let j = (r + 1) * 6 + c + 2
        let pe = Int(part.start[i])..<Int(part.start[i + 1])
        let we = Int(whole.start[j])..<Int(whole.start[j + 1])
        #expect(Array(part.zone[pe]) == Array(whole.zone[we]))
        #expect(Array(part.fraction[pe]) == Array(whole.fraction[we]))
      }
    }
  }
}
