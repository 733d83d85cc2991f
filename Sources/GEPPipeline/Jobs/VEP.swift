import Foundation
import GEPCore
import GEPGeo

/// Options of `gep vep` (特定地域单元生态产品价值, GEP-METHODS §10).
public struct VEPOptions: Sendable {
  /// The parcel polygons (any OGR vector format).
  public var parcels: String
  /// The field holding each parcel's id; nil: the feature id.
  public var idField: String?
  /// A scenario land-use raster in the run's scheme (warped onto the grid by nearest neighbour).
  public var scenarioLandUse: String?
  /// A change table: parcel, from_code, to_code, share (0–1 of the `from_code` cells).
  public var changes: String?
  /// Operating period, years (≥ 1).
  public var years: Int
  /// Discount rate r per year (e.g. 0.0277).
  public var discountRate: Double
  /// Price growth g per year.
  public var priceGrowth: Double
  /// Output folder; nil: `<run output>-vep`.
  public var output: String?
  /// Replace an existing output folder.
  public var overwrite: Bool
  /// Also write `vep-report.html` (`vepReportHTML`, issue 16).
  public var report: Bool = false

  /// Creates options.
  public init(
    parcels: String, idField: String? = nil, scenarioLandUse: String? = nil,
    changes: String? = nil, years: Int = 1, discountRate: Double = 0, priceGrowth: Double = 0,
    output: String? = nil, overwrite: Bool = false, report: Bool = false
  ) {
    self.report = report
    self.parcels = parcels
    self.idField = idField
    self.scenarioLandUse = scenarioLandUse
    self.changes = changes
    self.years = years
    self.discountRate = discountRate
    self.priceGrowth = priceGrowth
    self.output = output
    self.overwrite = overwrite
  }
}

/// Present-value factor of an operating period: Σ_{t=1..N} ((1 + g) / (1 + r))^(t−1), so that
/// PV = F · factor for a yearly value F in the first year (year 1 undiscounted), price growth g
/// and discount rate r; with r = g = 0 it is N. This is the capitalisation
/// Σ F/(1 + r)^(i−1) of Bo et al. (GEP-METHODS §10, [S3]) with prices growing by g.
///
/// - Parameters:
///   - years: N ≥ 1.
///   - discountRate: r > −1.
///   - priceGrowth: g > −1.
/// - Returns: the dimensionless factor.
public func presentValueFactor(years: Int, discountRate: Double, priceGrowth: Double) -> Double {
  var f = 0.0
  var term = 1.0
  let ratio = (1 + priceGrowth) / (1 + discountRate)
  for _ in 0..<max(0, years) {
    f += term
    term *= ratio
  }
  return f
}

/// Sum of the undiscounted yearly values over the period: Σ_{t=1..N} (1 + g)^(t−1).
public func undiscountedFactor(years: Int, priceGrowth: Double) -> Double {
  presentValueFactor(years: years, discountRate: 0, priceGrowth: priceGrowth)
}

/// One indicator of one parcel: baseline, scenario and gain.
public struct VEPLine: Sendable {
  /// Indicator id.
  public var indicator: String
  /// Pollutant or part, "" for whole indicators.
  public var component: String
  /// Category.
  public var category: IndicatorCategory
  /// Physical unit per year.
  public var physicalUnit: String
  /// Price and its source.
  public var price: String
  /// Baseline quantity and value (yuan/a).
  public var baselineQuantity = ExactSum()
  /// Baseline value, yuan/a.
  public var baselineValue = ExactSum()
  /// Scenario quantity.
  public var scenarioQuantity = ExactSum()
  /// Scenario value, yuan/a.
  public var scenarioValue = ExactSum()
  /// Area of the parcel not computed (input nodata or no coefficient), m², baseline.
  public var notComputedArea = ExactSum()
  /// False when the indicator has no price: its values are not computed (empty, never 0).
  public var hasValue = true

