import Dispatch
import GEPCore
import GEPGeo
import Synchronization

/// The sufficient sums of one raster pass (`runSufficientPass`): per zone, land-use code,
/// channel, group and term, the exact sum of the channel's per-cell terms
/// (`SufficientSumsChannel`), and for a clamped channel the cells whose sign can change within the
/// range of their coefficient (breakpoints), sorted, with suffix sums.
///
/// Memory: zones × codes of the crosswalk × Σ (groups × terms) exact sums, plus 24 bytes per
/// breakpoint cell (cells of a clamped channel whose threshold lies inside the coefficient's
/// range).
struct SufficientSums: Sendable {
  /// Land-use codes of the crosswalk, in order; `codeIndex[code]` is a code's index (−1: none).
  let codes: [Int]
  let codeIndex: [Int]
  /// Per channel: offset of its block in a zone's (code) sums and its groups × terms; −1 for
  /// a channel that does not conform (its point sums are used in every draw).
  let channelOffset: [Int]
  let channelGroups: [Int]
  let channelTerms: [Int]
  /// Sums per (zone, code).
  let stride: Int
  let zoneCount: Int
  /// All sums: `(zone * codes.count + codeIndex) * stride + channelOffset[k] + g * terms + t`.
  var sums: [ExactSum]
  /// Breakpoint cells per (channel, zone, code index), key `(k * zoneCount + z) * codes + c`.
  var breakpoints: [Int: Breakpoints] = [:]

  /// The breakpoint cells of a clamped channel on one zone and code: threshold t = a/b (the
  /// cell's q = max(0, a − θ·b) is positive for θ < t), a and b (× fraction), sorted by (t, a,
  /// b), and the sums of a and b from each index to the end.
  struct Breakpoints: Sendable {
    var t: [Double] = []
    var a: [Double] = []
    var b: [Double] = []
    var suffixA: [Double] = []
    var suffixB: [Double] = []

    /// Sorts the cells and makes the suffix sums (a fixed order: the result does not depend on
    /// the tiles' order).
    mutating func finish() {
      let order = t.indices.sorted { i, j in
        (t[i], a[i], b[i]) < (t[j], a[j], b[j])
      }
      t = order.map { t[$0] }
      a = order.map { a[$0] }
      b = order.map { b[$0] }
      suffixA = [Double](repeating: 0, count: t.count + 1)
      suffixB = suffixA
      for i in Swift.stride(from: t.count - 1, through: 0, by: -1) {
        suffixA[i] = suffixA[i + 1] + a[i]
        suffixB[i] = suffixB[i + 1] + b[i]
      }
    }

    /// Σ a and Σ b over the cells with t > θ (positive at θ).
    func positive(at theta: Double) -> (Double, Double) {
      var lo = 0
      var hi = t.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if t[mid] > theta { hi = mid } else { lo = mid + 1 }
      }
      return (suffixA[lo], suffixB[lo])
    }

