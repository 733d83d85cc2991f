import Foundation
import GEPCore
import GEPGeo

/// One row of `coefficients/seea_crosswalk.csv`: a national GEP indicator (GEP-METHODS §2,
/// GB/T 46869—2025) and the service of the SEEA EA reference list it is reported under
/// (United Nations et al. 2021, SEEA Ecosystem Accounting, white cover publication, ch. 6,
/// Table 6.3), with the economic sector that uses it (生态产品 → SEEA 生态系统服务).
public struct SEEACrosswalkRow: Sendable {
  /// Indicator id of the profiles (`profile.csv` `indicator_id`).
  public var indicator: String
  /// Chinese name of the indicator.
  public var nameZH: String
  /// `provisioning`, `regulating_and_maintenance` or `cultural`.
  public var section: String
  /// The reference-list service (empty when none matches).
  public var service: String
  /// The service's finer classes the indicator falls under.
  public var serviceDetail: String
  /// The user of the service in the use table: `industries`, `households`, `government` or
  /// `unassigned` (the account does not identify the beneficiaries).
  public var sector: String
  /// `direct`, `partial` or `none`: how far the indicator is the reference-list service.
  public var mapping: String
  /// The source of the names and the mapping.
  public var source: String
  /// Why, and what is not confirmed.
  public var note: String
}

/// The crosswalk of national indicators to SEEA EA services (`coefficients/seea_crosswalk.csv`).
public struct SEEACrosswalk: Sendable {
  /// The file read.
  public var path: String
  /// Rows in file order.
  public var rows: [SEEACrosswalkRow]

  /// The sectors of the use table, in column order.
  public static let sectors = ["industries", "households", "government", "unassigned"]
  /// The sections of the reference list.
  public static let sections = ["provisioning", "regulating_and_maintenance", "cultural"]

  /// The row of an indicator, or nil.
  public func row(_ indicator: String) -> SEEACrosswalkRow? {
    rows.first { $0.indicator == indicator }
  }

  /// Reads and checks a crosswalk file (strict CSV, `Table`).
  ///
  /// - Throws: `InputProblems` ("seea.crosswalk") naming the file, line, column and value of
  ///   every problem at once: unreadable file, missing column, duplicate indicator, unknown
  ///   section or sector, an empty source.
  public static func load(path: String) throws -> SEEACrosswalk {
    let t: Table
    do {
      t = try Table(path: path)
    } catch {
      throw InputProblems(problems: [
        Problem(
          .error, "seea.crosswalk", "the SEEA crosswalk cannot be read: \(error)",
          at: ProblemLocation(file: path))
      ])
    }
    let columns = [
      "indicator_id", "name_zh", "seea_section", "seea_service", "seea_service_detail",
      "beneficiary_sector", "mapping", "source", "note",
    ]
    var d = Diagnostics()
    for c in columns where t.fieldIndex(c) == nil {
      d.error(
        "seea.crosswalk", "required column \"\(c)\" is missing",
        at: ProblemLocation(file: path, row: 1, column: c))
    }
    if d.hasErrors { throw InputProblems(problems: d.problems) }
    let index = Dictionary(uniqueKeysWithValues: columns.map { ($0, t.fieldIndex($0)!) })
    var rows: [SEEACrosswalkRow] = []
    var seen: Set<String> = []
    for r in t.rows where !r.values.allSatisfy(\.isEmpty) {
      func v(_ c: String) -> String {
        r.values[index[c]!].trimmingCharacters(in: .whitespaces)
      }
      func bad(_ c: String, _ message: String) {
        d.error(
          "seea.crosswalk", message,
          at: ProblemLocation(file: path, row: r.line, column: c, value: v(c)))
      }
      if v("indicator_id").isEmpty { bad("indicator_id", "empty indicator id") }
      if !seen.insert(v("indicator_id")).inserted {
        bad("indicator_id", "indicator listed twice")
      }
      if !sections.contains(v("seea_section")) {
        bad("seea_section", "unknown section; use one of: \(sections.joined(separator: ", "))")
      }
      if !sectors.contains(v("beneficiary_sector")) {
        bad("beneficiary_sector", "unknown sector; use one of: \(sectors.joined(separator: ", "))")
      }
      if !["direct", "partial", "none"].contains(v("mapping")) {
        bad("mapping", "unknown mapping; use direct, partial or none")
      }
      if v("mapping") != "none" && v("seea_service").isEmpty {
        bad("seea_service", "a mapped indicator needs its reference-list service")
      }
      if v("source").isEmpty { bad("source", "every row needs its source") }
      rows.append(
        SEEACrosswalkRow(
          indicator: v("indicator_id"), nameZH: v("name_zh"), section: v("seea_section"),
          service: v("seea_service"), serviceDetail: v("seea_service_detail"),
          sector: v("beneficiary_sector"), mapping: v("mapping"), source: v("source"),
          note: v("note")))
    }
    if d.hasErrors { throw InputProblems(problems: d.problems) }
    return SEEACrosswalk(path: path, rows: rows)
  }
}

