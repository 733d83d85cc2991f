import Foundation
import GEPCore

/// The calculator tables as `InputProblems` (file paths absolute), or the tables.
///
/// - Throws: `InputProblems` listing every error of the folder.
public func loadCalculatorTables(_ directory: URL) throws -> CalculatorTables {
  let (tables, problems) = CalculatorTables.check(directory: directory)
  let errors = problems.filter { $0.severity == .error }
  if !errors.isEmpty {
    throw InputProblems(problems: errors.map { calculatorProblem($0, directory) })
  }
  return tables
}

func calculatorProblem(_ p: CoefficientProblem, _ directory: URL) -> Problem {
  Problem(
    p.severity == .error ? .error : .warning, "calculators.\(p.code.rawValue)", p.message,
    at: ProblemLocation(
      file: directory.appendingPathComponent(p.location.file).path, row: p.location.row,
      column: p.location.column, value: p.location.value))
}

/// Reads a user's CSV table (activities, contributions) strictly: UTF-8, RFC 4180, the listed
/// columns present. Returns rows as trimmed column → text maps with their line numbers.
///
/// - Throws: `InputProblems` naming the file, line and column of every problem.
func readUserTable(_ path: String, columns: [String]) throws -> [(
  line: Int, text: [String: String]
)] {
  let url = URL(fileURLWithPath: path)
  func located(_ p: CoefficientProblem) -> Problem {
    Problem(
      .error, "table.\(p.code.rawValue)", p.message,
      at: ProblemLocation(
        file: path, row: p.location.row, column: p.location.column, value: p.location.value))
  }
  let table: CoefficientTable
  do {
    let (t, problems) = try CoefficientTable.read(url)
    let errors = problems.filter { $0.severity == .error }
    if !errors.isEmpty { throw InputProblems(problems: errors.map(located)) }
    table = t
  } catch let e as CoefficientError {
    throw InputProblems(problems: e.allErrors.map(located))
  }
  let missing = columns.filter { table.columnIndex($0) == nil }
  if !missing.isEmpty {
    throw InputProblems(
      problems: missing.map {
        Problem(
          .error, "table.column-missing",
          "column '\($0)' is missing (columns: "
            + columns.joined(separator: ", ") + ")", at: ProblemLocation(file: path, row: 1))
      })
  }
  return table.rows.map { row in
    var text: [String: String] = [:]
    for c in table.header { text[c] = table.field(row, c).trimmingCharacters(in: .whitespaces) }
    return (row.line, text)
  }
}

/// A carbon footprint (碳足迹) with its offsets, ready to print and write.
///
/// Source: `CarbonFootprint` (IPCC 2006 Vol. 2 ch. 1 eq. 1.1; GEP-METHODS §5.8 for the offset).
public struct FootprintResult: Sendable {
  /// One line per activity row, with its factor row.
  public var lines: [(line: FootprintLine, factor: CalculatorRow)]
  /// Total, t CO₂ (travel lines in t CO₂e).
  public var totalTonnes: Double
  /// Forest rate used for the offset area, t C·hm⁻²·a⁻¹, with its source; nil when none.
  public var forestRate: (value: Double, source: String)?
  /// Forest area that offsets the total in one year, hm²; nil when no forest rate is known.
  public var offsetAreaHectares: Double?
  /// The carbon price used, yuan per t CO₂, with its source; nil when none.
  public var carbonPrice: (value: Double, source: String)?
  /// Cost of the offset at the carbon price, yuan; nil without a price.
  public var offsetCostYuan: Double?
  /// Why an offset is not computed.
  public var notes: [String]
}

