import Foundation
import GEPCore
import GEPGeo

/// One indicator line of one unit: physical quantity and value, with what produced them.
public struct IndicatorLine: Sendable {
  /// Indicator id (profile), e.g. "water_conservation".
  public var indicator: String
  /// Pollutant or part ("so2", "marsh"), empty for whole indicators.
  public var component: String
  /// Category.
  public var category: IndicatorCategory
  /// Chinese name.
  public var nameZH: String
  /// Physical quantity (exact sum), in `physicalUnit`; nil when not a physical quantity.
  public var quantity: ExactSum?
  /// Unit of the physical quantity.
  public var physicalUnit: String
  /// Value, yuan (exact sum); nil when no price is known.
  public var value: ExactSum?
  /// Method switch used.
  public var method: String
  /// The price used and its source, or the allocation rule.
  public var price: String
  /// Area whose inputs were nodata for this indicator, m².
  public var maskedArea: ExactSum
  /// Area whose class has no coefficient for this indicator, m².
  public var uncoveredArea: ExactSum
  /// Area whose class the profile marks not applicable to this indicator (`applies = 0`), m²:
  /// a structural nothing, excluded from the computed share's denominator.
  public var notApplicableArea = ExactSum()
  /// Area the indicator's method does not evaluate by rule (`MethodDescriptor.excludedWhere`:
  /// stream channel cells for soil conservation), m²: excluded from the computed share's
  /// denominator like the not-applicable area, and reported as its own share.
  public var excludedArea = ExactSum()
  /// Value (yuan) per level-1 ecosystem class (`Account.level1Codes` order) for the per-cell
  /// indicators (the service × ecosystem-class matrix); empty for table-based lines.
  public var classValues: [ExactSum] = []
  /// For use-capped purification: the capacity before capping (physical unit), else nil.
  public var capacity: ExactSum? = nil
  /// For use-capped purification: the value of the capacity before capping, yuan, else nil.
  public var capacityValue: ExactSum? = nil
  /// For table-based lines: false when the table gives nothing for this indicator (e.g. a
  /// material sector absent from the material_products table): the line is not computed.
  public var reported: Bool = true
  /// Set when the run declares the indicator not applicable to its region (the run file's
  /// `[not_applicable]`, with this reason): the line's status is `not_applicable` whatever its
  /// areas, its quantity and value are empty.
  public var notApplicableReason: String? = nil

  /// The share of the unit's land area on which the line was computed: 1 − (masked +
  /// uncovered area) / (land − not-applicable − excluded area) for per-cell lines (1 on a unit
  /// without land), 1 or 0 for table-based lines (`reported`).
  ///
  /// - Parameter unitArea: the unit's land area, m².
  public func computedShare(unitArea: Double) -> Double {
    if classValues.isEmpty && capacity == nil && maskedArea.raw == 0 && uncoveredArea.raw == 0
      && notApplicableArea.raw == 0 && excludedArea.raw == 0
    {
      return reported ? 1 : 0
    }
    let applicable = unitArea - notApplicableArea.value - excludedArea.value
    guard unitArea > 0, applicable > 1e-9 * unitArea else { return reported ? 1 : 0 }
    let missing = (maskedArea.value + uncoveredArea.value) / applicable
    return min(1, max(0, 1 - missing))
  }

  /// The area (m²) of the unit's land where the line was computed: the land less its masked,
  /// uncovered, not-applicable and excluded areas (per-cell lines).
  ///
  /// - Parameter unitArea: the unit's land area, m².
  public func computedArea(unitArea: Double) -> Double {
    unitArea - maskedArea.value - uncoveredArea.value - notApplicableArea.value
      - excludedArea.value
  }

  /// True when the whole unit's land is of classes the profile marks not applicable, or
  /// excluded by the method's rule (a unit of stream channel cells only, for soil
  /// conservation).
  public func whollyNotApplicable(unitArea: Double) -> Bool {
    let none = notApplicableArea.value + excludedArea.value
    return (notApplicableArea.raw > 0 || excludedArea.raw > 0) && unitArea - none <= 1e-9 * unitArea
  }

