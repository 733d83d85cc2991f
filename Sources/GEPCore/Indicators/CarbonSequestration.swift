import Foundation

// 固碳 (carbon sequestration, GB/T 46869 A.7 "固定二氧化碳") by the sequestration-rate, NEP and
// biomass methods, with a carbon price that carries its basis. Source of truth: GEP-METHODS.md
// §3.3, §5.8, §7.3.

/// A carbon price together with the mass basis it is quoted on (GEP-METHODS §5.8, §7.1).
///
/// "Always store P_C with an explicit basis (per t C or per t CO₂) and convert with 44/12."
/// 1 t C = 44/12 t CO₂, so a price per t C is 44/12 times the price per t CO₂ of the same money.
public struct CarbonPrice: Sendable, Hashable, Codable {
  /// The mass a carbon price is quoted per.
  public enum Basis: String, Sendable, Hashable, Codable, CaseIterable {
    /// 元 per t C (e.g. afforestation cost 1320 元/t C [S4]).
    case perTonneCarbon
    /// 元 per t CO₂ (e.g. national ETS price).
    case perTonneCarbonDioxide
  }

  /// Price amount, 元 per tonne of `basis`.
  public var amount: Double
  /// Mass basis of `amount`.
  public var basis: Basis

  /// Creates a price.
  ///
  /// - Parameters:
  ///   - amount: 元 per tonne of `basis`.
  ///   - basis: per t C or per t CO₂.
  public init(amount: Double, basis: Basis) {
    self.amount = amount
    self.basis = basis
  }

  /// The price in 元 per t CO₂: per-t-C prices are divided by 44/12.
  public var perTonneCarbonDioxide: Double {
    switch basis {
    case .perTonneCarbonDioxide: amount
    case .perTonneCarbon: amount / UnitConversion.carbonDioxidePerCarbon
    }
  }

  /// The price in 元 per t C: per-t-CO₂ prices are multiplied by 44/12.
  public var perTonneCarbon: Double {
    switch basis {
    case .perTonneCarbon: amount
    case .perTonneCarbonDioxide: amount * UnitConversion.carbonDioxidePerCarbon
    }
  }
}

// MARK: - Conversions

/// CO₂ mass from carbon mass.
///
///     Q_CO2 = (44/12) × Q_C
///
/// - Parameter carbon: Q_C, t C (or t C/a).
/// - Returns: t CO₂ (same time basis).
/// - Note: GEP-METHODS §3.3, §5.8.
@inlinable
public func carbonDioxide(fromCarbon carbon: Double) -> Double {
  carbon * UnitConversion.carbonDioxidePerCarbon
}

/// Carbon mass from CO₂ mass.
///
///     Q_C = (12/44) × Q_CO2
///
/// - Parameter carbonDioxide: Q_CO2, t CO₂.
/// - Returns: t C.
/// - Note: GEP-METHODS §3.3.
@inlinable
public func carbon(fromCarbonDioxide carbonDioxide: Double) -> Double {
  carbonDioxide * UnitConversion.carbonPerCarbonDioxide
}

// MARK: - (a) Sequestration-rate method (固碳速率法)

/// Forest carbon sequestration (FCS), vegetation plus soil via a soil-carbon ratio.
///
///     FCS = FCSR × SF × (1 + β)
///
/// - Parameters:
///   - sequestrationRate: FCSR, forest (vegetation) carbon sequestration rate, t C·hm⁻²·a⁻¹.
///   - areaHectares: SF, forest area, hm².
///   - soilCarbonRatio: β, forest soil carbon sequestration as a ratio of vegetation
///     sequestration, dimensionless.
/// - Returns: t C/a (× 44/12 via `carbonDioxide(fromCarbon:)` for t CO₂/a).
/// - Note: GEP-METHODS §5.8 (a) (recalled MEE/national form, UNCONFIRMED; rates UNCONFIRMED).
@inlinable
public func forestCarbonSequestration(
  sequestrationRate: Double, areaHectares: Double, soilCarbonRatio: Double
) -> Double {
  sequestrationRate * areaHectares * (1 + soilCarbonRatio)
}

