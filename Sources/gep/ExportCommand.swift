import ArgumentParser
import Foundation
import GEPPipeline

/// `gep export`: an account in another reporting framework (issue 24).
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Export an account in another reporting framework (SEEA Ecosystem Accounting).",
    subcommands: [ExportSEEACommand.self])
}

/// `gep export seea OUT_DIR [--opening DIR] [--out DIR]`: the SEEA EA tables of an account.
struct ExportSEEACommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "seea",
    abstract: "Write the SEEA EA extent account and ecosystem services supply and use tables.",
    discussion: """
      Reads an account folder written by 'gep compute' (its marker, manifest.json, \
      summary.csv, indicators.csv and matrix.csv; nothing is recomputed) and writes, into \
      --out (default: OUT_DIR-seea beside it), the tables of the UN System of \
      Environmental-Economic Accounting — Ecosystem Accounting (SEEA EA 2021): \
      seea_extent.csv (area by ecosystem type per unit; with --opening, opening, additions, \
      reductions, net change and closing: gross from the class-transition matrix when both \
      years share one grid and unit layer, else sums of the finest units' net changes, named \
      so in the columns), seea_supply_physical.csv and seea_supply_monetary.csv (service × \
      ecosystem type), seea_use_physical.csv and seea_use_monetary.csv (service × \
      beneficiary sector), the crosswalk used (seea_crosswalk.csv: national indicator → SEEA \
      EA reference-list service and sector) and seea-manifest.json. A value the account does \
      not give is left empty, never 0, with a flag.

      Exit codes: 0 success; 1 the folder is not a gep account, the crosswalk is malformed \
      or the output exists; 64 usage error.
      """)

  @Argument(help: "The account folder written by gep compute (the closing year).")
  var outDir: String

  @Option(help: "The opening account folder (an earlier year) for the extent change.")
  var opening: String?

  @Option(help: "Output folder. Default: OUT_DIR-seea beside the account.")
  var out: String?

  @Option(help: "The crosswalk file. Default: seea_crosswalk.csv of the account's coefficients.")
  var crosswalk: String?

  @Flag(help: "Replace an existing output folder gep wrote.")
  var overwrite = false

  @Flag(help: "Start CSV files with a UTF-8 byte-order mark, as Excel/WPS need for Chinese text.")
  var bom = false

  @Flag(help: "Print nothing on stderr but errors.")
  var quiet = false

  func run() throws {
    try reportingFailures {
      let r = try SEEAExport.run(
        account: outDir,
        options: SEEAExportOptions(
          output: out, opening: opening, crosswalk: crosswalk, overwrite: overwrite, bom: bom))
      if !quiet {
        for w in r.warnings { printError(w.description) }
        let basis = r.extentBasis.map { " (extent change: \($0.rawValue))" } ?? ""
        printError("SEEA tables in \(r.output)\(basis)")
      }
    }
  }
}
