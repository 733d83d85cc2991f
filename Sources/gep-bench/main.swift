// gep-bench: throughput and memory of `gep compute` on deterministic synthetic inputs, next to
// the I/O floor (the time to merely read the same rasters through GDAL the way gep does).
//
//   gep-bench run [--sizes "1 16 64"] [--dir /tmp/gep-bench] [--compress NONE|DEFLATE]
//                 [--threads 2] [--warp] [--gep .build/release/gep] [--coefficients coefficients]
//   gep-bench generate --cells 1000000 --dir DIR [--compress NONE] [--warp] [--coefficients …]
//   gep-bench floor RUN_FILE [--threads 2] [--tile 256]
//   gep-bench units [--cells 16000000] [--counts "200 20000 100000"] [--parcels 10000]
//                   [--repeats 3] [--dir …] [--threads 2] [--gep …] [--coefficients …]
//     issue 15: `gep compute` with K × K square units tiling the grid (edges off the cell
//     lines), cell-centre rule against exact coverage, paired and alternating (medians); then
//     `gep vep` on one ≈ 1 M-cell parcel and on one-mu parcels, against `gep compute`.
//   gep-bench zones RASTER POLYGONS [--tile 256]
//     the zone step of the cell pass alone, one thread, CPU time: every tile's zones by the
//     cell-centre rule (ZoneRasterizer) and by exact coverage (ZoneCoverage), for the polygons
//     of POLYGONS (first layer, transformed to the raster's CRS) on the raster's grid.
//   gep-bench coverage RASTER POLYGONS [--geos]
//     exact coverage fractions (exactCellCoverage, issue 15) of each polygon of POLYGONS (first
//     layer, transformed to the raster's CRS) on the raster's grid, timed; with --geos also the
//     per-cell GEOS intersections that `gep vep` used before (cellCoverage), and their largest
//     difference.
//
// Inputs (per size, in DIR/<N>M-<compress>[-warp]/): a square UTM 49N grid of 30 m cells,
// land use (Int16, SWAT codes of crosswalk_swat.csv), seven Float32 rasters (precipitation,
// evapotranspiration, erosivity, erodibility, ls, fvc, dem; gep derives slope from the DEM)
// and 200 rectangular villages (20 × 10, 12-digit codes 520621TTTVVV) tiling the grid.
import Dispatch
import Foundation
import GEPGeo
import GEPPipeline
import Synchronization

/// A failure of the benchmark, with a message naming what is wrong.
struct BenchError: Error, CustomStringConvertible {
  let description: String
  init(_ message: String) { description = message }
}

/// Prints to stderr (progress), keeping stdout for results.
func log(_ s: String) { FileHandle.standardError.write(Data(("bench: " + s + "\n").utf8)) }

/// Seconds elapsed since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
  let d = ContinuousClock.now - start
  return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

// MARK: - Deterministic synthetic fields

/// A uniform value in [0, 1) from a cell and a seed (splitmix64 finaliser).
@inline(__always)
func noise(_ c: Int, _ r: Int, _ seed: UInt64) -> Double {
  var z =
    (UInt64(truncatingIfNeeded: r) << 32 | UInt64(truncatingIfNeeded: c))
    &+ seed &* 0x9E37_79B9_7F4A_7C15
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  z ^= z >> 31
  return Double(z >> 11) / Double(UInt64(1) << 53)
}

/// `amplitude · sin(2π i / wavelength + phase)` for i in 0..<n.
func wave(_ n: Int, _ amplitude: Double, _ wavelength: Double, _ phase: Double = 0) -> [Double] {
  (0..<n).map { amplitude * sin(2 * Double.pi * Double($0) / wavelength + phase) }
}

/// A smooth field plus noise: base + col(c) + row(r) + Σ colP(c)·rowP(r) + amp·(noise − ½),
/// clamped; a small share of cells is nodata. Tables are per column and per row, so a value
/// costs a few loads and one hash.
struct Field: Sendable {
  let name: String
  let unit: String
  let base: Double
  let col: [Double]
  let row: [Double]
  let products: [([Double], [Double])]
  let noiseAmplitude: Double
  let range: ClosedRange<Double>
  let noDataShare: Double
  let seed: UInt64

