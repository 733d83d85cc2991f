import ArgumentParser
import Foundation
import GEPCore
import GEPPipeline

/// `gep uncertainty RUN_FILE`: Monte Carlo intervals and sensitivity of the account (issue 18).
struct UncertaintyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "uncertainty",
    abstract: "Monte Carlo intervals and sensitivity of the account over coefficient ranges.",
    discussion: """
      Draws every coefficient and price row with a low-high range (triangular on [low, high] \
      with the value as mode, unless --distributions declares uniform, normal with an sd, or \
      fixed, and correlation groups), evaluates each draw's account from sufficient sums of \
      one raster pass, and writes uncertainty.csv (per unit and indicator: point, mean, P5, \
      P50, P95 of quantity and value, and of GEP), sensitivity.csv (tornado: GEP of each \
      county-level unit with each row at its low and high, the others at their values; \
      first-order and total Sobol indices, Saltelli/Jansen estimators) and uncertainty-run.csv \
      (seed, draws, rows), atomically. The same seed gives byte-identical files for any \
      --threads.

      Exit codes: 0 success; 1 input problems (all listed on stderr) or failure; 64 usage error.
      """)

  @Argument(help: "The run file (gep.toml).")
  var runFile: String

  @Option(help: "Monte Carlo draws for uncertainty.csv.")
  var draws: Int = 1000

  @Option(help: "Base sample size N of the Sobol design (N·(k+2) accounts); 0: tornado only.")
  var sobolDraws: Int = 500

  @Option(help: "Seed of the draws (SplitMix64).")
  var seed: UInt64 = 1

  @Option(help: "Output folder. Default: the run file's `output` followed by -uncertainty.")
  var out: String?

  @Option(help: "Distribution table: CSV file,key,distribution,sd,group (see README).")
  var distributions: String?

  @Option(help: "Worker threads. Default: the number of cores.")
  var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "Tile edge in cells. Default: as gep compute.")
  var tileSize: Int?

  @Flag(help: "Replace an existing output folder.")
  var overwrite = false

  @Flag(help: "Print nothing on stderr but errors.")
  var quiet = false

  func validate() throws {
    if threads < 1 { throw ValidationError("--threads must be at least 1") }
    if draws < 2 { throw ValidationError("--draws must be at least 2") }
    if sobolDraws < 0 { throw ValidationError("--sobol-draws must be 0 or more") }
    if let t = tileSize, t < 16 { throw ValidationError("--tile-size must be at least 16 cells") }
  }

  func run() throws {
    let quiet = self.quiet
    let log: @Sendable (String) -> Void = { line in
      if !quiet { FileHandle.standardError.write(Data("gep: \(line)\n".utf8)) }
    }
    let signals = installInterruptHandlers()
    defer { withExtendedLifetime(signals) {} }
    try reportingFailures {
      let config = try RunConfiguration.load(path: runFile)
      var options = UncertaintyOptions()
      options.draws = draws
      options.sobolDraws = sobolDraws
      options.seed = seed
      options.output = out
      options.threads = threads
      options.tileSize = tileSize
      options.overwrite = overwrite
      options.distributions = distributions
      let result = try UncertaintyJob.run(config: config, options: options, progress: log)
      for w in result.warnings { log(w.description) }
      let yi = UnitConversion.yi
      func f(_ x: Double) -> String { String(format: "%.2f", x / yi) }
      for c in result.counties {
        log(
          "\(c.name) \(c.code) GEP \(f(c.point)) 亿元; over \(draws) draws mean \(f(c.mean)), "
            + "P5–P95 \(f(c.p5))–\(f(c.p95)) (P50 \(f(c.p50))) 亿元")
        for (i, t) in c.tornado.prefix(5).enumerated() {
          log(
            "  \(i + 1). \(t.label): swing \(f(t.swing)) 亿元"
              + (t.total.map { String(format: ", total Sobol %.3f", $0) } ?? ""))
        }
      }
      log(
        "\(result.coefficients.count) drawn rows; pass \(String(format: "%.2f", result.passSeconds)) s, "
          + "\(draws) draws \(String(format: "%.2f", result.drawSeconds)) s, tornado + Sobol "
          + "\(String(format: "%.2f", result.sensitivitySeconds)) s; outputs in \(result.output)")
    }
  }
}
