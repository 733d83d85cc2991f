import Foundation

/// The unit symbols a coefficient folder may use, with their meaning.
///
/// ASCII spellings: `hm2` = hectare (公顷), `a` = year, `d` = day, `tC`/`tCO2`/`tO2` = tonnes of
/// carbon / CO₂ / O₂. A unit not listed here is reported as `unit.unknown`.
/// Source: GEP-METHODS §3.3 (conversions), §7.1 (prices carry their basis), §12.3 (unit traps).
public enum CoefficientUnits {
  /// Dimensionless and per-class coefficient units.
  public static let coefficient: [String: String] = [
    "1": "dimensionless number",
    "fraction": "dimensionless share, 0…1",
    "percent": "percent, 0…100",
    "flag": "0 or 1",
    "1/percent": "per percent of vegetation cover (RWEQ alpha)",
    "kg/hm2/a": "kilograms per hectare per year",
    "t/hm2/a": "tonnes per hectare per year",
    "tC/hm2/a": "tonnes of carbon per hectare per year",
    "kJ/m2/d": "kilojoules per square metre per day",
    "t/m3": "tonnes per cubic metre (bulk density)",
    "kg/m3": "kilograms per cubic metre",
    "m": "metres",
    "mm": "millimetres",
    "m/s": "metres per second",
    "kJ/kg": "kilojoules per kilogram",
    "kWh/m3": "kilowatt-hours per cubic metre",
    "1/a": "times per year",
    "d": "days (per year)",
  ]

  /// Price units (value per physical unit, currency given separately in `currency`).
  public static let price: [String: String] = [
    "yuan/m3": "yuan per cubic metre",
    "yuan/t": "yuan per tonne",
    "yuan/tC": "yuan per tonne of carbon (×12/44 gives per tonne CO2)",
    "yuan/tCO2": "yuan per tonne of CO2 (×44/12 gives per tonne C)",
    "yuan/tO2": "yuan per tonne of oxygen",
    "yuan/kWh": "yuan per kilowatt-hour",
    "yuan/m2": "yuan per square metre",
    "yuan/km": "yuan per kilometre",
    "yuan/hm2": "yuan per hectare",
    "yuan/visit": "yuan per visitor-trip",
  ]

  /// Indicator physical-quantity and value units used in `profile.csv`.
  public static let indicator: [String: String] = [
    "varies": "several products with their own units (material products)",
    "m3/a": "cubic metres per year",
    "t/a": "tonnes per year",
    "tCO2/a": "tonnes of CO2 per year",
    "tO2/a": "tonnes of O2 per year",
    "kWh/a": "kilowatt-hours per year",
    "km": "kilometres",
    "m2": "square metres",
    "visits/a": "visitor-trips per year",
    "yuan/a": "yuan per year",
  ]

  /// Every recognised symbol with its meaning.
  public static var all: [String: String] {
    coefficient.merging(price) { a, _ in a }.merging(indicator) { a, _ in a }
  }

  /// True if `symbol` is recognised in any group.
  public static func isRecognized(_ symbol: String) -> Bool { all[symbol] != nil }
}

/// What a parameter of a coefficient table must look like: unit and allowed range.
///
/// Source: GEP-METHODS §5, §11 (ranges follow each coefficient's definition).
public struct CoefficientParameterSpec: Sendable, Hashable {
  /// Parameter id (the `parameter` cell of a per-class table, or `parameter_id`).
  public var name: String
  /// Required unit symbol (see `CoefficientUnits`).
  public var unit: String
  /// Allowed closed range of the value.
  public var range: ClosedRange<Double>
  /// What the parameter is, with its GEP-METHODS section.
  public var summary: String

  /// Creates a spec.
  public init(_ name: String, _ unit: String, _ range: ClosedRange<Double>, _ summary: String) {
    self.name = name
    self.unit = unit
    self.range = range
    self.summary = summary
  }
}

