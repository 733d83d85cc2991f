import Dispatch
import Foundation
import GEPCore
import GEPGeo
import Synchronization

/// Formats a number for CSV/JSON: plain, full precision, dot decimal; integral values below
/// 10¹⁵ without a decimal point; others in Swift's shortest round-trip form.
public func formatNumber(_ x: Double) -> String {
  if !x.isFinite { return "" }
  if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
  return "\(x)"
}

/// Quotes a CSV field when it holds a comma, quote or line break (RFC 4180), and neutralises a
/// text that Excel/WPS would evaluate as a formula (CSV injection, OWASP): a field beginning
/// with `=`, `+`, `-`, `@`, tab or CR that is not a plain decimal number gets a leading `'`
/// (shown as text by spreadsheets). Numbers such as `-12.5` or `-1e-05` are left as they are.
func csvField(_ s: String) -> String {
  var s = s
  if let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first),
    !isPlainNumber(s)
  {
    s = "'" + s
  }
  // A byte scan: Foundation's `contains`/`replacingOccurrences` made CSV writing dominate the
  // run at 10 000 units.
  var needsQuotes = false
  var hasQuote = false
  for b in s.utf8 {
    switch b {
    case UInt8(ascii: ","), UInt8(ascii: "\n"), UInt8(ascii: "\r"): needsQuotes = true
    case UInt8(ascii: "\""):
      needsQuotes = true
      hasQuote = true
    default: continue
    }
  }
  guard needsQuotes else { return s }
  if !hasQuote { return "\"" + s + "\"" }
  var out = "\""
  for ch in s.unicodeScalars {
    if ch == "\"" { out += "\"\"" } else { out.unicodeScalars.append(ch) }
  }
  return out + "\""
}

/// True for a plain decimal number as `formatNumber` writes it: optional sign, digits, an
/// optional fraction and an optional exponent (`-12`, `+0.5`, `-1e-05`).
func isPlainNumber(_ s: String) -> Bool {
  var u = Array(s.utf8)[...]
  if let c = u.first, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") { u = u.dropFirst() }
  func digits() -> Int {
    var n = 0
    while let c = u.first, c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
      u = u.dropFirst()
      n += 1
    }
    return n
  }
  var n = digits()
  if u.first == UInt8(ascii: ".") {
    u = u.dropFirst()
    n += digits()
  }
  guard n > 0 else { return false }
  if let c = u.first, c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
    u = u.dropFirst()
    if let c = u.first, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") { u = u.dropFirst() }
    guard digits() > 0 else { return false }
  }
  return u.isEmpty
}

/// One CSV line from fields ("\n" line end), each through `csvField`: quoted where needed,
/// formula-like text neutralised. The one CSV writer of every gep output.
public func csvLine(_ fields: [String]) -> String {
  fields.map(csvField).joined(separator: ",") + "\n"
}

/// The value (yuan) of indicator `id` in a unit: the sum of its lines' values, or nil when no
/// line has a computed value (not computed, or no price): shown empty, never 0.
func indicatorValue(_ u: UnitAccount, _ id: String) -> Double? {
  var s = ExactSum()
  var any = false
  for l in u.lines where l.indicator == id {
    guard let v = l.value,
      ![.notComputed, .notApplicable].contains(l.status(unitArea: u.area.value))
    else { continue }
    s.add(v)
    any = true
  }
  return any ? s.value : nil
}

/// A category's subtotal (yuan) in a unit, or nil when none of its lines was computed.
func categoryValue(_ u: UnitAccount, _ c: IndicatorCategory) -> Double? {
  u.categoryComputed(c) ? u.categoryValue(c).value : nil
}

/// The distinct indicator ids of the account in line order, with their category.
func indicatorColumns(_ account: Account) -> [(id: String, category: IndicatorCategory)] {
  var seen: Set<String> = []
  var out: [(String, IndicatorCategory)] = []
  for l in account.units.first?.lines ?? [] where !seen.contains(l.indicator) {
    seen.insert(l.indicator)
    out.append((l.indicator, l.category))
  }
  return out
}

