import Foundation
import PropertyBased
import Testing

@testable import GEPCore

/// ZoneAccumulator and CompensatedSum (ARCHITECTURE.md §5).
@Suite("Zone accumulator")
struct ZoneAccumulatorFormulaTests {
  @Test func addAndCounts() {
    var z = ZoneAccumulator()
    z.add(value: 10, quantity: 2, area: 900)
    z.add(value: -4, quantity: 1, area: 900)
    z.addMasked(area: 900)
    z.addNoData(area: 900)
    z.addNoData()
    #expect(z.value == 6)
    #expect(z.quantity == 3)
    #expect(z.area == 1800)
    // Excluded: masked 900 + nodata 900 + nodata 0 = 1800.
    #expect(z.excludedArea.value == 1800)
    #expect(z.validCount == 2 && z.maskedCount == 1 && z.noDataCount == 2)
    #expect(z.cellCount == 5)
    #expect(formulaIsClose(z.validShare, 0.4, tolerance: 1e-15))
    #expect(z.minValue == -4 && z.maxValue == 10)
    #expect(ZoneAccumulator().validShare == 0)
  }

  @Test func compensatedSumBeatsNaive() {
    // 1 + 10⁻¹⁶ × 10 000 — naive summation loses every tiny term (1 + 1e-16 == 1 in Double);
    // the compensated sum keeps them in `compensation` ≈ 1e-12 (tolerance 1e-24: 10 000 roundings
    // of ~1e-28 each). The total 1 + 1e-12 itself can only be represented to within half an ulp
    // of 1 (1.1e-16), so `value − 1` is checked with that tolerance.
    var s = CompensatedSum()
    var naive = 0.0
    s.add(1)
    naive += 1
    for _ in 0..<10_000 {
      s.add(1e-16)
      naive += 1e-16
    }
    #expect(naive == 1)
    #expect(formulaIsClose(s.compensation, 1e-12, tolerance: 1e-24))
    #expect(formulaIsClose(s.value - 1, 1e-12, tolerance: Double.ulpOfOne / 2))
  }

  private static func accumulate(_ values: [Int]) -> ZoneAccumulator {
    var z = ZoneAccumulator()
    for v in values {
      if v % 7 == 0 {
        z.addNoData(area: 1)
      } else if v % 5 == 0 {
        z.addMasked(area: 1)
      } else {
        // Exactly representable: integers and halves.
        z.add(value: Double(v), quantity: Double(v) / 2, area: 1)
      }
    }
    return z
  }

  /// Property: combine is associative and order-independent on exactly representable values,
  /// and splitting the cells into blocks gives the same result as one pass.
  @Test func combineIsAssociativeAndOrderIndependent() async {
    let gen = Gen.int(in: -1_000_000...1_000_000).array(of: 0...40)
    await propertyCheck(input: gen, gen, gen) { a, b, c in
      let za = Self.accumulate(a)
      let zb = Self.accumulate(b)
      let zc = Self.accumulate(c)
      let left = za.combined(with: zb).combined(with: zc)
      let right = za.combined(with: zb.combined(with: zc))
      let swapped = zc.combined(with: za).combined(with: zb)
      let onePass = Self.accumulate(a + b + c)
      for other in [right, swapped, onePass] {
        #expect(left.value == other.value)
        #expect(left.quantity == other.quantity)
        #expect(left.area == other.area)
        #expect(left.excludedArea.value == other.excludedArea.value)
        #expect(left.validCount == other.validCount)
        #expect(left.maskedCount == other.maskedCount)
        #expect(left.noDataCount == other.noDataCount)
        #expect(left.minValue == other.minValue && left.maxValue == other.maxValue)
      }
      // The empty accumulator is the identity.
      #expect(left.combined(with: ZoneAccumulator()).value == left.value)
    }
  }

  /// Property: on arbitrary (not exactly representable) doubles, block order changes the
  /// compensated total by at most a few ulps of the magnitude sum.
  @Test func combineOrderOnArbitraryDoubles() async {
    let gen = Gen.double(in: -1e6...1e6).array(of: 1...60)
    await propertyCheck(input: gen, gen) { a, b in
      var za = ZoneAccumulator()
      var zb = ZoneAccumulator()
      for v in a { za.add(value: v) }
      for v in b { zb.add(value: v) }
      let ab = za.combined(with: zb).value
      let ba = zb.combined(with: za).value
      let scale = (a + b).map(abs).reduce(0, +)
      #expect(abs(ab - ba) <= 4 * Double.ulpOfOne * max(scale, 1))
    }
  }
}
