import Foundation

// 防风固沙 (windbreak and sand fixation): RWEQ (Revised Wind Erosion Equation, Fryrear et al.
// 1998) sub-factors, full and integrated forms, and the sand-control replacement cost.
// Source of truth: GEP-METHODS.md §5.3, §11.2, §11.5.

/// Which arrangement of the RWEQ soil moisture factor SW to use (GEP-METHODS §5.3, VARIANT).
public enum RWEQSoilMoistureFormula: String, Sendable, CaseIterable, Codable {
  /// SW = [ET_p − (R + I) × R_d / N_d] / ET_p — the arrangement of [S10] (default).
  case rainDayWeighted
  /// SW = [ET_p − (R + I)] × N_d / (R_d × ET_p) — as coded in pyrweq [S8].
  case pyrweq
}

// MARK: - Weather factor WF

/// Wind speed at 2 m from a 10 m measurement, 1/7 power law.
///
///     U₂ = U₁₀ × (2/10)^(1/7)
///
/// - Parameter windSpeed10m: U₁₀, wind speed at 10 m, m/s.
/// - Returns: U₂, m/s (factor ≈ 0.7946; some scripts use 0.72 [S10]).
/// - Note: GEP-METHODS §5.3, §11.5 [S8].
@inlinable
public func rweqWindSpeedAt2m(windSpeed10m: Double) -> Double {
  windSpeed10m * pow(0.2, 1.0 / 7.0)
}

/// Air density for RWEQ from elevation and temperature.
///
///     ρ = 348 × (1.013 − 0.1183 EL + 0.0048 EL²) / T
///
/// - Parameters:
///   - elevationKilometres: EL, elevation, km.
///   - temperatureKelvin: T, air temperature, K.
/// - Returns: ρ, kg/m³ (≈ 1.226 at sea level and 287.5 K).
/// - Note: GEP-METHODS §5.3, §11.5 [S8].
@inlinable
public func rweqAirDensity(elevationKilometres: Double, temperatureKelvin: Double) -> Double {
  let el = elevationKilometres
  return 348 * (1.013 - 0.1183 * el + 0.0048 * el * el) / temperatureKelvin
}

/// One wind observation's contribution to the RWEQ wind sum, zero at or below the threshold.
///
///     w = U₂ × (U₂ − U_t)²  if U₂ > U_t, else 0
///
/// - Parameters:
///   - windSpeed2m: U₂, wind speed at 2 m, m/s.
///   - thresholdWindSpeed: U_t, erosion threshold wind speed, m/s; default 5 [S8][S9].
/// - Returns: m³/s³.
/// - Note: GEP-METHODS §5.3 [S8].
@inlinable
public func rweqWindTerm(windSpeed2m: Double, thresholdWindSpeed: Double = 5) -> Double {
  guard windSpeed2m > thresholdWindSpeed else { return 0 }
  let excess = windSpeed2m - thresholdWindSpeed
  return windSpeed2m * excess * excess
}

/// RWEQ weather factor WF for one period.
///
///     WF = Σ_i U₂,i (U₂,i − U_t)² × (N_d / N) × (ρ / g) × SW × SD
///
/// - Parameters:
///   - windTermSum: Σ_i of `rweqWindTerm(windSpeed2m:thresholdWindSpeed:)` over the N
///     observations of the period, m³/s³.
///   - daysInPeriod: N_d, days in the period (15 for a half-month), d.
///   - observationCount: N, number of wind observations in the period.
///   - airDensity: ρ, kg/m³ (`rweqAirDensity(elevationKilometres:temperatureKelvin:)`).
///   - soilMoistureFactor: SW, 0…1.
///   - snowFactor: SD, 0…1.
///   - gravity: g, m/s²; default 9.8 [S8].
/// - Returns: WF, kg/m per period (the RWEQ convention [S8]).
/// - Note: GEP-METHODS §5.3 [S8].
@inlinable
public func rweqWeatherFactor(
  windTermSum: Double, daysInPeriod: Double, observationCount: Double, airDensity: Double,
  soilMoistureFactor: Double, snowFactor: Double, gravity: Double = 9.8
) -> Double {
  windTermSum * daysInPeriod / observationCount * airDensity / gravity * soilMoistureFactor
    * snowFactor
}

