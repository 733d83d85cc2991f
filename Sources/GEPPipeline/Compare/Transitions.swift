import Foundation
import GEPCore
import GEPGeo

/// The class-transition matrix of two years on one grid (土地利用转移矩阵; SEEA EA ecosystem
/// extent change matrix, FIELD-LESSONS §5.4): per unit, the area (m²) that was level-1 class
/// i in year A and is class j in year B, from the two land-use rasters and the units' cell
/// coverage (exact fractions or cell centres, as the accounts).
public struct TransitionMatrix: Sendable {
  /// Per unit code (every level; parents are sums of their villages): (from key, to key) →
  /// area, m². Keys are the level-1 class keys of the accounts (`slug` of the class name), or
  /// `nodata` (land-use nodata or a code without a level-1 class).
  public var areas: [String: [TransitionKey: ExactSum]]
  /// Unit codes in the units' order (villages, then townships, then counties).
  public var order: [String]

  /// A transition from one class key to another.
  public struct TransitionKey: Hashable, Sendable, Comparable {
    /// Class of year A.
    public var from: String
    /// Class of year B.
    public var to: String

    /// Orders by from, then to.
    public static func < (a: TransitionKey, b: TransitionKey) -> Bool {
      (a.from, a.to) < (b.from, b.to)
    }
  }

  /// Why no matrix is made for two runs, or nil when they share one grid and one unit layer.
  public static func incompatibility(_ a: RunConfiguration, _ b: RunConfiguration) -> String? {
    if a.units.path != b.units.path || a.units.coverage != b.units.coverage
      || a.units.codeField != b.units.codeField
    {
      return "the two years have different unit layers or coverage rules"
    }
    guard let ga = try? RasterDataset(path: a.landUse.path).grid(),
      let gb = try? RasterDataset(path: b.landUse.path).grid()
    else { return "a land-use raster cannot be read" }
    if ga.width != gb.width || ga.height != gb.height || ga.geoTransform != gb.geoTransform
      || ga.crs.wkt != gb.crs.wkt || a.landUse.crs != b.landUse.crs
    {
      return "the two land-use rasters are not on one grid (size, geotransform or CRS differ)"
    }
    return nil
  }

  /// Computes the matrix of two one-year runs on one grid (check `incompatibility` first).
  ///
  /// - Throws: `InputProblems` when the units or coefficients cannot be read, `GDALError`
  ///   when a raster window cannot be read.
  public static func compute(_ a: RunConfiguration, _ b: RunConfiguration) throws
    -> TransitionMatrix
  {
    var grid = try RasterDataset(path: b.landUse.path).grid()
    if let crs = b.landUse.crs { grid.crs = try SpatialReference(definition: crs) }
    var d = Diagnostics()
    let units = try UnitSet.load(b.units, grid: grid, diagnostics: &d)
    if d.hasErrors { throw InputProblems(problems: d.problems) }
    func classKeys(_ config: RunConfiguration) throws -> [Int: String] {
      let set = try CoefficientSet.load(from: URL(fileURLWithPath: config.coefficientsFolder))
      var out: [Int: String] = [:]
      for entry in set.crosswalks[config.landUseScheme]?.entries ?? [] {
        guard let cls = set.ecosystemClass(lulcCode: entry.lulcCode, scheme: config.landUseScheme)
        else { continue }
        let l1 = set.classChain(cls).last ?? cls
        if let name = set.ecosystemClasses[l1]?.nameEN { out[entry.lulcCode] = slug(name) }
      }
      return out
    }
    let keysA = try classKeys(a)
    let keysB = try classKeys(b)
    let n = units.villages.count
    let zoneIndices = (0..<n).map(Int32.init)
    let exact: ZoneCoverage? =
      b.units.coverage == .exact
      ? try ZoneCoverage(
        grid: grid, geometries: units.geometries, zones: zoneIndices, outside: Int32(n)) : nil
    let centre: ZoneRasterizer? =
      b.units.coverage == .centre
      ? ZoneRasterizer(grid: grid, geometries: units.geometries, zones: zoneIndices) : nil
    let rowAreas = try cellAreasPerRow(grid)
    let bandA = try RasterDataset(path: a.landUse.path).band(a.landUse.band)
    let bandB = try RasterDataset(path: b.landUse.path).band(b.landUse.band)
    var acc = [[TransitionKey: ExactSum]](repeating: [:], count: n)
    var va: [Double] = []
    var oka: [Bool] = []
    var vb: [Double] = []
    var okb: [Bool] = []
    var cover = TileCoverage()
    func key(_ v: Double, _ ok: Bool, _ keys: [Int: String]) -> String {
      guard ok, v.isFinite, v == v.rounded(), let k = keys[Int(v)] else { return "nodata" }
      return k
    }
    for w in blockPlan(width: grid.width, height: grid.height, tileWidth: 256, tileHeight: 256) {
      if va.count != w.count {
        va = [Double](repeating: 0, count: w.count)
        vb = va
        oka = [Bool](repeating: false, count: w.count)
        okb = oka
      }
      try bandA.readMasked(w, values: &va, valid: &oka)
      try bandB.readMasked(w, values: &vb, valid: &okb)
      var centreZones: [Int32] = []
      if let exact { exact.coverage(w, into: &cover) }
      if let centre { centreZones = try centre.rasterize(w) }
      for i in 0..<w.count {
        let area = rowAreas[w.rowOffset + i / w.width]
        let k = TransitionKey(from: key(va[i], oka[i], keysA), to: key(vb[i], okb[i], keysB))
        if k.from == "nodata" && k.to == "nodata" { continue }
        if exact != nil {
          for e in Int(cover.start[i])..<Int(cover.start[i + 1]) {
            let z = Int(cover.zone[e])
            guard z < n else { continue }
            acc[z][k, default: ExactSum()].add(area * cover.fraction[e])
          }
        } else {
          let z = Int(centreZones[i])
          guard z >= 0, z < n else { continue }
          acc[z][k, default: ExactSum()].add(area)
        }
      }
    }
    // Parents: sums of their villages (each village's chain of parents).
    var areas: [String: [TransitionKey: ExactSum]] = [:]
    var order: [String] = []
    for (z, v) in units.villages.enumerated() {
      for code in units.chain(ofVillage: z) {
        if areas[code] == nil { order.append(code) }
        for (k, s) in acc[z] { areas[code, default: [:]][k, default: ExactSum()].add(s) }
      }
      _ = v
    }
    return TransitionMatrix(areas: areas, order: order)
  }
}

