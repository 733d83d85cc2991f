import ArgumentParser
import Foundation
import GEPCore
import GEPPipeline

/// `gep profiles`: the indicators of each standard profile with method, units and inputs.
///
/// Reads `profile.csv` of every coefficient folder (or of DIR). Source: GEP-METHODS §2;
/// ARCHITECTURE.md §7. Exit codes: 0 ok, 1 a profile has errors, 64 usage.
struct ProfilesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "profiles",
    abstract: "List the indicators, units and required inputs of each standard profile.",
    discussion: """
      Without DIR, every coefficient folder next to coefficients/national-2022 is listed. \
      Exit codes: 0 ok; 1 a profile could not be read without errors (run \
      'gep coefficients check'); 64 usage error.
      """
  )

  @Argument(help: "Coefficient folder of one profile. Default: all folders under coefficients/.")
  var dir: String?

  @Option(help: "Show only this indicator id (e.g. soil_conservation).")
  var indicator: String?

  func run() throws {
    let folders: [URL]
    if let dir {
      folders = [try CoefficientsCommand.resolve(dir)]
    } else {
      folders = CoefficientSet.availableSets(
        in: try CoefficientsCommand.resolve(nil).deletingLastPathComponent())
    }
    var failed = false
    for (index, folder) in folders.enumerated() {
      let result = CoefficientSet.check(directory: folder)
      var profile = result.set.profile
      if let indicator {
        profile.indicators = profile.indicators.filter { $0.id == indicator }
        if profile.indicators.isEmpty {
          throw ValidationError("No indicator '\(indicator)' in profile \(profile.id).")
        }
      }
      if index > 0 { print("") }
      print(CoefficientText.profile(profile))
      print(implementationText(profile))
      let registryErrors = MethodRegistry.builtIn.problems(of: profile).filter {
        $0.severity == .error
      }
      if !registryErrors.isEmpty {
        failed = true
        for e in registryErrors {
          FileHandle.standardError.write(Data("\(folder.path): \(e)\n".utf8))
        }
      }
      if !result.isClean {
        failed = true
        FileHandle.standardError.write(
          Data(
            ("\(folder.path): \(result.errors.count) errors; run 'gep coefficients check'\n")
              .utf8))
      }
    }
    if failed { throw ExitCode.failure }
  }

  /// Per indicator: the selected method as this version of gep implements it (what it reads),
  /// or that it is not implemented, with the implemented alternatives.
  func implementationText(_ profile: StandardProfile) -> String {
    var lines = ["", "Implementation (this version of gep, MethodRegistry):"]
    for p in profile.indicators {
      let methods = MethodRegistry.builtIn.methods(of: p.id)
      guard let d = methods.first(where: { $0.method == p.method }) else {
        lines.append(
          "  \(p.id): "
            + (methods.isEmpty
              ? "not implemented (reported as not computed)"
              : "method \(p.method) NOT implemented; implemented: "
                + methods.map(\.method).joined(separator: ", ")))
        continue
      }
      var reads: [String] = []
      let rasters = d.rasters.map { $0.role.rawValue + ($0.required ? "" : " (optional)") }
      if !rasters.isEmpty { reads.append("rasters " + rasters.joined(separator: ", ")) }
      if !d.classParameters.isEmpty {
        reads.append("class " + d.classParameters.joined(separator: ", "))
      }
      if !d.parameters.isEmpty {
        reads.append("parameters " + d.parameters.map(\.id).joined(separator: ", "))
      }
      if !d.prices.isEmpty { reads.append("prices " + d.prices.joined(separator: ", ")) }
      if !d.tables.isEmpty { reads.append("tables " + d.tables.joined(separator: ", ")) }
      lines.append(
        "  \(p.id): \(d.method) [\(d.scope.rawValue)] \(d.summary); reads "
          + (reads.isEmpty ? "nothing else" : reads.joined(separator: "; ")))
    }
    return lines.joined(separator: "\n")
  }
}
