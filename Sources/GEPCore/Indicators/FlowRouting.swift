import Foundation

// Terrain algorithms on an in-memory DEM for the RUSLE LS factor (GEP-METHODS §5.2):
// depression filling, Horn slope, D8 and MFD flow accumulation, and the LS factor from
// upslope contributing area (Desmet & Govers 1996). Pure Swift, no GDAL. All arrays are
// row-major, element `row * width + col`, length `width * height`; row 0 is the top (north).

/// A DEM held in memory with its cell geometry, for the routing functions below.
public struct TerrainGrid: Sendable {
  /// Columns.
  public let width: Int
  /// Rows.
  public let height: Int
  /// Elevation, m; row-major, length `width * height`. Values of invalid cells are ignored.
  public var elevation: [Double]
  /// False where the DEM has no data; length `width * height`.
  public let valid: [Bool]
  /// East–west cell size of each row, m (length `height`; constant on projected grids,
  /// shrinking with cos φ on geographic grids).
  public let cellWidths: [Double]
  /// North–south cell size of each row, m (length `height`).
  public let cellHeights: [Double]

  /// Creates a terrain grid.
  ///
  /// - Throws: `TerrainError.shape` when an array's length does not match the size.
  public init(
    width: Int, height: Int, elevation: [Double], valid: [Bool], cellWidths: [Double],
    cellHeights: [Double]
  ) throws(TerrainError) {
    guard width > 0, height > 0, elevation.count == width * height,
      valid.count == width * height, cellWidths.count == height, cellHeights.count == height
    else {
      throw .shape(
        "\(width)×\(height) grid with \(elevation.count) elevations, \(valid.count) flags, "
          + "\(cellWidths.count) cell widths and \(cellHeights.count) cell heights")
    }
    self.width = width
    self.height = height
    self.elevation = elevation
    self.valid = valid
    self.cellWidths = cellWidths
    self.cellHeights = cellHeights
  }

  /// Convenience for a projected grid of square cells of `cellSize` metres.
  ///
  /// - Throws: `TerrainError.shape` as the designated initializer.
  public init(
    width: Int, height: Int, elevation: [Double], valid: [Bool]? = nil, cellSize: Double
  ) throws(TerrainError) {
    try self.init(
      width: width, height: height, elevation: elevation,
      valid: valid ?? [Bool](repeating: true, count: width * height),
      cellWidths: [Double](repeating: cellSize, count: height),
      cellHeights: [Double](repeating: cellSize, count: height))
  }
}

/// Errors of the terrain functions.
public enum TerrainError: Error, Equatable, CustomStringConvertible {
  /// Array lengths do not match the grid size (the message gives them).
  case shape(String)

  /// A readable message.
  public var description: String {
    switch self {
    case .shape(let s): return "inconsistent terrain arrays: \(s)"
    }
  }
}

/// Flow-routing method.
public enum FlowMethod: String, Sendable, CaseIterable, Codable {
  /// D8 (O'Callaghan & Mark 1984): all flow to the steepest-descent neighbour of 8.
  case d8
  /// Multiple flow direction (Quinn et al. 1991): flow to every lower neighbour in proportion
  /// to tan β × contour length (½ cell side for cardinal, 0.354 for diagonal neighbours).
  case mfd
}

/// Neighbour offsets in the order E, SE, S, SW, W, NW, N, NE (dx, dy).
@usableFromInline let neighbourOffsets: [(Int, Int)] = [
  (1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1),
]

/// A binary min-heap of (elevation, index), ties broken by index (deterministic order).
struct ElevationHeap {
  var items: [(Double, Int)] = []
  var isEmpty: Bool { items.isEmpty }

  static func less(_ a: (Double, Int), _ b: (Double, Int)) -> Bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
  }

  mutating func push(_ item: (Double, Int)) {
    items.append(item)
    var i = items.count - 1
    while i > 0 {
      let parent = (i - 1) / 2
      if !Self.less(items[i], items[parent]) { break }
      items.swapAt(i, parent)
      i = parent
    }
  }

  mutating func pop() -> (Double, Int)? {
    guard let first = items.first else { return nil }
    let last = items.removeLast()
    if items.isEmpty { return first }
    items[0] = last
    var i = 0
    while true {
      let l = 2 * i + 1
      let r = l + 1
      var m = i
      if l < items.count, Self.less(items[l], items[m]) { m = l }
      if r < items.count, Self.less(items[r], items[m]) { m = r }
      if m == i { break }
      items.swapAt(i, m)
      i = m
    }
    return first
  }
}

