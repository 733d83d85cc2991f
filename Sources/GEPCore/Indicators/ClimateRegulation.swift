import Foundation

// 气候调节 (climate regulation, GB/T 46869 A.11 "局部气候调节"): energy consumed by vegetation
// transpiration and water-surface evaporation, expressed as equivalent electricity.
// Source of truth: GEP-METHODS.md §5.9.

/// Energy consumed by vegetation transpiration (植被蒸腾消耗能量), as air-conditioning electricity.
///
///     E_pt = EPP × S × D × 10⁶ / (3600 × r)
///
/// - Parameters:
///   - heatConsumedPerArea: EPP, heat consumed by transpiration per unit area of the
///     ecosystem type (papers call it "GPP" — not gross primary production), kJ·m⁻²·d⁻¹.
///   - areaSquareKilometres: S, area of the ecosystem type, km² (× 10⁶ → m²).
///   - coolingDays: D, number of days air-conditioning is on, d.
///   - energyEfficiencyRatio: r, air-conditioner energy efficiency ratio; default 3.0 [S3].
/// - Returns: kWh/a (kJ ÷ 3600 kJ/kWh ÷ r).
/// - Note: GEP-METHODS §5.9 [S1][S3]. Sum over ecosystem types for E_pt. Ganzi vegetation:
///   2799.10 亿 kWh [S1].
@inlinable
public func vegetationTranspirationEnergy(
  heatConsumedPerArea: Double, areaSquareKilometres: Double, coolingDays: Double,
  energyEfficiencyRatio: Double = 3.0
) -> Double {
  heatConsumedPerArea * areaSquareKilometres * UnitConversion.squareMetresPerSquareKilometre
    * coolingDays / (UnitConversion.kilojoulesPerKilowattHour * energyEfficiencyRatio)
}

/// Energy consumed by water-surface evaporation (水面蒸发消耗能量): cooling plus humidifying.
///
///     E_we = E_w × ρ_w × q / (3600 × r) + E_w × y
///
/// - Parameters:
///   - evaporationVolume: E_w, water-surface evaporation, m³/a (pan evaporation × water area).
///   - latentHeat: q, latent heat of vaporisation, kJ/kg (= J/g), ≈ 2 260–2 450 (value in the
///     spec UNCONFIRMED).
///   - humidifierEnergy: y, electricity a humidifier needs to turn 1 m³ of water into vapour,
///     kWh/m³ (UNCONFIRMED).
///   - waterDensity: ρ_w, kg/m³; default 1000.
///   - coolingEnergyEfficiencyRatio: r applied to the cooling term; default 1, i.e. **not**
///     divided by the EER, as in [S1]. Whether the national spec divides by r is UNCONFIRMED
///     (profile option); the humidifier term is never divided.
/// - Returns: kWh/a.
/// - Note: GEP-METHODS §5.9 [S1]. Ganzi water surface: 1272.35 亿 kWh [S1].
@inlinable
public func waterEvaporationEnergy(
  evaporationVolume: Double, latentHeat: Double, humidifierEnergy: Double,
  waterDensity: Double = 1000, coolingEnergyEfficiencyRatio: Double = 1
) -> Double {
  evaporationVolume * waterDensity * latentHeat
    / (UnitConversion.kilojoulesPerKilowattHour * coolingEnergyEfficiencyRatio)
    + evaporationVolume * humidifierEnergy
}

/// Energy consumed by evapotranspiration of one cell (ET-energy alternative), UNCONFIRMED.
///
///     E = ET × 1 kg/(mm·m²) × A × λ_v / (3600 × r)
///
/// - Parameters:
///   - evapotranspiration: ET over the cooling period, mm (1 mm over 1 m² = 1 kg of water).
///   - areaSquareMetres: A, cell area, m².
///   - latentHeat: λ_v, latent heat of vaporisation, kJ/kg; default 2450 (≈ 2.45 MJ/kg).
///   - energyEfficiencyRatio: r; default 1 (no division). Pass 3.0 to express the cooling part
///     as air-conditioner electricity.
/// - Returns: kWh over the period.
/// - Note: GEP-METHODS §5.9 (raster alternative consistent with GB/T 46869 "ET energy";
///   UNCONFIRMED as normative text).
@inlinable
public func evapotranspirationEnergy(
  evapotranspiration: Double, areaSquareMetres: Double, latentHeat: Double = 2450,
  energyEfficiencyRatio: Double = 1
) -> Double {
  evapotranspiration * UnitConversion.kilogramsOfWaterPerMillimetreSquareMetre * areaSquareMetres
    * latentHeat / (UnitConversion.kilojoulesPerKilowattHour * energyEfficiencyRatio)
}

/// Value of climate regulation (气候调节价值) by replacement cost (electricity).
///
///     V_tt = E_tt × P_e
///
/// - Parameters:
///   - energy: E_tt = E_pt + E_we, kWh/a.
///   - electricityPrice: P_e, local electricity price, 元/kWh (0.53 Ganzi 2010 [S1]).
/// - Returns: 元/a.
/// - Note: GEP-METHODS §5.9 [S1]. Ganzi: (2799.10 + 1272.35) 亿 kWh × 0.53 = 2157.86 亿元 [S1].
@inlinable
public func climateRegulationValue(energy: Double, electricityPrice: Double) -> Double {
  energy * electricityPrice
}
