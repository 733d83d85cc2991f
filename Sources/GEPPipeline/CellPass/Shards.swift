import Crypto
import Foundation
import GEPCore
import GEPGeo

/// One shard of a run split into `count` shards (`gep compute RUN --shard I/N`): the shard
/// index `index` is 0-based, as Slurm's `SLURM_ARRAY_TASK_ID` of `--array=0-(N−1)` and
/// Kubernetes' `JOB_COMPLETION_INDEX` (issue 19).
public struct ShardSpec: Sendable, Hashable, CustomStringConvertible {
  /// The shard, 0 ..< `count`.
  public let index: Int
  /// Number of shards (≥ 1).
  public let count: Int

  /// Creates a shard id; nil unless 0 ≤ index < count.
  public init?(index: Int, count: Int) {
    guard count >= 1, index >= 0, index < count else { return nil }
    self.index = index
    self.count = count
  }

  /// Parses "I/N" (0 ≤ I < N, e.g. "0/4" … "3/4"); nil for anything else.
  public init?(_ text: String) {
    let p = text.split(separator: "/", omittingEmptySubsequences: false)
    guard p.count == 2, let i = Int(p[0].trimmingCharacters(in: .whitespaces)),
      let n = Int(p[1].trimmingCharacters(in: .whitespaces))
    else { return nil }
    self.init(index: i, count: n)
  }

  /// "I/N".
  public var description: String { "\(index)/\(count)" }

  /// The part file's name: `shard-IIII-of-NNNN.gep-part` (zero-padded to 4 digits or more,
  /// so that a shell glob lists the parts in shard order).
  public var partFileName: String {
    func pad(_ v: Int) -> String {
      let s = String(v)
      return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
    return "shard-\(pad(index))-of-\(pad(count)).\(PartFile.fileExtension)"
  }
}

/// A partition of a run by the units of one level (`gep compute RUN --units CODE`, issue 19):
/// one part per unit of the level (its villages' sums, over the tiles its bounding box meets)
/// and one unassigned part (`--units unassigned:LEVEL`): the villages under no unit of the
/// level, over the tiles their boxes meet, and the tiles no unit's box meets. A tile's cell
/// counts, unknown codes and unassigned zone belong to one part: the first unit in code order
/// whose box meets the tile, else the unassigned part — so the parts of the partition count
/// every cell once and merge to the single run's sums exactly.
struct UnitPartition {
  /// The level.
  let level: UnitLevel
  /// The units of the level, sorted; part index i is `codes[i]`, `codes.count` the
  /// unassigned part.
  let codes: [String]
  /// Per part (units, then the unassigned part): its villages' zone indices.
  let villagesOf: [[Int]]
  /// Per part: the tiles it reads (block-plan indices, ascending): a unit's, those its box
  /// meets; the unassigned part's, those of no unit's box and those its villages' boxes meet.
  let tilesOf: [[Int]]
  /// Per tile: the part owning its counts (a unit index, or `codes.count`).
  let owner: [Int]