  /// Computed on all of the parcel's covered area, on part of it, or nowhere (then its
  /// numbers are written empty, never as 0).
  public func status(coveredArea: ExactSum) -> LineStatus {
    if coveredArea.raw <= 0 || notComputedArea.raw >= coveredArea.raw { return .notComputed }
    if !hasValue { return .notValued }
    return notComputedArea.raw > 0 ? .partial : .computed
  }
}

/// The result of one parcel.
public struct ParcelResult {
  /// The parcel id.
  public var id: String
  /// The polygon's area, m² (projected grids: in the grid CRS; geographic grids: on a local
  /// Lambert azimuthal equal-area projection).
  public var polygonArea: Double
  /// The grid area covered by the parcel, Σ cell area × covered fraction, m² (cells with a
  /// land-use value).
  public var coveredArea: ExactSum
  /// Part of the parcel outside the grid or on land-use nodata, m².
  public var outsideArea: Double
  /// Lines in model order.
  public var lines: [VEPLine]
  /// Total baseline value, yuan/a.
  public var baselineValue: ExactSum {
    var s = ExactSum()
    for l in lines { s.add(l.baselineValue) }
    return s
  }
  /// Total scenario value, yuan/a.
  public var scenarioValue: ExactSum {
    var s = ExactSum()
    for l in lines { s.add(l.scenarioValue) }
    return s
  }
  /// The parcel's polygon (grid CRS).
  var geometry: Geometry?

  /// `computed` when every valued line is computed on the whole parcel, else `incomplete`.
  public var totalStatus: LineStatus {
    lines.allSatisfy { $0.status(coveredArea: coveredArea) == .computed } ? .computed : .partial
  }
}

/// What `gep vep` produced.
public struct VEPResult: Sendable {
  /// Output folder.
  public var output: String
  /// Parcels in input order.
  public var parcels: [ParcelResult]
  /// PV factor used.
  public var presentValueFactor: Double
  /// Warnings.
  public var warnings: [Problem]
}

extension ParcelResult: @unchecked Sendable {}

/// `gep vep`: the value of ecosystem products of arbitrary parcels, baseline vs scenario, over an
/// operating period (GEP-METHODS §10). Each cell is weighted by the exact fraction of it the
/// parcel covers (`exactCellCoverage`, the engine of `gep compute`'s exact unit coverage), so
/// small parcels are priced by their true area; parcels may
/// overlap (each gets its full value), cross unit boundaries or lie partly outside the grid.
///
/// The per-cell indicators and coefficients are those of `gep compute` (`CellModel`). In the
/// scenario only the land-use class changes: the class coefficients (α, P, carbon rate, EPP,
/// purification capacity, marsh) follow the new class, while the biophysical rasters (P, ET, R,
/// K, LS, FVC, slope) keep their baseline values. Material products, recreation and the other
/// table-based indicators are not part of a parcel's VEP in this version.
public enum VEPJob {
  /// Runs VEP for every parcel.
  ///
  /// - Throws: `InputProblems` for every input problem found (parcel layer, id field, change
  ///   table, unknown land-use codes inside parcels) before anything is written, and any I/O
  ///   failure converted with a stable code (`InputProblems(failure:)`); typed.
  public static func run(
    config: RunConfiguration, options: VEPOptions,
    progress: @escaping @Sendable (String) -> Void = { _ in }
  ) throws(InputProblems) -> VEPResult {
    do {
      return try stages(config: config, options: options, progress: progress)
    } catch {
      throw InputProblems(failure: error)
    }
  }

