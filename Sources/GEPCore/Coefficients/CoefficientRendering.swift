import Foundation

/// Plain-text renderings used by the `gep coefficients` and `gep profiles` commands.
///
/// Kept in GEPCore so they can be tested without the CLI. Source: ARCHITECTURE.md §7.
public enum CoefficientText {
  /// Every problem on its own line, then `N errors, M warnings`.
  /// Before the last line: the source summary (values filled, sourced, with range, by
  /// confidence) and, for a region set, its base and the rows it changes or adds.
  public static func checkReport(_ result: CoefficientCheckResult) -> String {
    var lines = result.problems.map(\.description)
    lines.append("\(result.set.profile.id): \(result.set.sourceSummary.description)")
    if let base = result.set.base {
      let overrides = result.set.overrides
      let count = { (kind: CoefficientOverride.Kind) in overrides.filter { $0.kind == kind }.count }
      lines.append(
        "extends \(base): \(count(.changed)) rows changed, \(count(.added)) added, "
          + "\(count(.restated)) restated unchanged")
      lines += overrides.filter { $0.kind != .restated }.map { "  \($0.description)" }
    }
    lines.append(
      "\(result.set.directory.path): \(result.errors.count) errors, "
        + "\(result.warnings.count) warnings")
    return lines.joined(separator: "\n")
  }

  /// One line per file: name and number of data rows.
  public static func tableList(_ set: CoefficientSet) -> String {
    let width = set.tables.map(\.file.count).max() ?? 0
    return set.tables.map { table in
      table.file.padding(toLength: width + 2, withPad: " ", startingAt: 0)
        + "\(table.rows.count) rows"
    }.joined(separator: "\n")
  }

  /// A table as aligned columns, with the file line number first.
  public static func table(_ table: CoefficientTable) -> String {
    let header = ["line"] + table.header
    let body = table.rows.map { ["\($0.line)"] + $0.values }
    var widths = header.map(\.count)
    for row in body {
      for (i, cell) in row.enumerated() where i < widths.count {
        widths[i] = max(widths[i], cell.count)
      }
    }
    func render(_ cells: [String]) -> String {
      cells.enumerated().map { i, cell in
        i < widths.count - 1 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) : cell
      }.joined(separator: "  ")
    }
    return ([render(header)] + body.map(render)).joined(separator: "\n")
  }

  /// Changes one per line, or `no differences`.
  public static func diffReport(_ changes: [CoefficientChange]) -> String {
    changes.isEmpty ? "no differences" : changes.map(\.description).joined(separator: "\n")
  }

  /// The profile's indicators: category, id, names, method, units and required inputs.
  public static func profile(_ profile: StandardProfile) -> String {
    var lines = ["\(profile.id): \(profile.name) \(profile.nameZH)"]
    for category in IndicatorCategory.allCases {
      let items = profile.indicators(in: category)
      guard !items.isEmpty else { continue }
      lines.append("")
      lines.append("[\(category.rawValue)]")
      for item in items {
        let optional = item.optional ? " (optional)" : ""
        lines.append("  \(item.id)\(optional): \(item.nameEN) \(item.nameZH)")
        lines.append(
          "    method: \(item.method) (options: \(item.methodOptions.joined(separator: ", ")))")
        lines.append("    units: \(item.physicalUnit) -> \(item.valueUnit)")
        if !item.requiredSpatial.isEmpty {
          lines.append("    spatial inputs: \(item.requiredSpatial.joined(separator: ", "))")
        }
        if !item.requiredTables.isEmpty {
          lines.append("    input tables: \(item.requiredTables.joined(separator: ", "))")
        }
        if !item.classParameters.isEmpty {
          let refs = item.classParameters.map { $0.map(\.description).joined(separator: "|") }
          lines.append("    class coefficients: \(refs.joined(separator: ", "))")
        }
        if !item.parameters.isEmpty {
          lines.append("    parameters: \(item.parameters.joined(separator: ", "))")
        }
        let prices =
          item.pricesFromInput ? "from input tables" : item.priceIDs.joined(separator: ", ")
        lines.append("    prices: \(prices)")
      }
    }
    return lines.joined(separator: "\n")
  }
}