  /// The partition of `units` at `level` over the block plan of `grid` in tiles of
  /// `tileWidth × tileHeight` (row-major, as `blockPlan`). A unit's box is the envelope of
  /// its villages' geometries in grid cells, widened by one cell on every side.
  init(level: UnitLevel, units: UnitSet, grid: Grid, tileWidth: Int, tileHeight: Int) {
    self.level = level
    let codes = units.all.filter { $0.level == level }.map(\.code).sorted()
    self.codes = codes
    let unassigned = codes.count
    let index = Dictionary(codes.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    var villagesOf = [[Int]](repeating: [], count: codes.count + 1)
    for v in units.villages.indices {
      let i = units.chain(ofVillage: v).lazy.compactMap({ index[$0] }).first ?? unassigned
      villagesOf[i].append(v)
    }
    self.villagesOf = villagesOf
    let t = grid.geoTransform
    let across = (grid.width + tileWidth - 1) / tileWidth
    let down = (grid.height + tileHeight - 1) / tileHeight
    /// The tiles the envelope of `villages`, in cells and widened by one, meets.
    func tiles(of villages: [Int]) -> [Int] {
      var box: (Double, Double, Double, Double)? = nil
      for v in villages where !units.geometries[v].isEmpty {
        let e = units.geometries[v].envelope
        box =
          box.map { (min($0.0, e.minX), min($0.1, e.minY), max($0.2, e.maxX), max($0.3, e.maxY)) }
          ?? (e.minX, e.minY, e.maxX, e.maxY)
      }
      guard let b = box else { return [] }
      let cols = [(b.0 - t.originX) / t.pixelWidth, (b.2 - t.originX) / t.pixelWidth]
      let rows = [(b.1 - t.originY) / t.pixelHeight, (b.3 - t.originY) / t.pixelHeight]
      let c0 = max(0, Int(cols.min()!.rounded(.down)) - 1)
      let c1 = min(grid.width - 1, Int(cols.max()!.rounded(.up)) + 1)
      let r0 = max(0, Int(rows.min()!.rounded(.down)) - 1)
      let r1 = min(grid.height - 1, Int(rows.max()!.rounded(.up)) + 1)
      guard c0 <= c1, r0 <= r1 else { return [] }
      var out: [Int] = []
      for tr in (r0 / tileHeight)...(r1 / tileHeight) {
        for tc in (c0 / tileWidth)...(c1 / tileWidth) { out.append(tr * across + tc) }
      }
      return out
    }
    var owner = [Int](repeating: unassigned, count: across * down)
    var tilesOf = [[Int]](repeating: [], count: codes.count + 1)
    for i in codes.indices {
      tilesOf[i] = tiles(of: villagesOf[i])
      for tile in tilesOf[i] where owner[tile] == unassigned { owner[tile] = i }
    }
    var rest = Set(tiles(of: villagesOf[unassigned]))
    for tile in owner.indices where owner[tile] == unassigned { rest.insert(tile) }
    tilesOf[unassigned] = rest.sorted()
    self.tilesOf = tilesOf
    self.owner = owner
  }

  /// The part file's name of part `index`: `units-LEVEL-CODE.gep-part`, or
  /// `units-LEVEL-unassigned.gep-part`.
  func partFileName(_ index: Int) -> String {
    "units-\(level.rawValue)-\(index < codes.count ? codes[index] : "unassigned")."
      + PartFile.fileExtension
  }

  /// "unit 520621" or "the unassigned cells of the county partition".
  func describe(_ index: Int) -> String {
    index < codes.count
      ? "unit \(codes[index])" : "the cells of no \(level.rawValue)'s box (unassigned)"
  }
}

/// The fixed partition of a run's tiles into shards, balanced by valid cells.
///
/// Tiles keep the block plan's order (tile rows, then columns) and each shard takes one run of
/// consecutive tiles, so a shard reads whole bands of rows (contiguous GDAL blocks). Tile `t`,
/// with weight `w_t` and the weights of the tiles before it summing to `C_t`, goes to shard
///
///     ⌊ N · (C_t + w_t / 2) / W ⌋   (capped at N − 1),   W = Σ w_t,
///
/// the shard whose equal share of the total weight holds the tile's midpoint. Computed in
/// integers, so every shard of a run derives the same partition on any machine. Every tile
/// belongs to exactly one shard (tiles of weight 0, all nodata, too: their cells count); a
/// shard may be empty when there are fewer tiles than shards.
///
/// - Parameters:
///   - weights: per tile, in block-plan order, its number of valid land-use cells (≥ 0); when
///     all are 0 every tile weighs 1.
///   - shards: N ≥ 1.
/// - Returns: per tile, its shard 0 ..< N (non-decreasing).
public func shardOfTiles(weights: [Int], shards: Int) -> [Int] {
  precondition(shards >= 1 && weights.allSatisfy { $0 >= 0 })
  let w = weights.reduce(0, +) > 0 ? weights : weights.map { _ in 1 }
  let total = w.reduce(0, +)
  var before = 0
  return w.map { x in
    let midpointTwice = 2 * before + x
    before += x
    return min(shards - 1, (shards * midpointTwice) / max(1, 2 * total))
  }
}

/// Valid land-use cells of each tile (cells whose land-use value is not nodata), the weights
/// of `shardOfTiles`. Reads the land-use band once, tile by tile.
///
/// - Throws: `GDALError` when the land-use raster cannot be read.
func landUseTileWeights(path: String, band: Int, tiles: [RasterWindow]) throws -> [Int] {
  let lu = try RasterDataset(path: path).band(band)
  var values: [Float] = []
  var valid: [Bool] = []
  return try tiles.map { t in
    if values.count < t.count {
      values = [Float](repeating: 0, count: t.count)
      valid = [Bool](repeating: false, count: t.count)
    }
    try lu.readMasked(t, values: &values, valid: &valid)
    var n = 0
    for i in 0..<t.count where valid[i] { n += 1 }
    return n
  }
}

/// The fingerprint of a run for its shards: SHA-256 (hex) over the engine version and build
/// (SHA-256 of the executable), the SHA-256 of every input and coefficient file with its
/// role (the run file's own bytes included, `manifestFiles`), the analysis grid (CRS WKT,
/// geotransform, shape), the zone rule and the tile size (which fixes the partition). Two
/// parts merge only when their fingerprints equal the merging run's.
///
/// - Parameters:
///   - hashes: path → SHA-256 of the manifest's files and the executable (`BackgroundHasher`).
func runFingerprint(
  config: RunConfiguration, grid: Grid, tileSize: (Int, Int), hashes: [String: String]
) -> String {
  var lines = [
    "gep-part-fingerprint 1", "engine gep \(gepEngineVersion)",
    "build \(engineExecutable.map { hashes[$0] ?? "" } ?? "")",
  ]
  for (role, path) in manifestFiles(config) { lines.append("\(role)\t\(hashes[path] ?? "")") }
  let t = grid.geoTransform
  lines.append("crs\t\(grid.crs.wkt)")
  lines.append(
    "transform\t"
      + [t.originX, t.pixelWidth, t.rowRotation, t.originY, t.columnRotation, t.pixelHeight]
      .map { String($0.bitPattern, radix: 16) }.joined(separator: " "))
  lines.append("shape\t\(grid.height) \(grid.width)")
  lines.append("coverage\t\(config.units.coverage.rawValue)")
  lines.append("tiles\t\(tileSize.0) \(tileSize.1)")
  var h = SHA256()
  h.update(data: Data(lines.joined(separator: "\n").utf8))
  return h.finalize().map { String(format: "%02x", $0) }.joined()
}

/// The header of a part file (JSON, one line).
struct PartHeader: Codable, Equatable {
  /// Format version (1).
  var format: Int
  /// `runFingerprint` of the run.
  var fingerprint: String
  /// Engine that wrote it ("gep 0.1.0").
  var engine: String
  /// The run file, as given (for messages).
  var runFile: String
  /// Shard index and count (for a unit partition: the unit's index among the level's
  /// sorted codes, and their count + 1, the last being the unassigned part).
  var shard: Int
  var shards: Int
  /// The partition: nil for tiles (`--shard I/N`), "units:LEVEL" for units (`--units`).
  var partition: String? = nil
  /// The unit's code (or "unassigned") of a unit part.
  var unit: String? = nil
  /// The tiles whose cell counts this part holds, when not all of `tiles` (a unit part).
  var ownedTiles: [Int]? = nil
  /// The tile size of the plan and the `--tile-size` option (nil: the default), so that the
  /// merge records the same options in its manifest.
  var tileWidth: Int
  var tileHeight: Int
  var tileSizeOption: Int?
  /// Tiles of the whole plan, and the indices of this shard's.
  var tileCount: Int
  var tiles: [Int]
  /// Valid land-use cells of this shard (its weight).
  var validCells: Int
  /// Shape of the zone sums: zones (villages + unassigned), channels, level-1 class codes,
  /// sums per zone.
  var zoneCount: Int
  var channelCount: Int
  var classCodes: [Int]
  var stride: Int
  /// Cells processed and cells per land-use code.
  var cells: Int
  var codeCells: [Int]
  /// Unknown land-use codes: [code, cells, area in units of 2⁻⁴⁰ m² (decimal text)].
  var unknownCodes: [[String]]
  /// Zones stored (those with a non-zero sum), each followed by `stride` sums in the body.
  var storedZones: Int

