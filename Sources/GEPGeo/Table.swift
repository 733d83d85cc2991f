internal import CGDAL
import GEPCore

/// A table read as text: field names and rows of strings, with each row's line in the file, so
/// errors can name the file, row and column.
///
/// CSV, TXT and TSV files are read strictly, with nothing dropped quietly:
/// - Encoding, decided from the whole file (`TextEncodingDecision`): UTF-8 (with or without a
///   byte-order mark) is used as is; a file that is valid GB18030 from end to end (a superset
///   of GBK and GB2312, the encodings of Chinese Excel/WPS exports) is converted with
///   `CPLRecode` (iconv), and any conversion warning is an error; a mostly-UTF-8 file with a
///   few invalid bytes, a NUL byte, or bytes valid in neither encoding are errors naming the
///   line and byte offset. The encoding found is reported in `encoding`.
/// - Syntax (`StrictCSV`, RFC 4180): an unclosed quote, a quote inside an unquoted field, text
///   after a closing quote, or a row with more or fewer fields than the header is an error
///   naming the line and field. Empty lines at the end are ignored; an empty line elsewhere is
///   kept as a blank row (all values ""), as are rows of empty fields, so they can be reported.
/// - Separator: tab for `.tsv`; for `.csv` and `.txt`, chosen from the header line as OGR's
///   CSV driver did before (`StrictCSV.detectSeparator`: `,` `;` tab, else space).
/// - Only regular files (after resolving symbolic links) or GDAL virtual paths are read.
///
/// XLSX, ODS and other OGR table formats are read by their drivers; a sheet is chosen by name.
public struct Table: Sendable {
  /// One data row.
  public struct Row: Sendable {
    /// The row's line in the file (CSV: 1 is the header, so the first data row is 2; line
    /// breaks inside quoted fields count; XLSX: the sheet row number).
    public let line: Int
    /// Values in field order, as text ("" for empty cells), trimmed of surrounding whitespace;
    /// length = `fields.count`.
    public let values: [String]
  }

  /// `GDALError.function` of the errors about a text table's encoding (NUL byte, invalid
  /// UTF-8, invalid GB18030).
  public static let encodingFunction = "Table (text encoding)"
  /// `GDALError.function` of the errors about CSV syntax (quotes, NUL byte).
  public static let syntaxFunction = "Table (CSV syntax)"
  /// `GDALError.function` of the errors about a row whose field count differs from the
  /// header's.
  public static let fieldCountFunction = "Table (CSV field count)"

  /// The file read.
  public let path: String
  /// The sheet or layer name.
  public let layerName: String
  /// The encoding found: "UTF-8", "UTF-8 with BOM", "GB18030", or "driver" for non-CSV formats.
  public let encoding: String
  /// Field names in order (header row), trimmed of surrounding whitespace.
  public let fields: [String]
  /// Data rows in file order, blank rows included (all values "") so they can be reported.
  public let rows: [Row]

  /// Reads a table.
  ///
  /// - Parameters:
  ///   - path: a `.csv`, `.txt`, `.tsv`, `.xlsx`, `.ods` (or any OGR table) path.
  ///   - sheet: for workbooks, the sheet to read (default: the first).
  /// - Throws: `GDALError` naming the path: a path that is not a regular file (function
  ///   `GDAL.notRegularFileFunction`); for text tables an empty file, an encoding error
  ///   (`encodingFunction`), a syntax error (`syntaxFunction`) or a field-count error
  ///   (`fieldCountFunction`), these with `line` and `field` set; for workbooks the sheets that
  ///   exist when `sheet` is missing, and GDAL's message when OGR cannot open the file.
  public init(path: String, sheet: String? = nil) throws(GDALError) {
    GDAL.ensureRegistered()
    let lower = path.lowercased()
    let isText = lower.hasSuffix(".csv") || lower.hasSuffix(".txt") || lower.hasSuffix(".tsv")
    if isText {
      let bytes = try GDAL.readFile(path)
      if bytes.isEmpty {
        throw GDALError(
          number: GDALError.fileIO, message: "the file is empty", function: "Table", path: path)
      }
      let text: String
      let encoding: String
      switch TextEncodingDecision.decide(bytes) {
      case .utf8(let bom):
        text = bytes.withUnsafeBufferPointer {
          String(decoding: UnsafeBufferPointer(rebasing: $0[bom...]), as: UTF8.self)
        }
        encoding = bom > 0 ? "UTF-8 with BOM" : "UTF-8"
      case .gb18030:
        text = try Self.recodeGB18030(bytes, path: path)
        encoding = "GB18030"
      case .invalid(let message):
        throw GDALError(
          number: GDALError.appDefined, message: message, function: Self.encodingFunction,
          path: path)
      }
      let separator = lower.hasSuffix(".tsv") ? 0x09 : StrictCSV.detectSeparator(text)
      try self.init(path: path, text: text, separator: separator, encoding: encoding)
    } else {
      try GDAL.requireRegularFile(path)
      // GDAL 3.6's XLSX and ODS drivers take these as configuration options, not open options.
      // Thread-local, so parallel readers do not disturb each other.
      let config = [
        "OGR_XLSX_HEADERS": "FORCE", "OGR_XLSX_FIELD_TYPES": "STRING",
        "OGR_ODS_HEADERS": "FORCE", "OGR_ODS_FIELD_TYPES": "STRING",
      ]
      for (k, v) in config { CPLSetThreadLocalConfigOption(k, v) }
      defer { for k in config.keys { CPLSetThreadLocalConfigOption(k, nil) } }
      let ds = try VectorDataset(path: path)
      let layer: VectorLayer
      if let sheet { layer = try ds.layer(named: sheet) } else { layer = try ds.layer(0) }
      try self.init(path: path, layer: layer, encoding: "driver", firstLine: 2, lineOffset: 0)
    }
  }

