import Foundation
import GEPCore
import GEPGeo

/// `report.html`: the account as one self-contained page — the "one map" (生态一张图) and the
/// cockpit (可视化驾驶舱) of issue 16 — drawn only from the files of an account folder
/// (`AccountFiles`): a choropleth of value density (yuan/km²) by unit, switchable by category
/// and indicator, with the value grades 1–5 (资源分级), a legend, north arrow, scale bar and
/// the unit boundaries, drill-down county → township → village (click, or `report.html#unit=CODE`);
/// the county's GEP by category and indicator, GEP/GDP, per capita and value density; the
/// service × ecosystem-class matrix as a heatmap; the top and bottom units; the indicator table
/// (physical quantity and unit, value, method, price and source, status); warnings and every
/// not-computed indicator; the inputs with their SHA-256 from the manifest.
///
/// The page loads nothing: inline SVG, CSS and a little vanilla JavaScript, and a
/// Content-Security-Policy (`default-src 'none'`) that forbids every network load, so it opens
/// from a USB stick on an offline office PC. Chinese labels by default, English by a toggle;
/// money in 万元/亿元, areas in km², hm² and 亩.
///
/// The map is drawn in the grid's CRS (from the manifest; a geographic grid in a Lambert
/// azimuthal equal-area projection centred on the units), every vertex of `units.geojson`
/// kept (no simplification, so shared boundaries stay shared), coordinates rounded to 1/10 000
/// of the map's extent.
///
/// - Throws: `GDALError` when the map's CRS cannot be built or a coordinate not transformed.
public func reportHTML(_ files: AccountFiles) throws -> String {
  var page = ReportPage(files)
  return try page.render()
}

/// HTML text with `&`, `<`, `>`, `"` and `'` escaped.
func htmlEscape(_ s: String) -> String {
  var out = ""
  out.reserveCapacity(s.utf8.count)
  for c in s.unicodeScalars {
    switch c {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    case "'": out += "&#39;"
    default: out.unicodeScalars.append(c)
    }
  }
  return out
}

/// A bilingual label: Chinese shown by default, English with the page's toggle.
func bi(_ zh: String, _ en: String) -> String {
  "<span class=\"zh\">\(htmlEscape(zh))</span><span class=\"en\">\(htmlEscape(en))</span>"
}

/// Money for the audience: ≥ 1 亿元 (10⁸ yuan) in 亿元, else in 万元 (10⁴ yuan), 2 decimals;
/// "—" for a value not computed (never 0).
func moneyText(_ yuan: Double?) -> String {
  guard let v = yuan, v.isFinite else { return "—" }
  if abs(v) >= UnitConversion.yi { return String(format: "%.2f 亿元", v / UnitConversion.yi) }
  return String(format: "%.2f 万元", v / UnitConversion.wan)
}

/// The category of GEP with its Chinese and English names.
let reportCategories: [(key: String, zh: String, en: String)] = [
  ("material", "物质产品", "Material products"), ("regulating", "调节服务", "Regulating services"),
  ("cultural", "文化服务", "Cultural services"),
]

/// The level names: county 县, township 乡镇, village 村.
func levelName(_ level: String) -> (zh: String, en: String) {
  switch level {
  case "county": return ("县", "county")
  case "township": return ("乡镇", "township")
  case "village": return ("村", "village")
  default: return (level, level)
  }
}

/// The page builder: reads the account's tables once and renders the sections.
struct ReportPage {
  let files: AccountFiles
  /// summary.csv records, file order.
  let summary: [[String: String]]
  /// The indicator ids of summary.csv's `<id>_yuan` columns, in column order.
  let indicatorIDs: [String]
  /// Indicator id → Chinese name (from indicators.csv).
  var nameZH: [String: String] = [:]
  /// The county row.
  let county: [String: String]?

