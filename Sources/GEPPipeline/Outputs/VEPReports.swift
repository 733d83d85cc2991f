import Foundation
import GEPCore
import GEPGeo

/// Square metres per mu (亩): 10 000 / 15 = 666.67 m².
let squareMetresPerMu = UnitConversion.squareMetresPerHectare / UnitConversion.muPerHectare

/// `vep.csv`: one row per parcel × indicator (and a `total` row per parcel, and an `all` parcel):
/// baseline, scenario and gain (physical and yuan per year), the present value over the
/// operating period of the baseline and of the gain, areas in m², hm², mu and km².
func vepCSV(_ parcels: [ParcelResult], factor: Double) -> String {
  var out = csvLine([
    "parcel_id", "indicator", "component", "category", "physical_unit", "baseline_quantity",
    "scenario_quantity", "gain_quantity", "baseline_value_yuan", "scenario_value_yuan",
    "gain_value_yuan", "baseline_present_value_yuan", "gain_present_value_yuan",
    "polygon_area_m2", "covered_area_m2", "covered_area_hm2", "covered_area_mu",
    "covered_area_km2", "price_and_source", "not_computed_share", "status",
  ])
  func areaFields(_ covered: Double, _ polygon: Double) -> [String] {
    [
      formatNumber(polygon), formatNumber(covered), formatNumber(covered / 1e4),
      formatNumber(covered / squareMetresPerMu), formatNumber(covered / 1e6),
    ]
  }
  var allBase = ExactSum()
  var allScen = ExactSum()
  var allCovered = ExactSum()
  var allPolygon = 0.0
  for p in parcels {
    let covered = p.coveredArea.value
    for l in p.lines {
      let gainQ = l.scenarioQuantity.value - l.baselineQuantity.value
      let gainV = l.scenarioValue.value - l.baselineValue.value
      // Not computed anywhere in the parcel: empty, never 0 (no price: the values are empty).
      let status = l.status(coveredArea: p.coveredArea)
      let q = status != .notComputed
      let v = q && l.hasValue
      func f(_ x: Double, _ shown: Bool) -> String { shown ? formatNumber(x) : "" }
      out += csvLine(
        [
          p.id, l.indicator, l.component, l.category.rawValue, l.physicalUnit,
          f(l.baselineQuantity.value, q), f(l.scenarioQuantity.value, q), f(gainQ, q),
          f(l.baselineValue.value, v), f(l.scenarioValue.value, v), f(gainV, v),
          f(l.baselineValue.value * factor, v), f(gainV * factor, v),
        ] + areaFields(covered, p.polygonArea)
          + [
            l.price, covered > 0 ? formatNumber(l.notComputedArea.value / covered) : "",
            status.rawValue,
          ])
    }
    let b = p.baselineValue.value
    let s = p.scenarioValue.value
    let any = p.lines.contains {
      $0.hasValue && $0.status(coveredArea: p.coveredArea) != .notComputed
    }
    func t(_ x: Double) -> String { any ? formatNumber(x) : "" }
    out += csvLine(
      [
        p.id, "total", "", "", "", "", "", "", t(b), t(s), t(s - b), t(b * factor),
        t((s - b) * factor),
      ] + areaFields(covered, p.polygonArea) + [
        "", "", any ? p.totalStatus.rawValue : "not_computed",
      ])
    allBase.add(p.baselineValue)
    allScen.add(p.scenarioValue)
    allCovered.add(p.coveredArea)
    allPolygon += p.polygonArea
  }
  let b = allBase.value
  let s = allScen.value
  // Valued somewhere: the sum of what was computed; nowhere: empty, never 0.
  let any = parcels.contains { p in
    p.lines.contains { $0.hasValue && $0.status(coveredArea: p.coveredArea) != .notComputed }
  }
  let complete = parcels.allSatisfy { $0.totalStatus == .computed }
  func t(_ x: Double) -> String { any ? formatNumber(x) : "" }
  out += csvLine(
    [
      "all", "total", "", "", "", "", "", "", t(b), t(s), t(s - b), t(b * factor),
      t((s - b) * factor),
    ] + areaFields(allCovered.value, allPolygon) + [
      "sum over parcels (overlaps counted in each)", "",
      !any ? "not_computed" : complete ? "computed" : "partial",
    ])
  return out
}