/// RWEQ soil moisture factor SW for one period, clipped to [0, 1].
///
///     rainDayWeighted : SW = [ET_p − (R + I) × R_d / N_d] / ET_p
///     pyrweq          : SW = [ET_p − (R + I)] × N_d / (R_d × ET_p)
///
/// - Parameters:
///   - potentialEvapotranspiration: ET_p, potential ET of the period, mm (> 0).
///   - rainfall: R, rainfall of the period, mm.
///   - irrigation: I, irrigation of the period, mm.
///   - rainDays: R_d, number of rain (and irrigation) days in the period.
///   - daysInPeriod: N_d, days in the period.
///   - formula: arrangement; no default (VARIANT, GEP-METHODS §5.3).
/// - Returns: SW, dimensionless, 0…1.
/// - Note: GEP-METHODS §5.3 [S8][S10]. [S9] uses (ET_p − P·days)/ET_p — not implemented.
@inlinable
public func rweqSoilMoistureFactor(
  potentialEvapotranspiration: Double, rainfall: Double, irrigation: Double, rainDays: Double,
  daysInPeriod: Double, formula: RWEQSoilMoistureFormula
) -> Double {
  let etp = potentialEvapotranspiration
  let water = rainfall + irrigation
  let sw: Double
  switch formula {
  case .rainDayWeighted: sw = (etp - water * rainDays / daysInPeriod) / etp
  case .pyrweq: sw = (etp - water) * daysInPeriod / (rainDays * etp)
  }
  return min(max(sw, 0), 1)
}

/// Potential evapotranspiration for RWEQ's SW from radiation and temperature (as in [S9]).
///
///     ET_p = 0.0135 × (SR / 2.54) × (T + 17.8)
///
/// - Parameters:
///   - solarRadiation: SR, solar radiation, MJ·m⁻² per day.
///   - temperatureCelsius: T, mean air temperature, °C.
/// - Returns: ET_p, mm/d (multiply by the period's days).
/// - Note: GEP-METHODS §5.3 [S9].
@inlinable
public func rweqPotentialEvapotranspiration(
  solarRadiation: Double, temperatureCelsius: Double
) -> Double {
  0.0135 * (solarRadiation / 2.54) * (temperatureCelsius + 17.8)
}

/// RWEQ snow cover factor SD.
///
///     SD = 1 − p(snow depth > 25.4 mm)
///
/// - Parameter probabilityOfSnowCover: p, share of the period's days (0…1) with snow depth
///   above 25.4 mm [S8].
/// - Returns: SD, 0…1.
/// - Note: GEP-METHODS §5.3, §11.5 [S8].
@inlinable
public func rweqSnowFactor(probabilityOfSnowCover: Double) -> Double {
  1 - probabilityOfSnowCover
}

/// The periods of the RWEQ weather factor within a year (GEP-METHODS §5.3 Grain: half-month
/// default in [S8], monthly in [S9]).
public enum RWEQPeriod: String, Sendable, CaseIterable, Codable {
  /// 24 periods: days 1–15 and 16–end of each month (`CalendarDay.halfMonth`).
  case halfMonth = "half_month"
  /// 12 calendar months.
  case month

  /// The index of a day's period (0-based).
  public func index(of day: CalendarDay) -> Int {
    self == .halfMonth ? day.halfMonth : day.month - 1
  }

  /// Number of periods in a year.
  public var count: Int { self == .halfMonth ? 24 : 12 }
}