  @inline(__always)
  func value(_ c: Int, _ r: Int) -> Float {
    if noDataShare > 0 && noise(c, r, seed ^ 0xD1) < noDataShare { return -9999 }
    var v = base + col[c] + row[r] + noiseAmplitude * (noise(c, r, seed) - 0.5)
    for (a, b) in products { v += a[c] * b[r] }
    return Float(min(max(v, range.lowerBound), range.upperBound))
  }
}

/// The seven Float32 inputs of the national profile on an `n × n` grid (tables sized `n`;
/// a coarser raster samples them every `step` cells).
func fields(_ n: Int) -> [Field] {
  func f(
    _ name: String, _ unit: String, _ base: Double, col: (Double, Double), row: (Double, Double),
    products: [((Double, Double), (Double, Double))], noise: Double, _ range: ClosedRange<Double>,
    noData: Double = 0, seed: UInt64
  ) -> Field {
    Field(
      name: name, unit: unit, base: base, col: wave(n, col.0, col.1, 0.3),
      row: wave(n, row.0, row.1, 1.1),
      products: products.map { (wave(n, $0.0.0, $0.0.1, 0.7), wave(n, $0.1.0, $0.1.1, 0.2)) },
      noiseAmplitude: noise, range: range, noDataShare: noData, seed: seed)
  }
  return [
    f(
      "precipitation", "mm", 1150, col: (180, 2100), row: (120, 1700),
      products: [((1, 300), (40, 260))], noise: 40, 600...2000, seed: 11),
    f(
      "evapotranspiration", "mm", 620, col: (90, 1300), row: (60, 2300),
      products: [((1, 350), (25, 410))], noise: 30, 300...1000, seed: 12),
    f(
      "erosivity", "MJ mm hm-2 h-1 a-1", 4800, col: (900, 2600), row: (700, 1900),
      products: [((1, 500), (300, 600))], noise: 250, 1500...9000, seed: 13),
    f(
      "erodibility", "t hm2 h hm-2 MJ-1 mm-1", 0.032, col: (0.008, 900), row: (0.006, 1100),
      products: [((1, 120), (0.004, 140))], noise: 0.004, 0.005...0.07, seed: 14),
    f(
      "ls", "1", 3.0, col: (1.0, 700), row: (0.8, 800), products: [((1, 40), (2.5, 55))],
      noise: 2.0, 0.05...25, seed: 15),
    f(
      "fvc", "fraction", 0.62, col: (0.15, 1500), row: (0.12, 900),
      products: [((1, 60), (0.1, 75))], noise: 0.12, 0...1, noData: 0.0005, seed: 16),
    // Relief of 300 m over 45 km, 80 m over 5 km and 40 m over 1.2 km: slopes of 0–25°.
    f(
      "dem", "m", 900, col: (40, 40), row: (40, 47),
      products: [((1, 1500), (300, 1100)), ((1, 170), (80, 190))], noise: 2, -100...5000,
      seed: 17),
  ]
}

/// SWAT land-use codes of crosswalk_swat.csv with their share (per mille) of the patches.
let landUseCodes: [(code: Int16, share: Int)] = [
  (6, 180), (7, 130), (8, 140), (1, 150), (33, 100), (15, 80), (16, 70), (4, 50), (18, 30),
  (9, 20), (104, 30), (107, 20),
]

/// Land use: irregular patches of about 48 × 40 cells, 0.1 % nodata (0).
@inline(__always)
func landUse(_ c: Int, _ r: Int) -> Int16 {
  if noise(c, r, 99) < 0.001 { return 0 }
  let pc = (c + r / 3) / 48
  let pr = (r + c / 5) / 40
  var pick = Int(noise(pc, pr, 7) * 1000)
  for (code, share) in landUseCodes {
    if pick < share { return code }
    pick -= share
  }
  return 6
}

// MARK: - Generation

