import Foundation
import GEPCore

/// What a multi-year `gep compute` produced.
public struct YearsResult: Sendable {
  /// The account of each year, in year order.
  public var accounts: [(year: Int, result: ComputeResult)]
  /// The comparison of the first and the last year (nil with one year).
  public var comparison: AccountComparison?
}

/// `gep compute` of a multi-year run file (`[years.<Y>]`, issue 17): one account per year into
/// OUT/<Y>/ (each a one-year run, `RunConfiguration.forYear`, written atomically with its own
/// manifest), then the comparison of the first and the last year into OUT/compare/
/// (`CompareJob`: change.csv, transitions.csv, compare-report.md).
public enum YearsJob {
  /// Runs every year, then the comparison.
  ///
  /// - Parameters:
  ///   - config: a run file with `years`.
  ///   - options: the options of every year; `output` is the parent folder (default: the run
  ///     file's `output`).
  ///   - progress: progress lines; `account` receives each year's result as it is written.
  /// - Throws: `InputProblems` of the first year that fails (the years written before it stay
  ///   complete), or of the comparison.
  public static func run(
    config: RunConfiguration, options: ComputeOptions,
    progress: @escaping @Sendable (String) -> Void = { _ in },
    tiles: (@Sendable (Int, Int) -> Void)? = nil,
    account: (Int, ComputeResult) -> Void = { _, _ in }
  ) throws -> YearsResult {
    let root = URL(fileURLWithPath: options.output ?? config.output).standardizedFileURL
    do {
      try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    } catch {
      throw InputProblems(problems: [
        Problem(
          .error, "output.unwritable", "cannot create the output folder: \(error)",
          at: ProblemLocation(file: root.path))
      ])
    }
    var out = YearsResult(accounts: [], comparison: nil)
    for y in config.years.keys.sorted() {
      progress("year \(y)")
      var o = options
      o.output = root.appendingPathComponent(String(y)).path
      let result = try ComputeJob.run(
        config: config.forYear(y), options: o, progress: progress, tiles: tiles)
      account(y, result)
      out.accounts.append((y, result))
    }
    guard let first = out.accounts.first, let last = out.accounts.last, out.accounts.count >= 2
    else { return out }
    out.comparison = try CompareJob.run(
      a: first.result.output, b: last.result.output,
      options: CompareOptions(
        output: root.appendingPathComponent("compare").path, overwrite: options.overwrite,
        bom: options.bom))
    return out
  }
}

extension YearsJob {
  /// `gep compare A B` with two one-year run files: each account is computed into
  /// OUT/<year>/ (OUT/<year>-a/ and OUT/<year>-b/ when both have one year), then compared into
  /// OUT/compare/, as for a multi-year run file.
  ///
  /// - Parameters:
  ///   - a, b: run files without `[years]`.
  ///   - options: compute options; `output` (required) is the parent folder.
  /// - Throws: `InputProblems` (a run file with `[years]`: run `gep compute` on it).
  public static func compareRunFiles(
    a: String, b: String, options: ComputeOptions,
    progress: @escaping @Sendable (String) -> Void = { _ in },
    account: (Int, ComputeResult) -> Void = { _, _ in }
  ) throws -> YearsResult {
    let ca = try RunConfiguration.load(path: a)
    let cb = try RunConfiguration.load(path: b)
    for c in [ca, cb] where !c.years.isEmpty {
      throw InputProblems(problems: [
        Problem(
          .error, "compare.multi-year-run-file",
          "the run file has [years]: gep compute it, which compares its years",
          at: ProblemLocation(file: c.runFile, field: "years"))
      ])
    }
    let root = URL(fileURLWithPath: options.output ?? ca.output).standardizedFileURL
    try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    let same = ca.year == cb.year
    var out = YearsResult(accounts: [], comparison: nil)
    for (c, tag) in [(ca, "-a"), (cb, "-b")] {
      progress("year \(c.year) (\(c.runFile))")
      var o = options
      o.output = root.appendingPathComponent("\(c.year)\(same ? tag : "")").path
      let result = try ComputeJob.run(config: c, options: o, progress: progress)
      account(c.year, result)
      out.accounts.append((c.year, result))
    }
    out.comparison = try CompareJob.run(
      a: out.accounts[0].result.output, b: out.accounts[1].result.output,
      options: CompareOptions(
        output: root.appendingPathComponent("compare").path, overwrite: options.overwrite,
        bom: options.bom))
    return out
  }
}