/// How the additions and reductions of an extent change were found.
public enum ExtentChangeBasis: String, Sendable {
  /// Gross: from the class-transition matrix of the two land-use rasters (SEEA EA ch. 4:
  /// additions and reductions are gross flows; a conversion inside a unit counts).
  case transitions = "gross_from_class_transitions"
  /// Not gross: per finest unit, the net change of each type's area, its increases summed as
  /// additions and its decreases as reductions (conversions inside one unit cancel).
  case unitNetChange = "sum_of_finest_unit_net_changes"
}

/// The SEEA Ecosystem Accounting tables (SEEA EA 2021, ch. 4 extent, ch. 7 supply and use)
/// drawn from account folders of `gep compute` (`AccountSnapshot`: summary.csv,
/// indicators.csv, matrix.csv): pure functions from the snapshots to CSV text.
///
/// Ecosystem types are the account's level-1 ecosystem classes (GEP-METHODS §3.2; the
/// `area_<type>_km2` columns of summary.csv), plus `landuse_nodata` for the land-use nodata
/// area. Values are those of the account (yuan at the account's prices); nothing is
/// recomputed. A value the account does not give is left empty, never 0, and the row's `flag`
/// says why.
public enum SEEATables {
  /// The header key of the land-use nodata area.
  public static let noDataType = "landuse_nodata"

  /// Sums doubles exactly (fixed point, `ExactSum`), so a total does not depend on order.
  static func exact(_ xs: [Double]) -> Double {
    var s = ExactSum()
    for x in xs { s.add(x) }
    return s.value
  }

  /// The top-level units of a snapshot (no parent code; the unassigned row excluded): what
  /// the `total` pseudo-unit sums.
  static func topUnits(_ s: AccountSnapshot) -> [SnapshotUnit] {
    s.units.filter { $0.parentCode.isEmpty && $0.level != "unassigned" }
  }

  /// English and Chinese names of the ecosystem types by key: from the account's coefficient
  /// set (`ecosystem_classes.csv`, GEP-METHODS §3.2) when it can still be read, else from
  /// matrix.csv's `class_name` and `class_name_zh` (types with a value only).
  public static func typeNames(_ s: AccountSnapshot) -> [String: (en: String, zh: String)] {
    var out: [String: (en: String, zh: String)] = [:]
    if let set = try? CoefficientSet.load(from: URL(fileURLWithPath: s.coefficientsFolder)) {
      for c in set.ecosystemClasses.values { out[slug(c.nameEN)] = (c.nameEN, c.nameZH) }
    }
    let url = URL(fileURLWithPath: s.folder).appendingPathComponent("matrix.csv")
    if let text = try? String(contentsOf: url, encoding: .utf8) {
      for r in CSVText(text: text).records where !(r["class_name"] ?? "").isEmpty {
        let key = slug(r["class_name"]!)
        if out[key] == nil { out[key] = (r["class_name"]!, r["class_name_zh"] ?? "") }
      }
    }
    return out
  }