/// What a generated folder holds; written last as `.complete` so a partial folder is redone.
struct Spec: Equatable {
  var cells: Int
  var compress: String
  var warp: Bool
  var side: Int { max(16, Int(Double(cells).squareRoot().rounded())) }
  var stamp: String { "cells=\(cells) side=\(side) compress=\(compress) warp=\(warp) v1\n" }
}

let originX = 500_000.0
let originY = 3_000_000.0
let cellSize = 30.0

/// Writes the inputs and the run file of `spec` into `dir`; returns the run file's path.
func generate(_ spec: Spec, dir: String, coefficients: String) throws -> String {
  let fm = FileManager.default
  let stampPath = dir + "/.complete"
  let runFile = dir + "/gep.toml"
  if let s = try? String(contentsOfFile: stampPath, encoding: .utf8), s == spec.stamp {
    return runFile
  }
  if fm.fileExists(atPath: dir) { try fm.removeItem(atPath: dir) }
  try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
  let n = spec.side
  let crs = try SpatialReference(epsg: 32649)
  let grid = Grid(
    crs: crs,
    geoTransform: GeoTransform(
      originX: originX, pixelWidth: cellSize, originY: originY, pixelHeight: -cellSize),
    width: n, height: n)
  let all = fields(n)
  let start = ContinuousClock.now
  log("generating \(n)×\(n) = \(n * n) cells in \(dir) (compression \(spec.compress))")
  // One raster per job, two writers at a time; each writes its 256 × 256 tiles in turn.
  let jobs = all.count + 1
  let failure = Mutex<(any Error)?>(nil)
  let compress = spec.compress
  let warp = spec.warp
  DispatchQueue.concurrentPerform(iterations: 2) { w in
    var j = w
    while j < jobs {
      do {
        if j == all.count {
          try writeLandUse(grid: grid, path: dir + "/landuse.tif", compress: compress)
        } else {
          let f = all[j]
          // The warp variant puts precipitation on a 90 m grid covering the same extent.
          let step = warp && f.name == "precipitation" ? 3 : 1
          try writeField(
            f, grid: grid, step: step, path: dir + "/\(f.name).tif", compress: compress)
        }
      } catch {
        failure.withLock { if $0 == nil { $0 = error } }
        return
      }
      j += 2
    }
  }
  if let e = failure.withLock({ $0 }) { throw e }
  try writeVillages(n: n, path: dir + "/villages.geojson")
  var toml = """
    # gep-bench synthetic run: \(n)×\(n) cells of 30 m, \(spec.compress) GeoTIFFs
    year = 2024
    profile = "national-2022"
    coefficients = "\(coefficients)"
    output = "out"

    [landuse]
    path = "landuse.tif"
    scheme = "swat"

    """
  for f in all {
    toml += "\n[rasters.\(f.name)]\npath = \"\(f.name).tif\"\nunit = \"\(f.unit)\"\n"
  }
  toml += """

    [units]
    path = "villages.geojson"
    code_field = "code"
    name_field = "name"
    hierarchy = "code12"

    """
  try toml.write(toFile: runFile, atomically: true, encoding: .utf8)
  try spec.stamp.write(toFile: stampPath, atomically: true, encoding: .utf8)
  log(String(format: "generated in %.1f s", seconds(since: start)))
  return runFile
}

/// Writes one Float32 field tile by tile (256 × 256), never holding more than a tile.
func writeField(_ f: Field, grid: Grid, step: Int, path: String, compress: String) throws {
  let n = grid.width
  let m = (n + step - 1) / step
  let g = Grid(
    crs: grid.crs,
    geoTransform: GeoTransform(
      originX: originX, pixelWidth: cellSize * Double(step), originY: originY,
      pixelHeight: -cellSize * Double(step)),
    width: m, height: m)
  let w = try RasterWriter(
    path: path, grid: g, dataType: .float32, noData: -9999, compress: compress)
  var buffer = [Float](repeating: 0, count: 256 * 256)
  for win in blockPlan(width: m, height: m, tileWidth: 256, tileHeight: 256) {
    if buffer.count != win.count { buffer = [Float](repeating: 0, count: win.count) }
    buffer.withUnsafeMutableBufferPointer { b in
      for r in 0..<win.height {
        let gr = min((win.rowOffset + r) * step, n - 1)
        for c in 0..<win.width {
          b[r * win.width + c] = f.value(min((win.colOffset + c) * step, n - 1), gr)
        }
      }
    }
    try w.write(buffer, window: win)
  }
  try w.close()
}

