import ArgumentParser
import Foundation
import GEPCore
import GEPPipeline

/// `gep coefficients`: check, show, diff and list coefficient folders.
///
/// The logic lives in GEPCore (`CoefficientSet`, `CoefficientText`); this file only parses
/// arguments and maps results to exit codes (0 ok, 1 problems found, 64 usage).
/// Source: ARCHITECTURE.md §7; coefficients/README.md.
struct CoefficientsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "coefficients",
    abstract: "Check, show, compare and list coefficient and price tables.",
    discussion: """
      A coefficient folder (default: coefficients/national-2022, searched upwards from the \
      current directory, then from the executable) holds the profile, ecosystem classes, \
      land-cover crosswalks, per-class coefficient tables, parameters and prices as CSV files. \
      See coefficients/README.md for every table and column.

      Exit codes: 0 ok; 1 problems found (check: errors, or warnings with --strict; diff: \
      the sets differ), after all of them were printed; 64 usage error (including a folder \
      that does not exist).
      """,
    subcommands: [Check.self, Show.self, Diff.self, List.self]
  )

  /// Resolves a DIR argument or the default folder; a usage error (64) if none exists.
  static func resolve(_ path: String?) throws -> URL {
    if let path {
      let url = URL(fileURLWithPath: path)
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
        isDirectory.boolValue
      else { throw ValidationError("Coefficient folder '\(path)' does not exist.") }
      return url
    }
    guard let url = CoefficientSet.defaultDirectory() else {
      throw ValidationError(
        "No coefficients/national-2022 folder found above the current directory or the "
          + "executable; pass DIR.")
    }
    return url
  }

  /// `gep coefficients check [DIR]`.
  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check a coefficient folder and print every problem with file, line, column.")

    @Argument(help: "Coefficient folder. Default: coefficients/national-2022.")
    var dir: String?

    @Flag(help: "Treat warnings (documented gaps, unknown names) as problems: exit 1.")
    var strict = false

    @Flag(help: "Print errors only (warnings are still counted in the summary line).")
    var errorsOnly = false

    func run() throws {
      var result = CoefficientSet.check(directory: try CoefficientsCommand.resolve(dir))
      // The profile against the methods this version of gep implements (MethodRegistry).
      let implementation = MethodRegistry.builtIn.problems(of: result.set.profile)
      result.problems =
        result.errors + implementation.filter { $0.severity == .error } + result.warnings
        + implementation.filter { $0.severity == .warning }
      var shown = result
      if errorsOnly { shown.problems = result.errors }
      print(
        CoefficientText.checkReport(shown).replacingOccurrences(
          of: "\(shown.errors.count) errors, \(shown.warnings.count) warnings",
          with: "\(result.errors.count) errors, \(result.warnings.count) warnings"))
      if !result.errors.isEmpty || (strict && !result.warnings.isEmpty) {
        throw ExitCode.failure
      }
    }
  }

  /// `gep coefficients show [DIR] [--table NAME]`.
  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the tables of a coefficient folder, or print one table.")

    @Argument(help: "Coefficient folder. Default: coefficients/national-2022.")
    var dir: String?

    @Option(help: "Table to print, by name or file name (e.g. rusle or prices.csv).")
    var table: String?

    func run() throws {
      let set = CoefficientSet.check(directory: try CoefficientsCommand.resolve(dir)).set
      guard let name = table else {
        print("\(set.profile.id): \(set.profile.name)")
        print(CoefficientText.tableList(set))
        return
      }
      guard let found = set.table(named: name) else {
        let names = set.tables.map(\.name).joined(separator: ", ")
        throw ValidationError("No table '\(name)'. Tables: \(names).")
      }
      print(CoefficientText.table(found))
    }
  }

  /// `gep coefficients diff A B`.
  struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compare two coefficient folders per table and key (exit 1 if they differ).")

    @Argument(help: "The old coefficient folder.")
    var a: String

    @Argument(help: "The new coefficient folder.")
    var b: String

    func run() throws {
      let old = CoefficientSet.check(directory: try CoefficientsCommand.resolve(a)).set
      let new = CoefficientSet.check(directory: try CoefficientsCommand.resolve(b)).set
      let changes = old.diff(to: new)
      print(CoefficientText.diffReport(changes))
      if !changes.isEmpty { throw ExitCode.failure }
    }
  }

  /// `gep coefficients list`.
  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the coefficient folders available next to the default one.")

    @Option(help: "Folder holding coefficient sets. Default: the coefficients/ folder found.")
    var root: String?

    func run() throws {
      let base: URL
      if let root {
        base = URL(fileURLWithPath: root)
      } else {
        base = try CoefficientsCommand.resolve(nil).deletingLastPathComponent()
      }
      let sets = CoefficientSet.availableSets(in: base)
      guard !sets.isEmpty else {
        throw ValidationError("No coefficient folder (with profile.csv) under '\(base.path)'.")
      }
      for url in sets {
        let set = CoefficientSet.check(directory: url).set
        print(
          "\(url.lastPathComponent)  \(set.profile.name)  "
            + "(\(set.profile.indicators.count) indicators, \(set.tables.count) tables)")
      }
    }
  }
}
