import ArgumentParser
import Foundation
import GEPPipeline

/// `gep validate RUN_FILE [--json]`: checks every input of a run without computing and lists
/// every problem at once (`InputValidator`, the same checks `gep compute` runs first).
struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check every input of a run file without computing; list every problem at once.",
    discussion: """
      Checks what 'gep compute' needs: the run file, the coefficient folder, the land-use and \
      biophysical rasters (files, CRS, overlap, nodata, NaN and infinite values, value ranges \
      and units), the land-use codes against the crosswalk, the accounting units (codes, \
      hierarchy, geometries, overlaps, coverage) and the statistical tables (columns, \
      numbers, keys, unit codes). Each problem is printed as \
      'error|warning [code] message (file, layer, band, row, column, field, value)'; with \
      --json the same list is printed as JSON (schema in README.md, "gep validate"). Rasters \
      are scanned window by window.

      Exit codes: 0 no errors (warnings allowed); 1 input problems found (or the run file \
      cannot be read); 64 usage error.
      """)

  @Argument(help: "The run file (gep.toml).")
  var runFile: String

  @Flag(help: "Print the problems as a JSON object on stdout (see README.md, \"gep validate\").")
  var json = false

  @Flag(help: "Print errors only (warnings are still counted).")
  var errorsOnly = false

  func run() throws {
    let problems = GEPPipeline.validate(runFile: runFile)
    let errors = problems.filter { $0.severity == .error }.count
    let warnings = problems.count - errors
    let shown = errorsOnly ? problems.filter { $0.severity == .error } : problems
    if json {
      print(Self.json(runFile: runFile, problems: shown, errors: errors, warnings: warnings))
    } else {
      for p in shown { print(p.description) }
      let e = "\(errors) error\(errors == 1 ? "" : "s")"
      let w = "\(warnings) warning\(warnings == 1 ? "" : "s")"
      FileHandle.standardError.write(Data("gep: \(runFile): \(e), \(w)\n".utf8))
    }
    if errors > 0 { throw ExitCode.failure }
  }

  /// The JSON report: `{"run_file", "valid", "errors", "warnings", "problems": [{"severity",
  /// "code", "message", "location": {"file", "layer", "band", "row", "column", "field",
  /// "value"}}]}`; location keys that are not known are left out.
  static func json(runFile: String, problems: [Problem], errors: Int, warnings: Int) -> String {
    struct Report: Encodable {
      var runFile: String
      var valid: Bool
      var errors: Int
      var warnings: Int
      var problems: [Problem]
    }
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let report = Report(
      runFile: runFile, valid: errors == 0, errors: errors, warnings: warnings,
      problems: problems)
    let data = (try? encoder.encode(report)) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
  }
}
