import Foundation
import GEPGeo
import Testing

@testable import GEPPipeline

/// Many units (issue 22): the zone sums of a tile are compact (one block per zone the tile
/// meets, added to the pass's total when the tile is done) and the large outputs are made in
/// ordered chunks on several threads. Neither may change a byte of the account.
@Suite struct ManyUnitsTests {
  static let demo = repoRoot.appendingPathComponent("sample-data/demo-county")

  /// The byte writer of the large outputs writes every field as `csvLine` does (RFC 4180
  /// quoting, formula neutralising), including the fields that take the slow path.
  @Test func csvBytesEqualCSVLine() {
    let fields = [
      "", "plain", "a,b", "=SUM(A1)", "-12.5", "-1e-05", "-x", "+0.5", "+x", "@a", "\tx",
      "\rx", "say \"hi\"", "line\nbreak", "中文, 名称", "520621001001", "1.5e+20", "a\"b",
    ]
    var bytes: [UInt8] = []
    bytes.appendCSVLine(fields)
    #expect(String(decoding: bytes, as: UTF8.self) == csvLine(fields))
    for f in fields {
      var one: [UInt8] = []
      one.appendCSVField(f)
      #expect(String(decoding: one, as: UTF8.self) == csvField(f), "field \(f.debugDescription)")
    }
  }

  /// Rows in chunks of 7 on 1, 2 and 5 threads give the text of a plain serial loop; the first
  /// failing item in item order is the error reported, whatever thread met it first.
  @Test func chunkedRowsAreTheSameForAnyThreadCount() throws {
    let items = Array(0..<1_000)
    var serial = "head\n"
    for i in items { serial += "row \(i * i)\n" }
    serial += "foot\n"
    for threads in [1, 2, 5] {
      let text = OutputText.rows(
        header: "head\n", items, footer: "foot\n", threads: threads, chunkSize: 7
      ) { i, out in out.append(text: "row \(i * i)\n") }
      #expect(try text.string() == serial, "threads \(threads)")
    }
    struct Failed: Error, Equatable { let item: Int }
    for threads in [1, 2, 5] {
      let text = OutputText.rows(header: "", items, threads: threads, chunkSize: 7) {
        (i: Int, out: inout [UInt8]) throws(Failed) in
        if i == 500 || i == 930 { throw Failed(item: i) }
        out.append(text: "\(i)\n")
      }
      #expect(throws: Failed(item: 500)) { try text.string() }
    }
  }

