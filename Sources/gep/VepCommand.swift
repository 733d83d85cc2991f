import ArgumentParser
import Foundation
import GEPCore
import GEPGeo
import GEPPipeline

/// `gep vep`: the value of ecosystem products (VEP) of parcels, and the eco-value calculator.
struct VepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vep",
    abstract: "Value of ecosystem products (VEP, 特定地域单元生态产品价值) of parcels or projects.",
    subcommands: [VepRunCommand.self, VepCalcCommand.self],
    defaultSubcommand: VepRunCommand.self)
}

/// `gep vep RUN_FILE --parcels FILE …`.
struct VepRunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "VEP of parcels: baseline vs scenario, over an operating period.",
    discussion: """
      Uses the run file's rasters, coefficients and prices (see docs/run-file.md). Each grid \
      cell is weighted by the exact fraction the parcel covers. Writes vep.csv, vep.geojson and \
      vep-report.md (inputs with SHA-256, methods, coefficients and prices with sources, \
      results in yuan, 万元, per mu and per hm²) into the output folder, atomically; with \
      --report also vep-report.html (the same as one self-contained page, with the parcels on \
      maps of the baseline and scenario land-use classes).

      Present value: PV = Σ_{t=1..N} F·(1+g)^(t−1)/(1+r)^(t−1) for a first-year value F.

      Exit codes: 0 success; 1 input problems (all listed) or failure; 64 usage error.
      """)

  @Argument(help: "The run file (gep.toml).")
  var runFile: String

  @Option(help: "Parcel polygons (GeoPackage, Shapefile, GeoJSON, FlatGeobuf…).")
  var parcels: String

  @Option(help: "Field holding the parcel id. Default: the feature id.")
  var idField: String?

  @Option(help: "Scenario land-use raster, in the run's classification scheme.")
  var scenario: String?

  @Option(help: "Change table: parcel, from_code, to_code, share (0–1), in land-use codes.")
  var changes: String?

  @Option(help: "Operating period N in years. Default 1.")
  var years: Int = 1

  @Option(help: "Discount rate r per year, e.g. 0.0277. Default 0.")
  var discountRate: Double = 0

  @Option(help: "Price growth g per year. Default 0.")
  var priceGrowth: Double = 0

  @Option(help: "Output folder. Default: the run file's output + \"-vep\".")
  var out: String?

  @Flag(help: "Replace an existing output folder.")
  var overwrite = false

  @Flag(help: "Also write vep-report.html: the parcels on maps of the land-use classes, values.")
  var report = false

  @Flag(help: "Print nothing on stderr but errors.")
  var quiet = false

  func validate() throws {
    if years < 1 { throw ValidationError("--years must be at least 1") }
    if !discountRate.isFinite || !priceGrowth.isFinite {
      throw ValidationError("--discount-rate and --price-growth must be finite numbers")
    }
    if discountRate > 0.5 {
      throw ValidationError(
        "--discount-rate \(discountRate) is a rate per year as a fraction (0.0277 for 2.77 %)")
    }
    if discountRate <= -1 || priceGrowth <= -1 {
      throw ValidationError("--discount-rate and --price-growth must be greater than -1")
    }
    if scenario != nil && changes != nil {
      throw ValidationError("give --scenario or --changes, not both")
    }
  }

  func run() throws {
    let quiet = self.quiet
    let log: @Sendable (String) -> Void = { line in
      if !quiet { FileHandle.standardError.write(Data("gep: \(line)\n".utf8)) }
    }
    try reportingFailures {
      let config = try RunConfiguration.load(path: runFile)
      let result = try VEPJob.run(
        config: config,
        options: VEPOptions(
          parcels: parcels, idField: idField, scenarioLandUse: scenario, changes: changes,
          years: years, discountRate: discountRate, priceGrowth: priceGrowth, output: out,
          overwrite: overwrite, report: report),
        progress: log)
      for w in result.warnings { log(w.description) }
      for p in result.parcels {
        let b = p.baselineValue.value
        let g = p.scenarioValue.value - b
        log(
          String(
            format: "parcel %@: %.1f m² covered, baseline %.2f 万元/a, gain %.2f 万元/a, "
              + "PV of gain over %d a %.2f 万元", p.id, p.coveredArea.value, b / 1e4, g / 1e4,
            years, g * result.presentValueFactor / 1e4))
      }
      log("VEP in \(result.output)")
    }
  }
}

/// Area units of the calculator.
enum AreaUnit: String, ExpressibleByArgument, CaseIterable {
  case m2, mu, hm2, km2

  /// Square metres per unit.
  var squareMetres: Double {
    switch self {
    case .m2: return 1
    case .mu: return UnitConversion.squareMetresPerHectare / UnitConversion.muPerHectare
    case .hm2: return UnitConversion.squareMetresPerHectare
    case .km2: return UnitConversion.squareMetresPerSquareKilometre
    }
  }
}

