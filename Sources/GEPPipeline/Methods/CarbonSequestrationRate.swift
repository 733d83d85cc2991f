import GEPCore

/// Carbon sequestration (固碳) by the sequestration-rate method: the class rate
/// (`carbon_sequestration.rate`, t C·hm⁻²·a⁻¹) × area, converted to t CO₂ (× 44/12) and valued
/// at the carbon price (per t CO₂ or per t C, from the price's unit). When none of the profile's
/// prices has a value, the afforestation cost `carbon_afforestation_cost` is used with a
/// warning. Source: GEP-METHODS §5.8 [S11] (GB/T 46869 A.7).
public let carbonSequestrationRate = MethodDescriptor(
  indicator: "carbon_sequestration", method: "sequestration_rate",
  summary: "class rate × area (§5.8)", source: "GEP-METHODS §5.8 [S11]", scope: .cell,
  classParameters: ["carbon_sequestration.rate"],
  prices: ["carbon_price_ets", "carbon_afforestation_cost"],
  bind: { ctx in
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
    let price = chosen.map {
      CarbonPrice(
        amount: $0.value,
        basis: $0.unit.lowercased().contains("co2") ? .perTonneCarbonDioxide : .perTonneCarbon)
    }
    let rate: [Double] = ctx.perCode(empty: .nan) {
      ctx.classValue("carbon_sequestration", "rate", ecosystemClass: $0)?.value ?? .nan
    }
    return [
      BoundChannel(
        indicator: ctx.channel(unit: "tCO2/a", priceNote: chosen?.note, roles: []),
        channel: ClassRateChannel(rate: rate) { rate, area in
          let co2 = carbonDioxide(fromCarbon: rate * (area / UnitConversion.squareMetresPerHectare))
          return (co2, price.map { carbonSequestrationValue(carbonDioxide: co2, price: $0) } ?? 0)
        })
    ]
  })

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
