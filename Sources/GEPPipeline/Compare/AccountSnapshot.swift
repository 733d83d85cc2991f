import Foundation
import GEPCore
import GEPGeo

/// One indicator line of one unit as an account folder gives it (`indicators.csv`, with its
/// class values from `matrix.csv`).
public struct SnapshotLine: Sendable {
  /// Indicator id.
  public var indicator: String
  /// Component ("so2"), empty for whole indicators.
  public var component: String
  /// Category (`material`, `regulating`, `cultural`).
  public var category: String
  /// Unit of the physical quantity.
  public var physicalUnit: String
  /// Physical quantity; nil when empty (not computed, or no physical quantity).
  public var quantity: Double?
  /// Value at the account's current prices, yuan; nil when empty.
  public var value: Double?
  /// The line's status (`computed`, `partial`, `not_computed`, `not_applicable`,
  /// `not_valued`).
  public var status: String
  /// Value (yuan) by level-1 ecosystem class key (`AccountSnapshot.classKeys`), from
  /// `matrix.csv`; empty for table-based lines (no class split).
  public var classValues: [String: Double] = [:]

  /// True when the line has a value to compare: computed on all or part of the unit's land.
  public var comparable: Bool { (status == "computed" || status == "partial") && value != nil }
}

/// One unit of an account folder (`summary.csv`).
public struct SnapshotUnit: Sendable {
  /// Unit code.
  public var code: String
  /// Name.
  public var name: String
  /// Level label (`county`, `township`, `village`, `unassigned`).
  public var level: String
  /// Parent code, empty when none.
  public var parentCode: String
  /// Land area, m².
  public var area: Double
  /// Area by level-1 class key, m².
  public var classAreas: [String: Double]
  /// Lines in file order.
  public var lines: [SnapshotLine]
}

/// An account folder written by `gep compute`, read back for comparison (`gep compare`):
/// `summary.csv` (units, class areas), `indicators.csv` (quantities, values, statuses),
/// `matrix.csv` (values by ecosystem class) and `manifest.json` (year, coefficients, grid,
/// inputs, warnings).
public struct AccountSnapshot: Sendable {
  /// The folder.
  public var folder: String
  /// The accounting year (`manifest.json` `accounting_year`).
  public var year: Int
  /// The coefficient folder recorded in the manifest.
  public var coefficientsFolder: String
  /// The run file recorded in the manifest.
  public var runFile: String
  /// The grid as recorded (CRS WKT, origin, cell size, shape) in one comparable text.
  public var gridKey: String
  /// Input files by role (`landuse`, `units`, `coefficients.price_index.csv` …): path and
  /// SHA-256 as recorded.
  public var inputs: [String: (path: String, sha256: String)]
  /// Codes of the manifest's warnings.
  public var warningCodes: [String]
  /// The manifest's warnings (code → message) of `prices.other-year`: prices used in another
  /// year's prices than the accounting year's.
  public var otherYearPrices: [String]
  /// Level-1 class keys (slugs of the class names, as in summary.csv's `area_<key>_km2`), in
  /// column order, with their display names.
  public var classKeys: [(key: String, name: String)]
  /// Units in file order.
  public var units: [SnapshotUnit]

