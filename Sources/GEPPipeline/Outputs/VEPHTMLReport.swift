import Foundation
import GEPCore
import GEPGeo

/// The colour of a level-1 ecosystem class on the VEP maps (forest, shrub, grassland, wetland,
/// farmland, urban, bare, glacier; CLCD-like colours), grey for any other.
func ecosystemColour(_ level1: Int) -> String {
  switch level1 {
  case 1: return "#1b7837"
  case 2: return "#7fbc41"
  case 3: return "#d9ef8b"
  case 4: return "#4393c3"
  case 5: return "#fee08b"
  case 6: return "#d73027"
  case 7: return "#c2a57a"
  case 8: return "#f7f7f7"
  default: return "#bdbdbd"
  }
}

/// A land-use map for the VEP page: the class of each cell of a window of the grid, drawn as
/// one SVG path per level-1 class (row runs of equal class), in grid cell units.
struct ClassRaster {
  /// The window (grid cells) and the sampling step (1: every cell; k: every k-th cell).
  var window: RasterWindow
  var step: Int
  /// Level-1 class per sampled cell (row-major, `width × height` of the sampled raster), -1
  /// for nodata or an unknown code.
  var classes: [Int]
  var width: Int
  var height: Int

  /// SVG paths, one per class present, `data-class` = the level-1 code; coordinates in grid
  /// cells relative to the window's origin.
  func svgPaths() -> String {
    var byClass: [Int: String] = [:]
    for r in 0..<height {
      var c = 0
      while c < width {
        let k = classes[r * width + c]
        var e = c + 1
        while e < width && classes[r * width + e] == k { e += 1 }
        if k >= 0 {
          byClass[k, default: ""] +=
            "M\(c * step) \(r * step)h\((e - c) * step)v\(step)h-\((e - c) * step)z"
        }
        c = e
      }
    }
    return byClass.keys.sorted().map {
      "<path class=\"lu\" data-class=\"\($0)\" fill=\"\(ecosystemColour($0))\" d=\"\(byClass[$0]!)\"/>"
    }.joined(separator: "\n")
  }
}

/// Reads the classes of a window of a land-use band on the grid, sampling every `step`-th
/// cell so that the map holds at most about 160 000 cells.
///
/// - Throws: `GDALError` when the band cannot be read.
func classRaster(
  _ band: RasterBand, window: RasterWindow, model: CellModel, coefficients: CoefficientSet
) throws -> ClassRaster {
  let step = max(1, Int((Double(window.width * window.height) / 160_000).squareRoot().rounded(.up)))
  var values = [Double](repeating: 0, count: window.count)
  var valid = [Bool](repeating: false, count: window.count)
  try band.readMasked(window, values: &values, valid: &valid)
  let w = (window.width + step - 1) / step
  let h = (window.height + step - 1) / step
  var classes = [Int](repeating: -1, count: w * h)
  var level1: [Int: Int] = [:]
  func top(_ cls: Int) -> Int {
    if let t = level1[cls] { return t }
    var c = cls
    var guardSteps = 0
    while let e = coefficients.ecosystemClasses[c], e.level > 1, let p = e.parentCode,
      guardSteps < 8
    {
      c = p
      guardSteps += 1
    }
    level1[cls] = c
    return c
  }
  for r in 0..<h {
    for c in 0..<w {
      let i = (r * step) * window.width + c * step
      guard valid[i], let cls = model.ecosystemClass(code: Int(values[i])) else { continue }
      classes[r * w + c] = top(cls)
    }
  }
  return ClassRaster(window: window, step: step, classes: classes, width: w, height: h)
}

