import Foundation

// Reference evapotranspiration by FAO-56 Penman–Monteith (Allen, Pereira, Raes & Smith 1998,
// FAO Irrigation and Drainage Paper 56, chapters 3–4) and annual actual evapotranspiration by
// the Budyko curve in Fu's form, for the water balance of GEP-METHODS §5.1 where no ET raster
// (MOD16) is at hand. Daily time step; the soil heat flux G is taken as 0 (FAO-56 eq. 42).
// Equation numbers below are FAO-56's.

/// Constants of the FAO-56 daily computation.
public enum FAO56 {
  /// Solar constant G_sc, MJ·m⁻²·min⁻¹ (FAO-56 eq. 21).
  public static let solarConstant = 0.0820
  /// Stefan–Boltzmann constant σ, MJ·K⁻⁴·m⁻²·day⁻¹ (FAO-56 eq. 39).
  public static let stefanBoltzmann = 4.903e-9
  /// Albedo of the grass reference crop, dimensionless (FAO-56 eq. 38).
  public static let referenceAlbedo = 0.23
  /// Ångström regression constants a_s and b_s when no calibration exists (FAO-56 eq. 35).
  public static let angstromA = 0.25
  /// See `angstromA`.
  public static let angstromB = 0.50
}

/// Atmospheric pressure from elevation (FAO-56 eq. 7).
///
///     P = 101.3 × ((293 − 0.0065 z) / 293)^5.26
///
/// - Parameter elevation: z, elevation above sea level, m.
/// - Returns: P, kPa.
@inlinable
public func atmosphericPressure(elevation: Double) -> Double {
  101.3 * pow((293 - 0.0065 * elevation) / 293, 5.26)
}

/// Psychrometric constant (FAO-56 eq. 8).
///
///     γ = 0.665 × 10⁻³ × P
///
/// - Parameter pressure: P, atmospheric pressure, kPa.
/// - Returns: γ, kPa·°C⁻¹.
@inlinable
public func psychrometricConstant(pressure: Double) -> Double {
  0.665e-3 * pressure
}

/// Saturation vapour pressure at an air temperature (FAO-56 eq. 11).
///
///     e°(T) = 0.6108 × exp(17.27 T / (T + 237.3))
///
/// - Parameter temperature: T, air temperature, °C.
/// - Returns: e°(T), kPa.
@inlinable
public func saturationVapourPressure(temperature: Double) -> Double {
  0.6108 * exp(17.27 * temperature / (temperature + 237.3))
}

/// Mean saturation vapour pressure of a day (FAO-56 eq. 12).
///
///     e_s = (e°(T_max) + e°(T_min)) / 2
///
/// - Parameters:
///   - tmax: T_max, daily maximum air temperature, °C.
///   - tmin: T_min, daily minimum air temperature, °C.
/// - Returns: e_s, kPa.
@inlinable
public func meanSaturationVapourPressure(tmax: Double, tmin: Double) -> Double {
  (saturationVapourPressure(temperature: tmax) + saturationVapourPressure(temperature: tmin)) / 2
}

/// Slope of the saturation vapour pressure curve (FAO-56 eq. 13).
///
///     Δ = 4098 × e°(T) / (T + 237.3)²
///
/// - Parameter temperature: T, air temperature, °C (the daily mean (T_max + T_min)/2 in eq. 6).
/// - Returns: Δ, kPa·°C⁻¹.
@inlinable
public func saturationVapourPressureSlope(temperature: Double) -> Double {
  4098 * saturationVapourPressure(temperature: temperature) / pow(temperature + 237.3, 2)
}

/// Actual vapour pressure from daily maximum and minimum relative humidity (FAO-56 eq. 17).
///
///     e_a = (e°(T_min) × RH_max/100 + e°(T_max) × RH_min/100) / 2
///
/// - Parameters:
///   - rhMax: RH_max, maximum relative humidity, %.
///   - rhMin: RH_min, minimum relative humidity, %.
///   - tmax: T_max, °C.
///   - tmin: T_min, °C.
/// - Returns: e_a, kPa.
@inlinable
public func actualVapourPressure(rhMax: Double, rhMin: Double, tmax: Double, tmin: Double)
  -> Double
{
  (saturationVapourPressure(temperature: tmin) * rhMax / 100
    + saturationVapourPressure(temperature: tmax) * rhMin / 100) / 2
}