    mutating func append(_ other: Breakpoints) {
      t += other.t
      a += other.a
      b += other.b
    }
  }

  init(model: CellModel, zoneCount: Int) {
    codes = model.classOfCode.indices.filter { model.classOfCode[$0] >= 0 }
    var index = [Int](repeating: -1, count: model.classOfCode.count)
    for (i, c) in codes.enumerated() { index[c] = i }
    codeIndex = index
    var offsets: [Int] = []
    var groups: [Int] = []
    var terms: [Int] = []
    var o = 0
    for ch in model.channels {
      if let s = ch as? any SufficientSumsChannel {
        offsets.append(o)
        groups.append(s.groupCount)
        terms.append(s.termCount)
        o += s.groupCount * s.termCount
      } else {
        offsets.append(-1)
        groups.append(0)
        terms.append(0)
      }
    }
    channelOffset = offsets
    channelGroups = groups
    channelTerms = terms
    stride = o
    self.zoneCount = zoneCount
    sums = [ExactSum](repeating: ExactSum(), count: zoneCount * codes.count * o)
  }

  /// Offset of (zone, code index).
  func base(_ z: Int, _ c: Int) -> Int { (z * codes.count + c) * stride }

  /// One (zone, code, group) of a channel with cells: its land-use code, level-1 class index,
  /// the start of its term values in `termValues`, and its breakpoints (index in
  /// `breakpointList`, −1: none).
  struct Entry: Sendable {
    var zone: Int32
    var code: Int32
    var group: Int32
    var level1: Int32
    var terms: Int32
    var breakpoints: Int32
  }
  /// Per channel, its entries in (zone, code, group) order (`compile`).
  var entries: [[Entry]] = []
  /// The sums of the entries' terms as doubles.
  var termValues: [Double] = []
  /// The breakpoints the entries refer to.
  var breakpointList: [Breakpoints] = []

  /// Lists the (zone, code, group) blocks that hold cells, so a draw visits only those.
  mutating func compile(codeLevel1: [Int]) {
    entries = []
    termValues = []
    breakpointList = []
    for k in channelOffset.indices {
      var list: [Entry] = []
      guard channelOffset[k] >= 0 else {
        entries.append(list)
        continue
      }
      let terms = channelTerms[k]
      for z in 0..<zoneCount {
        for (c, code) in codes.enumerated() {
          let bp = breakpoints[(k * zoneCount + z) * codes.count + c]
          var bpIndex: Int32 = -1
          if let bp, !bp.t.isEmpty {
            bpIndex = Int32(breakpointList.count)
            breakpointList.append(bp)
          }
          let base = base(z, c) + channelOffset[k]
          for g in 0..<channelGroups[k] {
            let at = base + g * terms
            let any = (0..<terms).contains { sums[at + $0].raw != 0 }
            guard any || (g == 0 && bpIndex >= 0) else { continue }
            list.append(
              Entry(
                zone: Int32(z), code: Int32(code), group: Int32(g),
                level1: Int32(code < codeLevel1.count ? codeLevel1[code] : -1),
                terms: Int32(termValues.count), breakpoints: g == 0 ? bpIndex : -1))
            for t in 0..<terms { termValues.append(sums[at + t].value) }
          }
        }
      }
      entries.append(list)
    }
  }

  /// The quantity and value (and per level-1 class the value) of every conforming channel per
  /// zone for the draw's model: `quantity[k * zoneCount + z]`, `classValue[(k * zoneCount + z) *
  /// classes + l]`.
  func evaluate(_ model: CellModel, classes: Int, withClasses: Bool) -> (
    quantity: [ExactSum], value: [ExactSum], classValue: [ExactSum]
  ) {
    var q = [ExactSum](repeating: ExactSum(), count: channelOffset.count * zoneCount)
    var v = q
    var cv = [ExactSum](
      repeating: ExactSum(), count: withClasses ? channelOffset.count * zoneCount * classes : 0)
    var buffer = [Double](repeating: 0, count: 8)
    for k in channelOffset.indices where channelOffset[k] >= 0 {
      guard let channel = model.channels[k] as? any SufficientSumsChannel else { continue }
      let terms = channelTerms[k]
      var lastCode: Int32 = -1
      var theta: Double? = nil
      for e in entries[k] {
        if e.code != lastCode {
          lastCode = e.code
          theta = channel.clampCoefficient(code: Int(e.code))
        }
        for t in 0..<terms { buffer[t] = termValues[Int(e.terms) + t] }
        if e.breakpoints >= 0, let theta {
          let (a, b) = breakpointList[Int(e.breakpoints)].positive(at: theta)
          buffer[0] += a
          buffer[1] += b
        }
        let (qc, vc) = buffer.withUnsafeBufferPointer {
          channel.combine(code: Int(e.code), group: Int(e.group), sums: $0.baseAddress!)
        }
        let zi = k * zoneCount + Int(e.zone)
        q[zi].add(qc)
        v[zi].add(vc)
        if withClasses && e.level1 >= 0 { cv[zi * classes + Int(e.level1)].add(vc) }
      }
    }
    return (q, v, cv)
  }
}

