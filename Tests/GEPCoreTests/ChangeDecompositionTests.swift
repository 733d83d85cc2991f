import GEPCore
import Testing

/// The exact decomposition of a change (issue 17): hand cases with two classes, forest and
/// cropland, V = Σ_c A_c · q_c · p.
///
/// Year 0 (by hand): forest A = 100 m², q = 2 per m², cropland A = 50, q = 1, p = 3 →
/// V⁰ = 100·2·3 + 50·1·3 = 600 + 150 = 750.
@Suite struct ChangeDecompositionTests {
  typealias C = ChangeDecomposition.ClassYear

  /// Classes of year 0 and year 1 from (area, q) at prices p0, p1.
  func classes(
    _ y0: [(Double, Double)], _ y1: [(Double, Double)], p0: Double, p1: Double
  ) -> [(C?, C?)] {
    zip(y0, y1).map { a, b in
      (
        a.0 > 0 ? C(area: a.0, value: a.0 * a.1 * p0) : nil,
        b.0 > 0 ? C(area: b.0, value: b.0 * b.1 * p1) : nil
      )
    }
  }

  let year0: [(Double, Double)] = [(100, 2), (50, 1)]

  /// Only prices change (p 3 → 4): V¹ = 1000, the whole change 250 is price effect.
  @Test func onlyPrices() {
    let e = ChangeDecomposition.classSplit(
      classes: classes(year0, year0, p0: 3, p1: 4), price0: 3, price1: 4)
    #expect(abs(e.price - 250) < 1e-12)
    #expect(e.extent == 0)
    #expect(e.condition == 0)
  }

  /// Only areas change (forest 100 → 120, cropland 50 → 30): V¹ = 120·2·3 + 30·1·3 = 810, the
  /// change 60 is all extent effect.
  @Test func onlyAreas() {
    let e = ChangeDecomposition.classSplit(
      classes: classes(year0, [(120, 2), (30, 1)], p0: 3, p1: 3), price0: 3, price1: 3)
    #expect(abs(e.extent - 60) < 1e-12)
    #expect(e.price == 0)
    #expect(abs(e.condition) < 1e-12)
  }

  /// Only per-area quantities change (forest q 2 → 2.5, cropland 1 → 0.5): V¹ = 100·2.5·3 +
  /// 50·0.5·3 = 825, the change 75 is all condition effect.
  @Test func onlyConditions() {
    let e = ChangeDecomposition.classSplit(
      classes: classes(year0, [(100, 2.5), (50, 0.5)], p0: 3, p1: 3), price0: 3, price1: 3)
    #expect(abs(e.condition - 75) < 1e-12)
    #expect(e.price == 0)
    #expect(abs(e.extent) < 1e-12)
  }

  /// All three change: p 3 → 4, forest (100, 2) → (120, 2.5), cropland (50, 1) → (30, 0.5).
  /// V¹ = 120·2.5·4 + 30·0.5·4 = 1260, ΔV = 510. Shapley by hand, E_x = Δx·[(y⁰z⁰ + y¹z¹)/3 +
  /// (y⁰z¹ + y¹z⁰)/6]:
  ///   forest:   E_p = 1·[(200 + 300)/3 + (250 + 240)/6] = 248.3333…
  ///             E_A = 20·[(6 + 10)/3 + (7.5 + 8)/6] = 158.3333…
  ///             E_q = 0.5·[(300 + 480)/3 + (360 + 400)/6] = 193.3333…   (sum 600)
  ///   cropland: E_p = 1·[(50 + 15)/3 + (25 + 30)/6] = 30.8333…
  ///             E_A = −20·[(3 + 2)/3 + (1.5 + 4)/6] = −51.6666…
  ///             E_q = −0.5·[(150 + 120)/3 + (90 + 200)/6] = −69.1666…   (sum −90)
  /// Totals: price 279.1666…, extent 106.6666…, condition 124.1666…, sum 510.
  @Test func allThreeSumExactly() {
    let e = ChangeDecomposition.classSplit(
      classes: classes(year0, [(120, 2.5), (30, 0.5)], p0: 3, p1: 4), price0: 3, price1: 4)
    #expect(abs(e.price - (248.0 + 1 / 3 + 30.0 + 5 / 6)) < 1e-9)
    #expect(abs(e.extent - (158.0 + 1 / 3 - 51.0 - 2 / 3)) < 1e-9)
    #expect(abs(e.condition - (193.0 + 1 / 3 - 69.0 - 1 / 6)) < 1e-9)
    #expect(abs(e.total - 510) <= 1e-9 * 510)
  }

  /// A class that appears (urban, 0 → 10 m² at q = 0.2, p = 3) contributes extent only: its
  /// per-area quantity in the year it is absent is the other year's; 10·0.2·3 = 6.
  @Test func appearingClassIsExtentOnly() {
    let e = ChangeDecomposition.classSplit(
      classes: [(nil, C(area: 10, value: 6))], price0: 3, price1: 3)
    #expect(abs(e.extent - 6) < 1e-12)
    #expect(e.condition == 0)
    #expect(e.price == 0)
  }

  /// A class that disappears and a negative value (a carbon source, v = −4 on 8 m² at p = 2
  /// → gone) are exact too: the change +4 is extent.
  @Test func disappearingNegativeClass() {
    let e = ChangeDecomposition.classSplit(
      classes: [(C(area: 8, value: -4), nil)], price0: 2, price1: 2)
    #expect(abs(e.extent - 4) < 1e-12)
    #expect(abs(e.total - 4) < 1e-12)
  }

  /// Without a class split, V = p·Q: p 2 → 3, Q 10 → 12, V 20 → 36. Price effect = 1·(10 +
  /// 12)/2 = 11, quantity effect = 2·(2 + 3)/2 = 5, sum 16.
  @Test func unitLevelPriceAndQuantity() {
    let e = ChangeDecomposition.unitLevel(value0: 20, value1: 36, price0: 2, price1: 3)
    #expect(abs(e.price - 11) < 1e-12)
    #expect(abs(e.quantity - 5) < 1e-12)
    #expect(e.extent == 0 && e.condition == 0)
  }
}
