import Crypto
import Foundation
import GEPCore
import GEPGeo
import Synchronization

/// Options of `gep compute` that the command line may override.
public struct ComputeOptions: Sendable {
  /// Output folder; nil: the run file's.
  public var output: String?
  /// Worker threads (≥ 1).
  public var threads: Int
  /// Tile edge in cells; nil: 256 rounded to the land-use raster's native block size.
  public var tileSize: Int?
  /// Write per-indicator rasters to `rasters/`.
  public var writeRasters: Bool
  /// Replace an existing output folder.
  public var overwrite: Bool
  /// Prefix CSV files with a UTF-8 BOM for Excel/WPS.
  public var bom: Bool
  /// Also write `units.gpkg` (GeoPackage, layer `units`, WGS 84) for QGIS.
  public var geoPackage: Bool = false
  /// The implemented methods (the built-in registry, or one extended by a program or test).
  public var registry: MethodRegistry = .builtIn
  /// Also write `report.html` and `account.xlsx` (`ReportJob`, issue 16).
  public var report: Bool = false

  /// Creates options.
  public init(
    output: String? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
    tileSize: Int? = nil, writeRasters: Bool = false, overwrite: Bool = false, bom: Bool = false,
    geoPackage: Bool = false, registry: MethodRegistry = .builtIn, report: Bool = false
  ) {
    self.report = report
    self.registry = registry
    self.geoPackage = geoPackage
    self.output = output
    self.threads = threads
    self.tileSize = tileSize
    self.writeRasters = writeRasters
    self.overwrite = overwrite
    self.bom = bom
  }
}

/// What one shard of a run produced (`ComputeJob.shard`).
public struct ShardResult: Sendable {
  /// The part file written.
  public var part: String
  /// The shard.
  public var shard: ShardSpec
  /// Tiles of the shard.
  public var tiles: Int
  /// Tiles of the whole plan.
  public var tileCount: Int
  /// Cells processed.
  public var cells: Int
  /// Valid land-use cells among them (the shard's weight in the partition).
  public var validCells: Int
  /// Size of the part file, bytes.
  public var bytes: Int
  /// Wall time, seconds.
  public var seconds: Double
}

/// What `gep compute` produced.
public struct ComputeResult: Sendable {
  /// The output folder written.
  public var output: String
  /// The account.
  public var account: Account
  /// Warnings (also in the manifest).
  public var warnings: [Problem]
  /// Cells processed.
  public var cells: Int
  /// Wall time of the run, seconds.
  public var seconds: Double
}

/// The yearly GEP account: checks inputs, computes per cell in parallel, rolls up and writes
/// `summary.csv`, `indicators.csv`, `units.geojson`, `manifest.json` (and `rasters/` on
/// request) atomically. PRODUCT.md "Outputs"; GEP-METHODS §8–§9.
public enum ComputeJob {
  /// Runs the account.
  ///
  /// - Parameters:
  ///   - config: the run file.
  ///   - options: command-line overrides.
  ///   - progress: receives progress lines (for stderr).
  ///   - tileProgress: receives (tiles done, total) after every tile, from worker threads;
  ///     when nil, `progress` gets a line at every tenth of the tiles instead.
  /// - Returns: the result.
  /// - Throws: `InputProblems` (typed): every input problem found before anything is written,
  ///   or an I/O failure converted with a stable code (`InputProblems(failure:)`); nothing
  ///   partial is left in the output folder.
  public static func run(
    config: RunConfiguration, options: ComputeOptions,
    progress: @escaping @Sendable (String) -> Void = { _ in },
    tiles tileProgress: (@Sendable (Int, Int) -> Void)? = nil
  ) throws(InputProblems) -> ComputeResult {
    do {
      guard
        case .account(let result) = try stages(
          config: config, options: options, progress: progress, tiles: tileProgress,
          sharding: .whole)
      else { preconditionFailure("a whole run makes an account") }
      return result
    } catch {
      throw InputProblems(failure: error)
    }
  }

