import Foundation
import Testing

/// A child process started with `posix_spawn` with an empty signal mask and default signal
/// actions. Foundation's `Process` passes on the mask of the spawning thread, and the test
/// runner's threads block SIGTERM among others: a daemon started that way ignores the
/// `kill` that should stop it (seen here), and its exit went unnoticed.
struct Child {
  let pid: pid_t

  /// Starts `executable ARGS` with the environment plus `environment`, stdin from /dev/null,
  /// stdout and stderr to the files `stdout` and `stderr` (created or truncated).
  static func spawn(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:],
    stdout: String, stderr: String
  ) throws -> Child {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if stderr == stdout {
      posix_spawn_file_actions_adddup2(&actions, 1, 2)
    } else {
      posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for s in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] {
      sigaddset(&defaults, s)
    }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let env = ProcessInfo.processInfo.environment.merging(environment) { _, b in b }
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for p in argv { free(p) }
      for p in envp { free(p) }
    }
    var pid = pid_t()
    let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    guard rc == 0 else {
      throw CocoaError(
        .executableLoad,
        userInfo: [
          NSLocalizedDescriptionKey: "posix_spawn \(executable): \(String(cString: strerror(rc)))"
        ])
    }
    return Child(pid: pid)
  }

  /// Waits up to `timeout` seconds; the exit code (128 + N for signal N), nil when still
  /// running.
  func wait(timeout: Double) -> Int32? {
    let deadline = Date().addingTimeInterval(timeout)
    repeat {
      var status: Int32 = 0
      let r = waitpid(pid, &status, WNOHANG)
      if r == pid { return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
      if r < 0 { return -1 }
      usleep(20_000)
    } while Date() < deadline
    return nil
  }

  /// SIGTERM, then SIGKILL after `grace` seconds; reaps the process.
  func stop(grace: Double = 10) {
    kill(pid, SIGTERM)
    if wait(timeout: grace) == nil {
      kill(pid, SIGKILL)
      _ = wait(timeout: 10)
    }
  }
}

/// Runs `executable ARGS` with `environment` added, returning exit code, stdout and stderr;
/// nil status when it ran past `timeout` seconds (it is then stopped).
func runProcess(
  _ executable: String, _ arguments: [String], environment: [String: String] = [:],
  timeout: Double = 300
) throws -> (status: Int32?, stdout: String, stderr: String) {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
    "gep-run-\(UInt64.random(in: 0...UInt64.max))")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: folder) }
  let out = folder.appendingPathComponent("out").path
  let err = folder.appendingPathComponent("err").path
  let child = try Child.spawn(
    executable, arguments, environment: environment, stdout: out, stderr: err)
  let status = child.wait(timeout: timeout)
  if status == nil { child.stop() }
  return (
    status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
    (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
  )
}

/// The demo county's run file.
let demoRunFile = repositoryRoot.appendingPathComponent("sample-data/demo-county/gep.toml").path

/// The account files a sharded run must reproduce byte for byte.
let accountFiles = ["summary.csv", "indicators.csv", "matrix.csv", "units.geojson"]

/// `manifest.json` of `folder` without its timings block (the one part that differs).
func manifestWithoutTimings(_ folder: URL) throws -> String {
  let text = try String(contentsOf: folder.appendingPathComponent("manifest.json"), encoding: .utf8)
  let start = try #require(text.range(of: "\"timings_seconds\""))
  return String(text[..<start.lowerBound])
}

/// Expects the account files of `a` and `b` to be identical (and the manifests but their
/// timings).
func expectSameAccount(_ a: URL, _ b: URL) throws {
  for f in accountFiles {
    let x = try Data(contentsOf: a.appendingPathComponent(f))
    let y = try Data(contentsOf: b.appendingPathComponent(f))
    #expect(x == y, "\(f) differs")
    #expect(x.count > 1000)
  }
  #expect(try manifestWithoutTimings(a) == manifestWithoutTimings(b))
}

