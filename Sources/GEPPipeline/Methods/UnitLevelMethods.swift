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

/// Recreation and tourism (休闲旅游) by travel cost: visits × travel cost per visit from the
/// tourism table (`[tables.tourism]`, by unit code or by point). Source: GEP-METHODS §6.1 [S1]
/// [S4].
public let recreationTravelCost = MethodDescriptor(
  indicator: "recreation", method: "travel_cost",
  summary: "visits × travel cost per visit (tourism table, §6.1)",
  source: "GEP-METHODS §6.1 [S1] [S4]", scope: .unit, tables: ["tourism"])
