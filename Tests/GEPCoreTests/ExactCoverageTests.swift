import Foundation
import Testing

@testable import GEPCore

/// Exact coverage fractions (`CoverageShape`, signed-area accumulation): hand-computed cases
/// and an independent implementation (Sutherland–Hodgman clipping of the polygon to each cell
/// square, shoelace area), on the project's usual north-up lattice.
@Suite("Exact coverage")
struct ExactCoverageTests {
  /// A north-up lattice with 10 m cells far from the CRS origin (digits matter there).
  static let lattice = CoverageLattice(
    originX: 500_000, originY: 3_400_000, cellWidth: 10, cellHeight: -10)

  /// A point given in cell units (column, row) → CRS coordinates on `lattice`.
  static func pt(_ c: Double, _ r: Double) -> (x: Double, y: Double) {
    (500_000 + 10 * c, 3_400_000 - 10 * r)
  }

  /// Dense fractions of the window rows × cols, row-major (missing cells 0).
  static func dense(_ spans: [CoverageSpan], rows: Range<Int>, cols: Range<Int>) -> [[Double]] {
    var out = [[Double]](
      repeating: [Double](repeating: 0, count: cols.count), count: rows.count)
    for s in spans {
      for c in s.col..<(s.col + s.count) {
        #expect(out[s.row - rows.lowerBound][c - cols.lowerBound] == 0, "a cell appears once")
        out[s.row - rows.lowerBound][c - cols.lowerBound] = s.fraction
      }
    }
    return out
  }

  static func total(_ spans: [CoverageSpan]) -> Double {
    spans.reduce(0) { $0 + $1.fraction * Double($1.count) }
  }

