import Foundation

// 土壤保持 (soil conservation): RUSLE potential minus actual erosion, its factors, and its
// replacement-cost valuation. Source of truth: GEP-METHODS.md §5.2, §11.3, §11.4.

/// Which RUSLE retention form a standard profile uses.
///
/// GEP-METHODS §5.2, §12.9: A_p − A_a = R·K·LS·(1 − C·P) (MEE/national wording UNCONFIRMED,
/// algebraically the CONFIRMED potential-minus-actual of [S5][S6]) versus Bo et al.'s
/// R·K·LS·(1 − C) without P [S3].
public enum SoilConservationForm: String, Sendable, CaseIterable, Codable {
  /// R·K·LS·(1 − C·P): potential minus actual erosion (default).
  case coverAndPractice
  /// R·K·LS·(1 − C): the P factor is ignored [S3].
  case coverOnly
}

// MARK: - Physical quantity

/// Potential soil erosion (潜在土壤侵蚀量): no vegetation, no support practice.
///
///     A_p = R × K × LS
///
/// - Parameters:
///   - erosivity: R, rainfall erosivity, MJ·mm·hm⁻²·h⁻¹·a⁻¹.
///   - erodibility: K, soil erodibility, t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹.
///   - ls: slope length–steepness factor LS = L × S, dimensionless.
/// - Returns: t·hm⁻²·a⁻¹.
/// - Note: GEP-METHODS §5.2 [S5][S6].
@inlinable
public func potentialSoilErosion(erosivity: Double, erodibility: Double, ls: Double) -> Double {
  erosivity * erodibility * ls
}

/// Actual soil erosion (实际土壤侵蚀量) under the present cover and practice.
///
///     A_a = R × K × LS × C × P
///
/// - Parameters:
///   - erosivity: R, MJ·mm·hm⁻²·h⁻¹·a⁻¹.
///   - erodibility: K, t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹.
///   - ls: LS factor, dimensionless.
///   - usleC: cover-management factor C, 0…1.
///   - usleP: support-practice factor P, 0…1 (1 = no practice).
/// - Returns: t·hm⁻²·a⁻¹.
/// - Note: GEP-METHODS §5.2 [S5][S6].
@inlinable
public func actualSoilErosion(
  erosivity: Double, erodibility: Double, ls: Double, usleC: Double, usleP: Double
) -> Double {
  erosivity * erodibility * ls * usleC * usleP
}

/// Soil conservation (土壤保持量) of one cell: RUSLE potential minus actual erosion.
///
///     coverAndPractice : Q_sr = R × K × LS × (1 − C × P)
///     coverOnly        : Q_sr = R × K × LS × (1 − C)
///
/// - Parameters:
///   - erosivity: R, rainfall erosivity, MJ·mm·hm⁻²·h⁻¹·a⁻¹ (InVEST SDR `erosivity_path`).
///   - erodibility: K, soil erodibility, t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹.
///   - ls: slope length–steepness factor, dimensionless.
///   - usleC: cover-management factor C, 0…1.
///   - usleP: support-practice factor P, 0…1; ignored by `.coverOnly`.
///   - form: retention form; default `.coverAndPractice`.
/// - Returns: t·hm⁻²·a⁻¹ (hm² = ha). Multiply by the cell area in hm² for t/a.
///   Non-negative whenever R, K, LS ≥ 0 and C·P ≤ 1 (resp. C ≤ 1).
/// - Note: GEP-METHODS §5.2 [S3][S5][S6]. Cross-check: InVEST SDR `avoided_erosion`
///   = RKLS − USLE. Mask non-erodible classes (water, built-up, glacier) before calling, rather
///   than relying on P = 0 (§11.3, §12.6).
@inlinable
public func soilConservation(
  erosivity: Double, erodibility: Double, ls: Double, usleC: Double, usleP: Double,
  form: SoilConservationForm = .coverAndPractice
) -> Double {
  let retainedShare: Double
  switch form {
  case .coverAndPractice: retainedShare = 1 - usleC * usleP
  case .coverOnly: retainedShare = 1 - usleC
  }
  return erosivity * erodibility * ls * retainedShare
}

// MARK: - Valuation

