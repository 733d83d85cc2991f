import Foundation
import GEPCore
import GEPGeo

/// What `gep verify` found (复算, re-computation of a published account from its manifest).
public struct VerifyReport: Sendable {
  /// Inputs missing or changed since the account was computed (file, recorded and found size
  /// and SHA-256), one line each.
  public var inputProblems: [String] = []
  /// Output files of the published folder that are missing, extra or differ from the hashes
  /// the manifest recorded.
  public var outputProblems: [String] = []
  /// The error that stopped the re-computation, or nil when it completed.
  public var recomputeError: String? = nil
  /// Re-computed output files that differ from the published ones (relative paths).
  public var differingFiles: [String] = []
  /// Per unit and indicator, the values that differ in `indicators.csv` (at most 50, then a
  /// count).
  public var differingLines: [String] = []
  /// Files compared byte for byte.
  public var comparedFiles = 0

  /// True when every input matches its manifest entry, the published outputs match theirs and
  /// the re-computation reproduced every output byte for byte.
  public var identical: Bool {
    inputProblems.isEmpty && outputProblems.isEmpty && recomputeError == nil
      && differingFiles.isEmpty
  }

  /// The report as printed by `gep verify`, one finding per line, the verdict last.
  public var text: String {
    var lines: [String] = []
    lines += inputProblems.map { "input changed: \($0)" }
    lines += outputProblems.map { "output changed: \($0)" }
    if let recomputeError { lines.append("re-computation failed: \(recomputeError)") }
    lines += differingFiles.map { "re-computed output differs: \($0)" }
    lines += differingLines.map { "  \($0)" }
    lines.append(
      identical
        ? "verified: every input matches the manifest and the account re-computes byte for byte "
          + "(\(comparedFiles) files)"
        : "NOT verified: \(inputProblems.count) input, \(outputProblems.count) output, "
          + "\(differingFiles.count) re-computed file difference(s)"
          + (recomputeError == nil ? "" : ", re-computation failed"))
    return lines.joined(separator: "\n")
  }
}