/// The tables, columns and parameters the computation code understands.
///
/// Files of a coefficient folder: `manifest.csv`, `profile.csv`, `ecosystem_classes.csv`,
/// `parameters.csv`, `prices.csv`, `crosswalk_<scheme>.csv`, and per-class tables (any other
/// `.csv` with columns `class_code,parameter,value,unit`). Documented in coefficients/README.md.
public enum CoefficientSchema {
  /// Columns every per-class table must have.
  public static let classTableColumns = [
    "class_code", "parameter", "value", "low", "high", "unit", "condition", "region", "year",
    "source", "confidence", "note",
  ]
  /// Columns of `ecosystem_classes.csv`.
  public static let ecosystemClassColumns = [
    "class_code", "level", "parent_code", "name_en", "name_zh", "source",
  ]
  /// Columns of every `crosswalk_*.csv`.
  public static let crosswalkColumns = [
    "lulc_code", "lulc_name", "ecosystem_class", "source", "confidence", "note",
  ]
  /// Columns of `parameters.csv`.
  public static let parameterColumns = [
    "parameter_id", "indicator_id", "value", "low", "high", "unit", "region", "year", "source",
    "confidence", "note",
  ]
  /// Columns of `prices.csv`.
  public static let priceColumns = [
    "price_id", "indicator_id", "value", "low", "high", "unit", "currency", "price_year", "region",
    "source", "confidence", "note",
  ]
  /// Columns of the optional `price_index.csv` (one row per series and year).
  public static let priceIndexColumns = [
    "index_id", "year", "value", "kind", "region", "source", "confidence", "note",
  ]
  /// Allowed `kind` words of `price_index.csv`: `chain` = previous year = 100 (上年=100),
  /// `fixed` = one fixed base year for the whole series.
  public static let priceIndexKinds = ["chain", "fixed"]
  /// Columns of `profile.csv`.
  public static let profileColumns = [
    "indicator_id", "name_en", "name_zh", "category", "method", "method_options",
    "physical_unit", "value_unit", "required_spatial", "required_tables", "class_parameters",
    "parameters", "price_ids", "prices_from_input", "optional", "source", "confidence",
  ]
  /// Columns of `manifest.csv`.
  public static let manifestColumns = ["key", "value"]
  /// Keys `manifest.csv` must define.
  public static let manifestKeys = ["profile_id", "name"]

  /// The mask parameter every per-class table may carry: 0 = indicator not computed on the
  /// class (and its level-2 children), 1 = computed. GEP-METHODS §12.6.
  public static let applies = CoefficientParameterSpec(
    "applies", "flag", 0...1, "1 = indicator computed on this class, 0 = class masked out (§12.6)")

  /// Known per-class tables and their parameters (besides `applies`).
  public static let classTables: [String: [CoefficientParameterSpec]] = [
    "runoff_coefficient": [
      .init("alpha", "percent", 0...100, "mean surface runoff coefficient α (§5.1, §11.1)")
    ],
    "rusle": [
      .init("usle_c", "fraction", 0...1, "RUSLE cover-management factor C (§5.2, §11.4)"),
      .init("usle_p", "fraction", 0...1, "RUSLE support-practice factor P (§5.2, §11.3)"),
    ],
    "rweq": [
      .init("alpha", "1/percent", -1...0, "RWEQ vegetation coefficient in C = exp(α·SC) (§11.2)")
    ],
    "air_purification": [
      .init("so2", "kg/hm2/a", 0...100_000, "SO2 purification capacity q (§5.6)"),
      .init("nox", "kg/hm2/a", 0...100_000, "NOx purification capacity q (§5.6)"),
      .init("dust", "kg/hm2/a", 0...1_000_000, "dust retention capacity q (§5.6)"),
    ],
    "water_purification": [
      .init("cod", "kg/hm2/a", 0...1_000_000, "COD purification capacity q (§5.7)"),
      .init("nh3n", "kg/hm2/a", 0...1_000_000, "NH3-N purification capacity q (§5.7)"),
      .init("tp", "kg/hm2/a", 0...1_000_000, "TP purification capacity q (§5.7)"),
      .init("tn", "kg/hm2/a", 0...1_000_000, "TN purification capacity q (§5.7, local profiles)"),
    ],
    "carbon_sequestration": [
      .init("rate", "tC/hm2/a", -100...100, "carbon sequestration rate (§5.8 rate method)"),
      .init("soil_ratio", "fraction", 0...10, "soil-carbon ratio β of forests (§5.8)"),
    ],
    "climate_regulation": [
      .init("epp", "kJ/m2/d", 0...100_000, "heat consumed by transpiration per area (§5.9)"),
      .init("water_surface", "flag", 0...1, "1 = counted as water-surface evaporation (§5.9)"),
    ],
    "flood_regulation": [
      .init(
        "storm_runoff_coefficient", "fraction", 0...1,
        "storm runoff share of a vegetation class (§5.5 C_vf)")
    ],
  ]