  /// Converts GB18030 bytes (checked structurally by `TextEncodingDecision`) to a string with
  /// `CPLRecode`; a warning (a character iconv cannot convert) is an error too.
  static func recodeGB18030(_ bytes: [UInt8], path: String) throws(GDALError) -> String {
    var cstr = bytes.map { CChar(bitPattern: $0) }
    cstr.append(0)
    CPLErrorReset()
    let recoded = CPLRecode(cstr, "GB18030", CPL_ENC_UTF8)
    defer { VSIFree(recoded) }
    if CPLGetLastErrorType() != CE_None {
      let e = lastGDALError("CPLRecode", path: path, fallback: "cannot decode as GB18030")
      throw GDALError(
        number: GDALError.appDefined,
        message: "not valid GB18030 (iconv: \(e.message))", function: Self.encodingFunction,
        path: path)
    }
    return String(cString: recoded)
  }

  /// Builds a table from decoded text with the strict CSV parser.
  init(path: String, text: String, separator: UInt8, encoding: String) throws(GDALError) {
    let records: [CSVRecord]
    do {
      records = try StrictCSV.records(text, separator: separator)
    } catch {
      throw Self.error(error, function: Self.syntaxFunction, path: path)
    }
    guard let header = records.first else {
      throw GDALError(
        number: GDALError.fileIO, message: "the file is empty", function: "Table", path: path)
    }
    self.path = path
    self.layerName = Self.layerName(path)
    self.encoding = encoding
    let raw = header.fields
    let fields = raw.map { $0.trimmingWhitespace() }
    var rows: [Row] = []
    rows.reserveCapacity(records.count - 1)
    let blank = [String](repeating: "", count: fields.count)
    for r in records.dropFirst() {
      if let e = StrictCSV.fieldCountError(r, header: fields) {
        throw Self.error(e, function: Self.fieldCountFunction, path: path)
      }
      if r.isBlankLine && fields.count != 1 {
        rows.append(Row(line: r.line, values: blank))
      } else {
        rows.append(Row(line: r.line, values: r.fields.map { $0.trimmingWhitespace() }))
      }
    }
    self.fields = fields
    self.rows = rows
  }

  /// A syntax error as a `GDALError` with the line and field set.
  static func error(_ e: CSVSyntaxError, function: String, path: String) -> GDALError {
    GDALError(
      number: GDALError.appDefined, message: e.description, function: function, path: path,
      line: e.line, field: e.fieldName.flatMap { $0.isEmpty ? nil : $0 } ?? "field \(e.field)")
  }

  /// The layer name OGR's CSV driver gives a file: its name without folder and extension.
  static func layerName(_ path: String) -> String {
    let name = path.split(separator: "/").last.map(String.init) ?? path
    guard let dot = name.lastIndex(of: ".") else { return name }
    return String(name[..<dot])
  }

  private init(
    path: String, layer: VectorLayer, encoding: String, firstLine: Int, lineOffset: Int
  ) throws(GDALError) {
    self.path = path
    self.layerName = layer.name
    self.encoding = encoding
    let defs = layer.fields
    self.fields = defs.map { $0.name.trimmingWhitespace() }
    var rows: [Row] = []
    OGR_L_ResetReading(layer.handle)
    CPLErrorReset()
    var ordinal = 0
    while let f = OGR_L_GetNextFeature(layer.handle) {
      defer { OGR_F_Destroy(f) }
      var values: [String] = []
      values.reserveCapacity(defs.count)
      for i in 0..<defs.count {
        let idx = Int32(i)
        if OGR_F_IsFieldSetAndNotNull(f, idx) == 0 {
          values.append("")
        } else {
          values.append(String(cString: OGR_F_GetFieldAsString(f, idx)).trimmingWhitespace())
        }
      }
      // OGR numbers CSV features from 1 for the first data row (file line 2), and XLSX/ODS
      // features by their sheet row (the header is row 1), so the line is FID + lineOffset.
      let fid = OGR_F_GetFID(f)
      let line = fid >= 0 ? Int(fid) + lineOffset : firstLine + ordinal
      rows.append(Row(line: line, values: values))
      ordinal += 1
    }
    if CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal {
      throw lastGDALError("OGR_L_GetNextFeature", path: path)
    }
    self.rows = rows
  }

  /// The index of field `name` (exact match after trimming), or nil.
  public func fieldIndex(_ name: String) -> Int? { fields.firstIndex(of: name) }

  /// Rows as dictionaries keyed by field name (for a duplicated field name, the first column).
  public var records: [[String: String]] {
    rows.map { r in Dictionary(zip(fields, r.values), uniquingKeysWith: { first, _ in first }) }
  }
}
