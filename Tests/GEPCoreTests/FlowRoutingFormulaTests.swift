import Foundation
import GEPCore
import Testing

/// A plane falling 0.2 m per metre southwards (rows), 10 m cells: z = 100 − 2 × row.
private func tiltedPlane(width: Int, height: Int) throws -> TerrainGrid {
  var z: [Double] = []
  for row in 0..<height {
    for _ in 0..<width { z.append(100 - 2 * Double(row)) }
  }
  return try TerrainGrid(width: width, height: height, elevation: z, cellSize: 10)
}

@Suite struct FlowRoutingFormulaTests {
  /// 4 × 3 DEM, cell 1 m, with a pit (2) behind a sill (6) and an outlet (4) in the corner:
  ///
  ///     10 10 10 10
  ///     10  2  6 10
  ///     10 10 10  4
  ///
  /// Filling: the edge cells are seeds; from 4, the sill 6 is reached (kept), then the pit is
  /// raised to just above 6 (6⁺ = 6.nextUp). D8 by hand (drop/distance): the pit → E to the
  /// sill (only lower neighbour); the sill → SE to 4 (2/√2); (0,0), (1,0), (2,0), (0,1), (2,1)
  /// → the pit (drops 4 or 4/√2 beat 4/√2 to the sill); (0,2), (0,3) → the sill; (2,2), (1,3)
  /// → the outlet (drop 6). Accumulation in cells: pit 1 + 5 = 6; sill 1 + 6 + 2 = 9;
  /// outlet 1 + 9 + 2 = 12 (every cell).
  @Test func pitFillAndD8AccumulationByHand() throws {
    let z: [Double] = [10, 10, 10, 10, 10, 2, 6, 10, 10, 10, 10, 4]
    let t = try TerrainGrid(width: 4, height: 3, elevation: z, cellSize: 1)
    let filled = fillDepressions(t)
    #expect(filled[5] == 6.0.nextUp)
    #expect(filled[6] == 6)
    #expect(Array(filled[0..<5]) == [10, 10, 10, 10, 10])
    let acc = flowAccumulation(
      t, elevation: filled, weights: [Double](repeating: 1, count: 12), method: .d8)
    #expect(acc == [1, 1, 1, 1, 1, 6, 9, 1, 1, 1, 1, 12])
    // MFD conserves the total: everything ends at the single outlet.
    let mfd = flowAccumulation(
      t, elevation: filled, weights: [Double](repeating: 1, count: 12), method: .mfd)
    #expect(formulaIsClose(mfd[11], 12, tolerance: 1e-9))
  }

  /// Nodata cells are skipped and their neighbours become outlets (seeds).
  @Test func nodataCellsAreOutlets() throws {
    let z: [Double] = [5, 5, 5, 5, 1, 5, 5, 5, 5]
    var valid = [Bool](repeating: true, count: 9)
    valid[4] = false
    let t = try TerrainGrid(width: 3, height: 3, elevation: z, valid: valid, cellSize: 1)
    let filled = fillDepressions(t)
    #expect(filled == z)
    let acc = flowAccumulation(
      t, elevation: filled, weights: [Double](repeating: 1, count: 9), method: .d8)
    #expect(acc[4] == 0)
    #expect(acc.reduce(0, +) == 8)
  }

  /// Tilted plane, 10 m cells, gradient 0.2 southwards: Horn's slope on interior rows is
  /// (4·2 + 4·2)/(8·10) = 0.2 → θ = atan 0.2 = 11.3099°, slope 20 % → m = 0.5,
  /// S = 21.91 sin θ − 0.96 = 3.336905. D8 flows straight south, so row r (from the top)
  /// gathers r + 1 cells: A_in = 100 r m², x = 1 (aspect south), and Desmet–Govers gives
  /// L_r = ((100(r+1))^1.5 − (100 r)^1.5)/(10^2.5 · 22.13^0.5) = √10 ((r+1)^1.5 − r^1.5)/√22.13:
  /// L₁ = 1.229099, L₂ = 1.591624, L₃ = 1.884793 (closed form of the RUSLE segment L).
  @Test func tiltedPlaneMatchesClosedFormD8() throws {
    let t = try tiltedPlane(width: 5, height: 6)
    let r = lsFactor(t, options: LSFactorOptions(flow: .d8))
    let hand = [1: 1.229099235, 2: 1.591624470, 3: 1.884793146]
    for (row, l) in hand {
      for col in 0..<5 {
        let i = row * 5 + col
        #expect(r.accumulationCells[i] == Double(row + 1))
        #expect(formulaIsClose(r.slopeDegrees[i], 11.309932474, tolerance: 1e-8))
        #expect(formulaIsClose(r.s[i], 3.336904521, tolerance: 1e-8))
        #expect(formulaIsClose(r.l[i], l, tolerance: 1e-8))
        #expect(formulaIsClose(r.ls[i], l * 3.336904521, tolerance: 1e-7))
      }
    }
    // A cap on L.
    let capped = lsFactor(t, options: LSFactorOptions(flow: .d8, maximumL: 1.5))
    #expect(capped.l[2 * 5] == 1.5)
    #expect(formulaIsClose(capped.l[5], 1.229099235, tolerance: 1e-8))
    // A cap on the slope length of 20 m: row r's outlet slope length is 10 (r + 1) m, so row 1
    // reaches 20 m (A_in = 100 m² = 20 · 10 · 1 − 10², unchanged) and rows 2 and 3 are held at
    // A_in = 100 m², i.e. L₂ = L₃ = L₁ = 1.229099 (before: 1.591624, 1.884793).
    let lambda = lsFactor(t, options: LSFactorOptions(flow: .d8, maximumSlopeLength: 20))
    for row in 1...3 {
      #expect(formulaIsClose(lambda.l[row * 5 + 2], 1.229099235, tolerance: 1e-8))
    }
    let below = lsFactor(t, options: LSFactorOptions(flow: .d8, maximumSlopeLength: 15))
    // λ = 15 m: A_in ≤ 15 · 10 − 100 = 50 m², L = ((150)^1.5 − 50^1.5)/(10^2.5 √22.13).
    let l15 = (pow(150.0, 1.5) - pow(50.0, 1.5)) / (pow(10.0, 2.5) * 22.13.squareRoot())
    #expect(formulaIsClose(below.l[3 * 5 + 2], l15, tolerance: 1e-9))
  }