  init(_ files: AccountFiles) {
    self.files = files
    summary = files.summary.records
    let fixed: Set<String> = [
      "material_yuan", "regulating_yuan", "cultural_yuan", "gep_yuan", "gdp_yuan",
      "gep_per_capita_yuan",
    ]
    indicatorIDs = files.summary.header.filter { $0.hasSuffix("_yuan") && !fixed.contains($0) }
      .map { String($0.dropLast(5)) }
    for r in files.indicators.records where nameZH[r["indicator"] ?? ""] == nil {
      nameZH[r["indicator"] ?? ""] = r["name_zh"] ?? ""
    }
    county = summary.first { ($0["level"] ?? "").hasPrefix("county") } ?? summary.first
  }

  /// A number of a summary field, nil when empty.
  func number(_ r: [String: String]?, _ key: String) -> Double? {
    guard let s = r?[key], !s.isEmpty else { return nil }
    return Double(s)
  }

  /// An indicator id as English words ("water_conservation" → "water conservation").
  func englishName(_ id: String) -> String { id.replacingOccurrences(of: "_", with: " ") }

  mutating func render() throws -> String {
    let title = county?["name"] ?? "GEP"
    let year = (files.manifest["accounting_year"] as? Int).map(String.init) ?? ""
    var h = """
      <!DOCTYPE html>
      <html lang="zh-CN"><head><meta charset="utf-8">
      <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(htmlEscape(title)) \(year) GEP</title>
      <style>\(reportCSS)</style></head>
      <body data-lang="zh">
      <header><h1>\(bi("\(title) \(year) 年生态产品总值（GEP）核算", "\(title): gross ecosystem product (GEP) account \(year)"))</h1>
      <button id="lang" type="button">English</button></header>

      """
    h += kpiSection()
    h += warningSection()
    h += try mapSection()
    h += chartSection()
    h += matrixSection()
    h += rankSection()
    h += indicatorSection()
    h += inputSection()
    h += "<footer>" + bi("由 gep 根据核算文件夹中的文件生成：", "Drawn by gep from the account folder's files: ")
    h += " summary.csv, indicators.csv, matrix.csv, units.geojson, manifest.json. "
    h += htmlEscape((files.manifest["engine"] as? String) ?? "") + ", GDAL "
    h += htmlEscape((files.manifest["gdal"] as? String) ?? "") + ".</footer>\n"
    h += "<script>\(reportJS)</script>\n</body></html>\n"
    return h
  }