/// Fills depressions so that every valid cell drains to the grid edge or to a nodata cell,
/// by Priority-Flood+ε (Barnes, Lehman & Mulla 2014, Computers & Geosciences 62: 117–127).
///
/// Seeds are the valid cells on the grid edge or next to an invalid cell; cells are taken
/// lowest first and each unvisited neighbour is raised to at least the next representable
/// Double above the current cell (`nextUp`), so filled flats keep a minute gradient towards
/// their outlet and every non-seed cell has a strictly lower neighbour (which makes D8 and MFD
/// well defined without a separate flat-resolution step). Raised amounts on flats are of the
/// order of 10⁻¹³ m per cell and do not change slopes.
///
/// - Parameter terrain: the DEM.
/// - Returns: filled elevations, m (invalid cells unchanged); row-major.
/// - Complexity: O(n log n) time, about 24 bytes per cell of extra memory.
public func fillDepressions(_ terrain: TerrainGrid) -> [Double] {
  let w = terrain.width
  let h = terrain.height
  var z = terrain.elevation
  let valid = terrain.valid
  var visited = [Bool](repeating: false, count: w * h)
  var heap = ElevationHeap()
  for row in 0..<h {
    for col in 0..<w {
      let i = row * w + col
      guard valid[i] else { continue }
      var seed = row == 0 || col == 0 || row == h - 1 || col == w - 1
      if !seed {
        for (dx, dy) in neighbourOffsets where !valid[(row + dy) * w + col + dx] {
          seed = true
          break
        }
      }
      if seed {
        visited[i] = true
        heap.push((z[i], i))
      }
    }
  }
  while let (zc, i) = heap.pop() {
    let row = i / w
    let col = i % w
    for (dx, dy) in neighbourOffsets {
      let r = row + dy
      let c = col + dx
      guard r >= 0, r < h, c >= 0, c < w else { continue }
      let j = r * w + c
      guard valid[j], !visited[j] else { continue }
      visited[j] = true
      if z[j] <= zc { z[j] = zc.nextUp }
      heap.push((z[j], j))
    }
  }
  return z
}

/// Slope and gradient components of each cell by Horn's (1981) 3×3 finite differences.
public struct HornSlope: Sendable {
  /// Slope angle θ, degrees (0 for invalid cells; see `valid`).
  public var degrees: [Double]
  /// ∂z/∂x (east positive), m/m.
  public var dzdx: [Double]
  /// ∂z/∂y (north positive), m/m.
  public var dzdy: [Double]
}

/// Horn's (1981) slope, the method of GDAL `gdaldem slope`, ArcGIS and pygeoprocessing.
///
///     ∂z/∂x = ((c + 2f + i) − (a + 2d + g)) / (8 Δx)
///     ∂z/∂y = ((a + 2b + c) − (g + 2h + i)) / (8 Δy)
///     θ = atan √((∂z/∂x)² + (∂z/∂y)²)
///
/// with the 3×3 window a b c / d e f / g h i (a = north-west). A neighbour outside the grid or
/// without data is extrapolated linearly through the centre from the opposite neighbour
/// (2e − opposite; like `gdaldem -compute_edges`, exact on planes), or takes the centre's
/// elevation when the opposite is missing too.
/// Δx and Δy are the cell's row sizes in metres, so geographic grids are handled by
/// `TerrainGrid.cellWidths`.
///
/// - Parameters:
///   - terrain: the cell geometry and validity.
///   - elevation: elevations to use (e.g. `fillDepressions(_:)`'s output), row-major.
/// - Returns: slope in degrees and the two gradient components for each cell.
public func hornSlope(_ terrain: TerrainGrid, elevation: [Double]) -> HornSlope {
  let w = terrain.width
  let h = terrain.height
  var out = HornSlope(
    degrees: [Double](repeating: 0, count: w * h), dzdx: [Double](repeating: 0, count: w * h),
    dzdy: [Double](repeating: 0, count: w * h))
  elevation.withUnsafeBufferPointer { z in
    terrain.valid.withUnsafeBufferPointer { v in
      for row in 0..<h {
        for col in 0..<w where v[row * w + col] {
          let i = row * w + col
          let (gx, gy) = hornGradient(
            elevation: z, valid: v, width: w, height: h, row: row, col: col,
            dx: terrain.cellWidths[row], dy: terrain.cellHeights[row])
          out.dzdx[i] = gx
          out.dzdy[i] = gy
          out.degrees[i] = slopeDegrees(dzdx: gx, dzdy: gy)
        }
      }
    }
  }
  return out
}

