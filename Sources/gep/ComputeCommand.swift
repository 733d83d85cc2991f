import ArgumentParser
import Foundation
import GEPCore
import GEPGeo
import GEPPipeline

/// `gep compute RUN_FILE`: the yearly GEP account.
struct ComputeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compute",
    abstract: "Compute the yearly GEP account of the units of a run file.",
    discussion: """
      Reads the run file (TOML; see docs/run-file.md), computes every indicator of the profile \
      per grid cell in parallel, rolls villages up to townships and the county, and writes \
      summary.csv, indicators.csv, units.geojson and manifest.json (and rasters/ with \
      --rasters; report.html and account.xlsx with --report, see 'gep report') into the output \
      folder, atomically: complete or absent.

      With --shard I/N only shard I of N (0 ≤ I < N) is computed: a fixed run of the grid's \
      tiles, balanced by valid land-use cells, whose exact per-zone sums go, with the run's \
      fingerprint, to OUT/shard-IIII-of-NNNN.gep-part (OUT: --out, default the run's output \
      + "-parts"), written atomically; no account is written. 'gep merge' makes the account \
      from the N parts; 'gep slurm' writes the array job that does both.

      With --units CODE only the part of one unit of the layer (a county, township or \
      village code) is computed: its villages' sums over the tiles its bounding box meets, \
      written to OUT/units-LEVEL-CODE.gep-part. The parts of every unit of that level plus \
      '--units unassigned:LEVEL' (the villages under no unit of the level and the tiles no \
      unit's box meets) merge with 'gep merge' to the single run's account, byte for byte: a \
      provincial office can run its counties on separate machines.

      Every input is checked first, as by 'gep validate'; when a check finds an error nothing \
      is written. An interrupt (Ctrl-C, SIGINT) or SIGTERM removes the unfinished output.

      Exit codes: 0 success; 1 input problems (all listed on stderr) or computation failure \
      (e.g. no space or no permission to write; nothing partial is left); 64 usage error; 130 \
      interrupted (SIGINT); 143 terminated (SIGTERM).
      """)

  @Argument(help: "The run file (gep.toml).")
  var runFile: String

  @Option(help: "Output folder. Default: the run file's `output`.")
  var out: String?

  @Option(help: "Worker threads. Default: the number of cores.")
  var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "Tile edge in cells. Default: 256 rounded to the land-use raster's block size.")
  var tileSize: Int?

  @Flag(help: "Also write per-indicator GeoTIFFs (value density in yuan/hm², quantity per cell).")
  var rasters = false

  @Flag(help: "Replace an existing output folder.")
  var overwrite = false

  @Flag(help: "Start CSV files with a UTF-8 byte-order mark, as Excel/WPS need for Chinese text.")
  var bom = false

  @Flag(help: "Also write units.gpkg (GeoPackage) next to units.geojson.")
  var gpkg = false

  @Flag(help: "Also write report.html (map and cockpit) and account.xlsx (see 'gep report').")
  var report = false

  @Flag(
    help: ArgumentHelp(
      "Also write the SEEA EA tables (see 'gep export seea') into OUT-seea beside the account.",
      discussion: "With a multi-year run file: OUT/seea/, the last year against the first."))
  var seea = false

  @Flag(help: "Print nothing on stderr but errors.")
  var quiet = false

  @Option(
    help: ArgumentHelp(
      "Compute only shard I of N (0-based: 0/4 … 3/4) and write its part file into --out.",
      valueName: "I/N"))
  var shard: String?

  @Option(
    help: ArgumentHelp(
      "Compute only the part of one unit (county, township or village code), or of "
        + "'unassigned:LEVEL', and write its part file into --out.",
      valueName: "CODE"))
  var units: String?

  func validate() throws {
    if shard != nil, units != nil {
      throw ValidationError("give --shard I/N or --units CODE, not both")
    }
    if units != nil {
      for (flag, on) in [("--rasters", rasters), ("--report", report), ("--gpkg", gpkg)] where on {
        throw ValidationError(
          "--units writes a part file, not an account: \(flag) is for gep merge")
      }
    }
    if let shard {
      guard ShardSpec(shard) != nil else {
        throw ValidationError("--shard must be I/N with 0 ≤ I < N (e.g. 0/4), not '\(shard)'")
      }
      for (flag, on) in [("--rasters", rasters), ("--report", report), ("--gpkg", gpkg)] where on {
        throw ValidationError(
          "--shard writes a part file, not an account: \(flag) is for gep merge")
      }
    }
    if threads < 1 { throw ValidationError("--threads must be at least 1") }
    if let t = tileSize, t < 16 { throw ValidationError("--tile-size must be at least 16 cells") }
  }

  func run() throws {
    let quiet = self.quiet
    let log: @Sendable (String) -> Void = { line in
      if !quiet { FileHandle.standardError.write(Data("gep: \(line)\n".utf8)) }
    }
    let signals = installInterruptHandlers()
    defer { withExtendedLifetime(signals) {} }
    let bar = ProgressBar()
    var tileBar: (@Sendable (Int, Int) -> Void)? = nil
    if !quiet && isatty(2) != 0 {
      tileBar = { @Sendable done, total in bar.update(done, total) }
    }
    try reportingFailures {
      let config = try RunConfiguration.load(path: runFile)
      if !config.years.isEmpty {
        if shard != nil || units != nil {
          throw ValidationError(
            "\(shard != nil ? "--shard" : "--units") is for a one-year run file; this one has "
              + "[years]")
        }
        try runYears(config, log: log, tiles: tileBar)
        return
      }
      if let spec = shard.flatMap(ShardSpec.init) {
        let r = try ComputeJob.shard(
          config: config,
          options: ComputeOptions(output: out, threads: threads, tileSize: tileSize),
          shard: spec, progress: log, tiles: tileBar)
        log(
          "shard \(spec): \(r.tiles) of \(r.tileCount) tiles, \(r.cells) cells (\(r.validCells) "
            + "valid) in \(String(format: "%.2f", r.seconds)) s; part (\(r.bytes) bytes) in "
            + r.part)
        return
      }
      if let units {
        let r = try ComputeJob.unitShard(
          config: config,
          options: ComputeOptions(output: out, threads: threads, tileSize: tileSize),
          unit: units, progress: log, tiles: tileBar)
        log(
          "part \(units): \(r.tiles) of \(r.tileCount) tiles read, \(r.cells) cells counted "
            + "(of the tiles it owns) in "
            + "\(String(format: "%.2f", r.seconds)) s; part (\(r.bytes) bytes) in \(r.part)")
        return
      }
      let result = try ComputeJob.run(
        config: config,
        options: ComputeOptions(
          output: out, threads: threads, tileSize: tileSize, writeRasters: rasters,
          overwrite: overwrite, bom: bom, geoPackage: gpkg, report: report),
        progress: log,
        tiles: tileBar)
      for w in result.warnings { log(w.description) }
      if let county = result.account.units.first(where: { $0.unit.level == .county }) {
        log(consoleSummary(county, account: result.account))
      }
      log(
        "\(result.cells) cells in \(String(format: "%.2f", result.seconds)) s; account in "
          + result.output)
      if seea {
        let r = try SEEAExport.run(
          account: result.output,
          options: SEEAExportOptions(overwrite: overwrite, bom: bom))
        for w in r.warnings { log(w.description) }
        log("SEEA tables in \(r.output)")
      }
    }
  }
}