/// Scale-out from the command line (issue 19): `gep compute --shard`, `gep merge`, `gep slurm`
/// with its Kubernetes manifest run index by index, and a real single-node Slurm cluster.
@Suite(.serialized) struct ScaleOutTests {
  @Test func shardAndMergeOptionsAreCheckedAndAMissingPartIsNamed() throws {
    let bad = try runGEP(["compute", demoRunFile, "--shard", "4/4"])
    #expect(bad.status == 64)
    #expect(bad.stderr.contains("--shard must be I/N with 0 ≤ I < N"))
    let rasters = try runGEP(["compute", demoRunFile, "--shard", "0/4", "--rasters"])
    #expect(rasters.status == 64)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gep-cli-merge-\(UInt64.random(in: 0...UInt64.max))")
    defer { try? FileManager.default.removeItem(at: folder) }
    let parts = folder.appendingPathComponent("parts").path
    for i in [0, 2] {
      let r = try runGEP([
        "compute", demoRunFile, "--shard", "\(i)/3", "--out", parts, "--threads", "1",
        "--quiet",
      ])
      #expect(r.status == 0, "\(r.stderr)")
    }
    let out = folder.appendingPathComponent("account").path
    let merge = try runGEP([
      "merge", demoRunFile, parts + "/shard-0000-of-0003.gep-part",
      parts + "/shard-0002-of-0003.gep-part", "--out", out, "--quiet",
    ])
    #expect(merge.status == 1)
    #expect(merge.stderr.contains("[part.missing]"))
    #expect(merge.stderr.contains("1 of 3 shards missing: 1/3 (shard-0001-of-0003.gep-part)"))
    #expect(!FileManager.default.fileExists(atPath: out))
  }

