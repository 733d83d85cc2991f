import Foundation
import Testing

@testable import GEPCore

/// Flood regulation (洪水调蓄), GEP-METHODS §5.5.
@Suite("Flood regulation formulas")
struct FloodRegulationFormulaTests {
  @Test func lakeModelHandComputation() {
    // Hand (Qinghai–Tibet Plateau, a = 6.636, b = 0.678): A = 100 km², T = 1 →
    // e^6.636 × 100^0.678 = 762.0407 × 22.6986 = 17 297.29 万 m³ = 1.729729 × 10⁸ m³.
    let c = lakeFloodRegulation(
      lakeAreaSquareKilometres: 100, waterExchangeTimes: 1, model: .qinghaiTibetPlateau)
    // Tolerance 0.01 万 m³ (hand result printed to 2 decimals in 万 m³).
    #expect(formulaIsClose(c / formulaWan, 17_297.29, tolerance: 0.01))
    // Linear in T.
    let twice = lakeFloodRegulation(
      lakeAreaSquareKilometres: 100, waterExchangeTimes: 2, model: .qinghaiTibetPlateau)
    #expect(formulaIsClose(twice, 2 * c, tolerance: 1e-6))
  }

  @Test func reservoirAndMarshAndVegetation() {
    // Reservoir: 0.35 × 0.03 亿 m³ ("约 0.03 亿 m³" in Ganzi) = 0.0105 → published 0.01 亿 m³.
    let reservoir = reservoirFloodRegulation(totalCapacity: 0.03 * formulaYi)
    #expect(formulaIsClose(reservoir / formulaYi, 0.01, tolerance: 0.005))
    // Marsh: 0.3 m × 2000 km² × 10⁶ m²/km² = 6.00 × 10⁸ m³ = 6.00 亿 m³ (Ganzi marsh ≈ 70 % of
    // 2864.27 km² wetland ≈ 2005 km²; the table's 42.3436 亿元 / 7.06 implies 1999.2 km²).
    #expect(marshFloodRegulation(marshAreaSquareKilometres: 2000) == 6e8)
    // Vegetation (UNCONFIRMED form): (80 − 30) mm × 3 hm² × 10 = 1500 m³; negative → 0.
    #expect(
      vegetationFloodRegulation(stormPrecipitation: 80, stormRunoff: 30, areaHectares: 3) == 1500)
    #expect(
      vegetationFloodRegulation(stormPrecipitation: 20, stormRunoff: 30, areaHectares: 3) == 0)
  }

  /// Ganzi 2010 [S1]: lakes 2.43 + reservoirs 0.01 + marshes 6.00 = 8.44 亿 m³ at 7.06 元/m³
  /// → published 59.56 亿元.
  ///
  /// 8.44 × 7.06 = 59.5864, not 59.56: the published value is the sum of the unrounded
  /// component values in Table 3 (17.1430 + 0.0684 + 42.3436 = 59.5550 → 59.56), whose implied
  /// quantities are 2.42819 + 0.00969 + 5.99768 = 8.43556 亿 m³ (→ 8.44). So the check is
  /// (a) the component values sum to the published total (tolerance 0.005, 2-decimal rounding),
  /// and (b) the published value lies inside the interval implied by the 2-decimal quantity
  /// 8.44 ± 0.005 亿 m³ at 7.06 元/m³ (plus 0.005 for the value's own rounding).
  @Test func ganziFloodRegulationReproduces() {
    let components = [17.1430, 0.0684, 42.3436].map { $0 * formulaYi / 7.06 }
    let total = floodRegulationValue(volume: components.reduce(0, +), reservoirUnitCost: 7.06)
    // 59.5550 is exactly on the rounding boundary (half-up → 59.56): tolerance 0.005 plus 1e-9
    // for the binary representation of the decimal inputs.
    #expect(formulaIsClose(total / formulaYi, 59.56, tolerance: 0.005 + 1e-9))
    #expect(formulaIsClose(components.reduce(0, +) / formulaYi, 8.44, tolerance: 0.005))

    let fromRounded = floodRegulationValue(volume: 8.44 * formulaYi, reservoirUnitCost: 7.06)
    #expect(formulaIsClose(fromRounded / formulaYi, 59.5864, tolerance: 1e-9))
    #expect(formulaIsClose(fromRounded / formulaYi, 59.56, tolerance: 0.005 * 7.06 + 0.005))
  }
}
