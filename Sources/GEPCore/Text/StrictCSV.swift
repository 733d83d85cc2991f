/// A CSV syntax error: what is wrong and where (file line, field number and name).
public struct CSVSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The kinds of syntax error.
  public enum Kind: String, Sendable, Equatable {
    /// A quoted field is never closed (the rest of the file would be swallowed into it).
    case unclosedQuote = "unclosed-quote"
    /// A `"` inside an unquoted field.
    case quoteInUnquotedField = "quote-in-unquoted-field"
    /// Text after the closing quote of a quoted field (a lone `"` inside a quoted field).
    case textAfterClosingQuote = "text-after-closing-quote"
    /// A NUL byte (0x00).
    case nulByte = "nul-byte"
    /// A row with more or fewer fields than the header.
    case fieldCount = "field-count"
  }

  /// What is wrong.
  public let kind: Kind
  /// The 1-based line of the file (the header is line 1; line breaks inside quoted fields
  /// count).
  public let line: Int
  /// The 1-based field number in its row.
  public let field: Int
  /// The header name of that field, when the header is read and has one.
  public let fieldName: String?
  /// What is wrong, in a sentence (without the location).
  public let message: String

  /// Creates an error.
  public init(kind: Kind, line: Int, field: Int, fieldName: String?, message: String) {
    self.kind = kind
    self.line = line
    self.field = field
    self.fieldName = fieldName
    self.message = message
  }

  /// "line L, field F (name): message".
  public var description: String {
    let name = fieldName.map { $0.isEmpty ? "" : " (\($0))" } ?? ""
    return "line \(line), field \(field)\(name): \(message)"
  }
}

/// One record of a CSV text: its first line in the file and its fields, as written (quotes
/// removed, `""` unescaped, not trimmed).
public struct CSVRecord: Sendable, Equatable {
  /// 1-based line of the file where the record starts (the header is line 1).
  public var line: Int
  /// The fields in order; an empty line is one empty field.
  public var fields: [String]

  /// Creates a record.
  public init(line: Int, fields: [String]) {
    self.line = line
    self.fields = fields
  }

  /// True for an empty or whitespace-only line: a single field holding only spaces or tabs.
  public var isBlankLine: Bool {
    fields.count == 1 && fields[0].utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 }
  }
}

/// The one CSV parser of gep (tables of a run and coefficient tables): RFC 4180, strictly.
///
/// Fields are separated by one separator byte (`,` by default; `;`, tab or space for other
/// tables); records end with CR, LF or CRLF. A field is quoted when its first character (after
/// optional spaces or tabs) is `"`; inside, `""` stands for one quote and separators and line
/// breaks are text (the line breaks are counted, so line numbers stay those of the file).
/// Spaces or tabs may follow the closing quote. Errors, each naming the line and field:
/// a quote that is never closed, a quote in the middle of an unquoted field, text after a
/// closing quote, a NUL byte. The last line break is optional; empty lines at the end of the
/// text are dropped (empty lines elsewhere are kept as records with one empty field, so that
/// callers can report them). A leading UTF-8 byte-order mark is skipped.
public enum StrictCSV {
  /// Splits `text` into records.
  ///
  /// - Parameters:
  ///   - text: the whole table.
  ///   - separator: the ASCII field separator (not `"`, CR or LF).
  /// - Returns: the records in file order, the header first ([] for an empty text).
  /// - Throws: `CSVSyntaxError` at the first syntax error (the field name is taken from the
  ///   first record once it is read).
  public static func records(_ text: String, separator: UInt8 = UInt8(ascii: ","))
    throws(CSVSyntaxError) -> [CSVRecord]
  {
    var text = text
    let result = text.withUTF8 { parse($0, separator: separator) }
    return try result.get()
  }

  /// The separator of a `.csv` or `.txt` table, chosen from its first line as OGR's CSV
  /// driver does (`CSVDetectSeperator`, GDAL 3.6): the first of `,` `;` tab found outside
  /// quotes (`,` when the line mixes them); when there is none, a space if the line has one,
  /// else `,`.
  public static func detectSeparator(_ text: String) -> UInt8 {
    var found: UInt8? = nil
    var spaces = 0
    var inQuotes = false
    for b in text.utf8 {
      if b == 0x22 {
        inQuotes.toggle()
        continue
      }
      if inQuotes { continue }
      if b == 0x0A || b == 0x0D { break }
      if b == UInt8(ascii: ",") || b == UInt8(ascii: ";") || b == 0x09 {
        if found == nil {
          found = b
        } else if found != b {
          return UInt8(ascii: ",")
        }
      } else if b == 0x20 {
        spaces += 1
      }
    }
    return found ?? (spaces > 0 ? 0x20 : UInt8(ascii: ","))
  }