/// One day of station weather for the RWEQ weather factor.
public struct RWEQDay: Sendable, Hashable {
  /// The day.
  public var day: CalendarDay
  /// Daily mean wind speed at 10 m, m/s (converted to 2 m by `rweqWindSpeedAt2m`).
  public var windSpeed10m: Double
  /// Daily mean air temperature, °C (for the air density ρ).
  public var temperatureCelsius: Double
  /// Rainfall of the day, mm.
  public var rainfall: Double
  /// Potential evapotranspiration of the day, mm (ET_p of SW).
  public var potentialEvapotranspiration: Double
  /// Snow depth, mm; nil when not observed (then the day counts as without snow cover).
  public var snowDepth: Double?

  /// Memberwise initializer (units as the properties).
  public init(
    day: CalendarDay, windSpeed10m: Double, temperatureCelsius: Double, rainfall: Double,
    potentialEvapotranspiration: Double, snowDepth: Double? = nil
  ) {
    self.day = day
    self.windSpeed10m = windSpeed10m
    self.temperatureCelsius = temperatureCelsius
    self.rainfall = rainfall
    self.potentialEvapotranspiration = potentialEvapotranspiration
    self.snowDepth = snowDepth
  }
}

/// The RWEQ weather factor of one station and year, period by period, from daily weather.
///
/// Per period p with N observed days of its N_d calendar days:
///
///     Wf  = Σ_days U₂(U₂ − U_t)²,  U₂ = U₁₀ × 0.2^(1/7), 0 at or below U_t
///     ρ   = 348 (1.013 − 0.1183 EL + 0.0048 EL²) / (T̄ + 273.15)
///     SW  = `rweqSoilMoistureFactor` with ET_p = ΣET_p × N_d/N, R = ΣR × N_d/N, I = 0,
///           R_d = (days with R > rainDayThreshold) × N_d/N; SW = 0 when ET_p ≤ 0
///     SD  = 1 − (days with snow depth > snowDepthThreshold) / N
///     WF_p = Wf × N_d/N × ρ/g × SW × SD                                      (kg/m)
///
/// and the year's WF = Σ_p WF_p (the RWEQ convention of summing periods, [S8]). Days are
/// observations (N_d/N = 1 for a complete period); a period without any observed day has no
/// WF (nil) and makes the year nil.
///
/// SW = 0 at ET_p ≤ 0 is the limit of the formula for rain in the period (a period without
/// evaporative demand keeps the soil moist) and a choice of this engine when it is dry too.
/// Irrigation I is 0 (no irrigation data are read).
///
/// - Parameters:
///   - days: the year's observed days (any order; a day absent is not observed).
///   - year: the year.
///   - elevationKilometres: EL, station elevation, km.
///   - period: half-month (default, [S8]) or month ([S9]).
///   - thresholdWindSpeed: U_t at 2 m, m/s (5 [S8][S9]).
///   - snowDepthThreshold: snow depth above which the soil counts as covered, mm (25.4 [S8]).
///   - rainDayThreshold: rainfall above which a day is a rain day, mm (0: any rain).
///   - soilMoistureFormula: the SW arrangement (`RWEQSoilMoistureFormula`).
///   - gravity: g, m/s² (9.8 [S8]).
/// - Returns: WF per period (kg/m) and the year's sum, or nil when a period has no day.
/// - Note: GEP-METHODS §5.3, §11.5 [S8][S9][S10]; RWEQ, Fryrear et al. 1998.
public func rweqStationWeatherFactor(
  days: [RWEQDay], year: Int, elevationKilometres: Double, period: RWEQPeriod = .halfMonth,
  thresholdWindSpeed: Double = 5, snowDepthThreshold: Double = 25.4,
  rainDayThreshold: Double = 0, soilMoistureFormula: RWEQSoilMoistureFormula = .rainDayWeighted,
  gravity: Double = 9.8
) -> (periods: [Double], annual: Double)? {
  let n = period.count
  var calendarDays = [Double](repeating: 0, count: n)
  for d in CalendarDay.allDays(of: year) { calendarDays[period.index(of: d)] += 1 }
  var observed = [Double](repeating: 0, count: n)
  var wind = [Double](repeating: 0, count: n)
  var temperature = [Double](repeating: 0, count: n)
  var rain = [Double](repeating: 0, count: n)
  var rainDays = [Double](repeating: 0, count: n)
  var etp = [Double](repeating: 0, count: n)
  var snowDays = [Double](repeating: 0, count: n)
  for d in days where d.day.year == year {
    let p = period.index(of: d.day)
    observed[p] += 1
    wind[p] += rweqWindTerm(
      windSpeed2m: rweqWindSpeedAt2m(windSpeed10m: d.windSpeed10m),
      thresholdWindSpeed: thresholdWindSpeed)
    temperature[p] += d.temperatureCelsius
    rain[p] += d.rainfall
    if d.rainfall > rainDayThreshold { rainDays[p] += 1 }
    etp[p] += d.potentialEvapotranspiration
    if let s = d.snowDepth, s > snowDepthThreshold { snowDays[p] += 1 }
  }
  var out: [Double] = []
  for p in 0..<n {
    guard observed[p] > 0 else { return nil }
    let scale = calendarDays[p] / observed[p]
    let rho = rweqAirDensity(
      elevationKilometres: elevationKilometres,
      temperatureKelvin: temperature[p] / observed[p] + 273.15)
    let periodETp = etp[p] * scale
    let sw =
      periodETp > 0
      ? rweqSoilMoistureFactor(
        potentialEvapotranspiration: periodETp, rainfall: rain[p] * scale, irrigation: 0,
        rainDays: rainDays[p] * scale, daysInPeriod: calendarDays[p],
        formula: soilMoistureFormula) : 0
    let sd = rweqSnowFactor(probabilityOfSnowCover: snowDays[p] / observed[p])
    out.append(
      rweqWeatherFactor(
        windTermSum: wind[p], daysInPeriod: calendarDays[p], observationCount: observed[p],
        airDensity: rho, soilMoistureFactor: sw, snowFactor: sd, gravity: gravity))
  }
  return (out, out.reduce(0, +))
}

