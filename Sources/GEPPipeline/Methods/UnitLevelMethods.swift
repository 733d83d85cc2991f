import GEPCore

/// Material products (物质产品) by market value: the reported output value of each sector from
/// the material-products table (`[tables.material_products]`, yuan), allocated down to villages
/// by class area (`allocateMaterialProducts`). One descriptor per profile indicator.
/// Source: GEP-METHODS §2.1, §4.
public let materialMarketValue: [MethodDescriptor] = [
  "agricultural_products", "forestry_products", "animal_husbandry_products",
  "fishery_products", "ecological_energy", "other_material_products",
].map { id in
  MethodDescriptor(
    indicator: id, method: "market_value",
    summary: "reported gross output value (material table)", source: "GEP-METHODS §2.1 §4",
    scope: .unit, tables: ["material_products"])
}

/// Material products (物质产品) by net output (产品净产值): the reported output value less the
/// intermediate consumption of the row (`intermediate_consumption_yuan` of the material-products
/// table), allocated as `materialMarketValue`. The sectors whose profile row offers it.
/// Source: GEP-METHODS §2.1, §4 (GB/T 46869 material products: gross or net as the profile
/// selects).
public let materialNetOutput: [MethodDescriptor] = [
  "agricultural_products", "forestry_products", "animal_husbandry_products",
  "fishery_products",
].map { id in
  MethodDescriptor(
    indicator: id, method: "net_output_value",
    summary: "reported output value less intermediate consumption (material table)",
    source: "GEP-METHODS §2.1 §4", scope: .unit, tables: ["material_products"])
}

/// Recreation and tourism (休闲旅游) by travel cost: visits × (direct cost + time cost +
/// consumer surplus) per visit from the tourism table (`[tables.tourism]`, by unit code or by
/// point); time cost = travel_time_days × daily_wage_yuan × `time_value_share`.
/// Source: GEP-METHODS §6.1 [S1] [S4].
public let recreationTravelCost = MethodDescriptor(
  indicator: "recreation", method: "travel_cost",
  summary: "visits × (travel cost + time cost + consumer surplus) per visit (tourism table, §6.1)",
  source: "GEP-METHODS §6.1 [S1] [S4]", scope: .unit,
  parameters: [ParameterRead("time_value_share", unit: "fraction")], tables: ["tourism"])

/// Landscape value (景观价值) by hedonic pricing: the floor area benefiting from an ecological
/// landscape × its annual price premium per m², from the property table
/// (`[tables.property_prices]`, by unit code or by point). Source: GEP-METHODS §6.2 (formula
/// UNCONFIRMED in the national text; hedonic pricing as in Zhejiang's optional indicator [S15]).
public let landscapeHedonic = MethodDescriptor(
  indicator: "landscape_value", method: "hedonic",
  summary: "benefiting floor area × annual premium per m² (property_prices table, §6.2)",
  source: "GEP-METHODS §6.2 [S15]", scope: .unit, tables: ["property_prices"])
