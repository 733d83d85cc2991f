import Foundation
import GEPGeo
import GEPPipeline
import Testing

/// Exact unit coverage on the demo county (issue 15): unit areas equal their polygons' areas,
/// the results do not depend on threads or tiles, the cell-centre rule is still available, and
/// the coverage fractions agree with exactextract (isciences, an independent implementation)
/// when its Python package is installed.
@Suite struct ExactCoverageDemoTests {
  static let demo = repoRoot.appendingPathComponent("sample-data/demo-county")
  static func demoPath(_ name: String) -> String { demo.appendingPathComponent(name).path }

  /// The demo run file with absolute paths in `folder`, `extraUnits` added to `[units]`.
  func demoRun(in folder: URL, extraUnits: String = "") throws -> String {
    var toml = try String(contentsOf: Self.demo.appendingPathComponent("gep.toml"), encoding: .utf8)
    toml = toml.replacingOccurrences(
      of: "coefficients = \"../../coefficients\"", with: "coefficients = \"\(coefficientRoot)\"")
    let names = try FileManager.default.contentsOfDirectory(atPath: Self.demo.path)
    for name in names {
      toml = toml.replacingOccurrences(
        of: "path = \"\(name)\"", with: "path = \"\(Self.demoPath(name))\"")
      toml = toml.replacingOccurrences(
        of: "names = \"\(name)\"", with: "names = \"\(Self.demoPath(name))\"")
    }
    toml = toml.replacingOccurrences(of: "[units]\n", with: "[units]\n\(extraUnits)")
    let path = folder.appendingPathComponent("gep.toml")
    try toml.write(to: path, atomically: true, encoding: .utf8)
    return path.path
  }

