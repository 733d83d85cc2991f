import Foundation

/// True when `actual` is within `tolerance` (absolute) of `expected`.
///
/// Used by the formula tests; each call site states why its tolerance is what it is
/// (floating-point rounding of a hand computation, or the rounding of a published figure).
func formulaIsClose(_ actual: Double, _ expected: Double, tolerance: Double) -> Bool {
  abs(actual - expected) <= tolerance
}

/// Relative closeness: |actual − expected| ≤ relative × |expected|.
func formulaIsRelativelyClose(_ actual: Double, _ expected: Double, relative: Double) -> Bool {
  abs(actual - expected) <= relative * abs(expected)
}

/// 1 亿 = 10⁸, for readability of the published Chinese figures.
let formulaYi = 100_000_000.0
/// 1 万 = 10⁴.
let formulaWan = 10_000.0