  /// `seea_extent.csv` of one year: per unit (summary order, then `total`, the sum of the
  /// top-level units) and ecosystem type, the area in km² (summary.csv), then the unit's land
  /// area as type `all_types` (the sum of the types; land-use nodata is its own type, not in
  /// `all_types`, as in summary.csv's `area_km2`).
  public static func extentCSV(
    _ s: AccountSnapshot, names: [String: (en: String, zh: String)], bom: Bool
  ) -> String {
    var out =
      (bom ? "\u{FEFF}" : "")
      + csvLine([
        "code", "name", "level", "parent_code", "year", "ecosystem_type", "ecosystem_type_name",
        "ecosystem_type_name_zh", "area_km2",
      ])
    let noData = noDataAreas(s)
    func rows(
      _ code: String, _ name: String, _ level: String, _ parent: String,
      areas: [String: Double], land: Double, nodata: Double?
    ) {
      for (key, fallback) in s.classKeys {
        out += csvLine([
          code, name, level, parent, String(s.year), key, names[key]?.en ?? fallback,
          names[key]?.zh ?? "",
          formatNumber((areas[key] ?? 0) / 1e6),
        ])
      }
      out += csvLine([
        code, name, level, parent, String(s.year), noDataType, "land-use nodata", "土地利用无数据",
        nodata.map { formatNumber($0 / 1e6) } ?? "",
      ])
      out += csvLine([
        code, name, level, parent, String(s.year), "all_types", "all ecosystem types", "合计",
        formatNumber(land / 1e6),
      ])
    }
    for u in s.units {
      rows(
        u.code, u.name, u.level, u.parentCode, areas: u.classAreas, land: u.area,
        nodata: noData[u.code])
    }
    let tops = topUnits(s)
    var total: [String: Double] = [:]
    for (key, _) in s.classKeys { total[key] = exact(tops.map { $0.classAreas[key] ?? 0 }) }
    let nd = tops.map { noData[$0.code] }
    rows(
      "total", "all units (sum of the top-level units; the unassigned row is not in it)", "total",
      "", areas: total, land: exact(tops.map(\.area)),
      nodata: nd.contains(nil) ? nil : exact(nd.map { $0! }))
    return out
  }

  /// The land-use nodata area (m²) of each unit, from summary.csv's `landuse_nodata_km2`.
  static func noDataAreas(_ s: AccountSnapshot) -> [String: Double] {
    let url = URL(fileURLWithPath: s.folder).appendingPathComponent("summary.csv")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
    var out: [String: Double] = [:]
    for r in CSVText(text: text).records {
      if let code = r["code"], let v = r["landuse_nodata_km2"].flatMap(PlainDecimal.parse) {
        out[code] = v * 1e6
      }
    }
    return out
  }

