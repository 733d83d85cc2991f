import GEPCore

/// Soil conservation (土壤保持) by RUSLE, three methods of the profile:
/// - `rusle_cp`: SC = R·K·LS·(1 − C·P), C from FVC (蔡崇法) when an FVC raster is given, else
///   from the class table `rusle.usle_c`; P from `rusle.usle_p` (by slope class when the rows
///   carry slope conditions);
/// - `rusle_c`: SC = R·K·LS·(1 − C), no P factor [S3];
/// - `rusle_cp_c_table`: as `rusle_cp` with C always from `rusle.usle_c`.
///
/// R in MJ·mm·hm⁻²·h⁻¹·a⁻¹, K in t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹, LS dimensionless: SC in t·hm⁻²·a⁻¹,
/// × area → t·a⁻¹. Value = λ·SC/ρ × dredging cost + SC·N% × N price + SC·P% × P price.
/// Source: GEP-METHODS §5.2 [S1] [S3] [S5].
public let soilConservationRUSLE: [MethodDescriptor] = [
  soilConservationDescriptor(
    method: "rusle_cp", form: .coverAndPractice, cFromTable: false,
    summary: "R·K·LS·(1 − C·P), C from FVC (蔡崇法) or, without FVC, the class table (§5.2)"),
  soilConservationDescriptor(
    method: "rusle_c", form: .coverOnly, cFromTable: false,
    summary: "R·K·LS·(1 − C), no P factor [S3], C as for rusle_cp (§5.2)"),
  soilConservationDescriptor(
    method: "rusle_cp_c_table", form: .coverAndPractice, cFromTable: true,
    summary: "R·K·LS·(1 − C·P), C from the class table rusle.usle_c (§5.2)"),
]

/// Twice the forest soil conservation density of Garzê (2 × 442.4 t·hm⁻²·a⁻¹, 白玛卓嘎 et al.
/// 2017 [S1], `SoilConservationPlausibility.garze`), the highest class density of a high-
/// relief region found: a cell above it is worth a look at R, K, LS and C
/// (docs/soil-conservation-ls.md).
let soilConservationPlausibleDensity: PlausibleDensity = {
  let forest = SoilConservationPlausibility.garze.first { $0.ecosystemClass == "forest" }!
  return PlausibleDensity(
    upperPerHectare: 2 * forest.density, unit: "t·hm⁻²·a⁻¹", code: "soil.density-implausible",
    reason: "twice the forest density of Garzê (\(formatNumber(forest.density)) t·hm⁻²·a⁻¹, [S1] "
      + "白玛卓嘎 et al. 2017): check R, K, LS and C (docs/soil-conservation-ls.md)")
}()

/// The most slope classes of usle_p one ecosystem class may have (more are refused by
/// validation, `coefficients.usle-p-ranges`).
let maximumPRanges = 16

/// One RUSLE method's descriptor (see `soilConservationRUSLE`).
func soilConservationDescriptor(
  method: String, form: SoilConservationForm, cFromTable: Bool, summary: String
) -> MethodDescriptor {
  var rasters = [RasterRead(.erosivity), RasterRead(.erodibility), RasterRead(.ls)]
  if !cFromTable { rasters.append(RasterRead(.fvc, required: false)) }
  if form == .coverAndPractice { rasters.append(RasterRead(.slope, required: false)) }
  rasters.append(RasterRead(.channels, required: false))
  var classParameters = ["rusle.usle_c"]
  if form == .coverAndPractice { classParameters.append("rusle.usle_p") }
  return MethodDescriptor(
    indicator: "soil_conservation", method: method, summary: summary,
    source: "GEP-METHODS §5.2 [S1] [S3] [S5]", scope: .cell, rasters: rasters,
    classParameters: classParameters,
    parameters: [
      ParameterRead("sediment_deposition_ratio", unit: "fraction", default: 0),
      ParameterRead("soil_bulk_density", unit: "t/m3", default: 1),
      ParameterRead("soil_n_content", unit: "percent", default: 0),
      ParameterRead("soil_p_content", unit: "percent", default: 0),
    ],
    prices: ["dredging_cost", "nitrogen_cost", "phosphorus_cost"], excludedWhere: .channels,
    plausibleDensity: soilConservationPlausibleDensity,
    bind: { ctx in bindSoilConservation(&ctx, form: form, cFromTable: cFromTable) })
}

