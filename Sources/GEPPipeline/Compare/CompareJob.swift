import Foundation
import GEPCore
import GEPGeo

/// Options of `gep compare`.
public struct CompareOptions: Sendable {
  /// Output folder (`change.csv`, `compare-report.md`); nil: nothing written.
  public var output: String?
  /// The constant-price base year; nil: the later account's year.
  public var baseYear: Int?
  /// The price-index series (`price_index.csv` `index_id`); nil: the later account's
  /// coefficient set's `price_index` (manifest.csv).
  public var priceIndex: String?
  /// Replace an existing output folder (the rules of `OutputFolder`).
  public var overwrite: Bool
  /// Prefix CSV files with a UTF-8 BOM.
  public var bom: Bool

  /// Creates options.
  public init(
    output: String? = nil, baseYear: Int? = nil, priceIndex: String? = nil,
    overwrite: Bool = false, bom: Bool = false
  ) {
    self.output = output
    self.baseYear = baseYear
    self.priceIndex = priceIndex
    self.overwrite = overwrite
    self.bom = bom
  }
}

/// How a line's change was decomposed (the `decomposition` column of change.csv).
public enum DecompositionKind: String, Sendable {
  /// V = Σ_c A_c · q_c · p by level-1 ecosystem class: price, extent and condition effects
  /// (Shapley, `ChangeDecomposition.classSplit`).
  case byClass = "shapley_price_extent_condition"
  /// V = p · Q without a class split (table-based lines): price and quantity effects.
  case unitLevel = "shapley_price_quantity"
  /// V = D · R without a physical quantity (material products given as output values): price
  /// index level D and value at base-year prices R.
  case unitLevelIndex = "shapley_price_index_real_value"
}

/// One row of change.csv: one unit × indicator line (or a category total) in two years.
public struct ChangeRow: Sendable {
  /// Unit code, name, level.
  public var code: String
  /// Unit name (the later year's when both have it).
  public var name: String
  /// Level label.
  public var level: String
  /// `matched`, `added` (only in the later account) or `removed` (only in the earlier).
  public var match: String
  /// Indicator id, or `total_material`, `total_regulating`, `total_cultural`, `total_gep` for
  /// the sums of the comparable lines.
  public var indicator: String
  /// Component.
  public var component: String
  /// Category.
  public var category: String
  /// Physical unit.
  public var physicalUnit: String
  /// Statuses in A and B ("" where the unit or line is absent).
  public var statusA: String
  /// Status in B.
  public var statusB: String
  /// The decomposition used; nil when not comparable.
  public var decomposition: DecompositionKind?
  /// Physical quantities.
  public var quantityA: Double?
  /// Physical quantity in B.
  public var quantityB: Double?
  /// Values at current prices, yuan.
  public var valueA: Double?
  /// Value in B at current prices.
  public var valueB: Double?
  /// Values at constant prices of the base year, yuan.
  public var constantA: Double?
  /// Value in B at constant prices.
  public var constantB: Double?
  /// Effects of the change at current prices.
  public var current: ChangeDecomposition.Effects?
  /// Effects of the change at constant prices.
  public var constant: ChangeDecomposition.Effects?
  /// Why a value is empty, what is partial, which lines a total leaves out.
  public var note: String
}

/// The result of a comparison.
public struct AccountComparison: Sendable {
  /// The earlier and later accounting years (A, B).
  public var yearA: Int
  /// The later year.
  public var yearB: Int
  /// The constant-price base year, nil when no price index could be used.
  public var baseYear: Int?
  /// The price-index series used.
  public var priceIndexID: String?
  /// The deflators f_t = I_base / I_t of A and B.
  public var deflatorA: Double?
  /// The deflator of B.
  public var deflatorB: Double?
  /// Rows, in unit order (B's, then units only in A), lines in B's order.
  public var rows: [ChangeRow]
  /// Warnings (units added or removed, possibly re-coded, prices not indexed).
  public var warnings: [Problem]
  /// The output folder written, nil when none.
  public var output: String?
}

