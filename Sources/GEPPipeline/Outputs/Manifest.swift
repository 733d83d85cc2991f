import Crypto
import Foundation
import GEPCore
import GEPGeo

/// Every input file of a run with its role, in manifest order: run file, land use, rasters,
/// units, tables, primary files of derivations, coefficient CSVs.
func manifestFiles(_ config: RunConfiguration) -> [(role: String, path: String)] {
  var files: [(String, String)] = [("run_file", config.runFile), ("landuse", config.landUse.path)]
  for (k, r) in config.rasters.sorted(by: { $0.key < $1.key }) {
    files.append(("raster.\(k)", r.path))
  }
  files.append(("units", config.units.path))
  if let n = config.units.namesTable { files.append(("unit_names", n)) }
  for (k, t) in config.tables.sorted(by: { $0.key < $1.key }) {
    files.append(("table.\(k)", t.path))
  }
  for (k, d) in config.derivations.sorted(by: { $0.key < $1.key }) {
    for path in d.inputs { files.append(("derive.\(k)", path)) }
  }
  let coefDir = URL(fileURLWithPath: config.coefficientsFolder)
  let coefFiles = ((try? FileManager.default.contentsOfDirectory(atPath: coefDir.path)) ?? [])
    .filter { $0.hasSuffix(".csv") }.sorted()
  for f in coefFiles { files.append(("coefficients.\(f)", coefDir.appendingPathComponent(f).path)) }
  return files
}

/// Hashes files (SHA-256) on a background queue while the caller works on, so hashing large
/// rasters overlaps the cell pass instead of following it.
final class BackgroundHasher: @unchecked Sendable {
  private let group = DispatchGroup()
  private var hashes: [String: String] = [:]
  private let lock = NSLock()

  /// Starts hashing `paths` (duplicates hashed once).
  init(paths: [String]) {
    let unique = Array(Set(paths)).sorted()
    DispatchQueue.global(qos: .utility).async(group: group) { [self] in
      for p in unique {
        let h = (try? sha256Hex(path: p)) ?? ""
        lock.lock()
        hashes[p] = h
        lock.unlock()
      }
    }
  }

  /// Waits for the hashes: path → lowercase hex ("" when the file could not be read).
  func wait() -> [String: String] {
    group.wait()
    lock.lock()
    defer { lock.unlock() }
    return hashes
  }
}

/// The path of the running executable (`/proc/self/exe` resolved), hashed for the manifest's
/// engine build identity; nil where the system does not tell.
let engineExecutable: String? = {
  let link = "/proc/self/exe"
  return (try? FileManager.default.destinationOfSymbolicLink(atPath: link))
    ?? (FileManager.default.fileExists(atPath: link) ? link : nil)
}()

/// The files of an output folder below `root`, relative paths sorted, without `manifest.json`
/// (which holds their hashes) and hidden files (the folder's `.gep-output.json` marker, the
/// `.work` folder), each with its size and SHA-256.
///
/// - Throws: Foundation errors when a file cannot be read.
func outputFileHashes(_ root: URL) throws -> [(path: String, bytes: Int, sha256: String)] {
  let base = root.standardizedFileURL.path
  var out: [(String, Int, String)] = []
  let walker = FileManager.default.enumerator(atPath: base)
  while let rel = walker?.nextObject() as? String {
    let full = (base as NSString).appendingPathComponent(rel)
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue,
      rel != "manifest.json", !rel.split(separator: "/").contains(where: { $0.hasPrefix(".") })
    else { continue }
    let size = (try FileManager.default.attributesOfItem(atPath: full)[.size] as? Int) ?? 0
    out.append((rel, size, try sha256Hex(path: full)))
  }
  return out.sorted { $0.0 < $1.0 }
}

/// One SHA-256 over a list of output hashes ("path\tsha256\n" per file, in order): the
/// manifest's `outputs_sha256`, so an account can be checked against its manifest alone.
func combinedOutputHash(_ files: [(path: String, bytes: Int, sha256: String)]) -> String {
  var hasher = SHA256()
  for f in files { hasher.update(data: Data("\(f.path)\t\(f.sha256)\n".utf8)) }
  return hasher.finalize().map { String(format: "%02x", $0) }.joined()
}