  /// The stages of `run`, which converts their errors (`InputProblems(failure:)`).
  static func stages(
    config: RunConfiguration, options: VEPOptions, progress: @escaping @Sendable (String) -> Void
  ) throws -> VEPResult {
    var d = Diagnostics()
    if options.years < 1 {
      d.error(
        "vep.years", "the operating period must be at least 1 year",
        at: .init(value: "\(options.years)"))
    }
    if !options.discountRate.isFinite || !options.priceGrowth.isFinite {
      d.error("vep.rate", "discount rate and price growth must be finite numbers")
    }
    if options.discountRate <= -1 || options.priceGrowth <= -1 {
      d.error("vep.rate", "discount rate and price growth must be greater than −1")
    }
    // The same validated run as `gep compute` (coefficients, registry, grid, rasters, units):
    // a land use without a CRS is an error here too, not EPSG:4326.
    let validated = InputValidator(
      config: config, options: ValidationOptions(coefficientWarnings: false)
    ).run()
    d.append(validated.problems)
    if d.hasErrors { throw InputProblems(problems: d.problems) }
    guard let coefficients = validated.coefficients, let grid = validated.grid else {
      throw InputProblems(
        problems: d.problems + [
          Problem(.error, "run.unreadable", "validation could not read the coefficients or grid")
        ])
    }
    let available = config.availableRoles
    let model = CellModel.build(
      coefficients: coefficients, scheme: config.landUseScheme, roles: available,
      fvcIsPercent: config.rasters["fvc"]?.unit == "percent", file: config.coefficientsFolder,
      rasterUnits: config.rasterUnits, year: config.year,
      notApplicable: Set(config.notApplicable.keys))
    // The missing-input notes came with the validated run already (each warning once).
    for n in model.notes where n.code != "indicator.missing-input" {
      d.warning(n.code, n.message, at: n.location)
    }
    // A method whose per-cell result does not depend on the land-use class (carbon by NEP
    // from a raster) cannot show a land-use change: say so instead of a silent gain of 0.
    if options.changes != nil || options.scenarioLandUse != nil {
      for ind in model.indicators where ind.method == "nep" {
        d.warning(
          "vep.class-independent",
          "\(ind.id) uses method nep, whose value comes from the NEP raster, not from the "
            + "land-use class: the scenario keeps the baseline NEP, so its gain is 0 by "
            + "construction (use sequestration_rate to value a land-use change)",
          at: ProblemLocation(file: config.coefficientsFolder, field: ind.id))
      }
    }
    // Parcels.
    let parcels = try loadParcels(options, grid: grid, diagnostics: &d)
    // Change table.
    var changes: [String: [(from: Int, to: Int, share: Double)]] = [:]
    if let path = options.changes {
      changes = try loadChanges(
        path, parcels: Set(parcels.map(\.id)), model: model, diagnostics: &d)
    }
    if options.scenarioLandUse != nil && options.changes != nil {
      d.error("vep.scenario", "give either a scenario land-use raster or a change table, not both")
    }
    if d.hasErrors { throw InputProblems(problems: d.problems) }
    let out = try OutputFolder(
      path: options.output ?? config.output + "-vep", overwrite: options.overwrite,
      inputs: manifestFiles(config).map(\.path) + [options.parcels]
        + [options.scenarioLandUse, options.changes].compactMap { $0 })
    let work = out.file(".work")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    var rasters = config.rasters
    let derived = try runDerivations(config, work: work, progress: progress)
    let derivedProblems = derivedRangeProblems(derived).problems
    if !derivedProblems.isEmpty { throw InputProblems(problems: d.problems + derivedProblems) }
    for (role, r) in derived { rasters[role] = r }
    // Slope from the DEM per parcel window, as in the cell pass (TileSlope).
    let (roleInputs, slopeSlot) = try modelInputsOnGrid(
      roles: model.roles, rasters: rasters, grid: grid, work: work, progress: progress)
    var scenario: (path: String, band: Int)? = nil
    if let s = options.scenarioLandUse {
      scenario = try rasterOnGrid(
        RasterInput(name: "scenario_landuse", path: s, band: 1, unit: "", resampling: .nearest),
        grid: grid, work: work, progress: progress)
    }
    let areas = try cellAreasPerRow(grid)
    let tileSlope = try slopeSlot.map { _ in try TileSlope(grid: grid) }
    let lu = try RasterDataset(path: config.landUse.path).band(config.landUse.band)
    let bands = try roleInputs.map { try RasterDataset(path: $0.path).band($0.band) }
    let scenarioBand = try scenario.map { try RasterDataset(path: $0.path).band($0.band) }
    var results: [ParcelResult] = []
    var unknown: [Int: Int] = [:]
    var appliedChanges: Set<String> = []
    for parcel in parcels {
      progress("parcel \(parcel.id)")
      var result = ParcelResult(
        id: parcel.id, polygonArea: parcel.area, coveredArea: ExactSum(), outsideArea: 0,
        lines: model.indicators.map {
          VEPLine(
            indicator: $0.id, component: $0.component ?? "", category: $0.category,
            physicalUnit: $0.physicalUnit, price: $0.priceNote, hasValue: $0.hasValue)
        }, geometry: parcel.geometry)
      let cells = try exactCellCoverage(of: parcel.geometry, on: grid)
      guard let r0 = cells.map(\.row).min(), let r1 = cells.map(\.row).max(),
        let c0 = cells.map(\.col).min(), let c1 = cells.map(\.col).max()
      else {
        result.outsideArea = parcel.area
        results.append(result)
        d.warning(
          "vep.outside", "the parcel lies outside the grid",
          at: .init(file: options.parcels, value: parcel.id))
        continue
      }
      let win = RasterWindow(colOffset: c0, rowOffset: r0, width: c1 - c0 + 1, height: r1 - r0 + 1)
      var luV = [Double](repeating: 0, count: win.count)
      var luOK = [Bool](repeating: false, count: win.count)
      try lu.readMasked(win, values: &luV, valid: &luOK)
      var vals = [[Double]](repeating: [Double](repeating: 0, count: win.count), count: bands.count)
      var oks = [[Bool]](repeating: [Bool](repeating: false, count: win.count), count: bands.count)
      for b in bands.indices {
        if b == slopeSlot, let tileSlope {
          (vals[b], oks[b]) = try tileSlope.slope(bands[b], win)
        } else {
          try bands[b].readMasked(win, values: &vals[b], valid: &oks[b])
        }
      }
      var scV = [Double](repeating: 0, count: win.count)
      var scOK = [Bool](repeating: false, count: win.count)
      if let sb = scenarioBand { try sb.readMasked(win, values: &scV, valid: &scOK) }
      var covered = ExactSum()
      var scenarioNoData = ExactSum()
      // The parcel's computable cells, compacted: window index, baseline code and area, and
      // the scenario as two parts (code, area) — a scenario raster gives one part, a change
      // rule moves `share` of the area to its class, else the scenario is the baseline.
      var index: [Int] = []
      var baseCode: [Int32] = []
      var baseArea: [Double] = []
      var partCode: ([Int32], [Int32]) = ([], [])
      var partArea: ([Double], [Double]) = ([], [])
      for cell in cells {
        let i = (cell.row - r0) * win.width + (cell.col - c0)
        let area = areas[cell.row] * cell.fraction
        guard luOK[i] else { continue }
        let code = Int(luV[i])
        guard model.ecosystemClass(code: code) != nil else {
          unknown[code, default: 0] += 1
          continue
        }
        covered.add(area)
        var parts = ((code, area), (code, 0.0))
        if scenarioBand != nil {
          guard scOK[i] else {
            // No scenario land use here (nodata, or outside the scenario raster): like an
            // input nodata, nothing is computed in this cell, on either side.
            scenarioNoData.add(area)
            for k in result.lines.indices { result.lines[k].notComputedArea.add(area) }
            continue
          }
          let p = Int(scV[i])
          guard model.ecosystemClass(code: p) != nil else {
            unknown[p, default: 0] += 1
            continue
          }
          parts.0 = (p, area)
        } else if let rules = changes[parcel.id],
          let rule = rules.first(where: { $0.from == code }),
          model.ecosystemClass(code: rule.to) != nil
        {
          parts = ((code, area * (1 - rule.share)), (rule.to, area * rule.share))
          appliedChanges.insert("\(parcel.id)|\(rule.from)")
        }
        index.append(i)
        baseCode.append(Int32(code))
        baseArea.append(area)
        partCode.0.append(Int32(parts.0.0))
        partArea.0.append(parts.0.1)
        partCode.1.append(Int32(parts.1.0))
        partArea.1.append(parts.1.1)
      }
      // Role values of the compacted cells, role-major.
      let m = index.count
      var x = [Double](repeating: 0, count: max(1, m * bands.count))
      for b in bands.indices { for j in 0..<m { x[b * m + j] = vals[b][index[j]] } }
      var q = [[Double]](repeating: [Double](repeating: 0, count: max(1, m)), count: 3)
      var v = q
      var ok = [[Bool]](repeating: [Bool](repeating: false, count: max(1, m)), count: 3)
      for k in model.indicators.indices {
        // The baseline and the two scenario parts, each one batch evaluation.
        let batches = [(baseCode, baseArea), (partCode.0, partArea.0), (partCode.1, partArea.1)]
        for (s, (codes, cellAreas)) in batches.enumerated() {
          model.evaluate(
            k, count: m, codes: codes, areas: cellAreas, values: x, stride: m,
            quantity: &q[s], value: &v[s], computed: &ok[s])
        }
        for j in 0..<m {
          let area = baseArea[j]
          if model.roleSlots[k].contains(where: { !oks[$0][index[j]] }) {
            result.lines[k].notComputedArea.add(area)
            continue
          }
          // An indicator counts in a cell only when both the baseline and every scenario part
          // can be computed; a missing coefficient on one side is not a zero.
          guard ok[0][j], partArea.0[j] <= 0 || ok[1][j], partArea.1[j] <= 0 || ok[2][j] else {
            result.lines[k].notComputedArea.add(area)
            continue
          }
          let parts = [(1, partArea.0[j]), (2, partArea.1[j])].filter { $0.1 > 0 }
          guard q[0][j].isFinite, v[0][j].isFinite,
            parts.allSatisfy({ q[$0.0][j].isFinite && v[$0.0][j].isFinite })
          else {
            throw GDALError(
              number: GDALError.appDefined,
              message: "\(model.indicators[k].id) is not finite in parcel \(parcel.id)",
              function: "VEPJob", path: nil)
          }
          result.lines[k].baselineQuantity.add(q[0][j])
          result.lines[k].baselineValue.add(v[0][j])
          for (s, _) in parts {
            result.lines[k].scenarioQuantity.add(q[s][j])
            result.lines[k].scenarioValue.add(v[s][j])
          }
        }
      }
      result.coveredArea = covered
      result.outsideArea = max(0, parcel.area - covered.value)
      if scenarioNoData.raw > 0 {
        d.warning(
          "vep.scenario-nodata",
          String(format: "%.1f", scenarioNoData.value / max(covered.value, 1e-300) * 100)
            + " % of the parcel has no scenario land use (nodata or outside the scenario "
            + "raster): not computed there",
          at: ProblemLocation(file: options.scenarioLandUse, value: parcel.id))
      }
      let shares = result.lines.filter { $0.notComputedArea.raw > 0 }.map { l in
        "\(l.indicator)\(l.component.isEmpty ? "" : "/\(l.component)") "
          + String(format: "%.1f %%", l.notComputedArea.value / max(covered.value, 1e-300) * 100)
      }
      if !shares.isEmpty {
        d.warning(
          "vep.not-computed",
          "parts of the parcel not computed (input nodata, or no coefficient for the baseline or "
            + "the scenario class): " + shares.joined(separator: ", "),
          at: ProblemLocation(file: options.parcels, value: parcel.id))
      }
      results.append(result)
    }
    for (code, n) in unknown.sorted(by: { $0.key < $1.key }) {
      d.error(
        "landuse.unknown-code",
        "land-use code \(code) inside the parcels is not in crosswalk_\(config.landUseScheme).csv "
          + "(\(n) cells)",
        at: ProblemLocation(
          file: options.scenarioLandUse ?? config.landUse.path, value: String(code)))
    }
    for (parcel, rules) in changes.sorted(by: { $0.key < $1.key }) {
      for rule in rules where !appliedChanges.contains("\(parcel)|\(rule.from)") {
        d.warning(
          "vep.change-unused",
          "the change \(rule.from) → \(rule.to) finds no cell of land-use code \(rule.from) in "
            + "parcel \(parcel): it changes nothing",
          at: ProblemLocation(file: options.changes, value: parcel))
      }
    }
    if d.hasErrors { throw InputProblems(problems: d.problems) }
    let factor = presentValueFactor(
      years: options.years, discountRate: options.discountRate, priceGrowth: options.priceGrowth)
    try FileManager.default.removeItem(at: work)
    try Data(vepCSV(results, factor: factor).utf8).write(to: out.file("vep.csv"))
    try Data(try vepGeoJSON(results, gridCRS: grid.crs, factor: factor).utf8).write(
      to: out.file("vep.geojson"))
    try Data(
      try vepReport(
        results, config: config, options: options, factor: factor, model: model,
        warnings: d.warnings
      ).utf8
    ).write(to: out.file("vep-report.md"))
    if options.report {
      // The map window: every parcel's cells, with a margin of a fifth of the extent (at
      // least 5 cells), inside the grid.
      var x0 = Double.infinity
      var y0 = Double.infinity
      var x1 = -Double.infinity
      var y1 = -Double.infinity
      let gt = grid.geoTransform
      for p in results {
        guard let e = p.geometry?.envelope else { continue }
        for (x, y) in [(e.minX, e.minY), (e.maxX, e.maxY)] {
          let c = (x - gt.originX) / gt.pixelWidth
          let r = (y - gt.originY) / gt.pixelHeight
          x0 = min(x0, c)
          x1 = max(x1, c)
          y0 = min(y0, r)
          y1 = max(y1, r)
        }
      }
      if x0.isFinite {
        let margin = max(5, 0.2 * max(x1 - x0, y1 - y0))
        let c0 = max(0, Int((x0 - margin).rounded(.down)))
        let r0 = max(0, Int((y0 - margin).rounded(.down)))
        let c1 = min(grid.width, Int((x1 + margin).rounded(.up)))
        let r1 = min(grid.height, Int((y1 + margin).rounded(.up)))
        if c1 > c0 && r1 > r0 {
          let win = RasterWindow(colOffset: c0, rowOffset: r0, width: c1 - c0, height: r1 - r0)
          let base = try classRaster(lu, window: win, model: model, coefficients: coefficients)
          let scen = try scenarioBand.map {
            try classRaster($0, window: win, model: model, coefficients: coefficients)
          }
          try Data(
            try vepReportHTML(
              results, grid: grid, baseline: base, scenario: scen, changes: changes,
              config: config, options: options, factor: factor, model: model,
              coefficients: coefficients, warnings: d.warnings
            ).utf8
          ).write(to: out.file("vep-report.html"))
        }
      }
    }
    try out.commit()
    return VEPResult(
      output: out.destination.path, parcels: results, presentValueFactor: factor,
      warnings: d.warnings)
  }