/// Binds a RUSLE method: per-code C and P tables, the value parameters and prices.
func bindSoilConservation(
  _ ctx: inout MethodContext, form: SoilConservationForm, cFromTable: Bool
) -> [BoundChannel] {
  let dredging = ctx.price(matching: "dredging", fallback: "dredging_cost")
  let n = ctx.price(matching: "nitrogen", fallback: "nitrogen_cost")
  let ph = ctx.price(matching: "phosphorus", fallback: "phosphorus_cost")
  let c = ctx.coefficients
  let usleC: [Double] = ctx.perCode(empty: .nan) {
    ctx.classValue("rusle", "usle_c", ecosystemClass: $0)?.value ?? .nan
  }
  // P may be conditional on slope: keep every row that applies to the class chain, level by
  // level as `classCoefficient` does: an `applies = 0` row masks the class (not computed).
  let pRanges: [[(Double, Double, Double)]] = ctx.perCode(empty: []) { cls in
    for code in c.classChain(cls) {
      if let mask = c.classTables["rusle"]?.rows(classCode: code, parameter: "applies").first,
        mask.value == 0
      {
        return []
      }
      guard let rows = c.classTables["rusle"]?.rows(classCode: code, parameter: "usle_p"),
        !rows.isEmpty
      else { continue }
      let ranges: [(Double, Double, Double)] = rows.compactMap { r in
        guard let v = r.value else { return nil }
        if let cond = r.condition { return (cond.lower, cond.upper, v) }
        return (-Double.infinity, Double.infinity, v)
      }
      return Array(ranges.prefix(maximumPRanges))
    }
    return []
  }
  var roles: [RasterRole] = [.erosivity, .erodibility, .ls]
  let fvc = ctx.available.contains(.fvc) && !cFromTable
  if fvc {
    roles.append(.fvc)
    ctx.record("soil_conservation.usle_c", "fvc (蔡崇法 1-class formula)")
  } else if !usleC.contains(where: { !$0.isNaN }) {
    // Kept as a channel (so masks and shares are still reported), but said plainly: the cause
    // is the missing FVC input, not only the coefficient table.
    ctx.warn(
      "indicator.missing-input",
      "\(ctx.profile.id) (\(ctx.profile.nameZH)) cannot be computed anywhere: the run gives no "
        + "fvc raster, and rusle.usle_c has no value for any class of the crosswalk, so C cannot "
        + "be made (give [rasters.fvc] or [derive.fvc], or fill rusle.usle_c)")
    ctx.record("soil_conservation.usle_c", "class table rusle.usle_c (empty)")
  } else {
    ctx.record("soil_conservation.usle_c", "class table rusle.usle_c")
  }
  // The P factor by slope class needs the slope; R·K·LS·(1 − C) has no P.
  let slope = ctx.available.contains(.slope) && form == .coverAndPractice
  if slope { roles.append(.slope) }
  ctx.record("soil_conservation.form", form == .coverOnly ? "1 - C" : "1 - C·P")
  // Flat P tables: the ranges of code j are pStart[j] ..< pStart[j] + pCount[j].
  var pStart: [Int] = []
  var pCount: [Int] = []
  var pLower: [Double] = []
  var pUpper: [Double] = []
  var pValue: [Double] = []
  for ranges in pRanges {
    pStart.append(pLower.count)
    pCount.append(ranges.count)
    for (lo, hi, v) in ranges {
      pLower.append(lo)
      pUpper.append(hi)
      pValue.append(v)
    }
  }
  let parts = [dredging?.note, n?.note, ph?.note].compactMap { $0 }
  let channel = SoilConservationChannel(
    form: form, fvc: fvc, slope: slope, fvcIsPercent: ctx.fvcIsPercent, usleC: usleC,
    pStart: pStart, pCount: pCount, pLower: pLower, pUpper: pUpper, pValue: pValue,
    sedimentRatio: ctx.parameter("sediment_deposition_ratio") ?? 0,
    bulkDensity: ctx.parameter("soil_bulk_density") ?? 1,
    nPercent: ctx.parameter("soil_n_content") ?? 0,
    pPercent: ctx.parameter("soil_p_content") ?? 0, dredgingCost: dredging?.value ?? 0,
    nitrogenCost: n?.value ?? 0, phosphorusCost: ph?.value ?? 0)
  return [
    BoundChannel(
      indicator: ctx.channel(
        unit: "t/a", priceNote: parts.isEmpty ? nil : parts.joined(separator: "; "),
        roles: roles),
      channel: channel)
  ]
}

