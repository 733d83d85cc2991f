import Foundation
import PropertyBased
import Testing

@testable import GEPCore

/// Soil conservation (土壤保持), GEP-METHODS §5.2.
@Suite("Soil conservation formulas")
struct SoilConservationFormulaTests {
  // MARK: RUSLE

  @Test func rusleHandComputation() {
    // Hand: R = 3000, K = 0.03, LS = 2.5 → A_p = 225 t/hm²/a; C = 0.2, P = 0.5 →
    // A_a = 225 × 0.1 = 22.5; retained = 225 × (1 − 0.1) = 202.5; (1 − C) form: 225 × 0.8 = 180.
    // Tolerance 1e-9: 0.03, 0.2 are inexact in binary.
    let r = 3000.0
    let k = 0.03
    let ls = 2.5
    #expect(
      formulaIsClose(
        potentialSoilErosion(erosivity: r, erodibility: k, ls: ls), 225, tolerance: 1e-9))
    #expect(
      formulaIsClose(
        actualSoilErosion(erosivity: r, erodibility: k, ls: ls, usleC: 0.2, usleP: 0.5), 22.5,
        tolerance: 1e-9))
    #expect(
      formulaIsClose(
        soilConservation(erosivity: r, erodibility: k, ls: ls, usleC: 0.2, usleP: 0.5), 202.5,
        tolerance: 1e-9))
    #expect(
      formulaIsClose(
        soilConservation(
          erosivity: r, erodibility: k, ls: ls, usleC: 0.2, usleP: 0.5, form: .coverOnly), 180,
        tolerance: 1e-9))
  }

  /// Property: retained = potential − actual, and ≥ 0 whenever C·P ≤ 1 (factors ≥ 0).
  @Test func retentionNonNegativeAndEqualsPotentialMinusActual() async {
    await propertyCheck(
      input: Gen.double(in: 0...20000), Gen.double(in: 0...0.1), Gen.double(in: 0...50),
      Gen.double(in: 0...1), Gen.double(in: 0...1)
    ) { r, k, ls, c, p in
      let retained = soilConservation(erosivity: r, erodibility: k, ls: ls, usleC: c, usleP: p)
      #expect(retained >= 0)
      let diff =
        potentialSoilErosion(erosivity: r, erodibility: k, ls: ls)
        - actualSoilErosion(erosivity: r, erodibility: k, ls: ls, usleC: c, usleP: p)
      #expect(formulaIsClose(retained, diff, tolerance: 1e-9 * max(r * k * ls, 1)))
    }
  }

  // MARK: Valuation

  /// Ganzi 2010 [S1]: retained 38.86 亿 t, λ = 0.24, ρ = 0.93 t/m³, dredging 15.58 元/m³,
  /// N 0.37 % at 875 元/t, P 0.108 % at 2800 元/t.
  /// Hand: sediment 0.24 × 38.86/0.93 = 10.0284 亿 m³ (published 10.03) → × 15.58 = 156.242 亿元
  /// (published 156.26 text, 156.2555 table); N 38.86 × 0.0037 = 1437.82 万 t (published 1437.94)
  /// → 125.809 亿元 (125.82); P 419.688 万 t (419.72) → 117.513 亿元 (117.52); total 399.564
  /// (published 399.60). All differences come from the 4-significant-figure quantity 38.86:
  /// the table's values imply an unrounded 38.8633 亿 t. Tolerance: relative 0.005/38.86 ≈
  /// 1.29e-4 for the input rounding plus 0.005 亿元 (or 0.005 in the quantity's last digit) for
  /// the output rounding.
  @Test func ganziSoilConservationValueReproduces() {
    let q = 38.86 * formulaYi
    let rel = 0.005 / 38.86
    let volume = reducedSedimentDepositionVolume(
      soilRetained: q, depositionCoefficient: 0.24, bulkDensity: 0.93)
    #expect(formulaIsClose(volume / formulaYi, 10.03, tolerance: 10.03 * rel + 0.005))
    let sediment = reducedSedimentDepositionValue(
      soilRetained: q, depositionCoefficient: 0.24, bulkDensity: 0.93, dredgingCost: 15.58)
    #expect(formulaIsClose(sediment / formulaYi, 156.26, tolerance: 156.26 * rel + 0.005))
    let nAmount = reducedNutrientLoss(soilRetained: q, nutrientContentPercent: 0.37)
    #expect(formulaIsClose(nAmount / formulaWan, 1437.94, tolerance: 1437.94 * rel + 0.005))
    let pAmount = reducedNutrientLoss(soilRetained: q, nutrientContentPercent: 0.108)
    #expect(formulaIsClose(pAmount / formulaWan, 419.72, tolerance: 419.72 * rel + 0.005))
    let nValue = reducedNutrientLossValue(
      soilRetained: q, nutrientContentPercent: 0.37, removalCost: 875)
    let pValue = reducedNutrientLossValue(
      soilRetained: q, nutrientContentPercent: 0.108, removalCost: 2800)
    #expect(formulaIsClose(nValue / formulaYi, 125.82, tolerance: 125.82 * rel + 0.005))
    #expect(formulaIsClose(pValue / formulaYi, 117.52, tolerance: 117.52 * rel + 0.005))
    let total = (sediment + nValue + pValue) / formulaYi
    #expect(formulaIsClose(total, 399.60, tolerance: 399.60 * rel + 0.005))
  }

  /// Back-check with the unrounded quantity implied by the table (38.8633 亿 t): every published
  /// figure then agrees to its last printed digit (tolerance 0.005 in that unit, plus 1e-4
  /// relative for the 6-figure back-derived input).
  @Test func ganziSoilConservationWithUnroundedQuantity() {
    let q = 38.8633 * formulaYi
    let sediment = reducedSedimentDepositionValue(
      soilRetained: q, depositionCoefficient: 0.24, bulkDensity: 0.93, dredgingCost: 15.58)
    let nValue = reducedNutrientLossValue(
      soilRetained: q, nutrientContentPercent: 0.37, removalCost: 875)
    let pValue = reducedNutrientLossValue(
      soilRetained: q, nutrientContentPercent: 0.108, removalCost: 2800)
    #expect(formulaIsClose(sediment / formulaYi, 156.2555, tolerance: 0.005))
    #expect(formulaIsClose(nValue / formulaYi, 125.8199, tolerance: 0.005))
    #expect(formulaIsClose(pValue / formulaYi, 117.5226, tolerance: 0.005))
    #expect(formulaIsClose((sediment + nValue + pValue) / formulaYi, 399.60, tolerance: 0.005))
  }

  // MARK: S and L

  @Test(arguments: [
    // Hand: θ = 3°: sin = 0.0523360 → 10.8 × 0.0523360 + 0.03 = 0.595228.
    (3.0, 0.595228),
    // θ = 7°: sin = 0.121869 → 16.8 × 0.121869 − 0.50 = 1.547405.
    (7.0, 1.547405),
    // θ = 20°: sin = 0.342020 → 21.91 × 0.342020 − 0.96 = 6.533661.
    (20.0, 6.533661),
    // θ = 0°: 0.03.
    (0.0, 0.03),
  ])
  func slopeSteepness(slope: Double, expected: Double) {
    // Tolerance 1e-6: hand values printed to 6 decimals.
    #expect(formulaIsClose(slopeSteepnessFactor(slopeDegrees: slope), expected, tolerance: 1e-6))
  }

  @Test func slopeLengthExponents() {
    // Stepped m [S5]: <1 % → 0.2; 1–3 % → 0.3; 3–9 % → 0.4; ≥ 9 % → 0.5.
    #expect(slopeLengthExponent(slopePercent: 0.5) == 0.2)
    #expect(slopeLengthExponent(slopePercent: 1) == 0.3)
    #expect(slopeLengthExponent(slopePercent: 5) == 0.4)
    #expect(slopeLengthExponent(slopePercent: 9) == 0.5)
    // McCool at 10°: sin = 0.173648; (sin)^0.8 = 0.246470; β = (0.173648/0.0896) /
    // (3 × 0.246470 + 0.56) = 1.938036/1.299410 = 1.491530; m = β/(1+β) = 0.598640.
    #expect(formulaIsClose(slopeLengthExponentMcCool(slopeDegrees: 10), 0.598640, tolerance: 1e-6))
  }

  @Test func slopeLengthFactors() {
    // Hand: (50/22.13)^0.5 = sqrt(2.259377) = 1.503122.
    #expect(
      formulaIsClose(slopeLengthFactor(slopeLength: 50, exponent: 0.5), 1.503122, tolerance: 1e-6))
    // Desmet–Govers, one 30 m upslope cell (A_in = 900 m²), D = 30 m, m = 0.5, x = 1:
    // ((900 + 900)^1.5 − 900^1.5) / (30^2.5 × 22.13^0.5) = (76367.53 − 27000)/(4929.50 × 4.704253)
    // = 49367.53/23189.65 = 2.128862.
    #expect(
      formulaIsClose(
        slopeLengthFactorDesmetGovers(
          upslopeArea: 900, cellSize: 30, exponent: 0.5, directionFactor: 1), 2.128862,
        tolerance: 1e-6))
    // With A_in = 0 and x = 1 it reduces to (D/22.13)^m: (30/22.13)^0.5.
    #expect(
      formulaIsClose(
        slopeLengthFactorDesmetGovers(
          upslopeArea: 0, cellSize: 30, exponent: 0.5, directionFactor: 1),
        (30 / 22.13).squareRoot(), tolerance: 1e-12))
    // x = |sin 45°| + |cos 45°| = √2; x(0°) = 1.
    #expect(
      formulaIsClose(contourDirectionFactor(aspectDegrees: 45), 2.0.squareRoot(), tolerance: 1e-12))
    #expect(formulaIsClose(contourDirectionFactor(aspectDegrees: 0), 1, tolerance: 1e-12))
  }

  // MARK: C and FVC

  @Test(arguments: [
    // Hand (蔡崇法): f = 0 → 1; f = 1 % → 0.6508 − 0 = 0.6508; f = 10 % → 0.6508 − 0.3436 = 0.3072;
    // f = 50 % → 0.6508 − 0.3436 × 1.698970 = 0.067034; f = 78.3 % and 80 % → 0.
    (0.0, 1.0), (1.0, 0.6508), (10.0, 0.3072), (50.0, 0.067034), (78.3, 0.0), (80.0, 0.0),
    // f = 0.05 % (below 0.0963 %): log branch gives 0.6508 + 0.3436 × 1.30103 = 1.0978 → clamped to 1.
    (0.05, 1.0),
  ])
  func caiCoverManagement(cover: Double, expected: Double) {
    // Tolerance 1e-6: hand values printed to 6 decimals.
    #expect(
      formulaIsClose(usleCFromVegetationCover(coverPercent: cover), expected, tolerance: 1e-6))
  }

  /// Property: C ∈ [0, 1] and non-increasing in cover.
  @Test func caiCoverIsBoundedAndFalling() async {
    await propertyCheck(input: Gen.double(in: 0...100), Gen.double(in: 0...100)) { a, b in
      let lo = min(a, b)
      let hi = max(a, b)
      let cLo = usleCFromVegetationCover(coverPercent: lo)
      let cHi = usleCFromVegetationCover(coverPercent: hi)
      #expect(cLo >= 0 && cLo <= 1)
      #expect(cHi >= 0 && cHi <= 1)
      #expect(cHi <= cLo)
    }
  }

  @Test func dimidiatePixelModel() {
    // Hand: (0.425 − 0.2)/(0.65 − 0.2) = 0.225/0.45 = 0.5; clipped below 0 and above 1.
    #expect(
      formulaIsClose(
        fractionalVegetationCover(ndvi: 0.425, ndviSoil: 0.2, ndviVegetation: 0.65), 0.5,
        tolerance: 1e-12))
    #expect(fractionalVegetationCover(ndvi: 0.1, ndviSoil: 0.2, ndviVegetation: 0.65) == 0)
    #expect(fractionalVegetationCover(ndvi: 0.9, ndviSoil: 0.2, ndviVegetation: 0.65) == 1)
  }

  // MARK: K

  @Test func epicErodibilityHandComputation() {
    // Hand: SAN = 40, SIL = 40, CLA = 20, C = 1 %; SN1 = 0.6.
    //   0.2 + 0.3 exp(−0.0256 × 40 × 0.6) = 0.2 + 0.3 × 0.540970 = 0.362290
    //   (40/60)^0.3 = 0.885467
    //   1 − 0.25 × 1/(1 + exp(0.77)) = 1 − 0.25/3.159766 = 0.920880
    //   1 − 0.7 × 0.6/(0.6 + exp(8.23)) = 1 − 0.42/3752.98 = 0.999888
    //   K_EPIC = 0.362290 × 0.885467 × 0.920880 × 0.999888 = 0.295381
    //   K = 0.1317 × 0.295381 = 0.038902 t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹
    // Tolerance 1e-6: hand values printed to 6 decimals.
    let kUS = epicErodibilityUSCustomary(
      sandPercent: 40, siltPercent: 40, clayPercent: 20, organicCarbonPercent: 1)
    #expect(formulaIsClose(kUS, 0.295381, tolerance: 1e-6))
    let kSI = soilErodibilityEPIC(
      sandPercent: 40, siltPercent: 40, clayPercent: 20, organicCarbonPercent: 1)
    #expect(formulaIsClose(kSI, 0.038902, tolerance: 1e-6))
    // 张科利 correction (UNCONFIRMED): −0.01383 + 0.51575 × 0.038902 = 0.006234.
    #expect(
      formulaIsClose(
        soilErodibilityZhangCorrection(epicErodibility: kSI), 0.006234, tolerance: 1e-6))
  }

  // MARK: R

  @Test func zhangWenboHalfMonthModel() {
    // Hand: P_d12 = 25 mm, P_y12 = 600 mm → β = 0.8363 + 18.144/25 + 24.455/600
    //   = 0.8363 + 0.72576 + 0.0407583 = 1.6028183; α = 21.586 × β^−7.1891 = 0.726505.
    // Two erosive days 20 and 30 mm, one 10 mm day (below 12 mm → 0):
    //   20^β = 121.7068, 30^β = 233.1079 → Σ = 354.8147 → R_hm = 0.726505 × 354.8147 = 257.7745.
    let beta = zhangWenboBeta(meanDailyErosiveRainfall: 25, meanAnnualErosiveRainfall: 600)
    #expect(formulaIsClose(beta, 1.6028183, tolerance: 1e-7))
    let alpha = zhangWenboAlpha(beta: beta)
    #expect(formulaIsClose(alpha, 0.726505, tolerance: 1e-6))
    let terms = [20.0, 30.0, 10.0].map { erosiveRainfallTerm(dailyRainfall: $0, beta: beta) }
    #expect(terms[2] == 0)
    let r = halfMonthRainfallErosivity(sumOfErosiveRainfallTerms: terms.reduce(0, +), alpha: alpha)
    // Tolerance 1e-3: 7 significant figures in the hand result.
    #expect(formulaIsClose(r, 257.7745, tolerance: 1e-3))
  }

  @Test func monthlyErosivityRegression() {
    // Hand: −1.15527 + 1.792 × 100 = 178.04473; negative line clamped: P = 0.5 → 0.
    #expect(
      formulaIsClose(
        monthlyRainfallErosivityRegression(monthlyPrecipitation: 100), 178.04473, tolerance: 1e-9))
    #expect(monthlyRainfallErosivityRegression(monthlyPrecipitation: 0.5) == 0)
    // IMERG-style rate 0.1 mm/h × 730 h = 73 mm.
    #expect(formulaIsClose(0.1 * UnitConversion.hoursPerMeanMonth, 73, tolerance: 1e-12))
  }
}