/// `gep compare A B`: the change of the account between two years, per unit and indicator, at
/// current and constant prices, with the exact decomposition of each change into price,
/// extent (land use) and condition effects (`ChangeDecomposition`, Shapley; GEP-METHODS §3.1,
/// §7.1, §9.1). Units are matched by code; added and removed units are reported, never
/// dropped; a value not computed in a year stays empty.
public enum CompareJob {
  /// Compares two account folders.
  ///
  /// - Parameters:
  ///   - a, b: the account folders (`gep compute` outputs); they are ordered by accounting year.
  ///   - options: output folder, base year, price index.
  /// - Returns: the comparison, written to `options.output` when set.
  /// - Throws: `InputProblems` naming the file, year or series that is missing.
  public static func run(a: String, b: String, options: CompareOptions) throws -> AccountComparison
  {
    var first = try AccountSnapshot.read(folder: a)
    var second = try AccountSnapshot.read(folder: b)
    if first.year > second.year { swap(&first, &second) }
    var result = try compare(first, second, options: options)
    if let out = options.output {
      // The class-transition matrix when both years share one grid and one unit layer.
      var matrix: TransitionMatrix? = nil
      switch runConfigurations(first, second) {
      case .failure(let why):
        result.warnings.append(
          Problem(
            .warning, "compare.no-transitions", "transitions.csv is not written: \(why)",
            at: ProblemLocation(file: second.folder + "/manifest.json")))
      case .success(let (ca, cb)):
        if let why = TransitionMatrix.incompatibility(ca, cb) {
          result.warnings.append(
            Problem(
              .warning, "compare.no-transitions", "transitions.csv is not written: \(why)",
              at: ProblemLocation(file: cb.landUse.path)))
        } else {
          matrix = try TransitionMatrix.compute(ca, cb)
        }
      }
      let folder = try OutputFolder(path: out, overwrite: options.overwrite)
      do {
        if let matrix {
          try Data(
            transitionsCSV(matrix, comparison: result, a: first, b: second, bom: options.bom)
              .utf8
          ).write(to: folder.file("transitions.csv"))
        }
        try Data(changeCSV(result, bom: options.bom).utf8).write(
          to: folder.file("change.csv"))
        try Data(compareReport(result, a: first, b: second, transitions: matrix).utf8).write(
          to: folder.file("compare-report.md"))
        try folder.commit()
      } catch {
        folder.discard()
        throw error
      }
      result.output = folder.destination.path
    }
    return result
  }

  /// A failure with its reason, for `Result`.
  struct Reason: Error, CustomStringConvertible {
    let description: String
  }

  /// The one-year runs of two accounts, re-read from the run files their manifests record
  /// (`forYear` for a multi-year run file), when their land-use rasters are still the files
  /// the accounts read (path and SHA-256 of the manifest).
  static func runConfigurations(_ a: AccountSnapshot, _ b: AccountSnapshot) -> Result<
    (RunConfiguration, RunConfiguration), Reason
  > {
    var out: [RunConfiguration] = []
    for s in [a, b] {
      guard let c = try? RunConfiguration.load(path: s.runFile) else {
        return .failure(
          Reason(description: "the run file \(s.runFile) of \(s.year) cannot be read"))
      }
      let config = c.years.isEmpty ? c : c.forYear(s.year)
      guard let recorded = s.inputs["landuse"], recorded.path == config.landUse.path,
        let now = try? sha256Hex(path: config.landUse.path), now == recorded.sha256
      else {
        return .failure(
          Reason(
            description: "the land use of \(s.year) is no longer the file its account read "
              + "(path or SHA-256 differs from the manifest)"))
      }
      out.append(config)
    }
    return .success((out[0], out[1]))
  }

  /// The deflator f = I_base / I_year of a series of a coefficient folder.
  static func deflator(
    _ set: CoefficientSet, series: String, year: Int, base: Int
  ) throws(PriceIndexingError) -> Double {
    guard let s = set.priceIndices[series] else { throw .indexMissing(series) }
    let (from, to) = try s.levels(from: year, to: base)
    return to / from
  }