/// Volume of reduced sediment deposition (减少泥沙淤积量) in reservoirs and rivers.
///
///     V = λ × Q_sr / ρ
///
/// - Parameters:
///   - soilRetained: Q_sr, soil conservation amount, t/a.
///   - depositionCoefficient: λ, sediment deposition coefficient (泥沙淤积系数), fraction;
///     0.24 in [S1][S5].
///   - bulkDensity: ρ, soil bulk density (土壤容重), t/m³ (0.93 Ganzi [S1], 1.17 Huanghua [S5]).
/// - Returns: m³/a.
/// - Note: GEP-METHODS §5.2 [S1]. Ganzi: 0.24 × 38.86 亿 t / 0.93 = 10.03 亿 m³ [S1].
@inlinable
public func reducedSedimentDepositionVolume(
  soilRetained: Double, depositionCoefficient: Double, bulkDensity: Double
) -> Double {
  depositionCoefficient * soilRetained / bulkDensity
}

/// Value of reduced sediment deposition (减少泥沙淤积价值), replacement cost (替代成本法).
///
///     V_sd = λ × (Q_sr / ρ) × c
///
/// - Parameters:
///   - soilRetained: Q_sr, soil conservation amount, t/a.
///   - depositionCoefficient: λ, fraction (0.24 [S1][S5]).
///   - bulkDensity: ρ, soil bulk density, t/m³.
///   - dredgingCost: c, reservoir dredging cost (水库清淤工程费用), 元/m³ (15.58, Ganzi 2010 [S1]);
///     VARIANT: reservoir unit-capacity cost 7.53 元/m³ [S5].
/// - Returns: 元/a.
/// - Note: GEP-METHODS §5.2 [S1][S3].
@inlinable
public func reducedSedimentDepositionValue(
  soilRetained: Double, depositionCoefficient: Double, bulkDensity: Double, dredgingCost: Double
) -> Double {
  reducedSedimentDepositionVolume(
    soilRetained: soilRetained, depositionCoefficient: depositionCoefficient,
    bulkDensity: bulkDensity) * dredgingCost
}

/// Amount of one nutrient (N or P) kept out of non-point-source pollution (减少面源污染量).
///
///     Q_i = Q_sr × C_i / 100
///
/// - Parameters:
///   - soilRetained: Q_sr, soil conservation amount, t/a.
///   - nutrientContentPercent: C_i, pure N or P content of the soil, **percent**
///     (Ganzi: N 0.37 %, P 0.108 % [S1]).
/// - Returns: t/a of the nutrient.
/// - Note: GEP-METHODS §5.2 [S1].
@inlinable
public func reducedNutrientLoss(soilRetained: Double, nutrientContentPercent: Double) -> Double {
  soilRetained * nutrientContentPercent / UnitConversion.percentPerFraction
}

/// Value of one nutrient's reduced non-point-source pollution (减少面源污染价值).
///
///     V_i = Q_sr × C_i / 100 × p_i
///
/// - Parameters:
///   - soilRetained: Q_sr, t/a.
///   - nutrientContentPercent: C_i, N or P content, percent.
///   - removalCost: p_i, unit cost of removing the nutrient (环境工程降解成本), 元/t
///     (Ganzi: N 875, P 2800 [S1]; VARIANT fertilizer price 2549 元/t [S5]).
/// - Returns: 元/a. Sum N and P (V_dpd) and add `reducedSedimentDepositionValue` for V_sr.
/// - Note: GEP-METHODS §5.2 [S1][S3].
@inlinable
public func reducedNutrientLossValue(
  soilRetained: Double, nutrientContentPercent: Double, removalCost: Double
) -> Double {
  reducedNutrientLoss(soilRetained: soilRetained, nutrientContentPercent: nutrientContentPercent)
    * removalCost
}

// MARK: - S factor

