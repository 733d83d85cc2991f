import Foundation
import GEPGeo

/// `account.xlsx`: the account's summary, indicators, matrix and inputs as four sheets
/// ("汇总 summary", "指标 indicators", "矩阵 matrix", "输入 inputs"), each with one frozen header
/// row whose cells give the Chinese name, the field name and the unit ("生态产品总值 gep_yuan
/// (元)"), numbers as numeric cells (codes and names as text), empty cells where the CSV is
/// empty (not computed, never 0).
///
/// Why not GDAL's XLSX driver, though GDAL is already a dependency: its writer (GDAL 3.6, the
/// Debian 12 version; unchanged in later releases' creation options) has no way to freeze
/// the header row — it writes no `<sheetViews>` — and stamps the ZIP entries with the current
/// time, so the file would differ on every run and `gep verify` could not re-compute it byte
/// for byte. This is a minimal writer of the OOXML SpreadsheetML parts (ECMA-376 Part 1,
/// §18.3: workbook, worksheets with inline strings, one style sheet) in a ZIP (PKWARE APPNOTE
/// 6.3, DEFLATE by GDAL's zlib, fixed 1980-01-01 timestamps). The tests read it back with
/// GDAL's XLSX driver (an independent reader).
///
/// - Parameter files: the account folder's files.
/// - Returns: the bytes of the workbook.
public func accountWorkbook(_ files: AccountFiles) -> [UInt8] {
  var sheets: [(name: String, header: [String], rows: [[WorkbookCell]])] = []
  func fromCSV(_ t: CSVText) -> ([String], [[WorkbookCell]]) {
    let header = t.header.map { workbookHeader($0, nameZH: files.indicatorNamesZH) }
    let numeric = t.header.map { !workbookTextColumns.contains($0) }
    let rows = t.rows.map { r in
      t.header.indices.map { i -> WorkbookCell in
        let s = i < r.count ? r[i] : ""
        if s.isEmpty { return .empty }
        if numeric[i], isPlainNumber(s), let v = Double(s) { return .number(v) }
        return .text(s)
      }
    }
    return (header, rows)
  }
  for (name, t) in [
    ("汇总 summary", files.summary), ("指标 indicators", files.indicators),
    ("矩阵 matrix", files.matrix),
  ] {
    let (h, r) = fromCSV(t)
    sheets.append((name, h, r))
  }
  let inputs = (files.manifest["inputs"] as? [[String: Any]]) ?? []
  sheets.append(
    (
      "输入 inputs", ["角色 role", "文件 path", "相对路径 relative_path", "大小 bytes (字节)", "SHA-256 sha256"],
      inputs.map { i in
        [
          .text(i["role"] as? String ?? ""), .text(i["path"] as? String ?? ""),
          .text(i["relative_path"] as? String ?? ""),
          (i["bytes"] as? Int).map { .number(Double($0)) } ?? .empty,
          .text(i["sha256"] as? String ?? ""),
        ]
      }
    ))
  var zip = StoredZip()
  zip.add(
    "[Content_Types].xml",
    xmlHead
      + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
      + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
      + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
      + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
      + sheets.indices.map {
        "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
      }.joined() + "</Types>")
  zip.add(
    "_rels/.rels",
    xmlHead
      + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
      + "</Relationships>")
  zip.add(
    "xl/workbook.xml",
    xmlHead
      + "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
      + "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
      + sheets.enumerated().map {
        "<sheet name=\"\(xmlEscape($0.element.name))\" sheetId=\"\($0.offset + 1)\" r:id=\"rId\($0.offset + 1)\"/>"
      }.joined() + "</sheets></workbook>")
  zip.add(
    "xl/_rels/workbook.xml.rels",
    xmlHead
      + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      + sheets.indices.map {
        "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>"
      }.joined()
      + "<Relationship Id=\"rId\(sheets.count + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
      + "</Relationships>")
  zip.add(
    "xl/styles.xml",
    xmlHead
      + "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
      + "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font>"
      + "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
      + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>"
      + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
      + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
      + "<cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
      + "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>"
      + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
      + "</styleSheet>")
  for (i, s) in sheets.enumerated() {
    var x = xmlHead
    x += "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    x += "<sheetViews><sheetView workbookViewId=\"0\"\(i == 0 ? " tabSelected=\"1\"" : "")>"
    x += "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"
    x += "<selection pane=\"bottomLeft\"/></sheetView></sheetViews>"
    x +=
      "<cols><col min=\"1\" max=\"\(max(1, s.header.count))\" width=\"16\" customWidth=\"1\"/></cols>"
    x += "<sheetData>"
    x += "<row r=\"1\">"
    for (c, h) in s.header.enumerated() {
      x += "<c r=\"\(columnName(c))1\" t=\"inlineStr\" s=\"1\"><is><t>\(xmlEscape(h))</t></is></c>"
    }
    x += "</row>"
    for (r, row) in s.rows.enumerated() {
      x += "<row r=\"\(r + 2)\">"
      for (c, cell) in row.enumerated() {
        let ref = "\(columnName(c))\(r + 2)"
        switch cell {
        case .empty: continue
        case .number(let v): x += "<c r=\"\(ref)\"><v>\(formatNumber(v))</v></c>"
        case .text(let t):
          x +=
            "<c r=\"\(ref)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(xmlEscape(t))</t></is></c>"
        }
      }
      x += "</row>"
    }
    x += "</sheetData></worksheet>"
    zip.add("xl/worksheets/sheet\(i + 1).xml", x)
  }
  return zip.finish()
}