  /// Computes one shard of the run (`gep compute RUN --shard I/N`, issue 19): the inputs are
  /// checked and put on the grid as for the whole run, then the cell pass runs on the shard's
  /// tiles only (`shardOfTiles`: consecutive tiles balanced by valid land-use cells) and its
  /// exact zone sums are written, with the run's fingerprint and the shard id, to
  /// `<folder>/shard-IIII-of-NNNN.gep-part` atomically (`PartFile`). No account is written.
  ///
  /// - Parameters:
  ///   - options: `output` is the parts folder (default: the run's output + "-parts"),
  ///     created when missing; `writeRasters`, `report` and `geoPackage` must be off.
  /// - Returns: the part written.
  /// - Throws: `InputProblems` as `run`, and `option.unsupported` for an option a shard does
  ///   not carry out.
  public static func shard(
    config: RunConfiguration, options: ComputeOptions, shard: ShardSpec,
    progress: @escaping @Sendable (String) -> Void = { _ in },
    tiles tileProgress: (@Sendable (Int, Int) -> Void)? = nil
  ) throws(InputProblems) -> ShardResult {
    try part(
      config: config, options: options, sharding: .shard(shard), progress: progress,
      tiles: tileProgress)
  }

  /// Computes one unit's part of the run's partition by the units of its level (`gep compute
  /// RUN --units CODE`, issue 19): the sums of the unit's villages over the tiles its bounding
  /// box meets, with the cell counts and unassigned zone of the tiles it owns
  /// (`UnitPartition`), written to `<folder>/units-LEVEL-CODE.gep-part`. `unit` may also be
  /// "unassigned:LEVEL": the tiles no unit's box of LEVEL meets. The parts of every unit of
  /// the level and the unassigned part merge (`merge`) to the single run's account. A county
  /// office can so run its county's part on its own machine.
  ///
  /// - Throws: `InputProblems` as `shard`, and `units.unknown-code` for a code that is not
  ///   a unit of the layer (or an unknown level).
  public static func unitShard(
    config: RunConfiguration, options: ComputeOptions, unit: String,
    progress: @escaping @Sendable (String) -> Void = { _ in },
    tiles tileProgress: (@Sendable (Int, Int) -> Void)? = nil
  ) throws(InputProblems) -> ShardResult {
    try part(
      config: config, options: options, sharding: .units(unit), progress: progress,
      tiles: tileProgress)
  }

  /// The stages of a run that makes a part (`.shard` or `.units`), its errors as
  /// `InputProblems`.
  private static func part(
    config: RunConfiguration, options: ComputeOptions, sharding: Sharding,
    progress: @escaping @Sendable (String) -> Void,
    tiles tileProgress: (@Sendable (Int, Int) -> Void)?
  ) throws(InputProblems) -> ShardResult {
    do {
      guard
        case .part(let result) = try stages(
          config: config, options: options, progress: progress, tiles: tileProgress,
          sharding: sharding)
      else { preconditionFailure("a shard makes a part") }
      return result
    } catch {
      throw InputProblems(failure: error)
    }
  }

  /// Merges the parts of every shard of the run (`gep merge RUN PARTS… --out DIR`, issue 19)
  /// and writes the account: the same stages as `run` with the cell pass replaced by the sum
  /// of the parts' exact zone sums (`mergeParts`), so the outputs equal a single run's byte
  /// for byte (the manifest's timings aside). The parts are checked first, before any input
  /// is warped: every shard of this run's fingerprint exactly once.
  ///
  /// - Parameters:
  ///   - parts: the part files; `options.tileSize` is taken from them.
  /// - Returns: the result, as `run`'s.
  /// - Throws: `InputProblems` as `run`, plus the part problems of `mergeParts` (missing,
  ///   duplicate, foreign, damaged parts, all at once), and `option.unsupported` for
  ///   `writeRasters` (the per-cell rasters are not in the parts).
  public static func merge(
    config: RunConfiguration, options: ComputeOptions, parts: [String],
    progress: @escaping @Sendable (String) -> Void = { _ in }
  ) throws(InputProblems) -> ComputeResult {
    do {
      guard
        case .account(let result) = try stages(
          config: config, options: options, progress: progress, tiles: nil,
          sharding: .merge(parts))
      else { preconditionFailure("a merge makes an account") }
      return result
    } catch {
      throw InputProblems(failure: error)
    }
  }

  /// How `stages` runs the cell pass.
  enum Sharding {
    /// Every tile: the account.
    case whole
    /// The tiles of one shard: a part file, no account.
    case shard(ShardSpec)
    /// One part of the partition by the units of a level: a unit's code, or
    /// "unassigned:LEVEL" (`UnitPartition`).
    case units(String)
    /// No tile: the sums of these part files, then the account.
    case merge([String])
  }

  /// What `stages` produced.
  enum StageOutcome {
    case account(ComputeResult)
    case part(ShardResult)
  }