/// `gep calc footprint`: the carbon footprint of an activity table.
public enum FootprintCalculator {
  /// Computes the footprint of `activities` (CSV: `activity,amount`, amounts in the factor's
  /// activity unit).
  ///
  /// - Parameters:
  ///   - activities: path of the activity table.
  ///   - tables: the calculator tables (emission factors).
  ///   - coefficients: the region's coefficient set (forest carbon rate of
  ///     `carbon_sequestration.csv`, class 1, and the carbon price `carbon_price_ets`), or nil.
  ///   - forestRate: a user's forest rate (t C·hm⁻²·a⁻¹) and its source, overriding the set's.
  /// - Returns: the result; offsets that cannot be computed are nil with a note, never 0.
  /// - Throws: `InputProblems` for every bad row at once: unknown activity (listing the known
  ///   ones), empty, non-numeric or negative amount.
  public static func run(
    activities: String, tables: CalculatorTables, coefficients: CoefficientSet?,
    forestRate: (value: Double, source: String)? = nil
  ) throws -> FootprintResult {
    let rows = try readUserTable(activities, columns: ["activity", "amount"])
    var problems: [Problem] = []
    var lines: [(line: FootprintLine, factor: CalculatorRow)] = []
    let known = tables.emissionFactors.keys.sorted().joined(separator: ", ")
    for r in rows {
      let id = r.text["activity"] ?? ""
      let amountText = r.text["amount"] ?? ""
      guard let f = tables.emissionFactors[id] else {
        problems.append(
          Problem(
            .error, "footprint.activity-unknown",
            "no emission factor for '\(id)' in emission_factors.csv (known: \(known)); "
              + "add a sourced row to your own calculator folder (--tables DIR)",
            at: ProblemLocation(file: activities, row: r.line, column: "activity", value: id)))
        continue
      }
      guard let amount = PlainDecimal.parse(amountText), amount.isFinite, amount >= 0 else {
        problems.append(
          Problem(
            .error, "footprint.amount-invalid",
            "amount is a number ≥ 0 in \(f.field("activity_unit"))",
            at: ProblemLocation(
              file: activities, row: r.line, column: "amount", value: amountText)))
        continue
      }
      lines.append((FootprintLine(activity: id, amount: amount, factor: f.numbers["value"]!), f))
    }
    if !problems.isEmpty { throw InputProblems(problems: problems) }
    let total = CarbonFootprint.totalTonnes(lines.map(\.line))
    var notes: [String] = []
    var rate = forestRate
    if rate == nil, let set = coefficients {
      if case .value(let v, let row) = set.classCoefficient(
        table: "carbon_sequestration", parameter: "rate", classCode: 1)
      {
        rate = (v, row.provenance.source)
      } else {
        notes.append(
          "offset area not computed: \(set.directory.lastPathComponent) gives no forest "
            + "carbon_sequestration rate (class 1); pass --forest-rate")
      }
    } else if rate == nil {
      notes.append("offset area not computed: no coefficient set or --forest-rate")
    }
    var price: (value: Double, source: String)? = nil
    if let set = coefficients, let p = set.prices["carbon_price_ets"], let v = p.value {
      price = (v, p.provenance.source)
    } else {
      notes.append("offset cost not computed: no carbon_price_ets in the coefficient set")
    }
    return FootprintResult(
      lines: lines, totalTonnes: total, forestRate: rate,
      offsetAreaHectares: rate.flatMap {
        CarbonFootprint.offsetForestArea(tonnesCO2: total, rateCarbon: $0.value)
      },
      carbonPrice: price,
      offsetCostYuan: price.map {
        CarbonFootprint.offsetCost(tonnesCO2: total, pricePerTonneCO2: $0.value)
      }, notes: notes)
  }

  /// `footprint.csv`: one row per activity with amount, factor, emissions and source, then the
  /// total and the offsets (empty where not computed).
  public static func csv(_ r: FootprintResult) -> String {
    var out = csvLine([
      "item", "amount", "amount_unit", "factor", "factor_unit", "emissions_tCO2", "year",
      "region", "source", "confidence",
    ])
    for (l, f) in r.lines {
      out += csvLine([
        l.activity, formatNumber(l.amount), f.field("activity_unit"), formatNumber(l.factor),
        f.field("unit"), formatNumber(l.emissions / 1000), f.field("year"), f.field("region"),
        f.field("source"), f.field("confidence"),
      ])
    }
    out += csvLine(["total", "", "", "", "", formatNumber(r.totalTonnes), "", "", "", ""])
    out += csvLine([
      "offset_forest_area", r.offsetAreaHectares.map(formatNumber) ?? "", "hm2",
      r.forestRate.map { formatNumber($0.value) } ?? "", "tC/hm2/a", "", "", "",
      r.forestRate?.source ?? r.notes.first { $0.hasPrefix("offset area") } ?? "", "",
    ])
    out += csvLine([
      "offset_cost", r.offsetCostYuan.map(formatNumber) ?? "", "yuan",
      r.carbonPrice.map { formatNumber($0.value) } ?? "", "yuan/tCO2", "", "", "",
      r.carbonPrice?.source ?? r.notes.first { $0.hasPrefix("offset cost") } ?? "", "",
    ])
    return out
  }
}