/// Actual vapour pressure from the daily mean relative humidity (FAO-56 eq. 19, the form for
/// station records that give RH_mean only; "less desirable" than eq. 17 in FAO-56).
///
///     e_a = RH_mean/100 × (e°(T_max) + e°(T_min)) / 2
///
/// - Parameters:
///   - rhMean: RH_mean, mean relative humidity, %.
///   - tmax: T_max, °C.
///   - tmin: T_min, °C.
/// - Returns: e_a, kPa.
@inlinable
public func actualVapourPressure(rhMean: Double, tmax: Double, tmin: Double) -> Double {
  rhMean / 100 * meanSaturationVapourPressure(tmax: tmax, tmin: tmin)
}

/// Inverse relative distance Earth–Sun (FAO-56 eq. 23).
///
///     d_r = 1 + 0.033 cos(2π J / 365)
///
/// - Parameter dayOfYear: J, 1 (1 January) … 365 or 366.
/// - Returns: d_r, dimensionless.
@inlinable
public func inverseRelativeDistanceEarthSun(dayOfYear: Int) -> Double {
  1 + 0.033 * cos(2 * Double.pi * Double(dayOfYear) / 365)
}

/// Solar declination (FAO-56 eq. 24).
///
///     δ = 0.409 sin(2π J / 365 − 1.39)
///
/// - Parameter dayOfYear: J, 1 … 366.
/// - Returns: δ, rad.
@inlinable
public func solarDeclination(dayOfYear: Int) -> Double {
  0.409 * sin(2 * Double.pi * Double(dayOfYear) / 365 - 1.39)
}

/// Sunset hour angle (FAO-56 eq. 25), with the argument clamped to [−1, 1] so that polar day
/// (ω_s = π) and polar night (ω_s = 0) are defined.
///
///     ω_s = arccos(−tan φ × tan δ)
///
/// - Parameters:
///   - latitudeDegrees: φ, latitude, decimal degrees (south negative).
///   - dayOfYear: J, 1 … 366.
/// - Returns: ω_s, rad.
@inlinable
public func sunsetHourAngle(latitudeDegrees: Double, dayOfYear: Int) -> Double {
  let phi = latitudeDegrees * Double.pi / 180
  let x = -tan(phi) * tan(solarDeclination(dayOfYear: dayOfYear))
  return acos(min(max(x, -1), 1))
}

/// Daily extraterrestrial radiation (FAO-56 eq. 21).
///
///     R_a = (24 × 60 / π) G_sc d_r [ω_s sin φ sin δ + cos φ cos δ sin ω_s]
///
/// - Parameters:
///   - latitudeDegrees: φ, latitude, decimal degrees (south negative).
///   - dayOfYear: J, 1 … 366.
/// - Returns: R_a, MJ·m⁻²·day⁻¹.
@inlinable
public func extraterrestrialRadiation(latitudeDegrees: Double, dayOfYear: Int) -> Double {
  let phi = latitudeDegrees * Double.pi / 180
  let dr = inverseRelativeDistanceEarthSun(dayOfYear: dayOfYear)
  let delta = solarDeclination(dayOfYear: dayOfYear)
  let ws = sunsetHourAngle(latitudeDegrees: latitudeDegrees, dayOfYear: dayOfYear)
  let value =
    24 * 60 / Double.pi * FAO56.solarConstant * dr
    * (ws * sin(phi) * sin(delta) + cos(phi) * cos(delta) * sin(ws))
  return max(value, 0)
}

/// Daylight hours, the maximum possible sunshine duration (FAO-56 eq. 34).
///
///     N = 24 ω_s / π
///
/// - Parameters:
///   - latitudeDegrees: φ, decimal degrees.
///   - dayOfYear: J, 1 … 366.
/// - Returns: N, h.
@inlinable
public func daylightHours(latitudeDegrees: Double, dayOfYear: Int) -> Double {
  24 / Double.pi * sunsetHourAngle(latitudeDegrees: latitudeDegrees, dayOfYear: dayOfYear)
}

