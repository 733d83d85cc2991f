import Dispatch
import Foundation
import GEPCore
import GEPGeo
import Synchronization

/// Options of `gep uncertainty`.
public struct UncertaintyOptions: Sendable {
  /// Monte Carlo draws for uncertainty.csv (≥ 2).
  public var draws: Int = 1000
  /// Base sample size N of the Sobol design (N·(k + 2) accounts for k factors); 0: no Sobol
  /// indices (tornado only).
  public var sobolDraws: Int = 500
  /// Seed of the draws (SplitMix64).
  public var seed: UInt64 = 1
  /// Output folder (default: the run's output folder + `-uncertainty`).
  public var output: String? = nil
  /// Worker threads (pass and draws); the outputs do not depend on it.
  public var threads: Int = 1
  /// Tile edge in cells (default: as `gep compute`).
  public var tileSize: Int? = nil
  /// Replace an existing output folder.
  public var overwrite: Bool = false
  /// The distribution table (`parseDistributionTable`), or nil: every ranged row triangular.
  public var distributions: String? = nil
  /// The implemented methods.
  public var registry: MethodRegistry = .builtIn
  /// Creates the defaults.
  public init() {}
}

/// The county line of `gep uncertainty` (for the console and the README).
public struct UncertaintySummary: Sendable {
  /// The unit (a county-level unit).
  public var code: String
  /// Its name.
  public var name: String
  /// GEP of the point account (the coefficients at their values), yuan.
  public var point: Double
  /// Mean, P5, P50, P95 of GEP over the draws, yuan.
  public var mean: Double
  /// See `mean`.
  public var p5: Double
  /// See `mean`.
  public var p50: Double
  /// See `mean`.
  public var p95: Double
  /// The coefficients by tornado swing (|GEP(high) − GEP(low)|), largest first: label and swing.
  public var tornado: [(label: String, swing: Double, total: Double?)]
}

/// The result of `gep uncertainty`.
public struct UncertaintyResult: Sendable {
  /// The output folder.
  public var output: String
  /// Per county-level unit, its summary.
  public var counties: [UncertaintySummary]
  /// Drawn rows.
  public var coefficients: [UncertainCoefficient]
  /// Seconds: the raster pass (with inputs and warping), the Monte Carlo draws, tornado and
  /// Sobol design.
  public var passSeconds: Double
  /// See `passSeconds`.
  public var drawSeconds: Double
  /// See `passSeconds`.
  public var sensitivitySeconds: Double
  /// Warnings.
  public var warnings: [Problem]
  /// Cells of the raster pass.
  public var cells: Int = 0
}

/// Uncertainty and sensitivity of the account (不确定性与敏感性分析, issue 18): one raster pass
/// stores the point account's zone sums and the sufficient sums of every per-cell method
/// (`SufficientSumsChannel`); each Monte Carlo draw of the coefficients and prices is then
/// evaluated without reading a raster — the per-cell methods by their sums, the unit-level
/// stages (material products, capped services, tables, roll-up) by `gep compute`'s own code on
/// the drawn coefficient set — so a draw's account equals `gep compute` run with the drawn
/// values written to a coefficient folder.
///
/// Writes `uncertainty.csv` (per unit and indicator line: point, mean, P5, P50, P95 of the
/// quantity and the value; one `gep` line per unit) and `sensitivity.csv` (per county-level
/// unit and drawn row: GEP at the row's low and high with the others at their values, the
/// swing, and first-order and total Sobol indices of its factor), atomically.
public enum UncertaintyJob {
  /// Runs the analysis.
  ///
  /// - Throws: `InputProblems`: the input problems of `gep compute`, a bad distribution table
  ///   (`uncertainty.distributions`), a run that draws an input of a method not linear in its
  ///   coefficients (`uncertainty.nonlinear-method`), I/O failures.
  public static func run(
    config: RunConfiguration, options: UncertaintyOptions,
    progress: @escaping @Sendable (String) -> Void = { _ in }
  ) throws(InputProblems) -> UncertaintyResult {
    do {
      return try stages(config: config, options: options, progress: progress)
    } catch let e as InputProblems {
      throw e
    } catch {
      throw InputProblems(failure: error)
    }
  }