  /// The stages of `run`, which converts their errors (`InputProblems(failure:)`).
  static func stages(
    config: RunConfiguration, options: ComputeOptions,
    progress: @escaping @Sendable (String) -> Void,
    tiles tileProgress: (@Sendable (Int, Int) -> Void)?, sharding: Sharding
  ) throws -> StageOutcome {
    var options = options
    switch sharding {
    case .whole: break
    case .shard, .units, .merge:
      let unsupported =
        [
          ("--rasters", options.writeRasters), ("--report", options.report && !isMerge(sharding)),
          ("--gpkg", options.geoPackage && !isMerge(sharding)),
        ].filter(\.1).map(\.0)
      if !unsupported.isEmpty {
        throw InputProblems(problems: [
          Problem(
            .error, "option.unsupported",
            (isMerge(sharding) ? "gep merge" : "a shard")
              + " does not carry out \(unsupported.joined(separator: ", ")) (the per-cell "
              + "rasters and the account's files are not part of a shard's partial state)")
        ])
      }
    }
    if case .merge(let parts) = sharding {
      // The merge records the tile-size option the shards ran with (the manifest's
      // `options.tile_size`), and plans the same tiles.
      for path in parts {
        if let h = try? PartFile.readHeader(path: path) {
          options.tileSize = h.tileSizeOption
          break
        }
      }
    }
    let clock = ContinuousClock()
    let start = clock.now
    var timings: [(String, Double)] = []
    var lap = start
    func mark(_ name: String) {
      let now = clock.now
      let d = now - lap
      timings.append(
        (name, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18))
      lap = now
    }
    var d = Diagnostics()
    // Every input check first (InputValidator): nothing is written when one is an error.
    progress("checking the inputs")
    // The validated run: coefficients, grid (the land use's) and units are read once, here.
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
      // Validation reports an error whenever it cannot read one of them.
      throw InputProblems(
        problems: d.problems + [
          Problem(
            .error, "run.unreadable", "validation could not read the coefficients, grid or units")
        ])
    }
    let available = config.availableRoles
    let fvcIsPercent = config.rasters["fvc"]?.unit == "percent"
    var model = CellModel.build(
      coefficients: coefficients, scheme: config.landUseScheme, roles: available,
      fvcIsPercent: fvcIsPercent, file: config.coefficientsFolder, registry: options.registry,
      rasterUnits: config.rasterUnits, year: config.year,
      notApplicable: Set(config.notApplicable.keys))
    for (id, reason) in config.notApplicable { model.switches["not_applicable.\(id)"] = reason }
    // The missing-input notes came with the validated run already (each warning once).
    for n in model.notes where n.code != "indicator.missing-input" {
      d.warning(n.code, n.message, at: n.location)
    }
    // Prices of another year than the accounting year: indexed where the set names a price
    // index (recorded in the manifest), else used as published — say which, and why.
    var otherYears: [String] = []
    for id in Set(coefficients.profile.indicators.flatMap(\.priceIDs)).sorted() {
      guard let p = coefficients.prices[id], p.value != nil, let y = p.priceYear, y != config.year,
        let used = coefficients.accountPrice(id, year: config.year)
      else { continue }
      if let ix = used.indexed {
        let original = "\(formatNumber(ix.originalValue)) \(ix.unit) (\(ix.priceYear))"
        let factor = "\(formatNumber(ix.toIndex))/\(formatNumber(ix.fromIndex)) (\(ix.indexID))"
        let result = "\(formatNumber(ix.indexedValue)) (\(ix.targetYear))"
        model.switches["price.\(id)"] = "\(original) × \(factor) = \(result)"
      } else {
        otherYears.append("\(id) (\(y)" + (used.notIndexed.map { "; \($0)" } ?? "") + ")")
      }
    }
    if !otherYears.isEmpty {
      d.warning(
        "prices.other-year",
        "prices of another year than \(config.year) are used without index adjustment: "
          + otherYears.joined(separator: ", "),
        at: ProblemLocation(file: config.coefficientsFolder + "/prices.csv"))
    }
    // Hash the inputs for the manifest while the account is computed.
    let hasher = BackgroundHasher(
      paths: manifestFiles(config).map(\.path) + (engineExecutable.map { [$0] } ?? []))
    // Level-1 classes.
    var level1Of: [Int: Int] = [:]
    for code in coefficients.ecosystemClasses.keys {
      level1Of[code] = coefficients.classChain(code).last ?? code
    }
    let level1Codes = coefficients.ecosystemClasses.values.filter { $0.level == 1 }.map(\.code)
      .sorted()
    // Tiles.
    let lu = try RasterDataset(path: config.landUse.path).band(config.landUse.band)
    let block = lu.blockSize
    let tileW = options.tileSize ?? max(block.width, (256 / max(1, block.width)) * block.width)
    let tileH = options.tileSize ?? max(block.height, (256 / max(1, block.height)) * block.height)
    let tiles = blockPlan(width: g.width, height: g.height, tileWidth: tileW, tileHeight: tileH)
    // A merge checks its parts before any input is put on the grid: every shard of this
    // run's fingerprint, exactly once.
    func partition(_ level: UnitLevel) -> UnitPartition {
      UnitPartition(level: level, units: units, grid: g, tileWidth: tileW, tileHeight: tileH)
    }
    var unitPlan: (partition: UnitPartition, index: Int)? = nil
    if case .units(let arg) = sharding {
      var level: UnitLevel? = nil
      var code: String? = nil
      if arg.hasPrefix("unassigned:") {
        level = UnitLevel(rawValue: String(arg.dropFirst("unassigned:".count)))
      } else if let u = units.byCode[arg] {
        level = u.level
        code = arg
      }
      guard let level else {
        throw InputProblems(problems: [
          Problem(
            .error, "units.unknown-code",
            "--units \(arg): not a unit code of the layer, nor unassigned:county|township|village",
            at: ProblemLocation(file: config.units.path, value: arg))
        ])
      }
      let p = partition(level)
      unitPlan = (p, code.flatMap { p.codes.firstIndex(of: $0) } ?? p.codes.count)
    }
    var merged: ZoneSums? = nil
    if case .merge(let parts) = sharding {
      progress("checking \(parts.count) parts")
      merged = try mergeParts(
        paths: parts,
        fingerprint: runFingerprint(
          config: config, grid: g, tileSize: (tileW, tileH), hashes: hasher.wait()),
        zoneCount: units.villages.count + 1, channelCount: model.indicators.count,
        classCodes: level1Codes, tileCount: tiles.count
      ) { name in
        guard name.hasPrefix("units:"), let level = UnitLevel(rawValue: String(name.dropFirst(6)))
        else { return nil }
        return partition(level)
      }
    }
    // Units.
    mark("inputs")
    // Output staging folder; work files go inside it and are removed before commit. A shard
    // writes no account: its work folder is a hidden one in the parts folder, discarded.
    var partsFolder: URL? = nil
    let workName: String? =
      switch sharding {
      case .shard(let spec): "shard-\(spec.index)-of-\(spec.count)"
      case .units(let arg): "units-\(arg.replacingOccurrences(of: "/", with: "_"))"
      case .whole, .merge: nil
      }
    if let workName {
      let folder = URL(fileURLWithPath: options.output ?? (config.output + "-parts"))
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      partsFolder = folder
      options.output =
        folder.appendingPathComponent(".work-\(workName)").path
      options.overwrite = true
    }
    let out = try OutputFolder(
      path: options.output ?? config.output, overwrite: options.overwrite,
      inputs: manifestFiles(config).map(\.path))
    let work = out.file(".work")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    // Factors derived from primary data, then every raster onto the grid.
    var rasters = config.rasters
    let derived = try runDerivations(config, work: work, progress: progress)
    let (derivedProblems, derivedMeans) = derivedRangeProblems(derived)
    if !derivedProblems.isEmpty { throw InputProblems(problems: d.problems + derivedProblems) }
    for (role, r) in derived.sorted(by: { $0.key < $1.key }) {
      rasters[role] = r
      let origin = derivationKey(ofRole: role)
      d.warning(
        "raster.derived",
        role == RasterRole.channels.rawValue
          ? "channel cells derived from the DEM ([derive.ls] channel_threshold): soil "
            + "conservation is not evaluated on them (exclude_channels = false computes them)"
          : "\(role) derived from primary data ([derive.\(role)])",
        at: ProblemLocation(file: config.runFile, field: "derive.\(origin)"))
    }
    let (rolePaths, slopeSlot) = try modelInputsOnGrid(
      roles: model.roles, rasters: rasters, grid: g, work: work, progress: progress)
    if slopeSlot != nil, let dem = rasters["dem"] {
      // Slope is made from the DEM tile by tile inside the cell pass (TileSlope).
      d.warning(
        "raster.derived", "slope derived from the DEM (Horn 3×3, degrees, per tile)",
        at: ProblemLocation(file: dem.path))
    }
    mark("warp")
    // An indicator with nothing to measure on the grid (sand fixation without erosive wind):
    // not applicable with its reason, rather than a sum of zeros.
    for n in try applyNotApplicableBounds(&model, paths: rolePaths, config: config) {
      d.warning(n.code, n.message, at: n.location)
    }
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
    let sink: RasterSink? =
      options.writeRasters
      ? try RasterSink(folder: out.file("rasters"), grid: g, model: model) : nil
    // The tiles of this pass: all, a shard's, or none (a merge adds the parts' sums).
    var passTiles = tiles
    var shardTiles: [Int] = []
    var shardWeight = 0
    var keepZone: [Bool]? = nil
    var owned: [Bool]? = nil
    switch sharding {
    case .whole: break
    case .merge: passTiles = []
    case .units:
      let (p, i) = unitPlan!
      shardTiles = p.tilesOf[i]
      passTiles = shardTiles.map { tiles[$0] }
      owned = shardTiles.map { p.owner[$0] == i }
      var keep = [Bool](repeating: false, count: units.villages.count)
      for v in p.villagesOf[i] { keep[v] = true }
      keepZone = keep
      progress("\(p.describe(i)): \(shardTiles.count) of \(tiles.count) tiles")
    case .shard(let spec):
      progress("partitioning \(tiles.count) tiles into \(spec.count) shards by valid cells")
      let weights = try landUseTileWeights(
        path: config.landUse.path, band: config.landUse.band, tiles: tiles)
      let owner = shardOfTiles(weights: weights, shards: spec.count)
      shardTiles = tiles.indices.filter { owner[$0] == spec.index }
      shardWeight = shardTiles.reduce(0) { $0 + weights[$1] }
      passTiles = shardTiles.map { tiles[$0] }
    }
    if merged == nil {
      progress(
        "computing \(g.width)×\(g.height) cells in \(passTiles.count) tiles on "
          + "\(options.threads) threads")
    }
    let step = max(1, passTiles.count / 10)
    let passSums =
      try merged
      ?? runZonalPass(
        grid: g,
        inputs: GridInputs(
          landUse: (config.landUse.path, config.landUse.band), roles: rolePaths,
          slopeFromDEMSlot: slopeSlot),
        model: model, zones: zones, villageCount: units.villages.count,
        level1Of: level1Of, level1Codes: level1Codes, tiles: passTiles, threads: options.threads,
        sink: sink, keepZone: keepZone, owned: owned, sparse: partsFolder != nil
      ) { done, total in
        if let tileProgress {
          tileProgress(done, total)
        } else if done % step == 0 || done == total {
          progress("tiles \(done)/\(total)")
        }
      }
    try sink?.close()
    let sums = passSums
    if let partsFolder {
      var spec = ShardSpec(index: 0, count: 1)!
      var fileName = ""
      var partitionName: String? = nil
      var unitName: String? = nil
      var ownedTiles: [Int]? = nil
      if case .shard(let s) = sharding {
        spec = s
        fileName = s.partFileName
      } else if let (p, i) = unitPlan {
        spec = ShardSpec(index: i, count: p.codes.count + 1)!
        fileName = p.partFileName(i)
        partitionName = "units:\(p.level.rawValue)"
        unitName = i < p.codes.count ? p.codes[i] : "unassigned"
        ownedTiles = shardTiles.filter { p.owner[$0] == i }
      }
      let unknown = sums.unknownCodes.sorted { $0.key < $1.key }.map {
        [String($0.key), String($0.value.cells), String($0.value.area.raw)]
      }
      let header = PartHeader(
        format: 1,
        fingerprint: runFingerprint(
          config: config, grid: g, tileSize: (tileW, tileH), hashes: hasher.wait()),
        engine: "gep \(gepEngineVersion)", runFile: config.runFile, shard: spec.index,
        shards: spec.count, partition: partitionName, unit: unitName, ownedTiles: ownedTiles,
        tileWidth: tileW, tileHeight: tileH, tileSizeOption: options.tileSize,
        tileCount: tiles.count, tiles: shardTiles, validCells: shardWeight,
        zoneCount: units.villages.count + 1, channelCount: sums.channelCount,
        classCodes: sums.classCodes,
        stride: sums.stride, cells: sums.cells, codeCells: sums.codeCells, unknownCodes: unknown,
        storedZones: 0)
      let url = partsFolder.appendingPathComponent(fileName)
      let part = PartFile(header: header, sums: sums)
      try part.write(to: url)
      out.discard()
      let elapsed = clock.now - start
      let size = try? FileManager.default.attributesOfItem(atPath: url.path)[.size]
      return .part(
        ShardResult(
          part: url.path, shard: spec, tiles: shardTiles.count, tileCount: tiles.count,
          cells: sums.cells, validCells: shardWeight, bytes: (size as? Int) ?? 0,
          seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds)
            * 1e-18))
    }
    mark("cells")
    d.append(
      plausibilityWarnings(
        model: model, sums: sums, lsMean: derivedMeans["ls"] ?? validated.rasterMeans["ls"],
        config: config))
    // Cells masked by nodata in an input: one warning per channel above 5 % of the land (a
    // raster that does not cover the grid, or whose CRS is wrong, masks whole indicators).
    do {
      var land = ExactSum()
      for z in 0..<sums.zoneCount { land.add(sums.landArea(z)) }
      for (k, ind) in model.indicators.enumerated() where land.value > 0 {
        var masked = ExactSum()
        for z in 0..<sums.zoneCount { masked.add(sums.maskedArea(z, k)) }
        let share = masked.value / land.value
        if share > 0.05 {
          d.warning(
            "raster.masked-share",
            "\(ind.id)\(ind.component.map { " (\($0))" } ?? ""): "
              + String(format: "%.2f", share * 100)
              + " % of the land area is not computed because an input raster ("
              + ind.roles.map(\.rawValue).joined(separator: ", ") + ") is nodata there",
            at: ProblemLocation(file: config.runFile, field: ind.id))
        }
      }
    }
    // Cells a method excludes by rule (stream channels from soil conservation): their share.
    for (k, ind) in model.indicators.enumerated() where ind.excludedWhere != nil {
      var land = ExactSum()
      var excluded = ExactSum()
      for z in 0..<sums.zoneCount {
        land.add(sums.landArea(z))
        excluded.add(sums.excludedArea(z, k))
      }
      guard land.value > 0 else { continue }
      d.warning(
        "indicator.excluded-cells",
        "\(ind.id): " + String(format: "%.2f", 100 * excluded.value / land.value)
          + " % of the land area lies on \(ind.excludedWhere!.rawValue) cells (≠ 0 in the mask) "
          + "and is not evaluated (excluded_share in indicators.csv)",
        at: ProblemLocation(file: config.runFile, field: ind.id))
    }
    // Cells not computed for lack of a coefficient: one warning per channel.
    var land = ExactSum()
    for z in 0..<sums.zoneCount { land.add(sums.landArea(z)) }
    for (k, ind) in model.indicators.enumerated() {
      var un = ExactSum()
      for z in 0..<sums.zoneCount { un.add(sums.uncoveredArea(z, k)) }
      guard un.raw > 0, land.value > 0 else { continue }
      // Only the codes that occur in the data, each with its cell count.
      let codes = (model.missingCodes.indices.contains(k) ? model.missingCodes[k] : [])
        .filter { sums.cells(ofCode: $0) > 0 }
      let listed = codes.map { c in
        let cls = model.ecosystemClass(code: c).map { "class \($0)" } ?? "?"
        return "\(c) (\(cls), \(sums.cells(ofCode: c)) cells)"
      }
      guard !listed.isEmpty else {
        // Every class has its coefficients: the formula itself is undefined for some cells'
        // inputs (sand fixation's EF at clay = 0).
        d.warning(
          "indicator.undefined-cells",
          "\(ind.id)\(ind.component.map { " (\($0))" } ?? ""): "
            + String(format: "%.2f", un.value / land.value * 100)
            + " % of the land area is not computed: every class has its coefficients, but the "
            + "method is undefined for the input values of those cells (e.g. clay = 0 for the RWEQ "
            + "erodible fraction, whose term Sa/Cl is undefined); inputs: "
            + ind.roles.map(\.rawValue).joined(separator: ", "),
          at: ProblemLocation(file: config.runFile, field: ind.id))
        continue
      }
      d.warning(
        "coefficients.missing-for-class",
        "\(ind.id)\(ind.component.map { " (\($0))" } ?? ""): "
          + String(format: "%.2f", un.value / land.value * 100)
          + " % of the land area is not computed: no coefficient (or not applicable) for land-use codes "
          + listed.joined(separator: ", ") + " in \(config.profile)",
        at: ProblemLocation(file: config.coefficientsFolder, field: ind.id))
    }
    let account = try buildAccount(
      sums: sums, units: units, model: model, coefficients: coefficients, config: config,
      gridCRS: g.crs, diagnostics: &d)
    mark("account")
    // Outputs.
    let threads = options.threads
    try summaryCSV(account, bom: options.bom, threads: threads).write(to: out.file("summary.csv"))
    try indicatorsCSV(account, bom: options.bom, threads: threads).write(
      to: out.file("indicators.csv"))
    try matrixCSV(account, bom: options.bom, threads: threads).write(to: out.file("matrix.csv"))
    try unitsGeoJSON(account, units: units, gridCRS: g.crs, threads: threads).write(
      to: out.file("units.geojson"))
    if options.geoPackage {
      // The same features through OGR's GeoPackage driver (ogr2ogr API), with a fixed
      // timestamp (the accounting year's last day) so that the file re-computes byte for byte
      // (`gep verify`).
      try translateVector(
        sourcePath: out.file("units.geojson").path, destinationPath: out.file("units.gpkg").path,
        format: "GPKG", arguments: ["-nln", "units"],
        config: ["OGR_CURRENT_DATE": "\(config.year)-12-31T00:00:00Z"])
    }
    try FileManager.default.removeItem(at: work)
    mark("write")
    let elapsed = clock.now - start
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let manifest = manifestJSON(
      config: config, options: options, grid: g, model: model, coefficients: coefficients,
      warnings: d.warnings, timings: timings, tiles: tiles.count, tileSize: (tileW, tileH),
      cells: sums.cells, hashes: hasher.wait(), outputs: try outputFileHashes(out.staging))
    try write(manifest, to: out.file("manifest.json"))
    if options.report {
      // The report is drawn from the folder's files (the manifest's inputs included), then
      // the manifest records it among the outputs.
      try ReportJob.render(into: out.staging)
      try write(
        manifestJSON(
          config: config, options: options, grid: g, model: model, coefficients: coefficients,
          warnings: d.warnings, timings: timings, tiles: tiles.count, tileSize: (tileW, tileH),
          cells: sums.cells, hashes: hasher.wait(), outputs: try outputFileHashes(out.staging)),
        to: out.file("manifest.json"))
    }
    try out.commit()
    return .account(
      ComputeResult(
        output: out.destination.path, account: account, warnings: d.warnings, cells: sums.cells,
        seconds: seconds))
  }

  static func isMerge(_ s: Sharding) -> Bool {
    if case .merge = s { return true }
    return false
  }

  static func write(_ text: String, to url: URL) throws {
    try Data(text.utf8).write(to: url)
  }
}

