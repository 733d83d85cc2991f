import Foundation
import GEPCore
import GEPGeo

/// `gep report OUT_DIR` and `gep compute --report` (issue 16): writes `report.html` (the one
/// map and cockpit, `reportHTML`) and `account.xlsx` (`accountWorkbook`) into an account
/// folder, drawn from the folder's own files (`AccountFiles`), so it works on any account.
public enum ReportJob {
  /// The report page's file name.
  public static let htmlName = "report.html"
  /// The workbook's file name.
  public static let workbookName = "account.xlsx"

  /// Renders both files into `folder`, each written to a hidden temporary file and renamed
  /// into place (never half-written).
  ///
  /// - Returns: the names written and the page's size in bytes.
  /// - Throws: `InputProblems` when the folder's files are missing or unreadable
  ///   ("report.missing-file", "report.unreadable") or a file cannot be written
  ///   ("output.unwritable"); `GDALError` when the map cannot be projected.
  @discardableResult
  static func render(into folder: URL) throws -> (names: [String], htmlBytes: Int) {
    let files = try AccountFiles(folder: folder)
    let html = Array(try reportHTML(files).utf8)
    let xlsx = accountWorkbook(files)
    try writeAtomically(html, to: folder.appendingPathComponent(htmlName))
    try writeAtomically(xlsx, to: folder.appendingPathComponent(workbookName))
    return ([htmlName, workbookName], html.count)
  }

  /// Writes `report.html` and `account.xlsx` into an existing account folder written by
  /// `gep compute`, and records them as gep's outputs: in the folder's marker (so that
  /// `--overwrite` may later replace the folder) and in `manifest.json`'s outputs with their
  /// SHA-256 and `options.report = true` (so that `gep verify` checks and re-computes them).
  ///
  /// - Parameter folder: the account folder.
  /// - Returns: the paths written and the page's size in bytes.
  /// - Throws: `InputProblems`: "report.not-gep-output" when the folder has no gep marker or
  ///   holds a `report.html` / `account.xlsx` that gep did not write (a user's file is never
  ///   replaced); the errors of `render(into:)`.
  public static func run(folder: String) throws -> (paths: [String], htmlBytes: Int) {
    let url = URL(fileURLWithPath: folder)
    func problem(_ code: String, _ message: String) -> InputProblems {
      InputProblems(problems: [Problem(.error, code, message, at: ProblemLocation(file: folder))])
    }
    guard let listed = OutputFolder.readMarker(url) else {
      throw problem(
        "report.not-gep-output",
        "\(folder) is not an account folder written by gep compute (no valid "
          + "\(OutputFolder.markerName) marker)")
    }
    for name in [htmlName, workbookName]
    where FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path)
      && !listed.contains(name)
    {
      throw problem(
        "report.not-gep-output",
        "\(url.appendingPathComponent(name).path) was not written by gep: it is never replaced; "
          + "move it away first")
    }
    let result = try render(into: url)
    try recordOutputs(in: url)
    return (result.names.map { url.appendingPathComponent($0).path }, result.htmlBytes)
  }

  /// After the report files were written: adds them to the marker's files and rewrites the
  /// manifest's outputs (size, SHA-256 of every output file, the combined hash) and its
  /// `options.report`, keeping the rest of the manifest's text as it is.
  static func recordOutputs(in folder: URL) throws {
    let markerURL = folder.appendingPathComponent(OutputFolder.markerName)
    if let data = FileManager.default.contents(atPath: markerURL.path),
      var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
      var files = object["files"] as? [String]
    {
      for n in [htmlName, workbookName] where !files.contains(n) { files.append(n) }
      object["files"] = files.sorted()
      let text = try JSONSerialization.data(
        withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
      try writeAtomically(Array(text) + [10], to: markerURL)
    }
    let manifestURL = folder.appendingPathComponent("manifest.json")
    guard let text = try? String(contentsOf: manifestURL, encoding: .utf8) else { return }
    let outputs = try outputFileHashes(folder)
    guard let updated = manifestWithOutputs(text, outputs: outputs, report: true) else {
      throw InputProblems(problems: [
        Problem(
          .error, "report.unreadable",
          "manifest.json has no outputs list of the form gep writes; the report was written "
            + "but is not recorded in the manifest",
          at: ProblemLocation(file: manifestURL.path))
      ])
    }
    try writeAtomically(Array(updated.utf8), to: manifestURL)
  }

  /// The manifest text with its `"outputs"` list and `"outputs_sha256"` replaced and
  /// `"report"` set in its options line; nil when the text lacks them.
  static func manifestWithOutputs(
    _ text: String, outputs: [(path: String, bytes: Int, sha256: String)], report: Bool
  ) -> String? {
    guard let start = text.range(of: "  \"outputs\": [\n"),
      let end = text.range(of: "  \"outputs_sha256\": ", range: start.upperBound..<text.endIndex),
      let lineEnd = text.range(of: "\n", range: end.upperBound..<text.endIndex)
    else { return nil }
    let list = outputs.map {
      "    {\"path\": \(jsonString($0.path)), \"bytes\": \($0.bytes), \"sha256\": "
        + "\(jsonString($0.sha256))}"
    }
    var out = String(text[..<start.upperBound]) + list.joined(separator: ",\n") + "\n  ],\n"
    out += "  \"outputs_sha256\": \(jsonString(combinedOutputHash(outputs))),"
    out += String(text[lineEnd.lowerBound...])
    for flag in ["true", "false"] {
      out = out.replacingOccurrences(of: "\"report\": \(flag)}", with: "\"report\": \(report)}")
    }
    if !out.contains("\"report\": \(report)}") {
      for flag in ["true", "false"] {
        out = out.replacingOccurrences(
          of: "\"gpkg\": \(flag)}", with: "\"gpkg\": \(flag), \"report\": \(report)}")
      }
    }
    return out
  }

  /// Writes bytes to a hidden temporary sibling and renames it over `url`.
  ///
  /// - Throws: `InputProblems` ("output.unwritable") naming the path and the reason.
  static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
    let tmp = url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
    do {
      try Data(bytes).write(to: tmp)
      if rename(tmp.path, url.path) != 0 {
        let why = String(cString: strerror(errno))
        try? FileManager.default.removeItem(at: tmp)
        throw InputProblems(problems: [
          Problem(
            .error, "output.unwritable", "cannot move \(tmp.path) to \(url.path): \(why)",
            at: ProblemLocation(file: url.path))
        ])
      }
    } catch let e as InputProblems {
      throw e
    } catch {
      try? FileManager.default.removeItem(at: tmp)
      throw InputProblems(problems: [
        Problem(
          .error, "output.unwritable", "cannot write \(url.path): " + reason(error, path: tmp.path),
          at: ProblemLocation(file: url.path))
      ])
    }
  }
}