  static func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }

  /// The point account, the drawn rows and the evaluator of draws, after the one raster pass.
  struct Prepared {
    var rows: [UncertainCoefficient]
    var evaluator: DrawEvaluator
    var pointAccount: Account
    var layout: AccountLayout
    var diagnostics: Diagnostics
    var cells: Int
  }

  /// Checks the inputs, reads the drawn rows and runs the raster pass (`runSufficientPass`).
  static func prepare(
    config: RunConfiguration, options: UncertaintyOptions,
    progress: @escaping @Sendable (String) -> Void
  ) throws -> Prepared {
    let start = ContinuousClock().now
    guard options.draws >= 2 else {
      throw InputProblems(problems: [
        Problem(.error, "uncertainty.draws", "--draws must be at least 2 (got \(options.draws))")
      ])
    }
    var d = Diagnostics()
    progress("checking the inputs")
    let validated = InputValidator(
      config: config,
      options: ValidationOptions(
        coefficientWarnings: false, threads: options.threads, registry: options.registry)
    ).run()
    d.append(validated.problems)
    if d.hasErrors { throw InputProblems(problems: d.problems) }
    guard let coefficients = validated.coefficients, let g = validated.grid,
      let units = validated.units
    else {
      throw InputProblems(
        problems: d.problems + [
          Problem(
            .error, "run.unreadable", "validation could not read the coefficients, grid or units")
        ])
    }
    // The drawn rows.
    var declared: [String: DistributionDeclaration] = [:]
    if let path = options.distributions {
      do {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        declared = try parseDistributionTable(text, file: path)
      } catch let e as UncertaintyDeclarationError {
        throw InputProblems(
          problems: e.messages.map {
            Problem(.error, "uncertainty.distributions", $0, at: ProblemLocation(file: path))
          })
      } catch {
        throw InputProblems(problems: [
          Problem(
            .error, "uncertainty.distributions", "cannot read the distribution table: \(error)",
            at: ProblemLocation(file: path))
        ])
      }
    }
    let rows: [UncertainCoefficient]
    do {
      rows = try coefficients.uncertainCoefficients(
        declared: declared, tableFile: options.distributions ?? "distributions")
    } catch {
      throw InputProblems(
        problems: error.messages.map {
          Problem(
            .error, "uncertainty.distributions", $0,
            at: ProblemLocation(file: config.coefficientsFolder))
        })
    }
    let build = ModelBuilder(config: config, registry: options.registry)
    var model = build.model(coefficients)
    for n in model.notes where n.code != "indicator.missing-input" {
      d.warning(n.code, n.message, at: n.location)
    }
    // A method that is not linear in its coefficients (RWEQ) may not have a drawn input.
    var nonlinear: [Problem] = []
    for (k, ind) in model.indicators.enumerated()
    where !(model.channels[k] is any SufficientSumsChannel) {
      guard let p = coefficients.profile.indicator(ind.id),
        let desc = options.registry.descriptor(indicator: p.id, method: p.method)
      else { continue }
      let tables = Set(desc.classParameters.map { String($0.split(separator: ".")[0]) + ".csv" })
      let parameters = Set(desc.parameters.map(\.id))
      let prices = Set(desc.prices + p.priceIDs)
      for r in rows {
        let reads: Bool
        switch r.place {
        case .classRow: reads = tables.contains(r.file)
        case .parameter(let id): reads = parameters.contains(id)
        case .price(let id): reads = prices.contains(id)
        }
        if reads {
          nonlinear.append(
            Problem(
              .error, "uncertainty.nonlinear-method",
              "\(ind.id) (method \(p.method)) is not linear in its coefficients, so its sums "
                + "cannot be re-evaluated per draw, and the run draws its input \(r.label): "
                + "give the row no range (or declare it fixed in --distributions), or compute "
                + "the draws with gep compute on drawn coefficient folders",
              at: ProblemLocation(file: config.coefficientsFolder + "/" + r.file, row: r.line)))
        }
      }
    }
    if !nonlinear.isEmpty { throw InputProblems(problems: d.problems + nonlinear) }
    // Work folder for derivations and warps.
    let work = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gep-uncertainty-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64(start.hashValue.magnitude))"
    )
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }
    var rasters = config.rasters
    let derived = try runDerivations(config, work: work, progress: progress)
    let (derivedProblems, _) = derivedRangeProblems(derived)
    if !derivedProblems.isEmpty { throw InputProblems(problems: d.problems + derivedProblems) }
    for (role, r) in derived { rasters[role] = r }
    let (rolePaths, slopeSlot) = try modelInputsOnGrid(
      roles: model.roles, rasters: rasters, grid: g, work: work, progress: progress)
    let before = model.notApplicable
    for n in try applyNotApplicableBounds(&model, paths: rolePaths, config: config) {
      d.warning(n.code, n.message, at: n.location)
    }
    let marked = model.channels.indices.filter {
      $0 < model.notApplicable.count
        && ($0 >= before.count || model.notApplicable[$0] != before[$0])
    }
    var level1Of: [Int: Int] = [:]
    for code in coefficients.ecosystemClasses.keys {
      level1Of[code] = coefficients.classChain(code).last ?? code
    }
    let level1Codes = coefficients.ecosystemClasses.values.filter { $0.level == 1 }.map(\.code)
      .sorted()
    let level1Index = Dictionary(uniqueKeysWithValues: level1Codes.enumerated().map { ($1, $0) })
    let codeLevel1 = model.classOfCode.map { cls in
      guard cls >= 0, let l1 = level1Of[cls], let i = level1Index[l1] else { return -1 }
      return i
    }
    let lu = try RasterDataset(path: config.landUse.path).band(config.landUse.band)
    let block = lu.blockSize
    let tileW = options.tileSize ?? max(block.width, (256 / max(1, block.width)) * block.width)
    let tileH = options.tileSize ?? max(block.height, (256 / max(1, block.height)) * block.height)
    let tiles = blockPlan(width: g.width, height: g.height, tileWidth: tileW, tileHeight: tileH)
    let zoneIndices = (0..<units.villages.count).map(Int32.init)
    let zones: ZoneAssignment =
      switch config.units.coverage {
      case .centre:
        .centre(ZoneRasterizer(grid: g, geometries: units.geometries, zones: zoneIndices))
      case .exact:
        .exact(
          try ZoneCoverage(
            grid: g, geometries: units.geometries, zones: zoneIndices,
            outside: Int32(units.villages.count)))
      }
    // θ ranges of clamped channels: the models at the lower and upper ends of every row.
    let lowerModel = build.model(
      coefficients.setting(rows, rows.map { $0.distribution.support.lower }), marked: marked)
    let upperModel = build.model(
      coefficients.setting(rows, rows.map { $0.distribution.support.upper }), marked: marked)
    let clamps = ClampRanges(
      ranges: model.channels.indices.map { k in
        guard let ch = model.channels[k] as? any SufficientSumsChannel,
          let lo = lowerModel.channels[k] as? any SufficientSumsChannel,
          let hi = upperModel.channels[k] as? any SufficientSumsChannel
        else { return [] }
        return model.classOfCode.indices.map { code -> (Double, Double)? in
          guard let t = ch.clampCoefficient(code: code), !t.isNaN else { return nil }
          let a = lo.clampCoefficient(code: code) ?? t
          let b = hi.clampCoefficient(code: code) ?? t
          return (min(a, b, t), max(a, b, t))
        }
      })
    progress(
      "computing the sufficient sums of \(g.width)×\(g.height) cells in \(tiles.count) tiles")
    let (point, passSums) = try runSufficientPass(
      grid: g,
      inputs: GridInputs(
        landUse: (config.landUse.path, config.landUse.band), roles: rolePaths,
        slopeFromDEMSlot: slopeSlot),
      model: model, zones: zones, villageCount: units.villages.count, level1Of: level1Of,
      level1Codes: level1Codes, tiles: tiles, threads: options.threads, clamps: clamps)
    var extra = passSums
    extra.compile(codeLevel1: codeLevel1)
    let evaluator = DrawEvaluator(
      coefficients: coefficients, rows: rows, build: build, marked: marked, point: point,
      extra: extra, codeLevel1: codeLevel1, units: units, config: config, gridCRS: g.crs)
    var pointDiagnostics = Diagnostics()
    let pointAccount = try buildAccount(
      sums: point, units: units, model: model, coefficients: coefficients, config: config,
      gridCRS: g.crs, diagnostics: &pointDiagnostics)
    d.append(pointDiagnostics.problems.filter { $0.severity == .warning })
    let layout = AccountLayout(pointAccount)
    var evaluatorOut = evaluator
    // The fast roll-up, where the unit-level stages allow it, checked against buildAccount.
    let unitReads = coefficients.profile.indicators.contains { p in
      guard let desc = options.registry.descriptor(indicator: p.id, method: p.method),
        desc.scope == .unit
      else { return false }
      return rows.contains { r in
        switch r.place {
        case .classRow: desc.classParameters.contains { $0.hasPrefix(r.file.dropLast(4) + ".") }
        case .parameter(let id): desc.parameters.contains { $0.id == id }
        case .price(let id): desc.prices.contains(id) || p.priceIDs.contains(id)
        }
      }
    }
    if !unitReads && config.tables["emissions"] == nil && config.tables["reservoirs"] == nil {
      let checks =
        [rows.map(\.value)]
        + [0.1, 0.9].map { u in
          rows.map { $0.distribution.quantile(u) }
        }
      var full = [[Double]](repeating: [Double](repeating: 0, count: layout.slots), count: 3)
      for i in 0..<3 {
        full[i].withUnsafeMutableBufferPointer {
          layout.numbers((try? evaluator.account(checks[i])) ?? pointAccount, into: $0.baseAddress!)
        }
      }
      if var fast = RollUp(
        account: pointAccount, model: model, units: units, layout: layout, base: full[0])
      {
        var agree = true
        var trial = evaluator
        trial.rollUp = fast
        for i in 0..<3 {
          var mine = [Double](repeating: 0, count: layout.slots)
          try mine.withUnsafeMutableBufferPointer {
            try trial.numbers(checks[i], layout: layout, into: $0.baseAddress!)
          }
          for (a, b) in zip(mine, full[i]) where !(a.isNaN && b.isNaN) {
            if !(abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + 1e-6) { agree = false }
          }
        }
        if agree {
          fast = RollUp(
            account: pointAccount, model: model, units: units, layout: layout, base: full[0])!
          evaluatorOut.rollUp = fast
          // The linear form of the cell lines, checked against the roll-up at the check draws.
          if let linear = LinearDraws(
            model: model,
            bind: { build.model(coefficients.setting(rows, $0), marked: marked) }, rows: rows,
            extra: extra, rollUp: fast, layout: layout)
          {
            var viaLinear = evaluatorOut
            viaLinear.linear = linear
            var agreeLinear = true
            for i in 0..<3 {
              var a = [Double](repeating: .nan, count: layout.slots)
              var b = a
              try a.withUnsafeMutableBufferPointer {
                try evaluatorOut.numbers(checks[i], layout: layout, into: $0.baseAddress!)
              }
              try b.withUnsafeMutableBufferPointer {
                try viaLinear.numbers(checks[i], layout: layout, into: $0.baseAddress!)
              }
              for (x, y) in zip(a, b) where !(x.isNaN && y.isNaN) {
                if !(abs(x - y) <= 1e-12 * max(abs(x), abs(y)) + Double(point.cells) * 0x1p-41) {
                  agreeLinear = false
                }
              }
            }
            if agreeLinear { evaluatorOut.linear = linear }
          }
          if evaluatorOut.linear == nil {
            d.warning(
              "uncertainty.no-linear-form",
              "a channel coefficient is not affine in the drawn rows (e.g. the product of two "
                + "drawn rows): every draw rebinds the methods (slower)",
              at: ProblemLocation(file: config.runFile))
          }
        } else {
          d.warning(
            "uncertainty.full-accounts",
            "the roll-up of the cell lines differs from the full account at a check draw; "
              + "every draw runs the whole account (slower)",
            at: ProblemLocation(file: config.runFile))
        }
      }
    }
    return Prepared(
      rows: rows, evaluator: evaluatorOut, pointAccount: pointAccount, layout: layout,
      diagnostics: d, cells: point.cells)
  }

  static func stages(
    config: RunConfiguration, options: UncertaintyOptions,
    progress: @escaping @Sendable (String) -> Void
  ) throws -> UncertaintyResult {
    let clock = ContinuousClock()
    let start = clock.now
    let prepared = try prepare(config: config, options: options, progress: progress)
    let passDone = clock.now
    let rows = prepared.rows
    let evaluator = prepared.evaluator
    let pointAccount = prepared.pointAccount
    let layout = prepared.layout
    let d = prepared.diagnostics
    // Factors: one per correlation group, one per ungrouped row.
    var factorOf: [Int] = []
    var groupFactor: [String: Int] = [:]
    var factors = 0
    for r in rows {
      if let gname = r.group {
        if let f = groupFactor[gname] {
          factorOf.append(f)
        } else {
          groupFactor[gname] = factors
          factorOf.append(factors)
          factors += 1
        }
      } else {
        factorOf.append(factors)
        factors += 1
      }
    }
    func values(_ u: [Double]) -> [Double] {
      rows.indices.map { rows[$0].distribution.quantile(u[factorOf[$0]]) }
    }
    // Monte Carlo draws: the uniform numbers in draw order from the seed, then the accounts in
    // parallel, each written to its own slot.
    progress("evaluating \(options.draws) draws of \(rows.count) coefficients")
    var rng = SplitMix64(seed: options.seed)
    let uniforms = (0..<options.draws).map { _ in (0..<factors).map { _ in rng.openUniform() } }
    let samples = try evaluator.evaluate(
      uniforms.map(values), layout: layout, threads: options.threads)
    let drawsDone = clock.now
    // Tornado: each row at its low and high, the others at their values.
    progress("tornado and Sobol indices")
    let countyUnits = layout.units.indices.filter { layout.units[$0].level == .county }
    var tornadoSets: [[Double]] = []
    for i in rows.indices {
      for end in [rows[i].low, rows[i].high] {
        var v = rows.map(\.value)
        v[i] = end
        tornadoSets.append(v)
      }
    }
    let tornado = try evaluator.evaluate(tornadoSets, layout: layout, threads: options.threads)
    // Sobol (Saltelli design): A, B and A_B(i) for each factor; county GEP only.
    var sobol: [[(first: Double?, total: Double?)]] = countyUnits.map { _ in [] }
    if options.sobolDraws > 1 && factors > 0 {
      let n = options.sobolDraws
      let (a, b) = saltelliDesign(
        factors: factors, n: n, seed: SplitMix64.mix(options.seed ^ 0x5A17_E111))
      var sets = a.map(values) + b.map(values)
      for f in 0..<factors {
        for j in 0..<n {
          var u = a[j]
          u[f] = b[j][f]
          sets.append(values(u))
        }
      }
      let out = try evaluator.gepSamples(
        sets, units: countyUnits, layout: layout, threads: options.threads)
      let m = countyUnits.count
      for ci in countyUnits.indices {
        let fa = (0..<n).map { out[$0 * m + ci] }
        let fb = (0..<n).map { out[(n + $0) * m + ci] }
        let fab = (0..<factors).map { f in
          (0..<n).map { out[((2 + f) * n + $0) * m + ci] }
        }
        sobol[ci] = sobolIndices(a: fa, b: fb, ab: fab)
      }
    }
    let sensitivityDone = clock.now
    // Outputs.
    let outPath = options.output ?? (config.output + "-uncertainty")
    let out = try OutputFolder(
      path: outPath, overwrite: options.overwrite, inputs: manifestFiles(config).map(\.path))
    try uncertaintyCSV(
      layout: layout, point: pointAccount, samples: samples, threads: options.threads
    ).write(
      to: out.file("uncertainty.csv"), atomically: false, encoding: .utf8)
    var summaries: [UncertaintySummary] = []
    var sens = csvLine([
      "unit_code", "unit_name", "file", "key", "unit", "value", "low", "high", "distribution",
      "group", "gep_at_low_yuan", "gep_at_high_yuan", "swing_yuan", "rank", "sobol_first",
      "sobol_total",
    ])
    for (ci, unit) in countyUnits.enumerated() {
      let slot = layout.gepSlot(unit)
      let u = layout.units[unit]
      var lines: [(Int, Double, Double, Double)] = []
      for i in rows.indices {
        let lo = tornado.value(draw: 2 * i, slot: slot)
        let hi = tornado.value(draw: 2 * i + 1, slot: slot)
        lines.append((i, lo, hi, abs(hi - lo)))
      }
      let ranked = lines.sorted { ($0.3, -$0.0) > ($1.3, -$1.0) }
      for (rank, l) in ranked.enumerated() {
        let r = rows[l.0]
        let s: (first: Double?, total: Double?) =
          ci < sobol.count && factorOf[l.0] < sobol[ci].count
          ? sobol[ci][factorOf[l.0]] : (nil, nil)
        sens += csvLine([
          u.code, u.name, r.file, r.key, r.unit, formatNumber(r.value), formatNumber(r.low),
          formatNumber(r.high), distributionName(r.distribution), r.group ?? "",
          formatNumber(l.1), formatNumber(l.2), formatNumber(l.3), String(rank + 1),
          s.first.map(formatNumber) ?? "", s.total.map(formatNumber) ?? "",
        ])
      }
      let g = (0..<options.draws).map { samples.value(draw: $0, slot: slot) }.sorted()
      summaries.append(
        UncertaintySummary(
          code: u.code, name: u.name, point: pointAccount.units[unit].gep.value,
          mean: g[0] + g.reduce(0) { $0 + ($1 - g[0]) } / Double(g.count),
          p5: sampleQuantile(sorted: g, 0.05),
          p50: sampleQuantile(sorted: g, 0.5), p95: sampleQuantile(sorted: g, 0.95),
          tornado: ranked.map {
            (
              rows[$0.0].label, $0.3,
              ci < sobol.count && factorOf[$0.0] < sobol[ci].count
                ? sobol[ci][factorOf[$0.0]].total : nil
            )
          }))
    }
    try sens.write(to: out.file("sensitivity.csv"), atomically: false, encoding: .utf8)
    var run = csvLine(["key", "value"])
    for (k, v) in [
      ("run_file", config.runFile), ("coefficients", config.coefficientsFolder),
      ("profile", config.profile), ("draws", String(options.draws)),
      ("sobol_base_draws", String(options.sobolDraws)), ("seed", String(options.seed)),
      ("generator", "SplitMix64"), ("quantiles", "Hyndman-Fan 7 (linear between order statistics)"),
      ("default_distribution", "triangular on [low, high], mode = value"),
      ("distributions", options.distributions ?? ""),
      ("drawn_rows", String(rows.count)), ("factors", String(factors)),
    ] {
      run += csvLine([k, v])
    }
    for r in rows {
      run += csvLine([
        "row",
        "\(r.label) \(distributionName(r.distribution)) \(r.group.map { "group \($0)" } ?? "")",
      ])
    }
    try run.write(to: out.file("uncertainty-run.csv"), atomically: false, encoding: .utf8)
    try out.commit()
    return UncertaintyResult(
      output: out.destination.path, counties: summaries, coefficients: rows,
      passSeconds: seconds(passDone - start), drawSeconds: seconds(drawsDone - passDone),
      sensitivitySeconds: seconds(sensitivityDone - drawsDone), warnings: d.warnings,
      cells: prepared.cells)
  }
}