/// `vep-report.html` (issue 16): the VEP report of `vep-report.md` as one self-contained page
/// in the style of `report.html` — what a bank's credit officer files: the parcels on a map
/// over the baseline land-use classes (and over the scenario raster's classes when one is
/// given; a change table is listed, as it moves shares of a class, not cells), each parcel's
/// value per year, gain and present value (yuan, 万元, per 亩 and per hm²), the indicators with
/// their methods and prices with sources, warnings, and the inputs with their SHA-256. Loads
/// nothing (CSP `default-src 'none'`); Chinese by default with an English toggle.
///
/// - Parameters:
///   - parcels: the results, geometries in the grid's CRS.
///   - baseline, scenario: the land-use classes of the map window (scenario nil without a
///     scenario raster).
///   - changes: the change table's rules by parcel.
/// - Throws: Foundation errors when an input cannot be hashed.
func vepReportHTML(
  _ parcels: [ParcelResult], grid: Grid, baseline: ClassRaster, scenario: ClassRaster?,
  changes: [String: [(from: Int, to: Int, share: Double)]], config: RunConfiguration,
  options: VEPOptions, factor: Double, model: CellModel, coefficients: CoefficientSet,
  warnings: [Problem]
) throws -> String {
  let t = grid.geoTransform
  let win = baseline.window
  // Grid coordinates → cell units of the window (x right, y down).
  func px(_ x: Double, _ y: Double) -> (Double, Double) {
    (
      (x - t.originX) / t.pixelWidth - Double(win.colOffset),
      (y - t.originY) / t.pixelHeight - Double(win.rowOffset)
    )
  }
  let gains = parcels.map { $0.scenarioValue.value - $0.baselineValue.value }
  let maxGain = gains.map(abs).max() ?? 0
  var parcelPaths = ""
  var labels = ""
  let labelSize = Double(max(win.width, win.height)) / 30
  for (p, gain) in zip(parcels, gains) {
    guard let g = p.geometry,
      let obj = try? JSONSerialization.jsonObject(with: Data(g.geoJSON(significantDigits: 12).utf8))
        as? [String: Any]
    else { continue }
    var rings: [[[Double]]] = []
    switch obj["type"] as? String {
    case "Polygon": rings = (obj["coordinates"] as? [[[Double]]]) ?? []
    case "MultiPolygon":
      for poly in (obj["coordinates"] as? [[[[Double]]]]) ?? [] { rings += poly }
    default: break
    }
    var d = ""
    for r in rings {
      for (i, q) in r.enumerated() where q.count >= 2 {
        let (x, y) = px(q[0], q[1])
        d += (i == 0 ? "M" : "L") + String(format: "%.2f %.2f", x, y)
      }
      d += "Z"
    }
    let a = maxGain > 0 ? 0.15 + 0.55 * abs(gain) / maxGain : 0.15
    parcelPaths +=
      "<path class=\"parcel\" data-parcel=\"\(htmlEscape(p.id))\" data-gain-yuan=\"\(formatNumber(gain))\" "
      + "fill=\"\(gain >= 0 ? "rgba(124,58,237,\(String(format: "%.2f", a)))" : "rgba(220,38,38,\(String(format: "%.2f", a)))")\" "
      + "d=\"\(d)\"><title>\(htmlEscape(p.id))</title></path>\n"
    if let c = g.pointOnSurface {
      let (x, y) = px(c.x, c.y)
      labels +=
        "<text class=\"plabel\" x=\"\(String(format: "%.1f", x))\" y=\"\(String(format: "%.1f", y))\" "
        + "font-size=\"\(String(format: "%.1f", labelSize))\">\(htmlEscape(p.id))</text>\n"
    }
  }
  parcelPaths += labels
  let vw = Double(win.width)
  let vh = Double(win.height)
  let cellMetres = abs(t.pixelWidth) * (grid.crs.metresPerUnit > 0 ? grid.crs.metresPerUnit : 1)
  func map(_ id: String, _ title: String, _ raster: ClassRaster) -> String {
    var m =
      "<div class=\"vepmap\"><h3>\(title)</h3><div class=\"mapbox\"><svg id=\"\(id)\" viewBox=\"0 0 \(formatNumber(vw)) \(formatNumber(vh))\" "
    m +=
      "data-metres-per-unit=\"\(formatNumber(cellMetres))\" preserveAspectRatio=\"xMidYMid meet\" xmlns=\"http://www.w3.org/2000/svg\">\n"
    m += raster.svgPaths() + "\n<g class=\"parcels\">" + parcelPaths + "</g></svg>"
    m +=
      "<svg class=\"north\" viewBox=\"0 0 40 60\"><polygon points=\"20,4 32,44 20,36 8,44\" fill=\"#222\"/><text x=\"20\" y=\"58\" text-anchor=\"middle\" font-size=\"14\">N</text></svg>"
    m +=
      "<div class=\"scalebar\"><div class=\"scalebar-bar\"></div><span class=\"scalebar-text\"></span></div></div></div>"
    return m
  }
  let present = Set(baseline.classes + (scenario?.classes ?? [])).filter { $0 >= 0 }.sorted()
  var legend = "<div class=\"legend-inline\">"
  for c in present {
    let e = coefficients.ecosystemClasses[c]
    legend +=
      "<span><i style=\"background:\(ecosystemColour(c))\"></i>\(bi(e?.nameZH ?? "\(c)", e?.nameEN ?? "\(c)"))</span>"
  }
  legend +=
    "<span><i style=\"background:rgba(124,58,237,.5)\"></i>\(bi("地块（颜色深浅 = 增量）", "parcel (shade = gain)"))</span></div>"

  var h = """
    <!DOCTYPE html>
    <html lang="zh-CN"><head><meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
    <title>VEP</title><style>\(reportCSS)\(vepCSS)</style></head><body data-lang="zh">
    <header><h1>\(bi("特定地域单元生态产品价值（VEP）报告", "Value of ecosystem products (VEP) of parcels"))</h1>
    <button id="lang" type="button">English</button></header>

    """
  // Totals over the parcels.
  var base = ExactSum()
  var scen = ExactSum()
  var coveredAll = ExactSum()
  for p in parcels {
    base.add(p.baselineValue)
    scen.add(p.scenarioValue)
    coveredAll.add(p.coveredArea)
  }
  let gainAll = scen.value - base.value
  h += "<section class=\"cards\">"
  h +=
    "<div class=\"card\"><div class=\"k\">\(bi("地块数", "Parcels"))</div><div class=\"v\">\(parcels.count)</div></div>"
  h +=
    "<div class=\"card\"><div class=\"k\">\(bi("基准年价值", "Baseline value per year"))</div><div class=\"v\">\(htmlEscape(moneyText(base.value)))/a</div></div>"
  h +=
    "<div class=\"card\" id=\"vep-gain\" data-yuan=\"\(formatNumber(gainAll))\"><div class=\"k\">\(bi("情景年增量", "Gain per year"))</div><div class=\"v\">\(htmlEscape(moneyText(gainAll)))/a</div></div>"
  h +=
    "<div class=\"card\" id=\"vep-pv\" data-yuan=\"\(formatNumber(gainAll * factor))\"><div class=\"k\">\(bi("增量现值（\(options.years) 年）", "Present value of the gain (\(options.years) a)"))</div><div class=\"v\">\(htmlEscape(moneyText(gainAll * factor)))</div></div>"
  let cov = coveredAll.value
  h +=
    "<div class=\"card\"><div class=\"k\">\(bi("面积", "Area"))</div><div class=\"v\">\(String(format: "%.2f 亩 (%.4f hm²)", cov / squareMetresPerMu, cov / 1e4))</div></div>"
  h += "</section>\n"
  if !warnings.isEmpty {
    h += "<section class=\"alert\"><h2>\(bi("警告", "Warnings"))</h2><ul class=\"warn\">"
    for w in warnings {
      h +=
        "<li><code>\(htmlEscape(w.code))</code> \(htmlEscape(w.message))"
        + (w.location.value.map { " (\(htmlEscape($0)))" } ?? "") + "</li>"
    }
    h += "</ul></section>\n"
  }
  h += "<section id=\"maps\"><h2>\(bi("地块与土地利用", "Parcels over land use"))</h2><div class=\"two\">"
  h += map("map-baseline", bi("基准土地利用", "Baseline land use"), baseline)
  if let s = scenario {
    h += map("map-scenario", bi("情景土地利用", "Scenario land use"), s)
  } else {
    h += "<div class=\"vepmap\"><h3>\(bi("情景", "Scenario"))</h3>"
    if changes.isEmpty {
      h += "<p>\(bi("未给出情景：情景 = 基准。", "No scenario given: scenario = baseline."))</p>"
    } else {
      h +=
        "<p>\(bi("变化表按比例改变地块内某类土地的面积（不指定具体栅格）：", "The change table moves a share of a class's area in the parcel (no particular cells):"))</p>"
      h +=
        "<table id=\"changes\"><tr><th>\(bi("地块", "Parcel"))</th><th>\(bi("原类型", "From"))</th><th>\(bi("新类型", "To"))</th><th>\(bi("比例", "Share"))</th></tr>"
      // A land-use code with the ecosystem class it maps to.
      func name(_ code: Int) -> String {
        model.ecosystemClass(code: code).flatMap { coefficients.ecosystemClasses[$0] }
          .map { "\($0.nameZH) \($0.nameEN)" } ?? ""
      }
      for (parcel, rules) in changes.sorted(by: { $0.key < $1.key }) {
        for r in rules {
          h +=
            "<tr><td>\(htmlEscape(parcel))</td><td>\(r.from) \(htmlEscape(name(r.from)))</td>"
            + "<td>\(r.to) \(htmlEscape(name(r.to)))</td><td class=\"r\">\(formatNumber(r.share))</td></tr>"
        }
      }
      h += "</table>"
    }
    h += "</div>"
  }
  h += "</div>\(legend)</section>\n"
  // Parcels.
  h +=
    "<section id=\"parcels\"><h2>\(bi("各地块价值", "Value per parcel"))</h2><div class=\"scroll\"><table>"
  h +=
    "<tr><th>\(bi("地块", "Parcel"))</th><th>\(bi("覆盖面积", "Covered area"))</th><th>\(bi("基准 /a", "Baseline /a"))</th><th>\(bi("情景 /a", "Scenario /a"))</th>"
  h +=
    "<th>\(bi("增量 /a", "Gain /a"))</th><th>\(bi("每亩增量 元/亩/a", "Gain per 亩, yuan/亩/a"))</th><th>\(bi("每公顷增量 元/hm²/a", "Gain per hm², yuan/hm²/a"))</th>"
  h += "<th>\(bi("增量现值", "PV of gain"))</th><th>\(bi("状态", "Status"))</th></tr>\n"
  for (p, gain) in zip(parcels, gains) {
    let c = p.coveredArea.value
    let mu = c / squareMetresPerMu
    h += "<tr data-parcel=\"\(htmlEscape(p.id))\"><td>\(htmlEscape(p.id))</td>"
    h += "<td class=\"r\">\(String(format: "%.2f 亩<br>%.4f hm²<br>%.1f m²", mu, c / 1e4, c))</td>"
    h +=
      "<td class=\"r\">\(htmlEscape(moneyText(p.baselineValue.value)))</td><td class=\"r\">\(htmlEscape(moneyText(p.scenarioValue.value)))</td>"
    h += "<td class=\"r\">\(htmlEscape(moneyText(gain)))</td>"
    h +=
      "<td class=\"r\">\(mu > 0 ? String(format: "%.2f", gain / mu) : "—")</td><td class=\"r\">\(c > 0 ? String(format: "%.2f", gain / (c / 1e4)) : "—")</td>"
    h +=
      "<td class=\"r\">\(htmlEscape(moneyText(gain * factor)))</td><td>\(htmlEscape(p.totalStatus.rawValue))</td></tr>\n"
  }
  h += "</table></div>"
  h +=
    "<p class=\"note\">\(bi("现值", "Present value")) PV = Σ<sub>t=1..N</sub> F·(1+g)<sup>t−1</sup>/(1+r)<sup>t−1</sup> = F × \(String(format: "%.6f", factor)); N = \(options.years), r = \(formatNumber(options.discountRate)), g = \(formatNumber(options.priceGrowth)) (GEP-METHODS §10).</p></section>\n"
  // Lines per parcel.
  h +=
    "<section id=\"lines\"><h2>\(bi("各指标（每地块）", "Indicators per parcel"))</h2><div class=\"scroll\"><table class=\"small\">"
  h +=
    "<tr><th>\(bi("地块", "Parcel"))</th><th>\(bi("指标", "Indicator"))</th><th>\(bi("基准实物量", "Baseline quantity"))</th><th>\(bi("情景实物量", "Scenario quantity"))</th><th>\(bi("单位", "Unit"))</th><th>\(bi("基准 元/a", "Baseline yuan/a"))</th><th>\(bi("增量 元/a", "Gain yuan/a"))</th><th>\(bi("未核算比例", "Not computed"))</th></tr>\n"
  for p in parcels {
    let c = p.coveredArea.value
    for l in p.lines {
      let st = l.status(coveredArea: p.coveredArea)
      let q = st != .notComputed
      let v = q && l.hasValue
      h +=
        "<tr class=\"st-\(st.rawValue)\"><td>\(htmlEscape(p.id))</td><td>\(htmlEscape(l.indicator + (l.component.isEmpty ? "" : " · " + l.component)))</td>"
      h +=
        "<td class=\"r\">\(q ? String(format: "%.6g", l.baselineQuantity.value) : "—")</td><td class=\"r\">\(q ? String(format: "%.6g", l.scenarioQuantity.value) : "—")</td>"
      h +=
        "<td>\(htmlEscape(l.physicalUnit))</td><td class=\"r\">\(v ? String(format: "%.2f", l.baselineValue.value) : "—")</td>"
      h +=
        "<td class=\"r\">\(v ? String(format: "%.2f", l.scenarioValue.value - l.baselineValue.value) : "—")</td>"
      h +=
        "<td class=\"r\">\(c > 0 ? String(format: "%.1f %%", l.notComputedArea.value / c * 100) : "–")</td></tr>\n"
    }
  }
  h += "</table></div></section>\n"
  // Methods, coefficients and prices.
  h +=
    "<section id=\"methods\"><h2>\(bi("方法、系数与价格", "Methods, coefficients and prices"))</h2><div class=\"scroll\"><table class=\"small\">"
  h +=
    "<tr><th>\(bi("指标", "Indicator"))</th><th>\(bi("单位", "Unit"))</th><th>\(bi("方法", "Method"))</th><th>\(bi("价格及来源", "Price and source"))</th></tr>\n"
  for i in model.indicators {
    h +=
      "<tr><td>\(bi(i.nameZH + (i.component.map { " · \($0)" } ?? ""), i.id + (i.component.map { " · \($0)" } ?? "")))</td>"
    h +=
      "<td>\(htmlEscape(i.physicalUnit))</td><td>\(htmlEscape(i.method))</td><td>\(htmlEscape(i.priceNote))</td></tr>\n"
  }
  h +=
    "</table></div><p class=\"note\">\(bi("系数集", "Coefficient set")) <code>\(htmlEscape(config.profile))</code> (<code>\(htmlEscape(config.coefficientsFolder))</code>); \(bi("核算年份", "accounting year")) \(config.year).</p></section>\n"
  // Inputs.
  var files: [(String, String)] = [
    ("run file", config.runFile), ("land use", config.landUse.path), ("parcels", options.parcels),
  ]
  for (k, r) in config.rasters.sorted(by: { $0.key < $1.key }) { files.append((k, r.path)) }
  if let s = options.scenarioLandUse { files.append(("scenario land use", s)) }
  if let c = options.changes { files.append(("change table", c)) }
  h +=
    "<section id=\"inputs\"><h2>\(bi("输入数据及其 SHA-256", "Inputs and their SHA-256"))</h2><div class=\"scroll\"><table class=\"small\">"
  h += "<tr><th>\(bi("角色", "Role"))</th><th>\(bi("文件", "File"))</th><th>SHA-256</th></tr>\n"
  for (role, path) in files {
    h +=
      "<tr><td>\(htmlEscape(role))</td><td><code>\(htmlEscape(path))</code></td><td><code class=\"hash\">\(htmlEscape((try? sha256Hex(path: path)) ?? "unreadable"))</code></td></tr>\n"
  }
  h += "</table></div></section>\n"
  h += "<footer>gep \(htmlEscape(gepEngineVersion)), GDAL \(htmlEscape(GDAL.version)).</footer>\n"
  h += "<script>\(vepJS)</script></body></html>\n"
  return h
}

