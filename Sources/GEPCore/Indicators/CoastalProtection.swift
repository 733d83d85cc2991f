import Foundation

// 海岸带防护 (coastal protection). Source of truth: GEP-METHODS.md §5.4 (formula UNCONFIRMED).

/// Value of coastal protection (海岸带防护价值) by replacement cost of equivalent sea dikes.
///
///     V_cp = D × C_cp
///
/// - Parameters:
///   - protectedLengthKilometres: D, length of coastline protected by a coastal ecosystem
///     (mangrove, salt marsh, coral reef, seagrass …), km. Sum over ecosystems for Q_cp.
///   - costPerKilometre: C_cp, construction (and maintenance) cost of an equivalent sea dike or
///     wave-protection structure, 元/km per year of service (no default found).
/// - Returns: 元/a.
/// - Note: GEP-METHODS §5.4 (recalled method, UNCONFIRMED).
@inlinable
public func coastalProtectionValue(protectedLengthKilometres: Double, costPerKilometre: Double)
  -> Double
{
  protectedLengthKilometres * costPerKilometre
}
