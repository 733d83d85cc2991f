/// The three GEP account categories an indicator belongs to.
///
/// GEP = material products + regulating services + cultural services
/// (GEP-METHODS §1, §9; [S1] NDRC/NBS 2022 trial spec; GB/T 46869—2025).
/// - `material`: 物质产品 (provisioning products: agriculture, forestry, fishery, water …).
/// - `regulating`: 调节服务 (water conservation, soil conservation, carbon …).
/// - `cultural`: 文化服务 (recreation / tourism, landscape value).
public enum IndicatorCategory: String, Sendable, CaseIterable, Codable {
  case material, regulating, cultural
}
