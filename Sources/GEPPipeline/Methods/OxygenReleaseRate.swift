import GEPCore

/// Oxygen release (释氧) from the sequestration rate: the class rate
/// (`carbon_sequestration.rate`, t C·hm⁻²·a⁻¹, × (1 + β) as carbon's rate method) × area →
/// t CO₂ (× 44/12) → t O₂ (× 32/44),
/// valued at the oxygen price (yuan·t⁻¹ O₂: industrial 727 [S1], medical 1000 [S4]).
///
/// Not in the national 2022 list (GEP-METHODS §2.2: an exclusion); provincial and MEE profiles
/// (Shandong [S16], Baiyangdian [S4]) include it, so a profile that lists `oxygen_release`
/// with method `sequestration_rate` computes it. Carbon and oxygen derive from the same rate;
/// GEP-METHODS §10 item 5 warns of the overlap. Source: GEP-METHODS §5.8 [S1] [S4].
public let oxygenReleaseRate = MethodDescriptor(
  indicator: "oxygen_release", method: "sequestration_rate",
  summary: "32/44 × CO₂ of the class sequestration rate × area (§5.8)",
  source: "GEP-METHODS §5.8 [S1] [S4]", scope: .cell,
  classParameters: ["carbon_sequestration.rate", "carbon_sequestration.soil_ratio"],
  parameters: [ParameterRead("forest_soil_carbon_ratio", unit: "fraction", default: 0)],
  prices: ["oxygen_price_industrial", "oxygen_price_medical"],
  bind: { ctx in
    let context = ctx
    let price = ctx.profile.priceIDs.compactMap { context.price($0) }.first
    let oxygenPrice = price?.value ?? 0
    // The same production term as carbon sequestration's rate method (with β), so
    // O₂ = 32/44 × CO₂ exactly.
    let (rate, _) = carbonRatePerCode(ctx)
    return [
      BoundChannel(
        indicator: ctx.channel(unit: "tO2/a", priceNote: price?.note, roles: []),
        channel: ClassRateChannel(rate: rate) { rate, area in
          let co2 = carbonDioxide(fromCarbon: rate * (area / UnitConversion.squareMetresPerHectare))
          let o2 = oxygenRelease(fromCarbonDioxide: co2)
          return (o2, oxygenReleaseValue(oxygen: o2, price: oxygenPrice))
        })
    ]
  })