/// The name of a distribution as written in sensitivity.csv.
func distributionName(_ d: CoefficientDistribution) -> String {
  switch d {
  case .uniform: "uniform"
  case .triangular: "triangular"
  case .normal(_, let s): "normal(sd \(formatNumber(s)))"
  case .fixed: "fixed"
  }
}

/// Binds the per-cell model as `gep compute` does, for any coefficient set of the run.
struct ModelBuilder: Sendable {
  let config: RunConfiguration
  let registry: MethodRegistry

  /// The model of `coefficients`, with the channels `marked` not applicable (the point run's
  /// whole-grid not-applicable bounds).
  func model(_ coefficients: CoefficientSet, marked: [Int] = []) -> CellModel {
    var m = CellModel.build(
      coefficients: coefficients, scheme: config.landUseScheme, roles: config.availableRoles,
      fvcIsPercent: config.rasters["fvc"]?.unit == "percent", file: config.coefficientsFolder,
      registry: registry, rasterUnits: config.rasterUnits, year: config.year,
      notApplicable: Set(config.notApplicable.keys))
    for k in marked where k < m.channels.count { m.markNotApplicable(k) }
    return m
  }
}

/// Where each number of an account goes in a draw's row of samples: per unit, each indicator
/// line's quantity and value, then its GEP (`slots` per draw). Lines are matched by position:
/// every draw's account has the point account's units and lines.
struct AccountLayout: Sendable {
  /// The units, in account order.
  let units: [AccountingUnit]
  /// Per unit, its lines (indicator, component, category, unit of quantity).
  let lines: [[(indicator: String, component: String, unit: String)]]
  /// Per unit, the slot of its first number.
  let first: [Int]
  /// Numbers per draw.
  let slots: Int