/// SHA-256 of a file, lowercase hex (swift-crypto), streamed in 1 MiB chunks.
///
/// - Throws: Foundation errors when the file cannot be read.
public func sha256Hex(path: String) throws -> String {
  guard let h = FileHandle(forReadingAtPath: path) else {
    throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
  }
  defer { try? h.close() }
  var hasher = SHA256()
  while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
  return hasher.finalize().map { String(format: "%02x", $0) }.joined()
}

/// Plausibility warnings (GEP-METHODS §5.2; docs/soil-conservation-ls.md): the LS raster's
/// mean (given or derived) against twice the highest national mean of the EU 25 m LS map
/// (`LSPlausibility.mountainousMeanLS25m`, 5.20), and, for each channel whose method declares
/// a `PlausibleDensity` (soil conservation: twice Garzê's forest density, 884.8 t·hm⁻²·a⁻¹),
/// the share of the computed area whose cells lie above it, with the mean density. Anchors
/// from cited studies, not limits: warnings.
///
/// - Parameters:
///   - model: the per-cell model; sums: the zone sums of the cell pass.
///   - lsMean: the mean of the LS raster, given or derived (nil when absent).
/// - Returns: `soil.ls-implausible` and the density warnings (`soil.density-implausible`).
func plausibilityWarnings(
  model: CellModel, sums: ZoneSums, lsMean: Double?, config: RunConfiguration
) -> [Problem] {
  var out: [Problem] = []
  let soil = model.indicators.contains { $0.id == "soil_conservation" }
  if soil, let lsMean, lsMean > 2 * LSPlausibility.mountainousMeanLS25m {
    out.append(
      Problem(
        .warning, "soil.ls-implausible",
        "the mean LS is \(String(format: "%.2f", lsMean)), more than twice the highest national "
          + "mean of the EU 25 m LS map (5.20, Austria; Panagos et al. 2015): does the slope "
          + "length run on along channels? (docs/soil-conservation-ls.md)",
        at: ProblemLocation(
          file: config.rasters["ls"]?.path ?? config.runFile,
          field: config.derivations["ls"] == nil ? "rasters.ls" : "derive.ls")))
  }
  // Densities above each method's plausible bound: the share of the computed area.
  for (k, ind) in model.indicators.enumerated() {
    guard let bound = ind.plausibleDensity else { continue }
    var quantity = ExactSum()
    var area = ExactSum()
    var above = ExactSum()
    for z in 0..<sums.zoneCount {
      quantity.add(sums.quantity(z, k))
      area.add(sums.landArea(z))
      for excluded in [
        sums.maskedArea(z, k), sums.uncoveredArea(z, k), sums.notApplicableArea(z, k),
        sums.excludedArea(z, k),
      ] {
        area.add(fixed: -excluded.raw)
      }
      above.add(sums.implausibleArea(z, k))
    }
    guard above.raw > 0, area.value > 0 else { continue }
    let hectares = area.value / UnitConversion.squareMetresPerHectare
    out.append(
      Problem(
        .warning, bound.code,
        "\(ind.id)\(ind.component.map { " (\($0))" } ?? ""): "
          + String(format: "%.2f", 100 * above.value / area.value) + " % of the area where it is "
          + "computed lies above \(formatNumber(bound.upperPerHectare)) \(bound.unit) (mean "
          + String(format: "%.0f", quantity.value / hectares) + " \(bound.unit)), "
          + bound.reason,
        at: ProblemLocation(file: config.runFile, field: ind.id)))
  }
  return out
}

