import Foundation
import Testing

@testable import GEPCore

/// The shipped national-2022 coefficient folder (found from this file, then from the cwd).
private func nationalCoefficientsDirectory() throws -> URL {
  let here = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
  let root = here.deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  let candidate = root.appendingPathComponent("coefficients/national-2022")
  if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("profile.csv").path) {
    return candidate
  }
  return try #require(CoefficientSet.defaultDirectory())
}

/// A scratch copy of the national folder in a fresh temporary directory.
private func copyOfNationalCoefficients() throws -> URL {
  let source = try nationalCoefficientsDirectory()
  let target = FileManager.default.temporaryDirectory
    .appendingPathComponent("gep-coef-\(UUID().uuidString)")
    .appendingPathComponent("national-2022")
  try FileManager.default.createDirectory(
    at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
  try FileManager.default.copyItem(at: source, to: target)
  return target
}

/// Rewrites one file of a coefficient folder.
private func editCoefficientFile(_ folder: URL, _ file: String, _ change: (String) -> String) throws
{
  let url = folder.appendingPathComponent(file)
  let text = try String(contentsOf: url, encoding: .utf8)
  try change(text).write(to: url, atomically: true, encoding: .utf8)
}

/// 1-based line number of the first line starting with `prefix`.
private func coefficientLineNumber(of prefix: String, in folder: URL, _ file: String) throws -> Int
{
  let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
  let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
  return try #require(lines.firstIndex { $0.hasPrefix(prefix) }) + 1
}

@Suite("Coefficient folder: national-2022")
struct CoefficientNationalTests {
  @Test("national profile loads and checks without errors")
  func nationalChecksClean() throws {
    let result = CoefficientSet.check(directory: try nationalCoefficientsDirectory())
    #expect(result.errors.isEmpty, "\(result.errors.map(\.description).joined(separator: "\n"))")
    // Every warning is a documented gap (empty value with a note), never an unknown name.
    #expect(result.warnings.allSatisfy { $0.code == .valueMissingDocumented })
    let set = try CoefficientSet.load(from: try nationalCoefficientsDirectory())
    #expect(set.profile.id == "national-2022")
    #expect(set.profile.indicators.count == 17)
    #expect(set.profile.indicators(in: .material).count == 6)
    #expect(set.profile.indicators(in: .regulating).count == 9)
    #expect(set.profile.indicators(in: .cultural).count == 2)
    #expect(set.profile.indicator("soil_conservation")?.method == "rusle_cp")
    #expect(
      Set(set.crosswalks.keys) == [
        "clcd", "cnlucc", "esa_worldcover", "gbt21010", "globeland30", "swat",
      ])
  }

  @Test("lookups: level-2 value, parent fallback, slope condition, mask, gap")
  func lookups() throws {
    let set = try CoefficientSet.load(from: try nationalCoefficientsDirectory())
    // §11.1 [S2]: evergreen broadleaf forest α = 4.65 %.
    guard
      case .value(let alpha, let row) = set.classCoefficient(
        table: "runoff_coefficient", parameter: "alpha", classCode: 101)
    else {
      Issue.record("no alpha for 101")
      return
    }
    #expect(alpha == 4.65)
    #expect(row.unit == "percent")
    #expect(row.provenance.valueConfidence == .nationalSynthesis)
    // SWAT FRSE (8) → 102 evergreen needleleaf, α = 4.52 %.
    let swat = set.lulcLookup(table: "runoff_coefficient", parameter: "alpha", scheme: "swat")
    #expect(swat[8] == 4.52)
    #expect(swat[18] == nil)  // water of unknown type: documented gap
    // Paddy (501) inherits the farmland slope bins of [S7]: 2–5° → P = 0.5.
    guard
      case .value(let p, _) = set.classCoefficient(
        table: "rusle", parameter: "usle_p", classCode: 501, slopeDegrees: 3)
    else {
      Issue.record("no P for 501")
      return
    }
    #expect(p == 0.5)
    // Reservoirs are masked for RUSLE through wetland's applies = 0.
    guard
      case .notApplicable = set.classCoefficient(
        table: "rusle", parameter: "usle_p", classCode: 404)
    else {
      Issue.record("404 not masked")
      return
    }
    // CLCD forest (level 1) has no α in [S2]: an empty, documented row.
    guard
      case .empty(let gap) = set.classCoefficient(
        table: "runoff_coefficient", parameter: "alpha", classCode: 1)
    else {
      Issue.record("class 1 should be a documented gap")
      return
    }
    #expect(gap.provenance.note.contains("no source found"))
    #expect(set.priceValue("electricity_price") == 0.53)
    #expect(set.prices["carbon_afforestation_cost"]?.unit == "yuan/tC")
    #expect(set.parameterValue("sediment_deposition_ratio") == 0.24)
  }
}