/// Solar (shortwave) radiation from sunshine duration, Ångström formula (FAO-56 eq. 35).
///
///     R_s = (a_s + b_s n / N) R_a
///
/// - Parameters:
///   - sunshineHours: n, actual sunshine duration, h (clamped to [0, N]).
///   - daylightHours: N, h (`daylightHours(latitudeDegrees:dayOfYear:)`).
///   - extraterrestrial: R_a, MJ·m⁻²·day⁻¹.
///   - a: a_s, default 0.25; b: b_s, default 0.50 (FAO-56 defaults).
/// - Returns: R_s, MJ·m⁻²·day⁻¹.
@inlinable
public func solarRadiationFromSunshine(
  sunshineHours: Double, daylightHours: Double, extraterrestrial: Double,
  a: Double = FAO56.angstromA, b: Double = FAO56.angstromB
) -> Double {
  let ratio = daylightHours > 0 ? min(max(sunshineHours / daylightHours, 0), 1) : 0
  return (a + b * ratio) * extraterrestrial
}

/// Clear-sky solar radiation (FAO-56 eq. 37).
///
///     R_so = (0.75 + 2 × 10⁻⁵ z) R_a
///
/// - Parameters:
///   - extraterrestrial: R_a, MJ·m⁻²·day⁻¹.
///   - elevation: z, station elevation, m.
/// - Returns: R_so, MJ·m⁻²·day⁻¹.
@inlinable
public func clearSkySolarRadiation(extraterrestrial: Double, elevation: Double) -> Double {
  (0.75 + 2e-5 * elevation) * extraterrestrial
}

/// Net shortwave radiation (FAO-56 eq. 38).
///
///     R_ns = (1 − α) R_s
///
/// - Parameters:
///   - solar: R_s, MJ·m⁻²·day⁻¹.
///   - albedo: α, default 0.23 (grass reference crop).
/// - Returns: R_ns, MJ·m⁻²·day⁻¹.
@inlinable
public func netShortwaveRadiation(solar: Double, albedo: Double = FAO56.referenceAlbedo)
  -> Double
{
  (1 - albedo) * solar
}

/// Net outgoing longwave radiation (FAO-56 eq. 39).
///
///     R_nl = σ [(T_max,K⁴ + T_min,K⁴)/2] (0.34 − 0.14 √e_a) (1.35 R_s/R_so − 0.35)
///
/// - Parameters:
///   - tmax: T_max, °C; tmin: T_min, °C (converted to K by + 273.16 as in FAO-56).
///   - actualVapourPressure: e_a, kPa.
///   - solar: R_s, MJ·m⁻²·day⁻¹.
///   - clearSky: R_so, MJ·m⁻²·day⁻¹; R_s/R_so is clamped to [0.25, 1] (FAO-56 §3, eq. 39
///     note: R_s/R_so ≤ 1.0).
/// - Returns: R_nl, MJ·m⁻²·day⁻¹.
@inlinable
public func netLongwaveRadiation(
  tmax: Double, tmin: Double, actualVapourPressure: Double, solar: Double, clearSky: Double
) -> Double {
  let tmaxK = tmax + 273.16
  let tminK = tmin + 273.16
  let sigmaT4 = FAO56.stefanBoltzmann * (pow(tmaxK, 4) + pow(tminK, 4)) / 2
  let relative = clearSky > 0 ? min(max(solar / clearSky, 0.25), 1) : 0.25
  return sigmaT4 * (0.34 - 0.14 * actualVapourPressure.squareRoot()) * (1.35 * relative - 0.35)
}

/// Wind speed at 2 m from a measurement at another height, logarithmic profile (FAO-56 eq. 47).
///
///     u_2 = u_z × 4.87 / ln(67.8 z − 5.42)
///
/// - Parameters:
///   - speed: u_z, measured wind speed, m/s.
///   - height: z, measurement height above ground, m (e.g. 10 for CMA stations).
/// - Returns: u_2, m/s.
@inlinable
public func windSpeedAtTwoMetres(speed: Double, height: Double) -> Double {
  speed * 4.87 / log(67.8 * height - 5.42)
}

