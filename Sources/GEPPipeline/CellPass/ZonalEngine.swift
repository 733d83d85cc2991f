import Dispatch
import GEPCore
import GEPGeo
import Synchronization

/// The per-zone sums of the per-cell pass, exact (fixed point) so they do not depend on the
/// tile size or thread count.
///
/// Layout per zone (zones 0..<villageCount are villages by index, the last zone is
/// "unassigned", cells outside every unit): for each channel k of the model,
/// `sumsPerChannel` (7) sums — quantity, value (yuan), masked area (m², a needed raster was
/// nodata), uncovered area (m², no coefficient for the class), not-applicable area (m²,
/// `applies = 0`), excluded area (m², cells the channel's exclusion mask removes, e.g. stream
/// channels from soil conservation), implausible area (m², computed cells above the method's
/// plausible density) — then one area per level-1 ecosystem class (m²), then the total
/// land area (m², cells with a land-use value) and the land-use nodata area (m²), then the value
/// (yuan) of each channel per level-1 class (the service × ecosystem-class matrix).
public struct ZoneSums: Sendable {
  /// Sums kept per channel and zone (quantity, value, masked, uncovered, not-applicable,
  /// excluded and implausible area).
  static let sumsPerChannel = 7
  /// Number of zones, villages + 1 (unassigned).
  public let zoneCount: Int
  /// Number of model channels.
  public let channelCount: Int
  /// Level-1 ecosystem classes whose areas are kept, in order.
  public let classCodes: [Int]
  /// All sums, zone-major: `zone * stride + offset`.
  public var sums: [ExactSum]
  /// Unknown land-use codes: code → (cells, area m²).
  public var unknownCodes: [Int: (cells: Int, area: ExactSum)]
  /// Cells processed.
  public var cells: Int = 0
  /// Cells per land-use code of the crosswalk (index = code, as `CellModel`'s dense table).
  public var codeCells: [Int] = []
  /// Sparse sums (a shard's, and a part file's): the zone of each block, ascending, and
  /// `zoneCount` is the number of blocks; nil: dense, block z is zone z. A shard of a
  /// national run meets a few thousand of 600 000 villages, so it keeps only those.
  public var zoneIDs: [Int]? = nil

  /// Sums per zone.
  public var stride: Int {
    channelCount * Self.sumsPerChannel + classCodes.count + 2 + channelCount * classCodes.count
  }
  /// Offset of the land area in a zone's block.
  var landOffset: Int { channelCount * Self.sumsPerChannel + classCodes.count }
  /// Offset of the land-use nodata area.
  var noDataOffset: Int { landOffset + 1 }
  /// Offset of the value of channel `k` in level-1 class index `c`.
  func matrixOffset(_ k: Int, _ c: Int) -> Int { landOffset + 2 + k * classCodes.count + c }

  init(zoneCount: Int, channelCount: Int, classCodes: [Int]) {
    self.zoneCount = zoneCount
    self.channelCount = channelCount
    self.classCodes = classCodes
    self.sums = []
    self.unknownCodes = [:]
    self.sums = [ExactSum](repeating: ExactSum(), count: zoneCount * stride)
  }

  /// Sparse sums of the zones `zoneIDs` (ascending), zero.
  init(zoneIDs: [Int], channelCount: Int, classCodes: [Int]) {
    self.init(zoneCount: zoneIDs.count, channelCount: channelCount, classCodes: classCodes)
    self.zoneIDs = zoneIDs
  }

  /// Cells of land-use code `code` seen in the pass.
  public func cells(ofCode code: Int) -> Int {
    code >= 0 && code < codeCells.count ? codeCells[code] : 0
  }

  /// Quantity of channel `k` in zone `z`.
  public func quantity(_ z: Int, _ k: Int) -> ExactSum { sum(z, k, .quantity) }
  /// Value (yuan) of channel `k` in zone `z`.
  public func value(_ z: Int, _ k: Int) -> ExactSum { sum(z, k, .value) }
  /// Masked area (m²) of channel `k` in zone `z`.
  public func maskedArea(_ z: Int, _ k: Int) -> ExactSum { sum(z, k, .masked) }
  /// Not-applicable area (m², `applies = 0` classes) of channel `k` in zone `z`.
  public func notApplicableArea(_ z: Int, _ k: Int) -> ExactSum { sum(z, k, .notApplicable) }
  /// Uncovered area (m²) of channel `k` in zone `z`.
  public func uncoveredArea(_ z: Int, _ k: Int) -> ExactSum { sum(z, k, .uncovered) }
  /// Excluded area (m², e.g. stream channel cells for soil conservation) of channel `k` in
  /// zone `z`.
  public func excludedArea(_ z: Int, _ k: Int) -> ExactSum { sum(z, k, .excluded) }
  /// Area (m²) of the computed cells of channel `k` in zone `z` whose density exceeds the
  /// method's plausible density (`PlausibleDensity`).
  public func implausibleArea(_ z: Int, _ k: Int) -> ExactSum { sum(z, k, .implausible) }
  /// Area (m²) of level-1 class index `c` in zone `z`.
  public func classArea(_ z: Int, _ c: Int) -> ExactSum {
    sums[z * stride + Self.sumsPerChannel * channelCount + c]
  }

