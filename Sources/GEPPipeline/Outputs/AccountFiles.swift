import Foundation
import GEPCore
import GEPGeo

/// A CSV file that gep wrote, read back as text: the header and the rows in file order, a
/// leading UTF-8 byte-order mark dropped (RFC 4180 quoting; "\n" or "\r\n" line ends).
public struct CSVText: Sendable {
  /// The column names of the first line.
  public let header: [String]
  /// The data rows, each with as many fields as it has (not padded).
  public let rows: [[String]]

  /// Parses CSV text.
  ///
  /// - Parameter text: the file's content.
  public init(text: String) {
    var all = parseCSV(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
    header = all.isEmpty ? [] : all.removeFirst()
    rows = all
  }

  /// The rows as column name → field records ("" for a missing field).
  public var records: [[String: String]] {
    rows.map { r in
      var d: [String: String] = [:]
      for (i, h) in header.enumerated() { d[h] = i < r.count ? r[i] : "" }
      return d
    }
  }
}

/// Splits RFC 4180 CSV text into rows of fields; a quoted field may hold commas, quotes ("")
/// and line breaks. Empty lines are skipped.
func parseCSV(_ text: String) -> [[String]] {
  var rows: [[String]] = []
  var row: [String] = []
  var field: [UInt8] = []
  var quoted = false
  var fieldStarted = false
  let bytes = Array(text.utf8)
  var i = 0
  func endField() {
    row.append(String(decoding: field, as: UTF8.self))
    field.removeAll(keepingCapacity: true)
    fieldStarted = false
  }
  func endRow() {
    endField()
    if !(row.count == 1 && row[0].isEmpty) { rows.append(row) }
    row.removeAll()
  }
  while i < bytes.count {
    let b = bytes[i]
    if quoted {
      if b == UInt8(ascii: "\"") {
        if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") {
          field.append(b)
          i += 1
        } else {
          quoted = false
        }
      } else {
        field.append(b)
      }
    } else {
      switch b {
      case UInt8(ascii: "\""): if field.isEmpty { quoted = true } else { field.append(b) }
      case UInt8(ascii: ","): endField()
      case UInt8(ascii: "\r"): break
      case UInt8(ascii: "\n"): endRow()
      default: field.append(b)
      }
      fieldStarted = true
    }
    i += 1
  }
  if fieldStarted || !field.isEmpty || !row.isEmpty { endRow() }
  return rows
}

/// The files of an account folder that the report and the workbook are drawn from, as
/// `gep compute` wrote them: `summary.csv`, `indicators.csv`, `matrix.csv`, `units.geojson` and
/// `manifest.json`. Nothing else is read, so any account folder can be reported on.
public struct AccountFiles {
  /// The account folder.
  public let folder: URL
  /// `summary.csv`.
  public let summary: CSVText
  /// `indicators.csv`.
  public let indicators: CSVText
  /// `matrix.csv` (empty when the folder has none: older accounts).
  public let matrix: CSVText
  /// The features of `units.geojson` (JSON objects).
  public let features: [[String: Any]]
  /// `manifest.json` as a JSON object.
  public let manifest: [String: Any]

  /// Reads the files of an account folder.
  ///
  /// - Throws: `InputProblems` ("report.missing-file", "report.unreadable") naming every file
  ///   that is missing or cannot be parsed, all at once.
  public init(folder: URL) throws {
    self.folder = folder
    var problems: [Problem] = []
    func text(_ name: String, required: Bool = true) -> String? {
      let url = folder.appendingPathComponent(name)
      guard let data = FileManager.default.contents(atPath: url.path) else {
        if required {
          problems.append(
            Problem(
              .error, "report.missing-file",
              "\(name) is missing: the folder is not an account written by gep compute",
              at: ProblemLocation(file: url.path)))
        }
        return nil
      }
      return String(decoding: data, as: UTF8.self)
    }
    func json(_ name: String) -> [String: Any]? {
      guard let t = text(name) else { return nil }
      guard let o = (try? JSONSerialization.jsonObject(with: Data(t.utf8))) as? [String: Any]
      else {
        problems.append(
          Problem(
            .error, "report.unreadable", "\(name) is not a JSON object",
            at: ProblemLocation(file: folder.appendingPathComponent(name).path)))
        return nil
      }
      return o
    }
    summary = CSVText(text: text("summary.csv") ?? "")
    indicators = CSVText(text: text("indicators.csv") ?? "")
    matrix = CSVText(text: text("matrix.csv", required: false) ?? "")
    features = (json("units.geojson")?["features"] as? [[String: Any]]) ?? []
    manifest = json("manifest.json") ?? [:]
    for (name, t) in [("summary.csv", summary), ("indicators.csv", indicators)]
    where t.header.isEmpty && !problems.contains(where: { $0.message.hasPrefix(name) }) {
      problems.append(
        Problem(
          .error, "report.unreadable", "\(name) has no header line",
          at: ProblemLocation(file: folder.appendingPathComponent(name).path)))
    }
    if !problems.isEmpty { throw InputProblems(problems: problems) }
  }
}