  init(_ account: Account) {
    units = account.units.map(\.unit)
    lines = account.units.map { $0.lines.map { ($0.indicator, $0.component, $0.physicalUnit) } }
    var f: [Int] = []
    var s = 0
    for l in lines {
      f.append(s)
      s += 2 * l.count + 1
    }
    first = f
    slots = s
  }

  /// Slot of unit `u`'s GEP.
  func gepSlot(_ u: Int) -> Int { first[u] + 2 * lines[u].count }

  /// The numbers of an account (NaN where a line has no quantity or value).
  func numbers(_ account: Account, into out: UnsafeMutablePointer<Double>) {
    for (u, unit) in account.units.enumerated() where u < units.count {
      var s = first[u]
      for i in 0..<lines[u].count {
        let l = i < unit.lines.count ? unit.lines[i] : nil
        out[s] = l?.quantity?.value ?? .nan
        out[s + 1] = l?.value?.value ?? .nan
        s += 2
      }
      out[s] = unit.gep.value
    }
  }
}

/// The numbers of many accounts: draw-major, `slots` per draw.
struct AccountSamples: Sendable {
  let slots: Int
  let draws: Int
  var numbers: [Double]
  func value(draw: Int, slot: Int) -> Double { numbers[draw * slots + slot] }
}