  /// `--units` from the command line: the county's part and the unassigned part, merged,
  /// give the single run's account; `--units` with `--shard`, with `--report`, or with a code
  /// not in the layer is refused.
  @Test func countyPartAndUnassignedPartMergeToTheSingleRunsAccount() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gep-cli-units-\(UInt64.random(in: 0...UInt64.max))")
    defer { try? FileManager.default.removeItem(at: folder) }
    let both = try runGEP(["compute", demoRunFile, "--units", "520621000000", "--shard", "0/2"])
    #expect(both.status == 64)
    #expect(both.stderr.contains("give --shard I/N or --units CODE, not both"))
    let report = try runGEP(["compute", demoRunFile, "--units", "520621000000", "--report"])
    #expect(report.status == 64)
    let parts = folder.appendingPathComponent("parts").path
    let unknown = try runGEP(["compute", demoRunFile, "--units", "520699000000", "--out", parts])
    #expect(unknown.status == 1)
    #expect(unknown.stderr.contains("[units.unknown-code]"))
    for unit in ["520621000000", "unassigned:county"] {
      let r = try runGEP(["compute", demoRunFile, "--units", unit, "--out", parts, "--quiet"])
      #expect(r.status == 0, "\(r.stderr)")
    }
    let names = try FileManager.default.contentsOfDirectory(atPath: parts).filter {
      !$0.hasPrefix(".")
    }
    #expect(
      names.sorted() == ["units-county-520621000000.gep-part", "units-county-unassigned.gep-part"])
    let merged = folder.appendingPathComponent("merged")
    let merge = try runGEP(
      ["merge", demoRunFile] + names.map { parts + "/" + $0 } + ["--out", merged.path, "--quiet"])
    #expect(merge.status == 0, "\(merge.stderr)")
    let single = folder.appendingPathComponent("single")
    let one = try runGEP(["compute", demoRunFile, "--out", single.path, "--quiet"])
    #expect(one.status == 0, "\(one.stderr)")
    try expectSameAccount(single, merged)
  }

  /// The Kubernetes manifest without a cluster: the YAML parses (with PyYAML when installed)
  /// into an Indexed Job of N completions and a merge Job; then each index's command is run
  /// here with its `JOB_COMPLETION_INDEX`, and the merge's, and the account equals a single
  /// run's.
  @Test func kubernetesIndexedJobRunsIndexByIndexToTheSingleRunsAccount() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gep-k8s-\(UInt64.random(in: 0...UInt64.max))")
    defer { try? FileManager.default.removeItem(at: folder) }
    let single = folder.appendingPathComponent("single")
    let s = try runGEP(["compute", demoRunFile, "--out", single.path, "--threads", "1", "--quiet"])
    #expect(s.status == 0, "\(s.stderr)")
    let jobs = folder.appendingPathComponent("jobs")
    let account = folder.appendingPathComponent("account")
    let w = try runGEP([
      "slurm", demoRunFile, "--shards", "3", "--dir", jobs.path, "--parts",
      folder.appendingPathComponent("parts").path, "--out", account.path, "--threads", "1",
      "--k8s-image", "registry.example/gep:0.1.0",
    ])
    #expect(w.status == 0, "\(w.stderr)")
    let manifest = jobs.appendingPathComponent("k8s-jobs.yaml").path
    let yaml = try String(contentsOfFile: manifest, encoding: .utf8)
    // Schema, when PyYAML is there (an independent YAML parser).
    let check = """
      import json, sys, yaml
      docs = list(yaml.safe_load_all(open(sys.argv[1])))
      print(json.dumps([[d["apiVersion"], d["kind"], d["spec"].get("completionMode"),
        d["spec"]["completions"], d["spec"].get("parallelism"),
        d["spec"]["template"]["spec"]["restartPolicy"],
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        d["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"]]
        for d in docs]))
      """
    if let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: {
      FileManager.default.isExecutableFile(atPath: $0)
    }), try runProcess(python, ["-c", "import yaml"]).status == 0 {
      let r = try runProcess(python, ["-c", check, manifest])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(
        r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
          == "[[\"batch/v1\", \"Job\", \"Indexed\", 3, 3, \"Never\", \"registry.example/gep:0.1.0\", "
          + "\"gep-shared\"], [\"batch/v1\", \"Job\", null, 1, null, \"Never\", "
          + "\"registry.example/gep:0.1.0\", \"gep-shared\"]]")
    } else {
      print("ScaleOutTests: PyYAML not installed; the manifest's schema check is skipped")
    }
    // The containers' commands (JSON flow sequences in the YAML), run here index by index.
    let commands = try yaml.split(separator: "\n").filter {
      $0.trimmingCharacters(in: .whitespaces).hasPrefix("command: ")
    }.map { line -> [String] in
      let json = line.trimmingCharacters(in: .whitespaces).dropFirst("command: ".count)
      return try JSONDecoder().decode([String].self, from: Data(json.utf8))
    }
    #expect(commands.count == 2)
    #expect(commands.first?.last?.contains("--shard \"$JOB_COMPLETION_INDEX/3\"") == true)
    for index in 0..<3 {
      let r = try runProcess(
        "/bin/sh", Array(commands[0].dropFirst()),
        environment: ["JOB_COMPLETION_INDEX": String(index)])
      #expect(r.status == 0, "index \(index): \(r.stderr)")
    }
    let m = try runProcess("/bin/sh", Array(commands[1].dropFirst()))
    #expect(m.status == 0, "merge: \(m.stderr)")
    try expectSameAccount(single, account)
  }

  /// `gep slurm --by township`: the array has one task per township and one for the
  /// unassigned part; the scripts, run here task by task with `SLURM_ARRAY_TASK_ID` (as
  /// Slurm would), and the merge script give the single run's account.
  @Test func slurmByTownshipScriptsRunTaskByTaskToTheSingleRunsAccount() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gep-by-\(UInt64.random(in: 0...UInt64.max))")
    defer { try? FileManager.default.removeItem(at: folder) }
    let neither = try runGEP(["slurm", demoRunFile])
    #expect(neither.status == 64)
    #expect(neither.stderr.contains("give --shards N or --by LEVEL"))
    let badLevel = try runGEP(["slurm", demoRunFile, "--by", "province"])
    #expect(badLevel.status == 64)
    let single = folder.appendingPathComponent("single")
    let s = try runGEP(["compute", demoRunFile, "--out", single.path, "--threads", "1", "--quiet"])
    #expect(s.status == 0, "\(s.stderr)")
    let jobs = folder.appendingPathComponent("jobs")
    let parts = folder.appendingPathComponent("parts")
    let account = folder.appendingPathComponent("account")
    let w = try runGEP([
      "slurm", demoRunFile, "--by", "township", "--dir", jobs.path, "--parts", parts.path,
      "--out", account.path, "--threads", "1",
    ])
    #expect(w.status == 0, "\(w.stderr)")
    // The ten townships of units.csv, in code order, then the unassigned part.
    let list = try String(
      contentsOf: parts.appendingPathComponent("units-township.txt"), encoding: .utf8)
    let lines = list.split(separator: "\n").map(String.init)
    #expect(lines.count == 11)
    #expect(lines.first == "520621001000")
    #expect(lines.last == "unassigned:township")
    #expect(lines.dropLast() == lines.dropLast().sorted()[...])
    let script = try String(
      contentsOf: jobs.appendingPathComponent("shards.sbatch"), encoding: .utf8)
    #expect(script.contains("#SBATCH --array=0-10"))
    for task in 0..<11 {
      let r = try runProcess(
        "/bin/sh", [jobs.appendingPathComponent("shards.sbatch").path],
        environment: ["SLURM_ARRAY_TASK_ID": String(task)])
      #expect(r.status == 0, "task \(task): \(r.stderr)")
    }
    let m = try runProcess("/bin/sh", [jobs.appendingPathComponent("merge.sbatch").path])
    #expect(m.status == 0, "merge: \(m.stderr)")
    try expectSameAccount(single, account)
  }

  /// A real Slurm: a single-node cluster started here (munged as the munge user, slurmctld -D
  /// and slurmd -D in the background, proctrack/linuxproc, task/none, no accounting,
  /// batch_sched_delay=0, the host's short name as controller and node), `gep slurm --submit`
  /// of the demo in 4 shards, the merge job awaited and its account compared with a single
  /// run; the jobs are cancelled and the daemons stopped by PID in every case.
  @Test(
    .enabled(
      if: SingleNodeSlurm.missing == nil,
      "needs root and the Debian packages slurmctld slurmd slurm-client munge (make test-setup)"),
    .timeLimit(.minutes(10)))
  func slurmArrayJobAndDependentMergeGiveTheSingleRunsAccount() throws {
    let cluster = try SingleNodeSlurm.start()
    defer { cluster.stop() }
    let single = cluster.folder.appendingPathComponent("single")
    let s = try runGEP(["compute", demoRunFile, "--out", single.path, "--threads", "1", "--quiet"])
    #expect(s.status == 0, "\(s.stderr)")
    let account = cluster.folder.appendingPathComponent("account")
    let submitted = try runProcess(
      gepExecutable().path,
      [
        "slurm", demoRunFile, "--shards", "4", "--dir",
        cluster.folder.appendingPathComponent("jobs").path, "--parts",
        cluster.folder.appendingPathComponent("parts").path, "--out", account.path, "--submit",
      ], environment: cluster.environment, timeout: 60)
    #expect(submitted.status == 0, "\(submitted.stderr)")
    let ids = submitted.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
    try #require(ids.count == 4 && ids[0] == "array" && ids[2] == "merge", "\(submitted.stdout)")
    cluster.jobs = [ids[1], ids[3]]
    // Wait for both jobs to leave the queue (the array's 4 tasks, then the merge).
    let deadline = Date().addingTimeInterval(240)
    var queued = true
    while queued && Date() < deadline {
      let q = try cluster.run("/usr/bin/squeue", ["-h", "-j", "\(ids[1]),\(ids[3])"])
      queued = q.status != 0 || !q.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
      if queued { usleep(200_000) }
    }
    #expect(!queued, "the jobs were still queued after 240 s")
    let state = try cluster.run("/usr/bin/scontrol", ["show", "job", ids[3]])
    #expect(state.stdout.contains("JobState=COMPLETED"), "\(state.stdout)\(cluster.logs())")
    #expect(state.stdout.contains("ExitCode=0:0"))
    let parts = try FileManager.default.contentsOfDirectory(
      atPath: cluster.folder.appendingPathComponent("parts").path
    ).filter { !$0.hasPrefix(".") }.sorted()
    #expect(parts == (0..<4).map { "shard-000\($0)-of-0004.gep-part" })
    try expectSameAccount(single, account)
  }
}