// MARK: - Soil factors EF, SCF

/// Soil organic matter from organic carbon (van Bemmelen factor).
///
///     OM = 1.724 × SOC
///
/// - Parameter organicCarbonPercent: SOC, %.
/// - Returns: OM, %.
/// - Note: GEP-METHODS §5.3.
@inlinable
public func organicMatterPercent(organicCarbonPercent: Double) -> Double {
  1.724 * organicCarbonPercent
}

/// RWEQ erodible fraction EF.
///
///     EF = (29.09 + 0.31 Sa + 0.17 Si + 0.33 Sa/Cl − 2.59 OM − 0.95 CaCO₃) / 100
///
/// - Parameters:
///   - sandPercent: Sa, sand, %.
///   - siltPercent: Si, silt, %.
///   - clayPercent: Cl, clay, % (> 0).
///   - organicMatterPercent: OM, organic matter, %.
///   - calciumCarbonatePercent: CaCO₃, %.
/// - Returns: EF, fraction (not clamped).
/// - Note: GEP-METHODS §5.3, §11.5 [S8][S9].
@inlinable
public func rweqErodibleFraction(
  sandPercent: Double, siltPercent: Double, clayPercent: Double, organicMatterPercent: Double,
  calciumCarbonatePercent: Double
) -> Double {
  (29.09 + 0.31 * sandPercent + 0.17 * siltPercent + 0.33 * sandPercent / clayPercent
    - 2.59 * organicMatterPercent - 0.95 * calciumCarbonatePercent) / 100
}

/// RWEQ soil crust factor SCF.
///
///     SCF = 1 / (1 + 0.0066 Cl² + 0.021 OM²)
///
/// - Parameters:
///   - clayPercent: Cl, clay, %.
///   - organicMatterPercent: OM, organic matter, %.
/// - Returns: SCF, dimensionless, (0, 1].
/// - Note: GEP-METHODS §5.3, §11.5 [S8][S9].
@inlinable
public func rweqSoilCrustFactor(clayPercent: Double, organicMatterPercent: Double) -> Double {
  1 / (1 + 0.0066 * clayPercent * clayPercent + 0.021 * organicMatterPercent * organicMatterPercent)
}

