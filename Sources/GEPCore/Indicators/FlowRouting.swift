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

/// How the slope-length exponent m is chosen.
public enum SlopeLengthExponentRule: String, Sendable, CaseIterable, Codable {
  /// m = 0.2 / 0.3 / 0.4 / 0.5 for slope < 1 %, < 3 %, < 9 %, ≥ 9 %
  /// (`slopeLengthExponent(slopePercent:)`, GEP-METHODS §5.2 [S5]).
  case slopeClasses
  /// m = β/(1 + β), McCool et al. 1989 (`slopeLengthExponentMcCool(slopeDegrees:)`).
  case mcCool
}

/// The RUSLE LS factor of every cell of a DEM, and the rasters it was made from.
public struct LSFactorResult: Sendable {
  /// Filled elevations, m.
  public var filled: [Double]
  /// Slope θ, degrees (Horn, on the filled DEM).
  public var slopeDegrees: [Double]
  /// Flow accumulation in cells (own cell included).
  public var accumulationCells: [Double]
  /// L (after the optional cap), S and LS = L × S, dimensionless; NaN on invalid cells.
  public var l: [Double], s: [Double], ls: [Double]
}

/// Options of `lsFactor(_:method:exponentRule:maximumL:)`.
public struct LSFactorOptions: Sendable, Hashable {
  /// Flow routing for the contributing area; default D8.
  public var flow: FlowMethod
  /// Rule for the exponent m; default slope classes (GEP-METHODS §5.2 [S5]).
  public var exponentRule: SlopeLengthExponentRule
  /// Cap on the value of the L factor itself (dimensionless; InVEST SDR's `l_max`), or nil for
  /// none. Not a slope length: InVEST's documented values 122 and 333 are slope lengths in
  /// metres in the literature, and an L of 122 corresponds to a slope length of hundreds of km;
  /// `maximumSlopeLength` is the cap practitioners mean.
  public var maximumL: Double?
  /// Cap on the slope length λ in metres (e.g. 122 m, Renard et al. 1997 AH 703; or 333 m), or
  /// nil for none: the upslope area at a cell inlet is limited to λ·D·x − D², the area a
  /// planar slope of length λ feeds into a cell of width D·x at its foot, so no cell's outlet
  /// slope length (A_in + D²)/(D·x) exceeds λ.
  public var maximumSlopeLength: Double?

  /// Creates options (defaults: D8, slope classes, no cap).
  public init(
    flow: FlowMethod = .d8, exponentRule: SlopeLengthExponentRule = .slopeClasses,
    maximumL: Double? = nil, maximumSlopeLength: Double? = nil
  ) {
    self.flow = flow
    self.exponentRule = exponentRule
    self.maximumL = maximumL
    self.maximumSlopeLength = maximumSlopeLength
  }
}

/// RUSLE LS factor from a DEM (GEP-METHODS §5.2):
///
/// 1. depressions filled (`fillDepressions`), 2. slope θ by Horn (`hornSlope`),
/// 3. contributing area by D8 or MFD (`flowAccumulation`, weights = cell area Δx·Δy),
/// 4. L by Desmet & Govers (1996) (`slopeLengthFactorDesmetGovers`) with
///    A_in = accumulated area − own area, D = √(Δx·Δy), x = |sin a| + |cos a| from the aspect
///    a of the Horn gradient, i.e. (|∂z/∂x| + |∂z/∂y|)/√((∂z/∂x)² + (∂z/∂y)²) (1 on flats),
///    and m by `options.exponentRule`; the upslope area optionally limited to a slope length
///    of `options.maximumSlopeLength` m, and L optionally capped at `options.maximumL`,
/// 5. S by the steep-slope form (`slopeSteepnessFactor`: 5° and 10° thresholds), LS = L × S.
///
/// - Parameters:
///   - terrain: the DEM and its cell geometry.
///   - options: flow method, exponent rule, L cap.
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
  var result = LSFactorResult(
    filled: filled, slopeDegrees: slope.degrees,
    accumulationCells: [Double](repeating: 0, count: n),
    l: [Double](repeating: .nan, count: n), s: [Double](repeating: .nan, count: n),
    ls: [Double](repeating: .nan, count: n))
  for i in 0..<n where terrain.valid[i] {
    let theta = slope.degrees[i]
    result.accumulationCells[i] = accArea[i] / areas[i]
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
    if let lambda = options.maximumSlopeLength {
      upslope = min(upslope, max(lambda * d * x - d * d, 0))
    }
    var l = slopeLengthFactorDesmetGovers(
      upslopeArea: upslope, cellSize: d, exponent: m, directionFactor: x)
    if let cap = options.maximumL { l = min(l, cap) }
    let s = slopeSteepnessFactor(slopeDegrees: theta)
    result.l[i] = l
    result.s[i] = s
    result.ls[i] = l * s
  }
  return result
}