  /// Compares two snapshots (A earlier than or the same year as B).
  ///
  /// - Throws: `InputProblems` when the base year is given but the index cannot reach it.
  public static func compare(
    _ a: AccountSnapshot, _ b: AccountSnapshot, options: CompareOptions
  ) throws -> AccountComparison {
    var d = Diagnostics()
    // Constant prices: the later account's coefficient set's price index.
    let base = options.baseYear ?? b.year
    var fA: Double? = nil
    var fB: Double? = nil
    var seriesID: String? = nil
    let coefFolder = b.coefficientsFolder
    if let set = try? CoefficientSet.load(from: URL(fileURLWithPath: coefFolder)) {
      seriesID = options.priceIndex ?? set.manifest["price_index"].flatMap { $0.isEmpty ? nil : $0 }
      if let id = seriesID {
        do {
          fA = try deflator(set, series: id, year: a.year, base: base)
          fB = try deflator(set, series: id, year: b.year, base: base)
        } catch {
          if options.baseYear != nil || options.priceIndex != nil {
            throw InputProblems(problems: [
              Problem(
                .error, "compare.price-index",
                "cannot bring \(a.year) and \(b.year) to \(base) prices: \(error)",
                at: ProblemLocation(file: coefFolder + "/price_index.csv"))
            ])
          }
          d.warning(
            "compare.no-constant-prices",
            "constant prices are not computed: \(error)",
            at: ProblemLocation(file: coefFolder + "/price_index.csv"))
        }
        // The index table read now must be the one the account used.
        let role = "coefficients.price_index.csv"
        if let recorded = b.inputs[role]?.sha256, !recorded.isEmpty,
          let now = try? sha256Hex(path: coefFolder + "/price_index.csv"), now != recorded
        {
          d.warning(
            "compare.index-changed",
            "price_index.csv differs from the one the \(b.year) account recorded (SHA-256)",
            at: ProblemLocation(file: coefFolder + "/price_index.csv"))
        }
      } else {
        d.warning(
          "compare.no-constant-prices",
          "the coefficient set names no price_index (manifest.csv): constant prices are not "
            + "computed; use --price-index",
          at: ProblemLocation(file: coefFolder + "/manifest.csv"))
      }
    } else {
      d.warning(
        "compare.no-constant-prices",
        "the coefficient folder recorded by the \(b.year) account cannot be read: constant "
          + "prices are not computed",
        at: ProblemLocation(file: coefFolder))
    }
    for (s, label) in [(a, a.year), (b, b.year)] where !s.otherYearPrices.isEmpty {
      d.warning(
        "compare.prices-not-indexed",
        "the \(label) account used prices of another year without indexing them (its "
          + "prices.other-year warning): its constant-price values treat them as \(label) "
          + "prices",
        at: ProblemLocation(file: s.folder + "/manifest.json"))
    }
    if a.classKeys.map(\.key) != b.classKeys.map(\.key) {
      d.warning(
        "compare.classes-differ",
        "the two accounts have different level-1 classes ("
          + a.classKeys.map(\.key).joined(separator: ", ") + " / "
          + b.classKeys.map(\.key).joined(separator: ", ")
          + "): a class of one year only counts as appearing or disappearing",
        at: ProblemLocation(file: b.folder + "/summary.csv"))
    }
    let classKeys =
      b.classKeys.map(\.key)
      + a.classKeys.map(\.key).filter { k in
        !b.classKeys.contains { $0.key == k }
      }

    var rows: [ChangeRow] = []
    let aByCode = Dictionary(a.units.map { ($0.code, $0) }, uniquingKeysWith: { x, _ in x })
    let bCodes = Set(b.units.map(\.code))
    var added: [SnapshotUnit] = []
    var removed: [SnapshotUnit] = []
    for ub in b.units {
      if let ua = aByCode[ub.code] {
        rows += unitRows(ua, ub, classKeys: classKeys, fA: fA, fB: fB)
      } else {
        added.append(ub)
        rows += unmatchedRows(ub, added: true, f: fB)
      }
    }
    for ua in a.units where !bCodes.contains(ua.code) {
      removed.append(ua)
      rows += unmatchedRows(ua, added: false, f: fA)
    }
    // Added and removed units, and pairs that look like a re-coding (same name and level).
    for u in removed {
      let twin = added.first { $0.name == u.name && $0.level == u.level }
      d.warning(
        twin == nil ? "compare.unit-removed" : "compare.unit-recoded",
        twin.map {
          "\(u.level) \(u.name) has code \(u.code) in \(a.year) and \($0.code) in \(b.year) "
            + "(same name and level: re-coded?); compared as removed and added"
        } ?? "\(u.level) \(u.code) \(u.name) is in the \(a.year) account only (removed)",
        at: ProblemLocation(file: a.folder + "/summary.csv", value: u.code))
    }
    for u in added where !removed.contains(where: { $0.name == u.name && $0.level == u.level }) {
      d.warning(
        "compare.unit-added",
        "\(u.level) \(u.code) \(u.name) is in the \(b.year) account only (added)",
        at: ProblemLocation(file: b.folder + "/summary.csv", value: u.code))
    }
    return AccountComparison(
      yearA: a.year, yearB: b.year, baseYear: fA == nil ? nil : base,
      priceIndexID: fA == nil ? nil : seriesID, deflatorA: fA, deflatorB: fB, rows: rows,
      warnings: d.problems, output: nil)
  }