  @Test func squareOfTwoAndAHalfByThreeAndAHalfCells() {
    // Columns 0.5…3.0, rows 0.5…4.0 (2.5 × 3.5 cells = 8.75 cells = 875 m²).
    // Row 0 (half a row tall): col 0 → 0.5 × 0.5 = 0.25, cols 1–2 → 0.5, col 3 → 0.
    // Rows 1–3: col 0 → 0.5, cols 1–2 → 1 (an interior run).
    let shape = CoverageShape(
      polygons: [[[Self.pt(0.5, 0.5), Self.pt(3, 0.5), Self.pt(3, 4), Self.pt(0.5, 4)]]],
      lattice: Self.lattice)
    let spans = shape.coverage(rows: 0..<5, cols: 0..<4)
    let d = Self.dense(spans, rows: 0..<5, cols: 0..<4)
    let want: [[Double]] = [
      [0.25, 0.5, 0.5, 0], [0.5, 1, 1, 0], [0.5, 1, 1, 0], [0.5, 1, 1, 0], [0, 0, 0, 0],
    ]
    for r in 0..<5 {
      for c in 0..<4 { #expect(abs(d[r][c] - want[r][c]) < 1e-12, "row \(r) col \(c)") }
    }
    #expect(abs(Self.total(spans) - 8.75) < 1e-12)
    // Interior cells come as runs: rows 1–3 each hold one run of 2 cells of weight 1.
    #expect(spans.filter { $0.count == 2 && $0.fraction == 1 }.map(\.row) == [1, 2, 3])
  }

  @Test func triangle() {
    // Vertices (col, row) (0,0), (3,0), (0,1.5): hypotenuse u + 2v = 3, area 2.25 cells.
    // Row 0: col 0 whole (1); col 1: ∫₁² (3−u)/2 du = 0.75; col 2: ∫₂³ (3−u)/2 du = 0.25.
    // Row 1 (v ∈ [1, 1.5]): col 0: ∫₁^1.5 (3 − 2v) dv = 2.25 − 2 = 0.25.
    let shape = CoverageShape(
      polygons: [[[Self.pt(0, 0), Self.pt(3, 0), Self.pt(0, 1.5)]]], lattice: Self.lattice)
    let d = Self.dense(shape.coverage(rows: 0..<2, cols: 0..<3), rows: 0..<2, cols: 0..<3)
    let want: [[Double]] = [[1, 0.75, 0.25], [0.25, 0, 0]]
    for r in 0..<2 {
      for c in 0..<3 { #expect(abs(d[r][c] - want[r][c]) < 1e-12, "row \(r) col \(c)") }
    }
  }

  @Test func polygonWithAHoleInEitherOrientation() {
    // Exterior: the 4 × 4 cells (0,0)–(4,4); hole (1.5,1.5)–(2.5,2.5) takes a quarter of
    // cells (1,1), (1,2), (2,1), (2,2): those are 0.75, the other 12 cells 1; total 15.
    let outer = [Self.pt(0, 0), Self.pt(4, 0), Self.pt(4, 4), Self.pt(0, 4)]
    let hole = [Self.pt(1.5, 1.5), Self.pt(2.5, 1.5), Self.pt(2.5, 2.5), Self.pt(1.5, 2.5)]
    for rings in [[outer, hole], [outer, hole.reversed()], [outer.reversed(), hole]] {
      let shape = CoverageShape(polygons: [rings], lattice: Self.lattice)
      let d = Self.dense(shape.coverage(rows: 0..<4, cols: 0..<4), rows: 0..<4, cols: 0..<4)
      for r in 0..<4 {
        for c in 0..<4 {
          let want = (1...2).contains(r) && (1...2).contains(c) ? 0.75 : 1
          #expect(abs(d[r][c] - want) < 1e-12, "row \(r) col \(c)")
        }
      }
      #expect(abs(shape.areaInCells - 15) < 1e-12)
    }
  }

  @Test func windowsSplitAPolygonIntoPartsThatSumToTheWhole() {
    // An irregular hexagon across cols 0…12, rows 0…9; the whole window against 4 windows
    // split at column 5 and row 4: same cells, bit-identical fractions.
    let ring = [
      Self.pt(0.3, 2.2), Self.pt(4.7, 0.1), Self.pt(11.6, 1.9), Self.pt(9.05, 8.8),
      Self.pt(5.0, 4.0), Self.pt(1.1, 7.3),
    ]
    let shape = CoverageShape(polygons: [[ring]], lattice: Self.lattice)
    let whole = Self.dense(shape.coverage(rows: 0..<10, cols: 0..<13), rows: 0..<10, cols: 0..<13)
    var parts = [[Double]](repeating: [Double](repeating: 0, count: 13), count: 10)
    for rows in [0..<4, 4..<10] {
      for cols in [0..<5, 5..<13] {
        for s in shape.coverage(rows: rows, cols: cols) {
          #expect(
            rows.contains(s.row) && cols.contains(s.col) && cols.contains(s.col + s.count - 1))
          for c in s.col..<(s.col + s.count) { parts[s.row][c] = s.fraction }
        }
      }
    }
    #expect(parts == whole)
    var sum = 0.0
    for row in whole { sum += row.reduce(0, +) }
    #expect(abs(sum - shape.areaInCells) < 1e-12 * shape.areaInCells)
  }

  @Test func unitSmallerThanACell() {
    // 0.3 × 0.2 cells inside cell (row 3, col 2): one span, fraction 0.06.
    let small = CoverageShape(
      polygons: [[[Self.pt(2.1, 3.4), Self.pt(2.4, 3.4), Self.pt(2.4, 3.6), Self.pt(2.1, 3.6)]]],
      lattice: Self.lattice)
    let spans = small.coverage(rows: 0..<10, cols: 0..<10)
    #expect(spans.count == 1)
    #expect(spans.first?.row == 3 && spans.first?.col == 2 && spans.first?.count == 1)
    #expect(abs((spans.first?.fraction ?? 0) - 0.06) < 1e-12)
    // 0.4 × 0.3 cells over a cell corner (cols 0.9…1.3, rows 0.9…1.2):
    // (0,0) 0.1·0.1 = 0.01, (0,1) 0.3·0.1 = 0.03, (1,0) 0.1·0.2 = 0.02, (1,1) 0.3·0.2 = 0.06.
    let corner = CoverageShape(
      polygons: [[[Self.pt(0.9, 0.9), Self.pt(1.3, 0.9), Self.pt(1.3, 1.2), Self.pt(0.9, 1.2)]]],
      lattice: Self.lattice)
    let d = Self.dense(corner.coverage(rows: 0..<2, cols: 0..<2), rows: 0..<2, cols: 0..<2)
    let want: [[Double]] = [[0.01, 0.03], [0.02, 0.06]]
    for r in 0..<2 {
      for c in 0..<2 { #expect(abs(d[r][c] - want[r][c]) < 1e-12, "row \(r) col \(c)") }
    }
  }

  @Test func twoUnitsSharingADiagonalEdgeSumToOnePerCell() {
    // The 6 × 5 cells (0,0)–(6,5) cut by the line from (0, 0.37) to (6, 4.81): the two parts
    // traverse the shared edge in opposite directions; every cell's fractions sum to 1.
    let a = CoverageShape(
      polygons: [[[Self.pt(0, 0), Self.pt(6, 0), Self.pt(6, 4.81), Self.pt(0, 0.37)]]],
      lattice: Self.lattice)
    let b = CoverageShape(
      polygons: [[[Self.pt(0, 0.37), Self.pt(6, 4.81), Self.pt(6, 5), Self.pt(0, 5)]]],
      lattice: Self.lattice)
    let da = Self.dense(a.coverage(rows: 0..<5, cols: 0..<6), rows: 0..<5, cols: 0..<6)
    let db = Self.dense(b.coverage(rows: 0..<5, cols: 0..<6), rows: 0..<5, cols: 0..<6)
    for r in 0..<5 {
      for c in 0..<6 {
        #expect(abs(da[r][c] + db[r][c] - 1) < 1e-13, "row \(r) col \(c)")
      }
    }
  }

  /// A deterministic generator (SplitMix64) for the random cases.
  struct SplitMix {
    var state: UInt64
    mutating func next() -> Double {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      z ^= z >> 31
      return Double(z >> 11) / Double(1 << 53)
    }
  }

  /// A random simple ring around (cx, cy) in cell units, star-shaped about the centre: n ≥ 8
  /// jittered angles (gaps < 1.8 · 2π / n ≤ 0.45 π) and radii in [0.3, 1] · radius, so it
  /// contains the disc of radius 0.3 · cos(0.225 π) · radius ≈ 0.23 · radius about the centre.
  static func starRing(_ g: inout SplitMix, cx: Double, cy: Double, radius: Double, n: Int)
    -> [(x: Double, y: Double)]
  {
    precondition(n >= 8)
    let angles = (0..<n).map { (Double($0) + 0.8 * g.next()) / Double(n) * 2 * Double.pi }
    return angles.map { t in
      let r = radius * (0.3 + 0.7 * g.next())
      return pt(cx + r * cos(t), cy + r * sin(t))
    }
  }

  /// Shoelace area of a ring in CRS units² (absolute).
  static func ringArea(_ ring: [(x: Double, y: Double)]) -> Double {
    let x0 = ring[0].x
    let y0 = ring[0].y
    var a = 0.0
    for i in ring.indices {
      let p = ring[i]
      let q = ring[(i + 1) % ring.count]
      a += (p.x - x0) * (q.y - y0) - (q.x - x0) * (p.y - y0)
    }
    return abs(a) / 2
  }

  /// Independent check: Sutherland–Hodgman clipping of a ring (in cell units) to the square
  /// [c, c+1] × [r, r+1], then its shoelace area (valid for any simple subject ring clipped
  /// to a convex window).
  static func clippedArea(_ ring: [(Double, Double)], col c: Int, row r: Int) -> Double {
    var poly = ring
    let bounds: [(Int, Double, Bool)] = [
      (0, Double(c), true), (0, Double(c + 1), false), (1, Double(r), true),
      (1, Double(r + 1), false),
    ]
    for (axis, limit, keepAbove) in bounds {
      guard !poly.isEmpty else { break }
      var out: [(Double, Double)] = []
      func inside(_ p: (Double, Double)) -> Bool {
        let v = axis == 0 ? p.0 : p.1
        return keepAbove ? v >= limit : v <= limit
      }
      func cut(_ p: (Double, Double), _ q: (Double, Double)) -> (Double, Double) {
        let pv = axis == 0 ? p.0 : p.1
        let qv = axis == 0 ? q.0 : q.1
        let t = (limit - pv) / (qv - pv)
        return (p.0 + t * (q.0 - p.0), p.1 + t * (q.1 - p.1))
      }
      for i in poly.indices {
        let p = poly[i]
        let q = poly[(i + 1) % poly.count]
        if inside(q) {
          if !inside(p) { out.append(cut(p, q)) }
          out.append(q)
        } else if inside(p) {
          out.append(cut(p, q))
        }
      }
      poly = out
    }
    guard poly.count >= 3 else { return 0 }
    var a = 0.0
    for i in poly.indices {
      let p = poly[i]
      let q = poly[(i + 1) % poly.count]
      a += p.0 * q.1 - q.0 * p.1
    }
    return abs(a) / 2
  }

  @Test func randomPolygonsAreaAndClippingAgree() {
    var g = SplitMix(state: 15)
    for trial in 0..<40 {
      let cx = 5 + g.next() * 30
      let cy = 5 + g.next() * 30
      let radius = 0.2 + g.next() * (trial % 4 == 0 ? 1 : 12)
      let outer = Self.starRing(&g, cx: cx, cy: cy, radius: radius, n: 8 + Int(g.next() * 40))
      // A small hole around the centre in every other trial (its vertices within 0.15 · radius
      // of the centre, inside the disc the ring contains).
      var rings = [outer]
      if trial % 2 == 1 {
        rings.append(
          [
            Self.pt(cx - 0.1 * radius, cy - 0.1 * radius), Self.pt(cx + 0.1 * radius, cy),
            Self.pt(cx, cy + 0.12 * radius),
          ])
      }
      let shape = CoverageShape(polygons: [rings], lattice: Self.lattice)
      let spans = shape.coverage(rows: -5..<60, cols: -5..<60)
      let area = Self.ringArea(outer) - (rings.count > 1 ? Self.ringArea(rings[1]) : 0)
      let covered = Self.total(spans) * Self.lattice.cellArea
      #expect(abs(covered - area) <= 1e-12 * area, "trial \(trial): \(covered) vs \(area)")
      for s in spans { #expect(s.fraction > 0 && s.fraction <= 1) }
      // Per cell against clipping (only for the ring without hole: clipping is per ring).
      if rings.count == 1 {
        let local = outer.map { (($0.x - 500_000) / 10, (3_400_000 - $0.y) / 10) }
        let d = Self.dense(spans, rows: -5..<60, cols: -5..<60)
        for r in shape.rows {
          for c in shape.cols {
            let want = Self.clippedArea(local, col: c, row: r)
            #expect(abs(d[r + 5][c + 5] - want) < 1e-9, "trial \(trial) row \(r) col \(c)")
          }
        }
      }
    }
  }
}