  /// The extent change of every unit of `closing` (and the `total` pseudo-unit) against
  /// `opening`.
  ///
  /// - Parameters:
  ///   - transitions: the class-transition matrix of the two years (gross basis); nil: the
  ///     additions and reductions are the sums, over the finest units under each unit, of the
  ///     positive and negative net changes of each type (`ExtentChangeBasis.unitNetChange`).
  /// - Returns: per unit code (closing's order, then "total"), the change by type key
  ///   (the level-1 keys of both years and `landuse_nodata`).
  public static func extentChanges(
    opening a: AccountSnapshot, closing b: AccountSnapshot, transitions: TransitionMatrix?
  ) -> [(code: String, types: [String: (Double?, Double?, Double?, Double?)])] {
    var keys = b.classKeys.map(\.key)
    for k in a.classKeys.map(\.key) where !keys.contains(k) { keys.append(k) }
    let ndA = noDataAreas(a)
    let ndB = noDataAreas(b)
    func areas(_ u: SnapshotUnit?, _ nd: [String: Double]) -> [String: Double]? {
      guard let u else { return nil }
      var out = u.classAreas
      for k in keys where out[k] == nil { out[k] = 0 }
      out[noDataType] = nd[u.code] ?? 0
      return out
    }
    let unitsA = Dictionary(a.units.map { ($0.code, $0) }, uniquingKeysWith: { x, _ in x })
    let allKeys = keys + [noDataType]
    // Finest units: those no other unit of the closing account names as parent.
    let parents = Set(b.units.map(\.parentCode))
    let finest = b.units.filter { !parents.contains($0.code) && $0.level != "unassigned" }
    var chainOf: [String: [String]] = [:]
    let byCode = Dictionary(b.units.map { ($0.code, $0) }, uniquingKeysWith: { x, _ in x })
    for f in finest {
      var chain = [f.code]
      var p = f.parentCode
      while !p.isEmpty, let u = byCode[p], !chain.contains(p) {
        chain.append(p)
        p = u.parentCode
      }
      chain.append("total")
      chainOf[f.code] = chain
    }
    // Net-change sums over the finest units (the fallback basis).
    var netAdd: [String: [String: [Double]]] = [:]
    var netRed: [String: [String: [Double]]] = [:]
    if transitions == nil {
      for f in finest {
        guard let ca = areas(unitsA[f.code], ndA), let cb = areas(f, ndB) else { continue }
        for k in allKeys {
          let delta = (cb[k] ?? 0) - (ca[k] ?? 0)
          for code in chainOf[f.code] ?? [] {
            netAdd[code, default: [:]][k, default: []].append(max(0, delta))
            netRed[code, default: [:]][k, default: []].append(max(0, -delta))
          }
        }
      }
    }
    func transitionFlows(_ code: String) -> (add: [String: Double], red: [String: Double])? {
      guard let t = transitions else { return nil }
      let cells: [TransitionMatrix.TransitionKey: ExactSum]
      if code == "total" {
        var sum: [TransitionMatrix.TransitionKey: ExactSum] = [:]
        for top in topUnits(b).map(\.code) {
          for (k, v) in t.areas[top] ?? [:] { sum[k, default: ExactSum()].add(v) }
        }
        cells = sum
      } else {
        guard let c = t.areas[code] else { return nil }
        cells = c
      }
      var add: [String: ExactSum] = [:]
      var red: [String: ExactSum] = [:]
      for (k, v) in cells where k.from != k.to {
        let to = k.to == "nodata" ? noDataType : k.to
        let from = k.from == "nodata" ? noDataType : k.from
        add[to, default: ExactSum()].add(v)
        red[from, default: ExactSum()].add(v)
      }
      return (add.mapValues(\.value), red.mapValues(\.value))
    }
    var out: [(String, [String: (Double?, Double?, Double?, Double?)])] = []
    func sumAreas(_ units: [SnapshotUnit], _ nd: [String: Double]) -> [String: Double] {
      var s: [String: Double] = [:]
      for k in allKeys {
        s[k] = exact(units.map { areas($0, nd)?[k] ?? 0 })
      }
      return s
    }
    let topA = topUnits(a)
    let topB = topUnits(b)
    for code in b.units.map(\.code) + ["total"] {
      let open = code == "total" ? sumAreas(topA, ndA) : areas(unitsA[code], ndA)
      let close = code == "total" ? sumAreas(topB, ndB) : areas(byCode[code], ndB)
      let flows = transitionFlows(code)
      var types: [String: (Double?, Double?, Double?, Double?)] = [:]
      for k in allKeys {
        var add: Double? = nil
        var red: Double? = nil
        if transitions != nil {
          if let flows, open != nil, close != nil {
            add = flows.add[k] ?? 0
            red = flows.red[k] ?? 0
          }
        } else if open != nil, close != nil, let adds = netAdd[code]?[k] {
          add = exact(adds)
          red = exact(netRed[code]?[k] ?? [])
        }
        types[k] = (open?[k], add, red, close?[k])
      }
      out.append((code, types))
    }
    return out
  }

