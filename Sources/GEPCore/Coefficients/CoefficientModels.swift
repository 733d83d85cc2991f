import Foundation

/// How well a mapping or profile row is backed (crosswalks, `profile.csv`): `confirmed` = read
/// in the cited source; `unconfirmed` = recalled, derived or a modelling choice (verify before
/// relying on it). GEP-METHODS §0. Value rows use `ValueConfidence` instead.
public enum CoefficientConfidence: String, Sendable, Codable, CaseIterable {
  /// The number was read in the cited source.
  case confirmed
  /// Recalled, derived, extrapolated or a modelling choice: verify before relying on it.
  case unconfirmed
}

/// What kind of source backs a value (the `confidence` column of per-class tables,
/// `parameters.csv` and `prices.csv`), from strongest to weakest.
///
/// Source: issue 13 (levels normative standard / national synthesis / regional study /
/// international default / placeholder); GEP-METHODS §0, §7.1. Migration of the former words:
/// `confirmed` with a national or empty region → `national_synthesis`, `confirmed` with a named
/// region → `regional_study`, `unconfirmed` → `placeholder` (coefficients/README.md).
public enum ValueConfidence: String, Sendable, Codable, CaseIterable, Comparable {
  /// A number printed in a national or sector standard or specification (规范, GB/T, LY/T, DB).
  case normativeStandard = "normative_standard"
  /// A national-scale synthesis or widely cited national study (China-wide tables).
  case nationalSynthesis = "national_synthesis"
  /// A study of one region, site or year (valid there; elsewhere an out-of-region value).
  case regionalStudy = "regional_study"
  /// An international default with its range (e.g. IPCC 2006 vol. 4 Tier 1 tables).
  case internationalDefault = "international_default"
  /// A stand-in: recalled, derived, extrapolated or a modelling choice — replace before use.
  case placeholder

  /// Order of strength (normative standard first).
  public static func < (lhs: Self, rhs: Self) -> Bool {
    let order = Self.allCases
    return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
  }
}

/// Provenance carried by every value row: source, confidence, region, year and note.
///
/// Source: GEP-METHODS §7.1, §12.2 ("every coefficient/price must carry unit, basis, year,
/// region and source").
public struct CoefficientProvenance: Sendable, Hashable, Codable {
  /// Citation: a GEP-METHODS section with [S#] keys, or a full reference.
  public var source: String
  /// Confirmed or unconfirmed, for crosswalk and profile rows; `nil` for value rows or if the
  /// cell was invalid.
  public var confidence: CoefficientConfidence?
  /// Region the value was derived for ("" if general).
  public var region: String
  /// Reference year of the value, if given.
  public var year: Int?
  /// Free text; for an empty value it says why (e.g. "no source found").
  public var note: String
  /// File and 1-based line the row came from.
  public var location: CoefficientLocation
  /// Source level of a value row (per-class tables, parameters, prices); `nil` for crosswalk and
  /// profile rows or if the cell was invalid.
  public var valueConfidence: ValueConfidence? = nil
}

/// An ecosystem class (生态系统类型), level 1 or 2. GEP-METHODS §3.2.
public struct EcosystemClass: Sendable, Hashable, Codable {
  /// Integer code (level 1: 1…8; level 2: parent × 100 + n), like InVEST `lucode`.
  public var code: Int
  /// 1 or 2.
  public var level: Int
  /// Level-1 parent code for level-2 classes.
  public var parentCode: Int?
  /// English name.
  public var nameEN: String
  /// Chinese name.
  public var nameZH: String
  /// Citation.
  public var source: String
}

/// One row of a crosswalk: a land-cover code of some scheme → an ecosystem class.
public struct CrosswalkEntry: Sendable, Hashable, Codable {
  /// Code in the land-cover product (raster value).
  public var lulcCode: Int
  /// Name in the product legend.
  public var lulcName: String
  /// Target ecosystem class code; `nil` = outside the account (e.g. sea), documented in `note`.
  public var ecosystemClass: Int?
  /// Provenance of the mapping.
  public var provenance: CoefficientProvenance
}

/// A land-cover scheme's crosswalk to ecosystem classes (`crosswalk_<scheme>.csv`).
/// GEP-METHODS §3.2 ("implementations need a mapping table from the input land-cover product").
public struct Crosswalk: Sendable, Hashable, Codable {
  /// Scheme id: the file name without `crosswalk_` and `.csv` (e.g. `clcd`, `swat`).
  public var scheme: String
  /// File name.
  public var file: String
  /// Entries in file order.
  public var entries: [CrosswalkEntry]

