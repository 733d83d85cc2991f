import Foundation
import GEPCore
import GEPGeo
import Synchronization

/// Table checks of a validation: schemas, numbers, codes, locations (see `InputValidator`).
extension ValidationRun {
  // MARK: Tables

  func checkTable(_ path: String, sheet: String?, role: String, key: String) {
    let start = d.problems.count
    defer { d.summarizeRepeats(from: start, limit: 100, file: path) }
    guard checkFile(path, what: "\(role) table", key: key) else { return }
    let lower = path.lowercased()
    let isText = lower.hasSuffix(".csv") || lower.hasSuffix(".txt") || lower.hasSuffix(".tsv")
    if let sheet, !isText, let v = try? VectorDataset(path: path), !v.layerNames.contains(sheet) {
      d.error(
        "table.missing-sheet",
        "the workbook has no sheet \"\(sheet)\"; its sheets: "
          + v.layerNames.joined(separator: ", "),
        at: ProblemLocation(
          file: path, layer: sheet,
          field: key.replacingOccurrences(
            of: ".path", with: ".sheet")))
      return
    }
    let t: Table
    do {
      t = try Table(path: path, sheet: sheet)
    } catch {
      let code =
        switch error.function {
        case Table.encodingFunction: "table.encoding"
        case Table.syntaxFunction: "table.csv-syntax"
        case Table.fieldCountFunction: "table.field-count"
        case GDAL.notRegularFileFunction: "file.not-regular"
        default: "table.unreadable"
        }
      d.error(
        code, "cannot read the \(role) table: \(error.message)",
        at: ProblemLocation(
          file: path, layer: sheet, row: error.line, column: error.field, field: key))
      return
    }
    for p in duplicateColumnProblems(t) { d.error(p.code, p.message, at: p.location) }
    let spec = TableSpec.of(role)
    func loc(_ row: Int? = nil, _ col: String? = nil, _ value: String? = nil) -> ProblemLocation {
      ProblemLocation(file: path, layer: sheet, row: row, column: col, value: value)
    }
    var missing = false
    for c in spec.required where t.fieldIndex(c) == nil {
      d.error(
        "table.missing-column",
        "required column \"\(c)\" is missing from the \(role) table; it has: "
          + t.fields.joined(separator: ", "),
        at: loc(nil, c))
      missing = true
    }
    if spec.located && t.fieldIndex("unit_code") == nil
      && (t.fieldIndex("lon") == nil || t.fieldIndex("lat") == nil)
    {
      d.error(
        "table.missing-column",
        "the \(role) table needs a column unit_code, or columns lon and lat; it has: "
          + t.fields.joined(separator: ", "),
        at: loc(nil, "unit_code"))
      missing = true
    }
    let known = Set(spec.required + spec.optional)
    for f in t.fields where !known.contains(f) && !f.isEmpty {
      d.warning(
        "table.unknown-column",
        "column \"\(f)\" of the \(role) table is not used; known columns: "
          + known.sorted().joined(separator: ", "),
        at: loc(nil, f))
    }
    // Swapped code and name columns.
    let codeColumn = role == "names" ? "code" : "unit_code"
    var codesUsable = t.fieldIndex(codeColumn) != nil
    if let ci = t.fieldIndex(codeColumn) {
      func looksLikeCode(_ s: String) -> Bool {
        [6, 9, 12].contains(s.count) && s.allSatisfy { $0.isASCII && $0.isNumber }
      }
      let filled = t.rows.map { $0.values[ci] }.filter { !$0.isEmpty }
      let nonCodes = filled.filter { !$0.allSatisfy { $0.isASCII && $0.isNumber } }
      if !filled.isEmpty, nonCodes.count * 2 > filled.count {
        let other = t.fields.indices.first { i in
          i != ci
            && {
              let vs = t.rows.map { $0.values[i] }.filter { !$0.isEmpty }
              return !vs.isEmpty && vs.filter(looksLikeCode).count * 2 > vs.count
            }()
        }
        let otherText =
          other.map { i in
            " and column \"\(t.fields[i])\" holds codes (e.g. "
              + "\"\(t.rows.first { looksLikeCode($0.values[i]) }!.values[i])\"): "
              + "are the two columns swapped?"
          } ?? ""
        d.error(
          "table.swapped-columns",
          "column \"\(codeColumn)\" of the \(role) table holds text, not unit codes (e.g. "
            + "\"\(nonCodes[0])\")\(otherText)",
          at: loc(nil, codeColumn, nonCodes[0]))
        codesUsable = false
      }
    }
    if missing && spec.required.contains(codeColumn) && t.fieldIndex(codeColumn) == nil {
      codesUsable = false
    }
    // Rows.
    var seenKeys: [String: Int] = [:]
    let keyIdx = spec.key.compactMap { t.fieldIndex($0) }
    let locator = role == "names" ? nil : pointLocator()
    for r in t.rows {
      if r.values.allSatisfy(\.isEmpty) {
        d.warning("table.blank-row", "blank row in the \(role) table: skipped", at: loc(r.line))
        continue
      }
      for c in spec.numeric {
        guard let i = t.fieldIndex(c) else { continue }
        let s = r.values[i]
        if s.isEmpty {
          if spec.required.contains(c) {
            d.error(
              "table.missing-value", "\(c) is empty in the \(role) table", at: loc(r.line, c))
          }
          continue
        }
        guard let v = PlainDecimal.parse(s) else {
          d.error(
            "table.not-numeric", "\(c) is " + PlainDecimal.notPlainDecimalMessage(s),
            at: loc(r.line, c, s))
          continue
        }
        if v < 0 {
          d.error("table.negative", "\(c) must not be negative", at: loc(r.line, c, s))
        }
        if !ExactSum.accepts(v) {
          d.error(
            "table.out-of-range", "\(c) exceeds 10¹⁵, the largest value gep accepts",
            at: loc(r.line, c, s))
        }
        if c == "year", v != Double(config.year) {
          d.warning(
            "table.other-year",
            "the row is for year \(s), the run for \(config.year): it is used as given",
            at: loc(r.line, c, s))
        }
      }
      for group in spec.together {
        let filled = group.map { c in t.fieldIndex(c).map { !r.values[$0].isEmpty } ?? false }
        if filled.contains(true), let gap = filled.firstIndex(of: false) {
          d.error(
            "table.missing-value",
            group.joined(separator: " and ") + " are given together: \(group[gap]) is empty "
              + "in the \(role) table",
            at: loc(r.line, group[gap]))
        }
      }
      if role == "tourism", let vi = t.fieldIndex("visits"),
        let ci = t.fieldIndex("travel_cost_per_visit_yuan"),
        let visits = PlainDecimal.parse(r.values[vi]),
        let cost = PlainDecimal.parse(r.values[ci]), visits.isFinite, cost.isFinite,
        ExactSum.accepts(visits), ExactSum.accepts(cost), !ExactSum.accepts(visits * cost)
      {
        d.error(
          "table.out-of-range",
          "visits × travel cost = \(formatNumber(visits * cost)) yuan exceeds 10¹⁵",
          at: loc(r.line, "visits", r.values[vi]))
      }
      if role == "reservoirs", let ci = t.fieldIndex("capacity_m3"),
        let capacity = PlainDecimal.parse(r.values[ci]), capacity > 1e12, ExactSum.accepts(capacity)
      {
        d.error(
          "table.out-of-range",
          "capacity_m3 above 10¹² m³ exceeds any reservoir (the Three Gorges holds "
            + "3.93 × 10¹⁰ m³): the unit is m³?",
          at: loc(r.line, "capacity_m3", r.values[ci]))
      }
      if keyIdx.count == spec.key.count, !keyIdx.isEmpty {
        let k = keyIdx.map { i -> String in
          let v = r.values[i]
          return t.fields[i] == codeColumn ? normalisedCode(v, code12: code12) : v.lowercased()
        }.joined(separator: "\u{1F}")
        if let first = seenKeys[k] {
          let desc = zip(spec.key, keyIdx).map { "\($0) \(r.values[$1])" }.joined(
            separator: ", ")
          let p = Problem(
            spec.duplicateIsError ? .error : .warning, "table.duplicate-key",
            "\(desc) appears twice in the \(role) table: rows \(first) and \(r.line)"
              + (spec.duplicateIsError ? "" : "; both are added (counted twice?)"),
            at: loc(r.line, spec.key[0], r.values[keyIdx[0]]))
          if p.severity == .error {
            d.error(p.code, p.message, at: p.location)
          } else {
            d.warning(p.code, p.message, at: p.location)
          }
        } else {
          seenKeys[k] = r.line
        }
      }
      // Location of the row.
      var located = false
      if spec.located, let li = t.fieldIndex("lon"), let ai = t.fieldIndex("lat"),
        !r.values[li].isEmpty || !r.values[ai].isEmpty
      {
        located = true
        let text = "\(r.values[li]), \(r.values[ai])"
        if let lon = PlainDecimal.parse(r.values[li]), let lat = PlainDecimal.parse(r.values[ai]),
          (-180...180).contains(lon), (-90...90).contains(lat)
        {
          if let locator, let inside = locator(lon, lat), !inside {
            d.error(
              "table.point-outside", "the point (lon, lat) lies in no unit",
              at: loc(r.line, "lon", text))
          }
        } else {
          d.error(
            "table.bad-coordinates", "lon and lat must be WGS 84 degrees",
            at: loc(r.line, "lon", text))
        }
      }
      if !located, codesUsable, let ci = t.fieldIndex(codeColumn), role != "names" {
        let code = r.values[ci]
        if code.isEmpty {
          d.error(
            "table.missing-value",
            spec.located
              ? "the row needs unit_code or lon and lat" : "unit_code is empty",
            at: loc(r.line, codeColumn))
        } else if units != nil, !unitCodes.contains(normalisedCode(code, code12: code12)) {
          d.error(
            "table.unknown-unit",
            "unit code \(code) is not in the unit layer or the townships and counties above it",
            at: loc(r.line, codeColumn, code))
        }
      }
      checkRoleValues(role, t, r, loc: loc)
    }
  }