/// RUSLE slope steepness factor S, McCool form with Liu et al.'s steep-slope branch.
///
///     S = 10.8 sin θ + 0.03      θ < 5°
///     S = 16.8 sin θ − 0.50      5° ≤ θ < 10°
///     S = 21.91 sin θ − 0.96     θ ≥ 10°
///
/// - Parameter slopeDegrees: θ, slope angle, degrees (0…90).
/// - Returns: S, dimensionless.
/// - Note: GEP-METHODS §5.2 (thresholds 5°/10°: [S7] uses 21.9, [S5] 21.91). The first two
///   branches are McCool et al. (1987, Trans. ASAE 30(5): 1387–1396); the steep-slope branch is
///   Liu, Nearing & Risse (1994, Trans. ASAE 37(6): 1835–1840), fitted to Chinese plots on
///   9–55 % slopes, and is the S of China's soil-erosion survey (CSLE). InVEST and SAGA use only
///   the McCool branches with a 9 % break (`slopeSteepnessFactorMcCool`, FIELD-LESSONS §3.1).
@inlinable
public func slopeSteepnessFactor(slopeDegrees: Double) -> Double {
  let sine = sin(slopeDegrees * Double.pi / 180)
  if slopeDegrees < 5 { return 10.8 * sine + 0.03 }
  if slopeDegrees < 10 { return 16.8 * sine - 0.50 }
  return 21.91 * sine - 0.96
}

/// RUSLE slope steepness factor S, McCool et al. (1987) form alone.
///
///     S = 10.8 sin θ + 0.03      tan θ < 0.09 (slope < 9 %)
///     S = 16.8 sin θ − 0.50      tan θ ≥ 0.09
///
/// - Parameter slopeDegrees: θ, slope angle, degrees (0…90).
/// - Returns: S, dimensionless.
/// - Note: McCool, Brown, Foster, Mutchler & Meyer (1987), Trans. ASAE 30(5): 1387–1396; the S
///   of InVEST SDR (`_calculate_ls_factor`) and SAGA's LS tools (FIELD-LESSONS §3.1). Above 10°
///   it is below the Liu form: 2.42 vs 2.84 at 10°, 5.25 vs 6.53 at 20°, 7.90 vs 9.99 at 30°.
@inlinable
public func slopeSteepnessFactorMcCool(slopeDegrees: Double) -> Double {
  let sine = sin(slopeDegrees * Double.pi / 180)
  if tan(slopeDegrees * Double.pi / 180) < 0.09 { return 10.8 * sine + 0.03 }
  return 16.8 * sine - 0.50
}

// MARK: - L factor

/// Slope-length exponent m stepped by slope gradient (Wischmeier–Smith style, as in [S5]).
///
///     m = 0.2 (s < 1 %), 0.3 (1 % ≤ s < 3 %), 0.4 (3 % ≤ s < 9 %), 0.5 (s ≥ 9 %)
///
/// - Parameter slopePercent: s, slope gradient, percent (100 × tan θ).
/// - Returns: m, dimensionless.
/// - Note: GEP-METHODS §5.2 [S5]. InVEST's table differs (≤ 1, ≤ 3.5, ≤ 5, ≤ 9 %, then McCool),
///   so results are not identical to InVEST SDR.
@inlinable
public func slopeLengthExponent(slopePercent: Double) -> Double {
  if slopePercent < 1 { return 0.2 }
  if slopePercent < 3 { return 0.3 }
  if slopePercent < 9 { return 0.4 }
  return 0.5
}

/// Slope-length exponent m from slope angle (McCool et al. 1989).
///
///     β = (sin θ / 0.0896) / (3 (sin θ)^0.8 + 0.56),   m = β / (1 + β)
///
/// - Parameter slopeDegrees: θ, slope angle, degrees.
/// - Returns: m, dimensionless, in [0, 1).
/// - Note: GEP-METHODS §5.2 [S5][S7] ([S7]'s code uses another constant than 0.0896 — treated as
///   a bug there); same as InVEST SDR for steep slopes.
@inlinable
public func slopeLengthExponentMcCool(slopeDegrees: Double) -> Double {
  let sine = sin(slopeDegrees * Double.pi / 180)
  let beta = (sine / 0.0896) / (3 * pow(sine, 0.8) + 0.56)
  return beta / (1 + beta)
}

/// RUSLE slope length factor L from a slope length.
///
///     L = (λ / 22.13)^m
///
/// - Parameters:
///   - slopeLength: λ, horizontal slope length, m.
///   - exponent: m, from `slopeLengthExponent(slopePercent:)` or `slopeLengthExponentMcCool`.
/// - Returns: L, dimensionless (22.13 m = 72.6 ft, the USLE unit plot length).
/// - Note: GEP-METHODS §5.2 [S5].
@inlinable
public func slopeLengthFactor(slopeLength: Double, exponent: Double) -> Double {
  pow(slopeLength / 22.13, exponent)
}