  /// The rows of a unit present in both years: one per line (B's order, then A's extra
  /// lines), then the category totals over the lines comparable in both years.
  static func unitRows(
    _ ua: SnapshotUnit, _ ub: SnapshotUnit, classKeys: [String], fA: Double?, fB: Double?
  ) -> [ChangeRow] {
    var keys: [(String, String)] = ub.lines.map { ($0.indicator, $0.component) }
    for l in ua.lines where !keys.contains(where: { $0 == (l.indicator, l.component) }) {
      keys.append((l.indicator, l.component))
    }
    var rows: [ChangeRow] = []
    for (id, comp) in keys {
      let la = ua.lines.first { $0.indicator == id && $0.component == comp }
      let lb = ub.lines.first { $0.indicator == id && $0.component == comp }
      rows.append(
        lineRow(
          ua: ua, ub: ub, la: la, lb: lb, indicator: id, component: comp, classKeys: classKeys,
          fA: fA, fB: fB))
    }
    // Totals: the sums of the comparable lines (effects add exactly).
    for (cat, id) in [
      ("material", "total_material"), ("regulating", "total_regulating"),
      ("cultural", "total_cultural"), ("", "total_gep"),
    ] {
      let members = rows.filter {
        !$0.indicator.hasPrefix("total_") && (cat.isEmpty || $0.category == cat)
      }
      let used = members.filter { $0.decomposition != nil }
      let left = members.filter { r in
        r.decomposition == nil && (r.valueA != nil || r.valueB != nil)
      }
      var row = ChangeRow(
        code: ub.code, name: ub.name, level: ub.level, match: "matched", indicator: id,
        component: "", category: cat, physicalUnit: "", statusA: "", statusB: "",
        decomposition: nil, note: "")
      if !used.isEmpty {
        func sum(_ f: (ChangeRow) -> Double?) -> Double? {
          var s = ExactSum()
          for r in used {
            guard let v = f(r) else { return nil }
            s.add(v)
          }
          return s.value
        }
        row.valueA = sum(\.valueA)
        row.valueB = sum(\.valueB)
        row.constantA = sum(\.constantA)
        row.constantB = sum(\.constantB)
        row.current = used.compactMap(\.current).reduce(ChangeDecomposition.Effects(), +)
        if used.allSatisfy({ $0.constant != nil }) {
          row.constant = used.compactMap(\.constant).reduce(ChangeDecomposition.Effects(), +)
        }
        row.statusA = "computed"
        row.statusB = "computed"
      } else {
        row.statusA = "not_computed"
        row.statusB = "not_computed"
      }
      row.note =
        "sum over the \(used.count) line(s) computed in both years"
        + (left.isEmpty
          ? ""
          : "; not comparable (left out): "
            + left.map { r in
              (r.component.isEmpty ? r.indicator : "\(r.indicator) (\(r.component))")
                + " [\(r.statusA.isEmpty ? "absent" : r.statusA) → "
                + "\(r.statusB.isEmpty ? "absent" : r.statusB)]"
            }.joined(separator: ", "))
      rows.append(row)
    }
    return rows
  }