/// An eco-premium (生态溢价) of a ticket or room night.
///
/// Source: `EcoPremium`; GEP-METHODS §6.1, §10.
public struct EcoPriceResult: Sendable {
  /// The rule row used.
  public var rule: CalculatorRow
  /// The site's VEP by category, yuan/a; nil where not computed.
  public var cultural: Double?
  /// Regulating VEP, yuan/a; nil where not computed.
  public var regulating: Double?
  /// Material VEP, yuan/a; nil where not computed.
  public var material: Double?
  /// Where the values came from.
  public var valueSource: String
  /// Yearly visits or room nights.
  public var visits: Double
  /// The base price, yuan per visit.
  public var basePrice: Double
  /// The premium, yuan per visit; nil when a category the rule needs is not computed.
  public var premium: Double?
  /// Why the premium is not computed.
  public var note: String
}

/// `gep calc eco-price`.
public enum EcoPriceCalculator {
  /// The site's VEP by category from a `gep vep` output folder: the sum of
  /// `baseline_value_yuan` over the parcel's indicator rows of each category; a category with
  /// no valued row is nil (not computed), never 0.
  ///
  /// - Throws: `InputProblems` when `vep.csv` is missing or the parcel is not in it.
  public static func siteValues(vepFolder: String, parcel: String) throws -> [String: Double] {
    let path = URL(fileURLWithPath: vepFolder).appendingPathComponent("vep.csv").path
    guard FileManager.default.fileExists(atPath: path) else {
      throw InputProblems(problems: [
        Problem(
          .error, "eco-price.vep-missing", "no vep.csv in the folder (a gep vep output?)",
          at: ProblemLocation(file: path))
      ])
    }
    let rows = try readUserTable(
      path, columns: ["parcel_id", "indicator", "category", "baseline_value_yuan"])
    let mine = rows.filter { $0.text["parcel_id"] == parcel }
    if mine.isEmpty {
      let ids = Set(rows.compactMap { $0.text["parcel_id"] }).subtracting(["all"]).sorted()
      throw InputProblems(problems: [
        Problem(
          .error, "eco-price.parcel-unknown",
          "parcel '\(parcel)' is not in vep.csv (parcels: "
            + ids.prefix(20).joined(separator: ", ") + (ids.count > 20 ? ", …" : "") + ")",
          at: ProblemLocation(file: path, column: "parcel_id", value: parcel))
      ])
    }
    var sums: [String: ExactSum] = [:]
    for r in mine where r.text["indicator"] != "total" {
      guard let cat = r.text["category"], !cat.isEmpty,
        let v = PlainDecimal.parse(r.text["baseline_value_yuan"] ?? "")
      else { continue }
      sums[cat, default: ExactSum()].add(v)
    }
    return sums.mapValues(\.value)
  }