/// The range of a clamped channel's coefficient per land-use code over every value a draw can
/// give: from the channels of the model bound at the lower and at the upper ends of every drawn
/// row (`UncertainCoefficient.distribution.support`); a code is in no range (nil) when the
/// channel has no clamp.
struct ClampRanges: Sendable {
  /// Per channel, per land-use code: (lower, upper) of θ, or nil.
  var ranges: [[(Double, Double)?]]
}

/// Runs the per-cell pass of `gep compute` (the same tiles, workers, reads and zone sums:
/// `ZoneTileWorker`) and, in the same pass, the sufficient sums of every conforming channel.
///
/// - Parameters: as `runZonalPass`, and `clamps`, the θ ranges of clamped channels.
/// - Returns: the zone sums (equal to `gep compute`'s) and the sufficient sums.
/// - Throws: as `runZonalPass`.
func runSufficientPass(
  grid: Grid, inputs: GridInputs, model: CellModel, zones: ZoneAssignment,
  villageCount: Int, level1Of: [Int: Int], level1Codes: [Int], tiles: [RasterWindow],
  threads: Int, clamps: ClampRanges
) throws -> (ZoneSums, SufficientSums) {
  let shared = ZonePassPlan(
    grid: grid, inputs: inputs, model: model, villageCount: villageCount, level1Of: level1Of,
    level1Codes: level1Codes,
    tileSlope: try inputs.slopeFromDEMSlot.map { _ in try TileSlope(grid: grid) },
    areas: try cellAreasPerRow(grid))
  let workers = max(1, min(threads, tiles.count))
  let template = UncheckedBox(zones)
  let templateLock = Mutex(())
  let zoneCount = villageCount + 1
  let total = Mutex(
    ZoneSums(
      zoneCount: zoneCount, channelCount: model.indicators.count, classCodes: level1Codes))
  let extraTotal = Mutex(SufficientSums(model: model, zoneCount: zoneCount))
  let results = Mutex([ZoneSums?](repeating: nil, count: workers))
  let failure = Mutex<(any Error)?>(nil)
  DispatchQueue.concurrentPerform(iterations: workers) { w in
    do {
      let mine: ZoneAssignment = templateLock.withLock { _ in
        switch template.value {
        case .centre(let r): .centre(r.copy())
        case .exact(let c): .exact(c)
        }
      }
      var worker = try ZoneTileWorker(plan: shared, zones: mine)
      var extra = SufficientSums(model: model, zoneCount: zoneCount)
      var t = w
      while t < tiles.count {
        if failure.withLock({ $0 != nil }) { return }
        let win = tiles[t]
        try worker.read(win)
        worker.classify(win)
        worker.outQ = []
        worker.outV = []
        for k in 0..<model.indicators.count {
          try worker.accumulate(k, win, writing: false)
          addTerms(k, worker: worker, into: &extra, clamps: clamps)
        }
        worker.acc.cells += worker.n
        worker.flush(into: total)
        t += workers
      }
      let finished = worker.acc
      results.withLock { $0[w] = finished }
      extraTotal.withLock { total in
        for i in 0..<total.sums.count { total.sums[i].add(extra.sums[i]) }
        for (key, b) in extra.breakpoints { total.breakpoints[key, default: .init()].append(b) }
      }
    } catch {
      failure.withLock { if $0 == nil { $0 = error } }
    }
  }
  if let e = failure.withLock({ $0 }) { throw e }
  let sums = total.withLock { total in
    for part in results.withLock({ $0 }) {
      guard let part else { continue }
      total.merge(part)
    }
    return total
  }
  var extra = extraTotal.withLock { $0 }
  for key in extra.breakpoints.keys { extra.breakpoints[key]!.finish() }
  return (sums, extra)
}

