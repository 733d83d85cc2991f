import Foundation
import GEPCore

/// The relative change (b − a) / |a|, nil when a is 0 or either is missing.
func relativeChange(_ a: Double?, _ b: Double?) -> Double? {
  guard let a, let b, a != 0 else { return nil }
  return (b - a) / abs(a)
}

/// `change.csv`: one row per unit × indicator line (and the category totals `total_material`,
/// `total_regulating`, `total_cultural`, `total_gep` over the lines comparable in both years):
/// quantities, values at current prices and at constant prices of the base year, absolute and
/// relative changes, and the exact decomposition of each change into price, extent (land-use),
/// condition and — for lines without a class split — quantity effects (`ChangeDecomposition`;
/// the four effects sum to the change). A value not computed in a year is empty, never 0.
public func changeCSV(_ r: AccountComparison, bom: Bool) -> String {
  var out =
    (bom ? "\u{FEFF}" : "")
    + csvLine([
      "code", "name", "level", "match", "indicator", "component", "category", "physical_unit",
      "year_a", "year_b", "status_a", "status_b", "decomposition", "quantity_a", "quantity_b",
      "quantity_change", "quantity_change_rel", "value_a_yuan", "value_b_yuan", "change_yuan",
      "change_rel", "price_effect_yuan", "extent_effect_yuan", "condition_effect_yuan",
      "quantity_effect_yuan", "base_year", "value_a_const_yuan", "value_b_const_yuan",
      "change_const_yuan", "change_const_rel", "price_effect_const_yuan",
      "extent_effect_const_yuan", "condition_effect_const_yuan", "quantity_effect_const_yuan",
      "note",
    ])
  func n(_ x: Double?) -> String { x.map(formatNumber) ?? "" }
  for row in r.rows {
    let dq: Double? = row.quantityA.flatMap { a in row.quantityB.map { $0 - a } }
    let decomposed = row.current != nil
    out += csvLine([
      row.code, row.name, row.level, row.match, row.indicator, row.component, row.category,
      row.physicalUnit, String(r.yearA), String(r.yearB), row.statusA, row.statusB,
      row.decomposition?.rawValue
        ?? (row.indicator.hasPrefix("total_") && decomposed
          ? "sum" : ""),
      n(row.quantityA), n(row.quantityB), n(dq), n(relativeChange(row.quantityA, row.quantityB)),
      n(row.valueA), n(row.valueB), decomposed ? n(row.current?.total) : "",
      decomposed ? n(relativeChange(row.valueA, row.valueB)) : "",
      n(row.current?.price), n(row.current?.extent), n(row.current?.condition),
      n(row.current?.quantity), r.baseYear.map(String.init) ?? "", n(row.constantA),
      n(row.constantB), n(row.constant?.total),
      row.constant != nil ? n(relativeChange(row.constantA, row.constantB)) : "",
      n(row.constant?.price), n(row.constant?.extent), n(row.constant?.condition),
      n(row.constant?.quantity), row.note,
    ])
  }
  return out
}

/// The line of one unit's change for the console and the report: "江口县 520621000000 GEP
/// 2020 → 2024 at constant 2024 prices: +1.23 亿元 (+0.8 %) = price +0.00 + extent (land
/// use) −0.45 + condition (per-area quantities) +1.80 + quantity (table-based) −0.12 亿元".
///
/// - Parameter constant: at constant prices (else current).
public func changeSummaryLine(_ r: AccountComparison, code: String, constant: Bool) -> String? {
  guard let row = r.rows.first(where: { $0.code == code && $0.indicator == "total_gep" }),
    let e = constant ? row.constant : row.current
  else { return nil }
  let yi = UnitConversion.yi
  // A rounding residue (−1e-12 亿元) is written +0.00, not −0.00.
  func s(_ x: Double) -> String {
    let v = x / yi
    return String(format: "%+.2f", abs(v) < 0.005 ? 0 : v)
  }
  let a = constant ? row.constantA : row.valueA
  let b = constant ? row.constantB : row.valueB
  let rel = relativeChange(a, b).map { String(format: " (%+.2f %%)", $0 * 100) } ?? ""
  let prices =
    constant ? "at constant \(r.baseYear.map(String.init) ?? "?") prices" : "at current prices"
  let label = row.name == row.code ? row.code : "\(row.name) \(row.code)"
  return "\(label) GEP \(r.yearA) → \(r.yearB) \(prices): \(s(e.total)) 亿元\(rel) = price "
    + "\(s(e.price)) + extent (land use) \(s(e.extent)) + condition (per-area quantities) "
    + "\(s(e.condition)) + quantity (table-based indicators) \(s(e.quantity)) 亿元"
}

