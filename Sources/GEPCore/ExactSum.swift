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

  /// An empty sum.
  public init() {}

  /// Adds `x` (finite; NaN and infinities are the caller's to exclude: they trap).
  @inlinable
  public mutating func add(_ x: Double) {
    raw &+= Int128((x * ExactSum.scale).rounded())
  }

  /// Adds another sum.
  @inlinable
  public mutating func add(_ other: ExactSum) { raw &+= other.raw }

  /// The total as a Double (correctly rounded from the exact fixed-point total).
  public var value: Double { Double(raw) / ExactSum.scale }
}
