import Foundation
import GEPPipeline
import Testing

/// Shards and merge (issue 19): the demo county split into 1, 2, 3 and 7 shards and merged
/// gives the single run's files byte for byte; a missing, duplicated, damaged or foreign part
/// is refused, every problem at once; the partition rule on hand-computed weights.
@Suite(.serialized) struct ShardTests {
  static let demo = repoRoot.appendingPathComponent("sample-data/demo-county")
  static let runFile = demo.appendingPathComponent("gep.toml").path
  /// Tiles of 64 cells, so that the demo grid has enough tiles for 7 non-empty shards.
  static let tileSize = 64

  /// The account's files compared byte for byte.
  static let accountFiles = ["summary.csv", "indicators.csv", "matrix.csv", "units.geojson"]

  /// `manifest.json` without its `timings_seconds` block (the one part allowed to differ).
  func manifestWithoutTimings(_ folder: URL) throws -> String {
    let text = try String(
      contentsOf: folder.appendingPathComponent("manifest.json"), encoding: .utf8)
    let start = try #require(text.range(of: "\"timings_seconds\""))
    return String(text[..<start.lowerBound])
  }

  /// Runs every shard of an `n`-way split into `parts`, returning the part paths and results.
  func runShards(_ n: Int, config: RunConfiguration, parts: URL) throws -> [ShardResult] {
    try (0..<n).map { i in
      try ComputeJob.shard(
        config: config,
        options: ComputeOptions(output: parts.path, threads: 2, tileSize: Self.tileSize),
        shard: try #require(ShardSpec(index: i, count: n)))
    }
  }

  @Test func shardsOfOneTwoThreeAndSevenMergeToTheSingleRunsBytes() throws {
    let folder = try tempFolder("shards")
    defer { try? FileManager.default.removeItem(at: folder) }
    let config = try RunConfiguration.load(path: Self.runFile)
    let singleOut = folder.appendingPathComponent("single")
    let single = try compute(Self.runFile, out: singleOut, threads: 2, tileSize: Self.tileSize)
    for n in [1, 2, 3, 7] {
      let parts = folder.appendingPathComponent("parts-\(n)")
      let results = try runShards(n, config: config, parts: parts)
      // Every tile in exactly one shard: the shards' tiles and cells add up to the plan's.
      let tileCount = try #require(results.first?.tileCount)
      #expect(results.map(\.tiles).reduce(0, +) == tileCount)
      #expect(results.map(\.cells).reduce(0, +) == single.cells)
      #expect(results.allSatisfy { $0.tiles > 0 }, "each of \(n) shards has tiles")
      // A shard writes its part and no account.
      #expect(!FileManager.default.fileExists(atPath: singleOut.path + "-parts"))
      for r in results {
        #expect(r.part == parts.appendingPathComponent(r.shard.partFileName).path)
        #expect(FileManager.default.fileExists(atPath: r.part))
      }
      let names = try FileManager.default.contentsOfDirectory(atPath: parts.path).filter {
        !$0.hasPrefix(".")
      }
      #expect(names.sorted() == results.map(\.shard.partFileName).sorted())
      // Merged in reverse order: integer sums, any order.
      let mergedOut = folder.appendingPathComponent("merged-\(n)")
      let merged = try ComputeJob.merge(
        config: config, options: ComputeOptions(output: mergedOut.path, threads: 2),
        parts: results.map(\.part).reversed())
      #expect(merged.cells == single.cells)
      for f in Self.accountFiles {
        let a = try Data(contentsOf: singleOut.appendingPathComponent(f))
        let b = try Data(contentsOf: mergedOut.appendingPathComponent(f))
        #expect(a == b, "\(f) of \(n) merged shards differs from the single run's")
        #expect(a.count > 1000, "\(f) holds the account")
      }
      #expect(try manifestWithoutTimings(mergedOut) == manifestWithoutTimings(singleOut))
    }
  }

  @Test func mergeRefusesMissingDuplicateDamagedAndForeignPartsAtOnce() throws {
    let folder = try tempFolder("shards-refused")
    defer { try? FileManager.default.removeItem(at: folder) }
    let config = try RunConfiguration.load(path: Self.runFile)
    let parts = folder.appendingPathComponent("parts")
    let results = try runShards(3, config: config, parts: parts)
    // A part of another run file: the same inputs by absolute paths, one comment added.
    var toml = try String(contentsOfFile: Self.runFile, encoding: .utf8)
    toml = toml.replacingOccurrences(
      of: "coefficients = \"../../coefficients\"", with: "coefficients = \"\(coefficientRoot)\"")
    for name in try FileManager.default.contentsOfDirectory(atPath: Self.demo.path) {
      let full = Self.demo.appendingPathComponent(name).path
      toml = toml.replacingOccurrences(of: "path = \"\(name)\"", with: "path = \"\(full)\"")
      toml = toml.replacingOccurrences(of: "names = \"\(name)\"", with: "names = \"\(full)\"")
    }
    let otherRun = folder.appendingPathComponent("other.toml")
    try (toml + "# another run\n").write(to: otherRun, atomically: true, encoding: .utf8)
    let foreign = try ComputeJob.shard(
      config: try RunConfiguration.load(path: otherRun.path),
      options: ComputeOptions(
        output: folder.appendingPathComponent("other-parts").path, threads: 2,
        tileSize: Self.tileSize),
      shard: try #require(ShardSpec(index: 1, count: 3)))
    // A damaged part: shard 2's bytes cut short by one byte.
    let damaged = folder.appendingPathComponent("damaged.gep-part")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: results[2].part))
    try bytes.dropLast().write(to: damaged)
    let out = folder.appendingPathComponent("merged")
    do {
      _ = try ComputeJob.merge(
        config: config, options: ComputeOptions(output: out.path, threads: 2),
        parts: [results[0].part, results[0].part, foreign.part, damaged.path])
      Issue.record("the merge accepted a missing, duplicated, damaged and foreign part")
    } catch {
      let codes = error.problems.map(\.code)
      #expect(codes.contains("part.duplicate"))
      #expect(codes.contains("part.foreign"))
      #expect(codes.contains("part.damaged"))
      #expect(codes.contains("part.missing"))
      let text = error.problems.map(\.message).joined(separator: "\n")
      // Shard 1 is missing (the foreign one does not count); shard 2's only file is damaged.
      #expect(text.contains("2 of 3 shards missing: 1/3 (shard-0001-of-0003.gep-part), 2/3"))
      #expect(text.contains("shard 0/3 is given 2 times: \(results[0].part), \(results[0].part)"))
      #expect(text.contains("\(foreign.part) is shard 1/3 of another run"))
      #expect(text.contains("\(damaged.path) is damaged"))
    }
    #expect(!FileManager.default.fileExists(atPath: out.path), "nothing written")
    // The three parts of the run merge.
    let merged = try ComputeJob.merge(
      config: config, options: ComputeOptions(output: out.path, threads: 2),
      parts: results.map(\.part))
    #expect(merged.cells == results.map(\.cells).reduce(0, +))
    // A part of a 2-way split among 3-way parts.
    let two = try ComputeJob.shard(
      config: config,
      options: ComputeOptions(
        output: folder.appendingPathComponent("two").path, threads: 2, tileSize: Self.tileSize),
      shard: try #require(ShardSpec(index: 0, count: 2)))
    let refused = #expect(throws: InputProblems.self) {
      _ = try ComputeJob.merge(
        config: config,
        options: ComputeOptions(output: out.path, threads: 2, overwrite: true),
        parts: results.map(\.part) + [two.part])
    }
    #expect(refused?.problems.map(\.code) == ["part.shard-count"])
  }