  /// The per-channel sums of a zone, in their order in the zone's block.
  enum Slot: Int {
    case quantity, value, masked, uncovered, notApplicable, excluded, implausible
  }
  /// Offset of a per-channel sum in a zone's block.
  static func offset(_ k: Int, _ slot: Slot) -> Int { sumsPerChannel * k + slot.rawValue }
  func sum(_ z: Int, _ k: Int, _ slot: Slot) -> ExactSum {
    sums[z * stride + Self.offset(k, slot)]
  }
  /// Land area (m², cells with a land-use value) of zone `z`.
  public func landArea(_ z: Int) -> ExactSum { sums[z * stride + landOffset] }
  /// Land-use nodata area (m²) of zone `z`.
  public func noDataArea(_ z: Int) -> ExactSum { sums[z * stride + noDataOffset] }
  /// Value (yuan) of channel `k` on level-1 class index `c` in zone `z`.
  public func classValue(_ z: Int, _ k: Int, _ c: Int) -> ExactSum {
    sums[z * stride + matrixOffset(k, c)]
  }
}

/// Paths of the rasters read per tile, all on the analysis grid.
public struct GridInputs: Sendable {
  /// The land-use raster and band.
  public var landUse: (path: String, band: Int)
  /// One (path, band) per model role, in the model's role order.
  public var roles: [(path: String, band: Int)]
  /// The role slot whose (path, band) is a DEM on the grid from which the slope (degrees) is
  /// computed tile by tile (`TileSlope`), or nil.
  public var slopeFromDEMSlot: Int? = nil

  /// Creates the inputs.
  public init(
    landUse: (path: String, band: Int), roles: [(path: String, band: Int)],
    slopeFromDEMSlot: Int? = nil
  ) {
    self.landUse = landUse
    self.roles = roles
    self.slopeFromDEMSlot = slopeFromDEMSlot
  }
}

/// A sink for per-cell output rasters, called by workers (serialised inside).
public protocol CellRasterSink: Sendable {
  /// Receives a tile: per channel, the quantity and value per cell (NaN where not computed),
  /// row-major over `window`.
  func write(window: RasterWindow, quantities: [[Float]], values: [[Float]]) throws
}

/// How the cells of a tile are assigned to zones in the zonal pass (`[units] coverage`).
public enum ZoneAssignment {
  /// Cell-centre rule: each cell wholly to the zone its centre falls in (one rasterizer copy
  /// per worker; cells outside every polygon get the unassigned zone).
  case centre(ZoneRasterizer)
  /// Exact coverage: each cell shared among the zones covering it by their fractions, the
  /// uncovered part to the unassigned zone (`ZoneCoverage`, whose `outside` must be the
  /// unassigned zone's index). Shared by all workers (coordinates only).
  case exact(ZoneCoverage)
}

