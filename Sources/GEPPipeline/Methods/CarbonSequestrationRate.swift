import GEPCore

/// Carbon sequestration (固碳) by the sequestration-rate method: the class rate
/// (`carbon_sequestration.rate`, t C·hm⁻²·a⁻¹) × area × (1 + β), β the soil-carbon ratio of the
/// class (`carbon_sequestration.soil_ratio`; for forests `forest_soil_carbon_ratio` in
/// parameters.csv), converted to t CO₂ (× 44/12) and valued
/// at the carbon price (per t CO₂ or per t C, from the price's unit). When none of the profile's
/// prices has a value, the afforestation cost `carbon_afforestation_cost` is used with a
/// warning. Source: GEP-METHODS §5.8 [S11] (GB/T 46869 A.7).
public let carbonSequestrationRate = MethodDescriptor(
  indicator: "carbon_sequestration", method: "sequestration_rate",
  summary: "class rate × area × (1 + β soil-carbon ratio) (§5.8 (a))",
  source: "GEP-METHODS §5.8 (a) [S11]", scope: .cell,
  classParameters: ["carbon_sequestration.rate", "carbon_sequestration.soil_ratio"],
  parameters: [ParameterRead("forest_soil_carbon_ratio", unit: "fraction", default: 0)],
  prices: ["carbon_price_ets", "carbon_afforestation_cost"],
  bind: { ctx in
    let chosen = carbonPrice(&ctx)
    let price = chosen?.price
    let (rate, usesBeta) = carbonRatePerCode(ctx)
    ctx.record(
      "carbon_sequestration.soil_carbon_ratio",
      usesBeta ? "rate × (1 + β) where β is given" : "β not given (0)")
    return [
      BoundChannel(
        indicator: ctx.channel(unit: "tCO2/a", priceNote: chosen?.note, roles: []),
        channel: ClassRateChannel(rate: rate) { rate, area in
          let co2 = carbonDioxide(fromCarbon: rate * (area / UnitConversion.squareMetresPerHectare))
          return (co2, price.map { carbonSequestrationValue(carbonDioxide: co2, price: $0) } ?? 0)
        })
    ]
  })

/// The carbon rate per land-use code of the rate method, t C·hm⁻²·a⁻¹, with the soil-carbon
/// ratio folded in: FCS = FCSR × SF × (1 + β), β of the class (carbon_sequestration.soil_ratio),
/// else for forest classes (level-1 class 1) the scalar forest_soil_carbon_ratio, else 0; NaN
/// where the class has no rate. Shared by carbon sequestration and oxygen release, so both
/// derive from the same production term (GEP-METHODS §5.8). Also whether any β was used.
func carbonRatePerCode(_ ctx: MethodContext) -> (rate: [Double], usesBeta: Bool) {
  let c = ctx.coefficients
  let forestBeta = ctx.parameter("forest_soil_carbon_ratio") ?? 0
  var usesBeta = false
  let rate: [Double] = ctx.perCode(empty: .nan) { cls in
    guard let r = ctx.classValue("carbon_sequestration", "rate", ecosystemClass: cls)?.value
    else { return .nan }
    let beta =
      ctx.classValue("carbon_sequestration", "soil_ratio", ecosystemClass: cls)?.value
      ?? (c.classChain(cls).contains(1) ? forestBeta : 0)
    if beta != 0 { usesBeta = true }
    return beta == 0 ? r : r * (1 + beta)
  }
  return (rate, usesBeta)
}

/// A channel whose cell result depends only on one class coefficient and the cell area: the
/// coefficient per land-use code (NaN: none) and the formula (coefficient, cell area m²) →
/// (quantity, value).
struct ClassRateChannel: CellChannel {
  let rate: [Double]
  let formula: @Sendable (Double, Double) -> (Double, Double)

  init(rate: [Double], formula: @escaping @Sendable (Double, Double) -> (Double, Double)) {
    self.rate = rate
    self.formula = formula
  }

  func outcome(code: Int) -> CellOutcome {
    code < rate.count && !rate[code].isNaN ? .depends : .missing
  }

  func evaluate(
    _ cells: CellBatch, quantity: UnsafeMutablePointer<Double>,
    value: UnsafeMutablePointer<Double>, missing: UnsafeMutablePointer<Bool>
  ) {
    for i in 0..<cells.count {
      let r = rate[Int(cells.codes[i])]
      if r.isNaN {
        missing[i] = true
        continue
      }
      (quantity[i], value[i]) = formula(r, cells.areas[i])
    }
  }
}