  enum CodingKeys: String, CodingKey {
    case format, fingerprint, engine, shard, shards, tiles, cells, stride, partition, unit
    case ownedTiles = "owned_tiles"
    case runFile = "run_file"
    case tileWidth = "tile_width"
    case tileHeight = "tile_height"
    case tileSizeOption = "tile_size_option"
    case tileCount = "tile_count"
    case validCells = "valid_cells"
    case zoneCount = "zone_count"
    case channelCount = "channel_count"
    case classCodes = "class_codes"
    case codeCells = "code_cells"
    case unknownCodes = "unknown_codes"
    case storedZones = "stored_zones"
  }
}

/// A shard's partial state (`.gep-part`): the exact per-zone, per-indicator fixed-point sums
/// and counts of the shard's tiles (`ZoneSums`), the run's fingerprint and the shard id. No
/// account is made from it alone; `gep merge` adds the parts of every shard (integer sums:
/// the merged sums equal a single run's bit for bit, ExactSum) and writes the account.
///
/// Layout: the line `GEP-PART 1`, the header as one line of JSON (`PartHeader`), then per
/// stored zone its index (UInt32, little-endian) and its `stride` sums (Int128 in units of
/// 2⁻⁴⁰, little-endian), then the SHA-256 of everything before (32 bytes). Zones whose sums
/// are all 0 are not stored, so a part grows with the zones its tiles meet, not with the
/// layer.
struct PartFile {
  static let fileExtension = "gep-part"
  static let magic = "GEP-PART 1\n"