/// Horn's gradient at one valid cell of a row-major grid (the kernel of `hornSlope`, shared
/// with the per-tile slope of the cell pass):
///
///     ∂z/∂x = ((c + 2f + i) − (a + 2d + g)) / (8 Δx),  ∂z/∂y = ((a + 2b + c) − (g + 2h + i)) / (8 Δy)
///
/// A neighbour outside the grid or invalid is 2e − its opposite neighbour, or e when that is
/// missing too (see `hornSlope`).
///
/// - Parameters:
///   - elevation: elevations, m, row-major (length = width × height).
///   - valid: validity of each cell (same shape).
///   - width: grid columns.
///   - height: grid rows.
///   - row: the cell's row (0-based).
///   - col: the cell's column (0-based).
///   - dx: cell width of the row, m.
///   - dy: cell height of the row, m.
/// - Returns: ∂z/∂x (east positive) and ∂z/∂y (north positive), m/m.
@inlinable
public func hornGradient(
  elevation: UnsafeBufferPointer<Double>, valid: UnsafeBufferPointer<Bool>, width: Int,
  height: Int, row: Int, col: Int, dx: Double, dy: Double
) -> (dzdx: Double, dzdy: Double) {
  let e = elevation[row * width + col]
  @inline(__always) func raw(_ dc: Int, _ dr: Int) -> Double? {
    let r = row + dr
    let c = col + dc
    guard r >= 0, r < height, c >= 0, c < width else { return nil }
    let j = r * width + c
    return valid[j] ? elevation[j] : nil
  }
  @inline(__always) func z(_ dc: Int, _ dr: Int) -> Double {
    if let v = raw(dc, dr) { return v }
    if let opposite = raw(-dc, -dr) { return 2 * e - opposite }
    return e
  }
  let a = z(-1, -1)
  let b = z(0, -1)
  let c = z(1, -1)
  let d = z(-1, 0)
  let f = z(1, 0)
  let g = z(-1, 1)
  let h = z(0, 1)
  let i = z(1, 1)
  return (
    ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * dx), ((a + 2 * b + c) - (g + 2 * h + i)) / (8 * dy)
  )
}

/// Slope angle θ = atan √((∂z/∂x)² + (∂z/∂y)²), degrees, from a gradient in m/m.
@inlinable
public func slopeDegrees(dzdx: Double, dzdy: Double) -> Double {
  atan((dzdx * dzdx + dzdy * dzdy).squareRoot()) * 180 / Double.pi
}

