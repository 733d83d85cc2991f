import Foundation
import PropertyBased
import Testing

@testable import GEPCore

/// Water conservation (水源涵养), GEP-METHODS §5.1.
@Suite("Water conservation formulas")
struct WaterConservationFormulaTests {
  @Test func runoffIsPrecipitationTimesCoefficient() {
    // Hand: 1000 mm × 0.0465 (常绿阔叶林 4.65 %, §11.1) = 46.5 mm; tolerance 1e-12 (0.0465 inexact).
    #expect(
      formulaIsClose(
        surfaceRunoff(precipitation: 1000, runoffCoefficient: 0.0465), 46.5, tolerance: 1e-12))
  }

  @Test func waterBalanceHandComputation() {
    // Hand: P = 1000 mm, α = 0.0465, ET = 600 mm → d = 1000 − 46.5 − 600 = 353.5 mm;
    // A = 2 hm² → 353.5 mm × 2 hm² × 10 m³/(mm·hm²) = 7070 m³. Tolerance 1e-9 m³ (α inexact).
    let q = waterConservation(
      precipitation: 1000, runoffCoefficient: 0.0465, evapotranspiration: 600, areaHectares: 2)
    #expect(formulaIsClose(q, 7070, tolerance: 1e-9))
    // Valued at 7.06 元/m³ [S1]: 7070 × 7.06 = 49 914.2 元.
    #expect(
      formulaIsClose(
        waterConservationValue(volume: q, reservoirUnitCost: 7.06), 49_914.2, tolerance: 1e-7))
  }

  @Test func negativeCellHandling() {
    // Hand: P = 500, α = 0.1, ET = 600 → 500 − 50 − 600 = −150 mm.
    // Default clamps to 0 (GEP-METHODS §12.6, UNCONFIRMED); `.keep` keeps −150.
    #expect(
      waterConservationDepth(precipitation: 500, runoffCoefficient: 0.1, evapotranspiration: 600)
        == 0)
    #expect(
      waterConservationDepth(
        precipitation: 500, runoffCoefficient: 0.1, evapotranspiration: 600, negativeCells: .keep)
        == -150)
  }

  /// Ganzi 2010 [S1]: 321.49 亿 m³ × 7.06 元/m³ = 2269.7194 vs published 2269.71 亿元.
  /// Tolerance: the quantity is rounded to 0.01 亿 m³ (±0.005 × 7.06 = ±0.0353 亿元) and the value
  /// to 0.01 亿元 (±0.005); the table's unrounded value 2269.7074 implies 321.4883 亿 m³.
  @Test func ganziWaterConservationValueReproduces() {
    let v = waterConservationValue(volume: 321.49 * formulaYi, reservoirUnitCost: 7.06)
    #expect(formulaIsClose(v / formulaYi, 2269.71, tolerance: 0.0353 + 0.005))
  }

  /// Property: linear in area, Q(k·A) = k·Q(A) (up to one rounding per multiplication).
  @Test func linearInArea() async {
    await propertyCheck(
      input: Gen.double(in: 0...3000), Gen.double(in: 0...0.3), Gen.double(in: 0...2000),
      Gen.double(in: 0...1e6)
    ) { p, alpha, et, area in
      let one = waterConservation(
        precipitation: p, runoffCoefficient: alpha, evapotranspiration: et, areaHectares: 1)
      let many = waterConservation(
        precipitation: p, runoffCoefficient: alpha, evapotranspiration: et, areaHectares: area)
      #expect(formulaIsClose(many, one * area, tolerance: 1e-12 * max(abs(one * area), 1)))
      #expect(many >= 0)
    }
  }
}
