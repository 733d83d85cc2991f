import Foundation

/// One coefficient or price of a set that `gep uncertainty` draws (不确定系数): a value row with a
/// `low`–`high` range of non-zero width (or one the distribution table declares normal), its
/// distribution and its correlation group.
///
/// Rows: the per-class tables (`class_code|parameter|condition`), `parameters.csv`
/// (`parameter_id`) and `prices.csv` (`price_id`); a row without a range, or with `low = high`,
/// is fixed at its value and not listed. Source: issue 18; the ranges are the reference set's
/// (coefficients/README.md, columns `low`, `high`).
public struct UncertainCoefficient: Sendable, Hashable {
  /// Where the row is in a `CoefficientSet`.
  public enum Place: Sendable, Hashable {
    /// Row `index` of the per-class table `table` (`CoefficientSet.classTables`).
    case classRow(table: String, index: Int)
    /// A `parameters.csv` row.
    case parameter(String)
    /// A `prices.csv` row (its value in its own price year; indexed as in `gep compute`).
    case price(String)
  }
  /// The row.
  public var place: Place
  /// The file, e.g. `runoff_coefficient.csv`.
  public var file: String
  /// The row key within the file (as in the distribution table), e.g. `1|alpha|`.
  public var key: String
  /// The 1-based line in the file, when known.
  public var line: Int?
  /// The row's unit.
  public var unit: String
  /// The value (the point account's).
  public var value: Double
  /// The distribution it is drawn from.
  public var distribution: CoefficientDistribution
  /// The tornado's low and high: the row's `low`/`high`, or for a normal row without them
  /// value ∓ 1.6449 σ (its 5 % and 95 % quantiles).
  public var low: Double
  /// See `low`.
  public var high: Double
  /// The correlation group (rows of one group are drawn from one uniform number), or nil.
  public var group: String?

  /// `runoff_coefficient.csv 1|alpha|` as printed in sensitivity.csv.
  public var label: String { "\(file) \(key)" }
}

/// A declaration of the distribution table (`--distributions FILE`): for one row of the set, its
/// distribution, standard deviation and correlation group.
public struct DistributionDeclaration: Sendable, Hashable {
  /// `uniform`, `triangular`, `normal` or `fixed`.
  public var distribution: String
  /// Standard deviation (normal), in the row's unit.
  public var sd: Double?
  /// Correlation group, or nil.
  public var group: String?
  /// The table's line, for messages.
  public var line: Int
}

/// Problems of the distribution table or of the ranges, all at once (`file:line: message`).
public struct UncertaintyDeclarationError: Error, Sendable, CustomStringConvertible {
  /// One message per problem.
  public var messages: [String]
  /// The messages, one a line.
  public var description: String { messages.joined(separator: "\n") }
  /// An error with `messages`.
  public init(messages: [String]) { self.messages = messages }
}

/// The distribution table of `gep uncertainty`: CSV with header
/// `file,key,distribution,sd,group` — `file` the coefficient file (`runoff_coefficient.csv`,
/// `parameters.csv`, `prices.csv`), `key` the row key (`class_code|parameter|condition`,
/// `parameter_id` or `price_id`), `distribution` one of `uniform`, `triangular`, `normal`,
/// `fixed`, `sd` the standard deviation of a normal row (its unit), `group` an optional
/// correlation group name (rows of one group are perfectly rank-correlated).
///
/// - Parameters:
///   - text: the table.
///   - file: its path, for messages.
/// - Returns: declarations keyed by `file key`.
/// - Throws: `UncertaintyDeclarationError` with every problem (syntax, missing column, unknown
///   distribution, unreadable sd).
public func parseDistributionTable(_ text: String, file: String) throws(UncertaintyDeclarationError)
  -> [String: DistributionDeclaration]
{
  let records: [CSVRecord]
  do {
    records = try StrictCSV.records(text)
  } catch {
    throw UncertaintyDeclarationError(messages: ["\(file): \(error)"])
  }
  guard let header = records.first?.fields.map({ $0.lowercased() }) else { return [:] }
  var messages: [String] = []
  let need = ["file", "key", "distribution"]
  for n in need where !header.contains(n) {
    messages.append("\(file):1: missing column \(n) (header file,key,distribution,sd,group)")
  }
  if !messages.isEmpty { throw UncertaintyDeclarationError(messages: messages) }
  func col(_ r: CSVRecord, _ name: String) -> String {
    guard let i = header.firstIndex(of: name), i < r.fields.count else { return "" }
    return r.fields[i].trimmingCharacters(in: .whitespaces)
  }
  var out: [String: DistributionDeclaration] = [:]
  for r in records.dropFirst() where !r.isBlankLine {
    let kind = col(r, "distribution").lowercased()
    guard ["uniform", "triangular", "normal", "fixed"].contains(kind) else {
      messages.append(
        "\(file):\(r.line): distribution \(kind.isEmpty ? "(empty)" : kind) is not one of "
          + "uniform, triangular, normal, fixed")
      continue
    }
    let sdText = col(r, "sd")
    var sd: Double? = nil
    if !sdText.isEmpty {
      guard let s = PlainDecimal.parse(sdText), s >= 0 else {
        messages.append("\(file):\(r.line): sd \(sdText) is not a non-negative number")
        continue
      }
      sd = s
    }
    let group = col(r, "group")
    let key = "\(col(r, "file")) \(col(r, "key"))"
    if out[key] != nil { messages.append("\(file):\(r.line): \(key) is declared twice") }
    out[key] = DistributionDeclaration(
      distribution: kind, sd: sd, group: group.isEmpty ? nil : group, line: r.line)
  }
  if !messages.isEmpty { throw UncertaintyDeclarationError(messages: messages) }
  return out
}