  /// The error for a record whose number of fields differs from the header's, or nil.
  ///
  /// Blank lines (`CSVRecord.isBlankLine`) are not field-count errors. The field named is the
  /// first missing one (short rows) or the first one without a column (long rows).
  public static func fieldCountError(_ record: CSVRecord, header: [String]) -> CSVSyntaxError? {
    let n = record.fields.count
    let m = header.count
    guard n != m, !record.isBlankLine else { return nil }
    if n < m {
      return CSVSyntaxError(
        kind: .fieldCount, line: record.line, field: n + 1, fieldName: header[n],
        message:
          "the row has \(n) field\(n == 1 ? "" : "s") but the header has \(m): field \(n + 1) "
          + "(\(header[n])) and after are missing (a separator too few, or a line break "
          + "inside an unquoted field?)")
    }
    let extra = record.fields[m]
    return CSVSyntaxError(
      kind: .fieldCount, line: record.line, field: m + 1, fieldName: nil,
      message:
        "the row has \(n) fields but the header has \(m): field \(m + 1) (\"\(extra)\") has no "
        + "column (a separator inside an unquoted value? quote the value)")
  }

  static func parse(_ buf: UnsafeBufferPointer<UInt8>, separator sep: UInt8) -> Result<
    [CSVRecord], CSVSyntaxError
  > {
    let quote: UInt8 = 0x22
    let cr: UInt8 = 0x0D
    let lf: UInt8 = 0x0A
    let n = buf.count
    var i = 0
    if n >= 3, buf[0] == 0xEF, buf[1] == 0xBB, buf[2] == 0xBF { i = 3 }
    var records: [CSVRecord] = []
    guard i < n else { return .success(records) }
    var header: [String]? = nil
    var fields: [String] = []
    var line = 1
    var recordLine = 1
    func fail(_ kind: CSVSyntaxError.Kind, _ line: Int, _ field: Int, _ message: String)
      -> Result<[CSVRecord], CSVSyntaxError>
    {
      let name = header.flatMap { field - 1 < $0.count ? $0[field - 1] : nil }
      return .failure(
        CSVSyntaxError(kind: kind, line: line, field: field, fieldName: name, message: message))
    }
    func isBlank(_ b: UInt8) -> Bool { (b == 0x20 || b == 0x09) && b != sep }
    func text(_ from: Int, _ to: Int) -> String {
      String(decoding: UnsafeBufferPointer(rebasing: buf[from..<to]), as: UTF8.self)
    }
    while true {
      let fieldNumber = fields.count + 1
      var j = i
      while j < n, isBlank(buf[j]) { j += 1 }
      if j < n, buf[j] == quote {
        let openLine = line
        var content: [UInt8] = []
        j += 1
        var segment = j
        while true {
          guard j < n else {
            return fail(
              .unclosedQuote, openLine, fieldNumber,
              "a quote opens this field and is never closed, so the rest of the file would be "
                + "read into it; remove the stray quote, or close the field with a quote")
          }
          let b = buf[j]
          if b == quote {
            if j + 1 < n, buf[j + 1] == quote {
              content.append(contentsOf: UnsafeBufferPointer(rebasing: buf[segment...j]))
              j += 2
              segment = j
              continue
            }
            content.append(contentsOf: UnsafeBufferPointer(rebasing: buf[segment..<j]))
            j += 1
            break
          } else if b == 0 {
            return fail(.nulByte, line, fieldNumber, "NUL byte (0x00) in the text")
          } else if b == cr {
            line += 1
            j += (j + 1 < n && buf[j + 1] == lf) ? 2 : 1
          } else {
            if b == lf { line += 1 }
            j += 1
          }
        }
        while j < n, isBlank(buf[j]) { j += 1 }
        if j < n, buf[j] != sep, buf[j] != cr, buf[j] != lf {
          let opened = openLine == line ? "" : " (the field was opened at line \(openLine))"
          return fail(
            .textAfterClosingQuote, line, fieldNumber,
            "text after the closing quote of a quoted field\(opened); a quote inside a quoted "
              + "field must be doubled (\"\")")
        }
        fields.append(String(decoding: content, as: UTF8.self))
        i = j
      } else {
        j = i
        while j < n {
          let b = buf[j]
          if b == sep || b == cr || b == lf { break }
          if b == quote {
            return fail(
              .quoteInUnquotedField, line, fieldNumber,
              "a quote (\") in the middle of an unquoted field; quote the whole field and "
                + "double the quote (\"\")")
          }
          if b == 0 { return fail(.nulByte, line, fieldNumber, "NUL byte (0x00) in the text") }
          j += 1
        }
        fields.append(text(i, j))
        i = j
      }
      if i < n, buf[i] == sep {
        i += 1
        continue
      }
      // End of the record: a line break or the end of the text.
      records.append(CSVRecord(line: recordLine, fields: fields))
      if header == nil { header = fields }
      fields = []
      if i >= n { break }
      i += (buf[i] == cr && i + 1 < n && buf[i + 1] == lf) ? 2 : 1
      line += 1
      recordLine = line
      if i >= n { break }
    }
    while records.count > 1, records[records.count - 1].isBlankLine { records.removeLast() }
    return .success(records)
  }
}