@Suite("Coefficient checker on a broken copy")
struct CoefficientBrokenCopyTests {
  @Test("reports every problem with file, line, column and value")
  func brokenCopy() throws {
    let folder = try copyOfNationalCoefficients()
    defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
    // 1. A non-numeric value.
    try editCoefficientFile(folder, "runoff_coefficient.csv") {
      $0.replacingOccurrences(
        of: "101,Evergreen broadleaf forest,alpha,4.65,",
        with: "101,Evergreen broadleaf forest,alpha,4.6x5,")
    }
    // 2. A duplicate class (appended after the 37 lines of ecosystem_classes.csv).
    try editCoefficientFile(folder, "ecosystem_classes.csv") {
      $0 + "101,2,1,Duplicate forest,重复,test,\n"
    }
    // 3. A class missing from a table: grassland's P row removed.
    try editCoefficientFile(folder, "rusle.csv") {
      $0.split(separator: "\n").filter { !$0.hasPrefix("3,Grassland,usle_p") }
        .joined(separator: "\n") + "\n"
    }
    // 4. A missing price.
    try editCoefficientFile(folder, "prices.csv") {
      $0.split(separator: "\n").filter { !$0.hasPrefix("so2_treatment_cost,") }
        .joined(separator: "\n") + "\n"
    }
    // 5. An unknown unit.
    try editCoefficientFile(folder, "prices.csv") {
      $0.replacingOccurrences(
        of: "reservoir dredging,15.58,,,yuan/m3,", with: "reservoir dredging,15.58,,,yuan/furlong,")
    }

    let result = CoefficientSet.check(directory: folder)
    func find(_ code: CoefficientProblemCode, _ file: String) throws -> CoefficientProblem {
      try #require(result.problems.first { $0.code == code && $0.location.file == file })
    }

    let notNumeric = try find(.valueNotNumeric, "runoff_coefficient.csv")
    #expect(notNumeric.severity == .error)
    #expect(
      notNumeric.location
        == CoefficientLocation(
          file: "runoff_coefficient.csv",
          row: try coefficientLineNumber(of: "101,", in: folder, "runoff_coefficient.csv"),
          column: "value", value: "4.6x5"))
    #expect(notNumeric.location.row == 3)
    #expect(
      notNumeric.message == "runoff_coefficient alpha of class 101 must be a plain decimal number")

    let duplicate = try find(.keyDuplicate, "ecosystem_classes.csv")
    #expect(
      duplicate.location
        == CoefficientLocation(
          file: "ecosystem_classes.csv", row: 38, column: "class_code", value: "101"))
    #expect(duplicate.message == "duplicate key class 101 (first defined on line 3)")

    let uncovered = result.problems.filter { $0.code == .coverageClassMissing }
    #expect(uncovered.map(\.location.value) == ["3", "306"])
    let grass = try #require(uncovered.first)
    #expect(
      grass.location
        == CoefficientLocation(
          file: "rusle.csv", row: nil, column: "class_code", value: "3"))
    #expect(
      grass.message.hasPrefix("class 3 (Grassland), reachable from crosswalk_clcd.csv line 5"))
    #expect(grass.message.hasSuffix("needed by soil_conservation"))

    let price = try find(.priceMissing, "profile.csv")
    #expect(
      price.location
        == CoefficientLocation(
          file: "profile.csv",
          row: try coefficientLineNumber(of: "air_purification,", in: folder, "profile.csv"),
          column: "price_ids", value: "so2_treatment_cost"))
    #expect(price.location.row == 13)
    #expect(
      price.message
        == "air_purification needs price 'so2_treatment_cost', which prices.csv does not define")

    let unit = try find(.unitUnknown, "prices.csv")
    #expect(
      unit.location
        == CoefficientLocation(
          file: "prices.csv",
          row: try coefficientLineNumber(of: "dredging_cost,", in: folder, "prices.csv"),
          column: "unit", value: "yuan/furlong"))
    #expect(unit.message.hasPrefix("unit 'yuan/furlong' is not recognised (allowed: yuan/hm2"))

    // Exactly these errors, all found in one pass.
    #expect(result.errors.count == 6)
    #expect(result.errors.first?.severity == .error)

    // load(from:) throws the first error with its location, and carries all of them.
    #expect {
      _ = try CoefficientSet.load(from: folder)
    } throws: { error in
      guard let error = error as? CoefficientError else { return false }
      return error.allErrors.count == 6 && error.file == "ecosystem_classes.csv"
        && error.row == 38 && error.column == "class_code" && error.value == "101"
    }
  }

  @Test("a value that is empty without a note is an error; with a note a warning")
  func missingValues() throws {
    let folder = try copyOfNationalCoefficients()
    defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
    try editCoefficientFile(folder, "parameters.csv") {
      $0.replacingOccurrences(
        of:
          "sand_cover_thickness,sand_fixation,0.1,,,m,China,,GEP-METHODS §5.3 [S1],national_synthesis,"
          + "standard sand-cover thickness defining desertified land",
        with:
          "sand_cover_thickness,sand_fixation,,,,m,China,,GEP-METHODS §5.3 [S1],national_synthesis,"
      )
    }
    let result = CoefficientSet.check(directory: folder)
    let missing = try #require(result.errors.first)
    #expect(result.errors.count == 1)
    #expect(missing.code == .valueMissing)
    #expect(
      missing.location
        == CoefficientLocation(
          file: "parameters.csv",
          row: try coefficientLineNumber(of: "sand_cover_thickness", in: folder, "parameters.csv"),
          column: "value", value: ""))
    let documented = try #require(result.warnings.first { $0.location.file == "parameters.csv" })
    #expect(documented.code == .valueMissingDocumented)
    #expect(documented.message.contains("no source found"))
  }
}