/// `transitions.csv`: per unit and class transition (area that was class i in year A and is
/// class j in year B), the area in hm², the value per hm² at constant prices of the class in
/// each year (the class-split lines comparable in both years: Σ class values / class area),
/// and the value gained or lost by the transition, `value_change_const_yuan` = area × (value
/// per hm² of class j in B − value per hm² of class i in A): summed over a unit's transitions
/// it is the change of its class-split value (the land that was i and stays i carries the
/// condition and price change of i). `land_use_value_const_yuan` = area × (value per hm² of
/// j in A − of i in A): the land-use change alone at A's per-area values (B's for a class
/// absent in A); 0 on the diagonal. Land-use nodata is the class `nodata` (value 0).
public func transitionsCSV(
  _ m: TransitionMatrix, comparison r: AccountComparison, a: AccountSnapshot, b: AccountSnapshot,
  bom: Bool
) -> String {
  var out =
    (bom ? "\u{FEFF}" : "")
    + csvLine([
      "code", "name", "level", "year_a", "year_b", "from_class", "to_class", "area_hm2",
      "value_a_per_hm2_from_const", "value_b_per_hm2_to_const", "value_change_const_yuan",
      "land_use_value_const_yuan",
    ])
  let unitsA = Dictionary(a.units.map { ($0.code, $0) }, uniquingKeysWith: { x, _ in x })
  let unitsB = Dictionary(b.units.map { ($0.code, $0) }, uniquingKeysWith: { x, _ in x })
  let rowsByUnit = Dictionary(grouping: r.rows, by: \.code)
  for code in b.units.map(\.code) {
    guard let ua = unitsA[code], let ub = unitsB[code], let cells = m.areas[code] else { continue }
    let lines = (rowsByUnit[code] ?? []).filter { $0.decomposition == .byClass }
    // Value per m² at constant prices of each class in each year (current when no index).
    func perArea(_ u: SnapshotUnit, _ snap: AccountSnapshot, f: Double?) -> [String: Double] {
      var out: [String: Double] = [:]
      for (key, area) in u.classAreas where area > 0 {
        var s = 0.0
        for row in lines {
          guard
            let l = u.lines.first(where: {
              $0.indicator == row.indicator && $0.component == row.component
            })
          else { continue }
          s += (l.classValues[key] ?? 0) * (f ?? 1)
        }
        out[key] = s / area
      }
      out["nodata"] = 0
      return out
    }
    let pa = perArea(ua, a, f: r.deflatorA)
    let pb = perArea(ub, b, f: r.deflatorB)
    for (k, area) in cells.sorted(by: { $0.key < $1.key }) where area.raw != 0 {
      let from = pa[k.from] ?? 0
      let to = pb[k.to] ?? 0
      let toAtA = pa[k.to] ?? pb[k.to] ?? 0
      let hm2 = area.value / UnitConversion.squareMetresPerHectare
      out += csvLine([
        code, ub.name, ub.level, String(r.yearA), String(r.yearB), k.from, k.to,
        formatNumber(hm2),
        formatNumber(from * UnitConversion.squareMetresPerHectare),
        formatNumber(to * UnitConversion.squareMetresPerHectare),
        formatNumber(area.value * (to - from)),
        formatNumber(k.from == k.to ? 0 : area.value * (toAtA - from)),
      ])
    }
  }
  return out
}
