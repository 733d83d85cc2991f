import GEPCore

/// The linear form of the cell lines of every account unit in the drawn rows (issue 18: "10 000
/// draws should cost less than the raster pass"), so that a draw costs a few multiply-adds per
/// unit, land-use code and term, with no model binding, allocation or dictionary lookup.
///
/// Two layers, both laid out as flat arrays:
/// - the **channel coefficients**: for each conforming channel k, land-use code c and group g
///   (`SufficientSumsChannel`), the coefficients aₜ of its terms in the quantity
///   (q = Σₜ aₜ·Sₜ, since `combine` is linear in the sums), the value per unit of quantity w
///   (v = w·q: every conforming method values its quantity at a price or a sum of prices ×
///   constants), and the clamp coefficient θ (water conservation's α). Each is an affine function
///   of the drawn rows, f(x) = f₀ + Σᵢ sᵢ·(xᵢ − vᵢ), with f₀ the point model's and the slopes sᵢ
///   read from the models bound with row i at its low and high; `init` checks that form at a
///   third value of every row and `UncertaintyJob.prepare` at two joint draws, and does not use
///   it (every draw rebinds the methods) when a coefficient is not of that form (e.g. a product
///   of two drawn rows, or a drawn bulk density, which divides);
/// - the **unit sums**: per account unit, cell line and (code, group), the exact sums of the
///   terms over the unit's zones (villages), and the unit's merged breakpoint cells of a clamped
///   channel (`SufficientSums.Breakpoints`), evaluated by the clamp's own rule (cells with
///   threshold t > θ are positive).
///
/// A draw's line is then q = Σ_(c,g) Σₜ aₜ·(Sₜ + the positive breakpoint cells' sums),
/// v = Σ_(c,g) w·q_(c,g); the other lines are the point account's, and GEP moves by the change
/// of the cell lines' values (`RollUp`).
struct LinearDraws: Sendable {
  /// Point values of the channel coefficients.
  let pointCoefficients: [Double]
  /// Dependencies of the coefficients on the rows: coefficient `depField[j]` moves by
  /// `depSlope[j] · (x[depRow[j]] − rowValue[depRow[j]])`.
  let depField: [Int32]
  let depRow: [Int32]
  let depSlope: [Double]
  /// The rows' point values.
  let rowValue: [Double]
  /// Per account unit, its lines' range in `lineSlot`/`lineItemStart`.
  let unitLineStart: [Int]
  /// Per cell line: its quantity slot (value slot = + 1) in the layout, and its items' range.
  let lineSlot: [Int]
  let lineItemStart: [Int]
  /// Per item (one code and group of one line): the index of its block of coefficients (terms,
  /// w, θ), its terms' start in `unitSums`, its term count and its breakpoints (−1: none).
  let itemCoefficient: [Int32]
  let itemSums: [Int32]
  let itemTerms: [Int32]
  let itemBreakpoints: [Int32]
  /// The unit sums of the items' terms.
  let unitSums: [Double]
  /// Merged breakpoint cells per (unit, channel, code).
  let breakpoints: [SufficientSums.Breakpoints]
  /// The point numbers of the account (`RollUp.base`) and, per unit, its GEP slot.
  let base: [Double]
  let gepSlot: [Int]
  /// Per unit, the first and end slot of its numbers.
  let unitFirst: [Int]
  let unitEnd: [Int]

  /// Coefficients per draw (scratch size).
  var coefficientCount: Int { pointCoefficients.count }

  /// The channel coefficients of a bound model, in the layout `blocks` gives: per conforming
  /// channel, per code index and group, its terms' aₜ, w and θ (NaN: no clamp).
  static func coefficients(
    _ model: CellModel, extra: SufficientSums, blocks: [Int]
  ) -> [Double] {
    var out: [Double] = []
    out.reserveCapacity(blocks.last ?? 0)
    var unit = [Double](repeating: 0, count: 8)
    for k in extra.channelOffset.indices where extra.channelOffset[k] >= 0 {
      guard let ch = model.channels[k] as? any SufficientSumsChannel else { return [] }
      let terms = extra.channelTerms[k]
      for code in extra.codes {
        let theta = ch.clampCoefficient(code: code) ?? .nan
        let evaluated = ch.outcome(code: code) == .depends
        for g in 0..<extra.channelGroups[k] {
          guard evaluated && ch.hasGroup(code: code, group: g) else {
            // No cell of this code and group is evaluated: never read by an item.
            out += [Double](repeating: .nan, count: terms + 2)
            continue
          }
          var w = 0.0
          var found = false
          for t in 0..<terms {
            for s in 0..<terms { unit[s] = s == t ? 1 : 0 }
            let (q, v) = unit.withUnsafeBufferPointer {
              ch.combine(code: code, group: g, sums: $0.baseAddress!)
            }
            out.append(q)
            if !found && q != 0 && q.isFinite {
              w = v / q
              found = true
            }
          }
          out.append(w)
          out.append(theta)
        }
      }
    }
    return out
  }

