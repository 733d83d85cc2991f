import GEPCore

/// Flood regulation (洪水调蓄), method `wetland_storage`: per cell, the marsh detention depth
/// (`marsh_detention_depth`, m, default 0.3) × marsh area (ecosystem class 401 and its
/// subclasses) → m³; reservoirs add their flood-control storage at unit level from the
/// reservoir table (`reservoir_flood_share` of capacity, `applyUnitTables`). Valued at the
/// reservoir construction cost. Source: GEP-METHODS §5.5 [S1].
public let floodRegulationWetlandStorage = MethodDescriptor(
  indicator: "flood_regulation", method: "wetland_storage",
  summary: "marsh detention per cell + reservoirs from their table (§5.5)",
  source: "GEP-METHODS §5.5 [S1]", scope: .cell,
  parameters: [
    ParameterRead("marsh_detention_depth", unit: "m", default: 0.3),
    ParameterRead("reservoir_flood_share", unit: "fraction", default: 0.35),
  ],
  prices: ["reservoir_capacity_cost"], tables: ["reservoirs"],
  bind: { ctx in
    let depth = ctx.parameter("marsh_detention_depth") ?? 0.3
    let price = ctx.price(ctx.profile.priceIDs.first ?? "reservoir_capacity_cost")
    let cost = price?.value ?? 0
    ctx.record("flood_regulation.cell_part", "marsh detention depth × marsh area")
    let c = ctx.coefficients
    let marsh: [Bool] = ctx.perCode(empty: false) { c.classChain($0).contains(401) }
    return [
      BoundChannel(
        indicator: ctx.channel(unit: "m3/a", priceNote: price?.note, roles: [], component: "marsh"),
        channel: MarshChannel(marsh: marsh, depth: depth, cost: cost))
    ]
  })

/// The marsh part of flood regulation: depth × area on marsh cells, a structural 0 elsewhere.
struct MarshChannel: CellChannel {
  let marsh: [Bool]
  let depth: Double
  let cost: Double

  func outcome(code: Int) -> CellOutcome { code < marsh.count && marsh[code] ? .depends : .zero }

  func evaluate(
    _ cells: CellBatch, quantity: UnsafeMutablePointer<Double>,
    value: UnsafeMutablePointer<Double>, missing: UnsafeMutablePointer<Bool>
  ) {
    for i in 0..<cells.count {
      guard marsh[Int(cells.codes[i])] else {
        quantity[i] = 0
        value[i] = 0
        continue
      }
      let m3 = depth * cells.areas[i]
      quantity[i] = m3
      value[i] = floodRegulationValue(volume: m3, reservoirUnitCost: cost)
    }
  }
}