  struct Parcel {
    var id: String
    var geometry: Geometry
    var area: Double
  }

  static func loadParcels(_ o: VEPOptions, grid: Grid, diagnostics d: inout Diagnostics) throws
    -> [Parcel]
  {
    let ds: VectorDataset
    do {
      ds = try VectorDataset(path: o.parcels)
    } catch {
      d.gdal("vep.parcels-unreadable", error, file: o.parcels)
      return []
    }
    let layer = try ds.layer(0)
    if let f = o.idField, !layer.fields.contains(where: { $0.name == f }) {
      d.error(
        "vep.id-field",
        "the parcel layer has no field \"\(f)\"; it has: \(layer.fields.map(\.name).joined(separator: ", "))",
        at: ProblemLocation(file: o.parcels, layer: layer.name, field: f))
      return []
    }
    guard let crs = try layer.spatialReference() else {
      d.error("vep.no-crs", "the parcel layer declares no CRS", at: .init(file: o.parcels))
      return []
    }
    let toGrid = try CoordinateTransformation(from: crs, to: grid.crs)
    var seen: Set<String> = []
    var out: [Parcel] = []
    for f in try layer.features() {
      let id = o.idField.map { f.attributes[$0]?.description ?? "" } ?? String(f.fid)
      let loc = ProblemLocation(
        file: o.parcels, layer: layer.name, row: Int(f.fid), field: o.idField, value: id)
      if id.isEmpty {
        d.error("vep.empty-id", "a parcel has no id", at: loc)
        continue
      }
      if !seen.insert(id).inserted {
        d.error("vep.duplicate-id", "two parcels share this id", at: loc)
        continue
      }
      guard var g = f.geometry, !g.isEmpty else {
        d.error("vep.empty-geometry", "the parcel has no geometry", at: loc)
        continue
      }
      if !g.isValid {
        g = try g.madeValid()
        d.warning(
          "vep.invalid-geometry", "invalid parcel geometry repaired with make-valid", at: loc)
      }
      let inGrid = try g.transformed(by: toGrid)
      out.append(Parcel(id: id, geometry: inGrid, area: try trueArea(inGrid, crs: grid.crs)))
    }
    return out
  }

