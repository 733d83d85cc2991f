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
    raw &+= ExactSum.fixedPoint(x)
  }

  /// `x` in units of 2⁻⁴⁰, rounded to nearest (ties away from zero) — the integer `add(_:)`
  /// adds. Values below 2⁶³ units (|x| < 8.4 × 10⁶) take a fast Int64 path; the result is the
  /// same integer either way.
  @inlinable
  public static func fixedPoint(_ x: Double) -> Int128 {
    let scaled = (x * scale).rounded()
    if abs(scaled) < 9.2e18 { return Int128(Int64(scaled)) }
    return Int128(scaled)
  }

  /// Adds a value already converted by `fixedPoint(_:)` (e.g. a row's cell area, converted
  /// once per row).
  @inlinable
  public mutating func add(fixed: Int128) { raw &+= fixed }

  /// Adds another sum.
  @inlinable
  public mutating func add(_ other: ExactSum) { raw &+= other.raw }

  /// The total as a Double (correctly rounded from the exact fixed-point total).
  public var value: Double { Double(raw) / ExactSum.scale }
}
