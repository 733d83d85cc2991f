import Foundation

/// One checked row of a calculator table (生态计算器参数表): its key, its numbers by column and
/// its text by column, with the line it came from.
///
/// Source: GEP-METHODS §10 (VEP and its calculators); ARCHITECTURE.md §5 (tables decoded at load
/// time, locations carry the line number).
public struct CalculatorRow: Sendable, Hashable {
  /// The row's key (first column of the table's schema), as written.
  public var key: String
  /// 1-based line number in the file (header = 1).
  public var line: Int
  /// The numeric columns that have a value.
  public var numbers: [String: Double]
  /// Every column's text, trimmed.
  public var text: [String: String]

  /// The trimmed text of `column`, "" when absent.
  public func field(_ column: String) -> String { text[column] ?? "" }
}

/// The shape of one calculator table: its file, key column, required and numeric columns.
///
/// Every table has `unit` and `source` columns, and a row without a unit or a source is an
/// error (`value.required` / `value.unsourced`): a calculator factor nobody can trace is not
/// shipped. Source: issue "calculators" (every factor and rule lives in a table with unit, year,
/// region and source, checked by `gep coefficients check`).
public struct CalculatorTableSpec: Sendable {
  /// File name inside the calculator folder, e.g. `emission_factors.csv`.
  public var file: String
  /// Column whose value identifies a row (unique).
  public var key: String
  /// Columns that must be present in the header.
  public var columns: [String]
  /// Columns read as numbers (plain decimals); those in `requiredNumbers` must have a value.
  public var numbers: [String]
  /// Numeric columns every row must fill.
  public var requiredNumbers: [String]
  /// Text columns every row must fill (besides `unit` and `source`).
  public var requiredText: [String]
}

/// The calculator tables of `coefficients/calculators/` and their checker.
///
/// - `emission_factors.csv`: carbon-footprint factors (kg CO₂ per activity unit) for electricity,
///   fuels and travel, each with year, region, source and confidence.
/// - `actions.csv`: public eco-actions as a class change (from → to ecosystem class).
/// - `eco_premium_rules.csv`: the share of a site's cultural, regulating and material value that
///   a ticket or room night carries as its ecological premium (生态价).
/// - `credit_rules.csv`: eco-credit points (生态积分) per unit of a verified contribution, caps
///   and negative-list deductions.
///
/// Source: GEP-METHODS §10; the factor sources are cited row by row in the tables.
public struct CalculatorTables: Sendable {
  /// Emission factors by activity id.
  public var emissionFactors: [String: CalculatorRow]
  /// Action presets by id.
  public var actions: [String: CalculatorRow]
  /// Eco-premium rules by id.
  public var premiumRules: [String: CalculatorRow]
  /// Credit rules by contribution id.
  public var creditRules: [String: CalculatorRow]
  /// The folder the tables were read from.
  public var directory: URL

  /// The schemas of the four tables.
  public static let specs: [CalculatorTableSpec] = [
    CalculatorTableSpec(
      file: "emission_factors.csv", key: "activity",
      columns: [
        "activity", "category", "activity_unit", "value", "low", "high", "unit", "year",
        "region", "source", "confidence", "note",
      ],
      numbers: ["value", "low", "high", "year"], requiredNumbers: ["value", "year"],
      requiredText: ["category", "activity_unit", "region", "confidence"]),
    CalculatorTableSpec(
      file: "actions.csv", key: "action",
      columns: [
        "action", "from_class", "to_class", "unit", "name_zh", "description", "source", "note",
      ],
      numbers: ["from_class", "to_class"], requiredNumbers: ["from_class", "to_class"],
      requiredText: ["name_zh", "description"]),
    CalculatorTableSpec(
      file: "eco_premium_rules.csv", key: "rule",
      columns: [
        "rule", "cultural_share", "regulating_share", "material_share", "unit", "rationale",
        "source", "confidence",
      ],
      numbers: ["cultural_share", "regulating_share", "material_share"],
      requiredNumbers: ["cultural_share", "regulating_share", "material_share"],
      requiredText: ["rationale", "confidence"]),
    CalculatorTableSpec(
      file: "credit_rules.csv", key: "contribution",
      columns: [
        "contribution", "kind", "points_per_unit", "unit", "cap_points", "rationale", "source",
        "confidence",
      ],
      numbers: ["points_per_unit", "cap_points"], requiredNumbers: ["points_per_unit"],
      requiredText: ["kind", "rationale", "confidence"]),
  ]