/// Adds the sufficient terms of channel `k` for the cells of the worker's tile that the pass
/// added to the zone sums (same order of rules as `ZoneTileWorker.accumulate`: masked, not
/// applicable, excluded, missing coefficient, structural zero).
private func addTerms(
  _ k: Int, worker: ZoneTileWorker, into extra: inout SufficientSums, clamps: ClampRanges
) {
  guard extra.channelOffset[k] >= 0,
    let channel = worker.plan.model.channels[k] as? any SufficientSumsChannel
  else { return }
  let m = worker.cellIndex.count
  guard m > 0 else { return }
  let n = worker.n
  let termCount = extra.channelTerms[k]
  var terms = [Double](repeating: 0, count: m * termCount)
  var groups = [Int32](repeating: 0, count: m)
  let model = worker.plan.model
  worker.cellCode.withUnsafeBufferPointer { codes in
    worker.cellArea.withUnsafeBufferPointer { ar in
      worker.cellValues.withUnsafeBufferPointer { vals in
        channel.sufficientTerms(
          CellBatch(
            count: m, codes: codes.baseAddress!, areas: ar.baseAddress!,
            values: vals.baseAddress!, stride: n, slots: model.slots),
          terms: &terms, groups: &groups)
      }
    }
  }
  let mask = worker.plan.channelMasks[k]
  let outcome = worker.plan.outcomes[k]
  let exclusion = worker.plan.exclusionSlots[k]
  let offset = extra.channelOffset[k]
  let clampRanges = k < clamps.ranges.count ? clamps.ranges[k] : []
  let codeCount = extra.codes.count
  let zoneCount = extra.zoneCount
  for j in 0..<m {
    if worker.cellInvalid[j] & mask != 0 { continue }
    let code = Int(worker.cellCode[j])
    switch outcome[code] {
    case .notApplicable, .missing, .zero: continue
    case .depends: break
    }
    if exclusion >= 0, worker.cellValues[exclusion * n + j] != 0 { continue }
    if worker.missing[j] { continue }
    let c = extra.codeIndex[code]
    let g = Int(groups[j])
    let i = worker.cellIndex[j]
    let e0 = Int(worker.entries.start[i])
    let e1 = Int(worker.entries.start[i + 1])
    if code < clampRanges.count, let (lower, upper) = clampRanges[code] {
      // q = max(0, a − θ·b): positive for every drawable θ when t ≥ upper, never when t ≤ lower.
      let a = terms[j]
      let b = terms[m + j]
      let t = b > 0 ? a / b : (a > 0 ? Double.infinity : -Double.infinity)
      if t <= lower { continue }
      if t < upper {
        for e in e0..<e1 {
          let f = worker.entries.fraction[e]
          let z = Int(worker.entries.zone[e])
          let key = (k * zoneCount + z) * codeCount + c
          extra.breakpoints[key, default: .init()].t.append(t)
          extra.breakpoints[key, default: .init()].a.append(a * f)
          extra.breakpoints[key, default: .init()].b.append(b * f)
        }
        continue
      }
    }
    for e in e0..<e1 {
      let f = worker.entries.fraction[e]
      let z = Int(worker.entries.zone[e])
      let at = extra.base(z, c) + offset + g * termCount
      for t in 0..<termCount { extra.sums[at + t].add(terms[t * m + j] * f) }
    }
  }
}

/// Evaluates the cell part of one draw from the sufficient sums: the point pass's zone sums with
/// the quantity, value and class values of every conforming channel replaced by those of the
/// draw's model (`model`, bound to the drawn coefficients).
///
/// - Precondition: `model` has the point model's channels, in the same order; `extra` is
///   compiled (`SufficientSums.compile`).
func zoneSums(draw model: CellModel, point: ZoneSums, extra: SufficientSums) -> ZoneSums {
  var out = point
  let stride = point.stride
  let classes = point.classCodes.count
  let (q, v, cv) = extra.evaluate(model, classes: classes, withClasses: true)
  for k in 0..<model.channels.count where extra.channelOffset[k] >= 0 {
    for z in 0..<point.zoneCount {
      let zi = k * point.zoneCount + z
      out.sums[z * stride + ZoneSums.offset(k, .quantity)] = q[zi]
      out.sums[z * stride + ZoneSums.offset(k, .value)] = v[zi]
      for li in 0..<classes {
        out.sums[z * stride + out.matrixOffset(k, li)] = cv[zi * classes + li]
      }
    }
  }
  return out
}