  /// The line's status in the unit: `notComputed` when nothing of it was computed (its
  /// quantity and value are then never shown as 0), `notValued` when the quantity was computed
  /// but no price is known, `partial` when computed on part of the land, else `computed`.
  ///
  /// - Parameter unitArea: the unit's land area, m².
  public func status(unitArea: Double) -> LineStatus {
    if notApplicableReason != nil || whollyNotApplicable(unitArea: unitArea) {
      return .notApplicable
    }
    let share = computedShare(unitArea: unitArea)
    if share <= 1e-12 { return .notComputed }
    if value == nil { return .notValued }
    return share < 1 - 1e-9 ? .partial : .computed
  }
}

/// How much of an indicator line was computed (the `status` column of the reports).
public enum LineStatus: String, Sendable {
  /// Computed on all of the unit's land.
  case computed
  /// Computed on part of the unit's land (the rest: nodata inputs or no coefficient).
  case partial
  /// Not computed at all: the value is left empty, never 0.
  case notComputed = "not_computed"
  /// The profile marks the indicator not applicable to every class of the unit's land
  /// (`applies = 0`): left empty, with the profile's reason in the coefficient table.
  case notApplicable = "not_applicable"
  /// The physical quantity is computed, the value is not (no price).
  case notValued = "not_valued"
}

/// The account of one unit (any level, or the unassigned row).
public struct UnitAccount: Sendable {
  /// The unit.
  public var unit: AccountingUnit
  /// Land area in the grid (cells with a land-use value), m².
  public var area: ExactSum
  /// Land-use nodata area, m².
  public var noDataArea: ExactSum
  /// Level-1 class areas, m², in `Account.level1Codes` order.
  public var classAreas: [ExactSum]
  /// Lines in a fixed order (material, regulating, cultural; profile order).
  public var lines: [IndicatorLine]
  /// GDP, yuan, when a table gives it at this unit.
  public var gdp: Double?
  /// Resident population, persons, when a table gives it.
  public var population: Double?

  /// The level as written in the reports: "county", "township", "village" or "unassigned".
  public var levelLabel: String {
    unit.code == Account.unassignedCode ? "unassigned" : unit.level.rawValue
  }

  /// Sum of the values of one category, yuan.
  public func categoryValue(_ c: IndicatorCategory) -> ExactSum {
    var s = ExactSum()
    for l in lines where l.category == c { if let v = l.value { s.add(v) } }
    return s
  }

  /// True when at least one line of the category has a computed value (the category's
  /// subtotal is shown; else it is left empty, not 0).
  public func categoryComputed(_ c: IndicatorCategory) -> Bool {
    lines.contains {
      $0.category == c && [.computed, .partial].contains($0.status(unitArea: area.value))
    }
  }

  /// The status of an indicator (all its lines: components such as pollutants) in this unit:
  /// `notComputed` when no line has a computed value (or there is no line), `partial` when
  /// some line is partial, not valued or not computed, else `computed`.
  public func indicatorStatus(_ id: String) -> LineStatus {
    let statuses = lines.filter { $0.indicator == id }.map { $0.status(unitArea: area.value) }
    if !statuses.isEmpty && statuses.allSatisfy({ $0 == .notApplicable }) { return .notApplicable }
    if statuses.isEmpty
      || statuses.allSatisfy({ $0 == .notComputed || $0 == .notValued || $0 == .notApplicable })
    {
      return .notComputed
    }
    return statuses.allSatisfy { $0 == .computed || $0 == .notApplicable } ? .computed : .partial
  }

  /// GEP = material + regulating + cultural − outside-origin deduction (0 in this version,
  /// GB/T 46869; GEP-METHODS §9.1), yuan.
  public var gep: ExactSum {
    var s = categoryValue(.material)
    s.add(categoryValue(.regulating))
    s.add(categoryValue(.cultural))
    return s
  }
}

/// The whole account: every unit of every level plus the unassigned row.
public struct Account: Sendable {
  /// Units sorted by level then code; the unassigned row last.
  public var units: [UnitAccount]
  /// Level-1 class codes of `classAreas`.
  public var level1Codes: [Int]
  /// Level-1 class names (English, Chinese) in the same order.
  public var level1Names: [(String, String)]
  /// Warnings produced while building it (allocation, tables).
  public var notes: [Problem]
  /// The profile's indicators in profile order, with their `optional` flag: what a complete
  /// account has (GB/T 46869; the `gep_status` of the reports).
  public var profileIndicators: [(id: String, optional: Bool)] = []