extension ComputeCommand {
  /// A multi-year run file (`[years.<Y>]`): `YearsJob` — one account per year into OUT/<Y>/,
  /// then the comparison of the first and last years into OUT/compare/ — with each year's
  /// county line and the county's change on stderr.
  func runYears(
    _ config: RunConfiguration, log: @escaping @Sendable (String) -> Void,
    tiles: (@Sendable (Int, Int) -> Void)?
  ) throws {
    let result = try YearsJob.run(
      config: config,
      options: ComputeOptions(
        output: out, threads: threads, tileSize: tileSize, writeRasters: rasters,
        overwrite: overwrite, bom: bom, geoPackage: gpkg),
      progress: log, tiles: tiles
    ) { y, result in
      for w in result.warnings { log(w.description) }
      if let county = result.account.units.first(where: { $0.unit.level == .county }) {
        log("\(y): " + consoleSummary(county, account: result.account))
      }
      log(
        "\(result.cells) cells in \(String(format: "%.2f", result.seconds)) s; account in "
          + result.output)
    }
    if let comparison = result.comparison {
      for line in compareConsoleLines(comparison) { log(line) }
    }
    if seea, let first = result.accounts.first, let last = result.accounts.last {
      let root = URL(fileURLWithPath: last.result.output).deletingLastPathComponent()
      let r = try SEEAExport.run(
        account: last.result.output,
        options: SEEAExportOptions(
          output: root.appendingPathComponent("seea").path,
          opening: result.accounts.count > 1 ? first.result.output : nil, overwrite: overwrite,
          bom: bom))
      for w in r.warnings { log(w.description) }
      let basis = r.extentBasis.map { " (extent change: \($0.rawValue))" } ?? ""
      log("SEEA tables in \(r.output)\(basis)")
    }
  }
}

/// Installs SIGINT and SIGTERM handlers (`DispatchSource.makeSignalSource`) that remove every
/// unfinished output folder of the process (`OutputFolder.discardAllInProgress()`) and exit
/// with 128 + the signal number (130, 143). The sources must be kept alive while the run lasts.
func installInterruptHandlers() -> [any DispatchSourceSignal] {
  [(SIGINT, "interrupted"), (SIGTERM, "terminated")].map { sig, word in
    signal(sig, SIG_IGN)
    let source = DispatchSource.makeSignalSource(
      signal: sig, queue: DispatchQueue.global(qos: .userInitiated))
    source.setEventHandler {
      OutputFolder.discardAllInProgress()
      FileHandle.standardError.write(
        Data("gep: \(word); the unfinished output was removed\n".utf8))
      _exit(128 + sig)
    }
    source.resume()
    return source
  }
}

/// The county's line on the console: GEP and each category in 亿元, a category whose lines
/// were all not computed as "not computed" (never 0.00), then whether the account is complete
/// and which profile indicators are not computed, partial or not applicable.
func consoleSummary(_ county: UnitAccount, account: Account) -> String {
  let yi = UnitConversion.yi
  func category(_ c: IndicatorCategory) -> String {
    county.categoryComputed(c)
      ? String(format: "%.2f", county.categoryValue(c).value / yi) : "not computed"
  }
  let code = county.unit.name == county.unit.code ? "" : " " + county.unit.code
  var line =
    "\(county.unit.name)\(code) GEP " + String(format: "%.2f", county.gep.value / yi)
    + " 亿元 (material \(category(.material)), regulating \(category(.regulating)), cultural "
    + "\(category(.cultural)))"
  let c = account.completeness(of: county)
  line += c.complete ? "; complete" : "; incomplete"
  if !c.notComputed.isEmpty { line += "; not computed: " + c.notComputed.joined(separator: ", ") }
  if !c.partial.isEmpty { line += "; partial: " + c.partial.joined(separator: ", ") }
  let notApplicable = account.profileIndicators.map(\.id).filter {
    county.indicatorStatus($0) == .notApplicable
  }
  if !notApplicable.isEmpty { line += "; not applicable: " + notApplicable.joined(separator: ", ") }
  return line
}