  var header: PartHeader
  /// The shard's zone sums, sparse (`ZoneSums.zoneIDs`: the zones stored) or dense.
  var sums: ZoneSums

  /// The file's bytes.
  func encoded() throws -> Data {
    var h = header
    var zones: [Int] = []
    let stride = sums.stride
    var blocks: [Int] = []
    for b in 0..<sums.zoneCount {
      let base = b * stride
      if sums.sums[base..<(base + stride)].contains(where: { $0.raw != 0 }) {
        blocks.append(b)
        zones.append(sums.zoneIDs?[b] ?? b)
      }
    }
    h.storedZones = zones.count
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var data = Data(PartFile.magic.utf8)
    data.append(try encoder.encode(h))
    data.append(0x0A)
    var body = [UInt8]()
    body.reserveCapacity(zones.count * (4 + 16 * stride))
    for (z, b) in zip(zones, blocks) {
      withUnsafeBytes(of: UInt32(z).littleEndian) { body.append(contentsOf: $0) }
      for i in (b * stride)..<((b + 1) * stride) {
        withUnsafeBytes(of: sums.sums[i].raw.littleEndian) { body.append(contentsOf: $0) }
      }
    }
    data.append(contentsOf: body)
    data.append(contentsOf: SHA256.hash(data: data))
    return data
  }

  /// Writes the part atomically: to a hidden temporary file beside `url`, then rename(2) over
  /// `url`, so a part is complete or absent and a retried shard replaces it safely.
  ///
  /// - Throws: Foundation errors when the folder cannot be written.
  func write(to url: URL) throws {
    let data = try encoded()
    let tmp = url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
    try data.write(to: tmp)
    if rename(tmp.path, url.path) != 0 {
      let e = errno
      try? FileManager.default.removeItem(at: tmp)
      throw CocoaError(
        .fileWriteUnknown,
        userInfo: [
          NSFilePathErrorKey: url.path,
          NSLocalizedDescriptionKey: "cannot rename the part into place: "
            + String(cString: strerror(e)),
        ])
    }
  }

  /// Why a file is not a readable part.
  enum ReadError: Error {
    case unreadable(String)
    case notAPart
    case damaged(String)
  }

  /// Reads the header only (the first two lines).
  static func readHeader(path: String) throws(ReadError) -> PartHeader {
    guard let h = FileHandle(forReadingAtPath: path) else {
      throw .unreadable("cannot open it (\(String(cString: strerror(errno))))")
    }
    defer { try? h.close() }
    var data = Data()
    while !data.contains(0x0A) || data.split(separator: 0x0A, maxSplits: 2).count < 3 {
      guard let chunk = try? h.read(upToCount: 1 << 16), !chunk.isEmpty else { break }
      data.append(chunk)
      if data.count > 64 << 20 { break }
    }
    return try parseHeader(data).header
  }

  static func parseHeader(_ data: Data) throws(ReadError) -> (header: PartHeader, bodyStart: Int) {
    let magic = Data(PartFile.magic.utf8)
    guard data.count >= magic.count, data.prefix(magic.count) == magic else { throw .notAPart }
    guard let end = data[magic.count...].firstIndex(of: 0x0A) else {
      throw .damaged("its header is cut short")
    }
    do {
      let header = try JSONDecoder().decode(PartHeader.self, from: data[magic.count..<end])
      return (header, end + 1)
    } catch {
      throw .damaged("its header does not parse (\(error))")
    }
  }