/// Runs the per-cell pass: tiles in parallel (`DispatchQueue.concurrentPerform`), one set of
/// GDAL datasets and one zone assignment per worker (`ZoneTileWorker`), exact per-zone sums.
///
/// A cell covered by several zones (exact coverage) adds, to each zone, its area × fraction
/// and its quantity and value × fraction (each product rounded once to the fixed point), so a
/// zone's sums do not depend on the tile size or thread count either.
///
/// - Parameters:
///   - grid: the analysis grid.
///   - inputs: rasters on the grid.
///   - model: the per-cell model.
///   - zones: village polygons in the grid CRS with zone = village index, by the cell-centre
///     rule or exactly.
///   - villageCount: number of villages (the unassigned zone is `villageCount`).
///   - level1Of: level-1 class of each ecosystem class code.
///   - level1Codes: the ordered level-1 codes (the class areas and matrix columns).
///   - tiles: the block plan.
///   - threads: worker count (≥ 1).
///   - sink: optional per-cell raster writer.
///   - progress: called with (tiles done, total) from workers.
///   - keepZone: per zone (villages, then unassigned), whether its sums are kept; nil: all.
///     A unit shard (`--units CODE`) keeps its unit's villages.
///   - owned: per tile of `tiles`, whether this pass owns the tile's cell counts, unknown codes
///     and unassigned zone (nil: every tile). A unit shard owns the tiles whose first unit
///     in code order is its own, so that the parts of a unit partition count each cell once.
///   - sparse: return sparse sums (`ZoneSums.zoneIDs`: only the zones met), as a shard does,
///     so that its memory follows its own zones, not the run's.
/// - Returns: the exact sums.
/// - Throws: the first error a worker met (`GDALError` for reads and rasterizing,
///   `InputProblems` for a cell beyond 10¹⁵), after all workers end.
public func runZonalPass(
  grid: Grid, inputs: GridInputs, model: CellModel, zones: ZoneAssignment,
  villageCount: Int, level1Of: [Int: Int], level1Codes: [Int], tiles: [RasterWindow],
  threads: Int, sink: (any CellRasterSink)?, keepZone: [Bool]? = nil, owned: [Bool]? = nil,
  sparse: Bool = false, progress: @escaping @Sendable (Int, Int) -> Void
) throws -> ZoneSums {
  let shared = ZonePassPlan(
    grid: grid, inputs: inputs, model: model, villageCount: villageCount, level1Of: level1Of,
    level1Codes: level1Codes,
    tileSlope: try inputs.slopeFromDEMSlot.map { _ in
      try TileSlope(grid: grid)
    }, areas: try cellAreasPerRow(grid))
  let workers = max(1, min(threads, tiles.count))
  let template = UncheckedBox(zones)
  let templateLock = Mutex(())
  // One set of per-zone sums for the whole pass: each worker adds a tile's compact sums into
  // it when the tile is done (exact integer sums, so the order of the tiles does not matter).
  let total = Mutex(
    ZoneSums(
      zoneCount: sparse ? 0 : villageCount + 1, channelCount: model.indicators.count,
      classCodes: level1Codes))
  let sparseTotal = Mutex(SparseZoneTotal(zoneCount: sparse ? villageCount + 1 : 0))
  let results = Mutex([ZoneSums?](repeating: nil, count: workers))
  let failure = Mutex<(any Error)?>(nil)
  let done = Mutex(0)
  DispatchQueue.concurrentPerform(iterations: workers) { w in
    do {
      let mine: ZoneAssignment = templateLock.withLock { _ in
        switch template.value {
        case .centre(let r): .centre(r.copy())
        case .exact(let c): .exact(c)
        }
      }
      var worker = try ZoneTileWorker(plan: shared, zones: mine)
      var t = w
      while t < tiles.count {
        if failure.withLock({ $0 != nil }) { return }
        if let keepZone {
          // A unit shard: the tile's counts stay only where the shard owns the tile.
          let owns = owned?[t] ?? true
          let saved = (worker.acc.cells, worker.acc.codeCells, worker.acc.unknownCodes)
          try worker.process(tiles[t], sink: sink)
          if !owns {
            (worker.acc.cells, worker.acc.codeCells, worker.acc.unknownCodes) = saved
          }
          if sparse {
            worker.flush(intoSparse: sparseTotal, keep: keepZone, keepUnassigned: owns)
          } else {
            worker.flush(into: total, keep: keepZone, keepUnassigned: owns)
          }
        } else {
          try worker.process(tiles[t], sink: sink)
          if sparse {
            worker.flush(intoSparse: sparseTotal)
          } else {
            worker.flush(into: total)
          }
        }
        let d = done.withLock { v -> Int in
          v += 1
          return v
        }
        progress(d, tiles.count)
        t += workers
      }
      let finished = worker.acc
      results.withLock { $0[w] = finished }
    } catch {
      failure.withLock { if $0 == nil { $0 = error } }
    }
  }
  if let e = failure.withLock({ $0 }) { throw e }
  return total.withLock { total in
    for part in results.withLock({ $0 }) {
      guard let part else { continue }
      total.merge(part)
    }
    guard sparse else { return total }
    // The sparse blocks in zone order (the pass met them in any order).
    return sparseTotal.withLock { s in
      let order = s.ids.indices.sorted { s.ids[$0] < s.ids[$1] }
      var out = ZoneSums(
        zoneIDs: order.map { s.ids[$0] }, channelCount: total.channelCount,
        classCodes: total.classCodes)
      let stride = out.stride
      for (j, i) in order.enumerated() {
        for o in 0..<stride { out.sums[j * stride + o] = s.sums[i * stride + o] }
      }
      out.cells = total.cells
      out.codeCells = total.codeCells
      out.unknownCodes = total.unknownCodes
      return out
    }
  }
}

/// A shard's zone sums while its pass runs: one block per zone met, in order of first
/// addition (`runZonalPass(sparse: true)`).
struct SparseZoneTotal {
  /// Per zone of the run: its block, −1 when not met.
  var slotOf: [Int32]
  /// The zone of each block.
  var ids: [Int] = []
  /// The blocks, `ids.count` × stride.
  var sums: [ExactSum] = []

  init(zoneCount: Int) { slotOf = [Int32](repeating: -1, count: zoneCount) }
}

extension ZoneSums {
  /// Adds another worker's sums (exact, so the order does not matter): its zone sums, if it
  /// holds any (a worker of the zonal pass adds those per tile, `ZoneTileWorker.flush`), its
  /// unknown codes and cell counts.
  mutating func merge(_ part: ZoneSums) {
    if let ids = part.zoneIDs {
      precondition(zoneIDs == nil, "sparse sums are added into dense ones")
      for (j, z) in ids.enumerated() {
        for o in 0..<stride { sums[z * stride + o].add(part.sums[j * stride + o]) }
      }
    } else if part.zoneCount > 0 {
      for i in 0..<sums.count { sums[i].add(part.sums[i]) }
    }
    for (code, u) in part.unknownCodes {
      var cur = unknownCodes[code] ?? (0, ExactSum())
      cur.cells += u.cells
      cur.area.add(u.area)
      unknownCodes[code] = cur
    }
    cells += part.cells
    if codeCells.isEmpty {
      codeCells = part.codeCells
    } else {
      for i in 0..<part.codeCells.count { codeCells[i] += part.codeCells[i] }
    }
  }
}

