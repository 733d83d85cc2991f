import Foundation
import Testing

@testable import GEPCore

/// Material products (物质产品), GEP-METHODS §4.
@Suite("Material products formulas")
struct MaterialProductsFormulaTests {
  @Test func quantityTimesPrice() {
    // Hand: 250 t × 3 000 元/t = 750 000 元 (exact).
    #expect(materialProductValue(quantity: 250, unitPrice: 3000) == 750_000)
  }

  /// Ganzi 2010 water supply [S1] Table 3: domestic 1.36 亿 m³ × 2.6, industrial 150.17 × 3.6,
  /// agricultural 17.31 × 0.07 元/m³ → 3.536 + 540.612 + 1.2117 = 545.3597 → published 545.36 亿元.
  /// Tolerance 0.005 亿元: the published total is rounded to 2 decimals. (The table's domestic
  /// line, 3.5400, implies an unrounded 1.3615 亿 m³; the total still rounds to 545.36.)
  @Test func ganziWaterSupplyReproduces() {
    let total =
      materialProductValue(quantity: 1.36 * formulaYi, unitPrice: 2.6)
      + materialProductValue(quantity: 150.17 * formulaYi, unitPrice: 3.6)
      + materialProductValue(quantity: 17.31 * formulaYi, unitPrice: 0.07)
    #expect(formulaIsClose(total / formulaYi, 545.36, tolerance: 0.005))
  }

  /// Ganzi 2010 hydropower [S1]: 95.3 亿 kWh × 0.53 元/kWh = 50.509 → 50.51 亿元 (2-decimal rounding).
  @Test func ganziHydropowerReproduces() {
    let value = materialProductValue(quantity: 95.3 * formulaYi, unitPrice: 0.53)
    #expect(formulaIsClose(value / formulaYi, 50.51, tolerance: 0.005))
  }

  @Test(arguments: [
    // Hand: G = 100, S = 5, I = 40 → gross 100, gross − services 95, net 100 − 40 = 60.
    (MaterialOutputBasis.grossOutput, 100.0),
    (MaterialOutputBasis.grossOutputExcludingServices, 95.0),
    (MaterialOutputBasis.netOutput, 60.0),
  ])
  func outputValueBasisSwitch(basis: MaterialOutputBasis, expected: Double) {
    let v = materialOutputValue(
      grossOutputValue: 100, supportingServicesValue: 5, intermediateConsumption: 40, basis: basis)
    #expect(v == expected)
  }
}