// MARK: - Roughness factor K′

/// Smith–Carson terrain roughness K_r.
///
///     K_r = 0.2 × ΔH² / L
///
/// - Parameters:
///   - elevationRange: ΔH, elevation difference within the window, cm (RWEQ convention).
///   - distance: L, distance over which ΔH is measured, cm (same unit as ΔH).
/// - Returns: K_r, cm.
/// - Note: GEP-METHODS §5.3, §11.5 [S8][S9]. Unit convention (cm) UNCONFIRMED in the national
///   guide; keep ΔH and L in the same unit.
@inlinable
public func smithCarsonTerrainRoughness(elevationRange: Double, distance: Double) -> Double {
  0.2 * elevationRange * elevationRange / distance
}

/// Random roughness C_rr from fractional vegetation cover (as coded in [S9]).
///
///     C_rr = 17.46 × (0.025 + 2.464 × fvc^3.56)^0.738
///
/// - Parameter coverFraction: fvc, fractional vegetation cover as a **fraction** 0…1.
/// - Returns: C_rr, cm.
/// - Note: GEP-METHODS §5.3 [S9].
@inlinable
public func rweqRandomRoughness(coverFraction: Double) -> Double {
  17.46 * pow(0.025 + 2.464 * pow(coverFraction, 3.56), 0.738)
}

/// RWEQ surface roughness factor K′.
///
///     K′ = exp(1.86 K_r − 2.41 K_r^0.934 − 0.127 C_rr)
///
/// - Parameters:
///   - terrainRoughness: K_r, cm (`smithCarsonTerrainRoughness(elevationRange:distance:)`).
///   - randomRoughness: C_rr, cm.
/// - Returns: K′, dimensionless.
/// - Note: GEP-METHODS §5.3, §11.5 [S8][S9].
@inlinable
public func rweqRoughnessFactor(terrainRoughness: Double, randomRoughness: Double) -> Double {
  exp(1.86 * terrainRoughness - 2.41 * pow(terrainRoughness, 0.934) - 0.127 * randomRoughness)
}

/// Simplified RWEQ roughness factor.
///
///     K′ = cos(slope)
///
/// - Parameter slopeDegrees: slope angle, degrees.
/// - Returns: K′, dimensionless, 0…1.
/// - Note: GEP-METHODS §5.3 [S8][S9].
@inlinable
public func rweqRoughnessFactorSimplified(slopeDegrees: Double) -> Double {
  cos(slopeDegrees * Double.pi / 180)
}

// MARK: - Vegetation factor C

/// RWEQ vegetation factor with vegetation cover in **percent** (the RWEQ literature's unit).
///
///     C = exp(α_i × SC),  SC in %
///
/// - Parameters:
///   - coverPercent: SC, fractional vegetation cover, **percent** 0…100.
///   - alpha: α_i, class coefficient (woodland −0.1535, grassland −0.1151, shrub −0.0921,
///     bare −0.0768, sandy −0.0658, cropland/generic −0.0438) (§11.2).
/// - Returns: C, dimensionless, (0, 1] for α ≤ 0.
/// - Note: GEP-METHODS §5.3, §11.2 [S8]. Which unit the national guide uses for SC is
///   UNCONFIRMED; [S8] passes a fraction — use `rweqVegetationFactor(coverFraction:alpha:)` to
///   reproduce it. The two differ by a factor 100 in the exponent, never mix them silently.
@inlinable
public func rweqVegetationFactor(coverPercent: Double, alpha: Double) -> Double {
  exp(alpha * coverPercent)
}