  /// Features of a demo GeoJSON layer transformed to the grid's CRS, by `code`.
  func features(_ name: String, to grid: Grid) throws -> [(code: String, geometry: Geometry)] {
    let layer = try VectorDataset(path: Self.demoPath(name)).layer(0)
    let source = try #require(try layer.spatialReference())
    let t = try CoordinateTransformation(from: source, to: grid.crs)
    return try layer.features().map { f in
      (f.attributes["code"]?.description ?? "", try #require(f.geometry).transformed(by: t))
    }
  }

  @Test func villageAndCountyAreasEqualTheirPolygonsAreas() throws {
    let folder = try tempFolder("exact-areas")
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try compute(try demoRun(in: folder), out: folder.appendingPathComponent("out"))
    let grid = try RasterDataset(path: Self.demoPath("landuse.tif")).grid()
    #expect(grid.crs.isProjected)
    let byCode = Dictionary(
      result.account.units.map { ($0.unit.code, $0) }, uniquingKeysWith: { a, _ in a })
    // A unit's area in the account is its land area plus its land-use nodata area (the demo
    // land use is nodata outside the county, cut by the cell-centre rule, so boundary cells
    // are partly nodata); together they are every m² of the polygon, which must equal the
    // polygon's planar area in the grid CRS (OGR_G_Area) — unknown codes would be a third
    // part, the demo has none.
    let villages = try features("villages.geojson", to: grid)
    #expect(villages.count == 156)
    var worst = 0.0
    for v in villages {
      let u = try #require(byCode[v.code], "village \(v.code) in the account")
      let covered = u.area.value + u.noDataArea.value
      let rel = abs(covered - v.geometry.area) / v.geometry.area
      worst = max(worst, rel)
      #expect(rel <= 1e-6, "village \(v.code): \(covered) m² vs polygon \(v.geometry.area) m²")
    }
    let county = try #require(try features("county.geojson", to: grid).first)
    let c = try #require(result.account.units.first { $0.unit.level == .county })
    let countyCovered = c.area.value + c.noDataArea.value
    #expect(abs(countyCovered - county.geometry.area) <= 1e-6 * county.geometry.area)
    // The cell-centre rule misses by 0.13 % (median) and up to 2.3 % on the same villages
    // (issue 15); the exact coverage is far inside 1e-6.
    #expect(worst < 1e-9)
  }

  @Test func exactResultsAreByteIdenticalForAnyThreadCountAndTileSize() throws {
    let folder = try tempFolder("exact-invariance")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try demoRun(in: folder)
    var outputs: [(String, String)] = []
    for (threads, tile) in [(1, 64), (2, 256), (3, 100)] {
      let out = folder.appendingPathComponent("out-\(threads)-\(tile)")
      _ = try compute(runFile, out: out, threads: threads, tileSize: tile)
      let s = try String(contentsOf: out.appendingPathComponent("summary.csv"), encoding: .utf8)
      let i = try String(contentsOf: out.appendingPathComponent("indicators.csv"), encoding: .utf8)
      outputs.append((s, i))
    }
    for o in outputs.dropFirst() {
      #expect(o.0 == outputs[0].0)
      #expect(o.1 == outputs[0].1)
    }
  }

  @Test func centreCoverageIsChosenInTheRunFileAndRecorded() throws {
    let folder = try tempFolder("centre-coverage")
    defer { try? FileManager.default.removeItem(at: folder) }
    let exact = try compute(try demoRun(in: folder), out: folder.appendingPathComponent("exact"))
    let centreRun = folder.appendingPathComponent("c")
    try FileManager.default.createDirectory(at: centreRun, withIntermediateDirectories: true)
    let centre = try compute(
      try demoRun(in: centreRun, extraUnits: "coverage = \"centre\"\n"),
      out: folder.appendingPathComponent("centre"))
    let mExact = try String(
      contentsOf: folder.appendingPathComponent("exact/manifest.json"), encoding: .utf8)
    let mCentre = try String(
      contentsOf: folder.appendingPathComponent("centre/manifest.json"), encoding: .utf8)
    #expect(mExact.contains("\"coverage\": \"exact\""))
    #expect(mCentre.contains("\"coverage\": \"centre\""))
    #expect(mCentre.contains("cell centre inside the unit polygon"))
    // Centre: whole cells only, so every village area is a whole number of cells (an
    // ExactSum of equal cell areas, exact); exact: not in general.
    let grid = try RasterDataset(path: Self.demoPath("landuse.tif")).grid()
    let cellArea = abs(grid.geoTransform.pixelWidth * grid.geoTransform.pixelHeight)
    let centreVillages = centre.account.units.filter {
      $0.unit.level == .village && $0.unit.code != "unassigned"
    }
    for v in centreVillages {
      let cells = v.area.value / cellArea
      #expect(cells == cells.rounded(), "\(v.unit.code): \(v.area.value) m²")
    }
    let fractional = exact.account.units.filter {
      $0.unit.level == .village
        && ($0.area.value / cellArea) != ($0.area.value / cellArea).rounded()
    }
    #expect(!fractional.isEmpty)
    // A bad value is rejected, naming the key.
    let badRun = folder.appendingPathComponent("bad")
    try FileManager.default.createDirectory(at: badRun, withIntermediateDirectories: true)
    #expect {
      _ = try RunConfiguration.load(
        path: try demoRun(in: badRun, extraUnits: "coverage = \"all_touched\"\n"))
    } throws: { error in
      guard let p = error as? InputProblems else { return false }
      return p.problems.contains {
        $0.code == "run-file.value" && $0.location.field == "units.coverage"
      }
    }
  }