  /// The shipped calculator folder: `coefficients/calculators` above the current directory or
  /// the executable, or nil.
  public static func defaultDirectory() -> URL? {
    CoefficientSet.defaultDirectory()?.deletingLastPathComponent()
      .appendingPathComponent("calculators")
  }

  /// Whether `directory` is a calculator folder (it holds `emission_factors.csv` and no
  /// `profile.csv`).
  public static func isCalculatorFolder(_ directory: URL) -> Bool {
    let fm = FileManager.default
    return fm.fileExists(atPath: directory.appendingPathComponent("emission_factors.csv").path)
      && !fm.fileExists(atPath: directory.appendingPathComponent("profile.csv").path)
  }

  /// Reads and checks every table of a calculator folder, reporting all problems at once.
  ///
  /// Checks: the four files exist and parse; every schema column is present; keys are unique
  /// and non-empty; `confidence` is a `ValueConfidence` word; numbers are plain decimals, required ones present; `unit`, `source` and the
  /// table's required text columns are filled; `low ≤ value ≤ high` where given; shares lie in
  /// [0, 1] and a premium rule's shares do not all vanish; a credit rule's `kind` is
  /// `contribution` or `deduction`; action classes are positive integers.
  ///
  /// - Returns: the tables (possibly partial) and every problem, located by file, line, column.
  public static func check(directory: URL) -> (CalculatorTables, [CoefficientProblem]) {
    var problems: [CoefficientProblem] = []
    var loaded: [String: [String: CalculatorRow]] = [:]
    for spec in specs {
      loaded[spec.file] = read(spec, directory: directory, problems: &problems)
    }
    for (_, r) in loaded["eco_premium_rules.csv"] ?? [:] {
      let shares = ["cultural_share", "regulating_share", "material_share"]
      for s in shares {
        if let v = r.numbers[s], !(0...1).contains(v) {
          problems.append(
            CoefficientProblem(
              .error, .valueOutOfRange, "a share lies in [0, 1]",
              at: CoefficientLocation(
                file: "eco_premium_rules.csv", row: r.line, column: s, value: r.field(s))))
        }
      }
      if shares.allSatisfy({ (r.numbers[$0] ?? 0) == 0 }) {
        problems.append(
          CoefficientProblem(
            .error, .valueOutOfRange, "every share is 0: the rule gives no premium",
            at: CoefficientLocation(file: "eco_premium_rules.csv", row: r.line, value: r.key)))
      }
    }
    for (_, r) in loaded["credit_rules.csv"] ?? [:] {
      let kind = r.field("kind")
      if !kind.isEmpty && kind != "contribution" && kind != "deduction" {
        problems.append(
          CoefficientProblem(
            .error, .valueInvalid, "kind is contribution or deduction",
            at: CoefficientLocation(
              file: "credit_rules.csv", row: r.line, column: "kind", value: kind)))
      }
      if let p = r.numbers["points_per_unit"], p < 0 {
        problems.append(
          CoefficientProblem(
            .error, .valueOutOfRange,
            "points_per_unit is ≥ 0 (a deduction's kind makes it subtract)",
            at: CoefficientLocation(
              file: "credit_rules.csv", row: r.line, column: "points_per_unit",
              value: r.field("points_per_unit"))))
      }
    }
    for (_, r) in loaded["actions.csv"] ?? [:] {
      for c in ["from_class", "to_class"] {
        if let v = r.numbers[c], v < 1 || v != v.rounded() {
          problems.append(
            CoefficientProblem(
              .error, .valueNotInteger, "an ecosystem class code is a positive integer",
              at: CoefficientLocation(
                file: "actions.csv", row: r.line, column: c, value: r.field(c))))
        }
      }
    }
    let tables = CalculatorTables(
      emissionFactors: loaded["emission_factors.csv"] ?? [:],
      actions: loaded["actions.csv"] ?? [:],
      premiumRules: loaded["eco_premium_rules.csv"] ?? [:],
      creditRules: loaded["credit_rules.csv"] ?? [:], directory: directory)
    return (tables, problems)
  }

