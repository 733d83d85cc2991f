import GEPCore

/// The methods this version of the engine implements, per profile indicator, with what each
/// computes: the one list that `gep validate`, `gep compute`, `gep vep` and
/// `gep coefficients check` compare a profile against, so that a method the code does not
/// implement is rejected instead of being carried as a label in the outputs.
///
/// Source: the profile's `method` column (GEP-METHODS §4–§6); the implementations are in
/// `CellModel` (per cell), `Account.swift` (material products) and `UnitTables.swift`
/// (recreation, reservoirs, emission capping).
public enum ImplementedMethods {
  /// Indicator id → method id → what is computed.
  public static let all: [String: [String: String]] = [
    "agricultural_products": ["market_value": "reported gross output value (material table)"],
    "forestry_products": ["market_value": "reported gross output value (material table)"],
    "animal_husbandry_products": ["market_value": "reported gross output value (material table)"],
    "fishery_products": ["market_value": "reported gross output value (material table)"],
    "ecological_energy": ["market_value": "reported output value (material table)"],
    "other_material_products": ["market_value": "reported gross output value (material table)"],
    "water_conservation": ["water_balance": "Q = (P − P·α − ET)·A per cell (§5.1)"],
    "soil_conservation": [
      "rusle_cp": "R·K·LS·(1 − C·P), C from FVC (蔡崇法) or, without FVC, the class table (§5.2)",
      "rusle_c": "R·K·LS·(1 − C), no P factor [S3], C as for rusle_cp (§5.2)",
      "rusle_cp_c_table": "R·K·LS·(1 − C·P), C from the class table rusle.usle_c (§5.2)",
    ],
    "carbon_sequestration": ["sequestration_rate": "class rate × area (§5.8)"],
    "climate_regulation": ["et_energy_epp": "EPP by class × cooling days / EER (§5.9)"],
    "air_purification": [
      "capacity_capped": "class capacity × area, capped by the emission table (§5.6)"
    ],
    "water_purification": [
      "capacity_capped": "class capacity × area, capped by the load table (§5.7)"
    ],
    "flood_regulation": [
      "wetland_storage": "marsh detention per cell + reservoirs from their table (§5.5)"
    ],
    "recreation": ["travel_cost": "visits × travel cost per visit (tourism table, §6.1)"],
  ]

  /// The profile's methods compared with `all`: an error for a method not implemented for an
  /// indicator the engine computes by other methods (naming the implemented ones); a warning
  /// for an indicator the engine does not compute by any method (it is reported as not
  /// computed, never as 0).
  ///
  /// - Parameters:
  ///   - profile: the profile of a coefficient folder.
  /// - Returns: the problems, located at `profile.csv`, row of the indicator, column `method`.
  public static func problems(of profile: StandardProfile) -> [CoefficientProblem] {
    var out: [CoefficientProblem] = []
    for p in profile.indicators {
      let loc = CoefficientLocation(
        file: "profile.csv", row: p.provenance.location.row, column: "method", value: p.method)
      guard let methods = all[p.id] else {
        out.append(
          CoefficientProblem(
            .warning, .profileIndicatorNotImplemented,
            "\(p.id) (\(p.nameZH)) is not computed by this version of gep (no method "
              + "implemented); it is reported as not computed",
            at: loc))
        continue
      }
      if methods[p.method] == nil {
        out.append(
          CoefficientProblem(
            .error, .profileMethodNotImplemented,
            "method \(p.method) of \(p.id) is not implemented in this version of gep; "
              + "implemented: " + methods.keys.sorted().joined(separator: ", "),
            at: loc))
      }
    }
    return out
  }
}