  /// Sector, class and pollutant words.
  func checkRoleValues(
    _ role: String, _ t: Table, _ r: Table.Row,
    loc: (Int?, String?, String?) -> ProblemLocation
  ) {
    if role == "material_products" {
      if let si = t.fieldIndex("sector"), materialSectors[r.values[si]] == nil {
        d.error(
          "table.unknown-sector",
          "unknown sector; use one of: \(materialSectors.keys.sorted().joined(separator: ", "))",
          at: loc(r.line, "sector", r.values[si]))
      }
      if let ai = t.fieldIndex("allocate_to") {
        for w in r.values[ai].split(separator: ";") {
          let word = w.trimmingCharacters(in: .whitespaces).lowercased()
          if classWords[word] == nil {
            d.error(
              "table.unknown-class",
              "unknown class word; use: \(classWords.keys.sorted().joined(separator: ", "))",
              at: loc(r.line, "allocate_to", word))
          }
        }
      }
    }
    if role == "emissions", let pi = t.fieldIndex("pollutant") {
      let known = airPollutants + waterPollutants
      if !known.contains(r.values[pi].lowercased()) {
        d.error(
          "table.unknown-pollutant",
          "unknown pollutant; use one of: " + known.joined(separator: ", "),
          at: loc(r.line, "pollutant", r.values[pi]))
      }
    }
  }

  /// A function telling whether a WGS 84 point lies in a unit (nil when it cannot tell).
  func pointLocator() -> ((Double, Double) -> Bool?)? {
    guard let u = units, let g = grid,
      let t = try? CoordinateTransformation(from: try SpatialReference.wgs84(), to: g.crs)
    else { return nil }
    return { lon, lat in
      var x = [lon]
      var y = [lat]
      guard (try? t.transform(x: &x, y: &y)) != nil,
        let p = try? Geometry(wkt: "POINT (\(x[0]) \(y[0]))")
      else { return nil }
      return u.geometries.contains { !$0.isEmpty && $0.contains(p) }
    }
  }
}