/// Writes the Int16 land-use raster tile by tile (nodata 0).
func writeLandUse(grid: Grid, path: String, compress: String) throws {
  let w = try RasterWriter(
    path: path, grid: grid, dataType: .int16, noData: 0, compress: compress)
  var buffer = [Int32](repeating: 0, count: 256 * 256)
  for win in blockPlan(width: grid.width, height: grid.height, tileWidth: 256, tileHeight: 256) {
    if buffer.count != win.count { buffer = [Int32](repeating: 0, count: win.count) }
    for r in 0..<win.height {
      for c in 0..<win.width {
        buffer[r * win.width + c] = Int32(landUse(win.colOffset + c, win.rowOffset + r))
      }
    }
    try w.write(buffer, window: win)
  }
  try w.close()
}

/// 200 villages, 20 columns × 10 rows of rectangles tiling the grid; row t is township
/// 520621(t+1) and column v village v+1 in it: code 520621 TTT VVV.
func writeVillages(n: Int, path: String) throws {
  var features: [String] = []
  for t in 0..<10 {
    for v in 0..<20 {
      let x0 = originX + Double(n * v / 20) * cellSize
      let x1 = originX + Double(n * (v + 1) / 20) * cellSize
      let y0 = originY - Double(n * t / 10) * cellSize
      let y1 = originY - Double(n * (t + 1) / 10) * cellSize
      let code = "520621" + String(format: "%03d%03d", t + 1, v + 1)
      features.append(
        polygonFeature(
          ["code": code, "name": "村\(code.suffix(6))"],
          ring: [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]))
    }
  }
  try writeCollection(features, to: path)
}

// MARK: - I/O floor

/// Reads every input raster of a run file window by window (`tile × tile`, as Float64 like
/// gep's tile reader) on `threads` threads, each with its own datasets, tiles dealt
/// round-robin as in gep's zonal pass. Returns the wall seconds and the cells read.
func ioFloor(runFile: String, threads: Int, tile: Int) throws -> (seconds: Double, cells: Int) {
  let config = try RunConfiguration.load(path: runFile)
  let inputs =
    [(config.landUse.path, config.landUse.band)]
    + config.rasters.sorted(by: { $0.key < $1.key }).map { ($0.value.path, $0.value.band) }
  let plans = try inputs.map { input in
    let ds = try RasterDataset(path: input.0)
    return blockPlan(width: ds.width, height: ds.height, tileWidth: tile, tileHeight: tile)
  }
  let tileCount = plans.map(\.count).max() ?? 0
  let cells = plans.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
  let failure = Mutex<(any Error)?>(nil)
  let start = ContinuousClock.now
  DispatchQueue.concurrentPerform(iterations: threads) { w in
    do {
      let bands = try inputs.map { try RasterDataset(path: $0.0).band($0.1) }
      var buffer = [Double](repeating: 0, count: tile * tile)
      var t = w
      while t < tileCount {
        for (i, band) in bands.enumerated() where t < plans[i].count {
          try band.read(plans[i][t], into: &buffer)
        }
        t += threads
      }
    } catch {
      failure.withLock { if $0 == nil { $0 = error } }
    }
  }
  if let e = failure.withLock({ $0 }) { throw e }
  return (seconds(since: start), cells)
}

// MARK: - Driver

/// One measured size.
struct Row {
  var cells: Int
  var computeSeconds: Double
  var peakRSSMiB: Double
  var floorSeconds: Double
  var floorRSSMiB: Double
  var phases: [String: Double]
}

