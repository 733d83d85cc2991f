import Foundation
import Testing

@testable import GEPCore

/// `coefficients/<name>` of this repository (found from this file, then from the cwd).
private func shippedCoefficientsDirectory(_ name: String) throws -> URL {
  let here = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
  let root = here.deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  let candidate = root.appendingPathComponent("coefficients").appendingPathComponent(name)
  if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("profile.csv").path) {
    return candidate
  }
  return try #require(CoefficientSet.defaultDirectory(profile: name))
}

/// Key of a per-class row: class, parameter, condition (as written).
private struct ClassRowKey: Hashable {
  var table: String
  var classCode: Int
  var parameter: String
  var condition: String
}

/// The example-literature set (coefficients/example-literature): national-2022 plus cited
/// literature example values (README of that folder). Not an official coefficient set.
@Suite("example-literature coefficient set")
struct ExampleCoefficientsTests {
  @Test("loads and checks with no errors")
  func loadsWithoutErrors() throws {
    let folder = try shippedCoefficientsDirectory("example-literature")
    let result = CoefficientSet.check(directory: folder)
    #expect(result.errors.isEmpty, "\(result.errors.map(\.description))")
    let set = try CoefficientSet.load(from: folder)
    #expect(set.manifest["profile_id"] == "example-literature")
    #expect(set.manifest["name"]?.contains("NOT an official") == true)
  }

  /// Documented example values as seen through the CLCD crosswalk (CLCD code → class → value).
  @Test(
    "CLCD classes resolve to the documented example values",
    arguments: [
      // (CLCD code, expected ecosystem class, table, parameter, documented value)
      (2, 1, "runoff_coefficient", "alpha", 5.91),
      (2, 1, "air_purification", "so2", 152.125),
      (3, 2, "runoff_coefficient", "alpha", 7.95),
      (4, 3, "runoff_coefficient", "alpha", 6.84),
      (5, 4, "runoff_coefficient", "alpha", 0.0),
    ])
  func clcdLookups(
    clcd: Int, ecosystemClass: Int, table: String, parameter: String, expected: Double
  ) throws {
    let set = try CoefficientSet.load(
      from: try shippedCoefficientsDirectory("example-literature"))
    let code = try #require(set.ecosystemClass(lulcCode: clcd, scheme: "clcd"))
    #expect(code == ecosystemClass)
    guard
      case .value(let value, let row) = set.classCoefficient(
        table: table, parameter: parameter, classCode: code)
    else {
      Issue.record("\(table).\(parameter) of CLCD \(clcd) (class \(code)) has no value")
      return
    }
    #expect(abs(value - expected) < 1e-9)
    #expect(row.provenance.valueConfidence == .placeholder)
    #expect(row.provenance.note.contains("example"))
    #expect(!row.provenance.source.isEmpty)
    #expect(set.lulcLookup(table: table, parameter: parameter, scheme: "clcd")[clcd] == value)
  }

  /// Gaps that no source fills stay documented gaps (no invented numbers).
  @Test("unsourced gaps stay empty")
  func unsourcedGapsStayEmpty() throws {
    let set = try CoefficientSet.load(
      from: try shippedCoefficientsDirectory("example-literature"))
    // CLCD 1 cropland → farmland (5): no runoff alpha and no sequestration rate found.
    let farmland = try #require(set.ecosystemClass(lulcCode: 1, scheme: "clcd"))
    #expect(farmland == 5)
    for (table, parameter) in [
      ("runoff_coefficient", "alpha"), ("carbon_sequestration", "rate"),
      ("air_purification", "so2"),
    ] {
      if case .value(let v, _) = set.classCoefficient(
        table: table, parameter: parameter, classCode: farmland)
      {
        Issue.record("\(table).\(parameter) of farmland unexpectedly has value \(v)")
      }
    }
    #expect(set.parameterValue("cooling_days") == nil)
    #expect(set.parameters["cooling_days"]?.provenance.note.contains("no source found") == true)
    #expect(set.priceValue("carbon_price_ets") == 55.30)
  }

  /// Every value that differs from national-2022 carries a source and an "example" note.
  @Test("every value differing from national-2022 is sourced and marked as an example")
  func differencesAreDocumented() throws {
    let example = try CoefficientSet.load(
      from: try shippedCoefficientsDirectory("example-literature"))
    let national = try CoefficientSet.load(
      from: try shippedCoefficientsDirectory("national-2022"))

    func classRows(_ set: CoefficientSet) -> [ClassRowKey: ClassCoefficient] {
      var map: [ClassRowKey: ClassCoefficient] = [:]
      for (name, table) in set.classTables {
        for row in table.rows {
          let key = ClassRowKey(
            table: name, classCode: row.classCode, parameter: row.parameter,
            condition: row.condition?.description ?? "")
          if map[key] == nil { map[key] = row }
        }
      }
      return map
    }

    var differing = 0
    let nationalRows = classRows(national)
    for (key, row) in classRows(example) {
      guard let value = row.value, nationalRows[key]?.value != value else { continue }
      differing += 1
      let what = "\(key.table) \(key.parameter) class \(key.classCode)"
      #expect(!row.provenance.source.isEmpty, "\(what): empty source")
      #expect(row.provenance.note.contains("example"), "\(what): note lacks 'example'")
      #expect(row.provenance.valueConfidence == .placeholder, "\(what): not placeholder")
    }
    for (id, parameter) in example.parameters {
      guard let value = parameter.value, national.parameters[id]?.value != value else { continue }
      differing += 1
      #expect(!parameter.provenance.source.isEmpty, "parameter \(id): empty source")
      #expect(parameter.provenance.note.contains("example"), "parameter \(id): note")
    }
    for (id, price) in example.prices {
      guard let value = price.value, national.prices[id]?.value != value else { continue }
      differing += 1
      #expect(!price.provenance.source.isEmpty, "price \(id): empty source")
      #expect(price.provenance.note.contains("example"), "price \(id): note")
      #expect(price.priceYear != nil, "price \(id): no price year")
    }
    // 6 runoff alpha + 5 SO2 capacities + 1 ETS price (README table of the folder).
    #expect(differing == 12)
  }
}