@Suite("Coefficient diff and CSV details")
struct CoefficientDiffTests {
  @Test("diff finds a changed value and ignores numeric re-spelling")
  func diffFindsChange() throws {
    let folder = try copyOfNationalCoefficients()
    defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
    try editCoefficientFile(folder, "runoff_coefficient.csv") {
      $0.replacingOccurrences(of: "alpha,4.65,", with: "alpha,5.0,")
        .replacingOccurrences(of: "alpha,4.52,", with: "alpha,4.520,")
    }
    let old = CoefficientSet.check(directory: try nationalCoefficientsDirectory()).set
    let new = CoefficientSet.check(directory: folder).set
    let changes = old.diff(to: new)
    #expect(changes.count == 1)
    let change = try #require(changes.first)
    #expect(change.file == "runoff_coefficient.csv")
    #expect(change.key == "101|alpha|")
    #expect(change.kind == .changed)
    #expect(change.line == 3)
    #expect(change.fields == [.init(column: "value", old: "4.65", new: "5.0")])
    #expect(old.diff(to: old).isEmpty)
  }

  @Test("line numbers count line breaks inside quoted fields; BOM is ignored")
  func csvLineNumbers() {
    let text = "\u{FEFF}a,b\n1,\"two\nlines\"\n\n3,x\n"
    let (table, problems) = CoefficientTable.parse(text, file: "t.csv")
    #expect(problems.isEmpty)
    #expect(table.header == ["a", "b"])
    #expect(table.rows.map(\.line) == [2, 5])
    #expect(table.field(table.rows[0], "b") == "two\nlines")
  }

  @Test(
    "conditions parse and match inclusive bounds",
    arguments: [
      ("slope_deg:2-5", 2.0, true), ("slope_deg:2-5", 5.0, true), ("slope_deg:2-5", 5.1, false),
    ])
  func conditions(text: String, slope: Double, expected: Bool) throws {
    let condition = try #require(CoefficientCondition(parsing: text))
    #expect(condition.contains(slope) == expected)
    #expect(condition.description == text)
  }

  @Test(
    "malformed conditions are rejected", arguments: ["slope:1-2", "slope_deg:5-2", "slope_deg:x"])
  func badConditions(text: String) {
    #expect(CoefficientCondition(parsing: text) == nil)
  }
}
