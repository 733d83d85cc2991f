import Foundation

/// Named unit-conversion factors used by the GEP formulas (GEP-METHODS.md §3.3, §12.3).
///
/// Every factor carries its unit arithmetic in the comment above it, so that a reader can check
/// a formula's bookkeeping without redoing it. Multiply a quantity in the *left* unit of the name
/// by the factor to get the quantity in the *right* unit, e.g.
/// `depthMillimetres * UnitConversion.cubicMetresPerMillimetreHectare * areaHectares` = m³.
///
/// Only conversions live here. Physical or empirical coefficients (runoff coefficients, RWEQ
/// constants, prices) live with their formula in `Indicators/` or in the coefficient tables.
public enum UnitConversion {

  // MARK: Area

  /// m² per hm² (ha): 1 hm² = 100 m × 100 m = 10 000 m².
  public static let squareMetresPerHectare = 10_000.0

  /// hm² per km²: 1 km² = 1 000 m × 1 000 m = 10⁶ m² = 10⁶ / 10⁴ hm² = 100 hm².
  public static let hectaresPerSquareKilometre = 100.0

  /// m² per km²: 1 km² = (10³ m)² = 10⁶ m².
  public static let squareMetresPerSquareKilometre = 1_000_000.0

  /// 亩 (mu) per hm²: 1 亩 = 10 000/15 m² ≈ 666.67 m², so 1 hm² = 10 000 m² ÷ (10 000/15 m²) = 15 亩.
  public static let muPerHectare = 15.0

  // MARK: Water depth × area → volume

  /// m³ per (mm · m²): 1 mm × 1 m² = 10⁻³ m × 1 m² = 0.001 m³.
  public static let cubicMetresPerMillimetreSquareMetre = 0.001

  /// m³ per (mm · hm²): 1 mm × 1 hm² = 10⁻³ m × 10⁴ m² = 10 m³.
  public static let cubicMetresPerMillimetreHectare = 10.0

  /// m³ per (mm · km²): 1 mm × 1 km² = 10⁻³ m × 10⁶ m² = 1 000 m³
  /// (the "× 10³" of the water-balance equation with A in km², GEP-METHODS §5.1).
  public static let cubicMetresPerMillimetreSquareKilometre = 1_000.0

  /// kg per (mm · m²) of liquid water: 1 mm × 1 m² = 10⁻³ m³; × 1 000 kg/m³ = 1 kg.
  /// Used to turn an evapotranspiration depth into an evaporated mass (§5.9 ET-energy variant).
  public static let kilogramsOfWaterPerMillimetreSquareMetre = 1.0

  // MARK: Mass and mass per area

  /// kg per t: 1 t = 1 000 kg.
  public static let kilogramsPerTonne = 1_000.0

  /// t/hm² per kg/m²: 1 kg/m² × 10⁴ m²/hm² ÷ 10³ kg/t = 10 t/hm².
  /// RWEQ gives kg/m² per period, RUSLE gives t·hm⁻²·a⁻¹ (GEP-METHODS §12.3).
  public static let tonnesPerHectarePerKilogramPerSquareMetre = 10.0

  // MARK: Chinese counting units (万, 亿)

  /// Units per 万 (wan): 1 万 = 10⁴. E.g. 779.42 万 t = 7 794 200 t.
  public static let wan = 10_000.0

  /// Units per 亿 (yi): 1 亿 = 10⁸. E.g. 59.56 亿元 = 5.956 × 10⁹ 元; 8.44 亿 m³ = 8.44 × 10⁸ m³.
  public static let yi = 100_000_000.0

  // MARK: Molecular mass ratios (stoichiometry)

  /// t CO₂ per t C: M(CO₂)/M(C) = (12 + 2 × 16)/12 = 44/12 ≈ 3.6667 (GEP-METHODS §3.3, §5.8).
  public static let carbonDioxidePerCarbon = 44.0 / 12.0

  /// t C per t CO₂: 12/44 ≈ 0.2727, inverse of `carbonDioxidePerCarbon`.
  public static let carbonPerCarbonDioxide = 12.0 / 44.0

  /// t O₂ per t CO₂ fixed: 6 CO₂ → 6 O₂, M(O₂)/M(CO₂) = 32/44 ≈ 0.7273 (GEP-METHODS §3.3).
  public static let oxygenPerCarbonDioxide = 32.0 / 44.0

  /// t CO₂ per t dry matter, stoichiometric: 6 CO₂ (6 × 44 = 264 g) per C₆H₁₀O₅ (162 g),
  /// 264/162 ≈ 1.6296. The published rounded coefficient is 1.63 [S4] (GEP-METHODS §3.3).
  public static let carbonDioxidePerDryMatter = 264.0 / 162.0

  /// t O₂ per t dry matter, stoichiometric: 6 O₂ (6 × 32 = 192 g) per C₆H₁₀O₅ (162 g),
  /// 192/162 ≈ 1.1852 (≈ 1.19; [S4] uses 1.2) (GEP-METHODS §3.3).
  public static let oxygenPerDryMatter = 192.0 / 162.0

  /// t C per t dry matter, stoichiometric: 6 C (72 g) per C₆H₁₀O₅ (162 g), 72/162 ≈ 0.4444.
  /// UNCONFIRMED as a spec constant (GEP-METHODS §3.3, §5.8 (b)).
  public static let carbonPerDryMatter = 72.0 / 162.0

  // MARK: Energy and time

  /// kJ per kWh: 1 kWh = 1 000 J/s × 3 600 s = 3.6 × 10⁶ J = 3 600 kJ
  /// (the "3600" of the climate-regulation formulas, GEP-METHODS §3.3, §5.9).
  public static let kilojoulesPerKilowattHour = 3_600.0

  /// s per h: 60 × 60 = 3 600.
  public static let secondsPerHour = 3_600.0

  /// h per mean month: 365 d × 24 h ÷ 12 = 730 h. Converts a mean precipitation rate
  /// (mm/h, e.g. IMERG monthly) to a monthly depth (mm) as in [S7] (GEP-METHODS §5.2).
  public static let hoursPerMeanMonth = 730.0

  // MARK: Ratios

  /// % per fraction: a fraction f ∈ [0, 1] is 100·f %.
  public static let percentPerFraction = 100.0

  // MARK: Soil erodibility

  /// SI K per US-customary K: K in t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹ = 0.1317 × K in
  /// short ton·acre·h·(100 acre·ft·short tonf·in)⁻¹ (Foster et al. 1981 conversion;
  /// applied to the EPIC K in [S5][S7], GEP-METHODS §5.2).
  public static let siErodibilityPerUSErodibility = 0.1317
}
