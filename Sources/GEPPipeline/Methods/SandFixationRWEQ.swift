import GEPCore

/// Windbreak and sand fixation (防风固沙) by RWEQ (Revised Wind Erosion Equation, Fryrear et
/// al. 1998), two methods of the profile, per cell: sand fixation = potential wind erosion
/// (no vegetation, C = 1) − actual wind erosion, from
/// - WF, the weather factor of the accounting year (`[rasters.weather_factor]`, kg/m);
/// - EF = (29.09 + 0.31 Sa + 0.17 Si + 0.33 Sa/Cl − 2.59 OM − 0.95 CaCO₃)/100 and
///   SCF = 1/(1 + 0.0066 Cl² + 0.021 OM²) from the topsoil rasters `soil_sand`, `soil_silt`,
///   `soil_clay`, `soil_organic_matter`, `soil_caco3` (percent);
/// - K′ = cos(slope), the simplified roughness factor (slope in degrees, derived from the DEM
///   when not given);
/// - C = exp(α·SC) with α of the class (`rweq.alpha`, per percent) and SC the FVC in percent.
///
/// `rweq_integrated`: Q_sf = 0.1699·(WF·EF·SCF·K′)^1.3711·(1 − C^1.3711) (the MEE/national
/// closed form, [S10]); `rweq_full`: Q_sf = SL(WF·EF·SCF·K′) − SL(WF·EF·SCF·K′·C) with
/// SL = 2z/s²·Q_max·exp(−(z/s)²), s = 150.71·X^−0.3711, Q_max = 109.8·X ([S6][S8]). Q_sf in
/// kg/m² (the integrated form's unit is UNCONFIRMED, GEP-METHODS §13.4) × area / 1000 → t/a.
/// Value: V = Q_sf / (ρ_s·h) × c, the sand-control cost of the desertified area the fixed sand
/// would cover (白玛卓嘎 et al. 2017 [S1]: ρ_s = 1.28 t/m³, h = 0.1 m, c = 3.75 yuan/m²).
/// A grid where WF ≤ 0 on every cell (no wind above the threshold U_t) has no wind erosion:
/// the indicator is reported not applicable (`sandFixationNoWindErosion`), not 0.
/// Source: GEP-METHODS §5.3, §11.2, §11.5 [S1] [S6] [S8] [S9] [S10]; the RWEQ of Fryrear et
/// al. (1998) as coded in lxyNgeo/pyrweq [S8] (sub-factors, α by class) and
/// charlottegiseleweil/winderosion [S9] (K′ = cos(slope)), read through GEP-METHODS.
public let sandFixationRWEQ: [MethodDescriptor] = [
  sandFixationDescriptor(
    method: "rweq_integrated", form: .integrated,
    summary: "0.1699·(WF·EF·SCF·K′)^1.3711·(1 − C^1.3711) per cell, K′ = cos(slope) (§5.3)"),
  sandFixationDescriptor(
    method: "rweq_full", form: .full,
    summary: "SL(WF·EF·SCF·K′) − SL(WF·EF·SCF·K′·C), RWEQ full form, z = 50 m (§5.3)"),
]

/// The whole-grid rule "no wind erosion": WF ≤ 0 kg/m everywhere. In RWEQ the wind term
/// U₂(U₂ − U_t)² counts only observations above the threshold wind speed U_t (5 m/s at 2 m,
/// `rweq_threshold_wind_speed` [S8][S9]), so WF = 0 exactly when no wind of the period could
/// move soil; potential and actual wind erosion are then both 0 and sand fixation has nothing
/// to prevent (GEP-METHODS §5.3: sand fixation = potential − actual wind erosion).
public let sandFixationNoWindErosion = NotApplicableBound(
  role: .weatherFactor, atOrBelow: 0, code: "sand_fixation.no-wind-erosion",
  reason: "the weather factor WF is ≤ 0 kg/m on every cell of the grid: no wind exceeds the "
    + "erosion threshold U_t (RWEQ wind term U₂(U₂ − U_t)², U_t = 5 m/s at 2 m, GEP-METHODS "
    + "§5.3 §11.5 [S8] [S9]; Fryrear et al. 1998), so the region has no wind erosion to prevent "
    + "and sand fixation is reported not applicable, not 0")

/// The rasters every RWEQ method reads, in channel order.
let sandFixationRoles: [RasterRole] = [
  .weatherFactor, .soilSand, .soilSilt, .soilClay, .soilOrganicMatter, .soilCaCO3, .slope, .fvc,
]

/// One RWEQ method's descriptor (see `sandFixationRWEQ`).
func sandFixationDescriptor(method: String, form: RWEQSandFixationForm, summary: String)
  -> MethodDescriptor
{
  var parameters = [
    ParameterRead("sand_bulk_density", unit: "t/m3"),
    ParameterRead("sand_cover_thickness", unit: "m"),
  ]
  // z = 50 m [S8][S10] (GEP-METHODS §5.3, §11.5).
  if form == .full {
    parameters.append(ParameterRead("rweq_downwind_distance", unit: "m", default: 50))
  }
  return MethodDescriptor(
    indicator: "sand_fixation", method: method, summary: summary,
    source: "GEP-METHODS §5.3 [S1] [S6] [S8] [S9] [S10]", scope: .cell,
    rasters: sandFixationRoles.map { RasterRead($0) }, classParameters: ["rweq.alpha"],
    parameters: parameters, prices: ["sand_control_cost"],
    notApplicableBound: sandFixationNoWindErosion,
    bind: { ctx in bindSandFixation(&ctx, form: form) })
}