/// Evaluates accounts for drawn values of the rows, from the sufficient sums.
///
/// Shared read-only by the draw workers: the unit geometries (`UnitSet`, OGR handles) are only
/// read (`OGR_G_Contains` when a table locates rows by coordinates, which makes its own GEOS
/// context per call), so the unchecked conformance holds.
struct DrawEvaluator: @unchecked Sendable {
  let coefficients: CoefficientSet
  let rows: [UncertainCoefficient]
  let build: ModelBuilder
  let marked: [Int]
  let point: ZoneSums
  let extra: SufficientSums
  let codeLevel1: [Int]
  let units: UnitSet
  let config: RunConfiguration
  let gridCRS: SpatialReference

  /// The account of one draw (values in `rows` order).
  func account(_ values: [Double]) throws -> Account {
    let c = coefficients.setting(rows, values)
    let m = build.model(c, marked: marked)
    let sums = zoneSums(draw: m, point: point, extra: extra)
    var d = Diagnostics()
    return try buildAccount(
      sums: sums, units: units, model: m, coefficients: c, config: config, gridCRS: gridCRS,
      diagnostics: &d)
  }

  /// The rolled-up cell lines, when the unit-level stages do not depend on a drawn row or on
  /// the cell sums nonlinearly (`RollUp`); nil: every draw runs `buildAccount`.
  var rollUp: RollUp? = nil