/// Soil carbon sequestration of an area at a per-area rate: grassland (GSCS = GSR × SG) and
/// each wetland type (WCS_i = SCSR_i × SW_i).
///
///     S = rate × A
///
/// - Parameters:
///   - sequestrationRate: soil carbon sequestration rate of the class, t C·hm⁻²·a⁻¹.
///   - areaHectares: class area, hm².
/// - Returns: t C/a. Sum over wetland types for WCS.
/// - Note: GEP-METHODS §5.8 (a) (UNCONFIRMED form and rates).
@inlinable
public func soilCarbonSequestration(sequestrationRate: Double, areaHectares: Double) -> Double {
  sequestrationRate * areaHectares
}

/// Cropland soil carbon sequestration (CSCS): baseline + N-fertiliser + straw-return terms.
///
///     CSCS = (BSS + SCSR_N + PRSCR × PR) × SC
///
/// - Parameters:
///   - baselineRate: BSS, baseline soil carbon sequestration rate without fertiliser,
///     t C·hm⁻²·a⁻¹.
///   - nitrogenFertilizerRate: SCSR_N, sequestration rate induced by N fertiliser, t C·hm⁻²·a⁻¹.
///   - strawReturnRate: PRSCR, sequestration rate under full straw return, t C·hm⁻²·a⁻¹.
///   - strawReturnShare: PR, share of straw returned to the field, fraction 0…1.
///   - areaHectares: SC, cropland area, hm².
/// - Returns: t C/a.
/// - Note: GEP-METHODS §5.8 (a) (recalled MEE/national form, UNCONFIRMED).
@inlinable
public func croplandSoilCarbonSequestration(
  baselineRate: Double, nitrogenFertilizerRate: Double, strawReturnRate: Double,
  strawReturnShare: Double, areaHectares: Double
) -> Double {
  (baselineRate + nitrogenFertilizerRate + strawReturnRate * strawReturnShare) * areaHectares
}

/// Carbon sequestration by the rate method, as CO₂.
///
///     Q_CO2 = (44/12) × (FCS + GSCS + WCS + CSCS)
///
/// - Parameters:
///   - forest: FCS, t C/a.
///   - grassland: GSCS, t C/a.
///   - wetland: WCS, t C/a.
///   - cropland: CSCS, t C/a.
/// - Returns: t CO₂/a.
/// - Note: GEP-METHODS §5.8 (a) (UNCONFIRMED); GB/T 46869 A.7 lists the method [S11].
@inlinable
public func carbonSequestrationRateMethod(
  forest: Double, grassland: Double, wetland: Double, cropland: Double
) -> Double {
  carbonDioxide(fromCarbon: forest + grassland + wetland + cropland)
}

// MARK: - (b) NEP method

/// Net ecosystem productivity.
///
///     NEP = NPP − R_h
///
/// - Parameters:
///   - netPrimaryProductivity: NPP, t C·hm⁻²·a⁻¹ (or g C·m⁻²·a⁻¹; same unit for both).
///   - heterotrophicRespiration: R_h, soil heterotrophic respiration, same unit as NPP.
/// - Returns: NEP, same unit (may be negative: a carbon source).
/// - Note: GEP-METHODS §5.8 (b), CONFIRMED form [S3].
@inlinable
public func netEcosystemProductivity(
  netPrimaryProductivity: Double, heterotrophicRespiration: Double
) -> Double {
  netPrimaryProductivity - heterotrophicRespiration
}

/// NEP from dry-matter NPP by a NEP/NPP ratio, UNCONFIRMED.
///
///     NEP = α × NPP_dm × 72/162
///
/// - Parameters:
///   - netPrimaryProductivityDryMatter: NPP as dry matter, t·hm⁻²·a⁻¹.
///   - nepToNPPRatio: α = NEP/NPP, dimensionless.
/// - Returns: NEP, t C·hm⁻²·a⁻¹.
/// - Note: GEP-METHODS §5.8 (b) (UNCONFIRMED); 72/162 = `UnitConversion.carbonPerDryMatter`.
@inlinable
public func netEcosystemProductivity(
  netPrimaryProductivityDryMatter: Double, nepToNPPRatio: Double
) -> Double {
  nepToNPPRatio * netPrimaryProductivityDryMatter * UnitConversion.carbonPerDryMatter
}