  /// `seea_extent.csv` of two years (SEEA EA ch. 4, the ecosystem extent account): per unit
  /// of the closing account (then `total`) and type, opening and closing area (km², the two
  /// summaries), additions, reductions and net change. With `basis` = transitions the columns
  /// are `additions_km2` and `reductions_km2` (gross); otherwise `unit_net_additions_km2` and
  /// `unit_net_reductions_km2` (sums of finest-unit net changes: not gross). `residual_km2`
  /// = closing − (opening + additions − reductions): 0 to rounding on one grid and one unit
  /// layer; a unit of one year only has its other side empty.
  public static func extentChangeCSV(
    opening a: AccountSnapshot, closing b: AccountSnapshot, transitions: TransitionMatrix?,
    names typeNames: [String: (en: String, zh: String)], bom: Bool
  ) -> String {
    let gross = transitions != nil
    var out =
      (bom ? "\u{FEFF}" : "")
      + csvLine([
        "code", "name", "level", "parent_code", "opening_year", "closing_year", "ecosystem_type",
        "ecosystem_type_name", "ecosystem_type_name_zh", "opening_km2",
        gross ? "additions_km2" : "unit_net_additions_km2",
        gross ? "reductions_km2" : "unit_net_reductions_km2", "net_change_km2", "closing_km2",
        "residual_km2", "basis",
      ])
    var names: [String: String] = [noDataType: "land-use nodata"]
    for (k, n) in a.classKeys + b.classKeys { names[k] = typeNames[k]?.en ?? n }
    var keys = b.classKeys.map(\.key)
    for k in a.classKeys.map(\.key) where !keys.contains(k) { keys.append(k) }
    keys.append(noDataType)
    let byCode = Dictionary(b.units.map { ($0.code, $0) }, uniquingKeysWith: { x, _ in x })
    let basis = (gross ? ExtentChangeBasis.transitions : .unitNetChange).rawValue
    func km2(_ x: Double?) -> String { x.map { formatNumber($0 / 1e6) } ?? "" }
    for (code, types) in extentChanges(opening: a, closing: b, transitions: transitions) {
      let u = byCode[code]
      for k in keys {
        let (o, ad, rd, c) = types[k] ?? (nil, nil, nil, nil)
        let net: Double? = (o != nil && c != nil) ? c! - o! : nil
        let residual: Double? =
          (o != nil && c != nil && ad != nil && rd != nil) ? c! - (o! + ad! - rd!) : nil
        out += csvLine([
          code, u?.name ?? "all units (sum of the top-level units)", u?.level ?? "total",
          u?.parentCode ?? "", String(a.year), String(b.year), k, names[k] ?? k,
          k == noDataType ? "土地利用无数据" : typeNames[k]?.zh ?? "", km2(o), km2(ad), km2(rd), km2(net),
          km2(c), km2(residual), basis,
        ])
      }
    }
    return out
  }

  /// The ecosystem-type split of one line: value (yuan) by type key from matrix.csv, or nil
  /// for a line without a class split (table-based: material products, recreation).
  static func split(_ l: SnapshotLine) -> [String: Double]? {
    l.classValues.isEmpty ? nil : l.classValues
  }