/// Contour-direction factor x of the Desmet–Govers L factor.
///
///     x = |sin a| + |cos a|
///
/// - Parameter aspectDegrees: a, aspect (flow direction), degrees.
/// - Returns: x, dimensionless, in [1, √2].
/// - Note: Desmet & Govers (1996); InVEST SDR computes x from the slope angle instead of the
///   aspect (FIELD-LESSONS §3.1). Pass whichever the profile prescribes to
///   `slopeLengthFactorDesmetGovers`.
@inlinable
public func contourDirectionFactor(aspectDegrees: Double) -> Double {
  let radians = aspectDegrees * Double.pi / 180
  return abs(sin(radians)) + abs(cos(radians))
}

/// RUSLE slope length factor L from the upslope contributing area (Desmet & Govers 1996).
///
///     L = ((A_in + D²)^(m+1) − A_in^(m+1)) / (D^(m+2) · x^m · 22.13^m)
///
/// - Parameters:
///   - upslopeArea: A_in, contributing area at the cell inlet, m² in Desmet & Govers (1996):
///     flow accumulation excluding the cell × cell area, (FA − 1)·D². InVEST SDR ≥ 3.14 and
///     SAGA ("square root of catchment area") pass √((FA − 1)·D²), in m, instead: the same
///     formula with a different argument (`LSMethod.desmetGoversSquareRoot`).
///   - cellSize: D, cell side length, m.
///   - exponent: m, slope-length exponent.
///   - directionFactor: x, see `contourDirectionFactor(aspectDegrees:)`.
/// - Returns: L, dimensionless. With A_in = 0, x = 1 it equals (D/22.13)^m.
/// - Note: Desmet & Govers (1996), J. Soil Water Conserv. 51(5): 427–433; GEP-METHODS §5.2.
///   This is the published form with the area in m², not InVEST's: InVEST 3.20 takes the
///   square root of the area (its ADR-0001) and x from the slope angle (FIELD-LESSONS §3.1).
@inlinable
public func slopeLengthFactorDesmetGovers(
  upslopeArea: Double, cellSize: Double, exponent: Double, directionFactor: Double
) -> Double {
  let m = exponent
  let numerator = pow(upslopeArea + cellSize * cellSize, m + 1) - pow(upslopeArea, m + 1)
  let denominator = pow(cellSize, m + 2) * pow(directionFactor, m) * pow(22.13, m)
  return numerator / denominator
}

// MARK: - C factor

/// RUSLE cover-management factor C from fractional vegetation cover (蔡崇法 et al. 2000).
///
///     C = 1                          f = 0
///     C = 0.6508 − 0.3436 lg f       0 < f < 78.3
///     C = 0                          f ≥ 78.3
///
/// - Parameter coverPercent: f, fractional vegetation cover in **percent** (0…100), lg = log10.
///   A fraction must be multiplied by 100 first (`UnitConversion.percentPerFraction`); [S7]
///   applies ln to a fraction, which is inconsistent with the original.
/// - Returns: C, dimensionless, clamped to [0, 1] and non-increasing in f. The log branch
///   exceeds 1 for f < 10^(−0.3492/0.3436) ≈ 0.0963 % and is clamped to 1 there; at f = 78.3
///   it is ≈ 1.0 × 10⁻⁴ (the published threshold where C ≈ 0).
/// - Note: GEP-METHODS §5.2, §11.4 [S5][S7].
@inlinable
public func usleCFromVegetationCover(coverPercent: Double) -> Double {
  if coverPercent <= 0 { return 1 }
  if coverPercent >= 78.3 { return 0 }
  let c = 0.6508 - 0.3436 * log10(coverPercent)
  return min(max(c, 0), 1)
}