  /// Reads a whole part and checks its checksum and shape; with `sums: false` checks it the
  /// same way but returns no sums (an empty sparse set), so a merge holds one part at a time.
  static func read(path: String, sums withSums: Bool = true) throws(ReadError) -> PartFile {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw .unreadable("cannot read it (\(error.localizedDescription))")
    }
    let (header, start) = try parseHeader(data)
    guard data.count >= start + 32 else { throw .damaged("it is cut short") }
    let digest = Data(SHA256.hash(data: data.prefix(data.count - 32)))
    guard digest == data.suffix(32) else {
      throw .damaged("its checksum does not match (cut short or changed)")
    }
    let stride = header.stride
    let record = 4 + 16 * stride
    let bodyCount = data.count - 32 - start
    guard header.storedZones >= 0, bodyCount == header.storedZones * record else {
      throw .damaged("its body does not hold \(header.storedZones) zones of \(stride) sums")
    }
    // The stored zones, strictly ascending (as written) and within the run's zones.
    let ids: [Int]? = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Int]? in
      var ids: [Int] = []
      ids.reserveCapacity(header.storedZones)
      for k in 0..<header.storedZones {
        let z = Int(
          UInt32(
            littleEndian: raw.loadUnaligned(fromByteOffset: start + k * record, as: UInt32.self)))
        guard z < header.zoneCount, ids.last.map({ $0 < z }) ?? true else { return nil }
        ids.append(z)
      }
      return ids
    }
    guard let ids else {
      throw .damaged("its zones are not ascending zones of the run's \(header.zoneCount)")
    }
    var sums = ZoneSums(
      zoneIDs: withSums ? ids : [], channelCount: header.channelCount,
      classCodes: header.classCodes)
    guard sums.stride == stride else {
      throw .damaged("its zone stride \(stride) does not match its channels and classes")
    }
    if !withSums { return PartFile(header: header, sums: sums) }
    data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
      var p = start
      for z in 0..<header.storedZones {
        p += 4
        for i in 0..<stride {
          sums.sums[z * stride + i].raw = Int128(
            littleEndian: raw.loadUnaligned(fromByteOffset: p, as: Int128.self))
          p += 16
        }
      }
    }
    sums.cells = header.cells
    sums.codeCells = header.codeCells
    for u in header.unknownCodes {
      guard u.count == 3, let code = Int(u[0]), let cells = Int(u[1]), let area = Int128(u[2])
      else { throw .damaged("an unknown-code entry does not parse") }
      var s = ExactSum()
      s.raw = area
      sums.unknownCodes[code] = (cells, s)
    }
    return PartFile(header: header, sums: sums)
  }
}

