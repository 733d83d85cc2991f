import Foundation
import GEPCore
import GEPGeo

/// Where a statistical row lands: the villages under a unit code, or the one village that
/// contains a point given in WGS 84 lon/lat.
struct RowLocator {
  let units: UnitSet
  let code12: Bool
  let toGrid: CoordinateTransformation
  /// Village indices (ascending) under each code of the hierarchy, built once so that a row
  /// costs one lookup (tables may have millions of rows).
  let villagesByCode: [String: [Int]]

  init(units: UnitSet, gridCRS: SpatialReference, code12: Bool) throws {
    self.units = units
    self.code12 = code12
    toGrid = try CoordinateTransformation(from: try SpatialReference.wgs84(), to: gridCRS)
    villagesByCode = villagesUnderEachCode(units)
  }

  /// Villages under `code` (the unit itself when it is a village).
  func villages(under code: String) -> [Int] {
    villagesByCode[normalisedCode(code, code12: code12)] ?? []
  }

  /// The village whose polygon contains (lon, lat), or nil.
  func village(lon: Double, lat: Double) throws -> Int? {
    var x = [lon]
    var y = [lat]
    try toGrid.transform(x: &x, y: &y)
    let p = try Geometry(wkt: "POINT (\(x[0]) \(y[0]))")
    return units.geometries.firstIndex { !$0.isEmpty && $0.contains(p) }
  }
}

/// Adds the unit-level indicators of the statistical tables to the village rows, before the
/// roll-up: recreation from the tourism table (§6.1), landscape value from the property table
/// (§6.2), reservoir flood storage (§5.5), and the
/// emission cap of air and water purification (§5.6–5.7, §9.2). A row given for a township or
/// county is shared among its villages (recreation, reservoirs: by area; capped purification: in
/// proportion to each village's capacity), so every level sums exactly from its villages; the
/// rule is written in the line's `price` text.
///
/// - Throws: `GDALError` for coordinate transformations; table problems go to `d`.
func applyUnitTables(
  village: inout [UnitAccount], units: UnitSet, model: CellModel, coefficients: CoefficientSet,
  config: RunConfiguration, gridCRS: SpatialReference, diagnostics d: inout Diagnostics
) throws {
  var stage = UnitTableStage(
    village: village, units: units, model: model, coefficients: coefficients, config: config,
    locator: try RowLocator(
      units: units, gridCRS: gridCRS, code12: config.units.hierarchy == .statisticalCode12),
    d: d)
  try stage.recreation()
  try stage.landscape()
  try stage.reservoirs()
  try stage.emissionCap()
  village = stage.village
  d = stage.d
}

/// The state of `applyUnitTables`: the village rows it adds to, the problems it finds, and the
/// readers shared by its three services.
struct UnitTableStage {
  var village: [UnitAccount]
  let units: UnitSet
  let model: CellModel
  let coefficients: CoefficientSet
  let config: RunConfiguration
  let locator: RowLocator
  var d: Diagnostics
  let empty = ExactSum()