  /// exactextract (its Python package, `pip install exactextract`) on the same grid and the
  /// same villages (transformed to the grid CRS here, passed as GeoJSON; the raster passed as
  /// a NumPy array): per village the coverage count Σ f and the weighted sum Σ f·x of the
  /// precipitation raster must match ours (`ZoneCoverage`) to 1e-9 relative; and the count
  /// over valid land-use cells × the cell area must match the account's village area.
  @Test func matchesExactextract() throws {
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    probe.arguments = ["python3", "-c", "import exactextract, numpy"]
    probe.standardError = FileHandle.nullDevice
    probe.standardOutput = FileHandle.nullDevice
    try? probe.run()
    probe.waitUntilExit()
    guard probe.terminationStatus == 0 else {
      print("skipped: the exactextract Python package is not installed (pip install exactextract)")
      return
    }
    let folder = try tempFolder("exactextract")
    defer { try? FileManager.default.removeItem(at: folder) }
    let grid = try RasterDataset(path: Self.demoPath("landuse.tif")).grid()
    let villages = try features("villages.geojson", to: grid)
    let n = grid.width * grid.height
    // Rasters as float64, row-major from the top row, nodata → −9999.
    func rasterFile(_ name: String) throws -> (values: [Double], valid: [Bool], path: String) {
      var v = [Double](repeating: 0, count: n)
      var ok = [Bool](repeating: false, count: n)
      try RasterDataset(path: Self.demoPath(name)).band(1).readMasked(
        grid.fullWindow, values: &v, valid: &ok)
      let out = v.indices.map { ok[$0] ? v[$0] : -9999 }
      let path = folder.appendingPathComponent(name + ".f64").path
      try out.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: path))
      return (v, ok, path)
    }
    let precip = try rasterFile("precipitation.tif")
    let landuse = try rasterFile("landuse.tif")
    var feats: [String] = []
    for (i, v) in villages.enumerated() {
      feats.append(
        "{\"type\":\"Feature\",\"properties\":{\"zi\":\(i)},\"geometry\":"
          + v.geometry.geoJSON(significantDigits: 17) + "}")
    }
    let b = grid.bounds
    let script = """
      import json, sys, numpy as np
      from exactextract import exact_extract
      from exactextract.raster import NumPyRasterSource
      from exactextract.feature import JSONFeatureSource
      feats = json.load(open(sys.argv[1]))
      out = {}
      for name, path in (("precip", sys.argv[2]), ("landuse", sys.argv[3])):
          a = np.fromfile(path, dtype="<f8").reshape(\(grid.height), \(grid.width))
          r = NumPyRasterSource(a, \(b.minX), \(b.minY), \(b.maxX), \(b.maxY), nodata=-9999)
          res = exact_extract(
              r, JSONFeatureSource(feats), ["count", "sum"], include_cols=["zi"],
              output="geojson")
          out[name] = [[f["properties"]["zi"], f["properties"]["count"], f["properties"]["sum"]] for f in res]
      print(json.dumps(out))
      """
    let featPath = folder.appendingPathComponent("villages.json")
    try ("[" + feats.joined(separator: ",") + "]").write(
      to: featPath, atomically: true, encoding: .utf8)
    let scriptPath = folder.appendingPathComponent("ee.py")
    try script.write(to: scriptPath, atomically: true, encoding: .utf8)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", scriptPath.path, featPath.path, precip.path, landuse.path]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0)
    let parsed = try #require(
      try JSONSerialization.jsonObject(with: data) as? [String: [[Double]]])
    // Ours: Σ f and Σ f·x over valid cells, per village.
    let coverage = try ZoneCoverage(
      grid: grid, geometries: villages.map(\.geometry),
      zones: villages.indices.map(Int32.init), outside: Int32(villages.count))
    var tile = TileCoverage()
    coverage.coverage(grid.fullWindow, into: &tile)
    func ours(_ r: (values: [Double], valid: [Bool], path: String)) -> [(Double, Double)] {
      var s = [(Double, Double)](repeating: (0, 0), count: villages.count + 1)
      for i in 0..<n where r.valid[i] {
        for e in Int(tile.start[i])..<Int(tile.start[i + 1]) {
          let z = Int(tile.zone[e])
          s[z].0 += tile.fraction[e]
          s[z].1 += tile.fraction[e] * r.values[i]
        }
      }
      return s
    }
    let folderRun = folder.appendingPathComponent("run")
    try FileManager.default.createDirectory(at: folderRun, withIntermediateDirectories: true)
    let account = try compute(
      try demoRun(in: folderRun), out: folder.appendingPathComponent("out")
    ).account
    let areaByCode = Dictionary(
      account.units.map { ($0.unit.code, $0.area.value) }, uniquingKeysWith: { a, _ in a })
    for (name, raster) in [("precip", precip), ("landuse", landuse)] {
      let theirs = try #require(parsed[name])
      #expect(theirs.count == villages.count)
      let mine = ours(raster)
      for row in theirs {
        let z = Int(row[0])
        #expect(
          abs(mine[z].0 - row[1]) <= 1e-9 * row[1], "\(name) count, village \(villages[z].code)")
        #expect(
          abs(mine[z].1 - row[2]) <= 1e-9 * abs(row[2]), "\(name) sum, village \(villages[z].code)")
        if name == "landuse" {
          let area = try #require(areaByCode[villages[z].code])
          let cellArea = abs(grid.geoTransform.pixelWidth * grid.geoTransform.pixelHeight)
          #expect(
            abs(area - row[1] * cellArea) <= 1e-9 * area, "area of village \(villages[z].code)")
        }
      }
    }
  }
}
