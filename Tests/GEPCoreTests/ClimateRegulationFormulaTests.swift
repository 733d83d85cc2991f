import Foundation
import Testing

@testable import GEPCore

/// Climate regulation (气候调节), GEP-METHODS §5.9.
@Suite("Climate regulation formulas")
struct ClimateRegulationFormulaTests {
  @Test func vegetationTranspirationHandComputation() {
    // Hand: EPP = 100 kJ/m²/d, S = 1 km² (10⁶ m²), D = 30 d, r = 3 →
    // 100 × 10⁶ × 30 / (3600 × 3) = 3 × 10⁹ / 10 800 = 277 777.78 kWh.
    let e = vegetationTranspirationEnergy(
      heatConsumedPerArea: 100, areaSquareKilometres: 1, coolingDays: 30)
    #expect(formulaIsClose(e, 277_777.777_777_78, tolerance: 1e-6))
  }

  @Test func waterEvaporationHandComputation() {
    // Hand: E_w = 1000 m³, ρ = 1000 kg/m³, q = 2260 kJ/kg, y = 0.5 kWh/m³ →
    // 1000 × 1000 × 2260 / 3600 + 1000 × 0.5 = 627 777.78 + 500 = 628 277.78 kWh (not ÷ r, [S1]).
    // With the cooling term ÷ r = 3: 209 259.26 + 500 = 209 759.26 kWh.
    let e = waterEvaporationEnergy(evaporationVolume: 1000, latentHeat: 2260, humidifierEnergy: 0.5)
    #expect(formulaIsClose(e, 628_277.777_777_78, tolerance: 1e-6))
    let eDivided = waterEvaporationEnergy(
      evaporationVolume: 1000, latentHeat: 2260, humidifierEnergy: 0.5,
      coolingEnergyEfficiencyRatio: 3)
    #expect(formulaIsClose(eDivided, 209_759.259_259_26, tolerance: 1e-6))
  }

  @Test func evapotranspirationEnergyHandComputation() {
    // Hand: 1 mm over 3600 m² = 3600 kg water × 2450 kJ/kg = 8.82 × 10⁶ kJ / 3600 = 2450 kWh.
    #expect(
      formulaIsClose(
        evapotranspirationEnergy(evapotranspiration: 1, areaSquareMetres: 3600), 2450,
        tolerance: 1e-9))
    // ÷ r = 3 → 816.667 kWh.
    #expect(
      formulaIsClose(
        evapotranspirationEnergy(
          evapotranspiration: 1, areaSquareMetres: 3600, energyEfficiencyRatio: 3),
        816.666_666_667, tolerance: 1e-6))
  }

  /// Ganzi 2010 [S1]: (2799.10 + 1272.35) 亿 kWh × 0.53 元/kWh = 2157.8685 vs published
  /// 2157.86 亿元. The published total is the sum of the table's unrounded lines (1483.5208 +
  /// 674.3433 = 2157.8641). Tolerance: each energy is rounded to 0.01 亿 kWh (±0.005 × 2 × 0.53
  /// = ±0.0053 亿元) plus the value's own 2-decimal rounding (±0.005) → 0.0103.
  @Test func ganziClimateRegulationReproduces() {
    let energy = (2799.10 + 1272.35) * formulaYi
    let value = climateRegulationValue(energy: energy, electricityPrice: 0.53)
    #expect(formulaIsClose(value / formulaYi, 2157.86, tolerance: 0.0103))
    // Each component against Table 3 (4 decimals; quantity rounding ±0.005 × 0.53 = ±0.00265).
    #expect(
      formulaIsClose(
        climateRegulationValue(energy: 2799.10 * formulaYi, electricityPrice: 0.53) / formulaYi,
        1483.5208, tolerance: 0.00265 + 0.00005))
    #expect(
      formulaIsClose(
        climateRegulationValue(energy: 1272.35 * formulaYi, electricityPrice: 0.53) / formulaYi,
        674.3433, tolerance: 0.00265 + 0.00005))
  }
}
