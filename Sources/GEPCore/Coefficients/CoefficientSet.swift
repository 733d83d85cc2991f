import Foundation

/// A loaded coefficient folder: profile, ecosystem classes, crosswalks, per-class tables,
/// scalar parameters and prices, each value with unit and provenance.
///
/// Load with `CoefficientSet.load(from:)` (throws on the first error) or check with
/// `CoefficientSet.check(directory:)` (collects every problem). The raw text of every file is kept
/// in `tables` for `show` and `diff`. Source: GEP-METHODS §11, §12.2; ARCHITECTURE.md §5.
public struct CoefficientSet: Sendable, Hashable, Codable {
  /// Folder the set was read from.
  public var directory: URL
  /// `manifest.csv` key → value.
  public var manifest: [String: String]
  /// The standard profile (`profile.csv` + manifest).
  public var profile: StandardProfile
  /// Ecosystem classes by code.
  public var ecosystemClasses: [Int: EcosystemClass]
  /// Crosswalks by scheme id (`clcd`, `swat` …).
  public var crosswalks: [String: Crosswalk]
  /// Per-class tables by name (`runoff_coefficient`, `rusle` …).
  public var classTables: [String: ClassCoefficientTable]
  /// Scalar parameters by id.
  public var parameters: [String: ScalarParameter]
  /// Prices by id.
  public var prices: [String: PriceEntry]
  /// Every CSV file as text, sorted by file name. For a set that extends another, the files of
  /// the base that the region folder does not have are included under the base's file name.
  public var tables: [CoefficientTable]
  /// Price-index series by id (`price_index.csv`, optional). See `indexedPrice(_:toYear:)`.
  public var priceIndices: [String: PriceIndexTable] = [:]
  /// Folder name (or path as written) of the set this one extends (manifest key `extends`), or
  /// `nil` for a stand-alone set.
  public var base: String? = nil
  /// Rows of this (region) set that replace or add to rows of its base, in file order. Empty for
  /// a stand-alone set. See `CoefficientOverride`.
  public var overrides: [CoefficientOverride] = []

  /// Creates an empty set for `directory` (filled by the loader).
  public init(directory: URL) {
    self.directory = directory
    manifest = [:]
    profile = StandardProfile(
      id: directory.lastPathComponent, name: directory.lastPathComponent, nameZH: "",
      indicators: [])
    ecosystemClasses = [:]
    crosswalks = [:]
    classTables = [:]
    parameters = [:]
    prices = [:]
    tables = []
  }

  /// The raw table of a file (`rusle.csv`) or table name (`rusle`), or `nil`.
  public func table(named name: String) -> CoefficientTable? {
    tables.first { $0.file == name || $0.name == name }
  }

  /// Level-1 parent chain of a class: `[code, parent]` (or `[code]` for level-1 classes).
  public func classChain(_ code: Int) -> [Int] {
    var chain = [code]
    var current = code
    while let parent = ecosystemClasses[current]?.parentCode, !chain.contains(parent) {
      chain.append(parent)
      current = parent
    }
    return chain
  }

  /// Looks up a per-class value, falling back from a level-2 class to its level-1 parent.
  ///
  /// At each level an `applies = 0` row masks the class first; then the parameter's rows are
  /// used. Conditional rows (e.g. `slope_deg:2-5`) need `slopeDegrees` (terrain slope, degrees);
  /// the first matching row in file order wins.
  /// - Returns: `.value` (in the row's unit, see `ClassCoefficient.unit`), `.notApplicable`,
  ///   `.empty` (row present but no usable value) or `.missing` (no row, no parent row).
  public func classCoefficient(
    table: String, parameter: String, classCode: Int, slopeDegrees: Double? = nil
  ) -> ClassCoefficientLookup {
    guard let rows = classTables[table] else { return .missing }
    for code in classChain(classCode) {
      if let mask = rows.rows(classCode: code, parameter: "applies").first,
        mask.value == 0, parameter != "applies"
      {
        return .notApplicable(mask)
      }
      let candidates = rows.rows(classCode: code, parameter: parameter)
      guard let first = candidates.first else { continue }
      for row in candidates {
        guard let value = row.value else { continue }
        if let condition = row.condition {
          if let slopeDegrees, condition.contains(slopeDegrees) { return .value(value, row) }
        } else {
          return .value(value, row)
        }
      }
      return .empty(first)
    }
    return .missing
  }