/// Fractional vegetation cover (植被覆盖度) from NDVI, dimidiate pixel model (像元二分模型).
///
///     FVC = (NDVI − NDVI_soil) / (NDVI_veg − NDVI_soil),   clipped to [0, 1]
///
/// - Parameters:
///   - ndvi: NDVI of the cell, −1…1.
///   - ndviSoil: NDVI of bare soil (e.g. 5th percentile, or 0.2 fixed in [S7]).
///   - ndviVegetation: NDVI of full cover (e.g. 95th percentile, or 0.65 fixed in [S7]);
///     must exceed `ndviSoil`.
/// - Returns: FVC as a **fraction** 0…1 (× 100 for `usleCFromVegetationCover(coverPercent:)`).
/// - Note: GEP-METHODS §5.2 [S7][S8].
@inlinable
public func fractionalVegetationCover(
  ndvi: Double, ndviSoil: Double, ndviVegetation: Double
) -> Double {
  let f = (ndvi - ndviSoil) / (ndviVegetation - ndviSoil)
  return min(max(f, 0), 1)
}

// MARK: - K factor

/// Soil erodibility by the EPIC model (Williams 1984), in US customary units.
///
///     K_EPIC = {0.2 + 0.3 exp[−0.0256 SAN (1 − SIL/100)]} × [SIL/(CLA + SIL)]^0.3
///              × {1 − 0.25 C/[C + exp(3.72 − 2.95 C)]}
///              × {1 − 0.7 SN1/[SN1 + exp(−5.51 + 22.9 SN1)]},   SN1 = 1 − SAN/100
///
/// - Parameters:
///   - sandPercent: SAN, sand content, %.
///   - siltPercent: SIL, silt content, %.
///   - clayPercent: CLA, clay content, %. Requires CLA + SIL > 0.
///   - organicCarbonPercent: C, organic carbon content, %.
/// - Returns: K_EPIC in short ton·acre·h·(100 acre·ft·short tonf·in)⁻¹; multiply by
///   `UnitConversion.siErodibilityPerUSErodibility` (0.1317) or call
///   `soilErodibilityEPIC(sandPercent:siltPercent:clayPercent:organicCarbonPercent:)` for SI.
/// - Note: GEP-METHODS §5.2 [S5][S7].
@inlinable
public func epicErodibilityUSCustomary(
  sandPercent: Double, siltPercent: Double, clayPercent: Double, organicCarbonPercent: Double
) -> Double {
  let san = sandPercent
  let sil = siltPercent
  let c = organicCarbonPercent
  let sn1 = 1 - san / 100
  let sandTerm = 0.2 + 0.3 * exp(-0.0256 * san * (1 - sil / 100))
  let siltClayTerm = pow(sil / (clayPercent + sil), 0.3)
  let carbonTerm = 1 - 0.25 * c / (c + exp(3.72 - 2.95 * c))
  let coarseSandTerm = 1 - 0.7 * sn1 / (sn1 + exp(-5.51 + 22.9 * sn1))
  return sandTerm * siltClayTerm * carbonTerm * coarseSandTerm
}

/// Soil erodibility K in SI units from the EPIC model.
///
///     K = 0.1317 × K_EPIC
///
/// - Parameters: same as `epicErodibilityUSCustomary` (all %).
/// - Returns: K, t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹.
/// - Note: GEP-METHODS §5.2 [S5][S7]. The optional China correction of 张科利,
///   K = −0.01383 + 0.51575 K_EPIC, is UNCONFIRMED and not applied here
///   (see `soilErodibilityZhangCorrection(epicErodibility:)`).
@inlinable
public func soilErodibilityEPIC(
  sandPercent: Double, siltPercent: Double, clayPercent: Double, organicCarbonPercent: Double
) -> Double {
  UnitConversion.siErodibilityPerUSErodibility
    * epicErodibilityUSCustomary(
      sandPercent: sandPercent, siltPercent: siltPercent, clayPercent: clayPercent,
      organicCarbonPercent: organicCarbonPercent)
}

/// Soil erodibility corrected to Chinese runoff-plot measurements (张科利), UNCONFIRMED.
///
///     K = −0.01383 + 0.51575 × K_EPIC
///
/// - Parameter epicErodibility: K_EPIC in SI units (the output of
///   `soilErodibilityEPIC(sandPercent:siltPercent:clayPercent:organicCarbonPercent:)`),
///   t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹. Which unit the regression expects is UNCONFIRMED.
/// - Returns: K, t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹ (may be negative for very small inputs; not clamped).
/// - Note: GEP-METHODS §5.2 (optional; UNCONFIRMED).
@inlinable
public func soilErodibilityZhangCorrection(epicErodibility: Double) -> Double {
  -0.01383 + 0.51575 * epicErodibility
}