  /// The block start of each conforming channel's coefficients (and the total at the end).
  static func blocks(_ extra: SufficientSums) -> [Int] {
    var b: [Int] = []
    var o = 0
    for k in extra.channelOffset.indices {
      b.append(o)
      if extra.channelOffset[k] >= 0 {
        o += extra.codes.count * extra.channelGroups[k] * (extra.channelTerms[k] + 2)
      }
    }
    b.append(o)
    return b
  }

  /// Builds the linear form, or nil when a channel coefficient is not affine in a drawn row
  /// (checked at three values of each row) or a channel does not conform.
  ///
  /// - Parameters: `model` the point model; `bind` binds the model for values of the rows;
  ///   `rows` the drawn rows; `extra` the compiled sufficient sums; `rollUp` and `layout` the
  ///   roll-up of the cell lines.
  init?(
    model: CellModel, bind: (([Double]) -> CellModel), rows: [UncertainCoefficient],
    extra: SufficientSums, rollUp: RollUp, layout: AccountLayout
  ) {
    let blocks = LinearDraws.blocks(extra)
    let f0 = LinearDraws.coefficients(model, extra: extra, blocks: blocks)
    guard f0.count == blocks.last! else { return nil }
    let values = rows.map(\.value)
    var depField: [Int32] = []
    var depRow: [Int32] = []
    var depSlope: [Double] = []
    var deps: [(field: Int, row: Int, slope: Double)] = []
    func same(_ a: Double, _ b: Double) -> Bool {
      a == b || (a.isNaN && b.isNaN) || abs(a - b) <= 1e-13 * max(abs(a), abs(b))
    }
    for (i, r) in rows.enumerated() {
      let lo = r.low
      let hi = r.high
      guard lo < hi else { continue }
      var third = r.value
      if !(third > lo && third < hi) { third = lo + (hi - lo) * 0.375 }
      func at(_ x: Double) -> [Double] {
        var v = values
        v[i] = x
        return LinearDraws.coefficients(bind(v), extra: extra, blocks: blocks)
      }
      let fl = at(lo)
      let fh = at(hi)
      let fm = third == r.value ? f0 : at(third)
      guard fl.count == f0.count, fh.count == f0.count, fm.count == f0.count else { return nil }
      for j in f0.indices where !(same(fl[j], f0[j]) && same(fh[j], f0[j])) {
        guard fl[j].isFinite, fh[j].isFinite, f0[j].isFinite else { return nil }
        let s = (fh[j] - fl[j]) / (hi - lo)
        // Affine: the point and the third value lie on the line through low and high.
        guard same(f0[j] + s * (third - r.value), fm[j]),
          same(f0[j] + s * (lo - r.value), fl[j])
        else { return nil }
        deps.append((j, i, s))
      }
    }
    deps.sort { ($0.field, $0.row) < ($1.field, $1.row) }
    for d in deps {
      depField.append(Int32(d.field))
      depRow.append(Int32(d.row))
      depSlope.append(d.slope)
    }
    pointCoefficients = f0
    self.depField = depField
    self.depRow = depRow
    self.depSlope = depSlope
    rowValue = values
    // Unit sums.
    var unitLineStart: [Int] = [0]
    var lineSlot: [Int] = []
    var lineItemStart: [Int] = [0]
    var itemCoefficient: [Int32] = []
    var itemSums: [Int32] = []
    var itemTerms: [Int32] = []
    var itemBreakpoints: [Int32] = []
    var unitSums: [Double] = []
    var breakpoints: [SufficientSums.Breakpoints] = []
    let codeCount = extra.codes.count
    for u in 0..<layout.units.count {
      let zones = rollUp.zones[u]
      for (line, k) in rollUp.cellLines[u] {
        lineSlot.append(layout.first[u] + 2 * line)
        let terms = extra.channelTerms[k]
        let groups = extra.channelGroups[k]
        if extra.channelOffset[k] >= 0 {
          for (c, _) in extra.codes.enumerated() {
            var merged = SufficientSums.Breakpoints()
            for z in zones {
              if let b = extra.breakpoints[(k * extra.zoneCount + z) * codeCount + c] {
                merged.append(b)
              }
            }
            var bpIndex: Int32 = -1
            if !merged.t.isEmpty {
              merged.finish()
              bpIndex = Int32(breakpoints.count)
              breakpoints.append(merged)
            }
            for g in 0..<groups {
              var sums = [ExactSum](repeating: ExactSum(), count: terms)
              for z in zones {
                let at = extra.base(z, c) + extra.channelOffset[k] + g * terms
                for t in 0..<terms { sums[t].add(extra.sums[at + t]) }
              }
              let any = sums.contains { $0.raw != 0 }
              guard any || (g == 0 && bpIndex >= 0) else { continue }
              itemCoefficient.append(Int32(blocks[k] + (c * groups + g) * (terms + 2)))
              itemSums.append(Int32(unitSums.count))
              itemTerms.append(Int32(terms))
              itemBreakpoints.append(g == 0 ? bpIndex : -1)
              unitSums += sums.map(\.value)
            }
          }
        }
        lineItemStart.append(itemCoefficient.count)
      }
      unitLineStart.append(lineSlot.count)
    }
    self.unitLineStart = unitLineStart
    self.lineSlot = lineSlot
    self.lineItemStart = lineItemStart
    self.itemCoefficient = itemCoefficient
    self.itemSums = itemSums
    self.itemTerms = itemTerms
    self.itemBreakpoints = itemBreakpoints
    self.unitSums = unitSums
    self.breakpoints = breakpoints
    base = rollUp.base
    gepSlot = layout.units.indices.map { layout.gepSlot($0) }
    unitFirst = layout.first
    unitEnd = layout.units.indices.map { layout.gepSlot($0) + 1 }
  }

