import GEPCore

/// Climate regulation (气候调节) by the energy of vegetation transpiration: EPP (class heat
/// consumed by transpiration per area, `climate_regulation.epp`, kJ·m⁻²·d⁻¹) × area (km²) ×
/// cooling days D / (3600 · EER) → kWh·a⁻¹, valued at the electricity price. Not computed
/// without `cooling_days`. The water-surface evaporation part of §5.9 is not implemented by this
/// method. Source: GEP-METHODS §5.9 [S1] [S3].
public let climateRegulationEPP = MethodDescriptor(
  indicator: "climate_regulation", method: "et_energy_epp",
  summary: "EPP by class × cooling days / EER (§5.9)", source: "GEP-METHODS §5.9 [S1] [S3]",
  scope: .cell, classParameters: ["climate_regulation.epp"],
  parameters: [
    ParameterRead("cooling_days", unit: "d"),
    ParameterRead("ac_energy_efficiency_ratio", unit: "1", default: 3),
  ],
  prices: ["electricity_price"],
  bind: { ctx in
    guard let days = ctx.parameter("cooling_days") else {
      ctx.warn(
        "indicator.missing-parameter",
        "climate_regulation is not computed: parameters.csv gives no cooling_days (D, days "
          + "with air conditioning)")
      return []
    }
    let eer = ctx.parameter("ac_energy_efficiency_ratio") ?? 3
    let price = ctx.price(ctx.profile.priceIDs.first ?? "electricity_price")
    let electricity = price?.value ?? 0
    let epp: [Double] = ctx.perCode(empty: .nan) {
      ctx.classValue("climate_regulation", "epp", ecosystemClass: $0)?.value ?? .nan
    }
    return [
      BoundChannel(
        indicator: ctx.channel(unit: "kWh/a", priceNote: price?.note, roles: []),
        channel: ClassRateChannel(rate: epp) { epp, area in
          let kwh = vegetationTranspirationEnergy(
            heatConsumedPerArea: epp,
            areaSquareKilometres: area / UnitConversion.squareMetresPerSquareKilometre,
            coolingDays: days, energyEfficiencyRatio: eer)
          return (kwh, climateRegulationValue(energy: kwh, electricityPrice: electricity))
        })
    ]
  })