/// `summary.csv`: one row per unit and level (code, name, level, parent, areas, value of each
/// indicator in yuan, category subtotals, GEP, GDP, GEP/GDP, population, GEP per capita, value
/// density), plus the unassigned row. Parents are exact sums of their children.
///
/// - Parameters:
///   - bom: prefix a UTF-8 byte-order mark for Excel/WPS.
///   - threads: workers formatting the rows (the text is the same for any count).
func summaryCSV(_ account: Account, bom: Bool, threads: Int = 1) -> OutputText {
  let cols = indicatorColumns(account)
  var header = [
    "code", "name", "level", "parent_code", "area_km2", "landuse_nodata_km2",
  ]
  header += account.level1Names.map { "area_\(slug($0.0))_km2" }
  header += cols.map { "\($0.id)_yuan" }
  header += [
    "material_yuan", "regulating_yuan", "cultural_yuan", "gep_yuan", "gdp_yuan", "gep_gdp_ratio",
    "population", "gep_per_capita_yuan", "gep_density_yuan_per_km2", "grade", "gep_status",
    "not_computed", "partial",
  ]
  let grades = valueGrades(account)
  return OutputText.rows(
    header: (bom ? "\u{FEFF}" : "") + csvLine(header), account.units, threads: threads
  ) { u, out in
    let areaKm2 = u.area.value / 1e6
    var row = [
      u.unit.code, u.unit.name,
      u.levelLabel,
      u.unit.parentCode ?? "", formatNumber(areaKm2), formatNumber(u.noDataArea.value / 1e6),
    ]
    row += u.classAreas.map { formatNumber($0.value / 1e6) }
    for c in cols { row.append(indicatorValue(u, c.id).map(formatNumber) ?? "") }
    let gep = u.gep.value
    let completeness = account.completeness(of: u)
    row += [
      categoryValue(u, .material).map(formatNumber) ?? "",
      categoryValue(u, .regulating).map(formatNumber) ?? "",
      categoryValue(u, .cultural).map(formatNumber) ?? "", formatNumber(gep),
      u.gdp.map(formatNumber) ?? "",
      u.gdp.map { formatNumber(gepToGDPRatio(gep: gep, gdp: $0)) } ?? "",
      u.population.map(formatNumber) ?? "",
      u.population.map { formatNumber(gepPerCapita(gep: gep, population: $0)) } ?? "",
      areaKm2 > 0 ? formatNumber(gep / areaKm2) : "",
      grades[u.unit.code].map(String.init) ?? "",
      completeness.complete ? "complete" : "incomplete",
      completeness.notComputed.joined(separator: ";"), completeness.partial.joined(separator: ";"),
    ]
    out.appendCSVLine(row)
  }
}

/// `indicators.csv`: long form, one row per unit × indicator × component: physical quantity
/// and unit, value in yuan, method, price and its source, and the shares of the unit's area
/// where the indicator could not be computed (inputs nodata; no coefficient for the class),
/// where it does not apply (`applies = 0` classes) and where its method excludes the cells
/// (`excluded_share`: stream channel cells for soil conservation), and the physical density per
/// hectare of the computed area (`physicalDensity`). `threads` workers format the rows (the
/// text is the same for any count).
func indicatorsCSV(_ account: Account, bom: Bool, threads: Int = 1) -> OutputText {
  let header =
    (bom ? "\u{FEFF}" : "")
    + csvLine([
      "code", "name", "level", "indicator", "component", "category", "name_zh",
      "physical_quantity", "physical_unit", "value_yuan", "method", "price_and_source",
      "masked_share", "uncovered_share", "capacity", "capacity_value_yuan", "status",
      "computed_share", "not_applicable_share", "excluded_share", "physical_density",
      "physical_density_unit",
    ])
  return OutputText.rows(header: header, account.units, threads: threads) { u, out in
    let area = u.area.value
    for l in u.lines {
      let status = l.status(unitArea: area)
      let shown = status != .notComputed && status != .notApplicable
      let density = shown ? physicalDensity(l, unitArea: area) : nil
      out.appendCSVLine([
        u.unit.code, u.unit.name,
        u.levelLabel,
        l.indicator, l.component, l.category.rawValue, l.nameZH,
        shown ? l.quantity.map { formatNumber($0.value) } ?? "" : "", l.physicalUnit,
        shown ? l.value.map { formatNumber($0.value) } ?? "" : "", l.method, l.price,
        area > 0 ? formatNumber(l.maskedArea.value / area) : "",
        area > 0 ? formatNumber(l.uncoveredArea.value / area) : "",
        l.capacity.map { formatNumber($0.value) } ?? "",
        l.capacityValue.map { formatNumber($0.value) } ?? "",
        status.rawValue, formatNumber(l.computedShare(unitArea: area)),
        area > 0 ? formatNumber(l.notApplicableArea.value / area) : "",
        area > 0 ? formatNumber(l.excludedArea.value / area) : "",
        density.map { formatNumber($0.value) } ?? "", density?.unit ?? "",
      ])
    }
  }
}