  mutating func number(
    _ t: Table, _ r: Table.Row, _ col: String, _ file: String, required: Bool = true
  )
    -> Double?
  {
    guard let i = t.fieldIndex(col) else { return nil }
    let s = r.values[i]
    if s.isEmpty {
      if required {
        d.error(
          "table.missing-value", "\(col) is empty",
          at: ProblemLocation(file: file, row: r.line, column: col))
      }
      return nil
    }
    guard let v = PlainDecimal.parse(s) else {
      d.error(
        "table.not-numeric", "\(col) is " + PlainDecimal.notPlainDecimalMessage(s),
        at: ProblemLocation(file: file, row: r.line, column: col, value: s))
      return nil
    }
    if v < 0 {
      d.error(
        "table.negative", "\(col) must not be negative",
        at: ProblemLocation(file: file, row: r.line, column: col, value: s))
      return nil
    }
    if !ExactSum.accepts(v) {
      d.error(
        "table.out-of-range", "\(col) exceeds 10¹⁵, the largest value gep accepts",
        at: ProblemLocation(file: file, row: r.line, column: col, value: s))
      return nil
    }
    return v
  }
  /// The villages a row lands in, with area weights; nil after reporting a problem.
  mutating func target(_ t: Table, _ r: Table.Row, _ file: String) throws -> (
    villages: [Int], rule: String
  )? {
    if let li = t.fieldIndex("lon"), let ai = t.fieldIndex("lat"), !r.values[li].isEmpty {
      guard let lon = PlainDecimal.parse(r.values[li]), let lat = PlainDecimal.parse(r.values[ai]),
        (-180...180).contains(lon), (-90...90).contains(lat)
      else {
        d.error(
          "table.bad-coordinates", "lon/lat must be WGS 84 degrees",
          at: ProblemLocation(
            file: file, row: r.line, column: "lon", value: "\(r.values[li]), \(r.values[ai])"))
        return nil
      }
      guard let v = try locator.village(lon: lon, lat: lat) else {
        d.error(
          "table.point-outside", "the point lies in no unit",
          at: ProblemLocation(file: file, row: r.line, column: "lon", value: "\(lon), \(lat)"))
        return nil
      }
      return ([v], "located at \(lon), \(lat)")
    }
    guard let ci = t.fieldIndex("unit_code"), !r.values[ci].isEmpty else {
      d.error(
        "table.no-location", "the row needs unit_code or lon and lat",
        at: ProblemLocation(file: file, row: r.line))
      return nil
    }
    let vs = locator.villages(under: r.values[ci])
    if vs.isEmpty {
      d.error(
        "table.unknown-unit", "unit code not in the unit layer's hierarchy",
        at: ProblemLocation(file: file, row: r.line, column: "unit_code", value: r.values[ci]))
      return nil
    }
    return (vs, vs.count == 1 ? "unit \(r.values[ci])" : "from \(r.values[ci]) by area")
  }
  func share(_ amount: Double, over vs: [Int]) -> [(Int, Double)] {
    if vs.count == 1 { return [(vs[0], amount)] }
    let w = vs.map { village[$0].area.value }
    let total = w.reduce(0, +)
    guard total > 0 else { return [] }
    return zip(vs, w).map { ($0, amount * $1 / total) }
  }

  /// Sums a located table per village: for each non-empty row, `row` gives its physical
  /// quantity and value (nil after reporting a problem); both are shared over the row's
  /// villages by area (`target`, `share`). Values beyond 10¹⁵ are errors naming the row.
  ///
  /// - Returns: per village the quantity and value, and the location rule of each row.
  mutating func locatedSums(
    _ t: Table, _ file: String, what: String,
    row: (inout UnitTableStage, Table.Row) -> (quantity: Double, value: Double)?
  ) throws -> (quantity: [ExactSum], value: [ExactSum], rules: [String]) {
    var q = [ExactSum](repeating: empty, count: village.count)
    var v = q
    var rules: [String] = []
    for r in t.rows where !r.values.allSatisfy(\.isEmpty) {
      guard let (quantity, value) = row(&self, r), let (vs, rule) = try target(t, r, file)
      else { continue }
      guard ExactSum.accepts(value) else {
        d.error(
          "table.out-of-range", "\(what) = \(formatNumber(value)) yuan exceeds 10¹⁵",
          at: ProblemLocation(file: file, row: r.line))
        continue
      }
      for (z, part) in share(quantity, over: vs) { q[z].add(part) }
      for (z, part) in share(value, over: vs) { v[z].add(part) }
      rules.append(rule)
    }
    return (q, v, rules)
  }

