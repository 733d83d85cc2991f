import Foundation
import GEPGeo
import GEPPipeline

/// The repository root, from this file's path.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent()

/// The national coefficient root of the repository.
let coefficientRoot = repoRoot.appendingPathComponent("coefficients").path

/// A fresh temporary folder.
func tempFolder(_ name: String) throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "gep-tests-\(name)-\(UInt64.random(in: 0...UInt64.max))")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// A synthetic run in `folder`: a UTM 49N grid (EPSG:32649) of `width × height` cells of 30 m
/// from (500000, 3000000), rasters given as functions of (col, row), villages given as
/// rectangles in cell coordinates, and the tables given as CSV text.
struct SyntheticRun {
  var width = 20
  var height = 10
  var cell = 30.0
  var landUse: (Int, Int) -> Double = { _, _ in 6 }
  var landUseNoData: Double? = 0
  var rasters: [String: (unit: String, value: (Int, Int) -> Double)] = [:]
  /// (code, name, col0, row0, col1, row1) half-open cell rectangles.
  var villages: [(String, String, Int, Int, Int, Int)] = []
  var materialCSV: String? = nil
  var gdpCSV: String? = nil
  /// Other tables by role (tourism, reservoirs, emissions) as CSV text.
  var tables: [String: String] = [:]
  var scheme = "swat"
  var profile = "national-2022"

  /// The common small case: the default 20 × 10 forest grid with uniform P = 1200 mm and
  /// ET = 700 mm, and one village covering it (520621001001).
  static func waterBalance() -> SyntheticRun {
    var run = SyntheticRun()
    run.rasters = [
      "precipitation": ("mm", { _, _ in 1200 }), "evapotranspiration": ("mm", { _, _ in 700 }),
    ]
    run.villages = [("520621001001", "甲村", 0, 0, 20, 10)]
    return run
  }

  var grid: Grid {
    get throws {
      Grid(
        crs: try SpatialReference(epsg: 32649),
        geoTransform: GeoTransform(
          originX: 500_000, pixelWidth: cell, originY: 3_000_000, pixelHeight: -cell),
        width: width, height: height)
    }
  }

