import Foundation
import PropertyBased
import Testing

@testable import GEPCore

/// ExactSum: the fixed-point (2⁻⁴⁰) sums behind every per-zone total (ARCHITECTURE.md §5–6).
@Suite("Exact sum")
struct ExactSumTests {
  @Test func roundingAndBothConversionPaths() {
    // 0.1 · 2⁴⁰ = 109 951 162 777.6 → rounds to 109 951 162 778 units; ten of them are
    // 1 099 511 627 780 units = 1 + 4 · 2⁻⁴⁰ (the rounding error, ≤ ½ unit per addend).
    var s = ExactSum()
    for _ in 0..<10 { s.add(0.1) }
    #expect(s.raw == 1_099_511_627_780)
    #expect(abs(s.value - 1) <= 10 * 0.5 / ExactSum.scale)
    // Above 2⁶³ units (|x| > 8.4 · 10⁶) the Int128 path is taken; integers stay exact:
    // 1e10 · 2⁴⁰ = 10 995 116 277 760 000 000 000.
    #expect(ExactSum.fixedPoint(1e10) == 10_995_116_277_760_000_000_000)
    #expect(ExactSum.fixedPoint(-1e10) == -10_995_116_277_760_000_000_000)
    #expect(ExactSum.fixedPoint(8e6) == 8_796_093_022_208_000_000)
    var f = ExactSum()
    f.add(fixed: ExactSum.fixedPoint(2.5))
    f.add(-2.5)
    #expect(f.raw == 0)
  }

  /// The inline rounding below 2⁵² units gives the integer `rounded()` (to nearest, ties away
  /// from zero) gives — the reference written out here as the conversion used before — on
  /// exact ties (k + ½ units, both signs), on the values next to them, at the 2⁵² boundary, and
  /// on a million random values of every magnitude from 10⁻¹⁵ to 10⁷.
  @Test func inlineRoundingEqualsRounded() {
    func reference(_ x: Double) -> Int128 {
      let scaled = (x * ExactSum.scale).rounded()
      if abs(scaled) < 9.2e18 { return Int128(Int64(scaled)) }
      return Int128(exactly: scaled) ?? 0
    }
    var values: [Double] = [0, -0.0, 0.5 / ExactSum.scale, -0.5 / ExactSum.scale]
    for k in [0.0, 1, 2, 3, 1e6, 4_503_599_627_370_494] {
      for sign in [1.0, -1.0] {
        let tie = sign * (k + 0.5) / ExactSum.scale
        values += [tie, tie.nextUp, tie.nextDown]
      }
    }
    let boundary = 4_503_599_627_370_496 / ExactSum.scale
    values += [boundary, boundary.nextDown, boundary.nextUp, -boundary, -boundary.nextDown]
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<1_000_000 {
      let magnitude = Double.random(in: -15...7, using: &rng)
      values.append((Bool.random(using: &rng) ? 1 : -1) * pow(10, magnitude))
    }
    var mismatches = 0
    for x in values where ExactSum.fixedPoint(x) != reference(x) { mismatches += 1 }
    #expect(mismatches == 0)
    // The ties themselves, by hand: 2.5 units → 3, −2.5 → −3, 0.5 → 1.
    #expect(ExactSum.fixedPoint(2.5 / ExactSum.scale) == 3)
    #expect(ExactSum.fixedPoint(-2.5 / ExactSum.scale) == -3)
    #expect(ExactSum.fixedPoint(0.5 / ExactSum.scale) == 1)
  }

  /// Values beyond Int128 (3.4e38 · 2⁴⁰, 1e30 · 2⁴⁰ ≈ 1.1e42) trapped with "value cannot be
  /// converted to Int128" (SIGILL); they saturate now, and `accepts` bounds every addend to
  /// 10¹⁵ so that totals of up to 1.5 × 10¹¹ addends stay in range.
  @Test func outOfRangeValuesNeverTrap() {
    #expect(ExactSum.fixedPoint(1e30) == Int128.max)
    #expect(ExactSum.fixedPoint(-3.4028e38) == Int128.min)
    #expect(ExactSum.fixedPoint(.nan) == 0)
    #expect(ExactSum.accepts(1e15) && ExactSum.accepts(-1e15))
    #expect(!ExactSum.accepts(1.0000001e15) && !ExactSum.accepts(.infinity))
    #expect(!ExactSum.accepts(.nan))
    // 1.5e11 addends of 10¹⁵ stay below Int128.max (1.7e38 units = 1.5e26).
    #expect(1.5e11 * ExactSum.maximumAddend * ExactSum.scale < Double(Int128.max))
  }

  /// The fast Int128 → Double conversion equals Swift's correctly rounded `Double(_:)`,
  /// including ties and values just above 2⁶³ and near Int128's ends.
  @Test func fastConversionIsCorrectlyRounded() async {
    let edges: [Int128] = [
      Int128(Int64.max) + 1, -(Int128(Int64.max) + 2), Int128.max, Int128.min + 1,
      (Int128(1) << 100) + (Int128(1) << 47), (Int128(1) << 100) + (Int128(1) << 47) + 1,
      (Int128(1) << 100) + (Int128(1) << 46), (Int128(3) << 99) - 1,
    ]
    for x in edges { #expect(ExactSum.double(x) == Double(x), "\(x)") }
    await propertyCheck(input: Gen.int64(in: Int64.min...Int64.max), Gen.int(in: 0...63)) {
      hi, k in
      let x = (Int128(hi) << k) + Int128(hi % 977)
      #expect(ExactSum.double(x) == Double(x), "\(x)")
    }
  }

  /// Any order and any grouping of the same addends gives the same bits — the property that
  /// makes the tables identical for any thread count and tile size.
  @Test func orderAndGroupingDoNotMatter() async {
    await propertyCheck(
      input: Gen.double(in: -1e7...1e7).array(of: 1...60), Gen.int(in: 1...59)
    ) { values, cut in
      var forward = ExactSum()
      for v in values { forward.add(v) }
      var backward = ExactSum()
      for v in values.reversed() { backward.add(v) }
      let k = min(cut, values.count)
      var left = ExactSum()
      var right = ExactSum()
      for v in values[..<k] { left.add(v) }
      for v in values[k...] { right.add(v) }
      right.add(left)
      #expect(forward.raw == backward.raw)
      #expect(forward.raw == right.raw)
    }
  }
}