/// What every worker of a zonal pass shares (read-only).
struct ZonePassPlan: @unchecked Sendable {
  let grid: Grid
  let inputs: GridInputs
  let model: CellModel
  let villageCount: Int
  let level1Codes: [Int]
  let tileSlope: TileSlope?
  /// Cell area per grid row, m².
  let areas: [Double]
  /// Per land-use code: the level-1 class index, −1: none (or not mapped).
  let codeLevel1: [Int]
  /// Per channel: bitmask of the role slots it reads (≤ 64 roles).
  let channelMasks: [UInt64]
  /// Per channel: the role slot of its exclusion mask, −1: none (`CellModel.exclusionSlots`).
  let exclusionSlots: [Int]
  /// Per channel and land-use code: the outcome when it does not depend on the rasters (a
  /// missing coefficient → uncovered; a structural zero → nothing to add).
  let outcomes: [[CellOutcome]]
  /// `outcomes` as one byte per channel and land-use code, for the inner loop of
  /// `ZoneTileWorker.accumulate`: `OutcomeKind`'s raw values.
  let outcomeKinds: [[UInt8]]

  init(
    grid: Grid, inputs: GridInputs, model: CellModel, villageCount: Int, level1Of: [Int: Int],
    level1Codes: [Int], tileSlope: TileSlope?, areas: [Double]
  ) {
    self.grid = grid
    self.inputs = inputs
    self.model = model
    self.villageCount = villageCount
    self.level1Codes = level1Codes
    self.tileSlope = tileSlope
    self.areas = areas
    let level1Index = Dictionary(uniqueKeysWithValues: level1Codes.enumerated().map { ($1, $0) })
    codeLevel1 = model.classOfCode.map { cls in
      guard cls >= 0, let l1 = level1Of[cls], let index = level1Index[l1] else { return -1 }
      return index
    }
    channelMasks = model.roleSlots.map { slots in
      slots.reduce(UInt64(0)) { $0 | (1 << UInt64($1)) }
    }
    exclusionSlots = model.indicators.indices.map {
      $0 < model.exclusionSlots.count ? model.exclusionSlots[$0] : -1
    }
    outcomes = model.channels.indices.map { k in
      model.classOfCode.indices.map {
        model.classOfCode[$0] >= 0 ? model.outcome(k, code: $0) : .missing
      }
    }
    outcomeKinds = outcomes.map { $0.map { OutcomeKind($0).rawValue } }
    precondition(inputs.roles.count <= 64, "at most 64 raster roles per cell")
  }
}

/// `CellOutcome` as a byte (the cell pass's per-code table, `ZonePassPlan.outcomeKinds`).
enum OutcomeKind: UInt8 {
  case depends = 0
  case missing
  case zero
  case notApplicable
  init(_ o: CellOutcome) {
    switch o {
    case .depends: self = .depends
    case .missing: self = .missing
    case .zero: self = .zero
    case .notApplicable: self = .notApplicable
    }
  }
}

/// One worker of the zonal pass: its own GDAL datasets and zone assignment, its buffers and
/// its partial sums. A tile is read (`read`: rasters, and each cell's zone entries), its land
/// cells are counted and compacted (`classify`), then each channel is evaluated once per
/// compacted cell and added to every zone entry of the cell, weighted by its fraction
/// (`accumulate`).
///
/// The zone sums of a tile are compact: one block per zone present in the tile (`tileZones`,
/// in order of first appearance), added to the pass's total when the tile is done (`flush`).
/// So a worker's memory and work per tile follow the zones the tile meets, not the number of
/// units of the layer (issue 22: 100 000 villages cost one block each, once).
struct ZoneTileWorker {
  let plan: ZonePassPlan
  let zoneSource: ZoneAssignment
  let lu: RasterBand
  let bands: [RasterBand]
  /// Unknown codes and cell counts (its zone sums stay empty: `local` holds the tile's).
  var acc: ZoneSums
  /// The tile's zone sums, `tileZones.count` blocks of `acc.stride`.
  var local: [ExactSum] = []
  /// The zones present in the tile, in order of first appearance.
  var tileZones: [Int32] = []
  /// Per zone of the layer: its block in `local`, −1 when absent from the tile.
  var zoneSlot: [Int32]
  // Tile buffers (n cells): land use, role values and validity role-major (role b, cell i at
  // b * n + i), zones.
  var n = 0
  var luValues: [Double] = []
  var luValid: [Bool] = []
  var roleValues: [Double] = []
  var roleValid: [Bool] = []
  // The zone entries of the tile's cells: cell i has entries entries.start[i] ..<
  // entries.start[i + 1] (zone, fraction); per entry the zone's offset in the sums and the
  // cell's area × fraction in fixed point (set in `classify`).
  var entries = TileCoverage()
  var entryBase: [Int] = []
  var entryFixed: [Int128] = []
  // The tile's land cells with a mapped code, compacted: cell index, code, area (m²),
  // invalid-role bits; their role values role-major (stride n); the outputs of one channel.
  var cellIndex: [Int] = []
  var cellCode: [Int32] = []
  var cellArea: [Double] = []
  var cellInvalid: [UInt64] = []
  var cellValues: [Double] = []
  var q: [Double] = []
  var v: [Double] = []
  var missing: [Bool] = []
  // Per-cell rasters of the tile (when a sink is given), channel-major.
  var outQ: [Float] = []
  var outV: [Float] = []