  /// One service line of the supply table: the amount (value, or physical quantity when
  /// `physical`) on each ecosystem type of `keys` (nil: no value there), the amount not
  /// attributed to a type, the total (exact sum of the parts; nil when the line has nothing to
  /// show) and the flags. See `supplyCSV` for the rules.
  static func lineSupply(
    _ l: SnapshotLine, unit u: SnapshotUnit, keys: [String], physical: Bool
  ) -> (cells: [Double?], notAttributed: Double?, total: Double?, flags: [String]) {
    var cells = [Double?](repeating: nil, count: keys.count)
    var flags: [String] = []
    let amount: Double? = physical ? l.quantity : l.value
    if !l.comparable && !(physical && l.status == "not_valued" && l.quantity != nil) {
      return (cells, nil, nil, ["\(l.status) in the account"])
    }
    guard let amount else {
      return (cells, nil, nil, physical ? ["no physical quantity in the account"] : [])
    }
    if l.status == "partial" { flags.append("partial: computed on part of the unit's land") }
    var parts: [Double] = []
    var rest: Double? = nil
    if let byType = split(l), !(physical && (l.value ?? 0) == 0) {
      var empty: [String] = []
      for (i, k) in keys.enumerated() {
        guard let v = byType[k] else {
          if (u.classAreas[k] ?? 0) > 0 { empty.append(k) }
          continue
        }
        let x = physical ? amount * v / l.value! : v
        cells[i] = x
        parts.append(x)
      }
      if !empty.isEmpty {
        flags.append(
          "no value on " + empty.joined(separator: ";")
            + " (zero, not applicable or no coefficient)")
      }
      if physical { flags.append("split by type as value shares (one unit price per line)") }
    } else {
      rest = amount
      parts.append(amount)
      flags.append(
        split(l) == nil
          ? "no ecosystem-type split in the account (table-based)"
          : "no value to split the quantity by type")
    }
    return (cells, rest, exact(parts), flags)
  }

  /// `seea_supply_monetary.csv` and `seea_supply_physical.csv` (SEEA EA ch. 7, the ecosystem
  /// services supply table): per unit and service line (indicator × component), the value
  /// (yuan) or physical quantity (the line's unit) supplied by each ecosystem type, the part
  /// not attributed to a type (table-based lines: the account has no class split), and the
  /// total (the exact sum of the row's cells; equal to the account's line to rounding). The
  /// monetary table ends each unit with a `total` row (sum over services per type; its total
  /// is the unit's GEP). The physical split is the line's quantity shared by its class values,
  /// q_c = Q · V_c / V — exact for the per-cell methods of this version, which value every
  /// cell of a line at one unit price (GEP-METHODS §5); a line with a quantity but no value
  /// (not valued) or no value on any type is not split. A type with land but no matrix value
  /// (zero, not applicable or without a coefficient: matrix.csv does not say which) is left
  /// empty and named in `flag`; a line not computed in the unit is empty throughout.
  public static func supplyCSV(
    _ s: AccountSnapshot, crosswalk: SEEACrosswalk, physical: Bool, bom: Bool
  ) -> String {
    let keys = s.classKeys.map(\.key)
    let suffix = physical ? "" : "_yuan"
    var header = [
      "code", "name", "level", "indicator", "component", "name_zh", "seea_section",
      "seea_service",
    ]
    if physical { header.append("physical_unit") }
    header.append("status")
    header += keys.map { "\($0)\(suffix)" }
    header += ["not_attributed\(suffix)", "total\(suffix)", "flag"]
    var out = (bom ? "\u{FEFF}" : "") + csvLine(header)
    for u in s.units {
      var typeTotals: [String: [Double]] = [:]
      var notAttributed: [Double] = []
      var grand: [Double] = []
      for l in u.lines {
        let cw = crosswalk.row(l.indicator)
        var cells = [String](repeating: "", count: keys.count)
        var rest = ""
        var total = ""
        var flags: [String] = []
        if cw == nil { flags.append("indicator not in the SEEA crosswalk") }
        let line = lineSupply(l, unit: u, keys: keys, physical: physical)
        flags += line.flags
        if let t = line.total {
          for (i, x) in line.cells.enumerated() {
            guard let x else { continue }
            cells[i] = formatNumber(x)
            typeTotals[keys[i], default: []].append(x)
          }
          if let r = line.notAttributed {
            rest = formatNumber(r)
            notAttributed.append(r)
          }
          total = formatNumber(t)
          grand.append(t)
        }
        var row = [
          u.code, u.name, u.level, l.indicator, l.component, cw?.nameZH ?? "", cw?.section ?? "",
          cw?.service ?? "",
        ]
        if physical { row.append(l.physicalUnit) }
        row.append(l.status)
        row += cells + [rest, total, flags.joined(separator: "; ")]
        out += csvLine(row)
      }
      if !physical {
        var row = [u.code, u.name, u.level, "total", "", "合计", "", "", ""]
        row += keys.map { typeTotals[$0].map { formatNumber(exact($0)) } ?? "" }
        row += [
          notAttributed.isEmpty ? "" : formatNumber(exact(notAttributed)),
          formatNumber(exact(grand)), "sum of the unit's service lines with a value (its GEP)",
        ]
        out += csvLine(row)
      }
    }
    return out
  }