  /// The channel coefficients of a draw (`x`: values in row order) into `c`
  /// (`coefficientCount`).
  @inline(__always)
  func coefficients(_ x: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>) {
    pointCoefficients.withUnsafeBufferPointer { f0 in
      c.update(from: f0.baseAddress!, count: f0.count)
    }
    for j in depField.indices {
      let r = Int(depRow[j])
      c[Int(depField[j])] += depSlope[j] * (x[r] - rowValue[r])
    }
  }

  /// The quantity and value of cell line `l` for the coefficients `c`.
  @inline(__always)
  func line(_ l: Int, _ c: UnsafePointer<Double>) -> (Double, Double) {
    var q = 0.0
    var v = 0.0
    unitSums.withUnsafeBufferPointer { sums in
      for it in lineItemStart[l]..<lineItemStart[l + 1] {
        let a = c + Int(itemCoefficient[it])
        let s = sums.baseAddress! + Int(itemSums[it])
        let terms = Int(itemTerms[it])
        var qi = 0.0
        if itemBreakpoints[it] >= 0 {
          let (pa, pb) = breakpoints[Int(itemBreakpoints[it])].positive(at: a[terms + 1])
          qi = a[0] * (s[0] + pa) + a[1] * (s[1] + pb)
          for t in 2..<max(2, terms) { qi += a[t] * s[t] }
        } else {
          for t in 0..<terms { qi += a[t] * s[t] }
        }
        q += qi
        v += a[terms] * qi
      }
    }
    return (q, v)
  }

  /// Unit `u`'s numbers for the coefficients `c` into `out` (the layout's slots); returns its
  /// GEP.
  @inline(__always)
  @discardableResult
  func unit(_ u: Int, _ c: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>?)
    -> Double
  {
    var delta = 0.0
    if let out {
      base.withUnsafeBufferPointer { b in
        out.advanced(by: unitFirst[u]).update(
          from: b.baseAddress! + unitFirst[u], count: unitEnd[u] - unitFirst[u])
      }
    }
    for l in unitLineStart[u]..<unitLineStart[u + 1] {
      let (q, v) = line(l, c)
      let s = lineSlot[l]
      out?[s] = q
      if !base[s + 1].isNaN {
        delta += v - base[s + 1]
        out?[s + 1] = v
      }
    }
    let gep = base[gepSlot[u]] + delta
    out?[gepSlot[u]] = gep
    return gep
  }

  /// Every unit's numbers of a draw (`x`, row order) into `out`; `scratch` holds
  /// `coefficientCount` doubles.
  func numbers(
    _ x: UnsafePointer<Double>, scratch: UnsafeMutablePointer<Double>,
    into out: UnsafeMutablePointer<Double>
  ) {
    coefficients(x, into: scratch)
    for u in 0..<gepSlot.count { unit(u, scratch, into: out) }
  }

  /// The GEP of units `units` of a draw into `out[0..<units.count]`.
  func gep(
    _ x: UnsafePointer<Double>, units: [Int], scratch: UnsafeMutablePointer<Double>,
    into out: UnsafeMutablePointer<Double>
  ) {
    coefficients(x, into: scratch)
    for (i, u) in units.enumerated() { out[i] = unit(u, scratch, into: nil) }
  }
}