/// Flow accumulation: the sum of `weights` over each cell and every cell draining to it.
///
/// Flow goes only to strictly lower valid neighbours, so run it on `fillDepressions(_:)`'s
/// output; cells are visited from the highest down (a topological order). Distances to
/// neighbours use the row's cell sizes (diagonal √(Δx² + Δy²)). D8 sends everything to the
/// neighbour of steepest descent (drop / distance; ties go to the first in the order E, SE, S,
/// SW, W, NW, N, NE); MFD (Quinn et al. 1991, exponent 1) splits in proportion to
/// tan β_k × L_k with contour length L_k = ½ Δ (cardinal) or 0.354 Δ (diagonal). Cells with no
/// lower neighbour (outlets on the edge or next to nodata) keep their flow.
///
/// - Parameters:
///   - terrain: cell geometry and validity.
///   - elevation: filled elevations, m, row-major.
///   - weights: the quantity routed per cell (e.g. 1 for cell counts, or the cell area in m²
///     for contributing area), row-major; ignored on invalid cells.
///   - method: `.d8` or `.mfd`.
/// - Returns: accumulated weights including the cell's own; 0 on invalid cells.
public func flowAccumulation(
  _ terrain: TerrainGrid, elevation: [Double], weights: [Double], method: FlowMethod
) -> [Double] {
  let w = terrain.width
  let h = terrain.height
  let n = w * h
  var order = [Int]()
  order.reserveCapacity(n)
  for i in 0..<n where terrain.valid[i] { order.append(i) }
  order.sort { elevation[$0] > elevation[$1] || (elevation[$0] == elevation[$1] && $0 < $1) }
  var acc = [Double](repeating: 0, count: n)
  for i in order { acc[i] = weights[i] }
  var shares = [(Int, Double)]()
  for i in order {
    let row = i / w
    let col = i % w
    let dx = terrain.cellWidths[row]
    let dy = terrain.cellHeights[row]
    shares.removeAll(keepingCapacity: true)
    var best = -1
    var bestGradient = 0.0
    var total = 0.0
    for (k, (ox, oy)) in neighbourOffsets.enumerated() {
      let r = row + oy
      let c = col + ox
      guard r >= 0, r < h, c >= 0, c < w else { continue }
      let j = r * w + c
      guard terrain.valid[j], elevation[j] < elevation[i] else { continue }
      let diagonal = k % 2 == 1
      let distance =
        diagonal ? (dx * dx + dy * dy).squareRoot() : (ox != 0 ? dx : dy)
      let gradient = (elevation[i] - elevation[j]) / distance
      switch method {
      case .d8:
        if gradient > bestGradient {
          bestGradient = gradient
          best = j
        }
      case .mfd:
        let contour =
          diagonal
          ? 0.354 * (dx * dx + dy * dy).squareRoot() / 2.0.squareRoot()
          : 0.5 * (ox != 0 ? dy : dx)
        let share = gradient * contour
        shares.append((j, share))
        total += share
      }
    }
    switch method {
    case .d8:
      if best >= 0 { acc[best] += acc[i] }
    case .mfd:
      guard total > 0 else { continue }
      for (j, share) in shares { acc[j] += acc[i] * share / total }
    }
  }
  return acc
}

/// The D8 receiver of every cell: the strictly lower valid neighbour of steepest descent
/// (drop / distance; ties to the first in the order E, SE, S, SW, W, NW, N, NE), as used by
/// `flowAccumulation(_:elevation:weights:method:)` with `.d8`.
///
/// - Parameters:
///   - terrain: cell geometry and validity.
///   - elevation: filled elevations, m, row-major.
/// - Returns: for each cell the receiver's index, or −1 (outlet, invalid cell); the flow
///   distance to it, m (the cell side, or the diagonal; the cell side for outlets); and the
///   steepest-descent gradient, m/m (0 for outlets).
public func d8Receivers(_ terrain: TerrainGrid, elevation: [Double]) -> (
  receiver: [Int], distance: [Double], gradient: [Double]
) {
  let w = terrain.width
  let h = terrain.height
  var receiver = [Int](repeating: -1, count: w * h)
  var distance = [Double](repeating: 0, count: w * h)
  var gradient = [Double](repeating: 0, count: w * h)
  for row in 0..<h {
    let dx = terrain.cellWidths[row]
    let dy = terrain.cellHeights[row]
    for col in 0..<w {
      let i = row * w + col
      guard terrain.valid[i] else { continue }
      distance[i] = (dx * dy).squareRoot()
      for (k, (ox, oy)) in neighbourOffsets.enumerated() {
        let r = row + oy
        let c = col + ox
        guard r >= 0, r < h, c >= 0, c < w else { continue }
        let j = r * w + c
        guard terrain.valid[j], elevation[j] < elevation[i] else { continue }
        let d = k % 2 == 1 ? (dx * dx + dy * dy).squareRoot() : (ox != 0 ? dx : dy)
        let g = (elevation[i] - elevation[j]) / d
        if g > gradient[i] {
          gradient[i] = g
          receiver[i] = j
          distance[i] = d
        }
      }
    }
  }
  return (receiver, distance, gradient)
}