  /// `seea_use_monetary.csv` and `seea_use_physical.csv` (SEEA EA ch. 7, the ecosystem
  /// services use table): per unit and service line, the amount used by the beneficiary
  /// sector of the crosswalk (`industries`, `households`, `government`; `unassigned` where the
  /// account does not identify the users), and the total (equal to the supply table's). The
  /// monetary table ends each unit with a `total` row per sector.
  public static func useCSV(
    _ s: AccountSnapshot, crosswalk: SEEACrosswalk, physical: Bool, bom: Bool
  ) -> String {
    let keys = s.classKeys.map(\.key)
    let suffix = physical ? "" : "_yuan"
    var header = [
      "code", "name", "level", "indicator", "component", "name_zh", "seea_service",
      "beneficiary_sector",
    ]
    if physical { header.append("physical_unit") }
    header.append("status")
    header += SEEACrosswalk.sectors.map { "\($0)\(suffix)" } + ["total\(suffix)", "flag"]
    var out = (bom ? "\u{FEFF}" : "") + csvLine(header)
    for u in s.units {
      var bySector: [String: [Double]] = [:]
      var grand: [Double] = []
      for l in u.lines {
        let cw = crosswalk.row(l.indicator)
        let sector = cw?.sector ?? "unassigned"
        var cells = [String](repeating: "", count: SEEACrosswalk.sectors.count)
        var total = ""
        var flag = cw == nil ? "indicator not in the SEEA crosswalk" : ""
        let shown = l.comparable || (physical && l.status == "not_valued" && l.quantity != nil)
        // The supply table's total of the line (the sum of its type cells), so that use equals
        // supply line by line.
        let amount = lineSupply(l, unit: u, keys: keys, physical: physical).total
        if shown, let amount, let i = SEEACrosswalk.sectors.firstIndex(of: sector) {
          cells[i] = formatNumber(amount)
          total = formatNumber(amount)
          bySector[sector, default: []].append(amount)
          grand.append(amount)
          if sector == "unassigned" && flag.isEmpty {
            flag = "beneficiaries not identified by the account"
          }
        } else if !shown {
          flag = "\(l.status) in the account"
        } else {
          flag = "no physical quantity in the account"
        }
        var row = [
          u.code, u.name, u.level, l.indicator, l.component, cw?.nameZH ?? "", cw?.service ?? "",
          sector,
        ]
        if physical { row.append(l.physicalUnit) }
        row.append(l.status)
        row += cells + [total, flag]
        out += csvLine(row)
      }
      if !physical {
        var row = [u.code, u.name, u.level, "total", "", "合计", "", "", ""]
        row += SEEACrosswalk.sectors.map { bySector[$0].map { formatNumber(exact($0)) } ?? "" }
        row += [formatNumber(exact(grand)), "sum of the unit's service lines with a value"]
        out += csvLine(row)
      }
    }
    return out
  }
}