  /// The codes of `level` in the demo's unit table (code,name,level,parent_code).
  func demoCodes(_ level: String) throws -> [String] {
    let text = try String(
      contentsOf: Self.demo.appendingPathComponent("units.csv"), encoding: .utf8)
    var codes: [String] = []
    for line in text.split(separator: "\n").dropFirst() {
      let fields: [Substring] = line.split(separator: ",", omittingEmptySubsequences: false)
      if fields.count >= 3, String(fields[2]) == level { codes.append(String(fields[0])) }
    }
    return codes
  }

  /// `--units`: the part of every township (and, separately, of the county) plus the
  /// unassigned part merge to the single run's bytes; the county's part holds every village's
  /// sums; a missing unit part is named, an unknown code is refused.
  @Test func unitPartsOfEveryTownshipAndOfTheCountyMergeToTheSingleRunsBytes() throws {
    let folder = try tempFolder("unit-parts")
    defer { try? FileManager.default.removeItem(at: folder) }
    let config = try RunConfiguration.load(path: Self.runFile)
    let singleOut = folder.appendingPathComponent("single")
    let single = try compute(Self.runFile, out: singleOut, threads: 2, tileSize: Self.tileSize)
    for level in ["township", "county"] {
      let codes = try demoCodes(level)
      #expect(codes.count == (level == "county" ? 1 : 10), "demo \(level)s")
      let parts = folder.appendingPathComponent("parts-\(level)")
      let results = try (codes + ["unassigned:\(level)"]).map { unit in
        try ComputeJob.unitShard(
          config: config,
          options: ComputeOptions(output: parts.path, threads: 2, tileSize: Self.tileSize),
          unit: unit)
      }
      let names = try FileManager.default.contentsOfDirectory(atPath: parts.path).filter {
        !$0.hasPrefix(".")
      }
      #expect(
        names.sorted()
          == (codes.map { "units-\(level)-\($0).gep-part" } + ["units-\(level)-unassigned.gep-part"])
          .sorted())
      // Each cell is counted by one part.
      #expect(results.map(\.cells).reduce(0, +) == single.cells)
      if level == "township" {
        // Townships' boxes overlap: together they read more tiles than the plan has.
        #expect(results.map(\.tiles).reduce(0, +) > results[0].tileCount)
      }
      let mergedOut = folder.appendingPathComponent("merged-\(level)")
      let merged = try ComputeJob.merge(
        config: config, options: ComputeOptions(output: mergedOut.path, threads: 2),
        parts: results.map(\.part).reversed())
      #expect(merged.cells == single.cells)
      for f in Self.accountFiles {
        let a = try Data(contentsOf: singleOut.appendingPathComponent(f))
        let b = try Data(contentsOf: mergedOut.appendingPathComponent(f))
        #expect(a == b, "\(f) of the \(level) parts merged differs from the single run's")
      }
      #expect(try manifestWithoutTimings(mergedOut) == manifestWithoutTimings(singleOut))
      if level == "township" {
        // Without the second township's part: refused, naming it.
        let refused = #expect(throws: InputProblems.self) {
          _ = try ComputeJob.merge(
            config: config,
            options: ComputeOptions(output: folder.appendingPathComponent("gap").path, threads: 2),
            parts: results.enumerated().filter { $0.offset != 1 }.map(\.element.part))
        }
        let text = refused?.problems.map(\.message).joined(separator: "\n") ?? ""
        #expect(refused?.problems.map(\.code) == ["part.missing"])
        #expect(
          text.contains(
            "1 of 11 parts missing: unit \(codes[1]) (units-township-\(codes[1]).gep-part)"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("gap").path))
      }
    }
    let unknown = #expect(throws: InputProblems.self) {
      _ = try ComputeJob.unitShard(
        config: config,
        options: ComputeOptions(output: folder.appendingPathComponent("x").path, threads: 2),
        unit: "999999999999")
    }
    #expect(unknown?.problems.map(\.code) == ["units.unknown-code"])
  }

  @Test func shardIDsParseZeroBased() {
    #expect(ShardSpec("0/4") == ShardSpec(index: 0, count: 4))
    #expect(ShardSpec("3/4")?.partFileName == "shard-0003-of-0004.gep-part")
    #expect(ShardSpec("12345/20000")?.partFileName == "shard-12345-of-20000.gep-part")
    for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3", ""] { #expect(ShardSpec(bad) == nil) }
  }

  /// The midpoint rule by hand (weights [4, 0, 2, 2, 8, 0], W = 16): shard of tile t =
  /// ⌊N·(2·C_t + w_t) / (2·W)⌋, C_t the weight before t.
  ///   N = 2: 2·(0+4)=8/32 → 0; 2·(8+0)=16/32 → 0; 2·(8+2)=20/32 → 0; 2·(12+2)=28/32 → 0;
  ///          2·(16+8)=48/32 → 1; 2·(32+0)=64/32 = 2 → capped 1. Shard weights 8 and 8.
  ///   N = 3: 12/32, 24/32, 30/32 → 0; 42/32 → 1; 72/32 → 2; 96/32 = 3 → 2. Weights 6, 2, 8.
  ///   All weights 0 (four tiles): each weighs 1, W = 4, N = 2: 2/8, 6/8 → 0; 10/8, 14/8 → 1.
  @Test func partitionFollowsTheMidpointRule() {
    #expect(shardOfTiles(weights: [4, 0, 2, 2, 8, 0], shards: 2) == [0, 0, 0, 0, 1, 1])
    #expect(shardOfTiles(weights: [4, 0, 2, 2, 8, 0], shards: 3) == [0, 0, 0, 1, 2, 2])
    #expect(shardOfTiles(weights: [0, 0, 0, 0], shards: 2) == [0, 0, 1, 1])
    #expect(shardOfTiles(weights: [5, 5], shards: 1) == [0, 0])
    // More shards than tiles: some shards are empty, every tile has one.
    #expect(shardOfTiles(weights: [1, 1], shards: 5) == [1, 3])
  }
}
