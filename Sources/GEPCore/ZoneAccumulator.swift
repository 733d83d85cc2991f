import Foundation

/// A Neumaier (improved Kahan–Babuška) compensated sum of `Double`s.
///
/// `value` = `sum` + `compensation`, where `compensation` collects the low-order bits lost by
/// each addition. Error is O(ε) independent of the number of terms (vs O(n·ε) for naive
/// summation), so sums over hundreds of millions of cells do not drift with order
/// (ARCHITECTURE.md "Traps"; §5 "Aggregation is a value type that merges").
///
/// On values whose partial sums are exactly representable (integers below 2⁵³, dyadic
/// fractions) `add` and `combine` are exactly associative and commutative.
public struct CompensatedSum: Sendable, Hashable, Codable {
  @usableFromInline var high: Double
  @usableFromInline var low: Double

  /// Running high-order sum.
  public var sum: Double { high }
  /// Running compensation (lost low-order part).
  public var compensation: Double { low }

  /// Creates an empty sum (0).
  public init() {
    high = 0
    low = 0
  }

  /// The compensated total, `sum + compensation`.
  @inlinable
  public var value: Double { high + low }

  /// Adds one term (Neumaier's branch on the larger magnitude).
  ///
  /// - Parameter x: the term; non-finite terms make the total non-finite.
  @inlinable
  public mutating func add(_ x: Double) {
    let t = high + x
    if abs(high) >= abs(x) {
      low += (high - t) + x
    } else {
      low += (x - t) + high
    }
    high = t
  }

  /// Merges another compensated sum into this one.
  ///
  /// - Parameter other: partial sum of another block, tile or thread.
  @inlinable
  public mutating func combine(_ other: CompensatedSum) {
    add(other.high)
    low += other.low
  }
}

/// Per-zone accumulator of a per-cell indicator: value, physical quantity, area and cell counts.
///
/// One accumulator per zone (administrative unit, ecosystem class, or unit × class) per tile;
/// tiles and threads are merged with `combine`, which is associative and commutative (exactly so
/// on exactly representable values; within O(ε) of the exact sum otherwise thanks to the
/// compensated sums). Generic: not tied to one indicator — the caller decides what "value" and
/// "quantity" mean (e.g. 元 and m³ for water conservation, 元 and t for soil conservation).
///
/// Nodata is handled outside the formulas (ARCHITECTURE.md §5): the pipeline calls
/// `addNoData()` for a cell with nodata in any input, `addMasked()` for a cell excluded by a
/// class mask (water, built-up, glacier …), and `add(value:quantity:area:)` for a valid cell.
public struct ZoneAccumulator: Sendable, Hashable, Codable {
  /// Σ value of valid cells (e.g. 元), compensated.
  public var valueSum: CompensatedSum
  /// Σ physical quantity of valid cells (e.g. m³, t), compensated.
  public var quantitySum: CompensatedSum
  /// Σ area of valid cells (unit chosen by the caller, e.g. m² or hm²), compensated.
  public var validArea: CompensatedSum
  /// Σ area of masked and nodata cells (same unit as `validArea`), compensated.
  public var excludedArea: CompensatedSum
  /// Number of valid cells added.
  public var validCount: Int
  /// Number of cells excluded by a class mask.
  public var maskedCount: Int
  /// Number of cells with nodata in any input.
  public var noDataCount: Int
  /// Smallest valid-cell value, `+infinity` when empty.
  public var minValue: Double
  /// Largest valid-cell value, `-infinity` when empty.
  public var maxValue: Double

  /// Creates an empty accumulator (the identity of `combine`).
  public init() {
    valueSum = CompensatedSum()
    quantitySum = CompensatedSum()
    validArea = CompensatedSum()
    excludedArea = CompensatedSum()
    validCount = 0
    maskedCount = 0
    noDataCount = 0
    minValue = .infinity
    maxValue = -.infinity
  }

  /// Total value of the zone (e.g. 元).
  public var value: Double { valueSum.value }
  /// Total physical quantity of the zone (e.g. m³, t).
  public var quantity: Double { quantitySum.value }
  /// Area of the valid cells.
  public var area: Double { validArea.value }
  /// Number of cells seen (valid + masked + nodata).
  public var cellCount: Int { validCount + maskedCount + noDataCount }
  /// Share of seen cells that were valid, 0…1 (0 when no cell was seen).
  public var validShare: Double {
    cellCount == 0 ? 0 : Double(validCount) / Double(cellCount)
  }

  /// Adds one valid cell.
  ///
  /// - Parameters:
  ///   - value: the cell's value (e.g. 元).
  ///   - quantity: the cell's physical quantity (e.g. m³); default 0.
  ///   - area: the cell's area (e.g. m²); default 0.
  @inlinable
  public mutating func add(value: Double, quantity: Double = 0, area: Double = 0) {
    valueSum.add(value)
    quantitySum.add(quantity)
    validArea.add(area)
    validCount += 1
    if value < minValue { minValue = value }
    if value > maxValue { maxValue = value }
  }

  /// Counts one cell excluded by a class mask.
  ///
  /// - Parameter area: the cell's area, same unit as for `add`; default 0.
  @inlinable
  public mutating func addMasked(area: Double = 0) {
    maskedCount += 1
    excludedArea.add(area)
  }

  /// Counts one cell with nodata in any input.
  ///
  /// - Parameter area: the cell's area, same unit as for `add`; default 0.
  @inlinable
  public mutating func addNoData(area: Double = 0) {
    noDataCount += 1
    excludedArea.add(area)
  }

  /// Merges another accumulator (another tile or thread of the same zone) into this one.
  ///
  /// - Parameter other: a partial accumulator of the same zone.
  @inlinable
  public mutating func combine(_ other: ZoneAccumulator) {
    valueSum.combine(other.valueSum)
    quantitySum.combine(other.quantitySum)
    validArea.combine(other.validArea)
    excludedArea.combine(other.excludedArea)
    validCount += other.validCount
    maskedCount += other.maskedCount
    noDataCount += other.noDataCount
    minValue = min(minValue, other.minValue)
    maxValue = max(maxValue, other.maxValue)
  }

  /// Returns the merge of this accumulator and another, leaving both unchanged.
  ///
  /// - Parameter other: a partial accumulator of the same zone.
  /// - Returns: the combined accumulator.
  @inlinable
  public func combined(with other: ZoneAccumulator) -> ZoneAccumulator {
    var copy = self
    copy.combine(other)
    return copy
  }
}