  /// The ecosystem class of a land-cover code, or `nil` if unmapped/outside the account.
  public func ecosystemClass(of lulcCode: Int) -> Int? {
    entries.first { $0.lulcCode == lulcCode }?.ecosystemClass
  }
}

/// A range condition on a per-class value, e.g. `slope_deg:2-5` (bounds inclusive; the first
/// matching row in file order wins). GEP-METHODS §11.3 (cropland P by slope).
public struct CoefficientCondition: Sendable, Hashable, Codable, CustomStringConvertible {
  /// Variable name (`slope_deg`: terrain slope in degrees).
  public var variable: String
  /// Lower bound (inclusive).
  public var lower: Double
  /// Upper bound (inclusive).
  public var upper: Double

  /// Parses `variable:LOW-HIGH`; `nil` if malformed, unknown variable or LOW ≥ HIGH.
  public init?(parsing text: String) {
    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
    guard parts.count == 2, let allowed = CoefficientSchema.conditionVariables[parts[0]] else {
      return nil
    }
    let bounds = parts[1].split(separator: "-", maxSplits: 1).map(String.init)
    guard bounds.count == 2, let low = PlainDecimal.parse(bounds[0]),
      let high = PlainDecimal.parse(bounds[1]),
      low < high, allowed.contains(low), allowed.contains(high)
    else { return nil }
    variable = parts[0]
    lower = low
    upper = high
  }

  /// True if `x` lies in `[lower, upper]`.
  public func contains(_ x: Double) -> Bool { x >= lower && x <= upper }

  /// `variable:lower-upper`.
  public var description: String {
    "\(variable):\(coefficientNumberText(lower))-\(coefficientNumberText(upper))"
  }
}

/// One value of a per-class table: (class, parameter[, condition]) → value with unit.
public struct ClassCoefficient: Sendable, Hashable, Codable {
  /// Ecosystem class code.
  public var classCode: Int
  /// Parameter id (e.g. `alpha`, `usle_p`, `applies`).
  public var parameter: String
  /// The value in `unit`; `nil` when the cell is empty (gap documented in `provenance.note`)
  /// or invalid.
  public var value: Double?
  /// Lower end of the published range or stated uncertainty (`low` column), same unit.
  public var low: Double? = nil
  /// Upper end of the published range or stated uncertainty (`high` column), same unit.
  public var high: Double? = nil
  /// Unit symbol (see `CoefficientUnits`).
  public var unit: String
  /// Optional range condition (e.g. slope).
  public var condition: CoefficientCondition?
  /// Source, confidence, region, year, note, file/line.
  public var provenance: CoefficientProvenance
}

/// A per-class coefficient table (long format: one value per row). GEP-METHODS §11, §12.2.
public struct ClassCoefficientTable: Sendable, Hashable, Codable {
  /// Table name (file name without `.csv`), e.g. `runoff_coefficient`.
  public var name: String
  /// Rows in file order.
  public var rows: [ClassCoefficient]

  /// Rows for exactly this class and parameter (no parent fallback), in file order.
  public func rows(classCode: Int, parameter: String) -> [ClassCoefficient] {
    rows.filter { $0.classCode == classCode && $0.parameter == parameter }
  }
}

/// A scalar parameter of `parameters.csv` (λ, bulk densities, EER …). GEP-METHODS §7.3.
public struct ScalarParameter: Sendable, Hashable, Codable {
  /// Parameter id.
  public var id: String
  /// Indicator that uses it.
  public var indicatorID: String
  /// Value in `unit`; `nil` when empty (documented gap) or invalid.
  public var value: Double?
  /// Lower end of the published range or stated uncertainty, same unit.
  public var low: Double? = nil
  /// Upper end of the published range or stated uncertainty, same unit.
  public var high: Double? = nil
  /// Unit symbol.
  public var unit: String
  /// Provenance.
  public var provenance: CoefficientProvenance
}