/// Daily reference evapotranspiration by the FAO-56 Penman–Monteith equation (FAO-56 eq. 6).
///
///     ET₀ = [0.408 Δ (R_n − G) + γ (900/(T + 273)) u_2 (e_s − e_a)]
///           / [Δ + γ (1 + 0.34 u_2)]
///
/// - Parameters:
///   - netRadiation: R_n, MJ·m⁻²·day⁻¹.
///   - soilHeatFlux: G, MJ·m⁻²·day⁻¹ (0 for daily steps, eq. 42).
///   - meanTemperature: T, daily mean air temperature at 2 m, °C ((T_max + T_min)/2, eq. 9).
///   - windSpeed: u_2, m/s.
///   - saturationVapourPressure: e_s, kPa; actualVapourPressure: e_a, kPa.
///   - slope: Δ, kPa·°C⁻¹; psychrometric: γ, kPa·°C⁻¹.
/// - Returns: ET₀, mm·day⁻¹ (not clamped; small negative values can occur in winter).
@inlinable
public func penmanMonteithReferenceET(
  netRadiation: Double, soilHeatFlux: Double = 0, meanTemperature: Double, windSpeed: Double,
  saturationVapourPressure: Double, actualVapourPressure: Double, slope: Double,
  psychrometric: Double
) -> Double {
  let radiation = 0.408 * slope * (netRadiation - soilHeatFlux)
  let aero =
    psychrometric * 900 / (meanTemperature + 273) * windSpeed
    * (saturationVapourPressure - actualVapourPressure)
  return (radiation + aero) / (slope + psychrometric * (1 + 0.34 * windSpeed))
}

/// One day of station weather for `dailyReferenceET(_:)`.
public struct DailyWeather: Sendable, Hashable {
  /// Day of the year J, 1 … 366.
  public var dayOfYear: Int
  /// T_max, °C.
  public var tmax: Double
  /// T_min, °C.
  public var tmin: Double
  /// How humidity was observed.
  public var humidity: Humidity
  /// Wind speed u_z at `windHeight`, m/s.
  public var windSpeed: Double
  /// Measurement height of the wind speed, m (2 means no conversion).
  public var windHeight: Double
  /// Actual sunshine duration n, h.
  public var sunshineHours: Double

  /// Humidity observations, in the order FAO-56 prefers them.
  public enum Humidity: Sendable, Hashable {
    /// RH_max and RH_min, % (eq. 17).
    case maxMin(Double, Double)
    /// RH_mean, % (eq. 19).
    case mean(Double)
  }

  /// Memberwise initializer (units as the properties).
  public init(
    dayOfYear: Int, tmax: Double, tmin: Double, humidity: Humidity, windSpeed: Double,
    windHeight: Double, sunshineHours: Double
  ) {
    self.dayOfYear = dayOfYear
    self.tmax = tmax
    self.tmin = tmin
    self.humidity = humidity
    self.windSpeed = windSpeed
    self.windHeight = windHeight
    self.sunshineHours = sunshineHours
  }
}

/// The intermediate terms and result of one day's FAO-56 Penman–Monteith computation.
public struct ReferenceETTerms: Sendable, Hashable {
  /// Δ, kPa·°C⁻¹ (eq. 13). γ, kPa·°C⁻¹ (eq. 8).
  public var slope: Double, psychrometric: Double
  /// e_s and e_a, kPa (eqs. 12, 17/19).
  public var saturationVapourPressure: Double, actualVapourPressure: Double
  /// u_2, m/s (eq. 47).
  public var windSpeed: Double
  /// R_a, R_s, R_so, R_ns, R_nl, R_n, MJ·m⁻²·day⁻¹ (eqs. 21, 35, 37, 38, 39, 40).
  public var extraterrestrial: Double, solar: Double, clearSky: Double
  /// See `extraterrestrial`.
  public var netShortwave: Double, netLongwave: Double, netRadiation: Double
  /// N, h (eq. 34).
  public var daylightHours: Double
  /// ET₀, mm·day⁻¹ (eq. 6).
  public var referenceET: Double
}