/// RWEQ vegetation factor with vegetation cover as a **fraction** (as coded in pyrweq [S8]).
///
///     C = exp(α_i × SC),  SC as fraction 0…1
///
/// - Parameters:
///   - coverFraction: SC, fractional vegetation cover, 0…1.
///   - alpha: α_i, class coefficient (§11.2).
/// - Returns: C, dimensionless (close to 1 for the §11.2 α values: exp(−0.1535) ≈ 0.858 at
///   full cover).
/// - Note: GEP-METHODS §5.3 [S8]; see `rweqVegetationFactor(coverPercent:alpha:)`.
@inlinable
public func rweqVegetationFactor(coverFraction: Double, alpha: Double) -> Double {
  exp(alpha * coverFraction)
}

/// RWEQ vegetation factor from NDVI (VARIANT of [S10]).
///
///     C = exp(−5.614 × NDVI^0.7366)
///
/// - Parameter ndvi: NDVI, 0…1 (negative NDVI is treated as 0, i.e. C = 1).
/// - Returns: C, dimensionless, (0, 1].
/// - Note: GEP-METHODS §5.3 [S10].
@inlinable
public func rweqVegetationFactorFromNDVI(ndvi: Double) -> Double {
  exp(-5.614 * pow(max(ndvi, 0), 0.7366))
}

// MARK: - Soil loss and sand fixation

/// RWEQ critical field length s.
///
///     s = 150.71 × X^(−0.3711),   X = WF·EF·SCF·K′·C
///
/// - Parameter factorProduct: X, product of the RWEQ factors (kg/m per period).
/// - Returns: s, m.
/// - Note: GEP-METHODS §5.3 [S6][S8].
@inlinable
public func rweqCriticalFieldLength(factorProduct: Double) -> Double {
  150.71 * pow(factorProduct, -0.3711)
}

/// RWEQ maximum transport capacity Q_max.
///
///     Q_max = 109.8 × X
///
/// - Parameter factorProduct: X = WF·EF·SCF·K′·C, kg/m per period.
/// - Returns: Q_max, kg/m per period.
/// - Note: GEP-METHODS §5.3 [S6][S8].
@inlinable
public func rweqMaximumTransport(factorProduct: Double) -> Double {
  109.8 * factorProduct
}

/// RWEQ wind-erosion soil loss (full form).
///
///     SL = (2z / s²) × Q_max × exp(−(z/s)²)
///
/// - Parameters:
///   - factorProduct: X = WF·EF·SCF·K′·C (potential: C = 1), kg/m per period.
///   - downwindDistance: z, m; default 50 [S8][S10].
/// - Returns: SL, kg/m² per period; 0 when X ≤ 0 (no erosive wind).
/// - Note: GEP-METHODS §5.3 [S6][S8]. SL is not monotone in X (it falls again for very large X),
///   so `rweqSandFixation` can be negative in extreme cases; it is not clamped.
@inlinable
public func rweqSoilLoss(factorProduct: Double, downwindDistance: Double = 50) -> Double {
  guard factorProduct > 0 else { return 0 }
  let s = rweqCriticalFieldLength(factorProduct: factorProduct)
  let qMax = rweqMaximumTransport(factorProduct: factorProduct)
  let ratio = downwindDistance / s
  return 2 * downwindDistance / (s * s) * qMax * exp(-ratio * ratio)
}

/// Sand fixation (防风固沙量), full RWEQ form: potential (C = 1) minus actual soil loss.
///
///     Q_sf = SL(WF·EF·SCF·K′) − SL(WF·EF·SCF·K′·C)
///
/// - Parameters:
///   - weatherFactor: WF, kg/m per period.
///   - erodibleFraction: EF, fraction.
///   - crustFactor: SCF, dimensionless.
///   - roughnessFactor: K′, dimensionless.
///   - vegetationFactor: C, dimensionless 0…1.
///   - downwindDistance: z, m; default 50.
/// - Returns: kg/m² per period (× `UnitConversion.tonnesPerHectarePerKilogramPerSquareMetre`
///   for t/hm²).
/// - Note: GEP-METHODS §5.3 [S6][S8]. Gives different numbers from the integrated form;
///   a profile picks one and records it.
@inlinable
public func rweqSandFixation(
  weatherFactor: Double, erodibleFraction: Double, crustFactor: Double, roughnessFactor: Double,
  vegetationFactor: Double, downwindDistance: Double = 50
) -> Double {
  let potential = weatherFactor * erodibleFraction * crustFactor * roughnessFactor
  return rweqSoilLoss(factorProduct: potential, downwindDistance: downwindDistance)
    - rweqSoilLoss(factorProduct: potential * vegetationFactor, downwindDistance: downwindDistance)
}

