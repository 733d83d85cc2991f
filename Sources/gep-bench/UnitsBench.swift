import Foundation
import GEPGeo

// `gep-bench units`: the cost of many units and of exact coverage (issue 15), and `gep vep` on
// large and many small parcels, on the synthetic grid of `generate`.

/// A GeoJSON polygon feature (one ring, closed here) with string properties.
func polygonFeature(_ properties: [String: String], ring: [(Double, Double)]) -> String {
  let props = properties.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }
  let coords = (ring + [ring[0]]).map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
  return "{\"type\":\"Feature\",\"properties\":{\(props.joined(separator: ","))},"
    + "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[\(coords)]]}}"
}

/// Writes a UTM 49N GeoJSON FeatureCollection.
func writeCollection(_ features: [String], to path: String) throws {
  let text =
    "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
    + "\"urn:ogc:def:crs:EPSG::32649\"}},\"features\":[\n" + features.joined(separator: ",\n")
    + "\n]}\n"
  try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// K × K square units tiling the n × n grid, K = round(√count); edges at n·i/K cells, which
/// fall between cell lines unless K divides n. Row t is township t + 1, column v village v + 1:
/// code 520621 TTT VVV (K ≤ 999).
func writeSquareUnits(n: Int, count: Int, path: String) throws -> Int {
  let k = max(1, Int(Double(count).squareRoot().rounded()))
  guard k <= 999 else { throw BenchError("at most 999 × 999 units") }
  let side = Double(n) * cellSize
  var features: [String] = []
  features.reserveCapacity(k * k)
  for t in 0..<k {
    for v in 0..<k {
      let x0 = originX + side * Double(v) / Double(k)
      let x1 = originX + side * Double(v + 1) / Double(k)
      let y0 = originY - side * Double(t) / Double(k)
      let y1 = originY - side * Double(t + 1) / Double(k)
      let code = "520621" + String(format: "%03d%03d", t + 1, v + 1)
      features.append(
        polygonFeature(
          ["code": code, "name": "村\(code.suffix(6))"],
          ring: [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]))
    }
  }
  try writeCollection(features, to: path)
  return k * k
}

/// The median of a non-empty list.
func median(_ xs: [Double]) -> Double {
  let s = xs.sorted()
  return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// The run file of `base` with another unit layer and coverage rule.
func unitRunFile(base: String, units: String, coverage: String, path: String) throws {
  var text = try String(contentsOfFile: base, encoding: .utf8)
  text = text.replacingOccurrences(
    of: "path = \"villages.geojson\"", with: "path = \"\(units)\"\ncoverage = \"\(coverage)\"")
  try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// Runs the table of `gep-bench units` (see the header of main.swift).
func unitsBench(_ o: Options) throws {
  let cells = o.cells ?? 16_000_000
  let spec = Spec(cells: cells, compress: o.compress, warp: false)
  let dir = o.folder(cells)
  let base = try generate(spec, dir: dir, coefficients: o.coefficients)
  let n = spec.side
  let threads = ["--threads", String(o.threads), "--overwrite", "--quiet"]
  print("gep compute on \(n)×\(n) cells, \(o.threads) threads, medians of \(o.repeats) pairs")
  print("units | centre s | exact s | exact ÷ centre | exact RSS MiB")
  var computeSeconds: Double? = nil
  for count in o.counts {
    let layer = "units-\(count).geojson"
    let units = try writeSquareUnits(n: n, count: count, path: dir + "/" + layer)
    var times: [String: [Double]] = ["centre": [], "exact": []]
    var rss = 0.0
    for _ in 0..<o.repeats {
      for rule in ["centre", "exact"] {
        let run = dir + "/units-\(count)-\(rule).toml"
        try unitRunFile(base: base, units: layer, coverage: rule, path: run)
        let r = try runTimed(
          o.gep, ["compute", run, "--out", dir + "/out-units-\(rule)"] + threads)
        times[rule]!.append(r.seconds)
        if rule == "exact" { rss = max(rss, r.rssMiB) }
      }
    }
    let c = median(times["centre"]!)
    let e = median(times["exact"]!)
    if computeSeconds == nil { computeSeconds = e }
    print(String(format: "%d | %.2f | %.2f | %.3f | %.0f", units, c, e, e / c, rss))
  }
  guard let compute = computeSeconds else { return }
  // One parcel of ≈ 1 M cells: a 12-sided polygon of 1 M × 900 m² around the grid's centre.
  let cx = originX + Double(n) * cellSize / 2
  let cy = originY - Double(n) * cellSize / 2
  // A regular 12-gon of circumradius r has the area 3 r².
  let radius = (min(1_000_000, Double(n * n) / 2) * cellSize * cellSize / 3).squareRoot()
  let ring = (0..<12).map { i -> (Double, Double) in
    let a = Double(i) * Double.pi / 6
    return (cx + radius * cos(a), cy + radius * sin(a))
  }
  try writeCollection([polygonFeature(["id": "P1"], ring: ring)], to: dir + "/parcel-1m.geojson")
  // One-mu parcels (666.67 m², a square of 25.82 m) on a lattice over the grid.
  let mu = (2000.0 / 3).squareRoot()
  let perSide = max(1, Int(Double(o.parcels).squareRoot().rounded()))
  var small: [String] = []
  for i in 0..<perSide {
    for j in 0..<perSide {
      let x = originX + (Double(j) + 0.37) * Double(n) * cellSize / Double(perSide)
      let y = originY - (Double(i) + 0.41) * Double(n) * cellSize / Double(perSide)
      small.append(
        polygonFeature(
          ["id": "M\(i * perSide + j + 1)"],
          ring: [(x, y), (x + mu, y), (x + mu, y - mu), (x, y - mu)]))
    }
  }
  try writeCollection(small, to: dir + "/parcels-mu.geojson")
  let exactRun = dir + "/units-\(o.counts[0])-exact.toml"
  for (label, file) in [
    (
      String(format: "1 parcel of %.0f cells", 3 * radius * radius / (cellSize * cellSize)),
      "parcel-1m.geojson"
    ),
    ("\(perSide * perSide) one-mu parcels", "parcels-mu.geojson"),
  ] {
    var t: [Double] = []
    for _ in 0..<o.repeats {
      t.append(
        try runTimed(
          o.gep,
          [
            "vep", exactRun, "--parcels", dir + "/" + file, "--id-field", "id", "--out",
            dir + "/out-vep", "--overwrite", "--quiet",
          ]
        ).seconds)
    }
    let v = median(t)
    print(
      String(
        format: "gep vep, %@: %.2f s (%.2f × gep compute at %d units, exact)", label, v,
        v / compute, o.counts[0]))
  }
}