  /// MFD on the same plane: each cell splits among S (tan β 0.2 × ½ cell) and SE/SW
  /// (0.2/√2 × 0.354 cell); far enough from the side edges (column 10 of 21, rows < 10) the
  /// plane is uniform, so every row still gathers r + 1 cells and L equals the D8 closed form.
  @Test func tiltedPlaneMFDInteriorMatchesClosedForm() throws {
    let t = try tiltedPlane(width: 21, height: 6)
    let r = lsFactor(t, options: LSFactorOptions(flow: .mfd))
    for row in 1..<5 {
      let i = row * 21 + 10
      #expect(formulaIsClose(r.accumulationCells[i], Double(row + 1), tolerance: 1e-9))
    }
    #expect(formulaIsClose(r.l[2 * 21 + 10], 1.591624470, tolerance: 1e-8))
  }

  /// S at and around the thresholds (θ in degrees):
  /// 4.999° → 10.8 sin θ + 0.03 = 0.971094; 5° → 16.8 sin 5° − 0.5 = 0.964216;
  /// 9.999° → 16.8 sin θ − 0.5 = 2.417001; 10° → 21.91 sin 10° − 0.96 = 2.844632.
  @Test func steepnessAroundThresholds() {
    #expect(formulaIsClose(slopeSteepnessFactor(slopeDegrees: 4.999), 0.971094243, tolerance: 1e-8))
    #expect(formulaIsClose(slopeSteepnessFactor(slopeDegrees: 5), 0.964216478, tolerance: 1e-8))
    #expect(formulaIsClose(slopeSteepnessFactor(slopeDegrees: 9.999), 2.417000624, tolerance: 1e-8))
    #expect(formulaIsClose(slopeSteepnessFactor(slopeDegrees: 10), 2.844631573, tolerance: 1e-8))
  }

  /// Horn uses the row's cell sizes: a plane rising 1 m per column with Δx = 20 m, Δy = 10 m
  /// has ∂z/∂x = 1/20 and slope atan 0.05 = 2.862405°; x-factor |sin a| + |cos a| = 1.
  @Test func hornUsesRowCellSizes() throws {
    var z: [Double] = []
    for _ in 0..<3 { for col in 0..<3 { z.append(Double(col)) } }
    let t = try TerrainGrid(
      width: 3, height: 3, elevation: z, valid: [Bool](repeating: true, count: 9),
      cellWidths: [20, 20, 20], cellHeights: [10, 10, 10])
    let s = hornSlope(t, elevation: z)
    #expect(formulaIsClose(s.degrees[4], 2.862405226, tolerance: 1e-8))
    #expect(formulaIsClose(s.dzdx[4], 0.05, tolerance: 1e-12))
  }