  /// The profile indicators not computed in `unit` and those computed in part, in profile
  /// order; `complete` is false when a non-optional indicator is in either list.
  public func completeness(of unit: UnitAccount) -> (
    complete: Bool, notComputed: [String], partial: [String]
  ) {
    var missing: [String] = []
    var partial: [String] = []
    var complete = true
    for p in profileIndicators {
      switch unit.indicatorStatus(p.id) {
      case .computed, .notApplicable: continue
      case .partial: partial.append(p.id)
      case .notComputed, .notValued: missing.append(p.optional ? p.id + " (optional)" : p.id)
      }
      if !p.optional { complete = false }
    }
    return (complete, missing, partial)
  }

  /// The code of the unassigned row.
  public static let unassignedCode = "unassigned"
}

/// Normalises a statistical code for matching: for the 12-digit hierarchy, a 6- or 9-digit
/// county/township code is padded with zeros to 12 digits (520621 → 520621000000).
func normalisedCode(_ code: String, code12: Bool) -> String {
  let c = code.trimmingCharacters(in: .whitespaces)
  guard code12, c.allSatisfy(\.isNumber) else { return c }
  if c.count == 6 || c.count == 9 { return c + String(repeating: "0", count: 12 - c.count) }
  return c
}

/// Builds the account from the per-zone sums: village lines from the cells, parents as exact
/// sums of their children, material products allocated from the statistical table, GDP and
/// population where given.
///
/// - Throws: `InputProblems` for table errors (missing columns, non-numeric values, unknown
///   unit codes, unknown sectors or classes).
func buildAccount(
  sums: ZoneSums, units: UnitSet, model: CellModel, coefficients: CoefficientSet,
  config: RunConfiguration, gridCRS: SpatialReference, diagnostics d: inout Diagnostics
) throws -> Account {
  let code12 = config.units.hierarchy == .statisticalCode12
  let level1 = sums.classCodes
  let names = level1.map { c in
    (
      coefficients.ecosystemClasses[c]?.nameEN ?? String(c),
      coefficients.ecosystemClasses[c]?.nameZH ?? ""
    )
  }
  let villageCount = units.villages.count
  // Village rows from the cell sums.
  func lines(zone z: Int) -> [IndicatorLine] {
    var out: [IndicatorLine] = []
    for (k, ind) in model.indicators.enumerated() {
      out.append(
        IndicatorLine(
          indicator: ind.id, component: ind.component ?? "", category: ind.category,
          nameZH: ind.nameZH, quantity: sums.quantity(z, k), physicalUnit: ind.physicalUnit,
          value: ind.hasValue ? sums.value(z, k) : nil, method: ind.method, price: ind.priceNote,
          maskedArea: sums.maskedArea(z, k), uncoveredArea: sums.uncoveredArea(z, k),
          notApplicableArea: sums.notApplicableArea(z, k), excludedArea: sums.excludedArea(z, k),
          classValues: (0..<level1.count).map { sums.classValue(z, k, $0) }))
    }
    return out
  }
  var village: [UnitAccount] = (0..<villageCount).map { z in
    UnitAccount(
      unit: units.villages[z], area: sums.landArea(z), noDataArea: sums.noDataArea(z),
      classAreas: (0..<level1.count).map { sums.classArea(z, $0) }, lines: lines(zone: z))
  }
  var unassigned = UnitAccount(
    unit: AccountingUnit(
      code: Account.unassignedCode, name: "outside every unit", level: .village, parentCode: nil),
    area: sums.landArea(villageCount), noDataArea: sums.noDataArea(villageCount),
    classAreas: (0..<level1.count).map { sums.classArea(villageCount, $0) },
    lines: lines(zone: villageCount))

  // Material products: allocate table rows down to villages by class area.
  let materialLines = try allocateMaterialProducts(
    config: config, units: units, village: village, outside: unassigned, level1: level1,
    coefficients: coefficients, code12: code12, diagnostics: &d)
  for z in 0..<villageCount where !materialLines.isEmpty {
    village[z].lines = materialLines[z] + village[z].lines
  }
  try applyUnitTables(
    village: &village, units: units, model: model, coefficients: coefficients, config: config,
    gridCRS: gridCRS, diagnostics: &d)
  // Every indicator of the profile has a line in every unit, so the outputs have the same rows
  // and columns whatever the inputs: one not computed in this run (no method, a missing raster,
  // parameter or table) is an empty, not-computed line, never a 0 and never a missing column.
  let present = Set(village.first?.lines.map(\.indicator) ?? [])
  let absent = coefficients.profile.indicators.filter { !present.contains($0.id) }.map { p in
    IndicatorLine(
      indicator: p.id, component: "", category: p.category ?? .regulating, nameZH: p.nameZH,
      quantity: nil, physicalUnit: p.physicalUnit, value: nil, method: p.method,
      price: "not computed in this run (see the warnings)", maskedArea: ExactSum(),
      uncoveredArea: ExactSum(), reported: false)
  }
  for z in 0..<villageCount { village[z].lines += absent }
  // Indicators the region declares not applicable: one line each, whatever was computed.
  for (id, reason) in config.notApplicable {
    guard let p = coefficients.profile.indicators.first(where: { $0.id == id }) else { continue }
    for z in 0..<villageCount {
      guard let first = village[z].lines.firstIndex(where: { $0.indicator == id }) else { continue }
      village[z].lines.removeAll { $0.indicator == id }
      village[z].lines.insert(
        IndicatorLine(
          indicator: p.id, component: "", category: p.category ?? .regulating, nameZH: p.nameZH,
          quantity: nil, physicalUnit: p.physicalUnit, value: nil, method: p.method,
          price: "not applicable to this region: \(reason) (run file [not_applicable])",
          maskedArea: ExactSum(), uncoveredArea: ExactSum(), notApplicableArea: village[z].area,
          reported: false, notApplicableReason: reason),
        at: min(first, village[z].lines.count))
    }
  }
  // The unassigned row gets the same lines as the villages (zero where only tables feed them).
  if let template = village.first?.lines {
    unassigned.lines = template.map { t in
      if let own = unassigned.lines.first(where: {
        $0.indicator == t.indicator && $0.component == t.component
      }) {
        return own
      }
      var e = t
      e.quantity = t.quantity == nil ? nil : ExactSum()
      e.value = t.value == nil ? nil : ExactSum()
      e.capacity = nil
      e.capacityValue = nil
      if t.notApplicableReason != nil {
        e.notApplicableArea = unassigned.area
      } else {
        e.price = "not located here"
      }
      return e
    }
  }

  // Roll up: parents as sums of children (exact).
  let byCode = Dictionary(units.all.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
  var rows: [String: UnitAccount] = [:]
  for v in village { rows[v.unit.code] = v }
  func add(_ child: UnitAccount, into parentCode: String) {
    guard let parentUnit = byCode[parentCode] else { return }
    var p =
      rows[parentCode]
      ?? UnitAccount(
        unit: parentUnit, area: ExactSum(), noDataArea: ExactSum(),
        classAreas: [ExactSum](repeating: ExactSum(), count: level1.count),
        lines: child.lines.map { l in
          var e = l
          e.quantity = l.quantity == nil ? nil : ExactSum()
          e.value = l.value == nil ? nil : ExactSum()
          e.maskedArea = ExactSum()
          e.uncoveredArea = ExactSum()
          e.notApplicableArea = ExactSum()
          e.excludedArea = ExactSum()
          e.capacity = l.capacity == nil ? nil : ExactSum()
          e.capacityValue = l.capacityValue == nil ? nil : ExactSum()
          e.classValues = l.classValues.map { _ in ExactSum() }
          return e
        })
    p.area.add(child.area)
    p.noDataArea.add(child.noDataArea)
    for i in 0..<level1.count { p.classAreas[i].add(child.classAreas[i]) }
    for i in 0..<p.lines.count {
      if let q = child.lines[i].quantity { p.lines[i].quantity?.add(q) }
      if let v = child.lines[i].value { p.lines[i].value?.add(v) }
      for (c, v) in child.lines[i].classValues.enumerated() where c < p.lines[i].classValues.count {
        p.lines[i].classValues[c].add(v)
      }
      if let c = child.lines[i].capacity { p.lines[i].capacity?.add(c) }
      if let c = child.lines[i].capacityValue { p.lines[i].capacityValue?.add(c) }
      p.lines[i].maskedArea.add(child.lines[i].maskedArea)
      p.lines[i].uncoveredArea.add(child.lines[i].uncoveredArea)
      p.lines[i].notApplicableArea.add(child.lines[i].notApplicableArea)
      p.lines[i].excludedArea.add(child.lines[i].excludedArea)
    }
    rows[parentCode] = p
  }
  for v in village { if let t = v.unit.parentCode { add(v, into: t) } }
  // Townships above the finest units go into their counties (a township layer's units are the
  // finest level and were added above: adding them again doubled the county).
  let finestCodes = Set(units.villages.map(\.code))
  for u in units.all where u.level == .township && !finestCodes.contains(u.code) {
    if let t = rows[u.code], let c = u.parentCode { add(t, into: c) }
  }
  // GDP and population.
  if let gt = config.tables["gdp_population"] {
    let t = try readTable(gt, diagnostics: &d)
    if let t {
      let ci = t.fieldIndex("unit_code")!
      let gi = t.fieldIndex("gdp_yuan")!
      let pi = t.fieldIndex("population")
      for r in t.rows {
        let code = normalisedCode(r.values[ci], code12: code12)
        let loc = ProblemLocation(
          file: gt.path, row: r.line, column: "unit_code", value: r.values[ci])
        guard rows[code] != nil else {
          d.error("table.unknown-unit", "unit code not in the unit layer's hierarchy", at: loc)
          continue
        }
        guard let g = PlainDecimal.parse(r.values[gi]) else {
          d.error(
            "table.not-numeric", "gdp_yuan is " + PlainDecimal.notPlainDecimalMessage(r.values[gi]),
            at: ProblemLocation(file: gt.path, row: r.line, column: "gdp_yuan", value: r.values[gi])
          )
          continue
        }
        guard ExactSum.accepts(g) else {
          d.error(
            "table.out-of-range", "gdp_yuan exceeds 10¹⁵ yuan, the largest value gep accepts",
            at: ProblemLocation(file: gt.path, row: r.line, column: "gdp_yuan", value: r.values[gi])
          )
          continue
        }
        rows[code]!.gdp = g
        if let pi, !r.values[pi].isEmpty {
          if let p = PlainDecimal.parse(r.values[pi]) {
            rows[code]!.population = p
          } else {
            d.error(
              "table.not-numeric",
              "population is " + PlainDecimal.notPlainDecimalMessage(r.values[pi]),
              at: ProblemLocation(
                file: gt.path, row: r.line, column: "population", value: r.values[pi]))
          }
        }
      }
    }
  }
  if d.hasErrors { throw InputProblems(problems: d.problems) }
  var ordered: [UnitAccount] = units.all.compactMap { rows[$0.code] }
  ordered.append(unassigned)
  var account = Account(units: ordered, level1Codes: level1, level1Names: names, notes: [])
  account.profileIndicators = coefficients.profile.indicators.map { ($0.id, $0.optional) }
  return account
}

/// Reads a run-file table (`[tables.<role>]`) and checks the required columns of its role's
/// schema (`TableSpec.of(role)`, the same schema validation checks).
///
/// - Returns: the table, or nil after recording the problems.
func readTable(_ input: TableInput, diagnostics d: inout Diagnostics) throws -> Table? {
  try readTable(input, required: TableSpec.of(input.name).required, diagnostics: &d)
}

/// Reads a statistical table and checks its required columns.
///
/// - Returns: the table, or nil after recording the problems.
func readTable(_ input: TableInput, required: [String], diagnostics d: inout Diagnostics) throws
  -> Table?
{
  let t: Table
  do {
    t = try Table(path: input.path, sheet: input.sheet)
  } catch {
    d.gdal("table.unreadable", error, file: input.path)
    return nil
  }
  var ok = true
  for p in duplicateColumnProblems(t) {
    d.error(p.code, p.message, at: p.location)
    ok = false
  }
  for c in required where t.fieldIndex(c) == nil {
    d.error(
      "table.missing-column",
      "required column \"\(c)\" is missing; the table has: \(t.fields.joined(separator: ", "))",
      at: ProblemLocation(file: input.path, layer: input.sheet, column: c))
    ok = false
  }
  return ok ? t : nil
}

/// A column name given twice in a table's header: which column is meant is ambiguous (the
/// first used to win silently: an extra `output_value_yuan` of 1s zeroed material products).
///
/// - Returns: one `table.duplicate-column` error per repeated name, naming both columns.
func duplicateColumnProblems(_ t: Table) -> [Problem] {
  var first: [String: Int] = [:]
  var out: [Problem] = []
  for (i, f) in t.fields.enumerated() where !f.isEmpty {
    if let j = first[f] {
      out.append(
        Problem(
          .error, "table.duplicate-column",
          "column \"\(f)\" appears twice in the header (columns \(j + 1) and \(i + 1)): keep one",
          at: ProblemLocation(file: t.path, row: 1, column: f)))
    } else {
      first[f] = i
    }
  }
  return out
}

/// Material-product sectors of the table and the profile indicators they feed (GEP-METHODS §4).
let materialSectors: [String: String] = [
  "agriculture": "agricultural_products", "forestry": "forestry_products",
  "animal_husbandry": "animal_husbandry_products", "fishery": "fishery_products",
  "ecological_energy": "ecological_energy", "other": "other_material_products",
]

/// Words accepted in `allocate_to` for level-1 ecosystem classes (and their class names).
let classWords: [String: String] = [
  "cropland": "farmland", "farmland": "farmland", "forest": "forest", "shrub": "shrub",
  "grassland": "grassland", "water": "wetland", "wetland": "wetland", "impervious": "urban",
  "urban": "urban", "barren": "bare", "bare": "bare",
]

/// Allocates the material-product table down to villages: a row at unit U is shared among the
/// villages under U in proportion to their area of the `allocate_to` level-1 classes (or their
/// whole area when those classes are absent under U, with a warning). GEP-METHODS §9.3
/// (apportioning by land-use area).
///
/// A row at a top-level unit (the county) whose classes also lie outside every unit on the
/// grid (a unit layer with only some townships' villages) goes whole to the part the units
/// cover: that is a warning (`material.partial-allocation`) naming the covered share.
///
/// - Parameter outside: the account of the cells outside every unit (for the shares).
/// - Returns: per village, one line per material indicator (profile order), or [] when the
///   run has no material-product table.
func allocateMaterialProducts(
  config: RunConfiguration, units: UnitSet, village: [UnitAccount], outside: UnitAccount,
  level1: [Int],
  coefficients: CoefficientSet, code12: Bool, diagnostics d: inout Diagnostics
) throws -> [[IndicatorLine]] {
  let materialIndicators = coefficients.profile.indicators(in: .material)
  guard let input = config.tables["material_products"] else {
    if !materialIndicators.isEmpty {
      d.warning(
        "table.missing", "no material_products table: material products are not computed",
        at: ProblemLocation(file: config.runFile, field: "tables.material_products"))
    }
    return []
  }
  guard
    let t = try readTable(input, diagnostics: &d)
  else { return [] }
  let ci = t.fieldIndex("unit_code")!
  let si = t.fieldIndex("sector")!
  let vi = t.fieldIndex("output_value_yuan")!
  let ai = t.fieldIndex("allocate_to")!
  // Level-1 class index by class word.
  var classIndexByWord: [String: Int] = [:]
  for (i, c) in level1.enumerated() {
    let name = (coefficients.ecosystemClasses[c]?.nameEN ?? "").lowercased()
    for (word, target) in classWords where name.hasPrefix(target) { classIndexByWord[word] = i }
  }
  let indicatorIDs = materialIndicators.map(\.id)
  var values = [[ExactSum]](
    repeating: [ExactSum](repeating: ExactSum(), count: indicatorIDs.count), count: village.count)
  // Allocation rules per indicator, each once, in the order first met (a table of a million
  // rows repeats the same few rules; appending each row's rule to one string was quadratic).
  var rules = [[String]](repeating: [], count: indicatorIDs.count)
  var seenRules = [Set<String>](repeating: [], count: indicatorIDs.count)
  let topCodes = Set(units.all.filter { $0.parentCode == nil }.map(\.code))
  let villagesByCode = villagesUnderEachCode(units)
  for r in t.rows {
    if r.values.allSatisfy(\.isEmpty) { continue }
    let loc = { (col: String, v: String) in
      ProblemLocation(file: input.path, row: r.line, column: col, value: v)
    }
    let code = normalisedCode(r.values[ci], code12: code12)
    guard let sectorID = materialSectors[r.values[si]],
      let k = indicatorIDs.firstIndex(of: sectorID)
    else {
      d.error(
        "table.unknown-sector",
        "unknown sector; use one of: \(materialSectors.keys.sorted().joined(separator: ", "))",
        at: loc("sector", r.values[si]))
      continue
    }
    guard var value = PlainDecimal.parse(r.values[vi]) else {
      d.error(
        "table.not-numeric",
        "output_value_yuan is " + PlainDecimal.notPlainDecimalMessage(r.values[vi]),
        at: loc("output_value_yuan", r.values[vi]))
      continue
    }
    guard ExactSum.accepts(value) else {
      d.error(
        "table.out-of-range", "output_value_yuan exceeds 10¹⁵ yuan, the largest value gep accepts",
        at: loc("output_value_yuan", r.values[vi]))
      continue
    }
    // The net-output method (产品净产值): gross output less intermediate consumption.
    if materialIndicators[k].method == "net_output_value" {
      let raw = t.fieldIndex("intermediate_consumption_yuan").map { r.values[$0] } ?? ""
      guard let used = PlainDecimal.parse(raw) else {
        d.error(
          "table.missing-value",
          "\(sectorID) is valued by net output (net_output_value): the row needs "
            + "intermediate_consumption_yuan",
          at: loc("intermediate_consumption_yuan", raw))
        continue
      }
      guard used <= value else {
        d.error(
          "table.out-of-range",
          "intermediate consumption \(formatNumber(used)) exceeds the output value "
            + "\(formatNumber(value)) yuan: a negative net output is not a GEP value",
          at: loc("intermediate_consumption_yuan", raw))
        continue
      }
      value -= used
    }
    let words = r.values[ai].split(separator: ";").map {
      $0.trimmingCharacters(in: .whitespaces).lowercased()
    }
    var classIdx: [Int] = []
    for w in words {
      if let i = classIndexByWord[w] {
        classIdx.append(i)
      } else {
        d.error(
          "table.unknown-class",
          "unknown class word; use: \(classWords.keys.sorted().joined(separator: ", "))",
          at: loc("allocate_to", w))
      }
    }
    // Villages under the unit.
    let under = villagesByCode[code] ?? []
    if under.isEmpty {
      d.error(
        "table.unknown-unit", "unit code not in the unit layer's hierarchy",
        at: loc("unit_code", r.values[ci]))
      continue
    }
    var weights = under.map { z in classIdx.reduce(0.0) { $0 + village[z].classAreas[$1].value } }
    var total = weights.reduce(0, +)
    var rule = "allocated from \(r.values[ci]) by area of \(words.joined(separator: "+"))"
    if total <= 0 {
      weights = under.map { village[$0].area.value }
      total = weights.reduce(0, +)
      rule =
        "allocated from \(r.values[ci]) by total area (no \(words.joined(separator: "+")) there)"
      d.warning("material.allocation-fallback", rule, at: loc("allocate_to", r.values[ai]))
    }
    guard total > 0 else { continue }
    let isTop = topCodes.contains(code)
    let byClass = !rule.contains("by total area")
    let away =
      byClass ? classIdx.reduce(0.0) { $0 + outside.classAreas[$1].value } : outside.area.value
    if isTop && away > 0 {
      let share = total / (total + away)
      // Under exact coverage the outer parts of the boundary cells are outside every unit
      // (≈ 0.2 % of the demo's land at 30 m): that is not a unit layer covering part of the
      // county, so only a share above 1 % is named.
      if share < 0.99 {
        d.warning(
          "material.partial-allocation",
          "the row's \(formatNumber(value)) yuan (\(r.values[si]) of \(r.values[ci])) go to units "
            + "covering only " + String(format: "%.1f", share * 100) + " % of the grid's "
            + (byClass ? words.joined(separator: "+") : "land") + ": "
            + String(format: "%.2f", away / 1e6) + " km² of it lie outside every unit (a unit "
            + "layer with part of the county only?)",
          at: loc("unit_code", r.values[ci]))
      }
    }
    for (j, z) in under.enumerated() { values[z][k].add(value * weights[j] / total) }
    if seenRules[k].insert(rule).inserted { rules[k].append(rule) }
  }
  let ruleTexts = rules.map { $0.joined(separator: "; ") }
  return (0..<village.count).map { z in
    materialIndicators.enumerated().map { (k, p) in
      IndicatorLine(
        indicator: p.id, component: "", category: .material, nameZH: p.nameZH, quantity: nil,
        physicalUnit: "", value: values[z][k], method: p.method,
        price: ruleTexts[k].isEmpty
          ? "not in the material_products table"
          : (p.method == "net_output_value"
            ? "reported output value less intermediate consumption, " : "reported output value, ")
            + ruleTexts[k],
        maskedArea: ExactSum(), uncoveredArea: ExactSum(), reported: !ruleTexts[k].isEmpty)
    }
  }
}