  /// The county's figures: GEP, categories, GEP/GDP, per capita, value density, area, status.
  func kpiSection() -> String {
    let c = county
    let gep = number(c, "gep_yuan")
    var h = "<section id=\"kpi\" class=\"cards\">\n"
    func card(_ zh: String, _ en: String, _ value: String, id: String = "", extra: String = "")
      -> String
    {
      "<div class=\"card\"\(id.isEmpty ? "" : " id=\"\(id)\"")\(extra)><div class=\"k\">\(bi(zh, en))</div>"
        + "<div class=\"v\">\(htmlEscape(value))</div></div>\n"
    }
    h += card(
      "生态产品总值 GEP", "GEP total", moneyText(gep), id: "county-gep",
      extra:
        " data-yuan=\"\(htmlEscape(c?["gep_yuan"] ?? ""))\" data-code=\"\(htmlEscape(c?["code"] ?? ""))\""
    )
    for cat in reportCategories {
      h += card(cat.zh, cat.en, moneyText(number(c, "\(cat.key)_yuan")))
    }
    h += card(
      "GEP/GDP", "GEP/GDP",
      number(c, "gep_gdp_ratio").map { String(format: "%.2f", $0) } ?? "—")
    h += card(
      "人均 GEP", "GEP per capita",
      number(c, "gep_per_capita_yuan").map { String(format: "%.2f 万元/人", $0 / 1e4) } ?? "—")
    h += card(
      "单位面积 GEP", "Value density",
      number(c, "gep_density_yuan_per_km2").map { String(format: "%.2f 万元/km²", $0 / 1e4) }
        ?? "—")
    let area = number(c, "area_km2")
    h += card(
      "面积", "Area",
      area.map { String(format: "%.2f km² (%.0f hm², %.0f 亩)", $0, $0 * 100, $0 * 1500) } ?? "—")
    let complete = c?["gep_status"] == "complete"
    h +=
      "<div class=\"card \(complete ? "ok" : "bad")\"><div class=\"k\">\(bi("核算状态", "Status"))</div><div class=\"v\">"
      + (complete ? bi("完整", "complete") : bi("不完整", "incomplete")) + "</div></div>\n"
    return h + "</section>\n"
  }

  /// Warnings of the manifest and every not-computed or partial indicator, prominently.
  func warningSection() -> String {
    var h = ""
    let notComputed = (county?["not_computed"] ?? "").split(separator: ";").map(String.init)
    let partial = (county?["partial"] ?? "").split(separator: ";").map(String.init)
    let warnings = (files.manifest["warnings"] as? [[String: Any]]) ?? []
    guard !notComputed.isEmpty || !partial.isEmpty || !warnings.isEmpty else { return "" }
    h +=
      "<section id=\"warnings\" class=\"alert\"><h2>\(bi("警告与未核算指标", "Warnings and indicators not computed"))</h2>\n"
    func names(_ ids: [String]) -> String {
      ids.map { id in
        // "other_material_products (optional)": an optional indicator of the profile.
        let optional = id.hasSuffix(" (optional)")
        let plain = optional ? String(id.dropLast(11)) : id
        let base = String(plain.split(separator: "/").first ?? Substring(plain))
        let zh = nameZH[base].map { $0.isEmpty ? "" : "\($0)\(optional ? "（可选）" : "") " } ?? ""
        return
          "<li data-indicator=\"\(htmlEscape(id))\"><b>\(htmlEscape(zh))</b><code>\(htmlEscape(id))</code></li>"
      }.joined()
    }
    if !notComputed.isEmpty {
      h +=
        "<p class=\"big\">\(bi("未核算（不计入 GEP，不是 0）：", "Not computed (missing from GEP, not zero):"))</p><ul id=\"not-computed\">\(names(notComputed))</ul>\n"
    }
    if !partial.isEmpty {
      h += "<p>\(bi("部分核算：", "Partly computed:"))</p><ul id=\"partial\">\(names(partial))</ul>\n"
    }
    if !warnings.isEmpty {
      h += "<p>\(bi("核算警告：", "Warnings of the run:"))</p><ul class=\"warn\">"
      for w in warnings {
        h +=
          "<li><code>\(htmlEscape(w["code"] as? String ?? ""))</code> "
          + "\(htmlEscape(w["message"] as? String ?? ""))</li>"
      }
      h += "</ul>\n"
    }
    return h + "</section>\n"
  }

  /// The map: one SVG path per unit (data-code, data-level, data-parent), the legend, north
  /// arrow and scale bar (placed by the script), the mode selector and the drill-down panel.
  func mapSection() throws -> String {
    let shapes = try projectedShapes()
    var minX = Double.infinity
    var minY = Double.infinity
    var maxX = -Double.infinity
    var maxY = -Double.infinity
    for s in shapes {
      for r in s.rings {
        for p in r {
          minX = min(minX, p.0)
          maxX = max(maxX, p.0)
          minY = min(minY, p.1)
          maxY = max(maxY, p.1)
        }
      }
    }
    if !minX.isFinite {
      minX = 0
      minY = 0
      maxX = 1
      maxY = 1
    }
    let extent = max(maxX - minX, maxY - minY, 1e-9)
    let scale = 10_000 / extent  // map units per metre
    func sx(_ x: Double) -> Double { ((x - minX) * scale).rounded() }
    func sy(_ y: Double) -> Double { ((maxY - y) * scale).rounded() }
    let width = sx(maxX)
    let height = sy(minY)
    var paths = ""
    var boxes: [String: [Double]] = [:]
    // Villages first, then townships and the county on top (outlines drawn over fills).
    let order = ["village": 0, "township": 1, "county": 2]
    let byCode = Dictionary(summary.map { ($0["code"] ?? "", $0) }, uniquingKeysWith: { a, _ in a })
    for s in shapes.sorted(by: { (order[$0.level] ?? 0) < (order[$1.level] ?? 0) }) {
      var d = ""
      var bx = [Double.infinity, Double.infinity, -Double.infinity, -Double.infinity]
      for r in s.rings where r.count >= 3 {
        for (i, p) in r.enumerated() {
          let x = sx(p.0)
          let y = sy(p.1)
          bx = [min(bx[0], x), min(bx[1], y), max(bx[2], x), max(bx[3], y)]
          d += (i == 0 ? "M" : "L") + formatNumber(x) + " " + formatNumber(y)
        }
        d += "Z"
      }
      if bx[0].isFinite { boxes[s.code] = bx }
      let name = byCode[s.code]?["name"] ?? s.code
      paths +=
        "<path class=\"unit\" data-code=\"\(htmlEscape(s.code))\" data-level=\"\(htmlEscape(s.level))\" "
        + "data-parent=\"\(htmlEscape(s.parent))\" d=\"\(d)\"><title>\(htmlEscape(name))</title></path>\n"
    }
    var h = "<section id=\"map-section\"><h2>\(bi("生态一张图", "One map of GEP"))</h2>\n"
    h += "<div class=\"controls\"><label>\(bi("显示：", "Show: "))<select id=\"mode\">"
    h += "<option value=\"gep\">\(htmlEscape("GEP 价值密度 · value density (万元/km²)"))</option>"
    h += "<option value=\"grade\">\(htmlEscape("资源分级 1–5 · value grade 1–5"))</option>"
    for c in reportCategories {
      h += "<option value=\"\(c.key)\">\(htmlEscape("\(c.zh) · \(c.en) (万元/km²)"))</option>"
    }
    for id in indicatorIDs {
      let zh = nameZH[id] ?? ""
      h +=
        "<option value=\"\(htmlEscape(id))\">\(htmlEscape("\(zh) · \(englishName(id)) (万元/km²)"))</option>"
    }
    h +=
      "</select></label> <button id=\"up\" type=\"button\">\(bi("↑ 返回上级", "↑ Up one level"))</button>"
    h += " <span id=\"crumbs\"></span></div>\n"
    h +=
      "<div class=\"mapwrap\"><div id=\"map-box\"><svg id=\"map\" viewBox=\"0 0 \(formatNumber(width)) \(formatNumber(height))\" "
    h +=
      "data-full=\"0 0 \(formatNumber(width)) \(formatNumber(height))\" data-metres-per-unit=\"\(formatNumber(1 / scale))\" "
    h += "preserveAspectRatio=\"xMidYMid meet\" xmlns=\"http://www.w3.org/2000/svg\">\n"
    h +=
      "<defs><pattern id=\"hatch\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
    h +=
      "<rect width=\"8\" height=\"8\" fill=\"#eee\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#bbb\" stroke-width=\"3\"/></pattern></defs>\n"
    h += paths + "</svg>\n"
    h +=
      "<svg id=\"north\" viewBox=\"0 0 40 60\" aria-label=\"north arrow\"><polygon points=\"20,4 32,44 20,36 8,44\" fill=\"#222\"/>"
    h += "<text x=\"20\" y=\"58\" text-anchor=\"middle\" font-size=\"14\">N</text></svg>\n"
    h +=
      "<div id=\"scalebar\"><div id=\"scalebar-bar\"></div><span id=\"scalebar-text\"></span></div>\n"
    h += "<div id=\"legend\"></div><div id=\"tip\" hidden></div></div>\n"
    h += "<aside id=\"panel\"><h3 id=\"focus-name\"></h3><div id=\"focus-figures\"></div>"
    h += "<h4 id=\"children-title\"></h4><ol id=\"children\"></ol></aside></div>\n"
    h +=
      "<p class=\"note\">\(bi("颜色：所选指标的价值密度（万元/km²），按当前显示单位的五分位分级；斜线为未核算。点击乡镇查看下辖村；指北针指向格网北。", "Colour: value density of the chosen indicator (万元/km²) in quintiles of the units shown; hatched: not computed. Click a township to see its villages; the arrow points to grid north."))</p>\n"
    // The figures of every unit the script needs, as JSON (</ escaped).
    var units: [String] = []
    let shapeByCode = Dictionary(shapes.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
    for r in summary {
      guard let code = r["code"], boxes[code] != nil else { continue }
      var v: [String] = []
      for key in ["gep"] + reportCategories.map(\.key) + indicatorIDs {
        v.append("\(jsonString(key)):\(number(r, "\(key)_yuan").map(formatNumber) ?? "null")")
      }
      let b = boxes[code] ?? []
      let shape = shapeByCode[code]
      units.append(
        "\(jsonString(code)):{\"n\":\(jsonString(r["name"] ?? code)),\"l\":\(jsonString(shape?.level ?? "")),"
          + "\"p\":\(jsonString(r["parent_code"] ?? "")),\"a\":\(number(r, "area_km2").map(formatNumber) ?? "null"),"
          + "\"g\":\(number(r, "grade").map(formatNumber) ?? "null"),"
          + "\"r\":\(number(r, "gep_gdp_ratio").map(formatNumber) ?? "null"),"
          + "\"pc\":\(number(r, "gep_per_capita_yuan").map(formatNumber) ?? "null"),"
          + "\"s\":\(jsonString(r["gep_status"] ?? "")),\"nc\":\(jsonString(r["not_computed"] ?? "")),"
          + "\"b\":[\(b.map(formatNumber).joined(separator: ","))],\"v\":{\(v.joined(separator: ","))}}"
      )
    }
    let modes =
      [("gep", "GEP", "GEP"), ("grade", "资源分级", "grade")]
      + reportCategories.map { ($0.key, $0.zh, $0.en) }
      + indicatorIDs.map { ($0, nameZH[$0] ?? $0, englishName($0)) }
    let json =
      "{\"root\":\(jsonString(county?["code"] ?? "")),\"units\":{\(units.joined(separator: ",\n"))},"
      + "\"modes\":{\(modes.map { "\(jsonString($0.0)):[\(jsonString($0.1)),\(jsonString($0.2))]" }.joined(separator: ","))}}"
    h +=
      "<script type=\"application/json\" id=\"gep-data\">"
      + json.replacingOccurrences(of: "</", with: "<\\/") + "</script>\n"
    return h + "</section>\n"
  }

  /// A unit's rings projected to the map's CRS (metres).
  struct Shape {
    let code: String
    let level: String
    let parent: String
    var rings: [[(Double, Double)]]
  }

  /// The features of units.geojson (lon/lat) in the grid's CRS, or a Lambert azimuthal
  /// equal-area projection centred on them when the grid is geographic or has no CRS.
  func projectedShapes() throws -> [Shape] {
    var shapes: [Shape] = []
    var lon = 0.0
    var lat = 0.0
    var n = 0.0
    for f in files.features {
      let p = f["properties"] as? [String: Any] ?? [:]
      let g = f["geometry"] as? [String: Any]
      var rings: [[(Double, Double)]] = []
      func ring(_ a: Any) -> [(Double, Double)] {
        ((a as? [[Double]]) ?? []).compactMap { $0.count >= 2 ? ($0[0], $0[1]) : nil }
      }
      switch g?["type"] as? String {
      case "Polygon": rings = ((g?["coordinates"] as? [Any]) ?? []).map(ring)
      case "MultiPolygon":
        for poly in (g?["coordinates"] as? [Any]) ?? [] {
          rings += ((poly as? [Any]) ?? []).map(ring)
        }
      default: continue
      }
      for r in rings {
        for q in r {
          lon += q.0
          lat += q.1
          n += 1
        }
      }
      shapes.append(
        Shape(
          code: p["code"] as? String ?? "", level: p["level"] as? String ?? "",
          parent: p["parent_code"] as? String ?? "", rings: rings))
    }
    guard n > 0 else { return shapes }
    let grid = files.manifest["grid"] as? [String: Any]
    var target: SpatialReference? = nil
    if let wkt = grid?["crs_wkt"] as? String, !wkt.isEmpty,
      let s = try? SpatialReference(definition: wkt), s.isProjected
    {
      target = s
    }
    let crs =
      try target
      ?? SpatialReference(
        definition: "+proj=laea +lat_0=\(lat / n) +lon_0=\(lon / n) +datum=WGS84 +units=m +no_defs")
    let t = try CoordinateTransformation(from: try SpatialReference.wgs84(), to: crs)
    let metres = crs.metresPerUnit > 0 ? crs.metresPerUnit : 1
    for i in shapes.indices {
      for j in shapes[i].rings.indices {
        var x = shapes[i].rings[j].map(\.0)
        var y = shapes[i].rings[j].map(\.1)
        try t.transform(x: &x, y: &y)
        shapes[i].rings[j] = zip(x, y).map { ($0 * metres, $1 * metres) }
      }
    }
    return shapes
  }

  /// Horizontal bars of the county's GEP by category and by indicator.
  func chartSection() -> String {
    // Indicators whose every county line is not applicable (e.g. coastal protection inland):
    // "not applicable", not "not computed".
    let countyLines = files.indicators.records.filter { $0["code"] == county?["code"] }
    let notApplicable = Set(
      indicatorIDs.filter { id in
        let lines = countyLines.filter { $0["indicator"] == id }
        return !lines.isEmpty && lines.allSatisfy { $0["status"] == "not_applicable" }
      }.map { nameZH[$0] ?? $0 })
    var h =
      "<section id=\"charts\"><h2>\(bi("GEP 构成", "Composition of GEP"))</h2><div class=\"two\">\n"
    func bars(_ items: [(String, String, Double?)], id: String) -> String {
      let maxV = items.compactMap { $0.2 }.map(abs).max() ?? 0
      var b = "<div class=\"bars\" id=\"\(id)\">"
      for (zh, en, v) in items {
        let w = v.map { maxV > 0 ? abs($0) / maxV * 100 : 0 } ?? 0
        let missing =
          notApplicable.contains(zh)
          ? "<i class=\"na\">\(bi("不适用", "not applicable"))</i>"
          : "<i class=\"nc\">\(bi("未核算", "not computed"))</i>"
        b +=
          "<div class=\"bar\"><span class=\"lab\">\(bi(zh, en))</span><span class=\"track\">"
          + (v == nil
            ? missing
            : "<b style=\"width:\(String(format: "%.1f", w))%\"></b>")
          + "</span><span class=\"num\">\(htmlEscape(moneyText(v)))</span></div>"
      }
      return b + "</div>\n"
    }
    h += "<div><h3>\(bi("按类别", "By category"))</h3>"
    h += bars(
      reportCategories.map { ($0.zh, $0.en, number(county, "\($0.key)_yuan")) }, id: "by-category")
    h += "</div><div><h3>\(bi("按指标", "By indicator"))</h3>"
    let items = indicatorIDs.map {
      (nameZH[$0] ?? $0, englishName($0), number(county, "\($0)_yuan"))
    }
    .sorted { ($0.2 ?? -Double.infinity) > ($1.2 ?? -Double.infinity) }
    h += bars(items, id: "by-indicator") + "</div></div></section>\n"
    return h
  }

  /// The county's service × ecosystem-class matrix (matrix.csv) as a heatmap table.
  func matrixSection() -> String {
    guard let code = county?["code"] else { return "" }
    let rows = files.matrix.records.filter { $0["code"] == code }
    guard !rows.isEmpty else { return "" }
    var classes: [(String, String)] = []
    var services: [(String, String)] = []
    var cell: [String: Double] = [:]
    for r in rows {
      let cls = (r["class_name_zh"] ?? "", r["class_name"] ?? "")
      let service =
        r["indicator"].map { $0 + ((r["component"] ?? "").isEmpty ? "" : "/" + r["component"]!) }
        ?? ""
      if !classes.contains(where: { $0 == cls }) { classes.append(cls) }
      let sid = (service, r["indicator"] ?? "")
      if !services.contains(where: { $0.0 == service }) { services.append(sid) }
      cell[service + "\t" + cls.1, default: 0] += Double(r["value_yuan"] ?? "") ?? 0
    }
    let maxV = cell.values.map(abs).max() ?? 0
    var h =
      "<section id=\"matrix\"><h2>\(bi("服务 × 生态系统类型矩阵（万元）", "Service × ecosystem class matrix (万元)"))</h2>"
    h += "<div class=\"scroll\"><table class=\"heat\"><tr><th></th>"
    for c in classes { h += "<th>\(bi(c.0, c.1))</th>" }
    h += "</tr>\n"
    for (service, id) in services {
      h +=
        "<tr><th>\(bi((nameZH[id] ?? id) + (service == id ? "" : " " + service.dropFirst(id.count)), englishName(service)))</th>"
      for c in classes {
        if let v = cell[service + "\t" + c.1] {
          let a = maxV > 0 ? abs(v) / maxV : 0
          h +=
            "<td style=\"background:rgba(26,127,55,\(String(format: "%.3f", 0.08 + 0.85 * a)));color:\(a > 0.55 ? "#fff" : "#111")\">\(String(format: "%.1f", v / 1e4))</td>"
        } else {
          h += "<td class=\"empty\"></td>"
        }
      }
      h += "</tr>\n"
    }
    return h + "</table></div></section>\n"
  }

  /// The five units of the lowest level with the highest and the lowest value density.
  func rankSection() -> String {
    let lowest = summary.filter { ($0["level"] ?? "").hasPrefix("village") }
    let units =
      (lowest.isEmpty ? summary.filter { !($0["level"] ?? "").hasPrefix("county") } : lowest)
      .filter { number($0, "gep_density_yuan_per_km2") != nil }
      .sorted { number($0, "gep_density_yuan_per_km2")! > number($1, "gep_density_yuan_per_km2")! }
    guard !units.isEmpty else { return "" }
    func table(_ rows: [[String: String]], id: String) -> String {
      var t =
        "<table id=\"\(id)\"><tr><th>\(bi("单位", "Unit"))</th><th>\(bi("价值密度 万元/km²", "Density 万元/km²"))</th><th>GEP</th><th>\(bi("分级", "Grade"))</th></tr>"
      for r in rows {
        t +=
          "<tr><td><a href=\"#unit=\(htmlEscape(r["code"] ?? ""))\">\(htmlEscape(r["name"] ?? ""))</a></td>"
          + "<td class=\"r\">\(String(format: "%.2f", number(r, "gep_density_yuan_per_km2")! / 1e4))</td>"
          + "<td class=\"r\">\(htmlEscape(moneyText(number(r, "gep_yuan"))))</td><td class=\"r\">\(htmlEscape(r["grade"] ?? ""))</td></tr>"
      }
      return t + "</table>"
    }
    let k = min(5, units.count)
    var h =
      "<section id=\"ranks\"><h2>\(bi("价值密度最高与最低的单位", "Units with the highest and lowest value density"))</h2><div class=\"two\">"
    h += "<div><h3>\(bi("最高", "Highest"))</h3>\(table(Array(units.prefix(k)), id: "top"))</div>"
    h +=
      "<div><h3>\(bi("最低", "Lowest"))</h3>\(table(Array(units.suffix(k).reversed()), id: "bottom"))</div>"
    return h + "</div></section>\n"
  }

  /// The county's lines of indicators.csv.
  func indicatorSection() -> String {
    guard let code = county?["code"] else { return "" }
    let rows = files.indicators.records.filter { $0["code"] == code }
    var h =
      "<section id=\"indicators\"><h2>\(bi("指标表", "Indicators"))</h2><div class=\"scroll\"><table>"
    h +=
      "<tr><th>\(bi("指标", "Indicator"))</th><th>\(bi("实物量", "Physical quantity"))</th><th>\(bi("价值", "Value"))</th>"
    h +=
      "<th>\(bi("方法", "Method"))</th><th>\(bi("价格（年份、来源）", "Price (year, source)"))</th><th>\(bi("状态", "Status"))</th></tr>\n"
    for r in rows {
      let status = r["status"] ?? ""
      let statusText: String
      switch status {
      case "computed": statusText = bi("已核算", "computed")
      case "partial": statusText = bi("部分核算", "partial")
      case "not_computed": statusText = bi("未核算", "not computed")
      case "not_applicable": statusText = bi("不适用", "not applicable")
      default: statusText = htmlEscape(status)
      }
      let id = r["indicator"] ?? ""
      let comp = r["component"] ?? ""
      let q = Double(r["physical_quantity"] ?? "")
      h +=
        "<tr class=\"st-\(htmlEscape(status))\"><td>\(bi((r["name_zh"] ?? id) + (comp.isEmpty ? "" : " · \(comp)"), englishName(id) + (comp.isEmpty ? "" : " · \(comp)")))</td>"
      h +=
        "<td class=\"r\">\(q.map { htmlEscape(String(format: "%.6g", $0) + " " + (r["physical_unit"] ?? "")) } ?? "—")</td>"
      h += "<td class=\"r\">\(htmlEscape(moneyText(Double(r["value_yuan"] ?? ""))))</td>"
      h +=
        "<td>\(htmlEscape(r["method"] ?? ""))</td><td class=\"small\">\(htmlEscape(r["price_and_source"] ?? ""))</td>"
      h += "<td>\(statusText)</td></tr>\n"
    }
    return h + "</table></div></section>\n"
  }

  /// The inputs of the manifest with their size and SHA-256.
  func inputSection() -> String {
    let inputs = (files.manifest["inputs"] as? [[String: Any]]) ?? []
    var h = "<section id=\"inputs\"><h2>\(bi("输入数据及其 SHA-256", "Inputs and their SHA-256"))</h2>"
    h += "<p>" + bi("核算年份 ", "Accounting year ")
    h += htmlEscape((files.manifest["accounting_year"] as? Int).map(String.init) ?? "") + "; "
    h +=
      bi("参数集 ", "profile ") + "<code>" + htmlEscape(files.manifest["profile"] as? String ?? "")
      + "</code>; "
    let grid = files.manifest["grid"] as? [String: Any]
    h += bi("格网 ", "grid ") + htmlEscape((grid?["epsg"] as? Int).map { "EPSG:\($0)" } ?? "") + " "
    h +=
      htmlEscape(
        ((grid?["cell_size"] as? [Double]) ?? []).map { formatNumber(abs($0)) }.joined(
          separator: " × ")) + "</p>"
    h +=
      "<div class=\"scroll\"><table class=\"small\"><tr><th>\(bi("角色", "Role"))</th><th>\(bi("文件", "File"))</th><th>\(bi("字节", "Bytes"))</th><th>SHA-256</th></tr>\n"
    for i in inputs {
      h +=
        "<tr><td>\(htmlEscape(i["role"] as? String ?? ""))</td><td><code>\(htmlEscape(i["relative_path"] as? String ?? i["path"] as? String ?? ""))</code></td>"
      h +=
        "<td class=\"r\">\((i["bytes"] as? Int).map(String.init) ?? "")</td><td><code class=\"hash\">\(htmlEscape(i["sha256"] as? String ?? ""))</code></td></tr>\n"
    }
    return h + "</table></div></section>\n"
  }
}