/// A unit price of `prices.csv`. GEP-METHODS §7 (value, unit with basis, year, region, source).
public struct PriceEntry: Sendable, Hashable, Codable {
  /// Price id referenced by `profile.csv`.
  public var id: String
  /// Indicator the price belongs to.
  public var indicatorID: String
  /// What is priced (pollutant, product, work).
  public var item: String
  /// Price in `currency` per physical unit of `unit`; `nil` when empty or invalid.
  public var value: Double?
  /// Lower end of the published range, same unit and price year.
  public var low: Double? = nil
  /// Upper end of the published range, same unit and price year.
  public var high: Double? = nil
  /// Id of the price-index series (`price_index.csv`) that brings this price to another year;
  /// empty = the manifest's `price_index` default.
  public var priceIndex: String = ""
  /// Price unit, e.g. `yuan/m3`, `yuan/tC` (per tonne carbon) or `yuan/tCO2`.
  public var unit: String
  /// ISO currency code (`CNY`).
  public var currency: String
  /// Price year (nominal prices of that year), if known.
  public var priceYear: Int?
  /// How the price was derived (shadow engineering, fee basis …).
  public var basis: String
  /// Provenance (region, source, confidence, note).
  public var provenance: CoefficientProvenance
}

/// One indicator of a standard profile with its method switch and required inputs.
/// GEP-METHODS §2, §12.1 (indicator registry).
public struct ProfileIndicator: Sendable, Hashable, Codable {
  /// Indicator id, e.g. `water_conservation`.
  public var id: String
  /// English name.
  public var nameEN: String
  /// Chinese name (二级指标).
  public var nameZH: String
  /// Material, regulating or cultural; `nil` if the cell was invalid.
  public var category: IndicatorCategory?
  /// Selected method (e.g. `water_balance`, `rusle_cp`, `sequestration_rate`).
  public var method: String
  /// Allowed methods for this indicator.
  public var methodOptions: [String]
  /// Unit of the physical quantity (实物量), e.g. `m3/a`.
  public var physicalUnit: String
  /// Unit of the value (价值量): `yuan/a`.
  public var valueUnit: String
  /// Raster/vector inputs the method needs (names, e.g. `precipitation`).
  public var requiredSpatial: [String]
  /// Statistical input tables the method needs (names, e.g. `air_emissions`).
  public var requiredTables: [String]
  /// Per-class parameters needed, each a list of alternatives `table.parameter`
  /// (any one alternative satisfies the requirement for a class).
  public var classParameters: [[ClassParameterReference]]
  /// Scalar parameter ids from `parameters.csv`.
  public var parameters: [String]
  /// Price ids from `prices.csv`.
  public var priceIDs: [String]
  /// True when prices come with the statistical input (market value, travel cost …).
  public var pricesFromInput: Bool
  /// True for indicators that only apply to some regions or are optional in the spec.
  public var optional: Bool
  /// Provenance of the row.
  public var provenance: CoefficientProvenance
}

/// A `table.parameter` reference from `profile.csv` `class_parameters`.
public struct ClassParameterReference: Sendable, Hashable, Codable, CustomStringConvertible {
  /// Per-class table name.
  public var table: String
  /// Parameter id in that table.
  public var parameter: String
  /// `table.parameter`.
  public var description: String { "\(table).\(parameter)" }
}

/// A standard profile (national 2022, GB/T 46869, provincial …): its indicator list.
/// GEP-METHODS §2.2 ("the indicator list must be configurable per standard profile").
public struct StandardProfile: Sendable, Hashable, Codable {
  /// Profile id, e.g. `national-2022` (manifest `profile_id`, else the folder name).
  public var id: String
  /// Display name (manifest `name`).
  public var name: String
  /// Chinese name (manifest `name_zh`).
  public var nameZH: String
  /// Indicators in file order.
  public var indicators: [ProfileIndicator]

  /// The indicator with this id, or `nil`.
  public func indicator(_ id: String) -> ProfileIndicator? { indicators.first { $0.id == id } }

  /// Indicators of one category, in file order.
  public func indicators(in category: IndicatorCategory) -> [ProfileIndicator] {
    indicators.filter { $0.category == category }
  }
}

/// Result of looking up a per-class value with level-2 → level-1 fallback.
public enum ClassCoefficientLookup: Sendable, Hashable {
  /// A value was found (in the row's unit).
  case value(Double, ClassCoefficient)
  /// The class (or its parent) is masked out with `applies = 0`: the indicator is not computed.
  case notApplicable(ClassCoefficient)
  /// A row exists but its value is empty (documented gap) — or no matching condition.
  case empty(ClassCoefficient)
  /// No row for the class or its parent.
  case missing
}

/// Shortest text for a number: integral values without a decimal point (`2`, not `2.0`).
func coefficientNumberText(_ x: Double) -> String {
  if x.rounded() == x, abs(x) < 1e15 { return String(Int(x)) }
  return String(x)
}