  /// Writes everything and returns the run file's path.
  func write(to folder: URL) throws -> String {
    let g = try grid
    func raster(_ name: String, _ f: (Int, Int) -> Double, type: RasterDataType, nd: Double?)
      throws
    {
      var v = [Double](repeating: 0, count: width * height)
      for r in 0..<height { for c in 0..<width { v[r * width + c] = f(c, r) } }
      let w = try RasterWriter(
        path: folder.appendingPathComponent(name).path, grid: g, dataType: type, noData: nd,
        blockSize: 16)
      try w.write(v, window: g.fullWindow)
      try w.close()
    }
    try raster("landuse.tif", landUse, type: .int16, nd: landUseNoData)
    var toml = """
      year = 2024
      profile = "\(profile)"
      coefficients = "\(coefficientRoot)"
      output = "out"

      [landuse]
      path = "landuse.tif"
      scheme = "\(scheme)"

      """
    for (name, r) in rasters.sorted(by: { $0.key < $1.key }) {
      try raster("\(name).tif", r.value, type: .float32, nd: -9999)
      toml += "\n[rasters.\(name)]\npath = \"\(name).tif\"\nunit = \"\(r.unit)\"\n"
    }
    var features: [String] = []
    for v in villages {
      let x0 = 500_000 + Double(v.2) * cell
      let x1 = 500_000 + Double(v.4) * cell
      let y0 = 3_000_000 - Double(v.3) * cell
      let y1 = 3_000_000 - Double(v.5) * cell
      features.append(
        """
        {"type":"Feature","properties":{"code":"\(v.0)","name":"\(v.1)"},"geometry":{"type":"Polygon","coordinates":[[[\(x0),\(y0)],[\(x1),\(y0)],[\(x1),\(y1)],[\(x0),\(y1)],[\(x0),\(y0)]]]}}
        """)
    }
    let geojson = """
      {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32649"}},"features":[
      \(features.joined(separator: ",\n"))
      ]}
      """
    try Data(geojson.utf8).write(to: folder.appendingPathComponent("villages.geojson"))
    toml += """

      [units]
      path = "villages.geojson"
      code_field = "code"
      name_field = "name"
      hierarchy = "code12"

      """
    if let m = materialCSV {
      try Data(m.utf8).write(to: folder.appendingPathComponent("material.csv"))
      toml += "\n[tables.material_products]\npath = \"material.csv\"\n"
    }
    if let gdp = gdpCSV {
      try Data(gdp.utf8).write(to: folder.appendingPathComponent("gdp.csv"))
      toml += "\n[tables.gdp_population]\npath = \"gdp.csv\"\n"
    }
    for (role, csv) in tables.sorted(by: { $0.key < $1.key }) {
      try Data(csv.utf8).write(to: folder.appendingPathComponent("\(role).csv"))
      toml += "\n[tables.\(role)]\npath = \"\(role).csv\"\n"
    }
    let path = folder.appendingPathComponent("gep.toml").path
    try Data(toml.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }
}

/// Parses CSV text with OGR (an independent reader) into rows keyed by header.
func readCSV(_ path: String) throws -> [[String: String]] {
  try Table(path: path).records
}

/// Runs a compute job and returns the output folder.
func compute(
  _ runFile: String, out: URL, threads: Int = 2, tileSize: Int? = nil, overwrite: Bool = false,
  writeRasters: Bool = false
) throws -> ComputeResult {
  let config = try RunConfiguration.load(path: runFile)
  return try ComputeJob.run(
    config: config,
    options: ComputeOptions(
      output: out.path, threads: threads, tileSize: tileSize, writeRasters: writeRasters,
      overwrite: overwrite))
}

/// A 20 × 10 grid of 0.01° cells in WGS 84 (origin 108.0° E, 28.0° N), all land-use code 6,
/// precipitation 1 200 mm and ET 700 mm, with one village (520621001001) bounded by the
/// meridians 108.025° and 108.060° and the parallels 27.94° and 27.975° (edges off the cell
/// lines), and its national-2022 run file; shared by the geographic coverage and report tests.
///
/// - Returns: the run file's URL in `folder`.
func writeGeographicUnitCase(in folder: URL) throws -> URL {
  let grid = Grid(
    crs: try SpatialReference(epsg: 4326),
    geoTransform: GeoTransform(
      originX: 108.0, pixelWidth: 0.01, originY: 28.0, pixelHeight: -0.01),
    width: 20, height: 10)
  try writeTestRaster(
    folder.appendingPathComponent("landuse.tif"), grid: grid, type: .int16,
    noData: 0
  ) { _, _ in 6 }
  try writeTestRaster(folder.appendingPathComponent("precipitation.tif"), grid: grid) { _, _ in
    1200
  }
  try writeTestRaster(folder.appendingPathComponent("et.tif"), grid: grid) { _, _ in 700 }
  let (lon0, lon1, lat0, lat1) = (108.025, 108.060, 27.975, 27.940)
  let geojson = """
    {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"520621001001","name":"甲村"},"geometry":{"type":"Polygon","coordinates":[[[\(lon0),\(lat0)],[\(lon1),\(lat0)],[\(lon1),\(lat1)],[\(lon0),\(lat1)],[\(lon0),\(lat0)]]]}}]}
    """
  try Data(geojson.utf8).write(to: folder.appendingPathComponent("villages.geojson"))
  let toml = """
    year = 2024
    profile = "national-2022"
    coefficients = "\(coefficientRoot)"
    output = "out"

    [landuse]
    path = "landuse.tif"
    scheme = "swat"

    [rasters.precipitation]
    path = "precipitation.tif"
    unit = "mm"

    [rasters.evapotranspiration]
    path = "et.tif"
    unit = "mm"

    [units]
    path = "villages.geojson"
    code_field = "code"
    name_field = "name"
    hierarchy = "code12"
    """
  let runFile = folder.appendingPathComponent("gep.toml")
  try Data(toml.utf8).write(to: runFile)
  return runFile
}
