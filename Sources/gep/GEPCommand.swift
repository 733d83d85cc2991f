import ArgumentParser
import GEPCore
import GEPPipeline

/// The `gep` command: routes to the subcommands, nothing else.
@main
struct GEPCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gep",
    abstract: "Gross Ecosystem Product (GEP, 生态产品总值) accounting on GDAL and PROJ.",
    discussion: """
      gep computes the yearly GEP account of a county, township and village from land-use and \
      biophysical rasters plus statistical tables, under China's national specification \
      (NDRC/NBS 2022 trial spec; GB/T 46869-2025), and the value of ecosystem products (VEP) of \
      a parcel or project.

      Exit codes: 0 success; 1 input problems or computation failure (every problem is listed \
      first); 64 usage error.
      """,
    version: Engine.versionLine,
    subcommands: GEPCommand.subcommandList
  )
}