  /// One line of a matched unit.
  static func lineRow(
    ua: SnapshotUnit, ub: SnapshotUnit, la: SnapshotLine?, lb: SnapshotLine?, indicator: String,
    component: String, classKeys: [String], fA: Double?, fB: Double?
  ) -> ChangeRow {
    let ref = lb ?? la!
    var row = ChangeRow(
      code: ub.code, name: ub.name, level: ub.level, match: "matched", indicator: indicator,
      component: component, category: ref.category, physicalUnit: ref.physicalUnit,
      statusA: la?.status ?? "", statusB: lb?.status ?? "", decomposition: nil, note: "")
    // Quantities and values as the accounts show them (empty stays empty).
    if let la, la.comparable || la.status == "not_valued" { row.quantityA = la.quantity }
    if let lb, lb.comparable || lb.status == "not_valued" { row.quantityB = lb.quantity }
    if let la, la.comparable {
      row.valueA = la.value
      row.constantA = fA.flatMap { f in la.value.map { $0 * f } }
    }
    if let lb, lb.comparable {
      row.valueB = lb.value
      row.constantB = fB.flatMap { f in lb.value.map { $0 * f } }
    }
    guard let la, let lb, la.comparable, lb.comparable, let va = la.value, let vb = lb.value
    else {
      let sa = la?.status ?? "absent"
      let sb = lb?.status ?? "absent"
      let aOK = la?.comparable ?? false
      let bOK = lb?.comparable ?? false
      row.note =
        aOK && !bOK
        ? "computed in A only (\(sb) in B): no change computed"
        : (!aOK && bOK
          ? "computed in B only (\(sa) in A): no change computed"
          : "not computed in either year (\(sa) / \(sb))")
      if sa == "not_applicable" && sb == "not_applicable" { row.note = "not applicable" }
      return row
    }
    var notes: [String] = []
    if la.status == "partial" || lb.status == "partial" {
      notes.append(
        "partial in \([la.status == "partial" ? "A" : nil, lb.status == "partial" ? "B" : nil].compactMap { $0 }.joined(separator: " and ")): "
          + "the change includes the change of the computed share")
    }
    // Class split: the class values must add up to the line's value, else no class split.
    let split = !la.classValues.isEmpty || !lb.classValues.isEmpty
    func addsUp(_ l: SnapshotLine, _ v: Double) -> Bool {
      let s = l.classValues.values.reduce(0, +)
      return abs(s - v) <= 1e-9 * max(abs(v), 1)
    }
    let bySplit = split && addsUp(la, va) && addsUp(lb, vb)
    if split && !bySplit {
      notes.append(
        "the class values do not add up to the value (use-capped line): decomposed without "
          + "the class split")
    }
    // Unit price per year: value over quantity (current prices), or the price level.
    func unitPrice(_ l: SnapshotLine, _ v: Double) -> Double? {
      guard let q = l.quantity, q != 0 else { return nil }
      return v / q
    }
    let hasQuantity = la.quantity != nil && lb.quantity != nil
    func effects(_ f0: Double, _ f1: Double, constant: Bool) -> ChangeDecomposition.Effects {
      // Values in the prices of this decomposition: current (f = 1) or constant.
      let v0 = va * (constant ? f0 : 1)
      let v1 = vb * (constant ? f1 : 1)
      var p0: Double?
      var p1: Double?
      if hasQuantity {
        p0 = unitPrice(la, va).map { $0 * (constant ? f0 : 1) }
        p1 = unitPrice(lb, vb).map { $0 * (constant ? f1 : 1) }
      } else {
        // No physical quantity: the price level relative to the base year, D = 1 / f.
        p0 = constant ? 1 : 1 / f0
        p1 = constant ? 1 : 1 / f1
      }
      if bySplit {
        let classes: [(ChangeDecomposition.ClassYear?, ChangeDecomposition.ClassYear?)] =
          classKeys.map { k in
            let a0 = ua.classAreas[k] ?? 0
            let a1 = ub.classAreas[k] ?? 0
            let c0 =
              a0 > 0 || la.classValues[k] != nil
              ? ChangeDecomposition.ClassYear(
                area: a0, value: (la.classValues[k] ?? 0) * (constant ? f0 : 1)) : nil
            let c1 =
              a1 > 0 || lb.classValues[k] != nil
              ? ChangeDecomposition.ClassYear(
                area: a1, value: (lb.classValues[k] ?? 0) * (constant ? f1 : 1)) : nil
            return (c0, c1)
          }
        return ChangeDecomposition.classSplit(classes: classes, price0: p0, price1: p1)
      }
      return ChangeDecomposition.unitLevel(value0: v0, value1: v1, price0: p0, price1: p1)
    }
    row.decomposition =
      bySplit ? .byClass : (hasQuantity ? .unitLevel : .unitLevelIndex)
    if !bySplit {
      notes.append(
        hasQuantity
          ? "no class split: price and quantity effects"
          : "no physical quantity and no class split: price-index and real-value effects")
    }
    if let fA, let fB {
      row.current = effects(fA, fB, constant: false)
      row.constant = effects(fA, fB, constant: true)
    } else {
      // No index: current prices only; a line without quantity is then all quantity.
      row.current = effects(1, 1, constant: false)
      if !hasQuantity && !bySplit { row.current = ChangeDecomposition.Effects(quantity: vb - va) }
    }
    row.note = notes.joined(separator: "; ")
    return row
  }

