import Foundation

/// One row of a region's coefficient set that replaces or adds to a row of the set it extends
/// (manifest key `extends`).
///
/// Keys: per-class tables `class_code|parameter|condition`; `parameters.csv` `parameter_id`;
/// `prices.csv` `price_id`; `price_index.csv` `index_id|year`; `ecosystem_classes.csv`
/// `class_code`; crosswalks `lulc_code`; `profile.csv` `indicator_id`; `manifest.csv` `key`.
/// Source: issue 13 ("a region's set overrides the reference set row by row, and the manifest
/// records which rows were overridden").
public struct CoefficientOverride: Sendable, Hashable, Codable, CustomStringConvertible {
  /// What the region row does to the base.
  public enum Kind: String, Sendable, Hashable, Codable {
    /// The base has the key and the region row differs in value, range, unit or provenance.
    case changed
    /// The base has the key and the region row is identical (e.g. a copy from `init`).
    case restated
    /// The base lacks the key: the row is new.
    case added
  }
  /// File name, e.g. `runoff_coefficient.csv`.
  public var file: String
  /// Row key (see the type's documentation).
  public var key: String
  /// Changed, restated or added.
  public var kind: Kind
  /// The base row's value as text ("" if empty or added).
  public var baseValue: String
  /// The region row's value as text ("" if empty).
  public var value: String
  /// Where the base row was (`<base>/<file>` and line), `nil` for added rows.
  public var baseLocation: CoefficientLocation?
  /// Where the region row is.
  public var location: CoefficientLocation

  /// `runoff_coefficient.csv [101|alpha|] changed: 4.65 → 5.0 (reference/runoff_….csv:3)`.
  public var description: String {
    let change = kind == .added ? "added: \(value)" : "\(kind.rawValue): \(baseValue) → \(value)"
    let from = baseLocation.map { " (\($0.file):\($0.row ?? 0))" } ?? ""
    return "\(file) [\(key)] \(change)\(from)"
  }
}

/// How many values of a set are filled, sourced and at which confidence level — the summary of
/// `gep coefficients check`.
///
/// Value rows are those of the per-class tables, `parameters.csv` and `prices.csv`; rows of unit
/// `flag` (class masks, `applies`, `water_surface`) are counted apart as `flags`.
/// Source: issue 13 (check reports per set how many values are sourced, by confidence).
public struct CoefficientSourceSummary: Sendable, Hashable, Codable {
  /// Value rows (excluding flags).
  public var values = 0
  /// Value rows with a number.
  public var filled = 0
  /// Filled value rows with a non-empty source.
  public var sourced = 0
  /// Filled value rows with a `low`–`high` range.
  public var withRange = 0
  /// Filled value rows by confidence level.
  public var byConfidence: [ValueConfidence: Int] = [:]
  /// Flag rows (class masks).
  public var flags = 0
  /// Price-index rows with a number / without.
  public var indexRows = 0
  /// Price-index rows left empty (documented gaps).
  public var indexGaps = 0

  /// `values: 120 (filled 118, sourced 118, with range 60; normative_standard 3, …); flags 20`.
  public var description: String {
    let levels = ValueConfidence.allCases.map { "\($0.rawValue) \(byConfidence[$0] ?? 0)" }
    var text =
      "values: \(values) (filled \(filled), sourced \(sourced), empty \(values - filled), "
      + "with low-high range \(withRange); by confidence: \(levels.joined(separator: ", "))); "
      + "class flags: \(flags)"
    if indexRows + indexGaps > 0 {
      text += "; price-index years: \(indexRows) (empty \(indexGaps))"
    }
    return text
  }
}

extension CoefficientSet {
  /// Counts of filled, sourced and ranged values by confidence (see `CoefficientSourceSummary`).
  public var sourceSummary: CoefficientSourceSummary {
    var summary = CoefficientSourceSummary()
    func count(value: Double?, unit: String, low: Double?, provenance: CoefficientProvenance) {
      if unit == "flag" {
        summary.flags += 1
        return
      }
      summary.values += 1
      guard value != nil else { return }
      summary.filled += 1
      if !provenance.source.isEmpty { summary.sourced += 1 }
      if low != nil { summary.withRange += 1 }
      if let level = provenance.valueConfidence { summary.byConfidence[level, default: 0] += 1 }
    }
    for name in classTables.keys.sorted() {
      for row in classTables[name]?.rows ?? [] {
        count(value: row.value, unit: row.unit, low: row.low, provenance: row.provenance)
      }
    }
    for parameter in parameters.values {
      count(
        value: parameter.value, unit: parameter.unit, low: parameter.low,
        provenance: parameter.provenance)
    }
    for price in prices.values {
      count(value: price.value, unit: price.unit, low: price.low, provenance: price.provenance)
    }
    for series in priceIndices.values {
      for cell in series.values.values {
        if cell == nil { summary.indexGaps += 1 } else { summary.indexRows += 1 }
      }
    }
    return summary
  }

  /// Where the manifest key `extends` of the set in `directory` points: a folder name is a
  /// sibling of `directory` (e.g. `reference` → `../reference`), a value with `/` a path
  /// relative to `directory` (or absolute).
  public static func baseDirectory(extends value: String, of directory: URL) -> URL {
    if value.hasPrefix("/") { return URL(fileURLWithPath: value) }
    if value.contains("/") {
      return directory.appendingPathComponent(value).standardizedFileURL
    }
    return directory.deletingLastPathComponent().appendingPathComponent(value)
  }
}