/// Runs a program under `/usr/bin/time -v`; returns its wall seconds (measured here), peak
/// RSS in MiB (from time's report) and standard output.
func runTimed(_ program: String, _ arguments: [String]) throws
  -> (seconds: Double, rssMiB: Double, output: String)
{
  let p = Process()
  p.executableURL = URL(fileURLWithPath: "/usr/bin/time")
  p.arguments = ["-v", program] + arguments
  let out = Pipe()
  let err = Pipe()
  p.standardOutput = out
  p.standardError = err
  let start = ContinuousClock.now
  try p.run()
  // Drain stdout on another thread so neither pipe can fill up and block the child.
  let stdout = Mutex(Data())
  let reader = out.fileHandleForReading
  let group = DispatchGroup()
  DispatchQueue.global().async(group: group) {
    let d = reader.readDataToEndOfFile()
    stdout.withLock { $0 = d }
  }
  let data = err.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  group.wait()
  let wall = seconds(since: start)
  let text = String(decoding: data, as: UTF8.self)
  guard p.terminationStatus == 0 else {
    throw BenchError(
      "\(program) \(arguments.joined(separator: " ")) failed "
        + "(exit \(p.terminationStatus)):\n\(text)")
  }
  let key = "Maximum resident set size (kbytes):"
  guard let line = text.split(separator: "\n").first(where: { $0.contains(key) }),
    let kb = Double(line.split(separator: ":").last!.trimmingCharacters(in: .whitespaces))
  else { throw BenchError("no peak RSS in /usr/bin/time -v output:\n\(text)") }
  return (wall, kb / 1024, String(decoding: stdout.withLock { $0 }, as: UTF8.self))
}

/// Runs `gep-bench floor` in a fresh process (as gep runs: same GDAL cache, same page faults);
/// returns the read seconds it prints and its peak RSS in MiB.
func runFloor(runFile: String, threads: Int, tile: Int) throws -> (seconds: Double, rssMiB: Double)
{
  let r = try runTimed(
    CommandLine.arguments[0],
    ["floor", runFile, "--threads", String(threads), "--tile", String(tile)])
  guard let s = r.output.split(separator: " ").first.flatMap({ Double($0) }) else {
    throw BenchError("gep-bench floor printed no seconds: \(r.output)")
  }
  return (s, r.rssMiB)
}

/// The `timings_seconds` object of gep's manifest.json (phase → seconds).
func manifestTimings(_ path: String) -> [String: Double] {
  guard let data = FileManager.default.contents(atPath: path),
    let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
    let t = json["timings_seconds"] as? [String: Any]
  else { return [:] }
  return t.compactMapValues { ($0 as? NSNumber)?.doubleValue }
}

/// Options of `run` and `generate`.
struct Options {
  var sizes: [Double] = [1, 16, 64]
  var cells: Int? = nil
  var dir = "/tmp/gep-bench"
  var compress = "NONE"
  var threads = 2
  var tile = 256
  var warp = false
  var gep = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("gep").path
  var coefficients = "coefficients"
  var positional: [String] = []
  /// `units`: the unit counts (squares tiling the grid) and the one-mu parcel count.
  var counts = [200, 20_000, 100_000]
  var parcels = 10_000
  var repeats = 3

