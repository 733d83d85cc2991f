import Foundation

/// Which statistical output value stands for the material-product (物质产品) account.
///
/// GEP-METHODS §4: whether the national spec prescribes gross output value, gross output minus
/// the agriculture/forestry/animal-husbandry/fishery service activities (农林牧渔专业及辅助性活动),
/// or net output value is UNCONFIRMED. Ganzi 2010 used net output value (农林牧渔净产值) [S1].
/// There is deliberately no default: a profile must choose, and the run must record the choice.
public enum MaterialOutputBasis: String, Sendable, CaseIterable, Codable {
  /// 总产值: gross output value as reported.
  case grossOutput
  /// 总产值 − 农林牧渔专业及辅助性活动: gross output value minus supporting service activities.
  case grossOutputExcludingServices
  /// 净产值: gross output value minus intermediate consumption (中间消耗).
  case netOutput
}

/// Value of one material product (物质产品价值) by the market value method (市场价值法).
///
///     V_i = E_i × P_i
///
/// - Parameters:
///   - quantity: E_i, output of product i in the accounting year, in the product's own unit
///     (t, m³, head, kWh, pieces …).
///   - unitPrice: P_i, market (farm-gate / ex-factory) price of product i, 元 per that same unit.
/// - Returns: 元/a. Sum over products for V_m = Σ_i E_i × P_i.
/// - Note: GEP-METHODS §4; form CONFIRMED by Ganzi's water-supply and hydropower items
///   (V_p = Σ Q_pi × P_pi) [S1]. Also used for water supply (水资源) and ecological energy
///   (生态能源, e.g. 95.3 亿 kWh × 0.53 元/kWh = 50.51 亿元 [S1]).
@inlinable
public func materialProductValue(quantity: Double, unitPrice: Double) -> Double {
  quantity * unitPrice
}

/// Material-product value taken from reported output-value statistics (产值), on a chosen basis.
///
///     grossOutput                   : V = G
///     grossOutputExcludingServices  : V = G − S
///     netOutput                     : V = G − I
///
/// - Parameters:
///   - grossOutputValue: G, gross output value (总产值) of agriculture, forestry, animal husbandry
///     and fishery (or one of them), 元/a.
///   - supportingServicesValue: S, output value of 农林牧渔专业及辅助性活动 included in G, 元/a.
///     Used only by `.grossOutputExcludingServices`.
///   - intermediateConsumption: I, intermediate consumption (中间消耗), 元/a. Used only by
///     `.netOutput`.
///   - basis: which of the three definitions to use (no default; see `MaterialOutputBasis`).
/// - Returns: 元/a.
/// - Note: GEP-METHODS §4 (basis UNCONFIRMED in the national spec; Ganzi used net output [S1]).
///   Under GB/T 46869 the value of products originating outside the region is deducted at the
///   total level, see `grossEcosystemProduct(material:regulating:cultural:outsideOriginDeduction:)`.
@inlinable
public func materialOutputValue(
  grossOutputValue: Double, supportingServicesValue: Double, intermediateConsumption: Double,
  basis: MaterialOutputBasis
) -> Double {
  switch basis {
  case .grossOutput: grossOutputValue
  case .grossOutputExcludingServices: grossOutputValue - supportingServicesValue
  case .netOutput: grossOutputValue - intermediateConsumption
  }
}