/// A cell of the workbook.
enum WorkbookCell {
  case empty
  case number(Double)
  case text(String)
}

/// Columns of gep's CSV files that hold text (codes stay text: "510101" is not a number).
let workbookTextColumns: Set<String> = [
  "code", "name", "level", "parent_code", "indicator", "component", "category", "name_zh",
  "physical_unit", "method", "price_and_source", "status", "gep_status", "not_computed",
  "partial", "class_name", "class_name_zh", "physical_density_unit",
]

/// Chinese names of the fixed columns of summary.csv, indicators.csv and matrix.csv.
let workbookHeaderZH: [String: String] = [
  "code": "代码", "name": "名称", "level": "级别", "parent_code": "上级代码", "area_km2": "面积",
  "landuse_nodata_km2": "土地利用无数据面积", "material_yuan": "物质产品", "regulating_yuan": "调节服务",
  "cultural_yuan": "文化服务", "gep_yuan": "生态产品总值", "gdp_yuan": "地区生产总值", "gep_gdp_ratio": "GEP/GDP",
  "population": "人口", "gep_per_capita_yuan": "人均 GEP", "gep_density_yuan_per_km2": "单位面积 GEP",
  "grade": "资源分级", "gep_status": "核算状态", "not_computed": "未核算指标", "partial": "部分核算指标",
  "indicator": "指标", "component": "分项", "category": "类别", "name_zh": "中文名",
  "physical_quantity": "实物量", "physical_unit": "实物量单位", "value_yuan": "价值量", "method": "方法",
  "price_and_source": "价格及来源", "masked_share": "掩膜比例", "uncovered_share": "未覆盖比例",
  "capacity": "能力", "capacity_value_yuan": "能力价值", "status": "状态", "computed_share": "核算比例",
  "not_applicable_share": "不适用比例", "excluded_share": "排除比例", "physical_density": "单位面积实物量",
  "physical_density_unit": "单位面积实物量单位", "class_code": "生态系统类型代码", "class_name": "生态系统类型",
  "class_name_zh": "生态系统类型（中文）",
]

/// The header cell of a CSV column: Chinese name, field name and unit, e.g.
/// "生态产品总值 gep_yuan (元)", "面积 area_km2 (km²)", "水源涵养 water_conservation_yuan (元)".
func workbookHeader(_ column: String, nameZH: [String: String]) -> String {
  var zh = workbookHeaderZH[column]
  if zh == nil, column.hasSuffix("_yuan") { zh = nameZH[String(column.dropLast(5))] }
  if zh == nil, column.hasPrefix("area_"), column.hasSuffix("_km2") { zh = "面积" }
  var unit = ""
  if column.hasSuffix("_yuan_per_km2") {
    unit = "元/km²"
  } else if column.hasSuffix("_yuan") {
    unit = "元"
  } else if column.hasSuffix("_km2") {
    unit = "km²"
  } else if column.hasSuffix("_share") {
    unit = "0–1"
  } else if column == "population" {
    unit = "人"
  }
  return [zh ?? "", column, unit.isEmpty ? "" : "(\(unit))"].filter { !$0.isEmpty }
    .joined(separator: " ")
}