extension CoefficientSet {
  /// The rows `gep uncertainty` draws, in a fixed order (class tables by name, then
  /// parameters, then prices, each in key order), with their distributions: the declared one, or
  /// by default the triangular distribution on [low, high] with the value as mode. Rows without
  /// a range (or with low = high) and not declared are fixed and not listed.
  ///
  /// - Parameters:
  ///   - declared: the distribution table (`parseDistributionTable`), keyed `file key`.
  ///   - tableFile: the distribution table's path, for messages.
  /// - Throws: `UncertaintyDeclarationError`: a declared row that the set lacks or that has no
  ///   value; a uniform or triangular row without `low < high`, or whose value lies outside
  ///   [low, high]; a normal row without sd.
  public func uncertainCoefficients(
    declared: [String: DistributionDeclaration] = [:], tableFile: String = "distributions"
  ) throws(UncertaintyDeclarationError) -> [UncertainCoefficient] {
    var candidates:
      [(
        place: UncertainCoefficient.Place, file: String, key: String, line: Int?, unit: String,
        value: Double?, low: Double?, high: Double?
      )] = []
    for name in classTables.keys.sorted() {
      for (i, r) in classTables[name]!.rows.enumerated() where r.unit != "flag" {
        candidates.append(
          (
            .classRow(table: name, index: i), "\(name).csv",
            "\(r.classCode)|\(r.parameter)|\(r.condition?.description ?? "")",
            r.provenance.location.row, r.unit, r.value, r.low, r.high
          ))
      }
    }
    for id in parameters.keys.sorted() {
      let p = parameters[id]!
      candidates.append(
        (
          .parameter(id), "parameters.csv", id, p.provenance.location.row, p.unit, p.value, p.low,
          p.high
        ))
    }
    for id in prices.keys.sorted() {
      let p = prices[id]!
      candidates.append(
        (.price(id), "prices.csv", id, p.provenance.location.row, p.unit, p.value, p.low, p.high))
    }
    var messages: [String] = []
    var seen = Set<String>()
    var out: [UncertainCoefficient] = []
    for c in candidates {
      let fullKey = "\(c.file) \(c.key)"
      let d = declared[fullKey]
      if d != nil { seen.insert(fullKey) }
      guard let value = c.value else {
        if let d { messages.append("\(tableFile):\(d.line): \(fullKey) has no value") }
        continue
      }
      let ranged = c.low.flatMap { lo in c.high.map { hi in lo < hi ? (lo, hi) : nil } } ?? nil
      let kind = d?.distribution ?? (ranged == nil ? "fixed" : "triangular")
      let site = d.map { "\(tableFile):\($0.line)" } ?? "\(c.file):\(c.line ?? 0)"
      var dist: CoefficientDistribution
      var tornado: (Double, Double)
      switch kind {
      case "fixed":
        continue
      case "uniform", "triangular":
        guard let (lo, hi) = ranged else {
          messages.append(
            "\(site): \(fullKey) is \(kind) but has no range (low < high) in \(c.file)")
          continue
        }
        guard value >= lo && value <= hi else {
          messages.append(
            "\(site): \(fullKey) value \(value) lies outside its range [\(lo), \(hi)]")
          continue
        }
        dist =
          kind == "uniform"
          ? .uniform(low: lo, high: hi) : .triangular(low: lo, mode: value, high: hi)
        tornado = (lo, hi)
      default:  // normal
        guard let sd = d?.sd else {
          messages.append("\(site): \(fullKey) is normal but the table gives no sd")
          continue
        }
        if sd == 0 { continue }
        dist = .normal(mean: value, sd: sd)
        tornado = ranged ?? (value - 1.6449 * sd, value + 1.6449 * sd)
      }
      out.append(
        UncertainCoefficient(
          place: c.place, file: c.file, key: c.key, line: c.line, unit: c.unit, value: value,
          distribution: dist, low: tornado.0, high: tornado.1, group: d?.group))
    }
    for (k, d) in declared where !seen.contains(k) {
      messages.append("\(tableFile):\(d.line): \(k) is not a value row of the coefficient set")
    }
    if !messages.isEmpty { throw UncertaintyDeclarationError(messages: messages.sorted()) }
    return out
  }

  /// The set with some values replaced (a Monte Carlo draw): `values[i]` for `rows[i]`.
  ///
  /// - Precondition: every place is a row of this set.
  public func setting(_ rows: [UncertainCoefficient], _ values: [Double]) -> CoefficientSet {
    var c = self
    for (r, v) in zip(rows, values) {
      switch r.place {
      case .classRow(let table, let index): c.classTables[table]!.rows[index].value = v
      case .parameter(let id): c.parameters[id]!.value = v
      case .price(let id): c.prices[id]!.value = v
      }
    }
    return c
  }
}