/// Channel cells (沟道/河道栅格) by a flow-accumulation threshold, as InVEST's
/// `threshold_flow_accumulation`: a cell is a channel when its flow accumulation, counted in
/// cells with the cell itself included, is at least `threshold`.
///
///     channel = FA ≥ threshold
///
/// - Parameters:
///   - accumulationCells: flow accumulation in cells (`LSFactorResult.accumulationCells`).
///   - valid: validity of each cell.
///   - threshold: cells (e.g. 1000 in InVEST's SDR sample; 1000 cells of 30 m = 0.9 km²).
/// - Returns: true on channel cells (false on invalid cells).
/// - Note: FIELD-LESSONS §3.1 (InVEST SDR writes RKLS, USLE and avoided erosion as nodata on
///   streams); GEP-METHODS §5.2.
public func channelCells(accumulationCells: [Double], valid: [Bool], threshold: Double) -> [Bool] {
  zip(accumulationCells, valid).map { $0.1 && $0.0 >= threshold }
}

/// Cumulative slope length λ (累计坡长) along D8 flow paths that stops at slope breaks and at
/// channels: the method of Hickey (2000) and Van Remortel, Maichle & Hickey (2004, Computers &
/// Geosciences 30: 1043–1053), used by the Chinese LS tools (张宏鸣, 杨勤科 et al. 2012 LS_TOOL;
/// 秦伟 et al. 2010) and the national soil-erosion survey (第一次全国水利普查).
///
///     NCSL_i = D8 flow distance of cell i (cell side or diagonal)
///     λ_i    = ½ NCSL_i                        no inflow, a slope break, or a channel (start)
///     λ_i    = max_{j → i} λ_j + NCSL_i        otherwise (the longest inflowing path)
///     break  : tan β_i < c · tan β_j,   c = 0.7 if tan β_j < 0.05, else 0.5
///
/// (the slope-length cut-off factors of Van Remortel et al.; 0.5 is also RUSLE2's rule of thumb
/// that deposition begins where the steepness falls to half).
///
/// β is the D8 steepest-descent angle. An inflow j → i continues the slope unless it is a
/// break, or j is a channel (flow that has reached a channel no longer forms overland slope),
/// or i is a channel. λ is horizontal, in m, and capped at `maximumSlopeLength` when given.
///
/// - Parameters:
///   - terrain: cell geometry and validity.
///   - elevation: filled elevations, m.
///   - channel: channel cells (`channelCells`), or nil for none.
///   - maximumSlopeLength: cap on λ, m, or nil.
/// - Returns: λ per cell, m (0 on invalid cells).
public func cumulativeSlopeLength(
  _ terrain: TerrainGrid, elevation: [Double], channel: [Bool]?, maximumSlopeLength: Double?
) -> [Double] {
  let n = terrain.width * terrain.height
  let (receiver, distance, gradient) = d8Receivers(terrain, elevation: elevation)
  var order = [Int]()
  order.reserveCapacity(n)
  for i in 0..<n where terrain.valid[i] { order.append(i) }
  order.sort { elevation[$0] > elevation[$1] || (elevation[$0] == elevation[$1] && $0 < $1) }
  // Longest continuing inflow per cell (−1: none yet).
  var inflow = [Double](repeating: -1, count: n)
  var lambda = [Double](repeating: 0, count: n)
  let cap = maximumSlopeLength ?? .infinity
  for i in order {
    let isChannel = channel?[i] ?? false
    let start = 0.5 * distance[i]
    lambda[i] = min(inflow[i] >= 0 && !isChannel ? inflow[i] + distance[i] : start, cap)
    let j = receiver[i]
    guard j >= 0, !isChannel, !(channel?[j] ?? false) else { continue }
    let upper = gradient[i]
    let cutoff = upper < 0.05 ? 0.7 : 0.5
    guard gradient[j] >= cutoff * upper else { continue }
    inflow[j] = max(inflow[j], lambda[i])
  }
  return lambda
}