/// The physical quantity of a per-cell line per hectare of the area where it was computed
/// (the unit's land less its masked, uncovered, not-applicable and excluded areas), so that a
/// reviewer can judge plausibility (t·hm⁻²·a⁻¹ of soil, m³·hm⁻²·a⁻¹ of water: 10 m³/hm² = 1
/// mm): nil for table-based lines (no area behind them) and where nothing was computed.
func physicalDensity(_ l: IndicatorLine, unitArea: Double) -> (value: Double, unit: String)? {
  guard !l.classValues.isEmpty, let q = l.quantity, !l.physicalUnit.isEmpty else { return nil }
  let computed = l.computedArea(unitArea: unitArea)
  guard computed > 1e-9 * max(unitArea, 1) else { return nil }
  let perYear = l.physicalUnit.hasSuffix("/a")
  let base = perYear ? String(l.physicalUnit.dropLast(2)) : l.physicalUnit
  return (
    q.value / (computed / UnitConversion.squareMetresPerHectare),
    "\(base)/hm2" + (perYear ? "/a" : "")
  )
}

/// JSON string literal with escapes (RFC 8259).
func jsonString(_ s: String) -> String {
  var out = "\""
  for u in s.unicodeScalars {
    switch u {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    default:
      if u.value < 0x20 {
        out += String(format: "\\u%04x", u.value)
      } else {
        out.unicodeScalars.append(u)
      }
    }
  }
  return out + "\""
}

/// `units.geojson` (RFC 7946, WGS 84 lon/lat, 7 decimals): one feature per unit of every
/// level with a `level` property; township and county outlines are unions of their villages.
/// Properties: code, name, level, parent, area, each indicator's and category's value, GEP,
/// and the summary's figures a map is styled by — GDP, GEP/GDP, population, GEP per capita,
/// value density (yuan/km²) and the value grade 1–5 (资源分级, `valueGrades`); null where
/// `summary.csv` is empty.
/// `threads` workers format the features (the text is the same for any count), each worker
/// with its own coordinate transformation.
///
/// - Throws: `GDALError` when a geometry cannot be unioned (here) or transformed (when the
///   text is made).
func unitsGeoJSON(
  _ account: Account, units: UnitSet, gridCRS: SpatialReference, threads: Int = 1
) throws(GDALError) -> OutputText {
  var geometryByCode: [String: Geometry] = [:]
  for (i, v) in units.villages.enumerated() { geometryByCode[v.code] = units.geometries[i] }
  var childrenOf: [String: [String]] = [:]
  for u in units.all { if let p = u.parentCode { childrenOf[p, default: []].append(u.code) } }
  // Townships from their villages, then counties from their townships (unions of unions:
  // each GEOS call gets few parts; the townships of a level in parallel, `unionAll`).
  for level in [UnitLevel.township, .county] {
    let parents = units.all.filter { $0.level == level }.map(\.code)
    let parts = parents.map { (childrenOf[$0] ?? []).compactMap { geometryByCode[$0] } }
    for (code, union) in zip(parents, try unionAll(parts, threads: threads)) {
      if let union { geometryByCode[code] = union }
    }
  }
  let cols = indicatorColumns(account)
  let grades = valueGrades(account)
  // Geometries are only read (cloned, then transformed) by the workers.
  let geometries = UncheckedBox(geometryByCode)
  let wgs84 = try SpatialReference.wgs84()
  let transformation = { @Sendable () throws(GDALError) in
    UncheckedBox(try CoordinateTransformation(from: gridCRS, to: wgs84))
  }
  return OutputText.rows(
    header: "{\"type\":\"FeatureCollection\",\"features\":[\n",
    account.units.filter { $0.unit.code != Account.unassignedCode }.enumerated().map { $0 },
    footer: "\n]}\n", threads: threads, context: transformation
  ) { (item, toLonLat, out) throws(GDALError) in
    let (i, u) = item
    var props: [String] = [
      "\"code\":\(jsonString(u.unit.code))", "\"name\":\(jsonString(u.unit.name))",
      "\"level\":\(jsonString(u.unit.level.rawValue))",
      "\"parent_code\":\(u.unit.parentCode.map(jsonString) ?? "null")",
      "\"area_km2\":\(formatNumber(u.area.value / 1e6))",
    ]
    for c in cols {
      props.append("\"\(c.id)_yuan\":\(indicatorValue(u, c.id).map(formatNumber) ?? "null")")
    }
    for (key, c) in [
      ("material_yuan", IndicatorCategory.material), ("regulating_yuan", .regulating),
      ("cultural_yuan", .cultural),
    ] {
      props.append("\"\(key)\":\(categoryValue(u, c).map(formatNumber) ?? "null")")
    }
    let gep = u.gep.value
    let areaKm2 = u.area.value / 1e6
    props.append("\"gep_yuan\":\(formatNumber(gep))")
    // The summary's figures a map needs (issue 16), so QGIS can style the layer directly.
    props.append("\"gdp_yuan\":\(u.gdp.map(formatNumber) ?? "null")")
    props.append(
      "\"gep_gdp_ratio\":\(u.gdp.map { formatNumber(gepToGDPRatio(gep: gep, gdp: $0)) } ?? "null")")
    props.append("\"population\":\(u.population.map(formatNumber) ?? "null")")
    props.append(
      "\"gep_per_capita_yuan\":"
        + (u.population.map { formatNumber(gepPerCapita(gep: gep, population: $0)) } ?? "null"))
    props.append(
      "\"gep_density_yuan_per_km2\":\(areaKm2 > 0 ? formatNumber(gep / areaKm2) : "null")")
    props.append("\"grade\":\(grades[u.unit.code].map(String.init) ?? "null")")
    let completeness = account.completeness(of: u)
    props.append("\"gep_status\":\(jsonString(completeness.complete ? "complete" : "incomplete"))")
    props.append(
      "\"not_computed\":\(jsonString(completeness.notComputed.joined(separator: ";")))")
    props.append("\"partial\":\(jsonString(completeness.partial.joined(separator: ";")))")
    var geometry = "null"
    if let g = geometries.value[u.unit.code], !g.isEmpty {
      geometry = try g.transformed(by: toLonLat.value).rfc7946Winding().geoJSON(
        significantDigits: 7)
    }
    if i > 0 { out.append(text: ",\n") }
    out.append(
      text: "{\"type\":\"Feature\",\"properties\":{\(props.joined(separator: ","))},"
        + "\"geometry\":\(geometry)}")
  }
}

