import ArgumentParser
import Foundation
import GEPCore
import GEPPipeline

/// `gep merge RUN_FILE PARTS… --out DIR`: the account from the parts of every shard.
struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Make the account of a run from the part files of its shards.",
    discussion: """
      Reads the part files written by 'gep compute RUN_FILE --shard I/N' for I = 0 … N−1, \
      checks that every shard of this run is there exactly once (a missing, duplicated or \
      damaged part, or a part of another run file, other inputs, coefficients, grid, tile size \
      or engine build, is an error naming it; all are listed at once, before any input is \
      warped), adds their exact per-zone sums and writes the account as 'gep compute' does: \
      summary.csv, indicators.csv, matrix.csv, units.geojson and manifest.json, identical byte \
      for byte to a single run's (the manifest's timings and threads aside).

      Exit codes: 0 success; 1 part or input problems (all listed on stderr) or computation \
      failure; 64 usage error.
      """)

  @Argument(help: "The run file (gep.toml) the shards ran.")
  var runFile: String

  @Argument(help: "The part files (shard-IIII-of-NNNN.gep-part), one per shard.")
  var parts: [String] = []

  @Option(help: "Output folder. Default: the run file's `output`.")
  var out: String?

  @Option(help: "Worker threads. Default: the number of cores.")
  var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  @Flag(help: "Replace an existing output folder.")
  var overwrite = false

  @Flag(help: "Start CSV files with a UTF-8 byte-order mark, as Excel/WPS need for Chinese text.")
  var bom = false

  @Flag(help: "Also write units.gpkg (GeoPackage) next to units.geojson.")
  var gpkg = false

  @Flag(help: "Also write report.html (map and cockpit) and account.xlsx (see 'gep report').")
  var report = false

  @Flag(help: "Print nothing on stderr but errors.")
  var quiet = false

  func validate() throws {
    if threads < 1 { throw ValidationError("--threads must be at least 1") }
    if parts.isEmpty { throw ValidationError("give the part files of the shards") }
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
      let result = try ComputeJob.merge(
        config: config,
        options: ComputeOptions(
          output: out, threads: threads, overwrite: overwrite, bom: bom, geoPackage: gpkg,
          report: report),
        parts: parts, progress: log)
      for w in result.warnings { log(w.description) }
      if let county = result.account.units.first(where: { $0.unit.level == .county }) {
        log(consoleSummary(county, account: result.account))
      }
      log(
        "\(parts.count) parts, \(result.cells) cells merged in "
          + "\(String(format: "%.2f", result.seconds)) s; account in \(result.output)")
    }
  }
}