extension AccountFiles {
  /// Indicator id → Chinese name, from indicators.csv.
  var indicatorNamesZH: [String: String] {
    var d: [String: String] = [:]
    for r in indicators.records where d[r["indicator"] ?? ""] == nil {
      d[r["indicator"] ?? ""] = r["name_zh"] ?? ""
    }
    return d
  }
}

let xmlHead = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

/// XML text with `&`, `<`, `>`, `"` escaped and the characters XML 1.0 forbids (controls
/// other than tab, line feed, carriage return) dropped.
func xmlEscape(_ s: String) -> String {
  var out = ""
  for c in s.unicodeScalars {
    switch c {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    default:
      if c.value < 0x20 && c != "\t" && c != "\n" && c != "\r" { continue }
      out.unicodeScalars.append(c)
    }
  }
  return out
}

/// The spreadsheet column name of a 0-based index: 0 → A, 25 → Z, 26 → AA.
func columnName(_ index: Int) -> String {
  var n = index + 1
  var s = ""
  while n > 0 {
    let r = (n - 1) % 26
    s = String(UnicodeScalar(UInt8(65 + r))) + s
    n = (n - 1) / 26
  }
  return s
}

/// A ZIP archive of deflated entries with a fixed timestamp (1980-01-01 00:00), so the same
/// entries give the same bytes (PKWARE APPNOTE 6.3: local headers, central directory, end
/// record; UTF-8 names flagged by bit 11; DEFLATE through GDAL, `deflateRaw`).
struct StoredZip {
  private var bytes: [UInt8] = []
  private var central: [UInt8] = []
  private var count = 0

  private static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xff), UInt8((v >> 8) & 0xff)] }
  private static func le32(_ v: UInt32) -> [UInt8] {
    [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)]
  }

  /// Adds an entry, deflated (method 8) when GDAL's deflate succeeds and is smaller, else
  /// stored (method 0).
  mutating func add(_ name: String, _ text: String) {
    let data = Array(text.utf8)
    let nameBytes = Array(name.utf8)
    let crc = crc32(data)
    let offset = UInt32(bytes.count)
    let dosTime = 0
    let dosDate = (0 << 9) | (1 << 5) | 1
    let packed = deflateRaw(data).flatMap { $0.count < data.count ? $0 : nil }
    let body = packed ?? data
    let common =
      Self.le16(20) + Self.le16(0x0800) + Self.le16(packed == nil ? 0 : 8) + Self.le16(dosTime)
      + Self.le16(dosDate) + Self.le32(crc) + Self.le32(UInt32(body.count))
      + Self.le32(UInt32(data.count)) + Self.le16(nameBytes.count) + Self.le16(0)
    bytes += Self.le32(0x0403_4b50) + common + nameBytes + body
    central +=
      Self.le32(0x0201_4b50) + Self.le16(20) + common + Self.le16(0) + Self.le16(0)
      + Self.le16(0) + Self.le32(0) + Self.le32(offset) + nameBytes
    count += 1
  }

  /// The archive's bytes.
  func finish() -> [UInt8] {
    bytes + central + Self.le32(0x0605_4b50) + Self.le16(0) + Self.le16(0) + Self.le16(count)
      + Self.le16(count) + Self.le32(UInt32(central.count)) + Self.le32(UInt32(bytes.count))
      + Self.le16(0)
  }
}

/// CRC-32 (ISO 3309, polynomial 0xEDB88320 reflected) of bytes, as ZIP records it.
func crc32(_ data: [UInt8]) -> UInt32 {
  var table = [UInt32](repeating: 0, count: 256)
  for i in 0..<256 {
    var c = UInt32(i)
    for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    table[i] = c
  }
  var crc: UInt32 = 0xFFFF_FFFF
  for b in data { crc = table[Int((crc ^ UInt32(b)) & 0xff)] ^ (crc >> 8) }
  return crc ^ 0xFFFF_FFFF
}