/// Carbon sequestration of a cell by the NEP method, as CO₂.
///
///     Q_CO2 = (44/12) × NEP × A
///
/// - Parameters:
///   - netEcosystemProductivity: NEP, t C·hm⁻²·a⁻¹.
///   - areaHectares: A, hm².
/// - Returns: t CO₂/a (negative where NEP < 0; whether sources are netted is a profile choice).
/// - Note: GEP-METHODS §5.8 (b) [S3][S11].
@inlinable
public func carbonSequestrationNEP(netEcosystemProductivity: Double, areaHectares: Double)
  -> Double
{
  carbonDioxide(fromCarbon: netEcosystemProductivity * areaHectares)
}

// MARK: - (c) Biomass method

/// Carbon sequestration by the biomass / dry-matter method, as CO₂.
///
///     Q_CO2 = k × ΔB
///
/// - Parameters:
///   - dryMatterIncrement: ΔB, annual net dry-matter production, t/a.
///   - coefficient: k, t CO₂ per t dry matter; default 1.63 (CONFIRMED [S4]; stoichiometric
///     264/162 ≈ 1.6296 is `UnitConversion.carbonDioxidePerDryMatter`).
/// - Returns: t CO₂/a.
/// - Note: GEP-METHODS §5.8 (c), §3.3 [S4]; GB/T 46869 lists a biomass method [S11].
@inlinable
public func carbonSequestrationBiomass(dryMatterIncrement: Double, coefficient: Double = 1.63)
  -> Double
{
  coefficient * dryMatterIncrement
}

// MARK: - Valuation

/// Value of carbon sequestration (固碳价值).
///
///     V_cf = Q_CO2 × P_C   (P_C converted to 元/t CO₂ from its basis)
///
/// - Parameters:
///   - carbonDioxide: Q_CO2, t CO₂/a.
///   - price: carbon price with its basis; per-t-C prices are divided by 44/12.
/// - Returns: 元/a.
/// - Note: GEP-METHODS §5.8 [S1][S4]. E.g. 1 t C = 3.667 t CO₂ at 1320 元/t C = 1320 元.
@inlinable
public func carbonSequestrationValue(carbonDioxide: Double, price: CarbonPrice) -> Double {
  carbonDioxide * price.perTonneCarbonDioxide
}

// MARK: - Oxygen release (释氧, optional)

/// Oxygen released, from the CO₂ fixed (stoichiometric).
///
///     Q_O2 = (32/44) × Q_CO2
///
/// - Parameter carbonDioxide: Q_CO2, t CO₂/a.
/// - Returns: t O₂/a.
/// - Note: GEP-METHODS §5.8 (UNCONFIRMED as spec text; stoichiometrically exact). Do not mix
///   with a dry-matter (NPP) basis silently: Ganzi's O₂/CO₂ ≈ 8 shows it used NPP for O₂ [S1].
@inlinable
public func oxygenRelease(fromCarbonDioxide carbonDioxide: Double) -> Double {
  carbonDioxide * UnitConversion.oxygenPerCarbonDioxide
}

/// Oxygen released, from dry-matter production.
///
///     Q_O2 = k × ΔB
///
/// - Parameters:
///   - dryMatterIncrement: ΔB, annual net dry-matter production, t/a.
///   - coefficient: k, t O₂ per t dry matter; no default: 1.2 [S4], 1.19 (LY/T 1721, UNCONFIRMED),
///     192/162 ≈ 1.185 stoichiometric (`UnitConversion.oxygenPerDryMatter`).
/// - Returns: t O₂/a.
/// - Note: GEP-METHODS §5.8, §3.3 [S4].
@inlinable
public func oxygenRelease(dryMatterIncrement: Double, coefficient: Double) -> Double {
  coefficient * dryMatterIncrement
}

/// Value of oxygen release (释氧价值).
///
///     V_o = Q_O2 × P_O
///
/// - Parameters:
///   - oxygen: Q_O2, t O₂/a.
///   - price: P_O, 元/t O₂ (industrial 727 [S1]; medical 1000 [S4]).
/// - Returns: 元/a.
/// - Note: GEP-METHODS §5.8 [S1][S4].
@inlinable
public func oxygenReleaseValue(oxygen: Double, price: Double) -> Double {
  oxygen * price
}