  /// The linear form of the rolled-up cell lines in the drawn rows (`LinearDraws`), when every
  /// channel coefficient is affine in the rows; nil: each draw rebinds the methods.
  var linear: LinearDraws? = nil

  /// The numbers of one draw (`AccountLayout` slots): by the roll-up of the cell lines when
  /// `rollUp` is set, else from the draw's whole account.
  func numbers(
    _ values: [Double], layout: AccountLayout, into out: UnsafeMutablePointer<Double>
  ) throws {
    if let linear {
      let scratch = UnsafeMutablePointer<Double>.allocate(capacity: max(1, linear.coefficientCount))
      defer { scratch.deallocate() }
      values.withUnsafeBufferPointer {
        linear.numbers($0.baseAddress!, scratch: scratch, into: out)
      }
      return
    }
    guard let rollUp else {
      layout.numbers(try account(values), into: out)
      return
    }
    let m = build.model(coefficients.setting(rows, values), marked: marked)
    let (q, v, _) = extra.evaluate(m, classes: 0, withClasses: false)
    rollUp.numbers(quantity: q, value: v, zoneCount: extra.zoneCount, layout: layout, into: out)
  }

  /// The accounts of many draws, in parallel over `threads` workers; each draw's numbers go to
  /// its own row, so the result does not depend on the thread count.
  func evaluate(_ sets: [[Double]], layout: AccountLayout, threads: Int) throws -> AccountSamples {
    let count = sets.count
    let slots = layout.slots
    // The samples are written in place (one allocation, each page touched by the worker that
    // writes it): with the linear form every slot of a draw is written, so no NaN fill.
    var result = [Double](unsafeUninitializedCapacity: max(1, count * slots)) { b, n in
      if linear == nil { b.initialize(repeating: .nan) }
      n = max(1, count * slots)
    }
    let failure = Mutex<(any Error)?>(nil)
    let workers = max(1, min(threads, count))
    try result.withUnsafeMutableBufferPointer { buffer in
      let base = UncheckedPointer(buffer.baseAddress!)
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        var i = w
        if let linear {
          // The linear form: one scratch buffer per worker, nothing allocated per draw.
          let scratch = UnsafeMutablePointer<Double>.allocate(
            capacity: max(1, linear.coefficientCount))
          defer { scratch.deallocate() }
          while i < count {
            sets[i].withUnsafeBufferPointer {
              linear.numbers($0.baseAddress!, scratch: scratch, into: base.pointer + i * slots)
            }
            i += workers
          }
          return
        }
        while i < count {
          if failure.withLock({ $0 != nil }) { return }
          do {
            try numbers(sets[i], layout: layout, into: base.pointer + i * slots)
          } catch {
            failure.withLock { if $0 == nil { $0 = error } }
            return
          }
          i += workers
        }
      }
      if let e = failure.withLock({ $0 }) { throw e }
    }
    return AccountSamples(slots: slots, draws: count, numbers: result)
  }
}

