import Foundation
import PropertyBased
import Testing

@testable import GEPCore

/// Carbon sequestration (固碳) and oxygen release (释氧), GEP-METHODS §5.8.
@Suite("Carbon sequestration formulas")
struct CarbonSequestrationFormulaTests {
  @Test func rateMethodHandComputation() {
    // Hand: forest 2 t C/hm²/a × 100 hm² × (1 + 0.5) = 300 t C;
    // grassland 0.1 × 200 = 20; wetland 0.5 × 10 = 5;
    // cropland (0.1 + 0.05 + 0.2 × 0.5) × 100 = 25 → Σ = 350 t C → × 44/12 = 1283.333 t CO₂.
    let forest = forestCarbonSequestration(
      sequestrationRate: 2, areaHectares: 100, soilCarbonRatio: 0.5)
    let grass = soilCarbonSequestration(sequestrationRate: 0.1, areaHectares: 200)
    let wetland = soilCarbonSequestration(sequestrationRate: 0.5, areaHectares: 10)
    let crop = croplandSoilCarbonSequestration(
      baselineRate: 0.1, nitrogenFertilizerRate: 0.05, strawReturnRate: 0.2, strawReturnShare: 0.5,
      areaHectares: 100)
    #expect(forest == 300)
    #expect(formulaIsClose(grass, 20, tolerance: 1e-12))
    #expect(wetland == 5)
    #expect(formulaIsClose(crop, 25, tolerance: 1e-12))
    let co2 = carbonSequestrationRateMethod(
      forest: forest, grassland: grass, wetland: wetland, cropland: crop)
    // Tolerance 1e-9: 44/12 is inexact.
    #expect(formulaIsClose(co2, 1283.333_333_333, tolerance: 1e-9))
  }

  @Test func nepAndBiomassMethods() {
    // NEP = 5 − 3 = 2 t C/hm²/a; × 10 hm² × 44/12 = 73.3333 t CO₂.
    let nep = netEcosystemProductivity(netPrimaryProductivity: 5, heterotrophicRespiration: 3)
    #expect(nep == 2)
    #expect(
      formulaIsClose(
        carbonSequestrationNEP(netEcosystemProductivity: nep, areaHectares: 10), 73.333_333_333,
        tolerance: 1e-9))
    // NEP from dry matter (UNCONFIRMED): 0.2 × 10 × 72/162 = 0.888889 t C/hm²/a.
    #expect(
      formulaIsClose(
        netEcosystemProductivity(netPrimaryProductivityDryMatter: 10, nepToNPPRatio: 0.2),
        0.888_888_889, tolerance: 1e-9))
    // Biomass: 100 t dry matter × 1.63 = 163 t CO₂ [S4].
    #expect(
      formulaIsClose(carbonSequestrationBiomass(dryMatterIncrement: 100), 163, tolerance: 1e-12))
  }

  @Test func carbonPriceCarriesItsBasis() {
    // 1320 元/t C [S4] = 1320 × 12/44 = 360 元/t CO₂. 1 t C = 3.6667 t CO₂ → value 1320 元
    // whichever basis the price is stored in. Tolerance 1e-9 (44/12 inexact).
    let perC = CarbonPrice(amount: 1320, basis: .perTonneCarbon)
    #expect(formulaIsClose(perC.perTonneCarbonDioxide, 360, tolerance: 1e-9))
    #expect(perC.perTonneCarbon == 1320)
    let perCO2 = CarbonPrice(amount: 360, basis: .perTonneCarbonDioxide)
    #expect(formulaIsClose(perCO2.perTonneCarbon, 1320, tolerance: 1e-9))
    let oneTonneC = carbonDioxide(fromCarbon: 1)
    #expect(
      formulaIsClose(
        carbonSequestrationValue(carbonDioxide: oneTonneC, price: perC), 1320, tolerance: 1e-9))
    #expect(
      formulaIsClose(
        carbonSequestrationValue(carbonDioxide: oneTonneC, price: perCO2), 1320, tolerance: 1e-9))
  }

  /// Property: C → CO₂ → C round trip, and price conversions round trip.
  @Test func conversionsRoundTrip() async {
    await propertyCheck(input: Gen.double(in: 0...1e9)) { x in
      #expect(
        formulaIsClose(
          carbon(fromCarbonDioxide: carbonDioxide(fromCarbon: x)), x,
          tolerance: 1e-15 * max(x, 1) * 4))
      let p = CarbonPrice(amount: x, basis: .perTonneCarbon)
      let back = CarbonPrice(amount: p.perTonneCarbonDioxide, basis: .perTonneCarbonDioxide)
      #expect(formulaIsClose(back.perTonneCarbon, x, tolerance: 1e-15 * max(x, 1) * 4))
    }
  }

  @Test func oxygenRelease() {
    // 44 t CO₂ × 32/44 = 32 t O₂; 100 t dry matter × 1.2 [S4] = 120 t O₂; × 1000 元/t = 120 000 元.
    #expect(formulaIsClose(GEPCore.oxygenRelease(fromCarbonDioxide: 44), 32, tolerance: 1e-12))
    let o2 = GEPCore.oxygenRelease(dryMatterIncrement: 100, coefficient: 1.2)
    #expect(formulaIsClose(o2, 120, tolerance: 1e-12))
    #expect(formulaIsClose(oxygenReleaseValue(oxygen: o2, price: 1000), 120_000, tolerance: 1e-9))
  }

  /// Ganzi 2010 [S1]: CO₂ 0.31 亿 t × 380 元/t = 117.8 vs published 117.35 亿元; O₂ 2.51 亿 t ×
  /// 727 元/t = 1824.77 vs 1821.92 亿元. Both differences are inside the rounding of the
  /// 2-decimal quantities (±0.005 亿 t × 380 = ±1.9; × 727 = ±3.635 亿元); Table 3's unrounded
  /// values imply 0.30883 亿 t CO₂ and 2.50608 亿 t O₂. The basis of "380 元/t" is unclear in
  /// [S1] (GEP-METHODS §5.8); it is applied here per t CO₂ because the quantity is CO₂.
  /// O₂/CO₂ ≈ 8 ≠ 32/44: Ganzi derived O₂ from NPP, not from the CO₂ figure.
  @Test func ganziCarbonAndOxygenWithinRounding() {
    let carbonValue = carbonSequestrationValue(
      carbonDioxide: 0.31 * formulaYi,
      price: CarbonPrice(amount: 380, basis: .perTonneCarbonDioxide))
    #expect(formulaIsClose(carbonValue / formulaYi, 117.35, tolerance: 0.005 * 380 + 0.005))
    let oxygenValue = oxygenReleaseValue(oxygen: 2.51 * formulaYi, price: 727)
    #expect(formulaIsClose(oxygenValue / formulaYi, 1821.92, tolerance: 0.005 * 727 + 0.005))
    // Sum published 1939.27 = 117.3548 + 1821.9182 (table, 4 decimals).
    #expect(formulaIsClose(117.3548 + 1821.9182, 1939.27, tolerance: 0.005))
  }
}