/// Sand fixation (防风固沙量), integrated closed form used by the MEE/national guides.
///
///     Q_sf = 0.1699 × (WF·EF·SCF·K′)^1.3711 × (1 − C^1.3711)
///
/// - Parameters:
///   - weatherFactor: WF, kg/m per period.
///   - erodibleFraction: EF, fraction.
///   - crustFactor: SCF, dimensionless.
///   - roughnessFactor: K′, dimensionless.
///   - vegetationFactor: C, dimensionless 0…1.
/// - Returns: normally kg/m² per period (unit and the origin of 0.1699 are UNCONFIRMED,
///   GEP-METHODS §5.3, §13.4). Non-negative for X ≥ 0 and 0 ≤ C ≤ 1.
/// - Note: GEP-METHODS §5.3 (wording UNCONFIRMED; CONFIRMED in code [S10]). Exponent
///   1.3711 = 1 + 0.3711 from the RWEQ constants.
@inlinable
public func rweqSandFixationIntegrated(
  weatherFactor: Double, erodibleFraction: Double, crustFactor: Double, roughnessFactor: Double,
  vegetationFactor: Double
) -> Double {
  let x = weatherFactor * erodibleFraction * crustFactor * roughnessFactor
  return 0.1699 * pow(x, 1.3711) * (1 - pow(vegetationFactor, 1.3711))
}

// MARK: - One cell from soil, terrain and cover

/// Which RWEQ arrangement of sand fixation a profile selects (GEP-METHODS §5.3: the two do
/// not give identical numbers; a profile picks one and records it).
public enum RWEQSandFixationForm: String, Sendable, CaseIterable {
  /// Q_sf = 0.1699·X^1.3711·(1 − C^1.3711) (`rweqSandFixationIntegrated`, profile method
  /// `rweq_integrated`).
  case integrated
  /// Q_sf = SL(X) − SL(X·C) (`rweqSandFixation`, profile method `rweq_full`).
  case full
}