/// `gep verify OUT_DIR`: checks a published account against its `manifest.json` and
/// re-computes it. Source: issue 24; the manifest's fields are written by `manifestJSON`.
public enum VerifyJob {
  /// Verifies an account folder.
  ///
  /// 1. Every input and coefficient file of the manifest is present with its recorded size and
  ///    SHA-256 (with `inputsRoot`, inputs are looked for at their path relative to the run
  ///    file's folder, placed at `inputsRoot`).
  /// 2. Every output file of the folder has the size and SHA-256 the manifest recorded.
  /// 3. The account is re-computed from the run file with the recorded options into a
  ///    temporary folder (removed afterwards) and every output compared byte for byte; the
  ///    differing units and indicators of `indicators.csv` are listed.
  ///
  /// - Parameters:
  ///   - outDir: the account folder (holding `manifest.json`).
  ///   - inputsRoot: where the run file's folder is now, or nil (the recorded paths).
  ///   - threads: worker threads of the re-computation (results do not depend on it).
  /// - Returns: the findings; `identical` is the verdict.
  /// - Throws: `InputProblems` (`verify.manifest`) when the manifest is missing or unreadable
  ///   or lacks the fields verify needs (an account from an older gep).
  public static func run(
    outDir: String, inputsRoot: String? = nil,
    threads: Int = ProcessInfo.processInfo.activeProcessorCount
  ) throws -> VerifyReport {
    let folder = URL(fileURLWithPath: outDir)
    let manifestPath = folder.appendingPathComponent("manifest.json").path
    func problem(_ message: String) -> InputProblems {
      InputProblems(problems: [
        Problem(.error, "verify.manifest", message, at: ProblemLocation(file: manifestPath))
      ])
    }
    guard let data = FileManager.default.contents(atPath: manifestPath),
      let manifest = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    else { throw problem("no readable manifest.json in the account folder") }
    guard let runFile = manifest["run_file"] as? String,
      let inputs = manifest["inputs"] as? [[String: Any]],
      let outputs = manifest["outputs"] as? [[String: Any]],
      let options = manifest["options"] as? [String: Any]
    else {
      throw problem(
        "the manifest lacks run_file, inputs, outputs or options: written by a gep older than "
          + "verify; re-compute the account to verify it")
    }
    var report = VerifyReport()
    let root = inputsRoot.map { URL(fileURLWithPath: $0) }
    func located(_ entry: [String: Any]) -> String {
      let path = entry["path"] as? String ?? ""
      guard let root, let rel = entry["relative_path"] as? String else { return path }
      return root.appendingPathComponent(rel).standardizedFileURL.path
    }
    // 1. Inputs.
    for entry in inputs {
      let path = located(entry)
      let role = entry["role"] as? String ?? "?"
      guard FileManager.default.fileExists(atPath: path) else {
        report.inputProblems.append("\(path) (\(role)) is missing")
        continue
      }
      let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
      let sha = (try? sha256Hex(path: path)) ?? ""
      let recordedBytes = entry["bytes"] as? Int
      let recordedSHA = entry["sha256"] as? String ?? ""
      if sha != recordedSHA {
        report.inputProblems.append(
          "\(path) (\(role)): SHA-256 \(sha.prefix(16))… where the manifest has "
            + "\(recordedSHA.prefix(16))…"
            + (bytes != recordedBytes
              ? "; \(bytes.map(String.init) ?? "?") bytes where it has "
                + "\(recordedBytes.map(String.init) ?? "?")" : "; same size"))
      }
    }
    // 2. Published outputs against their recorded hashes.
    let recorded = Dictionary(
      outputs.compactMap { o -> (String, String)? in
        guard let p = o["path"] as? String, let h = o["sha256"] as? String else { return nil }
        return (p, h)
      }, uniquingKeysWith: { a, _ in a })
    let published = try outputFileHashes(folder)
    let publishedHashes = Dictionary(
      published.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
    for (path, hash) in recorded.sorted(by: { $0.key < $1.key }) {
      if let now = publishedHashes[path] {
        if now != hash { report.outputProblems.append("\(path) differs from its manifest hash") }
      } else {
        report.outputProblems.append("\(path) is missing")
      }
    }
    for f in published where recorded[f.path] == nil {
      report.outputProblems.append("\(f.path) is not in the manifest")
    }
    // 3. Re-computation.
    let runPath =
      root.map { $0.appendingPathComponent((runFile as NSString).lastPathComponent).path }
      ?? runFile
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gep-verify-\(UInt64.random(in: 0...UInt64.max))")
    defer { try? FileManager.default.removeItem(at: scratch) }
    do {
      try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
      let loaded = try RunConfiguration.load(path: runPath)
      // One year of a multi-year run file ([years.Y]): that year's run.
      let year = manifest["accounting_year"] as? Int
      let config =
        loaded.years.isEmpty ? loaded : loaded.forYear(year ?? loaded.year)
      let out = scratch.appendingPathComponent("account")
      _ = try ComputeJob.run(
        config: config,
        options: ComputeOptions(
          output: out.path, threads: max(1, threads), tileSize: options["tile_size"] as? Int,
          writeRasters: options["rasters"] as? Bool ?? false, bom: options["bom"] as? Bool ?? false,
          geoPackage: options["gpkg"] as? Bool ?? false,
          report: options["report"] as? Bool ?? false))
      let again = try outputFileHashes(out)
      let againHashes = Dictionary(
        again.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
      for path in Set(recorded.keys).union(againHashes.keys).sorted() {
        report.comparedFiles += 1
        if recorded[path] != againHashes[path] {
          report.differingFiles.append(
            againHashes[path] == nil
              ? "\(path) (not written by the re-computation)"
              : recorded[path] == nil ? "\(path) (written only by the re-computation)" : path)
        }
      }
      if report.differingFiles.contains("indicators.csv") {
        report.differingLines = indicatorDifferences(
          published: folder.appendingPathComponent("indicators.csv").path,
          recomputed: out.appendingPathComponent("indicators.csv").path)
      }
    } catch let e as InputProblems {
      report.recomputeError = e.problems.filter { $0.severity == .error }.map(\.description)
        .joined(separator: "; ")
    } catch {
      report.recomputeError = "\(error)"
    }
    return report
  }

  /// The units and indicators whose physical quantity or value differ between two
  /// `indicators.csv` files, with the relative change of the value: at most 50 lines, then a
  /// count of the rest.
  static func indicatorDifferences(published: String, recomputed: String) -> [String] {
    guard let a = try? Table(path: published).records, let b = try? Table(path: recomputed).records
    else { return ["indicators.csv could not be read for the unit comparison"] }
    func key(_ r: [String: String]) -> String {
      [r["code"] ?? "", r["indicator"] ?? "", r["component"] ?? ""].joined(separator: "|")
    }
    let old = Dictionary(a.map { (key($0), $0) }, uniquingKeysWith: { x, _ in x })
    var lines: [String] = []
    var more = 0
    for r in b {
      let k = key(r)
      guard let o = old[k] else {
        lines.append("\(k.replacingOccurrences(of: "|", with: " ")): new row")
        continue
      }
      let fields = ["physical_quantity", "value_yuan", "status"]
      let changed = fields.filter { (o[$0] ?? "") != (r[$0] ?? "") }
      guard !changed.isEmpty else { continue }
      if lines.count >= 50 {
        more += 1
        continue
      }
      let name = [r["code"] ?? "", r["indicator"] ?? "", r["component"] ?? ""]
        .filter { !$0.isEmpty }.joined(separator: " ")
      var text =
        "\(name): "
        + changed.map { "\($0) \(o[$0] ?? "") → \(r[$0] ?? "")" }
        .joined(separator: ", ")
      if let x = Double(o["value_yuan"] ?? ""), let y = Double(r["value_yuan"] ?? ""), x != 0 {
        text += String(format: " (%+.4g %%)", 100 * (y - x) / abs(x))
      }
      lines.append(text)
    }
    if more > 0 { lines.append("… and \(more) more rows") }
    return lines
  }
}