/// How the slope-length exponent m is chosen.
public enum SlopeLengthExponentRule: String, Sendable, CaseIterable, Codable {
  /// m = 0.2 / 0.3 / 0.4 / 0.5 for slope < 1 %, < 3 %, < 9 %, ≥ 9 %
  /// (`slopeLengthExponent(slopePercent:)`, GEP-METHODS §5.2 [S5]).
  case slopeClasses = "classes"
  /// m = β/(1 + β), McCool et al. 1989 (`slopeLengthExponentMcCool(slopeDegrees:)`).
  case mcCool = "mccool"
}

/// How the slope length enters the L factor: the named LS methods of `gep prepare ls
/// --method` and `[derive.ls] method`. GEP-METHODS §5.2; docs/soil-conservation-ls.md.
public enum LSMethod: String, Sendable, CaseIterable, Codable {
  /// Desmet & Govers (1996, J. Soil Water Conserv. 51(5): 427–433) as published: the
  /// contributing area at the cell inlet A_in = (FA − 1) · cell area, **m²**
  /// (`slopeLengthFactorDesmetGovers`). gep's form since the first release.
  case desmetGovers = "desmet-govers"
  /// Desmet & Govers with the square-root convention of SAGA GIS ("catchment length (square
  /// root of catchment area)") and InVEST SDR ≥ 3.14 (its ADR-0001):
  /// A_in = √((FA − 1) · cell area), in m, entered in the same formula (dimensionally a
  /// length added to an area, as coded there). L then barely grows with slope length.
  case desmetGoversSquareRoot = "desmet-govers-sqrt"
  /// Wischmeier & Smith (1978) / McCool et al. (1989) L = (λ/22.13)^m at the cell, with the
  /// slope length from the contributing area: λ = (A_in + D²)/(D · x) (the outlet length of
  /// a planar slope feeding the cell), capped at `LSFactorOptions.maximumSlopeLength` m.
  case slopeLength = "slope-length"
  /// L = (λ/22.13)^m with λ the cumulative D8 slope length that stops at slope breaks and at
  /// channels (`cumulativeSlopeLength`; Hickey 2000; Van Remortel et al. 2004; 张宏鸣 et al.
  /// 2012 LS_TOOL), capped at `LSFactorOptions.maximumSlopeLength` m. Routing is D8 whatever
  /// `LSFactorOptions.flow` says (the flow method still defines the channel accumulation).
  case cumulative
}

/// The slope steepness factor S.
public enum SlopeSteepnessMethod: String, Sendable, CaseIterable, Codable {
  /// McCool et al. (1987) below 10°, Liu et al. (1994) steep-slope form above
  /// (`slopeSteepnessFactor(slopeDegrees:)`, thresholds 5° and 10°): the Chinese form.
  case liu
  /// McCool et al. (1987) alone, break at 9 % (`slopeSteepnessFactorMcCool(slopeDegrees:)`):
  /// the form of InVEST SDR and SAGA's LS tools.
  case mcCool = "mccool"
}

/// The RUSLE LS factor of every cell of a DEM, and the rasters it was made from.
public struct LSFactorResult: Sendable {
  /// Filled elevations, m.
  public var filled: [Double]
  /// Slope θ, degrees (Horn, on the filled DEM).
  public var slopeDegrees: [Double]
  /// Flow accumulation in cells (own cell included), by `LSFactorOptions.flow`.
  public var accumulationCells: [Double]
  /// Slope length used by `.slopeLength` and `.cumulative`, m (after the cap); for the
  /// Desmet–Govers methods the outlet length (A_in + D²)/(D·x). NaN on invalid cells.
  public var slopeLength: [Double]
  /// Channel cells (`LSFactorOptions.channelThreshold`); all false without a threshold.
  public var channel: [Bool]
  /// L (after the optional cap), S and LS = L × S, dimensionless; NaN on invalid cells.
  public var l: [Double], s: [Double], ls: [Double]
}