  init(_ args: ArraySlice<String>) throws {
    var it = args.makeIterator()
    while let a = it.next() {
      if a == "--warp" {
        warp = true
        continue
      }
      if a == "--geos" { continue }  // `coverage`'s flag, read from the arguments there
      guard a.hasPrefix("--") else {
        positional.append(a)
        continue
      }
      guard let v = it.next() else { throw BenchError("\(a) needs a value") }
      switch a {
      case "--sizes":
        sizes = try v.split(whereSeparator: { $0 == " " || $0 == "," }).map {
          guard let d = Double($0), d > 0 else { throw BenchError("bad size \($0) (millions)") }
          return d
        }
      case "--cells":
        guard let c = Int(v), c > 0 else { throw BenchError("bad --cells \(v)") }
        cells = c
      case "--dir": dir = v
      case "--compress":
        compress = v.uppercased()
        guard ["NONE", "DEFLATE", "LZW", "ZSTD"].contains(compress) else {
          throw BenchError("--compress must be NONE, DEFLATE, LZW or ZSTD")
        }
      case "--threads":
        guard let t = Int(v), t > 0 else { throw BenchError("bad --threads \(v)") }
        threads = t
      case "--tile":
        guard let t = Int(v), t >= 16 else { throw BenchError("bad --tile \(v)") }
        tile = t
      case "--gep": gep = v
      case "--coefficients": coefficients = v
      case "--counts":
        counts = try v.split(whereSeparator: { $0 == " " || $0 == "," }).map {
          guard let c = Int($0), c >= 1 else { throw BenchError("bad unit count \($0)") }
          return c
        }
      case "--parcels":
        guard let c = Int(v), c >= 0 else { throw BenchError("bad --parcels \(v)") }
        parcels = c
      case "--repeats":
        guard let c = Int(v), c >= 1 else { throw BenchError("bad --repeats \(v)") }
        repeats = c
      default: throw BenchError("unknown option \(a) (see the header of main.swift)")
      }
    }
    coefficients = URL(fileURLWithPath: coefficients).standardizedFileURL.path
  }

  func folder(_ cells: Int) -> String {
    let m = Double(cells) / 1e6
    let label = m == m.rounded() ? String(Int(m)) : String(format: "%g", m)
    return dir + "/\(label)M-\(compress.lowercased())" + (warp ? "-warp" : "")
  }
}

