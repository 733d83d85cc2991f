import ArgumentParser

extension GEPCommand {
  /// Every subcommand, in the order `gep --help` lists them.
  static var subcommandList: [any ParsableCommand.Type] {
    [
      ComputeCommand.self, CompareCommand.self, ValidateCommand.self, VepCommand.self,
      CalcCommand.self, CoefficientsCommand.self, ProfilesCommand.self, PrepareCommand.self,
      VerifyCommand.self, ReportCommand.self, ExportCommand.self, UncertaintyCommand.self,
      MergeCommand.self, SlurmCommand.self,
    ]
  }
}