  /// Known scalar parameters of `parameters.csv`.
  public static let scalarParameters: [String: CoefficientParameterSpec] = {
    let specs: [CoefficientParameterSpec] = [
      .init("sediment_deposition_ratio", "fraction", 0...1, "λ sediment deposition (§5.2)"),
      .init("soil_bulk_density", "t/m3", 0.1...3, "soil bulk density ρ (§5.2)"),
      .init("soil_n_content", "percent", 0...100, "pure N content of soil (§5.2)"),
      .init("soil_p_content", "percent", 0...100, "pure P content of soil (§5.2)"),
      .init("sand_bulk_density", "t/m3", 0.1...3, "sand bulk density ρ_s (§5.3)"),
      .init("sand_cover_thickness", "m", 0...10, "standard sand-cover thickness h (§5.3)"),
      .init("rweq_downwind_distance", "m", 0...10_000, "RWEQ downwind distance z (§5.3)"),
      .init("rweq_threshold_wind_speed", "m/s", 0...50, "RWEQ threshold wind U_t (§5.3)"),
      .init("rweq_snow_depth_threshold", "mm", 0...1000, "snow-depth threshold (§11.5)"),
      .init("reservoir_flood_share", "fraction", 0...1, "flood share of capacity (§5.5)"),
      .init("marsh_detention_depth", "m", 0...10, "marsh surface detention depth (§5.5)"),
      .init("lake_model_a", "1", -100...100, "lake model a in e^a·A^b·T (§5.5)"),
      .init("lake_model_b", "1", 0...10, "lake model b in e^a·A^b·T (§5.5)"),
      .init("lake_exchange_times", "1/a", 0...1000, "lake water exchange times T (§5.5)"),
      .init("ac_energy_efficiency_ratio", "1", 0.5...20, "air-conditioner EER r (§5.9)"),
      .init("latent_heat_vaporization", "kJ/kg", 2000...2600, "latent heat q (§5.9)"),
      .init("water_density", "kg/m3", 900...1100, "water density ρ_w (§5.9)"),
      .init("humidifier_energy", "kWh/m3", 0...10_000, "humidifier electricity y (§5.9)"),
      .init("cooling_days", "d", 0...366, "days with air-conditioning D (§5.9)"),
      .init("forest_soil_carbon_ratio", "fraction", 0...10, "forest soil-carbon ratio β (§5.8)"),
      .init("time_value_share", "fraction", 0...1, "time value share of wage (§6.1)"),
    ]
    return Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
  }()

  /// Allowed price range (yuan per physical unit). Zero and negatives are rejected.
  public static let priceRange: ClosedRange<Double> = 1e-9...1e12
  /// Allowed `price_year` / `year` range.
  public static let yearRange: ClosedRange<Int> = 1900...2100
  /// Allowed `confidence` words of crosswalk and profile rows.
  public static let confidenceWords = ["confirmed", "unconfirmed"]
  /// Allowed `confidence` words of value rows (per-class tables, parameters, prices).
  public static let valueConfidenceWords = ValueConfidence.allCases.map(\.rawValue)
  /// Variables allowed in a per-class `condition` cell.
  public static let conditionVariables: [String: ClosedRange<Double>] = ["slope_deg": 0...90]
}