  init(plan: ZonePassPlan, zones: ZoneAssignment) throws {
    self.plan = plan
    self.zoneSource = zones
    lu = try RasterDataset(path: plan.inputs.landUse.path).band(plan.inputs.landUse.band)
    bands = try plan.inputs.roles.map { try RasterDataset(path: $0.path).band($0.band) }
    acc = ZoneSums(
      zoneCount: 0, channelCount: plan.model.indicators.count, classCodes: plan.level1Codes)
    zoneSlot = [Int32](repeating: -1, count: plan.villageCount + 1)
    acc.codeCells = [Int](repeating: 0, count: plan.model.denseCount)
  }

  /// Adds the tile's zone sums to the pass's total and empties them (called after `process`);
  /// with `keep`, only the zones it marks (villages) and, when `keepUnassigned`, the
  /// unassigned zone.
  mutating func flush(
    into total: borrowing Mutex<ZoneSums>, keep: [Bool]? = nil, keepUnassigned: Bool = true
  ) {
    let stride = acc.stride
    let kept = keptZones(keep, keepUnassigned)
    total.withLock { t in
      t.sums.withUnsafeMutableBufferPointer { s in
        for (slot, z) in tileZones.enumerated() where kept(z) {
          let (from, to) = (slot * stride, Int(z) * stride)
          for o in 0..<stride { s[to + o].add(local[from + o]) }
        }
      }
    }
    endTile()
  }

  /// As `flush(into:keep:keepUnassigned:)`, into a shard's sparse sums (a block added for
  /// each zone met first here).
  mutating func flush(
    intoSparse total: borrowing Mutex<SparseZoneTotal>, keep: [Bool]? = nil,
    keepUnassigned: Bool = true
  ) {
    let stride = acc.stride
    let kept = keptZones(keep, keepUnassigned)
    total.withLock { t in
      for (slot, z) in tileZones.enumerated() where kept(z) {
        var block = Int(t.slotOf[Int(z)])
        if block < 0 {
          block = t.ids.count
          t.slotOf[Int(z)] = Int32(block)
          t.ids.append(Int(z))
          t.sums.append(contentsOf: repeatElement(ExactSum(), count: stride))
        }
        let (from, to) = (slot * stride, block * stride)
        for o in 0..<stride { t.sums[to + o].add(local[from + o]) }
      }
    }
    endTile()
  }

  /// Whether a zone's tile sums are kept: every zone without `keep`; else the villages it
  /// marks, and the unassigned zone when `keepUnassigned`.
  private func keptZones(_ keep: [Bool]?, _ keepUnassigned: Bool) -> (Int32) -> Bool {
    let unassigned = plan.villageCount
    return { z in
      guard let keep else { return true }
      let zi = Int(z)
      return zi == unassigned ? keepUnassigned : keep[zi]
    }
  }

  /// Empties the tile's zone sums.
  private mutating func endTile() {
    for z in tileZones { zoneSlot[Int(z)] = -1 }
    tileZones.removeAll(keepingCapacity: true)
  }

  /// Reads, classifies and sums one tile (into the tile's compact zone sums, `local`); writes
  /// its per-cell rasters to `sink`.
  mutating func process(_ win: RasterWindow, sink: (any CellRasterSink)?) throws {
    try read(win)
    classify(win)
    let channels = plan.model.indicators.count
    let writing = sink != nil
    outQ = [Float](repeating: .nan, count: writing ? n * channels : 0)
    outV = outQ
    for k in 0..<channels { try accumulate(k, win, writing: writing) }
    acc.cells += n
    if let sink {
      try sink.write(
        window: win, quantities: (0..<channels).map { Array(outQ[$0 * n..<($0 + 1) * n]) },
        values: (0..<channels).map { Array(outV[$0 * n..<($0 + 1) * n]) })
    }
  }

  /// Reads the land use, every role (the slope from the DEM per tile) and the zones of a tile.
  /// Each role is read straight into its rows of `roleValues`/`roleValid` (no copy per role).
  mutating func read(_ win: RasterWindow) throws {
    let roleCount = bands.count
    if n != win.count {
      n = win.count
      luValues = [Double](repeating: 0, count: n)
      luValid = [Bool](repeating: false, count: n)
      roleValues = [Double](repeating: 0, count: n * roleCount)
      roleValid = [Bool](repeating: false, count: n * roleCount)
      cellValues = [Double](repeating: 0, count: max(1, n * roleCount))
      q = [Double](repeating: 0, count: n)
      v = q
      missing = [Bool](repeating: false, count: n)
    }
    try lu.readMasked(win, values: &luValues, valid: &luValid)
    let n = self.n
    for b in 0..<roleCount {
      if b == plan.inputs.slopeFromDEMSlot, let tileSlope = plan.tileSlope {
        let (one, oneValid) = try tileSlope.slope(bands[b], win)
        roleValues.replaceSubrange(b * n..<(b + 1) * n, with: one)
        roleValid.replaceSubrange(b * n..<(b + 1) * n, with: oneValid)
      } else {
        let band = bands[b]
        try roleValues.withUnsafeMutableBufferPointer { values in
          try roleValid.withUnsafeMutableBufferPointer { valid in
            try band.readMasked(
              win, values: UnsafeMutableBufferPointer(rebasing: values[b * n..<(b + 1) * n]),
              valid: UnsafeMutableBufferPointer(rebasing: valid[b * n..<(b + 1) * n]))
          }
        }
      }
    }
    switch zoneSource {
    case .centre(let rasterizer):
      let zones = try rasterizer.rasterize(win)
      let outside = Int32(plan.villageCount)
      if entries.start.count != n + 1 {
        entries.start = (0...n).map(Int32.init)
        entries.fraction = [Double](repeating: 1, count: n)
      }
      entries.zone = zones.map { $0 >= 0 ? $0 : outside }
    case .exact(let coverage):
      coverage.coverage(win, into: &entries)
    }
  }