/// A single-node Slurm cluster in a temporary folder, for one test: its own munge key and
/// socket, its own ports, state and logs; every daemon a child process stopped by its PID.
final class SingleNodeSlurm: @unchecked Sendable {
  static let daemons = [
    "/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch",
    "/usr/bin/squeue", "/usr/bin/scancel", "/usr/bin/scontrol", "/usr/bin/sinfo",
    "/usr/bin/setpriv",
  ]

  /// Why the cluster cannot start here (nil: it can).
  static let missing: String? = {
    if getuid() != 0 { return "not root" }
    if let absent = daemons.first(where: { !FileManager.default.isExecutableFile(atPath: $0) }) {
      return "\(absent) is not installed"
    }
    if getpwnam("munge") == nil { return "no munge user" }
    return nil
  }()

  let folder: URL
  var processes: [Child] = []
  var jobs: [String] = []
  var environment: [String: String] {
    ["SLURM_CONF": folder.appendingPathComponent("slurm.conf").path]
  }

  private init(folder: URL) { self.folder = folder }

  /// Runs a Slurm client with this cluster's configuration.
  func run(_ tool: String, _ arguments: [String]) throws -> (
    status: Int32?, stdout: String, stderr: String
  ) {
    try runProcess(tool, arguments, environment: environment, timeout: 30)
  }

