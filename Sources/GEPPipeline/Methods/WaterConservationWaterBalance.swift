import GEPCore

/// Water conservation (水源涵养) by the water balance: Q = (P − P·α − ET) · A per cell.
///
/// Reads precipitation P (mm), evapotranspiration ET (mm) and the class runoff coefficient α
/// (`runoff_coefficient.alpha`, fraction or percent); writes Q in m³·a⁻¹ and its value at the
/// reservoir construction cost (yuan·m⁻³). Negative cells are clamped to 0
/// (`NegativeCellHandling.clampToZero`). Source: GEP-METHODS §5.1 [S1] [S2], §7.3 [S5].
public let waterConservationWaterBalance = MethodDescriptor(
  indicator: "water_conservation", method: "water_balance",
  summary: "Q = (P − P·α − ET)·A per cell (§5.1)", source: "GEP-METHODS §5.1 [S1] [S2]",
  scope: .cell, rasters: [RasterRead(.precipitation), RasterRead(.evapotranspiration)],
  classParameters: ["runoff_coefficient.alpha"], prices: ["reservoir_capacity_cost"],
  bind: { ctx in
    let price = ctx.price(ctx.profile.priceIDs.first ?? "")
    let negative = NegativeCellHandling.clampToZero
    ctx.record("water_conservation.negative_cells", negative.rawValue)
    let alpha: [Double] = ctx.perCode(empty: .nan) { cls in
      guard let (a, unit) = ctx.classValue("runoff_coefficient", "alpha", ecosystemClass: cls)
      else { return .nan }
      return unit == "percent" ? a / 100 : a
    }
    return [
      BoundChannel(
        indicator: ctx.channel(
          unit: "m3/a", priceNote: price?.note, roles: [.precipitation, .evapotranspiration]),
        channel: WaterBalanceChannel(
          alpha: alpha, price: price?.value ?? 0, negativeCells: negative))
    ]
  })

/// The per-cell evaluation of `waterConservationWaterBalance`.
struct WaterBalanceChannel: CellChannel {
  /// Runoff coefficient per land-use code (fraction), NaN: none.
  let alpha: [Double]
  /// Reservoir unit cost, yuan·m⁻³.
  let price: Double
  let negativeCells: NegativeCellHandling

  func outcome(code: Int) -> CellOutcome {
    code < alpha.count && !alpha[code].isNaN ? .depends : .missing
  }

  func evaluate(
    _ cells: CellBatch, quantity: UnsafeMutablePointer<Double>,
    value: UnsafeMutablePointer<Double>, missing: UnsafeMutablePointer<Bool>
  ) {
    let p = cells.values(.precipitation)
    let et = cells.values(.evapotranspiration)
    for i in 0..<cells.count {
      let a = alpha[Int(cells.codes[i])]
      if a.isNaN {
        missing[i] = true
        continue
      }
      let q = waterConservation(
        precipitation: p[i], runoffCoefficient: a, evapotranspiration: et[i],
        areaHectares: cells.areas[i] / UnitConversion.squareMetresPerHectare,
        negativeCells: negativeCells)
      quantity[i] = q
      value[i] = waterConservationValue(volume: q, reservoirUnitCost: price)
    }
  }
}
