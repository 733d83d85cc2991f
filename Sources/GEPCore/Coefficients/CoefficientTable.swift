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
  ///   rows with the wrong number of fields, CSV syntax errors).
  /// - Throws: `CoefficientError` with code `file.missing`, or `file.unreadable` for a path
  ///   that is not a regular file or text that is not UTF-8 (naming the line and byte offset
  ///   of the first invalid sequence, or of a NUL byte).
  public static func read(_ url: URL) throws(CoefficientError) -> (
    CoefficientTable, [CoefficientProblem]
  ) {
    let file = url.lastPathComponent
    func unreadable(_ message: String) -> CoefficientError {
      CoefficientError(
        CoefficientProblem(.error, .fileUnreadable, message, at: CoefficientLocation(file: file)))
    }
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else {
      throw CoefficientError(
        CoefficientProblem(
          .error, .fileMissing, "file does not exist", at: CoefficientLocation(file: file)))
    }
    // attributesOfItem describes a symbolic link itself; its target decides (stat-like).
    let resolved = url.resolvingSymlinksInPath().path
    let type =
      (try? FileManager.default.attributesOfItem(atPath: resolved)[.type] as? FileAttributeType)
      ?? (attributes[.type] as? FileAttributeType)
    if let type, type != .typeRegular {
      let kind: String
      switch type {
      case .typeDirectory: kind = "a folder"
      case .typeCharacterSpecial: kind = "a character device"
      case .typeBlockSpecial: kind = "a block device"
      case .typeSocket: kind = "a socket"
      default: kind = "a special file (a FIFO?)"
      }
      throw unreadable("the path is \(kind), not a regular file")
    }
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw unreadable("file cannot be read")
    }
    let bytes = [UInt8](data)
    switch TextEncodingDecision.decide(bytes) {
    case .utf8(let bom):
      let text = bytes.withUnsafeBufferPointer {
        String(decoding: UnsafeBufferPointer(rebasing: $0[bom...]), as: UTF8.self)
      }
      return parse(text, file: file)
    case .gb18030:
      let scan = bytes.withUnsafeBufferPointer { UTF8Scan($0) }
      let at = scan.firstInvalid ?? 0
      let line = bytes.withUnsafeBufferPointer { TextPosition.line(of: at, in: $0) }
      throw unreadable(
        "file is not UTF-8 (first invalid sequence at line \(line), byte offset \(at); GBK "
          + "or GB18030?): save it as UTF-8")
    case .invalid(let message):
      throw unreadable("file cannot be read as UTF-8 text: \(message)")
    }
  }

  /// Parses CSV text with `StrictCSV` (RFC 4180 quoting; CR, LF or CRLF line ends).
  ///
  /// Line numbers account for line breaks inside quoted fields. Blank lines are skipped; a
  /// row with more or fewer fields than the header is a `row.field-count` error (short rows
  /// are padded with empty strings); a syntax error (unclosed quote, quote in an unquoted
  /// field, text after a closing quote, NUL byte) is a `csv.syntax` error, and the table is
  /// then empty, since nothing after the error can be trusted.
  public static func parse(_ text: String, file: String) -> (
    CoefficientTable, [CoefficientProblem]
  ) {
    var problems: [CoefficientProblem] = []
    var table = CoefficientTable(file: file, header: [], rows: [])
    let records: [CSVRecord]
    do {
      records = try StrictCSV.records(text)
    } catch {
      problems.append(
        CoefficientProblem(
          .error, .csvSyntax, error.message,
          at: CoefficientLocation(
            file: file, row: error.line, column: error.fieldName.map(Self.columnID))))
      return (table, problems)
    }
    guard let header = records.first, !header.isBlankLine else {
      problems.append(
        CoefficientProblem(
          .error, .columnMissing, "file is empty: no header line",
          at: CoefficientLocation(file: file, row: 1)))
      return (table, problems)
    }
    table.header = header.fields.map(Self.columnID)
    var seen = Set<String>()
    for name in table.header where !seen.insert(name).inserted {
      problems.append(
        CoefficientProblem(
          .error, .columnDuplicate, "column '\(name)' appears more than once in the header",
          at: CoefficientLocation(file: file, row: header.line, column: name, value: name)))
    }
    for record in records.dropFirst() {
      let fields = record.fields
      if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
      var values = fields
      if let e = StrictCSV.fieldCountError(record, header: table.header) {
        problems.append(
          CoefficientProblem(
            .error, .rowFieldCount, e.message,
            at: CoefficientLocation(
              file: file, row: record.line, column: e.fieldName,
              value: fields.joined(separator: ","))))
        if values.count < table.header.count {
          values += Array(repeating: "", count: table.header.count - values.count)
        }
      }
      table.rows.append(CoefficientTableRow(line: record.line, values: values))
    }
    return (table, problems)
  }

  /// A header name as a column id: trimmed, lower case.
  static func columnID(_ name: String) -> String {
    name.trimmingCharacters(in: .whitespaces).lowercased()
  }
}