  /// Land, class and nodata areas and unknown codes of the tile; the compacted land cells and
  /// their role values.
  mutating func classify(_ win: RasterWindow) {
    let entryCount = entries.zone.count
    if entryBase.count != entryCount {
      entryBase = [Int](repeating: 0, count: entryCount)
      entryFixed = [Int128](repeating: 0, count: entryCount)
    }
    let roleCount = bands.count
    let stride = acc.stride
    // The tile's zones, each one block of `local`.
    for e in 0..<entryCount {
      let z = Int(entries.zone[e])
      if zoneSlot[z] < 0 {
        zoneSlot[z] = Int32(tileZones.count)
        tileZones.append(Int32(z))
      }
      entryBase[e] = Int(zoneSlot[z]) * stride
    }
    local.removeAll(keepingCapacity: true)
    local.append(contentsOf: repeatElement(ExactSum(), count: tileZones.count * stride))
    let landOffset = acc.landOffset
    let noDataOffset = acc.noDataOffset
    let classOffset = ZoneSums.sumsPerChannel * plan.model.indicators.count
    let n = self.n
    // The compacted arrays are filled through pointers, then cut to the land cells' count.
    cellIndex.removeAll(keepingCapacity: true)
    cellIndex.append(contentsOf: repeatElement(0, count: n))
    cellCode.removeAll(keepingCapacity: true)
    cellCode.append(contentsOf: repeatElement(0, count: n))
    cellArea.removeAll(keepingCapacity: true)
    cellArea.append(contentsOf: repeatElement(0, count: n))
    cellInvalid.removeAll(keepingCapacity: true)
    cellInvalid.append(contentsOf: repeatElement(0, count: n))
    // Read-only inputs as locals (no access to `self` inside the pointer loops).
    let (classOfCode, codeLevel1, areas) = (plan.model.classOfCode, plan.codeLevel1, plan.areas)
    let (start, fraction, base) = (entries.start, entries.fraction, entryBase)
    let (luValues, luValid, roleValid) = (self.luValues, self.luValid, self.roleValid)
    var codeCells = acc.codeCells
    acc.codeCells = []
    // Cells of codes the crosswalk does not map (rare): handled after the loop.
    var unknown: [Int] = []
    var m = 0
    classOfCode.withUnsafeBufferPointer { classOfCode in
      codeLevel1.withUnsafeBufferPointer { codeLevel1 in
        start.withUnsafeBufferPointer { start in
          fraction.withUnsafeBufferPointer { fraction in
            base.withUnsafeBufferPointer { base in
              luValues.withUnsafeBufferPointer { luValues in
                luValid.withUnsafeBufferPointer { luValid in
                  roleValid.withUnsafeBufferPointer { roleValid in
                    codeCells.withUnsafeMutableBufferPointer { codeCells in
                      entryFixed.withUnsafeMutableBufferPointer { fixed in
                        local.withUnsafeMutableBufferPointer { s in
                          cellIndex.withUnsafeMutableBufferPointer { cellIndex in
                            cellCode.withUnsafeMutableBufferPointer { cellCode in
                              cellArea.withUnsafeMutableBufferPointer { cellArea in
                                cellInvalid.withUnsafeMutableBufferPointer { cellInvalid in
                                  for r in 0..<win.height {
                                    let area = areas[win.rowOffset + r]
                                    let areaFixed = ExactSum.fixedPoint(area)
                                    for i in r * win.width..<(r + 1) * win.width {
                                      let e0 = Int(start[i])
                                      let e1 = Int(start[i + 1])
                                      for e in e0..<e1 {
                                        let f = fraction[e]
                                        fixed[e] =
                                          f == 1 ? areaFixed : ExactSum.fixedPoint(area * f)
                                      }
                                      if !luValid[i] {
                                        for e in e0..<e1 {
                                          s[base[e] + noDataOffset].add(fixed: fixed[e])
                                        }
                                        continue
                                      }
                                      let code = Int(exactly: luValues[i]) ?? -1
                                      guard code >= 0, code < classOfCode.count,
                                        classOfCode[code] >= 0
                                      else {
                                        unknown.append(i)
                                        continue
                                      }
                                      codeCells[code] += 1
                                      let li = codeLevel1[code]
                                      for e in e0..<e1 {
                                        s[base[e] + landOffset].add(fixed: fixed[e])
                                        if li >= 0 {
                                          s[base[e] + classOffset + li].add(fixed: fixed[e])
                                        }
                                      }
                                      var invalid: UInt64 = 0
                                      for b in 0..<roleCount where !roleValid[b * n + i] {
                                        invalid |= 1 << UInt64(b)
                                      }
                                      cellIndex[m] = i
                                      cellCode[m] = Int32(code)
                                      cellArea[m] = area
                                      cellInvalid[m] = invalid
                                      m += 1
                                    }
                                  }
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    acc.codeCells = codeCells
    for i in unknown {
      let value = luValues[i]
      let key = value.isFinite && value == value.rounded() ? Int(value) : Int.min
      var u = acc.unknownCodes[key] ?? (0, ExactSum())
      u.cells += 1
      u.area.add(fixed: ExactSum.fixedPoint(areas[win.rowOffset + i / win.width]))
      acc.unknownCodes[key] = u
    }
    cellIndex.removeLast(n - m)
    cellCode.removeLast(n - m)
    cellArea.removeLast(n - m)
    cellInvalid.removeLast(n - m)
    // The land cells' role values, compacted role by role.
    let roleValues = self.roleValues
    roleValues.withUnsafeBufferPointer { from in
      cellIndex.withUnsafeBufferPointer { index in
        cellValues.withUnsafeMutableBufferPointer { to in
          for b in 0..<roleCount {
            let (src, dst) = (from.baseAddress! + b * n, to.baseAddress! + b * n)
            for j in 0..<m { dst[j] = src[index[j]] }
          }
        }
      }
    }
  }

  /// Evaluates channel `k` over the compacted cells and adds its quantity, value, masked and
  /// uncovered areas and class values per zone.
  ///
  /// Per cell the quantity and value are rounded to the fixed point once and added to each of
  /// its zone entries of fraction 1 (qj · 1 = qj exactly); an entry of another fraction f adds
  /// its own rounding of qj · f — the integers the sums always added.
  ///
  /// - Throws: `cellProblem` for a result that is not finite or beyond 10¹⁵.
  mutating func accumulate(_ k: Int, _ win: RasterWindow, writing: Bool) throws {
    let m = cellIndex.count
    let model = plan.model
    let mask = plan.channelMasks[k]
    let n = self.n
    for j in 0..<m { missing[j] = false }
    // Read-only inputs as locals (no access to `self` inside the pointer loops).
    let (cellIndex, cellCode, cellArea) = (self.cellIndex, self.cellCode, self.cellArea)
    let (cellInvalid, cellValues) = (self.cellInvalid, self.cellValues)
    cellCode.withUnsafeBufferPointer { codes in
      cellArea.withUnsafeBufferPointer { ar in
        cellValues.withUnsafeBufferPointer { vals in
          model.channels[k].evaluate(
            CellBatch(
              count: m, codes: codes.baseAddress!, areas: ar.baseAddress!,
              values: vals.baseAddress!, stride: n, slots: model.slots),
            quantity: &q, value: &v, missing: &missing)
        }
      }
    }
    let matrixBase = acc.landOffset + 2 + k * plan.level1Codes.count
    let exclusion = plan.exclusionSlots[k]
    let (quantityAt, valueAt) = (ZoneSums.offset(k, .quantity), ZoneSums.offset(k, .value))
    let maskedAt = ZoneSums.offset(k, .masked)
    let uncoveredAt = ZoneSums.offset(k, .uncovered)
    let notApplicableAt = ZoneSums.offset(k, .notApplicable)
    let excludedAt = ZoneSums.offset(k, .excluded)
    let implausibleAt = ZoneSums.offset(k, .implausible)
    // Upper density per m² (the bound is per hectare), or +∞.
    let upper =
      model.indicators[k].plausibleDensity.map {
        $0.upperPerHectare / UnitConversion.squareMetresPerHectare
      } ?? .infinity
    let (notApplicableKind, missingKind, zeroKind) = (
      OutcomeKind.notApplicable.rawValue, OutcomeKind.missing.rawValue, OutcomeKind.zero.rawValue
    )
    let (kinds, codeLevel1) = (plan.outcomeKinds[k], plan.codeLevel1)
    let (qs, vs, notCovered) = (self.q, self.v, self.missing)
    let (start, fraction, base, fixed) = (entries.start, entries.fraction, entryBase, entryFixed)
    // The first cell whose result cannot be added (thrown after the loop), or −1.
    var failed = -1
    kinds.withUnsafeBufferPointer { kinds in
      codeLevel1.withUnsafeBufferPointer { codeLevel1 in
        cellIndex.withUnsafeBufferPointer { cellIndex in
          cellCode.withUnsafeBufferPointer { cellCode in
            cellArea.withUnsafeBufferPointer { cellArea in
              cellInvalid.withUnsafeBufferPointer { cellInvalid in
                cellValues.withUnsafeBufferPointer { cellValues in
                  notCovered.withUnsafeBufferPointer { missing in
                    qs.withUnsafeBufferPointer { q in
                      vs.withUnsafeBufferPointer { v in
                        start.withUnsafeBufferPointer { start in
                          fraction.withUnsafeBufferPointer { fraction in
                            base.withUnsafeBufferPointer { base in
                              fixed.withUnsafeBufferPointer { fixed in
                                local.withUnsafeMutableBufferPointer { s in
                                  outQ.withUnsafeMutableBufferPointer { outQ in
                                    outV.withUnsafeMutableBufferPointer { outV in
                                      for j in 0..<m {
                                        let i = cellIndex[j]
                                        let e0 = Int(start[i])
                                        let e1 = Int(start[i + 1])
                                        if cellInvalid[j] & mask != 0 {
                                          for e in e0..<e1 {
                                            s[base[e] + maskedAt].add(fixed: fixed[e])
                                          }
                                          continue
                                        }
                                        let code = Int(cellCode[j])
                                        let kind = kinds[code]
                                        if kind == notApplicableKind {
                                          for e in e0..<e1 {
                                            s[base[e] + notApplicableAt].add(fixed: fixed[e])
                                          }
                                          if writing {
                                            outQ[k * n + i] = 0
                                            outV[k * n + i] = 0
                                          }
                                          continue
                                        }
                                        // Excluded cells (a stream channel for soil
                                        // conservation): not evaluated, their own share;
                                        // their per-cell rasters stay nodata.
                                        if exclusion >= 0, cellValues[exclusion * n + j] != 0 {
                                          for e in e0..<e1 {
                                            s[base[e] + excludedAt].add(fixed: fixed[e])
                                          }
                                          continue
                                        }
                                        let uncovered =
                                          kind == missingKind || (kind != zeroKind && missing[j])
                                        if uncovered {
                                          for e in e0..<e1 {
                                            s[base[e] + uncoveredAt].add(fixed: fixed[e])
                                          }
                                          continue
                                        }
                                        if kind == zeroKind {
                                          if writing {
                                            outQ[k * n + i] = 0
                                            outV[k * n + i] = 0
                                          }
                                          continue
                                        }
                                        let (qj, vj) = (q[j], v[j])
                                        guard qj.isFinite, vj.isFinite, ExactSum.accepts(qj),
                                          ExactSum.accepts(vj)
                                        else {
                                          failed = j
                                          return
                                        }
                                        let implausible = qj > upper * cellArea[j]
                                        let li = codeLevel1[code]
                                        let (fq, fv) = (
                                          ExactSum.fixedPoint(qj), ExactSum.fixedPoint(vj)
                                        )
                                        for e in e0..<e1 {
                                          // f = 1 (every cell in centre mode, interior cells
                                          // in exact mode): qj · 1 = qj.
                                          let f = fraction[e]
                                          let (eq, ev) =
                                            f == 1
                                            ? (fq, fv)
                                            : (
                                              ExactSum.fixedPoint(qj * f),
                                              ExactSum.fixedPoint(vj * f)
                                            )
                                          let at = base[e]
                                          s[at + quantityAt].add(fixed: eq)
                                          s[at + valueAt].add(fixed: ev)
                                          if implausible {
                                            s[at + implausibleAt].add(fixed: fixed[e])
                                          }
                                          if li >= 0 { s[at + matrixBase + li].add(fixed: ev) }
                                        }
                                        if writing {
                                          outQ[k * n + i] = Float(qj)
                                          outV[k * n + i] = Float(vj)
                                        }
                                      }
                                    }
                                  }
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    if failed >= 0 {
      let j = failed
      throw cellProblem(
        model: model, channel: k, quantity: q[j], value: v[j],
        row: win.rowOffset + cellIndex[j] / win.width,
        column: win.colOffset + cellIndex[j] % win.width,
        inputs: (0..<bands.count).map { cellValues[$0 * n + j] })
    }
  }
}

/// The error of a cell whose result is not finite (a GDAL-style failure naming the cell) or
/// beyond 10¹⁵ (an input problem `cell.out-of-range` naming the cell and its inputs).
func cellProblem(
  model: CellModel, channel k: Int, quantity q: Double, value v: Double, row: Int, column: Int,
  inputs: [Double]
) -> any Error {
  let id = model.indicators[k].id
  guard q.isFinite, v.isFinite else {
    return GDALError(
      number: GDALError.appDefined,
      message: "\(id) is not finite at row \(row), column \(column) (an input is infinite or "
        + "out of range)",
      function: "runZonalPass", path: nil)
  }
  return InputProblems(problems: [
    Problem(
      .error, "cell.out-of-range",
      "\(id) is \(abs(q) > abs(v) ? q : v) at row \(row), column \(column) (0-based), beyond "
        + "10¹⁵ per cell: an input raster is out of range there (inputs "
        + inputs.indices.map { "\(model.roles[$0].rawValue) = \(formatNumber(inputs[$0]))" }
        .joined(separator: ", ") + ")",
      at: ProblemLocation(row: row, column: String(column), field: id))
  ])
}

/// Moves a non-Sendable value across threads where the code guarantees exclusive use (here:
/// the rasterizer template, only read under a lock to make per-worker copies).
final class UncheckedBox<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}