  /// Reads an account folder.
  ///
  /// - Parameter folder: the folder `gep compute` wrote.
  /// - Throws: `InputProblems` naming the file (and line or column) that is missing or not
  ///   an account table of this engine.
  public static func read(folder: String) throws -> AccountSnapshot {
    var d = Diagnostics()
    let root = URL(fileURLWithPath: folder).standardizedFileURL
    func path(_ name: String) -> String { root.appendingPathComponent(name).path }
    for name in ["summary.csv", "indicators.csv", "matrix.csv", "manifest.json"]
    where !FileManager.default.fileExists(atPath: path(name)) {
      d.error(
        "compare.not-an-account",
        "\(name) is missing: not an account folder of gep compute",
        at: ProblemLocation(file: path(name)))
    }
    if d.hasErrors { throw InputProblems(problems: d.problems) }
    // Manifest.
    let manifestPath = path("manifest.json")
    guard let data = FileManager.default.contents(atPath: manifestPath),
      let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let year = json["accounting_year"] as? Int
    else {
      throw InputProblems(problems: [
        Problem(
          .error, "compare.manifest",
          "manifest.json is not a gep manifest (no accounting_year)",
          at: ProblemLocation(file: manifestPath))
      ])
    }
    let grid = json["grid"] as? [String: Any] ?? [:]
    let gridKey = ["crs_wkt", "origin", "cell_size", "shape"].map { k in
      "\(k)=\(grid[k].map { "\($0)" } ?? "")"
    }.joined(separator: ";")
    var inputs: [String: (String, String)] = [:]
    for i in json["inputs"] as? [[String: Any]] ?? [] {
      if let role = i["role"] as? String, let p = i["path"] as? String {
        inputs[role] = (p, i["sha256"] as? String ?? "")
      }
    }
    var warningCodes: [String] = []
    var otherYear: [String] = []
    for w in json["warnings"] as? [[String: Any]] ?? [] {
      let code = w["code"] as? String ?? ""
      warningCodes.append(code)
      if code == "prices.other-year" { otherYear.append(w["message"] as? String ?? "") }
    }

    // Tables.
    func table(_ name: String, _ required: [String]) throws -> Table {
      let t = try Table(path: path(name))
      let missing = required.filter { t.fieldIndex($0) == nil }
      if !missing.isEmpty {
        throw InputProblems(problems: [
          Problem(
            .error, "compare.not-an-account",
            "\(name) lacks the column(s) \(missing.joined(separator: ", "))",
            at: ProblemLocation(file: path(name), row: 1))
        ])
      }
      return t
    }
    func number(_ s: String, _ file: String, _ line: Int, _ column: String) -> Double? {
      let t = s.trimmingCharacters(in: .whitespaces)
      if t.isEmpty { return nil }
      guard let v = PlainDecimal.parse(t) else {
        d.error(
          "compare.not-numeric", "not a plain number",
          at: ProblemLocation(file: path(file), row: line, column: column, value: s))
        return nil
      }
      return v
    }
    let summary = try table(
      "summary.csv", ["code", "name", "level", "parent_code", "area_km2"])
    let classColumns = summary.fields.enumerated().filter { _, f in
      f.hasPrefix("area_") && f.hasSuffix("_km2") && f != "area_km2"
    }.map { ($0.offset, String($0.element.dropFirst(5).dropLast(4))) }
    var units: [SnapshotUnit] = []
    var index: [String: Int] = [:]
    let sc = summary.fieldIndex("code")!
    let sn = summary.fieldIndex("name")!
    let sl = summary.fieldIndex("level")!
    let sp = summary.fieldIndex("parent_code")!
    let sa = summary.fieldIndex("area_km2")!
    for r in summary.rows {
      var areas: [String: Double] = [:]
      for (i, key) in classColumns {
        areas[key] = (number(r.values[i], "summary.csv", r.line, summary.fields[i]) ?? 0) * 1e6
      }
      index[r.values[sc]] = units.count
      units.append(
        SnapshotUnit(
          code: r.values[sc], name: r.values[sn], level: r.values[sl], parentCode: r.values[sp],
          area: (number(r.values[sa], "summary.csv", r.line, "area_km2") ?? 0) * 1e6,
          classAreas: areas, lines: []))
    }
    let ind = try table(
      "indicators.csv",
      [
        "code", "indicator", "component", "category", "physical_quantity", "physical_unit",
        "value_yuan", "status",
      ])
    let ic = ind.fieldIndex("code")!
    let ii = ind.fieldIndex("indicator")!
    let ico = ind.fieldIndex("component")!
    let ica = ind.fieldIndex("category")!
    let iq = ind.fieldIndex("physical_quantity")!
    let iu = ind.fieldIndex("physical_unit")!
    let iv = ind.fieldIndex("value_yuan")!
    let ist = ind.fieldIndex("status")!
    var lineIndex: [String: Int] = [:]
    for r in ind.rows {
      guard let u = index[r.values[ic]] else {
        d.error(
          "compare.unknown-unit", "indicators.csv names a unit summary.csv does not have",
          at: ProblemLocation(file: path("indicators.csv"), row: r.line, value: r.values[ic]))
        continue
      }
      lineIndex["\(r.values[ic])\t\(r.values[ii])\t\(r.values[ico])"] = units[u].lines.count
      units[u].lines.append(
        SnapshotLine(
          indicator: r.values[ii], component: r.values[ico], category: r.values[ica],
          physicalUnit: r.values[iu],
          quantity: number(r.values[iq], "indicators.csv", r.line, "physical_quantity"),
          value: number(r.values[iv], "indicators.csv", r.line, "value_yuan"),
          status: r.values[ist]))
    }
    let matrix = try table(
      "matrix.csv", ["code", "indicator", "component", "class_name", "value_yuan"])
    let mc = matrix.fieldIndex("code")!
    let mi = matrix.fieldIndex("indicator")!
    let mco = matrix.fieldIndex("component")!
    let mn = matrix.fieldIndex("class_name")!
    let mv = matrix.fieldIndex("value_yuan")!
    var classNames: [String: String] = [:]
    for r in matrix.rows {
      let key = "\(r.values[mc])\t\(r.values[mi])\t\(r.values[mco])"
      guard let u = index[r.values[mc]], let l = lineIndex[key] else {
        d.error(
          "compare.unknown-line",
          "matrix.csv names a unit or indicator indicators.csv does not have",
          at: ProblemLocation(file: path("matrix.csv"), row: r.line, value: key))
        continue
      }
      let cls = slug(r.values[mn])
      classNames[cls] = r.values[mn]
      units[u].lines[l].classValues[cls, default: 0] +=
        number(r.values[mv], "matrix.csv", r.line, "value_yuan") ?? 0
    }
    if d.hasErrors { throw InputProblems(problems: d.problems) }
    return AccountSnapshot(
      folder: root.path, year: year, coefficientsFolder: json["coefficients"] as? String ?? "",
      runFile: json["run_file"] as? String ?? "", gridKey: gridKey, inputs: inputs,
      warningCodes: warningCodes, otherYearPrices: otherYear,
      classKeys: classColumns.map { ($0.1, classNames[$0.1] ?? $0.1) }, units: units)
  }
}