  /// Recreation (休闲旅游, §6.1) by the travel cost method from the tourism table: visits ×
  /// (direct travel cost + time cost + consumer surplus) per visit, the time cost being
  /// travel_time_days × daily_wage_yuan × `time_value_share` (30 % of the daily wage [S4])
  /// when both columns are given (`travelTimeCost`), the consumer surplus when given.
  mutating func recreation() throws {
    guard let p = coefficients.profile.indicator("recreation") else { return }
    guard let input = config.tables["tourism"] else {
      d.warning(
        "table.missing", "no tourism table: recreation (休闲旅游) is not computed",
        at: ProblemLocation(file: config.runFile, field: "tables.tourism"))
      return
    }
    guard let t = try readTable(input, diagnostics: &d) else { return }
    let wageShare = coefficients.parameterValue("time_value_share")
    var timeCosted = 0
    var rows = 0
    let (q, v, rules) = try locatedSums(t, input.path, what: "visits × cost per visit") {
      stage, r in
      guard let visits = stage.number(t, r, "visits", input.path),
        let direct = stage.number(t, r, "travel_cost_per_visit_yuan", input.path)
      else { return nil }
      rows += 1
      let days = stage.number(t, r, "travel_time_days", input.path, required: false)
      let wage = stage.number(t, r, "daily_wage_yuan", input.path, required: false)
      let surplus =
        stage.number(t, r, "consumer_surplus_per_visit_yuan", input.path, required: false) ?? 0
      var time = 0.0
      // Both or neither: validation rejects a row with one of the two (`TableSpec.together`).
      if let days, let wage {
        guard let wageShare else {
          stage.d.error(
            "coefficients.missing-parameter",
            "the time cost needs the parameter time_value_share (parameters.csv)",
            at: ProblemLocation(file: input.path, row: r.line, column: "travel_time_days"))
          return nil
        }
        time = travelTimeCost(days: days, dailyWage: wage, wageShare: wageShare)
        timeCosted += 1
      }
      let perVisit = individualTravelCostPerVisit(
        travelExpenditure: direct, timeCost: time, consumerSurplus: surplus)
      return (visits, recreationValue(visits: visits, valuePerVisit: perVisit))
    }
    let time =
      timeCosted == rows
      ? "with the time cost (days × daily wage × \(formatNumber(wageShare ?? 0)))"
      : timeCosted == 0
        ? "direct costs only (no travel_time_days and daily_wage_yuan)"
        : "time cost on \(timeCosted) of \(rows) rows"
    for z in village.indices {
      village[z].lines.append(
        IndicatorLine(
          indicator: p.id, component: "", category: .cultural, nameZH: p.nameZH,
          quantity: q[z], physicalUnit: "visits/a", value: v[z], method: p.method,
          price: "visits × travel cost per visit, \(time) (tourism table; "
            + rules.joined(separator: "; ") + ")",
          maskedArea: empty, uncoveredArea: empty))
    }
  }

  /// Landscape value (景观价值, §6.2) by hedonic pricing from the property table: the floor
  /// area benefiting from an ecological landscape × its annual price premium per m²
  /// (`landscapeValue`). The buffer analysis (which properties benefit) is the table's: the
  /// engine sums what it gives.
  mutating func landscape() throws {
    guard let p = coefficients.profile.indicator("landscape_value"), p.method == "hedonic" else {
      return
    }
    guard let input = config.tables["property_prices"] else {
      d.warning(
        "table.missing", "no property_prices table: landscape value (景观价值) is not computed",
        at: ProblemLocation(file: config.runFile, field: "tables.property_prices"))
      return
    }
    guard let t = try readTable(input, diagnostics: &d) else { return }
    let (q, v, rules) = try locatedSums(t, input.path, what: "area × premium") { stage, r in
      guard let area = stage.number(t, r, "benefiting_area_m2", input.path),
        let premium = stage.number(t, r, "premium_yuan_per_m2_per_year", input.path)
      else { return nil }
      return (area, landscapeValue(benefitingArea: area, premiumPerArea: premium))
    }
    for z in village.indices {
      village[z].lines.append(
        IndicatorLine(
          indicator: p.id, component: "", category: .cultural, nameZH: p.nameZH,
          quantity: q[z], physicalUnit: "m2", value: v[z], method: p.method,
          price: "benefiting floor area × annual premium per m² (property_prices table; "
            + rules.joined(separator: "; ") + ")",
          maskedArea: empty, uncoveredArea: empty))
    }
  }

