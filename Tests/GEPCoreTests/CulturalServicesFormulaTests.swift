import Foundation
import Testing

@testable import GEPCore

/// Cultural services (§6), coastal protection (§5.4) and pest control (§5.10).
@Suite("Cultural, coastal and pest-control formulas")
struct CulturalServicesFormulaTests {
  @Test func travelCostHandComputation() {
    // Hand: direct = 120 + 300 + 80 = 500 元; TC = 2 d × 100 元/d + 500 = 700 元/visit;
    // 10 000 visits → 7 000 000 元.
    let direct = directTravelCost(transport: 120, foodAndLodging: 300, entranceFees: 80)
    #expect(direct == 500)
    let tc = travelCostPerVisit(timeSpent: 2, wageRate: 100, directCost: direct)
    #expect(tc == 700)
    #expect(recreationValue(visits: 10_000, valuePerVisit: tc) == 7_000_000)
    // Time cost at 30 % of a 200 元 daily wage for 1.5 d = 90 元 [S4].
    #expect(formulaIsClose(travelTimeCost(days: 1.5, dailyWage: 200), 90, tolerance: 1e-12))
  }

  /// Baiyangdian [S4]: 135 万 visits × (52.47 + 343.33 + 578.03) 元 = 135 × 10⁴ × 973.83
  /// = 1.314 670 5 × 10⁹ 元 = 13.15 亿元 (published rounded to 2 decimals → tolerance 0.005).
  @Test func baiyangdianRecreationReproduces() {
    let perVisit = individualTravelCostPerVisit(
      travelExpenditure: 52.47, timeCost: 343.33, consumerSurplus: 578.03)
    #expect(formulaIsClose(perVisit, 973.83, tolerance: 1e-9))
    let value = recreationValue(visits: 135 * formulaWan, valuePerVisit: perVisit)
    #expect(formulaIsClose(value / formulaYi, 13.15, tolerance: 0.005))
  }

  @Test func landscapeAndCoastal() {
    // Landscape (UNCONFIRMED): 20 000 m² × 150 元/m² = 3 000 000 元.
    #expect(landscapeValue(benefitingArea: 20_000, premiumPerArea: 150) == 3_000_000)
    // Coastal (UNCONFIRMED): 12.5 km × 8 000 000 元/km = 1 × 10⁸ 元.
    #expect(
      coastalProtectionValue(protectedLengthKilometres: 12.5, costPerKilometre: 8_000_000) == 1e8)
  }

  /// Ganzi 2010 [S1]: forest 158 万 hm² × 375 = 5.925 亿元 (published 5.93; Table 3 5.9250);
  /// grassland 711.13 万 hm² × 112.5 = 8.0002 亿元 (published 8.00) → 13.93 亿元.
  /// Tolerance 0.005 (2-decimal published figures).
  @Test func ganziPestControlReproduces() {
    let forest = pestControlValue(selfHealingAreaHectares: 158 * formulaWan, controlCost: 375)
    let grass = pestControlValue(selfHealingAreaHectares: 711.13 * formulaWan, controlCost: 112.5)
    #expect(formulaIsClose(forest / formulaYi, 5.925, tolerance: 1e-9))
    #expect(formulaIsClose(grass / formulaYi, 8.00, tolerance: 0.005))
    #expect(formulaIsClose((forest + grass) / formulaYi, 13.93, tolerance: 0.005))
  }
}