  /// A layer of 30 × 30 square units over the demo grid, with edges off the cell lines (so
  /// most tiles meet several zones, and cells are shared between zones): the account is byte
  /// for byte the same for any thread count and tile size (a tile of 32 cells meets up to 4
  /// units, one of 256 cells about 150), and every m² and every unit of quantity of the grid is
  /// somewhere: the totals over the squares (plus the unassigned row) equal the totals over the
  /// demo's 156 villages (plus theirs), to the fixed point's rounding.
  @Test func squareUnitsSumToTheSameGridTotalsForAnyTiling() throws {
    let folder = try tempFolder("many-units")
    defer { try? FileManager.default.removeItem(at: folder) }
    let grid = try RasterDataset(path: Self.demo.appendingPathComponent("landuse.tif").path).grid()
    let gt = grid.geoTransform
    // The grid's extent, widened by a third of a cell on each side so that the square edges
    // fall between cell lines.
    let x0 = gt.originX - gt.pixelWidth / 3
    let y0 = gt.originY + abs(gt.pixelHeight) / 3
    let width = Double(grid.width) * gt.pixelWidth + gt.pixelWidth * 2 / 3
    let height = Double(grid.height) * abs(gt.pixelHeight) + abs(gt.pixelHeight) * 2 / 3
    let k = 30
    let squares = folder.appendingPathComponent("squares.gpkg").path
    let writer = try VectorWriter(
      path: squares, driver: "GPKG", layerName: "squares", crs: grid.crs,
      geometryType: .polygon, fields: [VectorField("code", .string), VectorField("name", .string)])
    for t in 0..<k {
      for v in 0..<k {
        let (a, b) = (x0 + width * Double(v) / Double(k), x0 + width * Double(v + 1) / Double(k))
        let (c, d) = (y0 - height * Double(t) / Double(k), y0 - height * Double(t + 1) / Double(k))
        let code = "520621" + String(format: "%03d%03d", t + 1, v + 1)
        try writer.add(
          [.string(code), .string("square \(code)")],
          geometry: try Geometry(
            wkt: "POLYGON((\(a) \(c),\(b) \(c),\(b) \(d),\(a) \(d),\(a) \(c)))"))
      }
    }
    try writer.close()
    // The demo run without its code-keyed tables (material products, GDP), so that the two unit
    // layers are comparable; the squares' run swaps the unit layer.
    var base = try String(contentsOf: Self.demo.appendingPathComponent("gep.toml"), encoding: .utf8)
    base = base.replacingOccurrences(
      of: "coefficients = \"../../coefficients\"", with: "coefficients = \"\(coefficientRoot)\"")
    for name in try FileManager.default.contentsOfDirectory(atPath: Self.demo.path) {
      base = base.replacingOccurrences(
        of: "path = \"\(name)\"",
        with: "path = \"\(Self.demo.appendingPathComponent(name).path)\"")
    }
    base =
      base.components(separatedBy: "\n[tables.material_products]")[0] + "\n"
      + "[not_applicable]" + base.components(separatedBy: "[not_applicable]")[1]
    base = base.replacingOccurrences(
      of: "names = \"units.csv\"",
      with: "names = \"\(Self.demo.appendingPathComponent("units.csv").path)\"")
    let villagesRun = folder.appendingPathComponent("villages.toml")
    try base.write(to: villagesRun, atomically: true, encoding: .utf8)
    var squaresText = base.replacingOccurrences(
      of: "path = \"\(Self.demo.appendingPathComponent("villages.geojson").path)\"",
      with: "path = \"\(squares)\"")
    // The squares have no names table (their names are in the layer).
    squaresText = squaresText.replacingOccurrences(
      of: "names = \"\(Self.demo.appendingPathComponent("units.csv").path)\"\n", with: "")
    #expect(!squaresText.contains("units.csv"))
    let squaresRun = folder.appendingPathComponent("squares.toml")
    try squaresText.write(to: squaresRun, atomically: true, encoding: .utf8)

    var texts: [[String]] = []
    var first: ComputeResult? = nil
    for (threads, tile) in [(1, 32), (2, 256), (3, 100)] {
      let out = folder.appendingPathComponent("squares-\(threads)-\(tile)")
      let r = try compute(squaresRun.path, out: out, threads: threads, tileSize: tile)
      if first == nil { first = r }
      texts.append(
        try ["summary.csv", "indicators.csv", "matrix.csv", "units.geojson"].map {
          try String(contentsOf: out.appendingPathComponent($0), encoding: .utf8)
        })
    }
    for t in texts.dropFirst() { #expect(t == texts[0]) }
    let squareUnits = try #require(first).account.units
    #expect(squareUnits.filter { $0.unit.level == .village }.count == k * k + 1)  // + unassigned

    let villageUnits = try compute(villagesRun.path, out: folder.appendingPathComponent("v"))
      .account.units
    // Totals over the finest units and the unassigned row: land area, and per indicator line
    // the quantity (the cells are the same; only their split among units differs).
    func totals(_ units: [UnitAccount]) -> (area: Double, quantities: [String: Double]) {
      var area = KahanSum()
      var q: [String: KahanSum] = [:]
      for u in units where u.unit.level == .village {
        area.add(u.area.value)
        for l in u.lines {
          if let x = l.quantity {
            q["\(l.indicator)/\(l.component)", default: .init()].add(x.value)
          }
        }
      }
      return (area.value, q.mapValues(\.value))
    }
    let (sArea, sQ) = totals(squareUnits)
    let (vArea, vQ) = totals(villageUnits)
    #expect(sArea > 0)
    #expect(abs(sArea - vArea) <= 1e-9 * vArea, "land area \(sArea) vs \(vArea) m²")
    #expect(Set(sQ.keys) == Set(vQ.keys))
    for (key, v) in vQ where v != 0 {
      let s = sQ[key] ?? .nan
      #expect(abs(s - v) <= 1e-9 * abs(v), "\(key): squares \(s) vs villages \(v)")
    }
  }
}

/// Kahan compensated summation for the test's totals (independent of the engine's `ExactSum`).
struct KahanSum {
  var sum = 0.0
  var c = 0.0
  init() {}
  mutating func add(_ x: Double) {
    let y = x - c
    let t = sum + y
    c = (t - sum) - y
    sum = t
  }
  var value: Double { sum }
}