/// `compare-report.md`: the comparison's section of the account report — the accounts
/// compared, the price index and deflators, the county's change at constant and current
/// prices with its effects, the change by indicator and by township, units added and
/// removed, and the method (Shapley decomposition, its reference and conventions).
///
/// - Parameter transitions: the class-transition matrix when the years share one grid: the
///   county's land-use transitions (off the diagonal) are listed.
public func compareReport(
  _ r: AccountComparison, a: AccountSnapshot, b: AccountSnapshot,
  transitions: TransitionMatrix? = nil
) -> String {
  let yi = UnitConversion.yi
  func y(_ x: Double?) -> String { x.map { String(format: "%.4f", $0 / yi) } ?? "—" }
  func sy(_ x: Double?) -> String { x.map { String(format: "%+.4f", $0 / yi) } ?? "—" }
  var md = "# Change of the account, \(r.yearA) → \(r.yearB)\n\n"
  md += "| | \(r.yearA) (A) | \(r.yearB) (B) |\n|---|---|---|\n"
  md += "| account folder | `\(a.folder)` | `\(b.folder)` |\n"
  md += "| run file | `\(a.runFile)` | `\(b.runFile)` |\n"
  if let base = r.baseYear, let id = r.priceIndexID, let fA = r.deflatorA, let fB = r.deflatorB {
    md += "| deflator to \(base) prices (\(id), I_\(base) / I_year) | "
    md += "\(String(format: "%.6f", fA)) | \(String(format: "%.6f", fB)) |\n\n"
  } else {
    md += "\nConstant prices are not computed (no price index; see the warnings).\n\n"
  }
  let top = r.rows.first { $0.level == "county" && $0.indicator == "total_gep" }
  if let top {
    md += "## \(top.name) \(top.code)\n\n"
    for constant in [true, false] {
      if let line = changeSummaryLine(r, code: top.code, constant: constant) {
        md += "- \(line)\n"
      }
    }
    md += "\n### By indicator (亿元\(r.baseYear.map { ", constant \($0) prices" } ?? ""))\n\n"
    md += "| indicator | A | B | change | price | extent | condition | quantity | note |\n"
    md += "|---|---:|---:|---:|---:|---:|---:|---:|---|\n"
    for row in r.rows where row.code == top.code {
      let constant = r.baseYear != nil
      let e = constant ? row.constant : row.current
      let name = row.component.isEmpty ? row.indicator : "\(row.indicator) (\(row.component))"
      md += "| \(name) | \(y(constant ? row.constantA : row.valueA)) | "
      md += "\(y(constant ? row.constantB : row.valueB)) | \(sy(e?.total)) | \(sy(e?.price)) | "
      md += "\(sy(e?.extent)) | \(sy(e?.condition)) | \(sy(e?.quantity)) | "
      md += "\(row.note.replacingOccurrences(of: "|", with: "/")) |\n"
    }
  }
  let towns = r.rows.filter { $0.level == "township" && $0.indicator == "total_gep" }
  if !towns.isEmpty {
    md += "\n## Townships (GEP of the comparable lines, 亿元"
    md += r.baseYear.map { ", constant \($0) prices)\n\n" } ?? ")\n\n"
    md += "| code | name | A | B | change | % | price | extent | condition | quantity |\n"
    md += "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    for row in towns {
      let constant = r.baseYear != nil
      let e = constant ? row.constant : row.current
      let a = constant ? row.constantA : row.valueA
      let b = constant ? row.constantB : row.valueB
      let rel = relativeChange(a, b).map { String(format: "%+.2f", $0 * 100) } ?? "—"
      md += "| \(row.code) | \(row.name) | \(y(a)) | \(y(b)) | \(sy(e?.total)) | \(rel) | "
      md += "\(sy(e?.price)) | \(sy(e?.extent)) | \(sy(e?.condition)) | \(sy(e?.quantity)) |\n"
    }
  }
  if let transitions, let top, let cells = transitions.areas[top.code] {
    md += "\n## Land-use transitions of \(top.name), \(r.yearA) → \(r.yearB) (transitions.csv)\n\n"
    md += "| from | to | km² |\n|---|---|---:|\n"
    for (k, area) in cells.sorted(by: { $0.key < $1.key }) where k.from != k.to && area.raw != 0 {
      md += "| \(k.from) | \(k.to) | \(String(format: "%.4f", area.value / 1e6)) |\n"
    }
  }
  let unmatched = r.warnings.filter { $0.code.hasPrefix("compare.unit-") }
  md += "\n## Units added, removed or re-coded\n\n"
  md +=
    unmatched.isEmpty
    ? "None: every unit of one account is in the other (matched by code).\n"
    : unmatched.map { "- \($0.message)\n" }.joined()
  let other = r.warnings.filter { !$0.code.hasPrefix("compare.unit-") }
  if !other.isEmpty {
    md += "\n## Warnings\n\n" + other.map { "- [\($0.code)] \($0.message)\n" }.joined()
  }
  md += """

    ## Method

    Each value is V = Σ_c A_c · q_c · p over the level-1 ecosystem classes c of the unit
    (GEP-METHODS §3.1, §9.1): A_c the class area (summary.csv), q_c the physical quantity per
    area (the line's quantity shared by the class values of matrix.csv), p the unit price (the
    line's value over its quantity). Constant prices: V × I_base / I_year with the price index
    of the coefficient set (GEP-METHODS §7.1, P_t = P_base × I_t / I_base). The change is
    decomposed by the Shapley value of the factors, the "perfect decomposition" of Sun (1998,
    Energy Economics 20:85–100; Ang, Liu & Chew 2003, Energy Policy 31:1561–1566): exact (the
    effects sum to the change, no residual), defined with zeros and negative values. A class
    that appears or disappears counts as extent effect only (its per-area quantity in the year
    it is absent is taken from the other year). Lines without a class split (table-based:
    material products, recreation) are decomposed into price and quantity effects (V = p · Q;
    without a physical quantity, p is the price-index level). A parent unit is decomposed from
    its own class areas and quantities. Lines computed in one year only are reported and left
    out of the totals, never counted as 0.

    """
  return md
}