/// Extra styles of the VEP page.
let vepCSS = #"""
  .vepmap{flex:1 1 420px}.mapbox{position:relative;border:1px solid #ccc;background:#fafafa}
  .vepmap svg:first-child{width:100%;height:440px;display:block}
  path.parcel{stroke:#4c1d95;stroke-width:2.5px;vector-effect:non-scaling-stroke}
  text.plabel{fill:#111;stroke:#fff;stroke-width:3px;paint-order:stroke;font-weight:700;text-anchor:middle}
  .north{position:absolute;right:10px;top:8px;width:24px;height:36px}
  .scalebar{position:absolute;left:10px;bottom:8px;font-size:12px;background:rgba(255,255,255,.8);padding:2px 4px}
  .scalebar-bar{height:6px;border:1px solid #222;border-top:none;background:linear-gradient(90deg,#222 50%,#fff 50%)}
  .legend-inline{margin-top:8px;font-size:12px}.legend-inline span{margin-right:14px;white-space:nowrap}
  .legend-inline i{display:inline-block;width:14px;height:12px;margin-right:4px;vertical-align:middle;border:1px solid #999}
  """#

/// The script of the VEP page: scale bars true to each map, and the language toggle.
let vepJS = #"""
  (function(){
  "use strict";
  var body=document.body;
  function scalebars(){
    Array.prototype.forEach.call(document.querySelectorAll(".mapbox"),function(box){
      var svg=box.querySelector("svg"), vb=svg.getAttribute("viewBox").split(" ").map(Number), r=svg.getBoundingClientRect();
      if(!r.width)return;
      var k=Math.min(r.width/vb[2],r.height/vb[3]), mpp=Number(svg.getAttribute("data-metres-per-unit"))/k;
      var target=mpp*r.width/4, p=Math.pow(10,Math.floor(Math.log(target)/Math.LN10)), len=p;
      [1,2,5,10].forEach(function(f){if(f*p<=target)len=f*p;});
      box.querySelector(".scalebar-bar").style.width=(len/mpp).toFixed(1)+"px";
      box.querySelector(".scalebar-text").textContent=len>=1000?(len/1000)+" km":len+" m";
    });
  }
  document.getElementById("lang").addEventListener("click",function(){
    var en=body.getAttribute("data-lang")==="en"; body.setAttribute("data-lang",en?"zh":"en");
    this.textContent=en?"English":"中文";});
  window.addEventListener("resize",scalebars); scalebars();
  })();
  """#
