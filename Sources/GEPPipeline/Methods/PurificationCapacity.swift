import GEPCore

/// Pollutants of air purification, in channel order (GEP-METHODS §5.6).
public let airPollutants = ["so2", "nox", "dust"]
/// Pollutants of water purification, in channel order (GEP-METHODS §5.7: COD, NH₃-N and TP
/// nationally; TN where a local profile adds it).
public let waterPollutants = ["cod", "nh3n", "tp", "tn"]

/// Air purification (空气净化), method `capacity_capped`: per pollutant, the class capacity
/// q (`air_purification.<pollutant>`, kg·hm⁻²·a⁻¹) × area / 1000 → t·a⁻¹ per cell, valued at
/// the treatment cost; capped by the emission table at unit level (`applyUnitTables`).
/// Source: GEP-METHODS §5.6 [S1].
public let airPurificationCapacity = purificationDescriptor(
  indicator: "air_purification", table: "air_purification", pollutants: airPollutants,
  emissions: "emissions", section: "§5.6",
  summary: "class capacity × area, capped by the emission table (§5.6)",
  capping: "capacity (no emission capping per cell)")

/// Water purification (水质净化), method `capacity_capped`: as air purification with the
/// pollutants COD, NH₃-N, TP and (where the profile declares `water_purification.tn`) TN
/// (`water_purification.<pollutant>`), capped by the load table.
/// Source: GEP-METHODS §5.7 [S1].
public let waterPurificationCapacity = purificationDescriptor(
  indicator: "water_purification", table: "water_purification", pollutants: waterPollutants,
  emissions: "emissions", section: "§5.7",
  summary: "class capacity × area, capped by the load table (§5.7)",
  capping: "capacity (no load capping per cell)")

/// A purification descriptor: one channel per pollutant the profile declares among
/// `pollutants` (its `class_parameters`; all of them when it declares none of them).
func purificationDescriptor(
  indicator: String, table: String, pollutants: [String], emissions: String, section: String,
  summary: String, capping: String
) -> MethodDescriptor {
  MethodDescriptor(
    indicator: indicator, method: "capacity_capped", summary: summary,
    source: "GEP-METHODS \(section) [S1]", scope: .cell,
    classParameters: pollutants.map { "\(table).\($0)" },
    prices: pollutants.map { "\($0)_treatment_cost" }, tables: [emissions],
    bind: { ctx in
      var out: [BoundChannel] = []
      let declared = pollutants.filter {
        ctx.profile.classParameters.flatMap { $0 }.map(\.description).contains("\(table).\($0)")
      }
      for pol in declared.isEmpty ? pollutants : declared {
        let price = ctx.price(
          ctx.profile.priceIDs.first { $0.hasPrefix(pol) } ?? "\(pol)_treatment_cost")
        let cost = price?.value ?? 0
        let q: [Double] = ctx.perCode(empty: .nan) {
          ctx.classValue(table, pol, ecosystemClass: $0)?.value ?? .nan
        }
        out.append(
          BoundChannel(
            indicator: ctx.channel(unit: "t/a", priceNote: price?.note, roles: [], component: pol),
            channel: ClassRateChannel(rate: q) { q, area in
              // kg·hm⁻²·a⁻¹ × hm² ÷ 1000 kg·t⁻¹ = t·a⁻¹
              let t =
                purificationCapacity(
                  capacityPerArea: q, areaHectares: area / UnitConversion.squareMetresPerHectare)
                / UnitConversion.kilogramsPerTonne
              return (t, purificationValue(amount: t, treatmentCost: cost))
            }))
      }
      ctx.record("\(indicator).capping", capping)
      return out
    })
}