/// Daily reference ET₀ of a station from standard observations: FAO-56 chapter 3 end to end
/// (eqs. 7, 8, 11–13, 17 or 19, 21–25, 34, 35, 37–40, 47 and 6), with G = 0 (eq. 42) and
/// R_s from sunshine hours by Ångström's defaults a_s = 0.25, b_s = 0.50.
///
/// - Parameters:
///   - day: the day's observations.
///   - latitudeDegrees: station latitude φ, decimal degrees (south negative).
///   - elevation: station elevation z, m.
/// - Returns: every intermediate term and ET₀ (mm·day⁻¹).
/// - Note: FAO-56 Example 18 (Brussels, 6 July) gives ET₀ = 3.9 mm/day.
public func dailyReferenceET(
  _ day: DailyWeather, latitudeDegrees: Double, elevation: Double
) -> ReferenceETTerms {
  let tmean = (day.tmax + day.tmin) / 2
  let slope = saturationVapourPressureSlope(temperature: tmean)
  let gamma = psychrometricConstant(pressure: atmosphericPressure(elevation: elevation))
  let es = meanSaturationVapourPressure(tmax: day.tmax, tmin: day.tmin)
  let ea: Double
  switch day.humidity {
  case .maxMin(let rhMax, let rhMin):
    ea = actualVapourPressure(rhMax: rhMax, rhMin: rhMin, tmax: day.tmax, tmin: day.tmin)
  case .mean(let rhMean):
    ea = actualVapourPressure(rhMean: rhMean, tmax: day.tmax, tmin: day.tmin)
  }
  let u2 =
    day.windHeight == 2
    ? day.windSpeed : windSpeedAtTwoMetres(speed: day.windSpeed, height: day.windHeight)
  let ra = extraterrestrialRadiation(latitudeDegrees: latitudeDegrees, dayOfYear: day.dayOfYear)
  let n = daylightHours(latitudeDegrees: latitudeDegrees, dayOfYear: day.dayOfYear)
  let rs = solarRadiationFromSunshine(
    sunshineHours: day.sunshineHours, daylightHours: n, extraterrestrial: ra)
  let rso = clearSkySolarRadiation(extraterrestrial: ra, elevation: elevation)
  let rns = netShortwaveRadiation(solar: rs)
  let rnl = netLongwaveRadiation(
    tmax: day.tmax, tmin: day.tmin, actualVapourPressure: ea, solar: rs, clearSky: rso)
  let rn = rns - rnl
  let et0 = penmanMonteithReferenceET(
    netRadiation: rn, meanTemperature: tmean, windSpeed: u2, saturationVapourPressure: es,
    actualVapourPressure: ea, slope: slope, psychrometric: gamma)
  return ReferenceETTerms(
    slope: slope, psychrometric: gamma, saturationVapourPressure: es, actualVapourPressure: ea,
    windSpeed: u2, extraterrestrial: ra, solar: rs, clearSky: rso, netShortwave: rns,
    netLongwave: rnl, netRadiation: rn, daylightHours: n, referenceET: et0)
}

/// Annual actual evapotranspiration by the Budyko curve in Fu's form (傅抱璞 1981;
/// Zhang et al. 2004, Water Resour. Res. 40 W02502).
///
///     ET = P × [1 + φ − (1 + φ^ω)^(1/ω)],   φ = ET₀ / P
///
/// - Parameters:
///   - precipitation: P, annual precipitation, mm (> 0; returns 0 for P ≤ 0).
///   - potential: ET₀, annual reference (potential) evapotranspiration, mm (≥ 0).
///   - omega: ω, Fu's landscape parameter, > 1 (about 1.5–3.5; larger ω = more ET for the same
///     aridity, e.g. forest > grassland > bare land). Per class in the caller.
/// - Returns: ET, mm/a, in [0, min(P, ET₀)].
/// - Note: an APPROXIMATION of the MOD16/station ET of GEP-METHODS §5.1 (annual, no storage
///   change, one ω per land-cover class). InVEST Annual Water Yield uses the same curve
///   (FIELD-LESSONS §3.2).
@inlinable
public func budykoFuActualET(precipitation: Double, potential: Double, omega: Double) -> Double {
  guard precipitation > 0, potential > 0 else { return 0 }
  let phi = potential / precipitation
  let ratio = 1 + phi - pow(1 + pow(phi, omega), 1 / omega)
  return precipitation * min(max(ratio, 0), min(1, phi))
}