/// `gep vep calc --area A --unit U --from CLASS --to CLASS [--region-defaults RUN_FILE]`.
struct VepCalcCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "calc",
    abstract: "Yearly change in each indicator's value for a hypothetical land-use change.",
    discussion: """
      CLASS is an ecosystem class code or English name of the profile (e.g. 1 or forest, 7 or \
      bare). Indicators that need biophysical values (water and soil conservation) use the \
      region's mean of each raster of --region-defaults; without it they are listed as not \
      computable. Prints CSV on stdout.
      """)

  @Option(help: "Area that changes.")
  var area: Double

  @Option(help: "Unit of --area: m2, mu, hm2 or km2.")
  var unit: AreaUnit = .mu

  @Option(help: "Ecosystem class before (code or name).")
  var from: String

  @Option(help: "Ecosystem class after (code or name).")
  var to: String

  @Option(help: "A run file whose rasters give the region's mean biophysical values.")
  var regionDefaults: String?

  @Option(help: "Coefficient folder. Default: the run file's, else coefficients/national-2022.")
  var coefficients: String?

  func validate() throws {
    guard area.isFinite, area > 0 else {
      throw ValidationError("--area must be a positive number, got \(area)")
    }
  }

  func run() throws {
    try reportingFailures {
      let config = try regionDefaults.map { try RunConfiguration.load(path: $0) }
      guard
        let dir = coefficients.map({ URL(fileURLWithPath: $0) })
          ?? config.map({ URL(fileURLWithPath: $0.coefficientsFolder) })
          ?? CoefficientSet.defaultDirectory()
      else {
        throw ValidationError("no coefficient folder found; pass --coefficients DIR")
      }
      let set = try CoefficientSet.load(from: dir)
      try checkProfileAgainstRegistry(set, dir)
      let fromClass = try ecosystemClassCode(from, in: set)
      let toClass = try ecosystemClassCode(to, in: set)
      let means = try config.map { try VEPCalculator.regionMeans($0) } ?? [:]
      let lines = VEPCalculator.calculate(
        area: area * unit.squareMetres, fromClass: fromClass, toClass: toClass,
        coefficients: set, means: means,
        fvcIsPercent: config?.rasters["fvc"]?.unit == "percent")
      var out = csvLine([
        "indicator", "component", "physical_unit", "from_quantity", "to_quantity",
        "change_quantity", "from_value_yuan", "to_value_yuan", "change_value_yuan",
        "price_and_source", "note",
      ])
      var total = 0.0
      for l in lines {
        func f(_ v: Double?) -> String { v.map(formatNumber) ?? "" }
        let dq = l.from.flatMap { a in l.to.map { $0.quantity - a.quantity } }
        let dv = l.from.flatMap { a in l.to.map { $0.value - a.value } }
        total += dv ?? 0
        out += csvLine([
          l.indicator, l.component, l.physicalUnit, f(l.from?.quantity), f(l.to?.quantity),
          f(dq), f(l.from?.value), f(l.to?.value), f(dv), l.price, l.note,
        ])
      }
      out += csvLine([
        "total", "", "yuan/a", "", "", "", "", "", formatNumber(total), "",
        "computable indicators only",
      ])
      print(out, terminator: "")
      if !means.isEmpty {
        let m = means.sorted { $0.key.rawValue < $1.key.rawValue }
          .map { "\($0.key.rawValue)=\(formatNumber($0.value))" }.joined(separator: ", ")
        FileHandle.standardError.write(Data("gep: region means: \(m)\n".utf8))
      }
    }
  }
}

/// An ecosystem class code from a code or the start of an English name (or the Chinese name)
/// of the set's classes.
///
/// - Throws: `ValidationError` listing the classes when none matches.
func ecosystemClassCode(_ s: String, in set: CoefficientSet) throws -> Int {
  if let c = Int(s), set.ecosystemClasses[c] != nil { return c }
  let lower = s.lowercased()
  if let c = set.ecosystemClasses.values.sorted(by: { $0.code < $1.code }).first(where: {
    $0.nameEN.lowercased().hasPrefix(lower) || $0.nameZH == s
  }) {
    return c.code
  }
  throw ValidationError(
    "unknown ecosystem class \"\(s)\"; classes: "
      + set.ecosystemClasses.values.sorted { $0.code < $1.code }
      .map { "\($0.code) \($0.nameEN)" }.joined(separator: ", "))
}

/// The profile of `set` against the implemented methods, as for every other command.
///
/// - Throws: `InputProblems` with every registry error, located in `dir`.
func checkProfileAgainstRegistry(_ set: CoefficientSet, _ dir: URL) throws {
  let registryErrors = MethodRegistry.builtIn.problems(of: set.profile).filter {
    $0.severity == .error
  }
  if !registryErrors.isEmpty {
    throw InputProblems(
      problems: registryErrors.map {
        Problem(
          .error, "coefficients.\($0.code.rawValue)", $0.message,
          at: ProblemLocation(
            file: dir.appendingPathComponent($0.location.file).path, row: $0.location.row,
            column: $0.location.column, value: $0.location.value))
      })
  }
}
