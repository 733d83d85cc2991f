import ArgumentParser
import Foundation
import GEPCore
import GEPPipeline

/// `gep compare A B`: the change of the account between two years.
struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Compare two yearly accounts: change at current and constant prices, decomposed.",
    discussion: """
      A and B are two account folders written by 'gep compute' (in any order: they are \
      ordered by accounting year), or two one-year run files, whose accounts are then \
      computed into --out/<year>/ and compared into --out/compare/. Units are matched by \
      code; units added, removed or \
      re-coded (same name and level, another code) are reported. For every unit, indicator \
      and category total: quantities, values at current prices and at constant prices of the \
      base year (the coefficient set's price index), absolute and relative change, and the \
      exact decomposition of the change into price, extent (land-use) and condition \
      (per-area quantity) effects — Shapley / Sun 1998 perfect decomposition, no residual; \
      table-based indicators without a class split get price and quantity effects. Writes \
      change.csv and compare-report.md into --out, and prints the county's change.

      Exit codes: 0 success; 1 input problems; 64 usage error.
      """)

  @Argument(help: "The earlier (or later) account folder, or a run file.")
  var a: String

  @Argument(help: "The other account folder, or run file.")
  var b: String

  @Option(help: "Constant-price base year. Default: the later account's year.")
  var baseYear: Int?

  @Option(help: "Price-index series (price_index.csv index_id). Default: the set's price_index.")
  var priceIndex: String?

  @Option(help: "Output folder for change.csv and compare-report.md. Default: nothing written.")
  var out: String?

  @Flag(help: "Replace an existing output folder.")
  var overwrite = false

  @Flag(help: "Start CSV files with a UTF-8 byte-order mark, as Excel/WPS need for Chinese text.")
  var bom = false

  @Flag(help: "Print nothing on stderr but errors.")
  var quiet = false

  func run() throws {
    let quiet = self.quiet
    var isDirectory: ObjCBool = false
    let runFiles = [a, b].allSatisfy {
      FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory)
        && !isDirectory.boolValue
    }
    if runFiles && out == nil {
      throw ValidationError("two run files are computed first: give --out DIR for their accounts")
    }
    try reportingFailures {
      if runFiles {
        let years = try YearsJob.compareRunFiles(
          a: a, b: b, options: ComputeOptions(output: out, overwrite: overwrite, bom: bom),
          progress: { if !quiet { printError($0) } }
        ) { y, r in if !quiet { printError("\(y): account in \(r.output)") } }
        if !quiet, let c = years.comparison {
          for line in compareConsoleLines(c) { printError(line) }
        }
        return
      }
      let result = try CompareJob.run(
        a: a, b: b,
        options: CompareOptions(
          output: out, baseYear: baseYear, priceIndex: priceIndex, overwrite: overwrite, bom: bom))
      if !quiet { for line in compareConsoleLines(result) { printError(line) } }
    }
  }
}

/// The console lines of a comparison: its warnings, then the county's (or each top unit's)
/// change at constant prices and at current prices with the effects, then the output folder.
func compareConsoleLines(_ result: AccountComparison) -> [String] {
  var lines = result.warnings.map(\.description)
  let tops = result.rows.filter { $0.indicator == "total_gep" && $0.level == "county" }
  for top in tops {
    for constant in [true, false] {
      if let l = changeSummaryLine(result, code: top.code, constant: constant) { lines.append(l) }
    }
  }
  if let out = result.output { lines.append("comparison in \(out)") }
  return lines
}