/// Marks not applicable every channel whose method declares a `NotApplicableBound` that every
/// valid cell of its role on the grid meets (the RWEQ weather factor WF ≤ 0 kg/m: no wind
/// erosion in the region, GEP-METHODS §5.3), and returns one warning per such indicator,
/// naming the bound, its reason and source, and the largest value found. A role with no valid
/// cell on the grid is left to the cell pass (its cells are "not computed", as any nodata).
///
/// - Parameters:
///   - model: the per-cell model; marked channels become not applicable on every class.
///   - paths: the model's rasters on the grid, in `model.roles` order (`modelInputsOnGrid`).
/// - Returns: the warnings, located at the run file's `rasters.<role>` (or `derive.<role>`).
/// - Throws: `GDALError` when a raster on the grid cannot be read.
func applyNotApplicableBounds(
  _ model: inout CellModel, paths: [(path: String, band: Int)], config: RunConfiguration
) throws -> [Problem] {
  var out: [Problem] = []
  var maxima: [RasterRole: (valid: Int, max: Double)] = [:]
  for k in model.indicators.indices {
    guard let bound = model.indicators[k].notApplicableBound,
      let slot = model.slots[bound.role], slot < paths.count
    else { continue }
    if maxima[bound.role] == nil {
      let ds = try RasterDataset(path: paths[slot].path)
      let band = try ds.band(paths[slot].band)
      let plan = blockPlan(width: ds.width, height: ds.height, tileWidth: 512, tileHeight: 512)
      let r = RasterInput(
        name: bound.role.rawValue, path: paths[slot].path, band: paths[slot].band, unit: "",
        resampling: .nearest)
      let scan = ValidationRun.scanRaster(
        r, band: band, windows: plan, nonNegative: false, range: nil)
      if let (w, error) = scan.failure {
        throw GDALError(
          number: GDALError.appDefined,
          message: "cannot read rows \(w.rowOffset)–\(w.rowOffset + w.height - 1) of the "
            + "\(bound.role.rawValue) raster on the grid: \(error.message)",
          function: "applyNotApplicableBounds", path: paths[slot].path)
      }
      maxima[bound.role] = (scan.scan.valid, scan.scan.max)
    }
    guard let m = maxima[bound.role], m.valid > 0, m.max <= bound.atOrBelow else { continue }
    let ind = model.indicators[k]
    model.markNotApplicable(k)
    model.switches["\(ind.id).not_applicable"] =
      "\(bound.role.rawValue) ≤ \(formatNumber(bound.atOrBelow)) on the whole grid (largest "
      + "\(formatNumber(m.max)))"
    let field =
      config.derivations[bound.role.rawValue] == nil
      ? "rasters.\(bound.role.rawValue)" : "derive.\(bound.role.rawValue)"
    out.append(
      Problem(
        .warning, bound.code,
        "\(ind.id) (\(ind.nameZH))\(ind.component.map { " (\($0))" } ?? "") is not applicable "
          + "to this region: the largest \(bound.role.rawValue) on the grid is "
          + "\(formatNumber(m.max)) ≤ \(formatNumber(bound.atOrBelow)); " + bound.reason,
        at: ProblemLocation(
          file: config.rasters[bound.role.rawValue]?.path ?? config.runFile, field: field)))
  }
  return out
}
