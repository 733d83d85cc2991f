import CSV
import Foundation

/// One data line of a coefficient CSV file, as text.
///
/// Source: ARCHITECTURE.md §5 (tables decoded at load time; locations carry the line number).
public struct CoefficientTableRow: Sendable, Hashable, Codable {
  /// 1-based line number in the file where this record starts (header = line 1).
  public var line: Int
  /// Fields in header order (short rows are padded with empty strings).
  public var values: [String]
}

/// A CSV file of a coefficient folder, kept as text so the checker and the diff see every cell.
///
/// Header names are trimmed and lower-cased (InVEST convention: case-insensitive headers).
public struct CoefficientTable: Sendable, Hashable, Codable {
  /// File name, e.g. `runoff_coefficient.csv`.
  public var file: String
  /// Table name: the file name without `.csv`.
  public var name: String { file.hasSuffix(".csv") ? String(file.dropLast(4)) : file }
  /// Column ids (trimmed, lower case) in file order.
  public var header: [String]
  /// Data rows (blank lines skipped).
  public var rows: [CoefficientTableRow]

  /// Creates a table from parts (used by tests and the diff).
  public init(file: String, header: [String], rows: [CoefficientTableRow]) {
    self.file = file
    self.header = header
    self.rows = rows
  }

  /// Index of a column id, or `nil`.
  public func columnIndex(_ column: String) -> Int? { header.firstIndex(of: column) }

  /// The text of `column` in `row`, untrimmed; "" if the column is absent.
  public func field(_ row: CoefficientTableRow, _ column: String) -> String {
    guard let index = columnIndex(column), index < row.values.count else { return "" }
    return row.values[index]
  }

  /// Reads a UTF-8 CSV file (a leading byte-order mark is ignored).
  ///
  /// - Returns: the table and the problems found while parsing (duplicate header names,
  ///   rows with the wrong number of fields).
  /// - Throws: `CoefficientError` with code `file.missing` or `file.unreadable`.
  public static func read(_ url: URL) throws(CoefficientError) -> (
    CoefficientTable, [CoefficientProblem]
  ) {
    let file = url.lastPathComponent
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw CoefficientError(
        CoefficientProblem(
          .error, .fileMissing, "file does not exist", at: CoefficientLocation(file: file)))
    }
    guard let data = FileManager.default.contents(atPath: url.path),
      let text = String(data: data, encoding: .utf8)
    else {
      throw CoefficientError(
        CoefficientProblem(
          .error, .fileUnreadable, "file cannot be read as UTF-8 text",
          at: CoefficientLocation(file: file)))
    }
    return parse(text, file: file)
  }

  /// Parses CSV text (RFC 4180 quoting; CR, LF or CRLF line ends) with yaslab/CSV.swift.
  ///
  /// Line numbers account for line breaks inside quoted fields.
  public static func parse(_ text: String, file: String) -> (
    CoefficientTable, [CoefficientProblem]
  ) {
    var body = text
    if body.hasPrefix("\u{FEFF}") { body.removeFirst() }
    var problems: [CoefficientProblem] = []
    var table = CoefficientTable(file: file, header: [], rows: [])
    guard !body.isEmpty, let reader = try? CSVReader(string: body, hasHeaderRow: false) else {
      problems.append(
        CoefficientProblem(
          .error, .columnMissing, "file is empty: no header line",
          at: CoefficientLocation(file: file, row: 1)))
      return (table, problems)
    }
    var line = 1
    var first = true
    while let fields = reader.next() {
      let start = line
      line += 1 + fields.reduce(0) { $0 + lineBreaks(in: $1) }
      if first {
        first = false
        table.header = fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var seen = Set<String>()
        for name in table.header where !seen.insert(name).inserted {
          problems.append(
            CoefficientProblem(
              .error, .columnDuplicate, "column '\(name)' appears more than once in the header",
              at: CoefficientLocation(file: file, row: start, column: name, value: name)))
        }
        continue
      }
      if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
      var values = fields
      if values.count != table.header.count {
        problems.append(
          CoefficientProblem(
            .error, .rowFieldCount,
            "line has \(values.count) fields but the header has \(table.header.count)",
            at: CoefficientLocation(file: file, row: start, value: fields.joined(separator: ","))))
        if values.count < table.header.count {
          values += Array(repeating: "", count: table.header.count - values.count)
        }
      }
      table.rows.append(CoefficientTableRow(line: start, values: values))
    }
    if first {
      problems.append(
        CoefficientProblem(
          .error, .columnMissing, "file is empty: no header line",
          at: CoefficientLocation(file: file, row: 1)))
    }
    return (table, problems)
  }

  /// Counts line breaks (CRLF counts once) inside a field.
  static func lineBreaks(in field: String) -> Int {
    var count = 0
    var previousCR = false
    for scalar in field.unicodeScalars {
      if scalar == "\r" {
        count += 1
        previousCR = true
      } else {
        if scalar == "\n" && !previousCR { count += 1 }
        previousCR = false
      }
    }
    return count
  }
}