/// Binds an RWEQ method: α per land-use code, the valuation parameters and the price.
func bindSandFixation(_ ctx: inout MethodContext, form: RWEQSandFixationForm) -> [BoundChannel] {
  let alpha: [Double] = ctx.perCode(empty: .nan) {
    ctx.classValue("rweq", "alpha", ecosystemClass: $0)?.value ?? .nan
  }
  let price = ctx.price(matching: "sand_control", fallback: "sand_control_cost")
  let density = ctx.parameter("sand_bulk_density")
  let thickness = ctx.parameter("sand_cover_thickness")
  let downwind = ctx.parameter("rweq_downwind_distance") ?? 50
  ctx.record(
    "sand_fixation.form",
    form == .integrated
      ? "integrated: 0.1699·(WF·EF·SCF·K′)^1.3711·(1 − C^1.3711), kg/m² (unit UNCONFIRMED §13.4)"
      : "full: SL(WF·EF·SCF·K′) − SL(WF·EF·SCF·K′·C), z = \(formatNumber(downwind)) m")
  ctx.record("sand_fixation.roughness", "K′ = cos(slope) (simplified, [S8] [S9])")
  ctx.record(
    "sand_fixation.vegetation_factor",
    "C = exp(α·SC), α from rweq.alpha (1/percent), SC = FVC in percent (§5.3: unit UNCONFIRMED)")
  ctx.record(
    "sand_fixation.erodible_fraction",
    "EF from sand, silt, clay, OM, CaCO₃ (percent), clipped to [0, 1]; a cell with clay = 0 "
      + "is not computed (Sa/Cl undefined)")
  ctx.record(
    "sand_fixation.period",
    "one weather-factor raster for the accounting year (X^1.3711 of the yearly WF, not the sum "
      + "over half-months)")
  var note: String? = nil
  if let price, let density, let thickness, density > 0, thickness > 0 {
    note =
      price.note + "; ρ_s = \(formatNumber(density)) t/m3, h = \(formatNumber(thickness)) m "
      + "(sand_bulk_density, sand_cover_thickness)"
  } else if price != nil {
    ctx.warn(
      "indicator.missing-parameter",
      "sand_fixation: parameters.csv gives no sand_bulk_density or sand_cover_thickness (ρ_s, h "
        + "of V = Q/(ρ_s·h) × c); the physical quantity is reported without value")
  }
  let indicator =
    price != nil && note == nil
    ? CellIndicator(
      id: ctx.profile.id, nameEN: ctx.profile.nameEN, nameZH: ctx.profile.nameZH,
      category: ctx.profile.category ?? .regulating, method: ctx.profile.method,
      physicalUnit: "t/a", priceNote: "no ρ_s or h in parameters.csv", hasValue: false,
      roles: sandFixationRoles)
    : ctx.channel(unit: "t/a", priceNote: note, roles: sandFixationRoles)
  return [
    BoundChannel(
      indicator: indicator,
      channel: SandFixationChannel(
        form: form, alpha: alpha, fvcIsPercent: ctx.fvcIsPercent, downwindDistance: downwind,
        sandBulkDensity: density ?? .nan, coverThickness: thickness ?? .nan,
        sandControlCost: note == nil ? .nan : price?.value ?? .nan))
  ]
}

/// The per-cell evaluation of the RWEQ methods (classes with `rweq.applies = 0` are masked by
/// the cell pass through the descriptor's `appliesTable`; nodata cells never reach it).
struct SandFixationChannel: CellChannel {
  let form: RWEQSandFixationForm
  /// α per land-use code (per percent of cover), NaN: none.
  let alpha: [Double]
  let fvcIsPercent: Bool
  /// z, m (full form).
  let downwindDistance: Double
  /// ρ_s, t/m³; NaN: no value computed.
  let sandBulkDensity: Double
  /// h, m.
  let coverThickness: Double
  /// c, yuan/m²; NaN: no value computed.
  let sandControlCost: Double

  func outcome(code: Int) -> CellOutcome {
    code < alpha.count && !alpha[code].isNaN ? .depends : .missing
  }

  func evaluate(
    _ cells: CellBatch, quantity: UnsafeMutablePointer<Double>,
    value: UnsafeMutablePointer<Double>, missing: UnsafeMutablePointer<Bool>
  ) {
    let wf = cells.values(.weatherFactor)
    let sand = cells.values(.soilSand)
    let silt = cells.values(.soilSilt)
    let clay = cells.values(.soilClay)
    let om = cells.values(.soilOrganicMatter)
    let caco3 = cells.values(.soilCaCO3)
    let slope = cells.values(.slope)
    let fvc = cells.values(.fvc)
    let valued = !sandControlCost.isNaN
    for i in 0..<cells.count {
      let a = alpha[Int(cells.codes[i])]
      guard !a.isNaN else {
        missing[i] = true
        continue
      }
      // nil where clay = 0 (EF's term 0.33·Sa/Cl is undefined): the cell is not computed.
      guard
        let perArea = rweqCellSandFixation(
          weatherFactor: wf[i], sandPercent: sand[i], siltPercent: silt[i],
          clayPercent: clay[i], organicMatterPercent: om[i], calciumCarbonatePercent: caco3[i],
          slopeDegrees: slope[i], coverPercent: fvcIsPercent ? fvc[i] : fvc[i] * 100,
          alpha: a, form: form, downwindDistance: downwindDistance)
      else {
        missing[i] = true
        continue
      }
      // kg/m² × m² / 1000 = t.
      let tonnes = perArea * cells.areas[i] / 1000
      quantity[i] = tonnes
      value[i] =
        valued
        ? sandFixationValue(
          sandFixed: tonnes, sandBulkDensity: sandBulkDensity, coverThickness: coverThickness,
          sandControlCost: sandControlCost) : 0
    }
  }
}
