import Foundation
import GEPCore
import GEPGeo

/// What the array-job scripts of a sharded run run (`gep slurm`, issue 19): one `gep compute
/// RUN --shard I/N` per array task writing its part into a shared folder, then one `gep merge`
/// of the N parts into the account folder.
public struct ShardedRunPlan: Sendable {
  /// The `gep` executable, absolute (it must be at the same path on every node).
  public var gep: String
  /// The run file, absolute.
  public var runFile: String
  /// Number of shards N (array tasks 0 … N−1).
  public var shards: Int
  /// The shared folder of the part files, absolute.
  public var parts: String
  /// The account folder the merge writes, absolute.
  public var output: String
  /// Folder of the scripts and job logs, absolute.
  public var folder: String
  /// Threads per shard; nil: `$SLURM_CPUS_PER_TASK` (1 when unset) on Slurm.
  public var threads: Int?
  /// `--tile-size` for every shard (nil: the default).
  public var tileSize: Int?
  /// The merge replaces an existing account folder.
  public var overwrite: Bool
  /// Extra sbatch options (`--partition=cpu`, `--mem=8G` …), one `#SBATCH` line each in both
  /// scripts.
  public var sbatchArguments: [String]
  /// Job name prefix.
  public var name: String
  /// Split by the units of a level (`gep slurm --by LEVEL`) instead of tiles: the level
  /// (county, township, village) and the codes of its units, in order. Task I (0 ≤ I <
  /// `shards`) runs `gep compute RUN --units CODE` with the I-th line of `unitsList`: the
  /// codes, then `unassigned:LEVEL`; `shards` is the code count + 1.
  public var units: (level: String, codes: [String])?

  /// The list of the parts' `--units` arguments, one per line (`PARTS/units-LEVEL.txt`), of
  /// a split by units; nil for tiles.
  public var unitsList: (path: String, text: String)? {
    units.map {
      (
        parts + "/units-\($0.level).txt",
        ($0.codes + ["unassigned:\($0.level)"]).joined(separator: "\n") + "\n"
      )
    }
  }

  /// Creates a plan.
  public init(
    gep: String, runFile: String, shards: Int, parts: String, output: String, folder: String,
    threads: Int? = nil, tileSize: Int? = nil, overwrite: Bool = false,
    sbatchArguments: [String] = [], name: String = "gep"
  ) {
    self.gep = gep
    self.runFile = runFile
    self.shards = shards
    self.parts = parts
    self.output = output
    self.folder = folder
    self.threads = threads
    self.tileSize = tileSize
    self.overwrite = overwrite
    self.sbatchArguments = sbatchArguments
    self.name = name
  }

  /// A plan split by the units of `level` (`gep slurm --by LEVEL`): one array task per unit
  /// code of `codes` and one for `unassigned:LEVEL` (see `units`).
  public init(
    gep: String, runFile: String, level: String, codes: [String], parts: String,
    output: String, folder: String, threads: Int? = nil, tileSize: Int? = nil,
    overwrite: Bool = false, sbatchArguments: [String] = [], name: String = "gep"
  ) {
    self.init(
      gep: gep, runFile: runFile, shards: codes.count + 1, parts: parts, output: output,
      folder: folder, threads: threads, tileSize: tileSize, overwrite: overwrite,
      sbatchArguments: sbatchArguments, name: name)
    self.units = (level, codes)
  }

  /// The sorted codes of the units of `level` in the run's unit layer (for `--by LEVEL`).
  ///
  /// - Throws: `InputProblems` when the unit layer does not load (as `gep validate`
  ///   reports it), `GDALError` when the land-use raster or the layer cannot be read.
  public static func unitCodes(config: RunConfiguration, level: UnitLevel) throws -> [String] {
    var grid = try RasterDataset(path: config.landUse.path).grid()
    if let crs = config.landUse.crs { grid.crs = try SpatialReference(definition: crs) }
    var d = Diagnostics()
    let units = try UnitSet.load(config.units, grid: grid, diagnostics: &d)
    if d.hasErrors { throw InputProblems(problems: d.problems) }
    return units.all.filter { $0.level == level }.map(\.code).sorted()
  }