  /// Computes the premium.
  ///
  /// - Parameters:
  ///   - values: the site's VEP by category (`cultural`, `regulating`, `material`), yuan/a.
  ///   - rule: a row of `eco_premium_rules.csv`.
  ///   - visits: yearly visits or room nights (> 0).
  ///   - basePrice: yuan per visit (≥ 0).
  public static func run(
    values: [String: Double], valueSource: String, rule: CalculatorRow, visits: Double,
    basePrice: Double
  ) -> EcoPriceResult {
    let shares = (
      cultural: rule.numbers["cultural_share"] ?? 0,
      regulating: rule.numbers["regulating_share"] ?? 0,
      material: rule.numbers["material_share"] ?? 0
    )
    var missing: [String] = []
    if shares.cultural > 0 && values["cultural"] == nil { missing.append("cultural") }
    if shares.regulating > 0 && values["regulating"] == nil { missing.append("regulating") }
    if shares.material > 0 && values["material"] == nil { missing.append("material") }
    let premium =
      missing.isEmpty
      ? EcoPremium.premiumPerVisit(
        cultural: values["cultural"] ?? 0, regulating: values["regulating"] ?? 0,
        material: values["material"] ?? 0, shares: shares, visits: visits) : nil
    return EcoPriceResult(
      rule: rule, cultural: values["cultural"], regulating: values["regulating"],
      material: values["material"], valueSource: valueSource, visits: visits,
      basePrice: basePrice, premium: premium,
      note: missing.isEmpty
        ? ""
        : "premium not computed: the site's \(missing.joined(separator: " and ")) value is not "
          + "computed, and rule \(rule.key) takes a share of it")
  }

  /// `eco-price.csv`: the values, shares, premium and price (empty where not computed).
  public static func csv(_ r: EcoPriceResult) -> String {
    func f(_ v: Double?) -> String { v.map(formatNumber) ?? "" }
    var out = csvLine(["item", "value", "unit", "share", "source"])
    for (cat, v) in [
      ("cultural", r.cultural), ("regulating", r.regulating), ("material", r.material),
    ] {
      out += csvLine([
        "\(cat)_vep", f(v), "yuan/a", r.rule.field("\(cat)_share"), r.valueSource,
      ])
    }
    out += csvLine(["visits", formatNumber(r.visits), "visits/a", "", "user input"])
    out += csvLine(["base_price", formatNumber(r.basePrice), "yuan/visit", "", "user input"])
    out += csvLine([
      "eco_premium", f(r.premium), "yuan/visit", "",
      "rule \(r.rule.key): \(r.rule.field("source"))",
    ])
    out += csvLine([
      "price", f(r.premium.map { $0 + r.basePrice }), "yuan/visit", "", r.note,
    ])
    return out
  }
}

/// Eco-credit points (生态积分) of the holders of a contribution table.
///
/// Source: `EcoCredit`; issue "calculators".
public struct CreditResult: Sendable {
  /// Per holder (sorted by id): per contribution (sorted) the amount, points and rule.
  public var holders:
    [(holder: String, items: [(rule: CalculatorRow, amount: Double, points: Double)])]

  /// A holder's total points.
  public static func total(_ items: [(rule: CalculatorRow, amount: Double, points: Double)])
    -> Double
  {
    var s = ExactSum()
    for i in items { s.add(i.points) }
    return s.value
  }
}

