import Foundation
import Testing

@testable import GEPCore

/// Unit-conversion constants (GEP-METHODS §3.3): each checked against its unit arithmetic.
@Suite("Unit conversions")
struct UnitsFormulaTests {
  @Test func areaConversionsAreConsistent() {
    // 1 km² = 100 hm² = 10⁶ m²; 1 hm² = 10⁴ m² → 100 × 10⁴ = 10⁶ (exact in Double).
    #expect(
      UnitConversion.hectaresPerSquareKilometre * UnitConversion.squareMetresPerHectare
        == UnitConversion.squareMetresPerSquareKilometre)
    // 1 hm² = 15 亩.
    #expect(UnitConversion.muPerHectare == 15)
  }

  @Test func depthTimesAreaGivesVolume() {
    // 1 mm × 1 m² = 0.001 m³; × 10⁴ m²/hm² = 10 m³; × 10⁶ m²/km² = 1000 m³.
    // Tolerance 1e-12: 0.001 is not exact in binary.
    #expect(
      formulaIsClose(
        UnitConversion.cubicMetresPerMillimetreSquareMetre * UnitConversion.squareMetresPerHectare,
        UnitConversion.cubicMetresPerMillimetreHectare, tolerance: 1e-12))
    #expect(
      formulaIsClose(
        UnitConversion.cubicMetresPerMillimetreSquareMetre
          * UnitConversion.squareMetresPerSquareKilometre,
        UnitConversion.cubicMetresPerMillimetreSquareKilometre, tolerance: 1e-9))
  }

  @Test func molecularRatios() {
    // 44/12 = 3.6667, 12/44 inverse, 32/44 = 0.72727; 264/162 = 1.6296 ≈ 1.63 [S4];
    // 192/162 = 1.1852 ≈ 1.19; 72/162 = 0.4444. Tolerances: 1e-15 for the product with the
    // inverse (one rounding each), 5e-4/5e-3 for agreement with the published 2-decimal figures.
    #expect(
      formulaIsClose(
        UnitConversion.carbonDioxidePerCarbon * UnitConversion.carbonPerCarbonDioxide, 1,
        tolerance: 1e-15))
    #expect(formulaIsClose(UnitConversion.carbonDioxidePerCarbon, 3.6667, tolerance: 5e-5))
    #expect(formulaIsClose(UnitConversion.oxygenPerCarbonDioxide, 0.72727, tolerance: 5e-6))
    #expect(formulaIsClose(UnitConversion.carbonDioxidePerDryMatter, 1.63, tolerance: 5e-3))
    #expect(formulaIsClose(UnitConversion.oxygenPerDryMatter, 1.19, tolerance: 5e-3))
    #expect(formulaIsClose(UnitConversion.carbonPerDryMatter, 0.4444, tolerance: 5e-5))
  }

  @Test func energyAndCountingUnits() {
    // 1 kWh = 3.6 × 10⁶ J = 3600 kJ; 万 = 10⁴, 亿 = 10⁸ = 万 × 万.
    #expect(UnitConversion.kilojoulesPerKilowattHour == 3600)
    #expect(UnitConversion.wan * UnitConversion.wan == UnitConversion.yi)
    // 1 kg/m² × 10⁴ m²/hm² ÷ 10³ kg/t = 10 t/hm².
    #expect(
      UnitConversion.squareMetresPerHectare / UnitConversion.kilogramsPerTonne
        == UnitConversion.tonnesPerHectarePerKilogramPerSquareMetre)
    // 365 × 24 / 12 = 730 h.
    #expect(365.0 * 24 / 12 == UnitConversion.hoursPerMeanMonth)
  }
}
