import ArgumentParser
import Foundation
import GEPPipeline

/// `gep report OUT_DIR`: the account as a page and a workbook (issue 16).
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write report.html (one map and cockpit) and account.xlsx into an account folder.",
    discussion: """
      Reads only the folder's summary.csv, indicators.csv, matrix.csv, units.geojson and \
      manifest.json (as written by 'gep compute'), and writes report.html — one \
      self-contained page that loads nothing from the network: the map of GEP density by \
      unit with drill-down (report.html#unit=CODE), the county's figures, the service × \
      ecosystem-class matrix, the indicator table, warnings and inputs — and account.xlsx \
      (summary, indicators, matrix and inputs sheets, frozen bilingual header rows). Both are \
      recorded in the folder's manifest, so 'gep verify' checks them. 'gep compute --report' \
      writes them with the account.

      Exit codes: 0 success; 1 the folder is not a gep account, or a file cannot be written; \
      64 usage error.
      """)

  @Argument(help: "The account folder written by gep compute.")
  var outDir: String

  @Flag(help: "Print nothing on stderr but errors.")
  var quiet = false

  func run() throws {
    try reportingFailures {
      let result = try ReportJob.run(folder: outDir)
      if !quiet {
        FileHandle.standardError.write(
          Data(
            "gep: wrote \(result.paths.joined(separator: ", ")) (page \(result.htmlBytes) bytes)\n"
              .utf8))
      }
    }
  }
}