/// `vep.geojson`: the parcels (RFC 7946, lon/lat) with their totals as properties.
///
/// - Throws: `GDALError` when a geometry cannot be transformed.
func vepGeoJSON(_ parcels: [ParcelResult], gridCRS: SpatialReference, factor: Double) throws
  -> String
{
  let toLonLat = try CoordinateTransformation(from: gridCRS, to: try SpatialReference.wgs84())
  var features: [String] = []
  for p in parcels {
    let b = p.baselineValue.value
    let s = p.scenarioValue.value
    let covered = p.coveredArea.value
    let any = p.lines.contains {
      $0.hasValue && $0.status(coveredArea: p.coveredArea) != .notComputed
    }
    func j(_ x: Double) -> String { any ? formatNumber(x) : "null" }
    let notComputed = p.lines.filter { $0.status(coveredArea: p.coveredArea) == .notComputed }.map {
      $0.indicator + ($0.component.isEmpty ? "" : "/\($0.component)")
    }
    let props = [
      "\"parcel_id\":\(jsonString(p.id))",
      "\"polygon_area_m2\":\(formatNumber(p.polygonArea))",
      "\"covered_area_m2\":\(formatNumber(covered))",
      "\"covered_area_mu\":\(formatNumber(covered / squareMetresPerMu))",
      "\"baseline_value_yuan\":\(j(b))", "\"scenario_value_yuan\":\(j(s))",
      "\"gain_value_yuan\":\(j(s - b))", "\"baseline_present_value_yuan\":\(j(b * factor))",
      "\"gain_present_value_yuan\":\(j((s - b) * factor))",
      "\"status\":\(jsonString(any ? p.totalStatus.rawValue : "not_computed"))",
      "\"not_computed\":\(jsonString(notComputed.joined(separator: ";")))",
      "\"not_computed_share_max\":"
        + formatNumber(
          covered > 0 ? (p.lines.map(\.notComputedArea.value).max() ?? 0) / covered : 0),
    ]
    let geometry =
      try p.geometry.map { try $0.transformed(by: toLonLat).rfc7946Winding().geoJSON() } ?? "null"
    features.append(
      "{\"type\":\"Feature\",\"properties\":{\(props.joined(separator: ","))},\"geometry\":\(geometry)}"
    )
  }
  return "{\"type\":\"FeatureCollection\",\"features\":[\n" + features.joined(separator: ",\n")
    + "\n]}\n"
}

/// Yuan as "1234567.89 yuan (123.46 万元)".
func yuanText(_ v: Double) -> String {
  String(format: "%.2f yuan (%.2f 万元)", v, v / UnitConversion.wan)
}

