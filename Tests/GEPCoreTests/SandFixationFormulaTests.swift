import Foundation
import PropertyBased
import Testing

@testable import GEPCore

/// Windbreak and sand fixation (防风固沙), GEP-METHODS §5.3.
@Suite("Sand fixation formulas")
struct SandFixationFormulaTests {
  // MARK: Weather factor

  @Test func windAndAirDensity() {
    // Hand: U₂ = 10 × 0.2^(1/7) = 10 × 0.794597 = 7.945974 m/s.
    #expect(formulaIsClose(rweqWindSpeedAt2m(windSpeed10m: 10), 7.945974, tolerance: 1e-6))
    // ρ = 348 × (1.013 − 0.1183 × 1 + 0.0048 × 1)/288.15 = 348 × 0.8995/288.15 = 1.086330 kg/m³.
    #expect(
      formulaIsClose(
        rweqAirDensity(elevationKilometres: 1, temperatureKelvin: 288.15), 1.086330,
        tolerance: 1e-6))
    // Wind term: U₂ = 7, U_t = 5 → 7 × 2² = 28; U₂ = 4 → 0 (below threshold).
    #expect(rweqWindTerm(windSpeed2m: 7) == 28)
    #expect(rweqWindTerm(windSpeed2m: 4) == 0)
  }

  @Test func weatherFactorHandComputation() {
    // Hand: Σ = 100, N_d = N = 15, ρ = 1.2, g = 9.8, SW = 0.5, SD = 1 →
    // 100 × 1 × 1.2/9.8 × 0.5 = 6.122449 kg/m.
    let wf = rweqWeatherFactor(
      windTermSum: 100, daysInPeriod: 15, observationCount: 15, airDensity: 1.2,
      soilMoistureFactor: 0.5, snowFactor: 1)
    #expect(formulaIsClose(wf, 6.122449, tolerance: 1e-6))
  }

  @Test func soilMoistureVariants() {
    // rainDayWeighted [S10]: ET_p = 100, R = 30, I = 0, R_d = 5, N_d = 15 →
    // (100 − 30 × 5/15)/100 = 0.9.
    #expect(
      formulaIsClose(
        rweqSoilMoistureFactor(
          potentialEvapotranspiration: 100, rainfall: 30, irrigation: 0, rainDays: 5,
          daysInPeriod: 15, formula: .rainDayWeighted), 0.9, tolerance: 1e-12))
    // pyrweq [S8]: (100 − 90) × 15/(10 × 100) = 0.15; (100 − 30) × 15/(5 × 100) = 2.1 → clipped 1.
    #expect(
      formulaIsClose(
        rweqSoilMoistureFactor(
          potentialEvapotranspiration: 100, rainfall: 90, irrigation: 0, rainDays: 10,
          daysInPeriod: 15, formula: .pyrweq), 0.15, tolerance: 1e-12))
    #expect(
      rweqSoilMoistureFactor(
        potentialEvapotranspiration: 100, rainfall: 30, irrigation: 0, rainDays: 5,
        daysInPeriod: 15, formula: .pyrweq) == 1)
    // ET_p [S9]: 0.0135 × (20/2.54) × (25 + 17.8) = 4.549606 mm/d.
    #expect(
      formulaIsClose(
        rweqPotentialEvapotranspiration(solarRadiation: 20, temperatureCelsius: 25), 4.549606,
        tolerance: 1e-6))
    // SD = 1 − 0.2 = 0.8.
    #expect(formulaIsClose(rweqSnowFactor(probabilityOfSnowCover: 0.2), 0.8, tolerance: 1e-15))
  }

  // MARK: Soil and roughness factors

  @Test func soilFactors() {
    // EF: Sa = 60, Si = 30, Cl = 10, OM = 1, CaCO₃ = 2 →
    // (29.09 + 18.6 + 5.1 + 0.33 × 6 − 2.59 − 1.9)/100 = 50.28/100 = 0.5028.
    #expect(
      formulaIsClose(
        rweqErodibleFraction(
          sandPercent: 60, siltPercent: 30, clayPercent: 10, organicMatterPercent: 1,
          calciumCarbonatePercent: 2), 0.5028, tolerance: 1e-12))
    // SCF: 1/(1 + 0.0066 × 100 + 0.021 × 1) = 1/1.681 = 0.594884.
    #expect(
      formulaIsClose(
        rweqSoilCrustFactor(clayPercent: 10, organicMatterPercent: 1), 0.594884, tolerance: 1e-6))
    // OM = 1.724 × 1.5 = 2.586.
    #expect(
      formulaIsClose(organicMatterPercent(organicCarbonPercent: 1.5), 2.586, tolerance: 1e-12))
  }

  @Test func roughnessFactors() {
    // K_r = 0.2 × 10²/100 = 0.2.
    #expect(
      formulaIsClose(
        smithCarsonTerrainRoughness(elevationRange: 10, distance: 100), 0.2, tolerance: 1e-15))
    // K′ = exp(1.86 × 0.2 − 2.41 × 0.2^0.934 − 0.127 × 1); 0.2^0.934 = 0.222431 →
    // exp(0.372 − 0.536059 − 0.127) = exp(−0.291059) = 0.747503.
    #expect(
      formulaIsClose(
        rweqRoughnessFactor(terrainRoughness: 0.2, randomRoughness: 1), 0.747503, tolerance: 1e-6))
    // C_rr(fvc = 0) = 17.46 × 0.025^0.738 = 17.46 × 0.065717 = 1.147424 cm.
    #expect(formulaIsClose(rweqRandomRoughness(coverFraction: 0), 1.147424, tolerance: 1e-6))
    // cos 60° = 0.5.
    #expect(formulaIsClose(rweqRoughnessFactorSimplified(slopeDegrees: 60), 0.5, tolerance: 1e-12))
  }

  // MARK: Vegetation factor (unit is a named parameter)

  @Test func vegetationFactorUnitsDifferByDesign() {
    // Grassland α = −0.1151 (§11.2). 50 % cover: exp(−5.755) = 0.003167.
    // Fraction 0.5 ([S8] convention): exp(−0.05755) = 0.944075 — a factor-100 difference in the
    // exponent, which is why the unit is part of the parameter label.
    #expect(
      formulaIsClose(
        rweqVegetationFactor(coverPercent: 50, alpha: -0.1151), 0.003167, tolerance: 1e-6))
    #expect(
      formulaIsClose(
        rweqVegetationFactor(coverFraction: 0.5, alpha: -0.1151), 0.944075, tolerance: 1e-6))
    // NDVI variant [S10]: exp(−5.614 × 0.5^0.7366) = exp(−5.614 × 0.600148) = 0.034415.
    #expect(formulaIsClose(rweqVegetationFactorFromNDVI(ndvi: 0.5), 0.034415, tolerance: 1e-6))
  }

  // MARK: Soil loss and sand fixation

  @Test func fullFormHandComputation() {
    // Hand: X = 10 kg/m: s = 150.71 × 10^−0.3711 = 64.127169 m; Q_max = 1098 kg/m;
    // SL = (100/64.127169²) × 1098 × exp(−(50/64.127169)²) = 0.0243172 × 1098 × 0.544497
    //    = 14.537715 kg/m².
    #expect(formulaIsClose(rweqCriticalFieldLength(factorProduct: 10), 64.127169, tolerance: 1e-6))
    #expect(rweqMaximumTransport(factorProduct: 10) == 1098)
    #expect(formulaIsClose(rweqSoilLoss(factorProduct: 10), 14.537715, tolerance: 1e-6))
    #expect(rweqSoilLoss(factorProduct: 0) == 0)
    // Sand fixation with X_p = 10 (WF 10, others 1) and C = 0.5: SL(10) − SL(5)
    // = 14.537715 − 5.549122 = 8.988594 kg/m².
    let fixed = rweqSandFixation(
      weatherFactor: 10, erodibleFraction: 1, crustFactor: 1, roughnessFactor: 1,
      vegetationFactor: 0.5)
    #expect(formulaIsClose(fixed, 8.988594, tolerance: 1e-6))
  }

  @Test func integratedFormHandComputation() {
    // Hand: 0.1699 × 10^1.3711 × (1 − 0.5^1.3711) = 0.1699 × 23.501739 × (1 − 0.386596)
    //     = 2.449287 kg/m². (Differs from the full form's 8.99 — GEP-METHODS §5.3: the two forms
    //     do not give identical numbers.)
    let fixed = rweqSandFixationIntegrated(
      weatherFactor: 10, erodibleFraction: 1, crustFactor: 1, roughnessFactor: 1,
      vegetationFactor: 0.5)
    #expect(formulaIsClose(fixed, 2.449287, tolerance: 1e-6))
  }

  /// Property: integrated form ≥ 0 and falls as C rises, for X ≥ 0 and C ∈ [0, 1].
  @Test func integratedFormNonNegative() async {
    await propertyCheck(
      input: Gen.double(in: 0...500), Gen.double(in: 0...1), Gen.double(in: 0...1)
    ) { x, c1, c2 in
      let lo = min(c1, c2)
      let hi = max(c1, c2)
      let qLo = rweqSandFixationIntegrated(
        weatherFactor: x, erodibleFraction: 1, crustFactor: 1, roughnessFactor: 1,
        vegetationFactor: lo)
      let qHi = rweqSandFixationIntegrated(
        weatherFactor: x, erodibleFraction: 1, crustFactor: 1, roughnessFactor: 1,
        vegetationFactor: hi)
      #expect(qHi >= 0)
      #expect(qHi <= qLo)
    }
  }

  // MARK: Valuation — Ganzi

  /// Ganzi 2010 [S1]: 779.42 万 t / (1.28 t/m³ × 0.1 m) = 6.0892 × 10⁷ m² = 60.89 km²;
  /// × 3.75 元/m² = 2.28346 × 10⁸ 元 = 2.28 亿元 (table: 2.2835). Tolerance 0.005 in the last
  /// published digit (km² and 亿元 are rounded to 2 decimals; the table value to 4).
  @Test func ganziSandFixationReproduces() {
    let q = 779.42 * formulaWan
    let area = sandFixationArea(sandFixed: q, sandBulkDensity: 1.28, coverThickness: 0.1)
    #expect(
      formulaIsClose(
        area / UnitConversion.squareMetresPerSquareKilometre, 60.89, tolerance: 0.005))
    let value = sandFixationValue(
      sandFixed: q, sandBulkDensity: 1.28, coverThickness: 0.1, sandControlCost: 3.75)
    #expect(formulaIsClose(value / formulaYi, 2.28, tolerance: 0.005))
    #expect(formulaIsClose(value / formulaYi, 2.2835, tolerance: 0.00005))
  }

  // MARK: One cell from soil, terrain and cover

  /// Hand computation of one forest cell (the same cell as the pipeline's
  /// `SandFixationTests.handComputedCell`): WF = 20 kg/m; Sa 60, Si 30, Cl 10, OM 2, CaCO₃ 1 %;
  /// slope 10°; FVC 10 %; α = −0.1535 (woodland, §11.2).
  ///
  ///     EF  = (29.09 + 0.31·60 + 0.17·30 + 0.33·60/10 − 2.59·2 − 0.95·1)/100
  ///         = (29.09 + 18.6 + 5.1 + 1.98 − 5.18 − 0.95)/100 = 48.64/100 = 0.4864
  ///     SCF = 1/(1 + 0.0066·10² + 0.021·2²) = 1/1.744 = 0.573394
  ///     K′  = cos 10° = 0.984808
  ///     C   = exp(−0.1535 × 10) = exp(−1.535) = 0.215456
  ///     X   = 20 × 0.4864 × 0.573394 × 0.984808 = 5.493240 kg/m
  ///   integrated: 0.1699 × X^1.3711 = 0.1699 × 10.33663 = 1.756193 (potential);
  ///     × C^1.3711 = × 0.121890 → 0.214062 (actual); Q_sf = 1.756193 − 0.214062 = 1.542131 kg/m²
  ///   full (z = 50 m): potential s = 150.71 × X^−0.3711 = 80.0925 m, Q_max = 109.8 X = 603.158,
  ///     SL = 2·50/80.0925² × 603.158 × exp(−(50/80.0925)²) = 9.402590 × 0.677244 = 6.367848;
  ///     actual X·C = 1.183549: s = 141.5737 m, Q_max = 129.9538,
  ///     SL = 100/141.5737² × 129.9538 × exp(−(50/141.5737)²) = 0.648371 × 0.882734 = 0.572339;
  ///     Q_sf = 6.367848 − 0.572339 = 5.795509 kg/m²
  @Test func cellSandFixationHandComputation() throws {
    func cell(_ form: RWEQSandFixationForm) -> Double? {
      rweqCellSandFixation(
        weatherFactor: 20, sandPercent: 60, siltPercent: 30, clayPercent: 10,
        organicMatterPercent: 2, calciumCarbonatePercent: 1, slopeDegrees: 10, coverPercent: 10,
        alpha: -0.1535, form: form)
    }
    #expect(formulaIsClose(try #require(cell(.integrated)), 1.542131, tolerance: 1e-6))
    #expect(formulaIsClose(try #require(cell(.full)), 5.795509, tolerance: 1e-6))
  }

  /// EF leaves [0, 1] for organic or calcareous soils: clipped, so an EF regression below 0
  /// gives no erosion (Q_sf = 0), never a NaN from a negative base; no clay: nil (Sa/Cl
  /// undefined); no wind above the threshold (WF = 0): 0 in both forms.
  @Test func cellSandFixationEdges() {
    // OM 12 %: EF = (29.09 + 18.6 + 5.1 + 1.98 − 31.08 − 0.95 × 30)/100 = −4.81/100 < 0 → 0.
    for form in RWEQSandFixationForm.allCases {
      #expect(
        rweqCellSandFixation(
          weatherFactor: 20, sandPercent: 60, siltPercent: 30, clayPercent: 10,
          organicMatterPercent: 12, calciumCarbonatePercent: 30, slopeDegrees: 0,
          coverPercent: 50, alpha: -0.1535, form: form) == 0)
      #expect(
        rweqCellSandFixation(
          weatherFactor: 20, sandPercent: 100, siltPercent: 0, clayPercent: 0,
          organicMatterPercent: 0, calciumCarbonatePercent: 0, slopeDegrees: 0,
          coverPercent: 50, alpha: -0.1535, form: form) == nil)
      #expect(
        rweqCellSandFixation(
          weatherFactor: 0, sandPercent: 60, siltPercent: 30, clayPercent: 10,
          organicMatterPercent: 2, calciumCarbonatePercent: 1, slopeDegrees: 10,
          coverPercent: 10, alpha: -0.1535, form: form) == 0)
    }
  }

  // MARK: Station weather factor of a year

  /// A year (2023, 365 days) of monthly periods at a station at sea level, every day
  /// U₁₀ = 10 m/s, T = 15 °C, ET_p = 2 mm, no rain, no snow, except:
  /// January rain 3 mm every day; February snow depth 30 mm (> 25.4) on days 1–14; March
  /// days 1–10 not observed.
  ///
  ///     U₂ = 10 × 0.2^(1/7) = 7.945974 m/s; term = 7.945974 × (2.945974)² = 68.961226 m³/s³
  ///     ρ = 348 × 1.013 / 288.15 = 1.223404 kg/m³; ρ/g = 0.124837
  ///     term × ρ/g = 8.608926 per day
  ///     January: SW = (62 − 93 × 31/31)/62 = −0.5 → 0, WF = 0
  ///     February: SD = 1 − 14/28 = 0.5, WF = 8.608926 × 28 × 0.5 = 120.524961
  ///     March: N = 21 of N_d = 31: Σ = 21 × term, × N_d/N = 31 × term → 266.876700
  ///     other months: 8.608926 × N_d; year: 8.608926 × (365 − 31 − 14) = 2754.856258 kg/m
  @Test func stationWeatherFactorOfAYear() throws {
    var days: [RWEQDay] = []
    for d in CalendarDay.allDays(of: 2023) where !(d.month == 3 && d.day <= 10) {
      days.append(
        RWEQDay(
          day: d, windSpeed10m: 10, temperatureCelsius: 15, rainfall: d.month == 1 ? 3 : 0,
          potentialEvapotranspiration: 2,
          snowDepth: d.month == 2 && d.day <= 14 ? 30 : 0))
    }
    let wf = try #require(
      rweqStationWeatherFactor(
        days: days, year: 2023, elevationKilometres: 0, period: .month))
    #expect(wf.periods.count == 12)
    #expect(wf.periods[0] == 0)
    #expect(formulaIsClose(wf.periods[1], 120.524961, tolerance: 1e-5))
    #expect(formulaIsClose(wf.periods[2], 266.876700, tolerance: 1e-5))
    #expect(formulaIsClose(wf.periods[3], 8.608926 * 30, tolerance: 1e-4))
    #expect(formulaIsClose(wf.annual, 2754.856258, tolerance: 1e-5))
    // Half-months: the same year in 24 periods gives the same sum here (SW, SD and ρ are
    // uniform within each month of this series).
    let half = try #require(
      rweqStationWeatherFactor(days: days, year: 2023, elevationKilometres: 0))
    #expect(half.periods.count == 24)
    #expect(formulaIsClose(half.annual, 2754.856258, tolerance: 1e-5))
    // Calm (U₂ ≤ U_t every day): WF = 0 — the "no wind erosion" case.
    let calm = days.map { d -> RWEQDay in
      var c = d
      c.windSpeed10m = 6  // U₂ = 4.77 m/s ≤ 5
      return c
    }
    #expect(
      rweqStationWeatherFactor(days: calm, year: 2023, elevationKilometres: 0)?.annual == 0)
    // A period without any observed day: no WF for the year.
    #expect(
      rweqStationWeatherFactor(
        days: days.filter { $0.day.month != 7 }, year: 2023, elevationKilometres: 0) == nil)
  }
}
