internal import CGDAL

/// A table read through OGR as text: field names and rows of strings, with each row's line in
/// the file, so errors can name the file, row and column.
///
/// CSV files are decoded before OGR sees them: UTF-8 (with or without a byte-order mark) is
/// used as is; anything that is not valid UTF-8 is decoded as GB18030 (a superset of GBK and
/// GB2312, the encodings of Chinese Excel/WPS exports) with `CPLRecode` (iconv). The encoding
/// found is reported in `encoding`. XLSX, ODS and other OGR table formats are read by their
/// drivers; a sheet is chosen by name.
public struct Table: Sendable {
  /// One data row.
  public struct Row: Sendable {
    /// The row's line in the file (CSV: 1 is the header, so the first data row is 2; XLSX: the
    /// sheet row number).
    public let line: Int
    /// Values in field order, as text ("" for empty cells); length = `fields.count`.
    public let values: [String]
  }

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
  /// - Throws: `GDALError` naming the path (and the sheets that exist when `sheet` is missing),
  ///   with GDAL's message when OGR cannot open the file.
  public init(path: String, sheet: String? = nil) throws(GDALError) {
    GDAL.ensureRegistered()
    let lower = path.lowercased()
    let isText = lower.hasSuffix(".csv") || lower.hasSuffix(".txt") || lower.hasSuffix(".tsv")
    if isText {
      var bytes = try GDAL.readFile(path)
      var encoding = "UTF-8"
      if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
        bytes.removeFirst(3)
        encoding = "UTF-8 with BOM"
      }
      if bytes.isEmpty {
        throw GDALError(
          number: GDALError.fileIO, message: "the file is empty", function: "Table", path: path)
      }
      let isUTF8 = bytes.withUnsafeBufferPointer { b in
        b.withMemoryRebound(to: CChar.self) { CPLIsUTF8($0.baseAddress, Int32(b.count)) != 0 }
      }
      if !isUTF8 {
        encoding = "GB18030"
        var cstr = bytes.map { CChar(bitPattern: $0) }
        cstr.append(0)
        CPLErrorReset()
        let recoded = CPLRecode(cstr, "GB18030", CPL_ENC_UTF8)
        if CPLGetLastErrorType() == CE_Failure {
          VSIFree(recoded)
          throw lastGDALError("CPLRecode", path: path, fallback: "cannot decode as GB18030")
        }
        bytes = Array(String(cString: recoded).utf8)
        VSIFree(recoded)
        CPLErrorReset()
      }
      let staged = "/vsimem/gep-table-\(UInt64.random(in: 0...UInt64.max))/table.csv"
      try GDAL.writeFile(staged, bytes: bytes)
      defer { try? GDAL.unlink(staged) }
      let ds = try VectorDataset(
        path: staged, openOptions: ["AUTODETECT_TYPE=NO", "HEADERS=YES", "KEEP_GEOM_COLUMNS=YES"])
      let layer = try ds.layer(0)
      try self.init(
        path: path, layer: layer, encoding: encoding, firstLine: 2, lineOffset: 1)
    } else {
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
