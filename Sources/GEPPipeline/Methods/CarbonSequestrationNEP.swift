import GEPCore

/// Carbon sequestration (固碳) by the NEP method (净生态系统生产力法): per cell
/// Q_CO2 = 44/12 × NEP × A, with NEP = NPP − R_h from the run's `[rasters.nep]`
/// (t C·hm⁻²·a⁻¹, or g C·m⁻²·a⁻¹ converted by 0.01), valued at the carbon price as the rate
/// method. A cell with NEP < 0 is a carbon source and subtracts (sources are netted; the
/// manifest records it). Classes with `carbon_sequestration.applies = 0` are not applicable
/// (reported as such). R_h is not modelled here: the NEP raster carries it (its soil-respiration
/// model and constants are UNCONFIRMED in GEP-METHODS §5.8 (b)).
/// Source: GEP-METHODS §5.8 (b) [S3] [S11] (GB/T 46869 A.7).
public let carbonSequestrationNEPMethod = MethodDescriptor(
  indicator: "carbon_sequestration", method: "nep",
  summary: "44/12 × NEP × A per cell from an NEP raster, sources netted (§5.8 (b))",
  source: "GEP-METHODS §5.8 (b) [S3] [S11]", scope: .cell, rasters: [RasterRead(.nep)],
  prices: ["carbon_price_ets", "carbon_afforestation_cost"],
  // Urban, bare land … (applies = 0) are not applicable, whatever the NEP raster says.
  appliesTable: "carbon_sequestration",
  bind: { ctx in
    let chosen = carbonPrice(&ctx)
    let scale = ctx.nepUnit == "gC/m2/a" ? 0.01 : 1
    ctx.record("carbon_sequestration.sources", "netted (a cell with NEP < 0 subtracts)")
    return [
      BoundChannel(
        indicator: ctx.channel(unit: "tCO2/a", priceNote: chosen?.note, roles: [.nep]),
        channel: NEPChannel(scale: scale, price: chosen?.price))
    ]
  })

/// The carbon price of the profile (the first price id with a value), else the afforestation
/// cost with a warning (`indicator.price-fallback`); its basis (per t CO₂ or per t C) from the
/// price's unit. Shared by the carbon methods.
func carbonPrice(_ ctx: inout MethodContext) -> (price: CarbonPrice, note: String)? {
  var chosen: (value: Double, note: String, unit: String)? = nil
  for id in ctx.profile.priceIDs {
    if let p = ctx.price(id) {
      chosen = (p.value, p.note, ctx.coefficients.prices[id]?.unit ?? "")
      break
    }
  }
  if chosen == nil, let p = ctx.price("carbon_afforestation_cost") {
    chosen = (p.value, p.note, ctx.coefficients.prices["carbon_afforestation_cost"]?.unit ?? "")
    ctx.warn(
      "indicator.price-fallback",
      "carbon_sequestration: \(ctx.profile.priceIDs.joined(separator: ", ")) has no value; "
        + "the afforestation-cost price carbon_afforestation_cost is used")
  }
  return chosen.map {
    (
      CarbonPrice(
        amount: $0.value,
        basis: $0.unit.lowercased().contains("co2") ? .perTonneCarbonDioxide : .perTonneCarbon),
      $0.note
    )
  }
}

/// The per-cell evaluation of `carbonSequestrationNEPMethod` (classes with applies = 0 are
/// masked by the cell pass through the descriptor's `appliesTable`).
struct NEPChannel: CellChannel {
  /// NEP unit → t C·hm⁻²·a⁻¹.
  let scale: Double
  let price: CarbonPrice?

  func outcome(code: Int) -> CellOutcome { .depends }

  func evaluate(
    _ cells: CellBatch, quantity: UnsafeMutablePointer<Double>,
    value: UnsafeMutablePointer<Double>, missing: UnsafeMutablePointer<Bool>
  ) {
    let nep = cells.values(.nep)
    for i in 0..<cells.count {
      let co2 = carbonSequestrationNEP(
        netEcosystemProductivity: nep[i] * scale,
        areaHectares: cells.areas[i] / UnitConversion.squareMetresPerHectare)
      quantity[i] = co2
      value[i] = price.map { carbonSequestrationValue(carbonDioxide: co2, price: $0) } ?? 0
    }
  }
}