  /// Area in m² of a polygon in `crs`: planar × unit² for projected CRSs; on a local Lambert
  /// azimuthal equal-area projection centred on the polygon for geographic CRSs.
  static func trueArea(_ g: Geometry, crs: SpatialReference) throws -> Double {
    if crs.isProjected { return g.area * crs.metresPerUnit * crs.metresPerUnit }
    let e = g.envelope
    let laea = try SpatialReference(
      definition: "+proj=laea +lat_0=\((e.minY + e.maxY) / 2) +lon_0=\((e.minX + e.maxX) / 2) "
        + "+a=\(crs.semiMajor) +rf=\(crs.inverseFlattening) +units=m +no_defs")
    return try g.transformed(by: try CoordinateTransformation(from: crs, to: laea)).area
  }

  static func loadChanges(
    _ path: String, parcels: Set<String>, model: CellModel, diagnostics d: inout Diagnostics
  ) throws -> [String: [(from: Int, to: Int, share: Double)]] {
    guard
      let t = try readTable(
        TableInput(name: "changes", path: path),
        required: ["parcel", "from_code", "to_code", "share"],
        diagnostics: &d)
    else { return [:] }
    let pi = t.fieldIndex("parcel")!
    let fi = t.fieldIndex("from_code")!
    let ti = t.fieldIndex("to_code")!
    let si = t.fieldIndex("share")!
    var out: [String: [(from: Int, to: Int, share: Double)]] = [:]
    for r in t.rows where !r.values.allSatisfy(\.isEmpty) {
      func loc(_ c: String, _ v: String) -> ProblemLocation {
        ProblemLocation(file: path, row: r.line, column: c, value: v)
      }
      let parcel = r.values[pi]
      if !parcels.contains(parcel) {
        d.error("vep.unknown-parcel", "no parcel has this id", at: loc("parcel", parcel))
        continue
      }
      guard let from = Int(r.values[fi]), model.ecosystemClass(code: from) != nil else {
        d.error(
          "vep.unknown-code", "from_code is not a land-use code of the crosswalk",
          at: loc("from_code", r.values[fi]))
        continue
      }
      guard let to = Int(r.values[ti]), model.ecosystemClass(code: to) != nil else {
        d.error(
          "vep.unknown-code", "to_code is not a land-use code of the crosswalk",
          at: loc("to_code", r.values[ti]))
        continue
      }
      guard let share = PlainDecimal.parse(r.values[si]) else {
        d.error(
          "vep.share", "share is " + PlainDecimal.notPlainDecimalMessage(r.values[si]),
          at: loc("share", r.values[si]))
        continue
      }
      guard (0...1).contains(share) else {
        d.error("vep.share", "share must be a number from 0 to 1", at: loc("share", r.values[si]))
        continue
      }
      if out[parcel]?.contains(where: { $0.from == from }) == true {
        d.error(
          "vep.duplicate-change", "a second change for the same parcel and from_code",
          at: loc("from_code", r.values[fi]))
        continue
      }
      out[parcel, default: []].append((from, to, share))
    }
    return out
  }
}
