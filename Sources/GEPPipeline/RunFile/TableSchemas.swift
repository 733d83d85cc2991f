/// The schemas of the run file's input tables (`[tables.<role>]` and `[units] names`): the one
/// definition that validation checks and the stages that read the tables use
/// (`readTable(_:diagnostics:)`). Source: docs/run-file.md (tables), GEP-METHODS §4, §5.5–§5.7,
/// §6.1.
///
/// Table roles: required columns, optional ones, numeric ones and the key.
struct TableSpec {
  var required: [String]
  var optional: [String]
  var numeric: [String]
  var key: [String]
  /// Needs `unit_code` or `lon` and `lat`.
  var located = false
  /// A repeated key is an error (else a warning: the rows are added).
  var duplicateIsError = true
  /// Optional columns that a row fills together or not at all (a time cost needs both the
  /// travel time and the wage).
  var together: [[String]] = []

  static func of(_ role: String) -> TableSpec {
    switch role {
    case "material_products":
      return TableSpec(
        required: ["unit_code", "sector", "output_value_yuan", "allocate_to"],
        optional: ["source", "name", "note", "intermediate_consumption_yuan"],
        numeric: ["output_value_yuan", "intermediate_consumption_yuan"],
        key: ["unit_code", "sector", "allocate_to"], duplicateIsError: false)
    case "gdp_population":
      return TableSpec(
        required: ["unit_code", "gdp_yuan"], optional: ["year", "population", "source", "name"],
        numeric: ["gdp_yuan", "population", "year"], key: ["unit_code", "year"])
    case "tourism":
      return TableSpec(
        required: ["visits", "travel_cost_per_visit_yuan"],
        optional: [
          "unit_code", "lon", "lat", "name", "source", "note", "travel_time_days",
          "daily_wage_yuan", "consumer_surplus_per_visit_yuan",
        ],
        numeric: [
          "visits", "travel_cost_per_visit_yuan", "travel_time_days", "daily_wage_yuan",
          "consumer_surplus_per_visit_yuan",
        ], key: [], located: true, together: [["travel_time_days", "daily_wage_yuan"]])
    case "property_prices":
      return TableSpec(
        required: ["benefiting_area_m2", "premium_yuan_per_m2_per_year"],
        optional: ["unit_code", "lon", "lat", "name", "source", "note"],
        numeric: ["benefiting_area_m2", "premium_yuan_per_m2_per_year"], key: [], located: true)
    case "reservoirs":
      return TableSpec(
        required: ["capacity_m3"], optional: ["unit_code", "lon", "lat", "name", "source", "note"],
        numeric: ["capacity_m3"], key: [], located: true)
    case "emissions":
      return TableSpec(
        required: ["unit_code", "pollutant", "emission_t"], optional: ["source", "name", "note"],
        numeric: ["emission_t"], key: ["unit_code", "pollutant"])
    case "names":
      return TableSpec(
        required: ["code", "name"], optional: ["level", "parent_code", "source"], numeric: [],
        key: ["code"])
    default:
      return TableSpec(required: [], optional: [], numeric: [], key: [])
    }
  }
}
