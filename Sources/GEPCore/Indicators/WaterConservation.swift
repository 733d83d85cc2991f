import Foundation

/// What to do with a cell whose water balance is negative (ET + runoff > precipitation).
///
/// GEP-METHODS §5.1 and §12.6: the sources read do not specify it; the recommended (UNCONFIRMED)
/// rule is to clamp negative cells to 0 and log how many were clamped. `clampToZero` is the
/// default of `waterConservationDepth(precipitation:runoffCoefficient:evapotranspiration:negativeCells:)`.
public enum NegativeCellHandling: String, Sendable, CaseIterable, Codable {
  /// Negative depths become 0 (default; recommended in GEP-METHODS §12.6, UNCONFIRMED).
  case clampToZero
  /// Negative depths are kept, so that they offset positive cells in a zonal sum.
  case keep
}

/// Storm / surface runoff depth (暴雨径流量 / 地表径流量) of one cell or ecosystem type.
///
///     R = P × α
///
/// - Parameters:
///   - precipitation: P, annual precipitation, mm.
///   - runoffCoefficient: α, mean surface runoff coefficient of the ecosystem type, as a
///     fraction 0…1 (the table in GEP-METHODS §11.1 is in %: divide by 100).
/// - Returns: mm.
/// - Note: GEP-METHODS §5.1, §11.1 [S1][S2].
@inlinable
public func surfaceRunoff(precipitation: Double, runoffCoefficient: Double) -> Double {
  precipitation * runoffCoefficient
}

/// Water conservation depth (水源涵养量, per unit area) by the water balance equation.
///
///     d = P − P·α − ET
///
/// - Parameters:
///   - precipitation: P, annual precipitation, mm.
///   - runoffCoefficient: α, surface runoff coefficient, fraction 0…1 (§11.1 values are %).
///   - evapotranspiration: ET, annual actual evapotranspiration, mm.
///   - negativeCells: handling of d < 0; default `.clampToZero` (GEP-METHODS §12.6, UNCONFIRMED).
/// - Returns: mm (= 10 m³/hm², see `UnitConversion.cubicMetresPerMillimetreHectare`).
/// - Note: GEP-METHODS §5.1 [S1][S2].
@inlinable
public func waterConservationDepth(
  precipitation: Double, runoffCoefficient: Double, evapotranspiration: Double,
  negativeCells: NegativeCellHandling = .clampToZero
) -> Double {
  let depth = precipitation - precipitation * runoffCoefficient - evapotranspiration
  switch negativeCells {
  case .clampToZero: return max(depth, 0)
  case .keep: return depth
  }
}

/// Water conservation amount (水源涵养量) of one cell or ecosystem-type area.
///
///     Q_wr = (P − P·α − ET) × A × 10          (A in hm²; 1 mm × 1 hm² = 10 m³)
///
/// - Parameters:
///   - precipitation: P, annual precipitation, mm.
///   - runoffCoefficient: α, surface runoff coefficient, fraction 0…1.
///   - evapotranspiration: ET, annual actual evapotranspiration, mm.
///   - areaHectares: A, area of the cell or ecosystem type, hm² (ha). For a cell area in m²
///     divide by `UnitConversion.squareMetresPerHectare`.
///   - negativeCells: handling of a negative balance; default `.clampToZero`.
/// - Returns: m³/a.
/// - Note: GEP-METHODS §5.1: Q_wr = Σ_i (P_i − R_i − ET_i) × A_i × 10³ with A in km² [S1][S2];
///   the factor 10 here is the same bookkeeping for hm². Linear in area.
@inlinable
public func waterConservation(
  precipitation: Double, runoffCoefficient: Double, evapotranspiration: Double,
  areaHectares: Double, negativeCells: NegativeCellHandling = .clampToZero
) -> Double {
  waterConservationDepth(
    precipitation: precipitation, runoffCoefficient: runoffCoefficient,
    evapotranspiration: evapotranspiration, negativeCells: negativeCells)
    * areaHectares * UnitConversion.cubicMetresPerMillimetreHectare
}

/// Value of water conservation (水源涵养价值) by the shadow engineering method (影子工程法).
///
///     V_wr = Q_wr × P_wr
///
/// - Parameters:
///   - volume: Q_wr, water conservation amount, m³/a.
///   - reservoirUnitCost: P_wr, construction cost per m³ of reservoir capacity
///     (水库单位库容工程造价), 元/m³. Examples: 7.06 (Ganzi 2010) [S1]; 7.53 (2011) [S5].
/// - Returns: 元/a.
/// - Note: GEP-METHODS §5.1 [S1][S3]. Ganzi: 321.49 亿 m³ × 7.06 = 2269.71 亿元 [S1].
@inlinable
public func waterConservationValue(volume: Double, reservoirUnitCost: Double) -> Double {
  volume * reservoirUnitCost
}