// MARK: - R factor

/// Exponent β of the 章文波 half-month erosivity model.
///
///     β = 0.8363 + 18.144 / P_d12 + 24.455 / P_y12
///
/// - Parameters:
///   - meanDailyErosiveRainfall: P_d12, mean daily rainfall of erosive days (≥ 12 mm), mm.
///   - meanAnnualErosiveRainfall: P_y12, mean annual total of erosive daily rainfall, mm.
/// - Returns: β, dimensionless.
/// - Note: GEP-METHODS §5.2 [S5] (章文波, 谢云, 刘宝元 2002).
@inlinable
public func zhangWenboBeta(
  meanDailyErosiveRainfall: Double, meanAnnualErosiveRainfall: Double
) -> Double {
  0.8363 + 18.144 / meanDailyErosiveRainfall + 24.455 / meanAnnualErosiveRainfall
}

/// Coefficient α of the 章文波 half-month erosivity model.
///
///     α = 21.586 × β^(−7.1891)
///
/// - Parameter beta: β from `zhangWenboBeta(meanDailyErosiveRainfall:meanAnnualErosiveRainfall:)`.
/// - Returns: α, MJ·mm·hm⁻²·h⁻¹ per mm^β.
/// - Note: GEP-METHODS §5.2 [S5].
@inlinable
public func zhangWenboAlpha(beta: Double) -> Double {
  21.586 * pow(beta, -7.1891)
}

/// One day's contribution D^β to the 章文波 half-month sum, zero for non-erosive days.
///
///     term = D^β if D ≥ threshold, else 0
///
/// - Parameters:
///   - dailyRainfall: D, daily rainfall, mm.
///   - beta: β of the model.
///   - erosiveThreshold: minimum erosive daily rainfall, mm; default 12 [S5].
/// - Returns: mm^β.
/// - Note: GEP-METHODS §5.2 [S5].
@inlinable
public func erosiveRainfallTerm(
  dailyRainfall: Double, beta: Double, erosiveThreshold: Double = 12
) -> Double {
  dailyRainfall >= erosiveThreshold ? pow(dailyRainfall, beta) : 0
}

/// Half-month rainfall erosivity, 章文波 daily-rainfall model.
///
///     R_hm = α × Σ_j D_j^β
///
/// - Parameters:
///   - sumOfErosiveRainfallTerms: Σ_j D_j^β over the erosive days of the half-month
///     (see `erosiveRainfallTerm(dailyRainfall:beta:erosiveThreshold:)`), mm^β.
///   - alpha: α from `zhangWenboAlpha(beta:)`.
/// - Returns: MJ·mm·hm⁻²·h⁻¹ per half-month; the annual R is the sum of the 24 half-months.
/// - Note: GEP-METHODS §5.2 [S5].
@inlinable
public func halfMonthRainfallErosivity(sumOfErosiveRainfallTerms: Double, alpha: Double) -> Double {
  alpha * sumOfErosiveRainfallTerms
}

/// Monthly rainfall erosivity by a monthly-precipitation regression (as coded in [S7]).
///
///     R_m = max(−1.15527 + 1.792 × P_m, 0)
///
/// - Parameter monthlyPrecipitation: P_m, monthly precipitation, mm (from a rate in mm/h:
///   × `UnitConversion.hoursPerMeanMonth`).
/// - Returns: MJ·mm·hm⁻²·h⁻¹ per month. Clamped at 0 (the line is negative below
///   P_m ≈ 0.645 mm, where erosivity is physically 0); the annual R is the sum of 12 months.
/// - Note: GEP-METHODS §5.2 (CONFIRMED as code [S7]; regression origin UNCONFIRMED).
@inlinable
public func monthlyRainfallErosivityRegression(monthlyPrecipitation: Double) -> Double {
  max(-1.15527 + 1.792 * monthlyPrecipitation, 0)
}