/// Options of `lsFactor(_:options:)`.
public struct LSFactorOptions: Sendable, Hashable {
  /// Flow routing for the contributing area; default D8.
  public var flow: FlowMethod
  /// How slope length enters L; default `.desmetGovers` (area in m², gep's historical form).
  public var method: LSMethod
  /// The S form; default `.liu`.
  public var steepness: SlopeSteepnessMethod
  /// Rule for the exponent m; default slope classes (GEP-METHODS §5.2 [S5]).
  public var exponentRule: SlopeLengthExponentRule
  /// Cap on the value of the L factor itself (dimensionless; InVEST SDR's `l_max`), or nil for
  /// none. Not a slope length: an L of 122 corresponds to a slope length of hundreds of km;
  /// `maximumSlopeLength` is the cap practitioners mean.
  public var maximumL: Double?
  /// Cap on the slope length λ in metres (e.g. 122 m, Renard et al. 1997 AH 703; or 300 m), or
  /// nil for none. For the Desmet–Govers methods the upslope area at a cell inlet is limited
  /// to λ·D·x − D², the area a planar slope of length λ feeds into a cell of width D·x at its
  /// foot, so no cell's outlet slope length (A_in + D²)/(D·x) exceeds λ; for `.slopeLength`
  /// and `.cumulative` λ itself is capped.
  public var maximumSlopeLength: Double?
  /// Flow accumulation (cells, own cell included) from which a cell is a channel, or nil for
  /// no channels (InVEST's `threshold_flow_accumulation`). `.cumulative` stops slope lengths
  /// there; every method reports the cells in `LSFactorResult.channel`.
  public var channelThreshold: Double?

  /// Creates options (defaults: D8, Desmet–Govers with area in m², Liu S, slope-class m, no
  /// cap, no channels).
  public init(
    flow: FlowMethod = .d8, method: LSMethod = .desmetGovers,
    steepness: SlopeSteepnessMethod = .liu,
    exponentRule: SlopeLengthExponentRule = .slopeClasses,
    maximumL: Double? = nil, maximumSlopeLength: Double? = nil, channelThreshold: Double? = nil
  ) {
    self.flow = flow
    self.method = method
    self.steepness = steepness
    self.exponentRule = exponentRule
    self.maximumL = maximumL
    self.maximumSlopeLength = maximumSlopeLength
    self.channelThreshold = channelThreshold
  }

  /// The options recommended for the national profile (national-2022): the cumulative slope
  /// length stopping at slope breaks and at channels, m by slope class, Liu S, D8, channels
  /// from `LSPlausibility.nationalChannelThreshold` cells, no slope-length cap beyond those
  /// stops — the LS of China's soil-erosion survey (刘宝元 CSLE; 第一次全国水利普查) rather than an
  /// area-based L. The reasons are in docs/soil-conservation-ls.md.
  public static let nationalProfile = LSFactorOptions(
    flow: .d8, method: .cumulative, steepness: .liu, exponentRule: .slopeClasses,
    channelThreshold: LSPlausibility.nationalChannelThreshold)
}