  /// Reads and checks the calculator folder.
  ///
  /// - Throws: `CoefficientError` with every error problem when the folder has any.
  public static func load(from directory: URL) throws(CoefficientError) -> CalculatorTables {
    let (tables, problems) = check(directory: directory)
    let errors = problems.filter { $0.severity == .error }
    if let first = errors.first { throw CoefficientError(first, allErrors: errors) }
    return tables
  }

  static func read(
    _ spec: CalculatorTableSpec, directory: URL, problems: inout [CoefficientProblem]
  ) -> [String: CalculatorRow] {
    let table: CoefficientTable
    do {
      let (t, p) = try CoefficientTable.read(directory.appendingPathComponent(spec.file))
      table = t
      problems += p
    } catch {
      problems += error.allErrors
      return [:]
    }
    let missing = spec.columns.filter { table.columnIndex($0) == nil }
    for c in missing {
      problems.append(
        CoefficientProblem(
          .error, .columnMissing, "column '\(c)' is missing",
          at: CoefficientLocation(file: spec.file, row: 1, column: c)))
    }
    if !missing.isEmpty { return [:] }
    var out: [String: CalculatorRow] = [:]
    for row in table.rows {
      func at(_ c: String) -> CoefficientLocation {
        CoefficientLocation(file: spec.file, row: row.line, column: c, value: table.field(row, c))
      }
      var text: [String: String] = [:]
      for c in table.header { text[c] = table.field(row, c).trimmingCharacters(in: .whitespaces) }
      let key = text[spec.key] ?? ""
      if key.isEmpty {
        problems.append(CoefficientProblem(.error, .valueRequired, "empty key", at: at(spec.key)))
        continue
      }
      var numbers: [String: Double] = [:]
      for c in spec.numbers {
        let t = text[c] ?? ""
        if t.isEmpty {
          if spec.requiredNumbers.contains(c) {
            problems.append(
              CoefficientProblem(.error, .valueRequired, "'\(c)' needs a value", at: at(c)))
          }
          continue
        }
        guard let v = PlainDecimal.parse(t), v.isFinite else {
          problems.append(
            CoefficientProblem(.error, .valueNotNumeric, "not a plain decimal number", at: at(c)))
          continue
        }
        numbers[c] = v
      }
      if (text["unit"] ?? "").isEmpty {
        problems.append(
          CoefficientProblem(.error, .valueRequired, "every row states its unit", at: at("unit")))
      }
      if (text["source"] ?? "").isEmpty {
        problems.append(
          CoefficientProblem(
            .error, .valueUnsourced, "every row cites its source", at: at("source")))
      }
      if let word = text["confidence"], !word.isEmpty, ValueConfidence(rawValue: word) == nil {
        problems.append(
          CoefficientProblem(
            .error, .valueInvalid,
            "confidence is one of "
              + ValueConfidence.allCases.map(\.rawValue).joined(separator: ", "),
            at: at("confidence")))
      }
      for c in spec.requiredText where (text[c] ?? "").isEmpty {
        problems.append(
          CoefficientProblem(.error, .valueRequired, "'\(c)' needs a value", at: at(c)))
      }
      if let v = numbers["value"] {
        if let lo = numbers["low"], lo > v {
          problems.append(
            CoefficientProblem(.error, .valueOutsideOwnRange, "low > value", at: at("low")))
        }
        if let hi = numbers["high"], hi < v {
          problems.append(
            CoefficientProblem(.error, .valueOutsideOwnRange, "high < value", at: at("high")))
        }
      }
      if out[key] != nil {
        problems.append(
          CoefficientProblem(
            .error, .keyDuplicate, "'\(key)' appears more than once", at: at(spec.key)))
        continue
      }
      out[key] = CalculatorRow(key: key, line: row.line, numbers: numbers, text: text)
    }
    return out
  }
}
