import Foundation

// 空气净化 (air purification, SO₂ / NOx / dust) and 水质净化 (water purification, COD / NH₃-N /
// TP): capacity Σ q·A, use-capped amount, treatment-cost valuation, and the pollution-equivalent
// derivation of treatment costs. Source of truth: GEP-METHODS.md §5.6, §5.7, §7.2.

/// Which physical quantity of a purification service is valued (GEP-METHODS §5.6, §9.2).
public enum PurificationBasis: String, Sendable, CaseIterable, Codable {
  /// min(emission, capacity): actual use capped by ecosystem capacity (default; recalled
  /// MEE/national rule, UNCONFIRMED).
  case useCapped
  /// Ecosystem capacity Σ q·A alone ("potential GEP", §9.2 item 4).
  case capacity
  /// Regional emission / load alone (Ganzi practice [S1]).
  case emission
}

/// Purification capacity of one ecosystem type for one pollutant (净化能力).
///
///     Q_cap,ij = q_ij × A_i
///
/// - Parameters:
///   - capacityPerArea: q_ij, purification capacity of ecosystem type i for pollutant j,
///     t·hm⁻²·a⁻¹ (convert kg·hm⁻²·a⁻¹ by ÷ `UnitConversion.kilogramsPerTonne`).
///   - areaHectares: A_i, area of ecosystem type i, hm².
/// - Returns: t/a of pollutant j. Sum over ecosystem types for Q_cap,j = Σ_i q_ij × A_i.
/// - Note: GEP-METHODS §5.6 (form CONFIRMED for forests [S3]), §5.7.
@inlinable
public func purificationCapacity(capacityPerArea: Double, areaHectares: Double) -> Double {
  capacityPerArea * areaHectares
}

/// Amount of one pollutant purified (净化量) on the chosen basis.
///
///     useCapped : Q_j = min(E_j, Q_cap,j)
///     capacity  : Q_j = Q_cap,j
///     emission  : Q_j = E_j
///
/// - Parameters:
///   - emission: E_j, regional emission / load of pollutant j (environmental statistics), t/a.
///   - capacity: Q_cap,j, ecosystem purification capacity, t/a.
///   - basis: default `.useCapped`.
/// - Returns: t/a. Apply the cap at one declared accounting level (GEP-METHODS §9.3).
/// - Note: GEP-METHODS §5.6, §5.7, §9.2 (min rule UNCONFIRMED; Ganzi valued emissions [S1]).
@inlinable
public func purifiedAmount(
  emission: Double, capacity: Double, basis: PurificationBasis = .useCapped
) -> Double {
  switch basis {
  case .useCapped: min(emission, capacity)
  case .capacity: capacity
  case .emission: emission
  }
}

/// Value of one pollutant's purification (大气/水质净化价值) by treatment cost.
///
///     V_j = Q_j × c_j
///
/// - Parameters:
///   - amount: Q_j, purified amount of pollutant j, t/a.
///   - treatmentCost: c_j, treatment cost of pollutant j, 元/t (Ganzi: SO₂ 1200, NOx 630,
///     dust 150, COD 700, NH₃-N 875 [S1]; TP 2800 §7.2).
/// - Returns: 元/a. Sum over pollutants for V_ap or V_wp.
/// - Note: GEP-METHODS §5.6, §5.7 [S1].
@inlinable
public func purificationValue(amount: Double, treatmentCost: Double) -> Double {
  amount * treatmentCost
}

/// Treatment cost of a pollutant derived from its pollution equivalent (污染当量).
///
///     c_j = rate / e_j × 1000
///
/// - Parameters:
///   - ratePerEquivalent: fee or environmental-protection-tax rate, 元 per pollution equivalent
///     (2003 fee: 0.6 air, 0.7 water; tax since 2018: air 1.2–12, water 1.4–14 by province —
///     UNCONFIRMED).
///   - equivalentValueKilograms: e_j, pollution-equivalent value of the pollutant, kg per
///     equivalent (SO₂ 0.95, NOx 0.95, general dust 4, COD 1, NH₃-N 0.8, TP 0.25 — recalled,
///     UNCONFIRMED, but they reproduce the Ganzi prices).
/// - Returns: 元/t (元/kg × `UnitConversion.kilogramsPerTonne`).
/// - Note: GEP-METHODS §7.2 [S1]. E.g. NH₃-N: 0.7 / 0.8 × 1000 = 875 元/t.
@inlinable
public func pollutionEquivalentTreatmentCost(
  ratePerEquivalent: Double, equivalentValueKilograms: Double
) -> Double {
  ratePerEquivalent / equivalentValueKilograms * UnitConversion.kilogramsPerTonne
}
