/// An exact, order-independent sum of Doubles in fixed point (Int128 with 2⁻⁴⁰ resolution).
///
/// Each addend is rounded once to a multiple of 2⁻⁴⁰ (≈ 9.1 × 10⁻¹³, so the rounding error of
/// one addend is at most 4.6 × 10⁻¹³ in its own unit: m³, t, yuan, m²…), then added as an
/// integer. Integer addition is associative, so the total is bit-identical for any split of the
/// cells into tiles and threads and any merge order — the property `gep compute` promises
/// (PRODUCT.md "Deterministic"; ARCHITECTURE.md §6). Range: |total| < 1.5 × 10²⁶.
///
/// Floating-point sums (even compensated ones) depend on the grouping; this does not.
public struct ExactSum: Sendable, Hashable, Codable {
  /// The total in units of 2⁻⁴⁰.
  public var raw: Int128 = 0

  /// 2⁴⁰, the fixed-point scale.
  public static let scale: Double = 1_099_511_627_776

  /// The largest magnitude one addend may have (10¹⁵ in its unit: yuan, m³, t, m²). Inputs are
  /// range-checked against it before they reach a sum (table values in validation, per-cell
  /// results in the cell pass), which keeps every total in range: 1.5 × 10²⁶ / 10¹⁵ allows
  /// 1.5 × 10¹¹ addends, more cells than the Earth's land at 30 m. 10¹⁵ yuan is seven times
  /// China's GDP.
  public static let maximumAddend: Double = 1e15

  /// True when `x` may be added: finite and |x| ≤ `maximumAddend`.
  @inlinable
  public static func accepts(_ x: Double) -> Bool { abs(x) <= maximumAddend }

  /// An empty sum.
  public init() {}

  /// Adds `x` (finite; NaN and infinities are the caller's to exclude: they trap).
  @inlinable
  public mutating func add(_ x: Double) {
    raw &+= ExactSum.fixedPoint(x)
  }

  /// `x` in units of 2⁻⁴⁰, rounded to nearest (ties away from zero) — the integer `add(_:)`
  /// adds.
  ///
  /// Below 2⁵² units (|x| < 4096, every cell area and most per-cell results) the rounding is
  /// done inline, without libm's `round` (which the cell pass called 21 times per cell): the
  /// scaled value is truncated to an integer and the remainder, exact below 2⁵², decides the
  /// rounding; up to 2⁶³ units (|x| < 8.4 × 10⁶) an Int64 path follows. The integer is the same
  /// on every path (`ExactSumTests` checks the fast path against `rounded()`).
  ///
  /// Never traps: a value beyond the Int128 range (|x| ≥ 1.5 × 10²⁶, which `accepts(_:)`
  /// excludes long before) saturates, and NaN gives 0 — callers range-check first.
  @inlinable
  public static func fixedPoint(_ x: Double) -> Int128 {
    let product = x * scale
    if abs(product) < 4_503_599_627_370_496 {
      // |product| < 2⁵²: the integer part fits, and product − truncated is exact (Sterbenz).
      let truncated = Int64(product)
      let remainder = product - Double(truncated)
      if remainder >= 0.5 { return Int128(truncated + 1) }
      if remainder <= -0.5 { return Int128(truncated - 1) }
      return Int128(truncated)
    }
    let scaled = product.rounded()
    if abs(scaled) < 9.2e18 { return Int128(Int64(scaled)) }
    if let exact = Int128(exactly: scaled) { return exact }
    if scaled.isNaN { return 0 }
    return scaled > 0 ? Int128.max : Int128.min
  }

  /// Adds a value already converted by `fixedPoint(_:)` (e.g. a row's cell area, converted
  /// once per row).
  @inlinable
  public mutating func add(fixed: Int128) { raw &+= fixed }

  /// Adds another sum.
  @inlinable
  public mutating func add(_ other: ExactSum) { raw &+= other.raw }

  /// The total as a Double (correctly rounded from the exact fixed-point total).
  public var value: Double { ExactSum.double(raw) / ExactSum.scale }

  /// `x` as a Double, correctly rounded (to nearest, ties to even) — the same as `Double(x)`,
  /// without the generic conversion's cost (it dominated writing a 40 000-unit account): the
  /// top 64 significant bits with a sticky bit for the rest are converted, then scaled by a
  /// power of two (exact).
  @inlinable
  public static func double(_ x: Int128) -> Double {
    if let small = Int64(exactly: x) { return Double(small) }
    let m = x.magnitude
    let shift = 64 - m.leadingZeroBitCount
    var top = UInt64(truncatingIfNeeded: m >> shift)
    if m & ((UInt128(1) << shift) - 1) != 0 { top |= 1 }
    let d = Double(sign: .plus, exponent: shift, significand: Double(top))
    return x < 0 ? -d : d
  }
}