  /// A word for a POSIX shell: as is when it holds only safe characters, else in single
  /// quotes (a quote inside as `'\''`).
  public static func shellWord(_ s: String) -> String {
    let safe = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@%+=:,./-_")
    if !s.isEmpty, s.allSatisfy({ safe.contains($0) }) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// The shard command for the shard id in the shell variable `indexVariable`.
  func shardCommand(indexVariable: String, threads: String) -> String {
    var words = [Self.shellWord(gep), "compute", Self.shellWord(runFile)]
    if let list = unitsList {
      words += [
        "--units", "\"$(sed -n \"$((\(indexVariable) + 1))p\" \(Self.shellWord(list.path)))\"",
      ]
    } else {
      words += ["--shard", "\"$\(indexVariable)/\(shards)\""]
    }
    words += ["--out", Self.shellWord(parts), "--threads", threads]
    if let tileSize { words += ["--tile-size", String(tileSize)] }
    words.append("--quiet")
    return words.joined(separator: " ")
  }

  /// The merge command (the parts by a glob of this split's file names: a missing one is
  /// reported by the merge, naming it).
  func mergeCommand(threads: String) -> String {
    var words = [Self.shellWord(gep), "merge", Self.shellWord(runFile)]
    if let units {
      words.append(Self.shellWord(parts) + "/units-\(units.level)-*.\(PartFile.fileExtension)")
    } else {
      let digits = max(4, String(shards).count)
      let n = String(repeating: "0", count: digits - String(shards).count) + String(shards)
      words.append(Self.shellWord(parts) + "/shard-*-of-\(n).\(PartFile.fileExtension)")
    }
    words += ["--out", Self.shellWord(output), "--threads", threads]
    if overwrite { words.append("--overwrite") }
    words.append("--quiet")
    return words.joined(separator: " ")
  }

  /// `shards.sbatch`: the array job, `#SBATCH --array=0-(N−1)`, one shard per task
  /// (`$SLURM_ARRAY_TASK_ID`). A task that fails may be requeued or resubmitted: its part is
  /// written atomically and replaced whole.
  public var shardScript: String {
    let threads = threads.map(String.init) ?? "\"${SLURM_CPUS_PER_TASK:-1}\""
    var lines = [
      "#!/bin/sh",
      "# gep: shards of \(runFile) (gep slurm; submit with sbatch, then merge.sbatch with",
      "# --dependency=afterok:<this job's id>, as submit.sh does)",
      "#SBATCH --job-name=\(name)-shards",
      "#SBATCH --array=0-\(shards - 1)",
      "#SBATCH --output=\(folder)/logs/shard-%a.out",
    ]
    if let t = self.threads { lines.append("#SBATCH --cpus-per-task=\(t)") }
    lines += sbatchArguments.map { "#SBATCH \($0)" }
    lines += [
      "set -eu", "exec " + shardCommand(indexVariable: "SLURM_ARRAY_TASK_ID", threads: threads),
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  /// `merge.sbatch`: the merge job, to be submitted with `--dependency=afterok:<array id>`
  /// (it runs once every task of the array ended with exit code 0).
  public var mergeScript: String {
    let threads = threads.map(String.init) ?? "\"${SLURM_CPUS_PER_TASK:-1}\""
    var lines = [
      "#!/bin/sh",
      "# gep: merge of the \(shards) parts of \(runFile) into \(output) (gep slurm)",
      "#SBATCH --job-name=\(name)-merge",
      "#SBATCH --output=\(folder)/logs/merge.out",
    ]
    if let t = self.threads { lines.append("#SBATCH --cpus-per-task=\(t)") }
    lines += sbatchArguments.map { "#SBATCH \($0)" }
    lines += ["set -eu", "exec " + mergeCommand(threads: threads)]
    return lines.joined(separator: "\n") + "\n"
  }

  /// `submit.sh`: submits the array, then the merge depending on it (`sbatch --parsable`
  /// prints the job id), and prints both ids.
  public var submitScript: String {
    """
    #!/bin/sh
    # gep: submits the shards of \(runFile) as an array job and the merge after it.
    set -eu
    array=$(sbatch --parsable \(Self.shellWord(folder + "/shards.sbatch")))
    array=${array%%;*}
    merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes \(Self.shellWord(folder + "/merge.sbatch")))
    merge=${merge%%;*}
    echo "array $array merge $merge"

    """
  }

  /// A Kubernetes manifest: an Indexed Job (`completionMode: Indexed`, `completions` =
  /// `parallelism` = N) whose pod of index i runs shard i/N (`$JOB_COMPLETION_INDEX`), and a
  /// merge Job, both mounting one shared volume (a ReadWriteMany PersistentVolumeClaim) at
  /// `mountPath` — which must hold the run file, its inputs, the parts and the output at the
  /// same paths as here. Kubernetes has no dependency between Jobs: apply the merge Job after
  /// `kubectl wait --for=condition=complete job/<name>-shards` (docs/scale-out.md).
  ///
  /// - Parameters:
  ///   - image: a container image with `gep` at `self.gep`.
  ///   - claim: the PersistentVolumeClaim's name.
  ///   - mountPath: where the claim is mounted (a folder holding every path of the plan).
  public func kubernetesManifest(image: String, claim: String, mountPath: String) -> String {
    let threads = String(threads ?? 1)
    func q(_ s: String) -> String {
      "\""
        + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
          of: "\"", with: "\\\"")
        + "\""
    }
    func job(_ suffix: String, indexed: Bool, command: String) -> String {
      var spec = [
        "apiVersion: batch/v1",
        "kind: Job",
        "metadata:",
        "  name: \(name)-\(suffix)",
        "spec:",
      ]
      if indexed {
        spec += [
          "  completionMode: Indexed",
          "  completions: \(shards)",
          "  parallelism: \(shards)",
          "  backoffLimitPerIndex: 3",
          "  maxFailedIndexes: 0",
        ]
      } else {
        spec += ["  completions: 1", "  backoffLimit: 3"]
      }
      spec += [
        "  template:",
        "    spec:",
        "      restartPolicy: Never",
        "      containers:",
        "        - name: gep",
        "          image: \(q(image))",
        "          command: [\"/bin/sh\", \"-c\", \(q("set -eu; exec " + command))]",
        "          resources:",
        "            requests:",
        "              cpu: \(q(threads))",
        "          volumeMounts:",
        "            - name: shared",
        "              mountPath: \(q(mountPath))",
        "      volumes:",
        "        - name: shared",
        "          persistentVolumeClaim:",
        "            claimName: \(q(claim))",
      ]
      return spec.joined(separator: "\n") + "\n"
    }
    return "# gep: shards of \(runFile) as a Kubernetes Indexed Job, then the merge (gep slurm)\n"
      + job(
        "shards", indexed: true,
        command: shardCommand(indexVariable: "JOB_COMPLETION_INDEX", threads: threads))
      + "---\n"
      + job("merge", indexed: false, command: mergeCommand(threads: threads))
  }
}

/// The longest folder holding all of `paths` (absolute): the default mount path of the shared
/// volume in the Kubernetes manifest.
public func commonFolder(_ paths: [String]) -> String {
  let split = paths.map { URL(fileURLWithPath: $0).standardizedFileURL.pathComponents }
  guard var common = split.first else { return "/" }
  for p in split.dropFirst() {
    var i = 0
    while i < common.count, i < p.count, common[i] == p[i] { i += 1 }
    common = Array(common[..<i])
  }
  let joined = common.dropFirst().joined(separator: "/")
  return "/" + joined
}
