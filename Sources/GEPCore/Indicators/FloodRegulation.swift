import Foundation

// 洪水调蓄 (flood regulation): vegetation storm storage, lakes, reservoirs and marshes, valued by
// reservoir construction cost. Source of truth: GEP-METHODS.md §5.5.

/// Regional coefficients of the lake flood-storage model C_lk = e^a × A^b × T
/// (饶恩明, 肖燚, 欧阳志云 et al. 2014), whose output is in 万 m³/a.
///
/// Only the Qinghai–Tibet Plateau pair is CONFIRMED (GEP-METHODS §5.5 [S1]); the coefficients for
/// the other lake regions (东部平原, 蒙新高原, 云贵高原, 东北) are UNCONFIRMED and must be supplied
/// from the original paper or the profile's parameter table.
public struct LakeFloodModel: Sendable, Hashable, Codable {
  /// Lake region name, e.g. "青藏高原 Qinghai–Tibet Plateau".
  public var region: String
  /// a, intercept of ln(C_lk / 万 m³), dimensionless.
  public var a: Double
  /// b, exponent on lake area A (km²), dimensionless.
  public var b: Double

  /// Creates a lake model for one region.
  ///
  /// - Parameters:
  ///   - region: lake region name (for the audit trail).
  ///   - a: intercept a (C_lk in 万 m³/a, A in km²).
  ///   - b: area exponent b.
  public init(region: String, a: Double, b: Double) {
    self.region = region
    self.a = a
    self.b = b
  }

  /// Qinghai–Tibet Plateau (青藏高原): a = 6.636, b = 0.678 — CONFIRMED [S1] (GEP-METHODS §5.5).
  public static let qinghaiTibetPlateau = LakeFloodModel(
    region: "青藏高原 Qinghai–Tibet Plateau", a: 6.636, b: 0.678)
}

/// Flood storage capacity of lakes (湖泊洪水调蓄能力).
///
///     C_lk = e^a × A^b × T          (万 m³/a in the published model; returned here in m³/a)
///
/// - Parameters:
///   - lakeAreaSquareKilometres: A, total lake area, km².
///   - waterExchangeTimes: T, water exchange times per year (换水次数); 1 in Ganzi [S1].
///   - model: regional coefficients a, b.
/// - Returns: m³/a (the model's 万 m³ × `UnitConversion.wan`).
/// - Note: GEP-METHODS §5.5 [S1]. Ganzi lakes: 2.43 亿 m³ [S1].
@inlinable
public func lakeFloodRegulation(
  lakeAreaSquareKilometres: Double, waterExchangeTimes: Double, model: LakeFloodModel
) -> Double {
  exp(model.a) * pow(lakeAreaSquareKilometres, model.b) * waterExchangeTimes * UnitConversion.wan
}

/// Flood storage capacity of reservoirs (水库洪水调蓄能力): the flood-control share of capacity.
///
///     C_re = 0.35 × C_t
///
/// - Parameters:
///   - totalCapacity: C_t, total reservoir capacity (总库容), m³ (any volume unit; the result
///     is in the same unit).
///   - floodControlShare: share of total capacity available for flood control; default 0.35
///     (CONFIRMED [S1]).
/// - Returns: m³/a (same unit as `totalCapacity`).
/// - Note: GEP-METHODS §5.5 [S1]. Ganzi: ≈ 0.03 亿 m³ total → 0.01 亿 m³ [S1].
@inlinable
public func reservoirFloodRegulation(totalCapacity: Double, floodControlShare: Double = 0.35)
  -> Double
{
  floodControlShare * totalCapacity
}

/// Flood storage capacity of marshes (沼泽洪水调蓄能力): surface detention over the marsh area.
///
///     C_mh = h × S × 10⁶          (h = 0.3 m; S in km²)
///
/// - Parameters:
///   - marshAreaSquareKilometres: S, total marsh area, km².
///   - detentionDepth: h, surface detention depth, m; default 0.3 (CONFIRMED [S1]).
/// - Returns: m³/a. [S1] labels the result 万 m³/a, but 0.3 m × km² × 10⁶ m²/km² is m³, and
///   only the m³ reading reproduces Ganzi's 6.00 亿 m³ from its ≈ 2 000 km² of marsh
///   (≈ 70 % of 2 864.27 km² wetland) — GEP-METHODS §5.5 notes the ambiguity.
/// - Note: GEP-METHODS §5.5 [S1].
@inlinable
public func marshFloodRegulation(marshAreaSquareKilometres: Double, detentionDepth: Double = 0.3)
  -> Double
{
  detentionDepth * marshAreaSquareKilometres * UnitConversion.squareMetresPerSquareKilometre
}

/// Storm-water storage of vegetation (植被洪水调蓄) for one cell or ecosystem type, UNCONFIRMED.
///
///     C_vf = (P_h − R_f) × A × 10          (A in hm²; 1 mm × 1 hm² = 10 m³)
///
/// - Parameters:
///   - stormPrecipitation: P_h, storm-event precipitation, mm.
///   - stormRunoff: R_f, storm runoff of the ecosystem type, mm.
///   - areaHectares: A, area, hm².
/// - Returns: m³ per storm aggregate (negative differences are clamped to 0: vegetation cannot
///   store a negative volume).
/// - Note: GEP-METHODS §5.5 (MEE-guide style, UNCONFIRMED; written there with A in km² × 10³).
@inlinable
public func vegetationFloodRegulation(
  stormPrecipitation: Double, stormRunoff: Double, areaHectares: Double
) -> Double {
  max(stormPrecipitation - stormRunoff, 0) * areaHectares
    * UnitConversion.cubicMetresPerMillimetreHectare
}

/// Value of flood regulation (洪水调蓄价值) by the shadow engineering method.
///
///     V_fm = (C_vf + C_lk + C_re + C_mh) × P_re
///
/// - Parameters:
///   - volume: total flood storage C_fm, m³/a.
///   - reservoirUnitCost: P_re, reservoir construction cost per m³ of capacity, 元/m³
///     (7.06 Ganzi 2010 [S1]).
/// - Returns: 元/a.
/// - Note: GEP-METHODS §5.5 [S1]. Ganzi: 8.44 亿 m³ → 59.56 亿元 [S1].
@inlinable
public func floodRegulationValue(volume: Double, reservoirUnitCost: Double) -> Double {
  volume * reservoirUnitCost
}