  @Test func shapeErrors() {
    #expect(throws: TerrainError.self) {
      _ = try TerrainGrid(width: 2, height: 2, elevation: [1, 2, 3], cellSize: 1)
    }
  }

  /// Cumulative slope length on the plane (10 m cells, D8 due south, tan β = 0.2, m = 0.5):
  /// the top row starts with ½ NCSL = 5 m and each row adds 10 m, λ_r = 5 + 10 r, so
  /// L_r = √(λ_r/22.13): L₀ = 0.475329, L₁ = 0.823294, L₄ = 1.425987. The bottom row has no
  /// receiver (an outlet, gradient 0): every inflow is a break there, λ₅ = 5 m again.
  /// McCool's S at 20 %: 16.8 · 0.2/√1.04 − 0.5 = 2.794751.
  @Test func cumulativeSlopeLengthOnThePlane() throws {
    let t = try tiltedPlane(width: 5, height: 6)
    let r = lsFactor(t, options: LSFactorOptions(method: .cumulative, steepness: .mcCool))
    let hand = [0: 0.475328982, 1: 0.823293947, 4: 1.425986946, 5: 0.475328982]
    for (row, l) in hand {
      let lambda: Double = row == 5 ? 5 : 5 + 10 * Double(row)
      #expect(formulaIsClose(r.slopeLength[row * 5 + 2], lambda, tolerance: 1e-12))
      #expect(formulaIsClose(r.l[row * 5 + 2], l, tolerance: 1e-8))
    }
    #expect(formulaIsClose(r.s[7], 2.794751070, tolerance: 1e-8))
    #expect(formulaIsClose(r.ls[7], 0.823293947 * 2.794751070, tolerance: 1e-7))
    // A 20 m cap holds rows 2–4 at 20 m.
    let capped = lsFactor(
      t, options: LSFactorOptions(method: .cumulative, maximumSlopeLength: 20))
    #expect(capped.slopeLength[3 * 5 + 2] == 20)
  }

  /// A slope break: 2 m drops per 10 m row (tan β = 0.2) for rows 0–2, then 0.5 m drops
  /// (0.05) from row 3. Row 3's gradient 0.05 < 0.5 × 0.2 (Hickey's cut-off for slopes ≥ 5 %)
  /// restarts the slope: λ = 5, 15, 25 | 5, 15, 25, 35 | outlet 5. Row 3 → 4 continues
  /// (0.05 ≥ 0.5 × 0.05).
  @Test func cumulativeSlopeLengthRestartsAtASlopeBreak() throws {
    let rows: [Double] = [100, 98, 96, 94, 93.5, 93, 92.5, 92]
    var z: [Double] = []
    for v in rows { z += [Double](repeating: v, count: 3) }
    let t = try TerrainGrid(width: 3, height: 8, elevation: z, cellSize: 10)
    let lambda = cumulativeSlopeLength(
      t, elevation: fillDepressions(t), channel: nil, maximumSlopeLength: nil)
    let column: [Double] = (0..<8).map { lambda[$0 * 3 + 1] }
    #expect(column == [5, 15, 25, 5, 15, 25, 35, 5])
  }

  /// Channels from a 3-cell threshold on the plane: row r gathers r + 1 cells, so rows ≥ 2 are
  /// channels. The cumulative length stops there: λ = 5, 15, then 5 on every channel cell.
  @Test func cumulativeSlopeLengthStopsAtChannels() throws {
    let t = try tiltedPlane(width: 5, height: 6)
    let r = lsFactor(
      t, options: LSFactorOptions(method: .cumulative, channelThreshold: 3))
    let channel: [Bool] = (0..<6).map { r.channel[$0 * 5 + 2] }
    let lambda: [Double] = (0..<5).map { r.slopeLength[$0 * 5 + 2] }
    #expect(channel == [false, false, true, true, true, true])
    #expect(lambda == [5, 15, 5, 5, 5])
  }

  /// Desmet–Govers with the square-root convention (SAGA / InVEST ≥ 3.14) on the plane:
  /// A = √(100 r) m, L_r = ((A + 100)^1.5 − A^1.5)/(10^2.5 √22.13): L₁ = 0.754272,
  /// L₂ = 0.783994, L₃ = 0.805765 (against 1.229, 1.592, 1.885 with the area in m²).
  /// The slope-length method: λ = (100 r + 100)/10 = 10 (r + 1) m, L = √(λ/22.13):
  /// L₂ = √(30/22.13) = 1.164313; with a 20 m cap √(20/22.13) = 0.950658.
  @Test func squareRootConventionAndSlopeLengthMethodOnThePlane() throws {
    let t = try tiltedPlane(width: 5, height: 6)
    let sqrtL = lsFactor(t, options: LSFactorOptions(method: .desmetGoversSquareRoot))
    for (row, l) in [1: 0.754272139, 2: 0.783993598, 3: 0.805764607] {
      #expect(formulaIsClose(sqrtL.l[row * 5 + 2], l, tolerance: 1e-8))
    }
    let length = lsFactor(t, options: LSFactorOptions(method: .slopeLength))
    #expect(formulaIsClose(length.l[2 * 5 + 2], 1.164313466, tolerance: 1e-8))
    let capped = lsFactor(t, options: LSFactorOptions(method: .slopeLength, maximumSlopeLength: 20))
    #expect(formulaIsClose(capped.l[3 * 5 + 2], 0.950657964, tolerance: 1e-8))
  }
}
