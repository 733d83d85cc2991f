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
    subcommands: [Check.self, Show.self, Diff.self, List.self, Init.self, Gaps.self]
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
      let folder = try CoefficientsCommand.resolve(dir)
      if CalculatorTables.isCalculatorFolder(folder) {
        // The calculator tables (gep calc): every row with its unit and source.
        let (tables, problems) = CalculatorTables.check(directory: folder)
        for p in problems { print(p.description) }
        let rows =
          tables.emissionFactors.count + tables.actions.count + tables.premiumRules.count
          + tables.creditRules.count
        print(
          "\(folder.path): calculator tables, \(rows) rows: \(problems.count) errors, 0 warnings")
        if !problems.isEmpty { throw ExitCode.failure }
        return
      }
      var result = CoefficientSet.check(directory: folder)
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

  /// `gep coefficients init DIR --from SET`.
  struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write an editable region copy of a coefficient set (it extends the source).",
      discussion: """
        Copies every CSV file of SET into the new folder DIR and sets the manifest key \
        'extends' to SET, so the copy overrides SET row by row: edit the rows you measured for \
        your region and `gep coefficients check DIR` lists which rows changed. DIR must not \
        exist or be an empty folder; nothing is overwritten or deleted.
        """)

    @Argument(help: "New folder for the region set (must not exist or be empty).")
    var dir: String

    @Option(help: "Coefficient set to copy: a folder, or a set name under coefficients/.")
    var from: String

    func run() throws {
      var source = URL(fileURLWithPath: from)
      var isDirectory: ObjCBool = false
      if !(FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory)
        && isDirectory.boolValue)
      {
        guard let found = CoefficientSet.defaultDirectory(profile: from) else {
          throw ValidationError(
            "No coefficient set '\(from)' (neither a folder nor a set under coefficients/).")
        }
        source = found
      }
      let check = CoefficientSet.check(directory: source)
      if !check.errors.isEmpty {
        throw ValidationError(
          "The source set '\(source.path)' has \(check.errors.count) errors; run "
            + "`gep coefficients check \(source.path)` first.")
      }
      do {
        let files = try CoefficientSet.writeEditableCopy(
          of: source, to: URL(fileURLWithPath: dir))
        print("wrote \(files.count) files to \(dir) (extends \(source.lastPathComponent))")
      } catch {
        FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
        throw ExitCode(64)
      }
    }
  }

  /// `gep coefficients gaps RUN_FILE`.
  struct Gaps: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the values a run lacks or takes from a placeholder or another region.",
      discussion: """
        Reads the run file, its coefficient set and its land-use raster, and lists for every \
        land-use code present and every indicator this version computes each per-class value, \
        parameter and price (profile.csv columns class_parameters, parameters, price_ids) that \
        is missing, empty, a placeholder, or out of region (a regional study of another region \
        or an international default), with the share of land area it affects.

        Exit codes: 0 no gaps (out-of-region notes allowed); 1 gaps listed; 64 usage or input \
        error.
        """)

    @Argument(help: "The run file (TOML).")
    var runFile: String

    @Flag(help: "List only missing, empty and placeholder values (no out-of-region notes).")
    var gapsOnly = false

    func run() throws {
      let report: CoefficientGapReport
      let set: CoefficientSet
      do {
        (report, set) = try CoefficientGaps.run(runFile: runFile)
      } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(64)
      }
      print(CoefficientGaps.text(report, set: set, gapsOnly: gapsOnly))
      if !report.strictGaps.isEmpty { throw ExitCode.failure }
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