/// The union of each list of polygons (nil for an empty list), `threads` lists at a time; each
/// union is one `Geometry.union` (GEOS, its own context per call), so the results do not
/// depend on the thread count.
///
/// - Throws: the `GDALError` of the first failing union, in list order.
func unionAll(_ lists: [[Geometry]], threads: Int) throws(GDALError) -> [Geometry?] {
  let input = UncheckedBox(lists)
  let count = lists.count
  let results = Mutex([UncheckedBox<Result<Geometry?, GDALError>>?](repeating: nil, count: count))
  let next = Mutex(0)
  DispatchQueue.concurrentPerform(iterations: max(1, min(threads, count))) { _ in
    while true {
      let i = next.withLock { n -> Int in
        defer { n += 1 }
        return n
      }
      guard i < count else { return }
      let parts = input.value[i]
      let r = Result { () throws(GDALError) -> Geometry? in
        parts.isEmpty ? nil : try Geometry.union(parts)
      }
      results.withLock { $0[i] = UncheckedBox(r) }
    }
  }
  return try results.withLock { $0 }.map { r throws(GDALError) in try r!.value.get() }
}

/// A column-name slug of a class name: the part before any "(", lowercase, words joined by "_"
/// ("Wetland (incl. lakes …)" → "wetland", "Bare land and desert" → "bare_land_and_desert").
func slug(_ name: String) -> String {
  let head = name.split(separator: "(").first.map(String.init) ?? name
  let words = head.lowercased().split { !$0.isLetter && !$0.isNumber }
  return words.joined(separator: "_")
}

/// Value grades 1–5 (资源分级, PRODUCT.md): within each level, units are ranked by GEP density
/// (yuan/km², ties by code) and split into five equal-count groups, grade 1 the highest fifth.
/// Levels with fewer than 5 units and the unassigned row get no grade.
///
/// - Returns: grade by unit code.
public func valueGrades(_ account: Account) -> [String: Int] {
  var grades: [String: Int] = [:]
  for level in UnitLevel.allCases {
    let units = account.units.filter {
      $0.unit.level == level && $0.unit.code != Account.unassignedCode && $0.area.value > 0
    }
    guard units.count >= 5 else { continue }
    let ranked = units.map { ($0.unit.code, $0.gep.value / $0.area.value) }
      .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    for (rank, (code, _)) in ranked.enumerated() { grades[code] = 1 + 5 * rank / ranked.count }
  }
  return grades
}

/// `matrix.csv`: the service × ecosystem-class matrix — per unit, the value (yuan) of each
/// per-cell indicator on each level-1 ecosystem class (GEP-METHODS §9.1, Ganzi Table 4).
/// `threads` workers format the rows (the text is the same for any count).
func matrixCSV(_ account: Account, bom: Bool, threads: Int = 1) -> OutputText {
  let header =
    (bom ? "\u{FEFF}" : "")
    + csvLine([
      "code", "name", "level", "indicator", "component", "class_code", "class_name",
      "class_name_zh", "value_yuan",
    ])
  return OutputText.rows(header: header, account.units, threads: threads) { u, out in
    for l in u.lines where !l.classValues.isEmpty {
      for (c, v) in l.classValues.enumerated() where v.raw != 0 {
        out.appendCSVLine([
          u.unit.code, u.unit.name,
          u.levelLabel,
          l.indicator, l.component, String(account.level1Codes[c]), account.level1Names[c].0,
          account.level1Names[c].1, formatNumber(v.value),
        ])
      }
    }
  }
}