/// Checks that `paths` hold every shard of the run with fingerprint `fingerprint` exactly
/// once, and adds their sums (integers: any order gives the same total).
///
/// - Parameters:
///   - paths: the part files given to `gep merge`.
///   - fingerprint: the merging run's `runFingerprint`.
///   - shape: the merging run's zone sums shape (zones, channels, level-1 classes).
///   - tileCount: tiles of the merging run's plan.
/// - Returns: the merged sums.
/// - Throws: `InputProblems` with every problem at once: `part.unreadable`, `part.not-a-part`,
///   `part.damaged`, `part.foreign` (another run file, other inputs, coefficients, grid,
///   engine build or tile size), `part.shard-count` (a part of an N-way split among M-way
///   parts), `part.duplicate` (a shard given more than once, naming each file), `part.missing`
///   (naming each absent shard and its expected file name), `part.shape` / `part.tiles` (parts
///   whose sums or tiles do not fit the run).
func mergeParts(
  paths: [String], fingerprint: String, zoneCount: Int, channelCount: Int, classCodes: [Int],
  tileCount: Int, unitPartition: (String) -> UnitPartition? = { _ in nil }
) throws(InputProblems) -> ZoneSums {
  var problems: [Problem] = []
  func fail(_ code: String, _ message: String, _ path: String?) {
    problems.append(Problem(.error, code, message, at: ProblemLocation(file: path)))
  }
  var parts: [(path: String, part: PartFile)] = []
  for path in paths {
    do {
      // Checked whole (checksum, body), but the sums are read one part at a time below.
      let p = try PartFile.read(path: path, sums: false)
      if p.header.fingerprint != fingerprint {
        fail(
          "part.foreign",
          "\(path) is shard \(p.header.shard)/\(p.header.shards) of another run (of "
            + "\(p.header.runFile); fingerprint \(p.header.fingerprint.prefix(12))… ≠ this run's "
            + "\(fingerprint.prefix(12))…): another run file, other inputs or coefficients, "
            + "another grid, tile size or engine build", path)
        continue
      }
      parts.append((path, p))
    } catch {
      switch error {
      case .unreadable(let why): fail("part.unreadable", "\(path): \(why)", path)
      case .notAPart: fail("part.not-a-part", "\(path) is not a gep part file", path)
      case .damaged(let why): fail("part.damaged", "\(path) is damaged: \(why)", path)
      }
    }
  }
  // The split: the most common (partition, shard count) among the run's parts (ties: the
  // first in order).
  struct Split: Hashable, Comparable {
    var partition: String
    var shards: Int
    static func < (a: Split, b: Split) -> Bool { (a.partition, a.shards) < (b.partition, b.shards) }
  }
  func split(_ h: PartHeader) -> Split {
    Split(partition: h.partition ?? "tiles", shards: h.shards)
  }
  var counts: [Split: Int] = [:]
  for p in parts { counts[split(p.part.header), default: 0] += 1 }
  let chosen = counts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }?.key
  let n = chosen?.shards
  let units = chosen.flatMap { $0.partition == "tiles" ? nil : unitPartition($0.partition) }
  func name(_ shard: Int) -> String {
    if let units { return "\(units.describe(shard)) (\(units.partFileName(shard)))" }
    return "\(shard)/\(n ?? 0) (\(ShardSpec(index: shard, count: n ?? 1)?.partFileName ?? "?"))"
  }
  if let chosen, chosen.partition != "tiles", units == nil {
    fail("part.partition", "the parts are of an unknown partition '\(chosen.partition)'", nil)
  }
  var byShard: [Int: [String]] = [:]
  var accepted: [(path: String, part: PartFile)] = []
  for (path, p) in parts {
    if split(p.header) != chosen {
      let by = { (s: Split) in s.partition == "tiles" ? "\(s.shards) shards" : s.partition }
      fail(
        "part.shard-count",
        "\(path) is part \(p.header.shard)/\(p.header.shards) of a split into "
          + "\(by(split(p.header))), but the other parts split the run into \(chosen.map(by) ?? "?")",
        path)
      continue
    }
    byShard[p.header.shard, default: []].append(path)
    if byShard[p.header.shard]!.count == 1 { accepted.append((path, p)) }
  }
  for (shard, files) in byShard.sorted(by: { $0.key < $1.key }) where files.count > 1 {
    fail(
      "part.duplicate",
      (units == nil ? "shard \(shard)/\(n ?? 0)" : units!.describe(shard))
        + " is given \(files.count) times: " + files.joined(separator: ", "),
      files[1])
  }
  if let n {
    let missing = (0..<n).filter { byShard[$0] == nil }
    if !missing.isEmpty {
      fail(
        "part.missing",
        "\(missing.count) of \(n) \(units == nil ? "shards" : "parts") missing: "
          + missing.map(name).joined(separator: ", "), nil)
    }
  } else if problems.isEmpty {
    fail("part.missing", "no part given", nil)
  }
  var total = ZoneSums(zoneCount: zoneCount, channelCount: channelCount, classCodes: classCodes)
  var seenTiles = [Bool](repeating: false, count: tileCount)
  for (path, p) in accepted {
    let h = p.header
    guard h.zoneCount == zoneCount, h.channelCount == channelCount, h.classCodes == classCodes
    else {
      fail(
        "part.shape",
        "shard \(h.shard)/\(h.shards) holds \(h.zoneCount) zones × \(h.channelCount) channels, "
          + "the run \(zoneCount) × \(channelCount)", nil)
      continue
    }
    if h.tileCount != tileCount
      || (h.tiles + (h.ownedTiles ?? [])).contains(where: { $0 < 0 || $0 >= tileCount })
    {
      fail(
        "part.tiles",
        "shard \(h.shard)/\(h.shards) is of a plan of \(h.tileCount) tiles, the run has "
          + "\(tileCount)", nil)
      continue
    }
    for t in h.ownedTiles ?? h.tiles {
      if seenTiles[t] {
        fail("part.tiles", "tile \(t) is counted by two parts (shard \(h.shard)/\(h.shards))", nil)
      }
      seenTiles[t] = true
    }
    // Now its sums (memory: one part's at a time beside the total).
    guard problems.isEmpty else { continue }
    do {
      total.merge(try PartFile.read(path: path).sums)
    } catch {
      fail("part.damaged", "\(path) changed while the merge read it", path)
    }
  }
  if problems.isEmpty, let gap = seenTiles.firstIndex(of: false) {
    fail("part.tiles", "tile \(gap) of \(tileCount) is in no part", nil)
  }
  if !problems.isEmpty { throw InputProblems(problems: problems) }
  return total
}