/// `gep slurm RUN_FILE --shards N`: the Slurm array job (and the Kubernetes Indexed Job) of
/// a sharded run.
struct SlurmCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "slurm",
    abstract: "Write (and submit) a Slurm array job of N shards and the merge after it.",
    discussion: """
      Writes into --dir: shards.sbatch (an array job, --array=0-(N−1), whose task I runs \
      'gep compute RUN_FILE --shard I/N --out PARTS'), merge.sbatch ('gep merge' of the N \
      parts into --out), submit.sh (sbatch of the array, then of the merge with \
      --dependency=afterok:<array id>), and k8s-jobs.yaml: the same as a Kubernetes Indexed \
      Job (completionMode: Indexed, shard id $JOB_COMPLETION_INDEX) and a merge Job on one \
      shared volume (docs/scale-out.md). Every path is written absolute: the gep executable, \
      the run file, its inputs and the parts folder must be at the same paths on every node.

      With --by LEVEL (county, township or village) the run is split by units instead: \
      PARTS/units-LEVEL.txt lists the level's codes and unassigned:LEVEL, and task I runs \
      'gep compute RUN_FILE --units CODE' with its I-th line; the merge takes \
      PARTS/units-LEVEL-*.gep-part. A national run by county is so one task per county.

      With --submit the two jobs are submitted at once and their ids printed on stdout \
      ("array ID merge ID"). A failed shard can be resubmitted alone (sbatch --array=I \
      shards.sbatch): its part is written atomically and replaced whole.
      """)

  @Argument(help: "The run file (gep.toml).")
  var runFile: String

  @Option(help: "Number of shards N (array tasks 0 … N−1).")
  var shards: Int?

  @Option(
    help: ArgumentHelp(
      "Split by the units of a level instead of tiles: one task per unit (gep compute "
        + "--units CODE) and one for unassigned:LEVEL.",
      valueName: "county|township|village"))
  var by: String?

  @Option(help: "Folder of the scripts and logs. Default: the run's output + \"-slurm\".")
  var dir: String?

  @Option(help: "Shared folder of the part files. Default: the run's output + \"-parts\".")
  var parts: String?

  @Option(help: "Account folder of the merge. Default: the run file's `output`.")
  var out: String?

  @Option(help: "Threads per shard (and --cpus-per-task). Default: $SLURM_CPUS_PER_TASK, else 1.")
  var threads: Int?

  @Option(help: "Tile edge in cells for every shard. Default: as gep compute.")
  var tileSize: Int?

  @Option(
    help: ArgumentHelp(
      "Extra sbatch options for both jobs, space-separated (--sbatch-args=\"--partition=cpu --mem=4G\").",
      valueName: "ARGS"))
  var sbatchArgs: String = ""

  @Option(help: "The gep executable the jobs run. Default: this one.")
  var gep: String?

  @Option(help: "Container image of the Kubernetes Jobs. Default: gep:<version>.")
  var k8sImage: String?

  @Option(help: "PersistentVolumeClaim of the Kubernetes Jobs' shared volume.")
  var k8sClaim: String = "gep-shared"

  @Option(help: "Mount path of the shared volume. Default: the folder holding every path.")
  var k8sMount: String?

  @Flag(help: "The merge replaces an existing output folder.")
  var overwrite = false

  @Flag(help: "Submit the array job and the dependent merge job with sbatch.")
  var submit = false

  func validate() throws {
    switch (shards, by) {
    case (nil, nil): throw ValidationError("give --shards N or --by LEVEL")
    case (.some, .some): throw ValidationError("give --shards N or --by LEVEL, not both")
    case (let n?, nil): if n < 1 { throw ValidationError("--shards must be at least 1") }
    case (nil, let level?):
      if UnitLevel(rawValue: level) == nil {
        throw ValidationError("--by must be county, township or village, not '\(level)'")
      }
    }
    if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
    if let t = tileSize, t < 16 { throw ValidationError("--tile-size must be at least 16 cells") }
  }

  func run() throws {
    try reportingFailures {
      let config = try RunConfiguration.load(path: runFile)
      if !config.years.isEmpty {
        throw ValidationError("gep slurm is for a one-year run file; this one has [years]")
      }
      func absolute(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.path }
      let output = absolute(out ?? config.output)
      let partsFolder = absolute(parts ?? (output + "-parts"))
      let folder = absolute(dir ?? (output + "-slurm"))
      let exe =
        gep.map(absolute)
        ?? ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
          ?? absolute(CommandLine.arguments[0]))
      let extra = sbatchArgs.split(separator: " ").map(String.init)
      var plan = ShardedRunPlan(
        gep: exe, runFile: absolute(runFile), shards: shards ?? 1, parts: partsFolder,
        output: output, folder: folder, threads: threads, tileSize: tileSize,
        overwrite: overwrite, sbatchArguments: extra)
      if let level = by.flatMap(UnitLevel.init(rawValue:)) {
        let codes = try ShardedRunPlan.unitCodes(config: config, level: level)
        plan = ShardedRunPlan(
          gep: exe, runFile: absolute(runFile), level: level.rawValue, codes: codes,
          parts: partsFolder, output: output, folder: folder, threads: threads,
          tileSize: tileSize, overwrite: overwrite, sbatchArguments: extra)
      }
      let fm = FileManager.default
      try fm.createDirectory(
        atPath: folder + "/logs", withIntermediateDirectories: true)
      try fm.createDirectory(atPath: partsFolder, withIntermediateDirectories: true)
      if let list = plan.unitsList {
        let tmp = list.path + ".tmp"
        try Data(list.text.utf8).write(to: URL(fileURLWithPath: tmp))
        guard rename(tmp, list.path) == 0 else {
          throw ValidationError("cannot write \(list.path): \(String(cString: strerror(errno)))")
        }
      }
      let runFolder = URL(fileURLWithPath: absolute(runFile)).deletingLastPathComponent().path
      let mount =
        k8sMount
        ?? commonFolder([
          runFolder, absolute(config.coefficientsFolder),
          URL(fileURLWithPath: config.landUse.path).deletingLastPathComponent().path,
          partsFolder, output,
        ])
      let files: [(String, String, Bool)] = [
        ("shards.sbatch", plan.shardScript, true), ("merge.sbatch", plan.mergeScript, true),
        ("submit.sh", plan.submitScript, true),
        (
          "k8s-jobs.yaml",
          plan.kubernetesManifest(
            image: k8sImage ?? "gep:\(gepEngineVersion)", claim: k8sClaim, mountPath: mount),
          false
        ),
      ]
      for (name, text, executable) in files {
        let path = folder + "/" + name
        let tmp = folder + "/." + name + ".tmp"
        try Data(text.utf8).write(to: URL(fileURLWithPath: tmp))
        if executable { try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tmp) }
        guard rename(tmp, path) == 0 else {
          throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
      }
      FileHandle.standardError.write(
        Data(
          ("gep: wrote \(folder)/shards.sbatch (array 0-\(plan.shards - 1)), merge.sbatch, "
            + "submit.sh and k8s-jobs.yaml\n").utf8))
      guard submit else { return }
      let array = try sbatch(["--parsable", folder + "/shards.sbatch"])
      let merge = try sbatch([
        "--parsable", "--dependency=afterok:\(array)", "--kill-on-invalid-dep=yes",
        folder + "/merge.sbatch",
      ])
      print("array \(array) merge \(merge)")
    }
  }

  /// Runs `sbatch ARGS` and returns the job id it prints (`--parsable`: "ID" or "ID;cluster").
  func sbatch(_ arguments: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["sbatch"] + arguments
    let outPipe = Pipe()
    let errPipe = Pipe()
    p.standardOutput = outPipe
    p.standardError = errPipe
    do {
      try p.run()
    } catch {
      throw InputProblems(problems: [
        Problem(.error, "slurm.sbatch", "cannot run sbatch: \(error)")
      ])
    }
    let out = outPipe.fileHandleForReading.readDataToEndOfFile()
    let err = errPipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    let id = text.split(separator: ";").first.map(String.init) ?? ""
    guard p.terminationStatus == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
      throw InputProblems(problems: [
        Problem(
          .error, "slurm.sbatch",
          "sbatch \(arguments.joined(separator: " ")) failed (exit \(p.terminationStatus)): "
            + String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        )
      ])
    }
    return id
  }
}
