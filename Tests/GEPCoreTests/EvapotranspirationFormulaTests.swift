import Foundation
import GEPCore
import Testing

// FAO-56 (Allen et al. 1998) worked examples. Tolerances: the published figures are rounded
// to the digits printed, so each check allows half a unit of the last printed digit (plus a
// little for the rounding of the example's own intermediate values).

@Suite struct EvapotranspirationFormulaTests {
  /// Example 2: z = 1800 m → P = 101.3 ((293 − 11.7)/293)^5.26 = 81.8 kPa; γ = 0.054 kPa/°C.
  @Test func example2PressureAndPsychrometricConstant() {
    let p = atmosphericPressure(elevation: 1800)
    #expect(formulaIsClose(p, 81.8, tolerance: 0.05))
    #expect(formulaIsClose(psychrometricConstant(pressure: p), 0.054, tolerance: 0.0005))
  }

  /// Example 3: T_max 24.5, T_min 15 °C → e°(T_max) = 3.075, e°(T_min) = 1.705,
  /// e_s = 2.39 kPa.
  @Test func example3SaturationVapourPressure() {
    #expect(formulaIsClose(saturationVapourPressure(temperature: 24.5), 3.075, tolerance: 0.0005))
    #expect(formulaIsClose(saturationVapourPressure(temperature: 15), 1.705, tolerance: 0.0005))
    #expect(
      formulaIsClose(meanSaturationVapourPressure(tmax: 24.5, tmin: 15), 2.39, tolerance: 0.005))
  }

  /// Example 5: T_max 25, T_min 18 °C, RH_max 82 %, RH_min 54 %:
  /// e_a = (2.064 × 0.82 + 3.168 × 0.54)/2 = (1.692 + 1.711)/2 = 1.70 kPa (eq. 17);
  /// eq. 19 with RH_mean 68 %: 0.68 × (3.168 + 2.064)/2 = 1.78 kPa.
  @Test func example5ActualVapourPressure() {
    #expect(
      formulaIsClose(
        actualVapourPressure(rhMax: 82, rhMin: 54, tmax: 25, tmin: 18), 1.70, tolerance: 0.005))
    #expect(
      formulaIsClose(actualVapourPressure(rhMean: 68, tmax: 25, tmin: 18), 1.78, tolerance: 0.005))
  }

  /// Examples 8 and 9: 3 September (J = 246) at 20°S: d_r = 0.985, δ = 0.120 rad,
  /// ω_s = 1.527 rad, R_a = 32.2 MJ m⁻² d⁻¹, N = 24 × 1.527/π = 11.7 h.
  @Test func examples8And9ExtraterrestrialRadiationAndDaylight() {
    #expect(formulaIsClose(inverseRelativeDistanceEarthSun(dayOfYear: 246), 0.985, tolerance: 5e-4))
    #expect(formulaIsClose(solarDeclination(dayOfYear: 246), 0.120, tolerance: 5e-4))
    #expect(
      formulaIsClose(sunsetHourAngle(latitudeDegrees: -20, dayOfYear: 246), 1.527, tolerance: 5e-4))
    #expect(
      formulaIsClose(
        extraterrestrialRadiation(latitudeDegrees: -20, dayOfYear: 246), 32.2, tolerance: 0.05))
    #expect(
      formulaIsClose(daylightHours(latitudeDegrees: -20, dayOfYear: 246), 11.7, tolerance: 0.05))
  }

  /// Example 10: Rio de Janeiro (22°54'S), 15 May (J = 135), 220 h of sunshine in May
  /// (n = 220/31 = 7.1 h): R_a = 25.1, N = 10.9 h, R_s = (0.25 + 0.50 × 7.1/10.9) × 25.1
  /// = 14.5 MJ m⁻² d⁻¹.
  @Test func example10SolarRadiationFromSunshine() {
    let lat = -(22 + 54.0 / 60)
    let ra = extraterrestrialRadiation(latitudeDegrees: lat, dayOfYear: 135)
    let n = daylightHours(latitudeDegrees: lat, dayOfYear: 135)
    #expect(formulaIsClose(ra, 25.1, tolerance: 0.05))
    #expect(formulaIsClose(n, 10.9, tolerance: 0.05))
    let rs = solarRadiationFromSunshine(
      sunshineHours: 220.0 / 31, daylightHours: n, extraterrestrial: ra)
    #expect(formulaIsClose(rs, 14.5, tolerance: 0.05))
  }

  /// Example 11: T_max 25.1, T_min 19.1 °C, e_a 2.1 kPa, R_s 14.5, R_so 18.8:
  /// σ(T⁴ mean) = (38.8 + 35.8)/2 = 37.3, (0.34 − 0.14√2.1) = 0.137,
  /// (1.35 × 14.5/18.8 − 0.35) = 0.691 → R_nl = 3.5 MJ m⁻² d⁻¹.
  @Test func example11NetLongwaveRadiation() {
    let rnl = netLongwaveRadiation(
      tmax: 25.1, tmin: 19.1, actualVapourPressure: 2.1, solar: 14.5, clearSky: 18.8)
    #expect(formulaIsClose(rnl, 3.5, tolerance: 0.05))
  }

  /// Example 14: 3.2 m/s at 10 m → u₂ = 3.2 × 4.87/ln(678 − 5.42) = 2.4 m/s.
  @Test func example14WindAtTwoMetres() {
    #expect(formulaIsClose(windSpeedAtTwoMetres(speed: 3.2, height: 10), 2.4, tolerance: 0.05))
  }

  /// Example 18: Brussels (50°48'N, 100 m), 6 July (J = 187): T_max 21.5, T_min 12.3 °C,
  /// RH_max 84 %, RH_min 63 %, wind 10 km/h at 10 m, n = 9.25 h. FAO-56 gives u₂ = 2.078 m/s,
  /// Δ = 0.122, γ = 0.0666 kPa/°C, e_s = 1.997, e_a = 1.409 kPa, R_a = 41.09, N = 16.1 h,
  /// R_s = 22.07, R_so = 30.90, R_ns = 17.00, R_nl = 3.71, R_n = 13.28 MJ m⁻² d⁻¹ and
  /// ET₀ = 3.9 mm/day.
  @Test func example18DailyPenmanMonteithBrussels() {
    let day = DailyWeather(
      dayOfYear: 187, tmax: 21.5, tmin: 12.3, humidity: .maxMin(84, 63),
      windSpeed: 10.0 / 3.6, windHeight: 10, sunshineHours: 9.25)
    let t = dailyReferenceET(day, latitudeDegrees: 50 + 48.0 / 60, elevation: 100)
    #expect(formulaIsClose(t.windSpeed, 2.078, tolerance: 0.001))
    #expect(formulaIsClose(t.slope, 0.122, tolerance: 0.0005))
    #expect(formulaIsClose(t.psychrometric, 0.0666, tolerance: 0.00005))
    #expect(formulaIsClose(t.saturationVapourPressure, 1.997, tolerance: 0.001))
    #expect(formulaIsClose(t.actualVapourPressure, 1.409, tolerance: 0.001))
    #expect(formulaIsClose(t.extraterrestrial, 41.09, tolerance: 0.01))
    #expect(formulaIsClose(t.daylightHours, 16.1, tolerance: 0.05))
    #expect(formulaIsClose(t.solar, 22.07, tolerance: 0.02))
    #expect(formulaIsClose(t.clearSky, 30.90, tolerance: 0.01))
    #expect(formulaIsClose(t.netShortwave, 17.00, tolerance: 0.01))
    #expect(formulaIsClose(t.netLongwave, 3.71, tolerance: 0.01))
    #expect(formulaIsClose(t.netRadiation, 13.28, tolerance: 0.02))
    #expect(formulaIsClose(t.referenceET, 3.9, tolerance: 0.05))
  }

  /// Budyko–Fu: φ = 1, ω = 2 → ET/P = 1 + 1 − 2^{1/2} = 0.585786; P = 1000 → 585.786 mm.
  /// Limits: large ω → min(P, ET₀) (φ = 0.5: 500 mm); ET₀ = 0 or P = 0 → 0.
  @Test func budykoFuHandValues() {
    #expect(
      formulaIsClose(
        budykoFuActualET(precipitation: 1000, potential: 1000, omega: 2), 585.786437627,
        tolerance: 1e-6))
    #expect(
      formulaIsClose(
        budykoFuActualET(precipitation: 1000, potential: 500, omega: 200), 500, tolerance: 2))
    #expect(budykoFuActualET(precipitation: 0, potential: 900, omega: 2.6) == 0)
    #expect(budykoFuActualET(precipitation: 900, potential: 0, omega: 2.6) == 0)
    let et = budykoFuActualET(precipitation: 1676, potential: 941, omega: 2.6)
    #expect(et > 0 && et < 941)
  }
}