extension DrawEvaluator {
  /// The GEP of the account units `units` for many draws (draw-major, `units.count` per
  /// draw), in parallel over `threads` workers; each draw's numbers go to its own row, so the
  /// result does not depend on the thread count. With the linear form only those units' lines
  /// are evaluated.
  func gepSamples(
    _ sets: [[Double]], units: [Int], layout: AccountLayout, threads: Int
  ) throws -> [Double] {
    guard let linear else {
      let all = try evaluate(sets, layout: layout, threads: threads)
      var out: [Double] = []
      out.reserveCapacity(sets.count * units.count)
      for d in 0..<sets.count {
        for u in units { out.append(all.value(draw: d, slot: layout.gepSlot(u))) }
      }
      return out
    }
    let count = sets.count
    let m = units.count
    let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, count * m))
    defer { buffer.deallocate() }
    buffer.initialize(repeating: .nan)
    let base = UncheckedPointer(buffer.baseAddress!)
    let workers = max(1, min(threads, count))
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      let scratch = UnsafeMutablePointer<Double>.allocate(
        capacity: max(1, linear.coefficientCount))
      defer { scratch.deallocate() }
      var i = w
      while i < count {
        sets[i].withUnsafeBufferPointer {
          linear.gep($0.baseAddress!, units: units, scratch: scratch, into: base.pointer + i * m)
        }
        i += workers
      }
    }
    return Array(buffer)
  }
}

/// A raw pointer moved to worker threads that write disjoint ranges of it.
struct UncheckedPointer: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Double>
  init(_ p: UnsafeMutablePointer<Double>) { pointer = p }
}

/// uncertainty.csv: per unit and indicator line, the point quantity and value and the mean, P5,
/// P50 and P95 over the draws; then a `gep` line per unit. A number that is not computed in the
/// point account is empty, never 0.
func uncertaintyCSV(
  layout: AccountLayout, point: Account, samples: AccountSamples, threads: Int = 1
) -> String {
  let statistics = slotStatistics(samples, threads: threads)
  var out = csvLine([
    "unit_code", "unit_name", "level", "indicator", "component", "physical_unit",
    "quantity_point", "quantity_mean", "quantity_p5", "quantity_p50", "quantity_p95",
    "value_point_yuan", "value_mean_yuan", "value_p5_yuan", "value_p50_yuan", "value_p95_yuan",
  ])
  func stats(_ slot: Int) -> [String] {
    guard let s = statistics[slot] else { return ["", "", "", ""] }
    return [formatNumber(s.mean), formatNumber(s.p5), formatNumber(s.p50), formatNumber(s.p95)]
  }
  for (u, unit) in layout.units.enumerated() {
    let p = point.units[u]
    for (i, l) in layout.lines[u].enumerated() {
      let s = layout.first[u] + 2 * i
      let q = p.lines[i].quantity
      let v = p.lines[i].value
      out += csvLine(
        [unit.code, unit.name, unit.level.rawValue, l.indicator, l.component, l.unit]
          + [q.map { formatNumber($0.value) } ?? ""] + (q == nil ? ["", "", "", ""] : stats(s))
          + [v.map { formatNumber($0.value) } ?? ""] + (v == nil ? ["", "", "", ""] : stats(s + 1)))
    }
    out += csvLine(
      [unit.code, unit.name, unit.level.rawValue, "gep", "", "", "", "", "", "", ""]
        + [formatNumber(p.gep.value)] + stats(layout.gepSlot(u)))
  }
  return out
}

