import Foundation

/// Value of an ecosystem product or service: physical quantity (实物量 / 功能量) × unit price.
///
///     value = physicalQuantity × unitPrice
///
/// - Parameters:
///   - physicalQuantity: physical quantity in the unit the price is quoted per (m³, t, kWh,
///     visitor-trips …), per year.
///   - unitPrice: price, 元 per unit of `physicalQuantity` (in the accounting year's prices;
///     see `priceAdjusted(_:fromIndex:toIndex:)` for price-year adjustment).
/// - Returns: 元/a.
/// - Note: GEP-METHODS §3.1 ("every indicator = physical quantity × unit price") [S1][S3]. The
///   indicator files give the named special cases (e.g. `waterConservationValue`).
@inlinable
public func ecosystemServiceValue(physicalQuantity: Double, unitPrice: Double) -> Double {
  physicalQuantity * unitPrice
}