/// Generates (when missing), measures and prints the table.
func bench(_ options: Options) throws {
  var o = options
  // Uncompressed inputs take about 34 bytes a cell (7 Float32 rasters, Int16 land use) plus
  // gep's 4-byte slope work file: fall back to DEFLATE when the disk cannot hold them.
  let missing = o.sizes.map { Int($0 * 1e6) }.filter {
    !FileManager.default.fileExists(atPath: o.folder($0) + "/.complete")
  }
  let need = Double(missing.reduce(0, +)) * 38 + Double(o.sizes.map { $0 * 1e6 }.max() ?? 0) * 4
  var probe = URL(fileURLWithPath: o.dir)
  while !FileManager.default.fileExists(atPath: probe.path) && probe.path != "/" {
    probe.deleteLastPathComponent()
  }
  let free =
    (try? FileManager.default.attributesOfFileSystem(forPath: probe.path)[.systemFreeSize]
    as? NSNumber)?.doubleValue ?? .infinity
  log(
    String(
      format: "%.1f GB free under %@, about %.1f GB needed", free / 1e9, probe.path, need / 1e9))
  if o.compress == "NONE" && need * 1.2 > free {
    log("not enough space for uncompressed inputs: using DEFLATE")
    o.compress = "DEFLATE"
  }
  guard FileManager.default.isExecutableFile(atPath: o.gep) else {
    throw BenchError("no gep executable at \(o.gep) (build with swift build -c release)")
  }
  guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else {
    throw BenchError("/usr/bin/time is missing (apt-get install time)")
  }
  guard FileManager.default.fileExists(atPath: o.coefficients + "/national-2022") else {
    throw BenchError("no national-2022 profile under \(o.coefficients) (use --coefficients)")
  }
  var rows: [Row] = []
  for m in o.sizes {
    let spec = Spec(cells: Int(m * 1e6), compress: o.compress, warp: o.warp)
    let dir = o.folder(spec.cells)
    let runFile = try generate(spec, dir: dir, coefficients: o.coefficients)
    // The first floor read also puts the files in the page cache (both sides read warm).
    let warm = try runFloor(runFile: runFile, threads: o.threads, tile: o.tile)
    log(String(format: "%@: I/O floor (warm-up) %.2f s", dir, warm.seconds))
    let out = dir + "/out"
    let c = try runTimed(
      o.gep,
      ["compute", runFile, "--out", out, "--overwrite", "--quiet", "--threads", String(o.threads)])
    log(String(format: "%@: gep compute %.2f s, peak RSS %.0f MiB", dir, c.seconds, c.rssMiB))
    let again = try runFloor(runFile: runFile, threads: o.threads, tile: o.tile)
    log(String(format: "%@: I/O floor %.2f s, peak RSS %.0f MiB", dir, again.seconds, again.rssMiB))
    rows.append(
      Row(
        cells: spec.side * spec.side, computeSeconds: c.seconds, peakRSSMiB: c.rssMiB,
        floorSeconds: min(warm.seconds, again.seconds),
        floorRSSMiB: max(warm.rssMiB, again.rssMiB),
        phases: manifestTimings(out + "/manifest.json")))
  }
  let info = ProcessInfo.processInfo
  print(
    "\ngep compute on synthetic inputs (\(o.compress) GeoTIFFs"
      + (o.warp ? ", precipitation warped from 90 m" : "") + "; "
      + "\(o.threads) threads; \(info.activeProcessorCount) cores, "
      + String(format: "%.0f GiB", Double(info.physicalMemory) / 1_073_741_824)
      + "; GDAL_CACHEMAX \(info.environment["GDAL_CACHEMAX"] ?? "unset: GDAL's 5 % of RAM"))\n")
  print("| cells | compute s | cells/s | peak RSS MiB | I/O floor s | ratio | floor RSS MiB |")
  print("|---:|---:|---:|---:|---:|---:|---:|")
  for r in rows {
    print(
      String(
        format: "| %d | %.2f | %.3g | %.0f | %.2f | %.1f× | %.0f |", r.cells, r.computeSeconds,
        Double(r.cells) / r.computeSeconds, r.peakRSSMiB, r.floorSeconds,
        r.computeSeconds / r.floorSeconds, r.floorRSSMiB))
  }
  let phases = ["inputs", "warp", "cells", "account", "write"]
  print(
    "\nPhases of gep compute (manifest.json timings_seconds; rest = manifest hashing, "
      + "commit, process start and exit):\n")
  print("| cells | " + phases.joined(separator: " s | ") + " s | rest s |")
  print("|---:|" + String(repeating: "---:|", count: phases.count + 1))
  for r in rows {
    let known = phases.map { r.phases[$0] ?? 0 }
    let rest = r.computeSeconds - known.reduce(0, +)
    print(
      "| \(r.cells) | "
        + (known + [rest]).map { String(format: "%.2f", $0) }
        .joined(separator: " | ") + " |")
  }
}

/// CPU seconds of the calling thread.
func threadCPUSeconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Times the zone step of the cell pass alone: centre rule vs exact coverage, every tile.
func zonesBench(raster: String, polygons: String, tile: Int) throws {
  let grid = try RasterDataset(path: raster).grid()
  let layer = try VectorDataset(path: polygons).layer(0)
  guard let source = try layer.spatialReference() else {
    throw BenchError("\(polygons) has no CRS")
  }
  let t = try CoordinateTransformation(from: source, to: grid.crs)
  let geometries = try layer.features().compactMap { try $0.geometry?.transformed(by: t) }
  let zones = geometries.indices.map(Int32.init)
  let tiles = blockPlan(width: grid.width, height: grid.height, tileWidth: tile, tileHeight: tile)
  var c0 = threadCPUSeconds()
  let rasterizer = ZoneRasterizer(grid: grid, geometries: geometries, zones: zones)
  var centreCells = 0
  for w in tiles { centreCells += try rasterizer.rasterize(w).filter { $0 >= 0 }.count }
  let centre = threadCPUSeconds() - c0
  c0 = threadCPUSeconds()
  let coverage = try ZoneCoverage(
    grid: grid, geometries: geometries, zones: zones, outside: Int32(geometries.count))
  let prepare = threadCPUSeconds() - c0
  var tc = TileCoverage()
  var entries = 0
  var covered = 0.0
  c0 = threadCPUSeconds()
  for w in tiles {
    coverage.coverage(w, into: &tc)
    entries += tc.zone.count
    for e in tc.zone.indices where tc.zone[e] != Int32(geometries.count) {
      covered += tc.fraction[e]
    }
  }
  let exact = threadCPUSeconds() - c0
  print(
    String(
      format:
        "%d units, %d tiles of %d: centre %.3f s CPU (%d cells in units); exact %.3f s CPU "
        + "+ %.3f s preparing (%.0f cells covered, %d entries, %.4f per cell); exact ÷ centre %.2f",
      geometries.count, tiles.count, tile, centre, centreCells, exact, prepare, covered, entries,
      Double(entries) / Double(grid.width * grid.height), (exact + prepare) / centre))
}

/// Times exact coverage (and optionally GEOS per-cell clipping) of each polygon on a grid.
func coverageBench(raster: String, polygons: String, geos: Bool) throws {
  let grid = try RasterDataset(path: raster).grid()
  let layer = try VectorDataset(path: polygons).layer(0)
  guard let source = try layer.spatialReference() else {
    throw BenchError("\(polygons) has no CRS")
  }
  let t = try CoordinateTransformation(from: source, to: grid.crs)
  for (i, f) in try layer.features().enumerated() {
    guard let g0 = f.geometry else { continue }
    let g = try g0.transformed(by: t)
    let start = ContinuousClock.now
    let exact = try exactCellCoverage(of: g, on: grid)
    let exactSeconds = seconds(since: start)
    let sum = exact.reduce(0.0) { $0 + $1.fraction }
    var line = String(
      format: "polygon %d: %d cells, Σf = %.6f (area/cell %.6f); exact %.3f s", i, exact.count, sum,
      g.area / abs(grid.geoTransform.pixelWidth * grid.geoTransform.pixelHeight), exactSeconds)
    if geos {
      let s2 = ContinuousClock.now
      let old = try cellCoverage(of: g, on: grid)
      let geosSeconds = seconds(since: s2)
      var byCell: [Int: Double] = [:]
      for c in old { byCell[c.row * grid.width + c.col] = c.fraction }
      var worst = 0.0
      for c in exact {
        worst = max(
          worst, abs((byCell.removeValue(forKey: c.row * grid.width + c.col) ?? 0) - c.fraction))
      }
      for (_, f) in byCell { worst = max(worst, f) }
      line += String(
        format: "; GEOS per cell %.3f s (%.1f× the exact time); max |Δf| %.2e", geosSeconds,
        geosSeconds / exactSeconds, worst)
    }
    print(line)
  }
}

func main() throws {
  let args = CommandLine.arguments
  guard args.count >= 2 else {
    throw BenchError("usage: gep-bench run|generate|floor … (see the header of main.swift)")
  }
  let o = try Options(args.dropFirst(2))
  switch args[1] {
  case "run":
    try bench(o)
  case "generate":
    guard let cells = o.cells else { throw BenchError("generate needs --cells N") }
    let spec = Spec(cells: cells, compress: o.compress, warp: o.warp)
    print(try generate(spec, dir: o.folder(cells), coefficients: o.coefficients))
  case "zones":
    guard o.positional.count >= 2 else { throw BenchError("zones needs RASTER POLYGONS") }
    try zonesBench(raster: o.positional[0], polygons: o.positional[1], tile: o.tile)
  case "coverage":
    guard o.positional.count >= 2 else { throw BenchError("coverage needs RASTER POLYGONS") }
    try coverageBench(
      raster: o.positional[0], polygons: o.positional[1], geos: args.contains("--geos"))
  case "units":
    try unitsBench(o)
  case "floor":
    guard let runFile = o.positional.first else { throw BenchError("floor needs a run file") }
    let r = try ioFloor(runFile: runFile, threads: o.threads, tile: o.tile)
    print(
      String(
        format: "%.3f s for %d cells (%.3g cells/s)", r.seconds, r.cells,
        Double(r.cells) / r.seconds))
  default:
    throw BenchError(
      "unknown subcommand \(args[1]); use run, generate, floor, zones, coverage or units")
  }
}

do {
  try main()
} catch {
  log("error: \(error)")
  exit(1)
}