  /// The rows of a unit present in one year only: its values, no change, then its GEP over
  /// its computed lines (`total_gep`), so that a unit's value never disappears from the table.
  static func unmatchedRows(_ u: SnapshotUnit, added: Bool, f: Double?) -> [ChangeRow] {
    var rows = unmatchedLines(u, added: added, f: f)
    var total = ChangeRow(
      code: u.code, name: u.name, level: u.level, match: added ? "added" : "removed",
      indicator: "total_gep", component: "", category: "", physicalUnit: "",
      statusA: added ? "" : "computed", statusB: added ? "computed" : "",
      decomposition: nil,
      note: "sum over the unit's computed lines; unit only in "
        + (added ? "B (added)" : "A (removed)"))
    let values = rows.compactMap { added ? $0.valueB : $0.valueA }
    var s = ExactSum()
    for v in values { s.add(v) }
    let value: Double? = values.isEmpty ? nil : s.value
    if added {
      total.valueB = value
      total.constantB = f.flatMap { f in value.map { $0 * f } }
    } else {
      total.valueA = value
      total.constantA = f.flatMap { f in value.map { $0 * f } }
    }
    rows.append(total)
    return rows
  }

  /// The line rows of a unit present in one year only.
  static func unmatchedLines(_ u: SnapshotUnit, added: Bool, f: Double?) -> [ChangeRow] {
    u.lines.map { l in
      var row = ChangeRow(
        code: u.code, name: u.name, level: u.level, match: added ? "added" : "removed",
        indicator: l.indicator, component: l.component, category: l.category,
        physicalUnit: l.physicalUnit, statusA: added ? "" : l.status,
        statusB: added ? l.status : "", decomposition: nil,
        note: added
          ? "unit only in B (added): no change computed"
          : "unit only in A (removed): no change computed")
      let v = l.comparable ? l.value : nil
      let q = l.comparable || l.status == "not_valued" ? l.quantity : nil
      if added {
        row.valueB = v
        row.quantityB = q
        row.constantB = f.flatMap { f in v.map { $0 * f } }
      } else {
        row.valueA = v
        row.quantityA = q
        row.constantA = f.flatMap { f in v.map { $0 * f } }
      }
      return row
    }
  }
}