/// `manifest.json`: enough to re-run and audit the account (复算, `gep verify`): engine and
/// GDAL versions and the engine build (SHA-256 of the executable), run file with its text,
/// year, profile, method switches, the options that shape the outputs, SHA-256 and size of
/// every input and coefficient file (with its path relative to the run file's folder), the
/// analysis grid, warnings, timings, and the size and SHA-256 of every output file with one
/// hash over them all.
func manifestJSON(
  config: RunConfiguration, options: ComputeOptions, grid: Grid, model: CellModel,
  coefficients: CoefficientSet, warnings: [Problem], timings: [(String, Double)], tiles: Int,
  tileSize: (Int, Int), cells: Int, hashes: [String: String],
  outputs: [(path: String, bytes: Int, sha256: String)] = []
) -> String {
  let runFolder = URL(fileURLWithPath: config.runFile).deletingLastPathComponent()
  var inputs: [String] = []
  for (role, path) in manifestFiles(config) {
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
    let hash = hashes[path] ?? ""
    inputs.append(
      "    {\"role\": \(jsonString(role)), \"path\": \(jsonString(path)), \"relative_path\": "
        + "\(jsonString(relativePath(path, from: runFolder))), \"bytes\": "
        + "\(size.map(String.init) ?? "null"), \"sha256\": \(jsonString(hash))}")
  }
  let t = grid.geoTransform
  // The method switches of the model, and the settings of each derivation (`derive.ls.method`
  // …), so the manifest says how a derived factor was made.
  var all = model.switches
  for (role, derivation) in config.derivations {
    for (k, v) in derivation.settings { all["derive.\(role).\(k)"] = v }
  }
  // A region set's rows that override its base set (issue 13), for the audit trail.
  let overrides = coefficients.overrides.filter { $0.kind != .restated }.map { o in
    "    {\"file\": \(jsonString(o.file)), \"key\": \(jsonString(o.key)), \"kind\": "
      + "\(jsonString("\(o.kind)")), \"base_value\": \(jsonString(o.baseValue)), \"value\": "
      + "\(jsonString(o.value))}"
  }
  let switches = all.sorted { $0.key < $1.key }.map {
    "    \(jsonString($0.key)): \(jsonString($0.value))"
  }
  let warn = warnings.map { w in
    "    {\"code\": \(jsonString(w.code)), \"message\": \(jsonString(w.message)), "
      + "\"location\": \(jsonString(w.location.text))}"
  }
  let times = timings.map {
    "    \(jsonString($0.0)): \(formatNumber(($0.1 * 1000).rounded() / 1000))"
  }
  let indicators = model.indicators.map { i in
    "    {\"id\": \(jsonString(i.id)), \"component\": \(i.component.map(jsonString) ?? "null"), "
      + "\"method\": \(jsonString(i.method)), \"unit\": \(jsonString(i.physicalUnit)), "
      + "\"price\": \(jsonString(i.priceNote))}"
  }
  let ranges = config.rasters.sorted(by: { $0.key < $1.key }).compactMap { k, r -> String? in
    guard let v = r.validRange else { return nil }
    return "    \(jsonString(k)): {\"low\": \(formatNumber(v.range.lowerBound)), \"high\": "
      + "\(formatNumber(v.range.upperBound)), \"set_by\": "
      + "\(jsonString(r.acceptedRange == nil ? "role default" : "run file"))}"
  }
  let runText = (try? String(contentsOfFile: config.runFile, encoding: .utf8)) ?? ""
  let build = engineExecutable.map { hashes[$0] ?? "" } ?? ""
  let outputList = outputs.map {
    "    {\"path\": \(jsonString($0.path)), \"bytes\": \($0.bytes), \"sha256\": "
      + "\(jsonString($0.sha256))}"
  }
  return """
    {
      "engine": \(jsonString("gep \(gepEngineVersion)")),
      "engine_build_sha256": \(jsonString(build)),
      "gdal": \(jsonString(GDAL.version)),
      "run_file": \(jsonString(config.runFile)),
      "run_file_text": \(jsonString(runText)),
      "options": {"tile_size": \(options.tileSize.map(String.init) ?? "null"), "rasters": \(options.writeRasters), "bom": \(options.bom), "gpkg": \(options.geoPackage), "report": \(options.report)},
      "accounting_year": \(config.year),
      "profile": \(jsonString(coefficients.profile.id)),
      "coefficients": \(jsonString(config.coefficientsFolder)),
      "landuse_scheme": \(jsonString(config.landUseScheme)),
      "method_switches": {
    \(switches.joined(separator: ",\n"))
      },
      "coefficient_base": \(coefficients.base.map(jsonString) ?? "null"),
      "coefficient_overrides": [
    \(overrides.joined(separator: ",\n"))
      ],
      "raster_ranges": {
    \(ranges.joined(separator: ",\n"))
      },
      "cell_indicators": [
    \(indicators.joined(separator: ",\n"))
      ],
      "grid": {
        "crs_wkt": \(jsonString(grid.crs.wkt)),
        "epsg": \(grid.crs.epsg.map(String.init) ?? "null"),
        "origin": [\(formatNumber(t.originX)), \(formatNumber(t.originY))],
        "cell_size": [\(formatNumber(t.pixelWidth)), \(formatNumber(t.pixelHeight))],
        "shape": [\(grid.height), \(grid.width)],
        "cell_area_rule": \(jsonString(grid.crs.isGeographic ? "geodesic per row (PROJ geod_polygonarea)" : "|pixel width × pixel height|")),
        "coverage": \(jsonString(config.units.coverage.rawValue)),
        "zone_rule": \(jsonString(config.units.coverage == .centre ? "cell centre inside the unit polygon" : "exact fraction of each cell covered by each unit polygon; the uncovered part to unassigned"))
      },
      "tiles": {"count": \(tiles), "width": \(tileSize.0), "height": \(tileSize.1)},
      "threads": \(options.threads),
      "cells": \(cells),
      "inputs": [
    \(inputs.joined(separator: ",\n"))
      ],
      "warnings": [
    \(warn.joined(separator: ",\n"))
      ],
      "outputs": [
    \(outputList.joined(separator: ",\n"))
      ],
      "outputs_sha256": \(jsonString(combinedOutputHash(outputs))),
      "timings_seconds": {
    \(times.joined(separator: ",\n"))
      }
    }

    """
}

/// `path` relative to the folder `base` ("../../coefficients/x.csv"), for relocating the
/// inputs of a manifest (`gep verify --inputs-root`).
func relativePath(_ path: String, from base: URL) -> String {
  let a = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
  let b = base.standardizedFileURL.pathComponents
  var i = 0
  while i < a.count, i < b.count, a[i] == b[i] { i += 1 }
  return (Array(repeating: "..", count: b.count - i) + a[i...]).joined(separator: "/")
}