  /// The ecosystem class of a land-cover code in a scheme (`clcd`, `swat` …), or `nil`.
  public func ecosystemClass(lulcCode: Int, scheme: String) -> Int? {
    crosswalks[scheme]?.ecosystemClass(of: lulcCode)
  }

  /// A reclassification map land-cover code → value for one per-class parameter, for per-cell
  /// lookup (InVEST `reclassify_raster` style).
  ///
  /// Only unconditional values are included; codes whose class is masked (`applies = 0`),
  /// empty, conditional or missing are absent — the caller reports them (see `check`).
  /// - Returns: `[lulcCode: value]` in the unit of the table's parameter.
  public func lulcLookup(table: String, parameter: String, scheme: String) -> [Int: Double] {
    guard let crosswalk = crosswalks[scheme] else { return [:] }
    var map: [Int: Double] = [:]
    for entry in crosswalk.entries {
      guard let code = entry.ecosystemClass else { continue }
      if case .value(let value, _) = classCoefficient(
        table: table, parameter: parameter, classCode: code)
      {
        map[entry.lulcCode] = value
      }
    }
    return map
  }

  /// The value of a scalar parameter (in its unit), or `nil` if absent or empty.
  public func parameterValue(_ id: String) -> Double? { parameters[id]?.value }

  /// The price value (yuan per unit of `PriceEntry.unit`), or `nil` if absent or empty.
  public func priceValue(_ id: String) -> Double? { prices[id]?.value }

  /// Reads and checks a coefficient folder, collecting every problem (never stops early).
  ///
  /// - Parameter directory: folder such as `coefficients/national-2022`.
  /// - Returns: the (possibly partial) set and all problems, errors first in file order.
  public static func check(directory: URL) -> CoefficientCheckResult {
    var loader = CoefficientLoader(directory: directory)
    return loader.run()
  }

  /// Loads a coefficient folder for computation.
  ///
  /// - Throws: `CoefficientError` describing the first error-severity problem (file, 1-based
  ///   line, column, value), with all errors in `allErrors`. Warnings do not throw.
  public static func load(from directory: URL) throws(CoefficientError) -> CoefficientSet {
    let result = check(directory: directory)
    let errors = result.errors
    if let first = errors.first { throw CoefficientError(first, allErrors: errors) }
    return result.set
  }

  /// Finds `coefficients/<profile>` (a folder containing `profile.csv`) by walking up from the
  /// current directory, then from the executable's folder.
  ///
  /// - Parameters:
  ///   - profile: folder name under `coefficients/`, default `national-2022`.
  ///   - currentDirectory: start folder (default: the process's current directory).
  ///   - executable: path of the running executable (default: `CommandLine.arguments[0]`).
  /// - Returns: the folder, or `nil` if none was found.
  public static func defaultDirectory(
    profile: String = "national-2022", currentDirectory: URL? = nil, executable: URL? = nil
  ) -> URL? {
    let cwd =
      currentDirectory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    let exe =
      executable
      ?? URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
    for start in [cwd, exe.deletingLastPathComponent()] {
      var folder = start.standardizedFileURL
      for _ in 0..<12 {
        let candidate = folder.appendingPathComponent("coefficients").appendingPathComponent(
          profile)
        if FileManager.default.fileExists(
          atPath: candidate.appendingPathComponent("profile.csv").path)
        {
          return candidate
        }
        let parent = folder.deletingLastPathComponent()
        if parent.path == folder.path { break }
        folder = parent
      }
    }
    return nil
  }

  /// Coefficient folders (those containing `profile.csv`) directly under `root`, sorted.
  public static func availableSets(in root: URL) -> [URL] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
    return names.sorted().map { root.appendingPathComponent($0) }.filter {
      FileManager.default.fileExists(atPath: $0.appendingPathComponent("profile.csv").path)
    }
  }
}

/// What `CoefficientSet.check(directory:)` returns: the set and every problem found.
public struct CoefficientCheckResult: Sendable, Hashable {
  /// The set as far as it could be read.
  public var set: CoefficientSet
  /// All problems, sorted: errors first, then by file and line.
  public var problems: [CoefficientProblem]

  /// Error-severity problems.
  public var errors: [CoefficientProblem] { problems.filter { $0.severity == .error } }
  /// Warning-severity problems.
  public var warnings: [CoefficientProblem] { problems.filter { $0.severity == .warning } }
  /// True when there is no error (warnings allowed).
  public var isClean: Bool { errors.isEmpty }
}