/// RUSLE LS factor from a DEM (GEP-METHODS §5.2):
///
/// 1. depressions filled (`fillDepressions`), 2. slope θ by Horn (`hornSlope`),
/// 3. contributing area by D8 or MFD (`flowAccumulation`, weights = cell area Δx·Δy),
/// 4. L by `options.method`:
///    - `.desmetGovers`: Desmet & Govers (1996) (`slopeLengthFactorDesmetGovers`) with
///      A_in = accumulated area − own area (m²), D = √(Δx·Δy), x = |sin a| + |cos a| from the
///      aspect a of the Horn gradient, i.e. (|∂z/∂x| + |∂z/∂y|)/√((∂z/∂x)² + (∂z/∂y)²)
///      (1 on flats); A_in optionally limited to a slope length of `maximumSlopeLength` m;
///    - `.desmetGoversSquareRoot`: the same with A_in replaced by √A_in (SAGA / InVEST);
///    - `.slopeLength`: L = (λ/22.13)^m, λ = min((A_in + D²)/(D·x), maximumSlopeLength);
///    - `.cumulative`: L = (λ/22.13)^m, λ by `cumulativeSlopeLength` (D8, breaks, channels);
///
///    m by `options.exponentRule`, and L optionally capped at `options.maximumL`,
/// 5. S by `options.steepness`, LS = L × S.
///
/// - Parameters:
///   - terrain: the DEM and its cell geometry.
///   - options: method, flow, S form, exponent rule, caps, channel threshold.
/// - Returns: all intermediate rasters and LS (NaN where the DEM has no data).
public func lsFactor(_ terrain: TerrainGrid, options: LSFactorOptions = LSFactorOptions())
  -> LSFactorResult
{
  let w = terrain.width
  let n = w * terrain.height
  let filled = fillDepressions(terrain)
  let slope = hornSlope(terrain, elevation: filled)
  var areas = [Double](repeating: 0, count: n)
  for i in 0..<n {
    let row = i / w
    areas[i] = terrain.cellWidths[row] * terrain.cellHeights[row]
  }
  let accArea = flowAccumulation(
    terrain, elevation: filled, weights: areas, method: options.flow)
  var cells = [Double](repeating: 0, count: n)
  for i in 0..<n where terrain.valid[i] { cells[i] = accArea[i] / areas[i] }
  let channel =
    options.channelThreshold.map {
      channelCells(accumulationCells: cells, valid: terrain.valid, threshold: $0)
    } ?? [Bool](repeating: false, count: n)
  let cumulative =
    options.method == .cumulative
    ? cumulativeSlopeLength(
      terrain, elevation: filled, channel: options.channelThreshold == nil ? nil : channel,
      maximumSlopeLength: options.maximumSlopeLength) : []
  var result = LSFactorResult(
    filled: filled, slopeDegrees: slope.degrees, accumulationCells: cells,
    slopeLength: [Double](repeating: .nan, count: n), channel: channel,
    l: [Double](repeating: .nan, count: n), s: [Double](repeating: .nan, count: n),
    ls: [Double](repeating: .nan, count: n))
  for i in 0..<n where terrain.valid[i] {
    let theta = slope.degrees[i]
    let m: Double
    switch options.exponentRule {
    case .slopeClasses:
      m = slopeLengthExponent(slopePercent: 100 * tan(theta * Double.pi / 180))
    case .mcCool:
      m = slopeLengthExponentMcCool(slopeDegrees: theta)
    }
    let gx = abs(slope.dzdx[i])
    let gy = abs(slope.dzdy[i])
    let norm = (gx * gx + gy * gy).squareRoot()
    let x = norm > 0 ? (gx + gy) / norm : 1
    let d = areas[i].squareRoot()
    var upslope = max(accArea[i] - areas[i], 0)
    if options.method != .slopeLength, let lambda = options.maximumSlopeLength {
      upslope = min(upslope, max(lambda * d * x - d * d, 0))
    }
    var l: Double
    switch options.method {
    case .desmetGovers:
      result.slopeLength[i] = (upslope + d * d) / (d * x)
      l = slopeLengthFactorDesmetGovers(
        upslopeArea: upslope, cellSize: d, exponent: m, directionFactor: x)
    case .desmetGoversSquareRoot:
      result.slopeLength[i] = (upslope + d * d) / (d * x)
      l = slopeLengthFactorDesmetGovers(
        upslopeArea: upslope.squareRoot(), cellSize: d, exponent: m, directionFactor: x)
    case .slopeLength:
      let lambda = min((upslope + d * d) / (d * x), options.maximumSlopeLength ?? .infinity)
      result.slopeLength[i] = lambda
      l = slopeLengthFactor(slopeLength: lambda, exponent: m)
    case .cumulative:
      result.slopeLength[i] = cumulative[i]
      l = slopeLengthFactor(slopeLength: cumulative[i], exponent: m)
    }
    if let cap = options.maximumL { l = min(l, cap) }
    let s: Double
    switch options.steepness {
    case .liu: s = slopeSteepnessFactor(slopeDegrees: theta)
    case .mcCool: s = slopeSteepnessFactorMcCool(slopeDegrees: theta)
    }
    result.l[i] = l
    result.s[i] = s
    result.ls[i] = l * s
  }
  return result
}