/// Sand fixation of one grid cell from the RWEQ weather factor, the topsoil composition, the
/// slope and the vegetation cover: EF (`rweqErodibleFraction`, clipped to [0, 1]), SCF
/// (`rweqSoilCrustFactor`), the simplified K′ = cos(slope) (`rweqRoughnessFactorSimplified`),
/// C = exp(α·SC) with SC in percent (`rweqVegetationFactor(coverPercent:alpha:)`), then the
/// selected form with X = WF·EF·SCF·K′.
///
/// EF's regression (29.09 + 0.31 Sa + 0.17 Si + 0.33 Sa/Cl − 2.59 OM − 0.95 CaCO₃)/100 leaves
/// [0, 1] for soils rich in organic matter or carbonate (negative: no erodible aggregates) or
/// nearly clay-free sands (above 1); EF is a mass fraction, so it is clipped to [0, 1] — a
/// modelling choice of this engine, recorded in the run manifest.
///
/// - Parameters:
///   - weatherFactor: WF, kg/m for the period (negative values are taken as 0).
///   - sandPercent, siltPercent, clayPercent: Sa, Si, Cl, percent by mass (Cl > 0).
///   - organicMatterPercent: OM, percent (`organicMatterPercent(organicCarbonPercent:)`).
///   - calciumCarbonatePercent: CaCO₃, percent.
///   - slopeDegrees: slope, degrees (0…90).
///   - coverPercent: SC, fractional vegetation cover in **percent** 0…100.
///   - alpha: α of the ecosystem class, per percent of cover (§11.2).
///   - form: the RWEQ arrangement.
///   - downwindDistance: z, m, for the full form; default 50 [S8][S10].
/// - Returns: Q_sf, kg/m² for the period of WF; nil when Cl ≤ 0 (Sa/Cl undefined).
/// - Note: GEP-METHODS §5.3, §11.2, §11.5 [S6][S8][S9][S10]; RWEQ, Fryrear et al. 1998.
@inlinable
public func rweqCellSandFixation(
  weatherFactor: Double, sandPercent: Double, siltPercent: Double, clayPercent: Double,
  organicMatterPercent: Double, calciumCarbonatePercent: Double, slopeDegrees: Double,
  coverPercent: Double, alpha: Double, form: RWEQSandFixationForm,
  downwindDistance: Double = 50
) -> Double? {
  guard clayPercent > 0 else { return nil }
  let ef = min(
    max(
      rweqErodibleFraction(
        sandPercent: sandPercent, siltPercent: siltPercent, clayPercent: clayPercent,
        organicMatterPercent: organicMatterPercent,
        calciumCarbonatePercent: calciumCarbonatePercent), 0), 1)
  let scf = rweqSoilCrustFactor(
    clayPercent: clayPercent, organicMatterPercent: organicMatterPercent)
  let k = max(0, rweqRoughnessFactorSimplified(slopeDegrees: slopeDegrees))
  let c = rweqVegetationFactor(coverPercent: coverPercent, alpha: alpha)
  let wf = max(0, weatherFactor)
  switch form {
  case .integrated:
    return rweqSandFixationIntegrated(
      weatherFactor: wf, erodibleFraction: ef, crustFactor: scf, roughnessFactor: k,
      vegetationFactor: c)
  case .full:
    return rweqSandFixation(
      weatherFactor: wf, erodibleFraction: ef, crustFactor: scf, roughnessFactor: k,
      vegetationFactor: c, downwindDistance: downwindDistance)
  }
}

// MARK: - Valuation

/// Area of desertified land whose formation sand fixation prevents (固沙面积).
///
///     S = Q_sf / (ρ_s × h)
///
/// - Parameters:
///   - sandFixed: Q_sf, sand fixation amount, t/a.
///   - sandBulkDensity: ρ_s, bulk density of sand/gravel (沙砾堆积密度), t/m³ (1.28 Ganzi [S1]).
///   - coverThickness: h, standard sand-cover thickness of desertified land, m (0.1 [S1]).
/// - Returns: m²/a.
/// - Note: GEP-METHODS §5.3 [S1]. Ganzi: 779.42 万 t → 60.89 km² [S1].
@inlinable
public func sandFixationArea(
  sandFixed: Double, sandBulkDensity: Double, coverThickness: Double
) -> Double {
  sandFixed / (sandBulkDensity * coverThickness)
}

/// Value of sand fixation (防风固沙价值), replacement cost of desertified-land restoration.
///
///     V_sf = Q_sf / (ρ_s × h) × c
///
/// - Parameters:
///   - sandFixed: Q_sf, t/a.
///   - sandBulkDensity: ρ_s, t/m³.
///   - coverThickness: h, m.
///   - sandControlCost: c, average cost of sand-control works (治沙工程平均成本), 元/m²
///     (3.75, Ganzi 2010 [S1]).
/// - Returns: 元/a.
/// - Note: GEP-METHODS §5.3 [S1]. Ganzi: 779.42 万 t → 2.28 亿元 [S1].
@inlinable
public func sandFixationValue(
  sandFixed: Double, sandBulkDensity: Double, coverThickness: Double, sandControlCost: Double
) -> Double {
  sandFixationArea(
    sandFixed: sandFixed, sandBulkDensity: sandBulkDensity, coverThickness: coverThickness)
    * sandControlCost
}
