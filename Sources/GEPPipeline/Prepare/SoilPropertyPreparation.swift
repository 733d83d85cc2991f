import Foundation
import GEPCore
import GEPGeo

extension FactorPreparation {
  /// The property-table fields tried for a soil raster role of sand fixation (RWEQ EF and
  /// SCF, GEP-METHODS §5.3), in percent: SWAT/SEIMS names first, then plain names. Organic
  /// matter falls back to organic carbon × 1.724 (`organicMatterPercent(organicCarbonPercent:)`).
  static func soilPropertyFields(_ role: RasterRole) -> (
    fields: [String], organicCarbon: [String]
  ) {
    switch role {
    case .soilSand: return (["SOL_SAND", "sand"], [])
    case .soilSilt: return (["SOL_SILT", "silt"], [])
    case .soilClay: return (["SOL_CLAY", "clay"], [])
    case .soilOrganicMatter:
      return (["SOL_OM", "om", "organic_matter"], ["SOL_CBN", "oc", "organic_carbon"])
    case .soilCaCO3: return (["SOL_CAL", "caco3", "calcium_carbonate"], [])
    default: return ([], [])
    }
  }

  /// One soil property (percent) per soil id of a property table, for a soil raster role:
  /// the `field` given, else the role's default fields (`soilPropertyFields`); organic matter
  /// from organic carbon × 1.724 when the table has no organic-matter field. For multi-layer
  /// cells written "a-b-c" (SEIMS) the layer `layer` (1 = top).
  ///
  /// - Returns: soil id → value (percent), and the field read (with "× 1.724" for carbon).
  /// - Throws: `PrepareError` naming file, line, column and value for a missing field, a
  ///   non-integer soil id, a missing layer or a value outside 0–100 %.
  static func soilPropertyByID(
    properties: String, role: RasterRole, field: String?, layer: Int, idField: String? = nil
  ) throws -> (values: [Int: Double], field: String) {
    let table = try Table(path: properties)
    guard let idI = findField(table, idField, alternatives: ["SEQN", "id", "soil_id", "code"])
    else {
      throw PrepareError(
        "\(properties): no soil id field (SEQN/id/soil_id/code) among "
          + table.fields.joined(separator: ", "))
    }
    let (names, carbonNames) = soilPropertyFields(role)
    var column: Int
    var factor = 1.0
    if let field {
      guard let i = findField(table, field, alternatives: []) else {
        throw PrepareError(
          "\(properties): no field \(field) among " + table.fields.joined(separator: ", "))
      }
      column = i
    } else if let i = findField(table, nil, alternatives: names) {
      column = i
    } else if let i = findField(table, nil, alternatives: carbonNames) {
      column = i
      factor = organicMatterPercent(organicCarbonPercent: 1)
    } else {
      throw PrepareError(
        "\(properties): no \(role.rawValue) field (\((names + carbonNames).joined(separator: "/"))) "
          + "among " + table.fields.joined(separator: ", ") + "; name it with field = \"…\"")
    }
    var out: [Int: Double] = [:]
    for row in table.rows where !row.values[idI].isEmpty {
      guard let id = Int(row.values[idI]) else {
        throw PrepareError(
          "\(properties) line \(row.line), column \(table.fields[idI]): '\(row.values[idI])' "
            + "is not an integer soil id")
      }
      let text = row.values[column]
      let parts = text.split(separator: "-").map(String.init)
      let chosen: String
      if PlainDecimal.parse(text) != nil {
        chosen = text
      } else if layer >= 1, parts.count >= layer {
        chosen = parts[layer - 1]
      } else {
        throw PrepareError(
          "\(properties) line \(row.line), column \(table.fields[column]): '\(text)' has no "
            + "layer \(layer)")
      }
      let v =
        try parseNumber(chosen, path: properties, line: row.line, column: table.fields[column])
        * factor
      guard (0...100).contains(v) else {
        throw PrepareError(
          "\(properties) line \(row.line), column \(table.fields[column]): \(v) % is outside "
            + "0–100 (g/kg? divide by 10)")
      }
      out[id] = v
    }
    return (out, table.fields[column] + (factor == 1 ? "" : " × 1.724"))
  }

  /// A soil raster of sand fixation (`soil_sand`, `soil_silt`, `soil_clay`,
  /// `soil_organic_matter`, `soil_caco3`; percent) from a soil map and its property table, on
  /// the soil map's grid; soil ids missing from the table become nodata (named in the notes).
  /// GEP-METHODS §5.3 (EF, SCF inputs).
  ///
  /// - Throws: `PrepareError` (see `soilPropertyByID`), `GDALError`.
  public static func soilProperty(
    soilMap: String, properties: String, role: RasterRole, field: String?, out: String,
    options: SoilPropertyOptions = .init()
  ) throws -> FactorSummary {
    let map = try load(soilMap, crs: try options.crs.map { try SpatialReference(definition: $0) })
    let (byID, used) = try soilPropertyByID(
      properties: properties, role: role, field: field, layer: options.layer,
      idField: options.idField)
    var unknown: [Int: Int] = [:]
    var values = [Double](repeating: .nan, count: map.values.count)
    for i in 0..<values.count where map.valid[i] {
      let id = Int(map.values[i].rounded())
      if let v = byID[id] { values[i] = v } else { unknown[id, default: 0] += 1 }
    }
    let notes = unknown.keys.sorted().map {
      "soil id \($0) (\(unknown[$0]!) cells) is not in \(properties): nodata"
    }
    return try write(
      values, grid: map.grid, to: out, name: "\(role.rawValue) (\(used), layer \(options.layer))",
      unit: "percent", notes: notes)
  }
}
