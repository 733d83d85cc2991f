import Foundation

/// One difference between two coefficient sets, per table and per key.
///
/// Source: FIELD-LESSONS.md §1 ("coefficient/price files as versioned, provenance-carrying inputs
/// … with unit checking and diffs between coefficient sets").
public struct CoefficientChange: Sendable, Hashable, Codable, CustomStringConvertible {
  /// What happened to the key (or the whole file).
  public enum Kind: String, Sendable, Hashable, Codable {
    /// The key exists only in the new set.
    case added
    /// The key exists only in the old set.
    case removed
    /// Some cells of the key differ.
    case changed
    /// The file exists only in the new set.
    case tableAdded = "table-added"
    /// The file exists only in the old set.
    case tableRemoved = "table-removed"
  }
  /// A changed cell.
  public struct Field: Sendable, Hashable, Codable {
    /// Column id.
    public var column: String
    /// Text in the first set ("" if the column is absent there).
    public var old: String
    /// Text in the second set.
    public var new: String
  }
  /// File name, e.g. `runoff_coefficient.csv`.
  public var file: String
  /// Row key, e.g. `101|alpha|` (class, parameter, condition) or `so2_treatment_cost`;
  /// "" for whole-table changes.
  public var key: String
  /// Added, removed, changed, or the whole table added/removed.
  public var kind: Kind
  /// Changed cells (for `.changed`), or every cell of the added/removed row.
  public var fields: [Field]
  /// Line in the first set (removed/changed) or the second set (added).
  public var line: Int?

  /// `file [key] changed: value 4.65 → 5.0; …`.
  public var description: String {
    let cells = fields.map { "\($0.column) '\($0.old)' → '\($0.new)'" }.joined(separator: "; ")
    let place = key.isEmpty ? file : "\(file) [\(key)]"
    return cells.isEmpty ? "\(place) \(kind.rawValue)" : "\(place) \(kind.rawValue): \(cells)"
  }
}

extension CoefficientSet {
  /// Key columns of a coefficient file (per-class tables: class, parameter, condition).
  public static func keyColumns(forFile file: String) -> [String] {
    switch file {
    case "manifest.csv": return ["key"]
    case "profile.csv": return ["indicator_id"]
    case "ecosystem_classes.csv": return ["class_code"]
    case "parameters.csv": return ["parameter_id"]
    case "prices.csv": return ["price_id"]
    case "price_index.csv": return ["index_id", "year"]
    default:
      return file.hasPrefix("crosswalk_")
        ? ["lulc_code"] : ["class_code", "parameter", "condition"]
    }
  }

  /// Differences from `self` (old) to `other` (new): tables added/removed, rows added/removed,
  /// and changed cells per key. Numbers compare by value (`4.65` equals `4.650`).
  ///
  /// - Returns: changes sorted by file, then key.
  public func diff(to other: CoefficientSet) -> [CoefficientChange] {
    var changes: [CoefficientChange] = []
    let oldTables = Dictionary(tables.map { ($0.file, $0) }) { a, _ in a }
    let newTables = Dictionary(other.tables.map { ($0.file, $0) }) { a, _ in a }
    for file in Set(oldTables.keys).union(newTables.keys).sorted() {
      guard let old = oldTables[file] else {
        changes.append(.init(file: file, key: "", kind: .tableAdded, fields: [], line: nil))
        continue
      }
      guard let new = newTables[file] else {
        changes.append(.init(file: file, key: "", kind: .tableRemoved, fields: [], line: nil))
        continue
      }
      changes += Self.diffRows(old, new)
    }
    return changes
  }

  static func diffRows(_ old: CoefficientTable, _ new: CoefficientTable) -> [CoefficientChange] {
    let keys = keyColumns(forFile: old.file)
    func key(_ table: CoefficientTable, _ row: CoefficientTableRow) -> String {
      keys.map { table.field(row, $0).trimmingCharacters(in: .whitespaces) }.joined(
        separator: "|")
    }
    let oldRows = Dictionary(old.rows.map { (key(old, $0), $0) }) { a, _ in a }
    let newRows = Dictionary(new.rows.map { (key(new, $0), $0) }) { a, _ in a }
    let columns = old.header + new.header.filter { !old.header.contains($0) }
    var changes: [CoefficientChange] = []
    for k in Set(oldRows.keys).union(newRows.keys).sorted() {
      switch (oldRows[k], newRows[k]) {
      case (nil, let added?):
        let fields = new.header.map {
          CoefficientChange.Field(column: $0, old: "", new: new.field(added, $0))
        }
        changes.append(
          .init(file: old.file, key: k, kind: .added, fields: fields, line: added.line))
      case (let removed?, nil):
        let fields = old.header.map {
          CoefficientChange.Field(column: $0, old: old.field(removed, $0), new: "")
        }
        changes.append(
          .init(file: old.file, key: k, kind: .removed, fields: fields, line: removed.line))
      case (let a?, let b?):
        var fields: [CoefficientChange.Field] = []
        for column in columns {
          let x = old.field(a, column).trimmingCharacters(in: .whitespaces)
          let y = new.field(b, column).trimmingCharacters(in: .whitespaces)
          if x == y { continue }
          if let u = PlainDecimal.parse(x), let v = PlainDecimal.parse(y), u == v { continue }
          fields.append(.init(column: column, old: x, new: y))
        }
        if !fields.isEmpty {
          changes.append(
            .init(file: old.file, key: k, kind: .changed, fields: fields, line: a.line))
        }
      case (nil, nil):
        break
      }
    }
    return changes
  }
}