/// The mean, P5, P50 and P95 over the draws of every slot (nil: a draw has no number), in
/// parallel over blocks of slots; each slot's numbers are gathered in draw order (one pass over
/// the draws per block of 64 slots), so the result does not depend on `threads`.
func slotStatistics(_ samples: AccountSamples, threads: Int) -> [(
  mean: Double, p5: Double, p50: Double, p95: Double
)?] {
  typealias Stat = (mean: Double, p5: Double, p50: Double, p95: Double)
  let width = 64
  let slots = samples.slots
  let draws = samples.draws
  let blocks = (slots + width - 1) / width
  let result = Mutex([Stat?](repeating: nil, count: slots))
  let workers = max(1, min(threads, blocks))
  samples.numbers.withUnsafeBufferPointer { all in
    let numbers = UncheckedConstPointer(all.baseAddress!)
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      var column = [Double](repeating: 0, count: width * draws)
      var mine: [(Int, Stat?)] = []
      var b = w
      while b < blocks {
        let s0 = b * width
        let n = min(width, slots - s0)
        for d in 0..<draws {
          let row = numbers.pointer + d * slots + s0
          for j in 0..<n { column[j * draws + d] = row[j] }
        }
        for j in 0..<n {
          let stat: Stat? = column.withUnsafeMutableBufferPointer { c in
            var x = UnsafeMutableBufferPointer(rebasing: c[j * draws..<(j + 1) * draws])
            guard !x.contains(where: \.isNaN) else { return nil }
            // The mean as x₀ + Σ(xᵢ − x₀)/N in draw order: a constant line's mean is its value.
            var sum = 0.0
            for v in x { sum += v - x[0] }
            let mean = x[0] + sum / Double(x.count)
            x.sort()
            let sorted = Array(x)
            return (
              mean, sampleQuantile(sorted: sorted, 0.05), sampleQuantile(sorted: sorted, 0.5),
              sampleQuantile(sorted: sorted, 0.95)
            )
          }
          mine.append((s0 + j, stat))
        }
        b += workers
      }
      result.withLock { r in for (s, v) in mine { r[s] = v } }
    }
  }
  return result.withLock { $0 }
}

/// A read-only pointer moved to worker threads.
struct UncheckedConstPointer: @unchecked Sendable {
  let pointer: UnsafePointer<Double>
  init(_ p: UnsafePointer<Double>) { pointer = p }
}

/// The fast evaluation of a draw (issue 18, "10 000 draws should cost less than the raster
/// pass"): when no unit-level stage reads a drawn row and none combines the cell sums
/// nonlinearly (no `emissions` cap and no `reservoirs` table), a unit's line of a per-cell
/// channel is the exact sum of its villages' zone sums (the roll-up of `buildAccount`), every
/// other line is the point account's, and GEP moves by the change of the cell lines' values.
/// `UncertaintyJob.prepare` checks it against `buildAccount` at the point and at two draws
/// before using it.
struct RollUp: Sendable {
  /// Per account unit: (line index, channel) of its cell lines.
  let cellLines: [[(line: Int, channel: Int)]]
  /// Per account unit: the zones it sums (its villages; the unassigned zone for its row).
  let zones: [[Int]]
  /// The numbers of the point account evaluated from the sufficient sums.
  let base: [Double]

  init?(
    account: Account, model: CellModel, units: UnitSet, layout: AccountLayout, base: [Double]
  ) {
    var channelOf: [String: Int] = [:]
    for (k, ind) in model.indicators.enumerated() {
      channelOf["\(ind.id)|\(ind.component ?? "")"] = k
    }
    let villageIndex = Dictionary(
      units.villages.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { a, _ in a })
    let byCode = Dictionary(units.all.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
    var under: [String: [Int]] = [:]
    for (z, v) in units.villages.enumerated() {
      var code: String? = v.code
      var seen = Set<String>()
      while let c = code, seen.insert(c).inserted {
        under[c, default: []].append(z)
        code = byCode[c]?.parentCode
      }
    }
    var lines: [[(Int, Int)]] = []
    var zones: [[Int]] = []
    for u in account.units {
      var l: [(Int, Int)] = []
      for (i, line) in u.lines.enumerated() {
        if let k = channelOf["\(line.indicator)|\(line.component)"], line.quantity != nil {
          l.append((i, k))
        }
      }
      lines.append(l)
      if u.unit.code == Account.unassignedCode {
        zones.append([units.villages.count])
      } else if let z = villageIndex[u.unit.code] {
        zones.append([z])
      } else {
        guard let z = under[u.unit.code] else { return nil }
        zones.append(z.sorted())
      }
    }
    cellLines = lines
    self.zones = zones
    self.base = base
  }

  /// The numbers of a draw whose per-channel zone quantities and values are `quantity` and
  /// `value` (`SufficientSums.evaluate`).
  func numbers(
    quantity: [ExactSum], value: [ExactSum], zoneCount: Int, layout: AccountLayout,
    into out: UnsafeMutablePointer<Double>
  ) {
    for u in 0..<layout.units.count {
      let first = layout.first[u]
      for s in first..<first + 2 * layout.lines[u].count + 1 { out[s] = base[s] }
      var delta = 0.0
      for (i, k) in cellLines[u] {
        var q = ExactSum()
        var v = ExactSum()
        for z in zones[u] {
          q.add(quantity[k * zoneCount + z])
          v.add(value[k * zoneCount + z])
        }
        out[first + 2 * i] = q.value
        if !base[first + 2 * i + 1].isNaN {
          delta += v.value - base[first + 2 * i + 1]
          out[first + 2 * i + 1] = v.value
        }
      }
      out[layout.gepSlot(u)] = base[layout.gepSlot(u)] + delta
    }
  }
}