/// Errors of `CoefficientSet.writeEditableCopy(of:to:)`.
public enum CoefficientCopyError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The target exists and is not an empty folder (nothing is overwritten or deleted).
  case targetNotEmpty(String)
  /// The target exists and is a file.
  case targetIsFile(String)
  /// A file could not be written (path, reason).
  case writeFailed(String, String)

  /// One sentence naming the path.
  public var description: String {
    switch self {
    case .targetNotEmpty(let path):
      return "'\(path)' exists and is not empty: choose a new folder (nothing was changed)"
    case .targetIsFile(let path): return "'\(path)' is a file, not a folder"
    case .writeFailed(let path, let reason): return "cannot write '\(path)': \(reason)"
    }
  }
}

extension CoefficientSet {
  /// Writes an editable region copy of the set in `source` to the new folder `target`: every
  /// CSV file of the source byte for byte, except `manifest.csv`, whose `extends` key is set to
  /// the source (so every copied row is a `restated` override until edited) and whose
  /// `profile_id` / `name` say it is a region copy; plus a README.md saying how to edit.
  ///
  /// Refuses a `target` that exists and is not an empty folder; never deletes anything. A
  /// failure half-way leaves the files written so far (in the new folder only).
  /// - Parameters:
  ///   - source: the coefficient folder to copy (e.g. `coefficients/reference`).
  ///   - target: the new folder (created with intermediate folders).
  ///   - extendsValue: the value written to `extends` (default: the source folder name when
  ///     `target` is a sibling, else the source's absolute path).
  /// - Returns: the files written, sorted.
  /// - Throws: `CoefficientCopyError`.
  @discardableResult
  public static func writeEditableCopy(of source: URL, to target: URL, extendsValue: String? = nil)
    throws(CoefficientCopyError) -> [String]
  {
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    if fm.fileExists(atPath: target.path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { throw .targetIsFile(target.path) }
      let entries = (try? fm.contentsOfDirectory(atPath: target.path)) ?? ["?"]
      guard entries.isEmpty else { throw .targetNotEmpty(target.path) }
    }
    do {
      try fm.createDirectory(at: target, withIntermediateDirectories: true)
    } catch {
      throw .writeFailed(target.path, "\(error.localizedDescription)")
    }
    let sameParent =
      source.standardizedFileURL.deletingLastPathComponent().path
      == target.standardizedFileURL.deletingLastPathComponent().path
    let base =
      extendsValue ?? (sameParent ? source.lastPathComponent : source.standardizedFileURL.path)
    let names = ((try? fm.contentsOfDirectory(atPath: source.path)) ?? []).filter {
      $0.hasSuffix(".csv")
    }.sorted()
    var written: [String] = []
    for name in names {
      let from = source.appendingPathComponent(name)
      let to = target.appendingPathComponent(name)
      do {
        if name == "manifest.csv" {
          let text = try String(contentsOf: from, encoding: .utf8)
          try regionManifest(text, base: base).write(to: to, atomically: true, encoding: .utf8)
        } else {
          try fm.copyItem(at: from, to: to)
        }
      } catch {
        throw .writeFailed(to.path, "\(error.localizedDescription)")
      }
      written.append(name)
    }
    let readme = """
      # Region coefficient set (copy of `\(base)`)

      Written by `gep coefficients init`. This folder **extends** `\(base)` (manifest key
      `extends`): every row here replaces the row of `\(base)` with the same key (per-class
      tables: class_code, parameter, condition; parameters.csv: parameter_id; prices.csv:
      price_id), and rows of `\(base)` that this folder lacks are inherited. Edit the values
      you measured for your region (value, low, high, unit, region, year / price_year,
      source, confidence); delete rows you keep from `\(base)` if you like.
      `gep coefficients check` lists which rows are changed, restated or added, and
      `gep coefficients gaps RUN_FILE` which values a run still lacks or takes from a
      placeholder or another region. See coefficients/README.md.

      """
    do {
      try readme.write(
        to: target.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
    } catch {
      throw .writeFailed(target.appendingPathComponent("README.md").path, "\(error)")
    }
    written.append("README.md")
    return written.sorted()
  }

  /// The manifest text of a region copy: `extends` set to `base`, `profile_id` kept, `name`
  /// prefixed with "Region copy of"; other keys kept. CSV quoting as in the source.
  static func regionManifest(_ text: String, base: String) -> String {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines.removeAll { $0.hasPrefix("extends,") }
    if let index = lines.firstIndex(where: { $0.hasPrefix("name,") }) {
      let value = String(lines[index].dropFirst("name,".count))
      let unquoted =
        value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2
        ? String(value.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
        : value
      let name = "Region copy of: \(unquoted)".replacingOccurrences(of: "\"", with: "\"\"")
      lines[index] = "name,\"\(name)\""
    }
    let insertAt = lines.firstIndex { $0.hasPrefix("name,") }.map { $0 + 1 } ?? 1
    let quotedBase = base.contains(",") ? "\"\(base)\"" : base
    lines.insert("extends,\(quotedBase)", at: min(insertAt, lines.count))
    return lines.joined(separator: "\n")
  }
}