/// The per-cell evaluation of the RUSLE methods.
struct SoilConservationChannel: CellChannel {
  let form: SoilConservationForm
  /// C from the FVC raster (else from `usleC`).
  let fvc: Bool
  /// The slope raster is read (for slope-conditional P).
  let slope: Bool
  let fvcIsPercent: Bool
  /// usle_c per land-use code, NaN: none.
  let usleC: [Double]
  let pStart: [Int]
  let pCount: [Int]
  let pLower: [Double]
  let pUpper: [Double]
  let pValue: [Double]
  let sedimentRatio: Double
  let bulkDensity: Double
  let nPercent: Double
  let pPercent: Double
  let dredgingCost: Double
  let nitrogenCost: Double
  let phosphorusCost: Double

  func outcome(code: Int) -> CellOutcome {
    guard code < usleC.count else { return .missing }
    if form == .coverAndPractice && pCount[code] == 0 { return .missing }
    if !fvc && usleC[code].isNaN { return .missing }
    return .depends
  }

  /// P of a land-use code at a slope (degrees; NaN without a slope raster), nil: no range.
  @inline(__always)
  func support(code: Int, slope s: Double) -> Double? {
    if form == .coverOnly { return 1 }
    let start = pStart[code]
    for j in start..<start + pCount[code] {
      let lo = pLower[j]
      if lo == -Double.infinity || (s >= lo && s <= pUpper[j]) { return pValue[j] }
    }
    return nil
  }

  func evaluate(
    _ cells: CellBatch, quantity: UnsafeMutablePointer<Double>,
    value: UnsafeMutablePointer<Double>, missing: UnsafeMutablePointer<Bool>
  ) {
    let r = cells.values(.erosivity)
    let k = cells.values(.erodibility)
    let ls = cells.values(.ls)
    let cover = fvc ? cells.values(.fvc) : nil
    let slopes = slope ? cells.values(.slope) : nil
    for i in 0..<cells.count {
      let code = Int(cells.codes[i])
      let c: Double
      if let cover {
        c = usleCFromVegetationCover(coverPercent: fvcIsPercent ? cover[i] : cover[i] * 100)
      } else {
        c = usleC[code]
      }
      guard !c.isNaN, let p = support(code: code, slope: slopes?[i] ?? .nan) else {
        missing[i] = true
        continue
      }
      let sc =
        soilConservation(
          erosivity: r[i], erodibility: k[i], ls: ls[i], usleC: c, usleP: p, form: form)
        * (cells.areas[i] / UnitConversion.squareMetresPerHectare)
      quantity[i] = sc
      value[i] =
        reducedSedimentDepositionValue(
          soilRetained: sc, depositionCoefficient: sedimentRatio, bulkDensity: bulkDensity,
          dredgingCost: dredgingCost)
        + reducedNutrientLossValue(
          soilRetained: sc, nutrientContentPercent: nPercent, removalCost: nitrogenCost)
        + reducedNutrientLossValue(
          soilRetained: sc, nutrientContentPercent: pPercent, removalCost: phosphorusCost)
    }
  }
}