  /// Reservoir flood storage (part of flood regulation, §5.5) from the reservoir table.
  mutating func reservoirs() throws {
    // Reservoir flood storage (part of flood regulation).
    if let input = config.tables["reservoirs"],
      let p = coefficients.profile.indicator("flood_regulation")
    {
      if let t = try readTable(input, diagnostics: &d) {
        let shareOfCapacity = coefficients.parameterValue("reservoir_flood_share") ?? 0.35
        // The reservoir construction cost of the flood-regulation descriptor (§5.5).
        let floodPrice =
          coefficients.accountPrice(
            p.priceIDs.first ?? "reservoir_capacity_cost", year: config.year)?.value ?? 0
        var q = [ExactSum](repeating: empty, count: village.count)
        var v = q
        for r in t.rows where !r.values.allSatisfy(\.isEmpty) {
          guard let capacity = number(t, r, "capacity_m3", input.path),
            let (vs, _) = try target(t, r, input.path)
          else { continue }
          guard capacity <= 1e12 else {
            d.error(
              "table.out-of-range",
              "capacity_m3 above 10¹² m³ exceeds any reservoir (the Three Gorges holds "
                + "3.93 × 10¹⁰ m³): the unit is m³?",
              at: ProblemLocation(
                file: input.path, row: r.line, column: "capacity_m3", value: formatNumber(capacity))
            )
            continue
          }
          let m3 = reservoirFloodRegulation(
            totalCapacity: capacity, floodControlShare: shareOfCapacity)
          let yuan = floodRegulationValue(volume: m3, reservoirUnitCost: floodPrice)
          guard ExactSum.accepts(yuan) else {
            d.error(
              "table.out-of-range",
              "the reservoir's flood storage value \(formatNumber(yuan)) yuan exceeds 10¹⁵",
              at: ProblemLocation(file: input.path, row: r.line, column: "capacity_m3"))
            continue
          }
          for (z, part) in share(m3, over: vs) { q[z].add(part) }
          for (z, part) in share(yuan, over: vs) { v[z].add(part) }
        }
        for z in village.indices {
          village[z].lines.append(
            IndicatorLine(
              indicator: p.id, component: "reservoirs", category: .regulating, nameZH: p.nameZH,
              quantity: q[z], physicalUnit: "m3/a", value: v[z], method: p.method,
              price:
                "\(formatNumber(shareOfCapacity)) × capacity × \(formatNumber(floodPrice)) "
                + "yuan/m3 (reservoirs table)",
              maskedArea: empty, uncoveredArea: empty))
        }
      }
    }
  }

  /// The emission cap of air and water purification (§5.6–5.7, §9.2).
  mutating func emissionCap() throws {
    // Emission cap of purification: min(emission, capacity) at the unit the emission is given for.
    guard let input = config.tables["emissions"] else { return }
    guard
      let t = try readTable(input, diagnostics: &d)
    else { return }
    let pi = t.fieldIndex("pollutant")!
    let ci = t.fieldIndex("unit_code")!
    for r in t.rows where !r.values.allSatisfy(\.isEmpty) {
      let pollutant = r.values[pi].lowercased()
      guard
        let li = village.first?.lines.firstIndex(where: {
          ($0.indicator == "air_purification" || $0.indicator == "water_purification")
            && $0.component == pollutant
        })
      else {
        d.error(
          "table.unknown-pollutant",
          "unknown pollutant; use one of: "
            + (airPollutants + waterPollutants).joined(separator: ", "),
          at: ProblemLocation(
            file: input.path, row: r.line, column: "pollutant", value: r.values[pi])
        )
        continue
      }
      guard let emission = number(t, r, "emission_t", input.path) else { continue }
      let vs = locator.villages(under: r.values[ci])
      if vs.isEmpty {
        d.error(
          "table.unknown-unit", "unit code not in the unit layer's hierarchy",
          at: ProblemLocation(
            file: input.path, row: r.line, column: "unit_code", value: r.values[ci])
        )
        continue
      }
      var capacity = ExactSum()
      var capacityValue = ExactSum()
      for z in vs {
        if let q = village[z].lines[li].quantity { capacity.add(q) }
        if let v = village[z].lines[li].value { capacityValue.add(v) }
      }
      let cap = capacity.value
      let used = purifiedAmount(emission: emission, capacity: cap, basis: .useCapped)
      let factor = cap > 0 ? used / cap : 0
      for z in vs {
        var line = village[z].lines[li]
        line.capacity = line.quantity
        line.capacityValue = line.value
        if let q = line.quantity { line.quantity = scaled(q, factor) }
        if let v = line.value { line.value = scaled(v, factor) }
        line.classValues = line.classValues.map { scaled($0, factor) }
        line.price +=
          "; use-capped at \(r.values[ci]): min(emission \(formatNumber(emission)) t, "
          + "capacity \(formatNumber(cap)) t), shared by capacity"
        village[z].lines[li] = line
      }
    }
  }
}

/// The village indices (ascending) under each code of the unit hierarchy: a village's own code
/// and every code of its parent chain map to it.
func villagesUnderEachCode(_ units: UnitSet) -> [String: [Int]] {
  var out: [String: [Int]] = [:]
  for z in units.villages.indices {
    for code in Set(units.chain(ofVillage: z)) { out[code, default: []].append(z) }
  }
  return out
}

/// `s × factor` as an exact sum (rounded once).
func scaled(_ s: ExactSum, _ factor: Double) -> ExactSum {
  var r = ExactSum()
  r.add(s.value * factor)
  return r
}