/// `gep calc credit`.
public enum CreditCalculator {
  /// Scores a contribution table (CSV: `holder,contribution,amount,evidence`).
  ///
  /// - Throws: `InputProblems` for every bad row at once: unknown contribution (listing the
  ///   rules), empty, non-numeric or negative amount, empty holder, empty evidence (a
  ///   contribution without its verification reference is not scored).
  public static func run(contributions: String, tables: CalculatorTables) throws -> CreditResult {
    let rows = try readUserTable(
      contributions, columns: ["holder", "contribution", "amount", "evidence"])
    var problems: [Problem] = []
    var grouped: [String: [String: [CreditLine]]] = [:]
    let known = tables.creditRules.keys.sorted().joined(separator: ", ")
    for r in rows {
      func at(_ c: String) -> ProblemLocation {
        ProblemLocation(file: contributions, row: r.line, column: c, value: r.text[c] ?? "")
      }
      let holder = r.text["holder"] ?? ""
      let id = r.text["contribution"] ?? ""
      var ok = true
      if holder.isEmpty {
        problems.append(Problem(.error, "credit.holder-empty", "holder is empty", at: at("holder")))
        ok = false
      }
      if (r.text["evidence"] ?? "").isEmpty {
        problems.append(
          Problem(
            .error, "credit.unverified",
            "evidence is empty: a contribution is scored only with its verification reference",
            at: at("evidence")))
        ok = false
      }
      let rule = tables.creditRules[id]
      if rule == nil {
        problems.append(
          Problem(
            .error, "credit.contribution-unknown",
            "no rule for '\(id)' in credit_rules.csv (rules: \(known))", at: at("contribution")))
        ok = false
      }
      let amount = PlainDecimal.parse(r.text["amount"] ?? "")
      if amount == nil || !(amount!.isFinite) || amount! < 0 {
        problems.append(
          Problem(.error, "credit.amount-invalid", "amount is a number ≥ 0", at: at("amount")))
        ok = false
      }
      guard ok, let rule, let amount else { continue }
      grouped[holder, default: [:]][id, default: []].append(
        CreditLine(
          contribution: id, amount: amount, pointsPerUnit: rule.numbers["points_per_unit"]!,
          cap: rule.numbers["cap_points"], deduction: rule.field("kind") == "deduction"))
    }
    if !problems.isEmpty { throw InputProblems(problems: problems) }
    return CreditResult(
      holders: grouped.keys.sorted().map { h in
        (
          h,
          grouped[h]!.keys.sorted().map { c in
            let ls = grouped[h]![c]!
            var amount = ExactSum()
            for l in ls { amount.add(l.amount) }
            return (tables.creditRules[c]!, amount.value, EcoCredit.points(ls))
          }
        )
      })
  }

  /// `credit.csv`: per holder and contribution the amount, rate, cap, points and rule source,
  /// then the holder's total.
  public static func csv(_ r: CreditResult) -> String {
    var out = csvLine([
      "holder", "contribution", "kind", "amount", "points_per_unit", "unit", "cap_points",
      "points", "source",
    ])
    for (h, items) in r.holders {
      for i in items {
        out += csvLine([
          h, i.rule.key, i.rule.field("kind"), formatNumber(i.amount),
          i.rule.field("points_per_unit"), i.rule.field("unit"), i.rule.field("cap_points"),
          formatNumber(i.points), i.rule.field("source"),
        ])
      }
      out += csvLine([
        h, "total", "", "", "", "points", "", formatNumber(CreditResult.total(items)), "",
      ])
    }
    return out
  }
}

/// `gep calc action`: an eco-action (a preset of `actions.csv`) as a class change over an area,
/// valued per year and over N years with the region's coefficients and mean factors.
///
/// Source: GEP-METHODS §10 (ecological gain of a class change); `VEPCalculator`.
public enum ActionCalculator {
  /// `action.csv`: per indicator the yearly change (physical and yuan) and the change over the
  /// period (× `factor`, the present-value factor of `presentValueFactor`), with the price and
  /// source; empty where not computable, and a total of the computable ones.
  public static func csv(_ lines: [CalculatorLine], years: Int, factor: Double) -> String {
    var out = csvLine([
      "indicator", "component", "physical_unit", "from_quantity", "to_quantity",
      "change_quantity", "change_value_yuan_per_year", "change_value_yuan_over_period",
      "years", "price_and_source", "note",
    ])
    var total = ExactSum()
    var any = false
    for l in lines {
      func f(_ v: Double?) -> String { v.map(formatNumber) ?? "" }
      let dq = l.from.flatMap { a in l.to.map { $0.quantity - a.quantity } }
      let dv = l.from.flatMap { a in l.to.map { $0.value - a.value } }
      if let dv {
        total.add(dv)
        any = true
      }
      out += csvLine([
        l.indicator, l.component, l.physicalUnit, f(l.from?.quantity), f(l.to?.quantity), f(dq),
        f(dv), f(dv.map { $0 * factor }), String(years), l.price, l.note,
      ])
    }
    out += csvLine([
      "total", "", "yuan", "", "", "", any ? formatNumber(total.value) : "",
      any ? formatNumber(total.value * factor) : "", String(years), "",
      "computable indicators only",
    ])
    return out
  }
}
