import Foundation
import GEPCore
import Testing

/// Three stations A (0, 0) = 10, B (10, 0) = 20, C (0, 10) = 40 (planar units).
private let threeStations = [
  StationPoint(id: "A", x: 0, y: 0, value: 10), StationPoint(id: "B", x: 10, y: 0, value: 20),
  StationPoint(id: "C", x: 0, y: 10, value: 40),
]

@Suite struct InterpolationFormulaTests {
  /// Point (1, 1): d² = 2, 82, 82 → w = 1/2, 1/82, 1/82 (p = 2);
  /// v = (5 + 20/82 + 40/82)/(0.5 + 2/82) = 5.731707/0.524390 = 10.930233.
  /// Point (2, 6): d² = 40, 100, 20 → w = 0.025, 0.01, 0.05; v = 2.45/0.085 = 28.823529.
  /// Point (5, 5): all d² = 50 → the mean 23.333333. On B → 20 exactly.
  @Test func inverseDistanceOnThreeStations() {
    let idw = StationInterpolation.inverseDistance(power: 2)
    func at(_ x: Double, _ y: Double) -> Double {
      interpolateStations(x: x, y: y, stations: threeStations, method: idw)
    }
    #expect(formulaIsClose(at(1, 1), 10.930232558, tolerance: 1e-8))
    #expect(formulaIsClose(at(2, 6), 28.823529412, tolerance: 1e-8))
    #expect(formulaIsClose(at(5, 5), 70.0 / 3, tolerance: 1e-9))
    #expect(at(10, 0) == 20)
  }

  /// Thiessen: (1, 1) → A; (2, 6) → C (d² 20 < 40 < 100); (9, 2) → B; (5, 5) is equidistant
  /// from all three → the first listed, A.
  @Test func nearestOnThreeStations() {
    func at(_ x: Double, _ y: Double) -> Double {
      interpolateStations(x: x, y: y, stations: threeStations, method: .nearest)
    }
    #expect(at(1, 1) == 10)
    #expect(at(2, 6) == 40)
    #expect(at(9, 2) == 20)
    #expect(at(5, 5) == 10)
  }

  /// Grid form: 2 × 2 cell centres (1, 1), (9, 1) / (1, 9), (9, 9), nearest:
  /// A, B / C, and (9, 9) is equidistant from B and C → B (listed first).
  @Test func gridIsRowMajor() {
    let v = interpolateStationsOnGrid(
      stations: threeStations, xs: [1, 9], ys: [1, 9], method: .nearest)
    #expect(v == [10, 20, 40, 20])
  }

  /// Great circle: 1° of longitude on the equator of a sphere of radius R is R π/180
  /// (6 371 008.8 m → 111 195.08 m); 1° of longitude at 60° N is half of that.
  @Test func greatCircleDistance() {
    let d = StationDistance.greatCircle(radius: 6_371_008.8)
    #expect(formulaIsClose(d.between(0, 0, 1, 0), 111_195.08, tolerance: 0.01))
    #expect(formulaIsClose(d.between(0, 60, 1, 60), 55_597.1, tolerance: 5))
  }
}