  /// The daemons' logs, for a failure message.
  func logs() -> String {
    ["slurmctld.log", "slurmd.log"].map { name in
      "\n--- \(name)\n"
        + ((try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? "")
    }.joined()
  }

  /// Starts munged, slurmctld and slurmd, and waits (≤ 30 s) for the node to be idle.
  static func start() throws -> SingleNodeSlurm {
    var template = Array("/tmp/gep-slurm-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
    let c = SingleNodeSlurm(folder: URL(fileURLWithPath: String(cString: made)))
    do {
      try c.launch()
    } catch {
      c.stop()
      throw error
    }
    return c
  }

  private func launch() throws {
    let fm = FileManager.default
    let path = folder.path
    chmod(path, 0o755)
    let munge = getpwnam("munge")!.pointee
    for (dir, mode) in [("munge", 0o700), ("run", 0o755)] {
      try fm.createDirectory(atPath: "\(path)/\(dir)", withIntermediateDirectories: false)
      chown("\(path)/\(dir)", munge.pw_uid, munge.pw_gid)
      chmod("\(path)/\(dir)", mode_t(mode))
    }
    for dir in ["state", "spool"] {
      try fm.createDirectory(atPath: "\(path)/\(dir)", withIntermediateDirectories: false)
    }
    let key = "\(path)/munge/munge.key"
    var bytes = [UInt8](repeating: 0, count: 1024)
    for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
    fm.createFile(atPath: key, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
    chown(key, munge.pw_uid, munge.pw_gid)
    let socket = "\(path)/run/munge.socket"
    try spawn(
      "/usr/bin/setpriv",
      [
        "--reuid=munge", "--regid=munge", "--init-groups", "/usr/sbin/munged", "-F",
        "--socket=\(socket)", "--key-file=\(key)", "--pid-file=\(path)/run/munged.pid",
        "--log-file=\(path)/munge/munged.log", "--seed-file=\(path)/munge/munge.seed",
      ], log: "munged.out")
    try waitFor(10, "munged's socket") { fm.fileExists(atPath: socket) }
    var host = [CChar](repeating: 0, count: 256)
    gethostname(&host, host.count)
    let name = String(cString: host).split(separator: ".").first.map(String.init) ?? "localhost"
    let port = Int.random(in: 20_000...40_000)
    let conf = """
      ClusterName=geptest
      SlurmctldHost=\(name)
      SlurmUser=root
      SlurmdUser=root
      AuthType=auth/munge
      AuthInfo=socket=\(socket)
      CredType=cred/munge
      SlurmctldPort=\(port)
      SlurmdPort=\(port + 1)
      StateSaveLocation=\(path)/state
      SlurmdSpoolDir=\(path)/spool
      SlurmctldPidFile=\(path)/slurmctld.pid
      SlurmdPidFile=\(path)/slurmd.pid
      SlurmctldLogFile=\(path)/slurmctld.log
      SlurmdLogFile=\(path)/slurmd.log
      MailProg=/bin/true
      ProctrackType=proctrack/linuxproc
      TaskPlugin=task/none
      JobAcctGatherType=jobacct_gather/none
      AccountingStorageType=accounting_storage/none
      JobCompType=jobcomp/none
      SchedulerType=sched/builtin
      SchedulerParameters=batch_sched_delay=0
      SelectType=select/cons_tres
      SelectTypeParameters=CR_CPU
      ReturnToService=2
      MpiDefault=none
      NodeName=\(name) CPUs=\(ProcessInfo.processInfo.activeProcessorCount) State=UNKNOWN
      PartitionName=gep Nodes=\(name) Default=YES MaxTime=INFINITE State=UP

      """
    try conf.write(toFile: "\(path)/slurm.conf", atomically: true, encoding: .utf8)
    try spawn("/usr/sbin/slurmctld", ["-D", "-f", "\(path)/slurm.conf"], log: "slurmctld.out")
    try spawn("/usr/sbin/slurmd", ["-D", "-f", "\(path)/slurm.conf"], log: "slurmd.out")
    try waitFor(30, "the node to be idle\(logs())") {
      let r = try? run("/usr/bin/sinfo", ["-h", "-o", "%t"])
      return r?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "idle"
    }
  }

  private func spawn(_ executable: String, _ arguments: [String], log: String) throws {
    let path = folder.appendingPathComponent(log).path
    processes.append(
      try Child.spawn(
        executable, arguments, environment: environment, stdout: path, stderr: path))
  }

  private func waitFor(_ seconds: Double, _ what: String, _ ready: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !ready() {
      if Date() > deadline {
        throw CocoaError(
          .fileReadUnknown,
          userInfo: [NSLocalizedDescriptionKey: "waited \(seconds) s for \(what)"])
      }
      usleep(100_000)
    }
  }

  /// Cancels the jobs, stops the daemons by PID (SIGTERM, then SIGKILL after 10 s; reaped),
  /// and removes the folder.
  func stop() {
    if !jobs.isEmpty { _ = try? run("/usr/bin/scancel", jobs) }
    for p in processes.reversed() { p.stop() }
    processes = []
    try? FileManager.default.removeItem(at: folder)
  }
}
