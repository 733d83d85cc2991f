import Foundation
import GEPCore

/// Writes a copy of a coefficient folder with some rows' values replaced (a Monte Carlo draw),
/// so that `gep compute` can be run on the draw: every file is copied as is, except that the
/// `value` field of each drawn row (at its line, `UncertainCoefficient.line`) holds the drawn
/// value in Swift's shortest round-trip decimal form. The check of issue 18 (a draw evaluated
/// from the sufficient sums equals `gep compute` on its folder) uses it.
///
/// - Parameters:
///   - source: the coefficient folder.
///   - rows: the drawn rows (each with its line).
///   - values: the drawn values, `rows` order.
///   - destination: the new folder (created; must not exist).
/// - Throws: I/O errors; `UncertaintyDeclarationError` when a row has no line or a value would
///   need an exponent (which the strict reader rejects).
func writeDrawnCoefficientFolder(
  from source: URL, rows: [UncertainCoefficient], values: [Double], to destination: URL
) throws {
  let fm = FileManager.default
  try fm.createDirectory(at: destination, withIntermediateDirectories: true)
  var byFile: [String: [(line: Int, value: Double)]] = [:]
  for (r, v) in zip(rows, values) {
    guard let line = r.line else {
      throw UncertaintyDeclarationError(messages: ["\(r.label): no line to write"])
    }
    guard !"\(v)".contains("e") else {
      throw UncertaintyDeclarationError(messages: ["\(r.label): \(v) needs an exponent"])
    }
    byFile[r.file, default: []].append((line, v))
  }
  for name in try fm.contentsOfDirectory(atPath: source.path).sorted() {
    let from = source.appendingPathComponent(name)
    let to = destination.appendingPathComponent(name)
    guard let edits = byFile[name] else {
      try fm.copyItem(at: from, to: to)
      continue
    }
    let text = try String(contentsOf: from, encoding: .utf8)
    let records = try StrictCSV.records(text)
    guard let header = records.first?.fields.map({ $0.lowercased() }),
      let column = header.firstIndex(of: "value")
    else { throw UncertaintyDeclarationError(messages: ["\(name): no value column"]) }
    let wanted = Dictionary(edits.map { ($0.line, $0.value) }, uniquingKeysWith: { a, _ in a })
    var out = ""
    for r in records {
      var fields = r.fields
      if let v = wanted[r.line] { fields[column] = "\(v)" }
      out += fields.map(quotedField).joined(separator: ",") + "\n"
    }
    try out.write(to: to, atomically: true, encoding: .utf8)
  }
}

/// A CSV field quoted only where RFC 4180 needs it (comma, quote, line break).
private func quotedField(_ s: String) -> String {
  guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
    return s
  }
  return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