/// `vep-report.md`: a report a bank can audit: inputs with SHA-256, the methods and formulas,
/// the coefficients and prices with their sources, warnings, and per-parcel results in yuan,
/// 万元, per mu and per hm², with areas in m², hm², mu and km².
///
/// - Throws: Foundation errors when an input cannot be hashed.
func vepReport(
  _ parcels: [ParcelResult], config: RunConfiguration, options: VEPOptions, factor: Double,
  model: CellModel, warnings: [Problem]
) throws -> String {
  var md = "# Value of ecosystem products (VEP, 特定地域单元生态产品价值)\n\n"
  md += "Engine: gep \(gepEngineVersion), GDAL \(GDAL.version). Accounting year \(config.year), "
  md += "profile `\(config.profile)` (`\(config.coefficientsFolder)`).\n\n"
  md += "## Inputs\n\n| role | file | SHA-256 |\n|---|---|---|\n"
  var files: [(String, String)] = [
    ("run file", config.runFile), ("land use", config.landUse.path), ("parcels", options.parcels),
  ]
  for (k, r) in config.rasters.sorted(by: { $0.key < $1.key }) { files.append((k, r.path)) }
  if let s = options.scenarioLandUse { files.append(("scenario land use", s)) }
  if let c = options.changes { files.append(("change table", c)) }
  for (role, path) in files {
    md += "| \(role) | `\(path)` | `\((try? sha256Hex(path: path)) ?? "unreadable")` |\n"
  }
  md += "\n## Method\n\n"
  md += "Each grid cell is weighted by the exact fraction of it the parcel covers (GEOS "
  md += "intersection of the parcel with the cell), so the parcel is priced by its true area. "
  md += "Per cell the indicators of `gep compute` apply (docs/run-file.md; GEP-METHODS §5). "
  md += "In the scenario only the land-use class changes "
  md +=
    options.scenarioLandUse != nil
    ? "(scenario land-use raster); "
    : (options.changes != nil ? "(change table); " : "(none given: scenario = baseline); ")
  md += "class coefficients follow the new class, biophysical rasters keep their baseline values. "
  md += "Gain = scenario − baseline. An indicator counts in a cell only where it can be computed "
  md += "for both the baseline and the scenario class; the \"not computed\" column gives the share "
  md += "of the parcel where it cannot (input nodata, or no coefficient for one of the classes) — "
  md += "that share is missing from both values, not a zero gain.\n\n"
  md += "Operating period: N = \(options.years) years, discount rate r = \(options.discountRate), "
  md +=
    "price growth g = \(options.priceGrowth). Present value PV = Σ_{t=1..N} F·(1+g)^(t−1)/(1+r)^(t−1) "
  md +=
    "= F × \(String(format: "%.6f", factor)) for a first-year value F (Bo et al., GEP-METHODS §10).\n\n"
  md += "| indicator | component | unit | method | price and source |\n|---|---|---|---|---|\n"
  for i in model.indicators {
    md += "| \(i.id) | \(i.component ?? "") | \(i.physicalUnit) | \(i.method) | \(i.priceNote) |\n"
  }
  if !warnings.isEmpty {
    md += "\n## Warnings\n\n"
    for w in warnings {
      let at = w.location.value.map { " (parcel or code \($0))" } ?? ""
      md += "- `\(w.code)` \(w.message)\(at)\n"
    }
  }
  md += "\n## Results\n\n"
  for p in parcels {
    let covered = p.coveredArea.value
    let b = p.baselineValue.value
    let s = p.scenarioValue.value
    let hm2 = covered / 1e4
    let mu = covered / squareMetresPerMu
    md += "### Parcel \(p.id)\n\n"
    md += String(
      format: "Polygon area %.2f m² (%.4f hm², %.3f mu, %.6f km²); covered grid area %.2f m² "
        + "(%.4f hm², %.3f mu).\n\n", p.polygonArea, p.polygonArea / 1e4,
      p.polygonArea / squareMetresPerMu, p.polygonArea / 1e6, covered, hm2, mu)
    md +=
      "| | per year | per mu per year | per hm² per year | present value over \(options.years) a |\n"
    md += "|---|---|---|---|---|\n"
    for (name, v) in [("baseline", b), ("scenario", s), ("gain", s - b)] {
      md += "| \(name) | \(yuanText(v)) | "
      md += mu > 0 ? String(format: "%.2f", v / mu) : "–"
      md += " | "
      md += hm2 > 0 ? String(format: "%.2f", v / hm2) : "–"
      md += " | \(yuanText(v * factor)) |\n"
    }
    md +=
      "\n| indicator | component | baseline quantity | scenario quantity | unit | baseline yuan/a "
      + "| gain yuan/a | not computed |\n"
    md += "|---|---|---|---|---|---|---|---|\n"
    for l in p.lines {
      // Not computed: "—", never 0.
      let status = l.status(coveredArea: p.coveredArea)
      let q = status != .notComputed
      let v = q && l.hasValue
      md += "| \(l.indicator) | \(l.component) | "
      md += (q ? formatNumber(l.baselineQuantity.value) : "—") + " | "
      md += (q ? formatNumber(l.scenarioQuantity.value) : "—") + " | \(l.physicalUnit) | "
      md += (v ? String(format: "%.2f", l.baselineValue.value) : "—") + " | "
      md +=
        (v ? String(format: "%.2f", l.scenarioValue.value - l.baselineValue.value) : "—") + " | "
      md +=
        covered > 0
        ? String(format: "%.1f %% of the parcel", l.notComputedArea.value / covered * 100) : "–"
      md += " |\n"
    }
    md += "\n"
  }
  return md
}
