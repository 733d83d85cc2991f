import Foundation
import GEPCore
import Testing

@testable import GEPPipeline

/// The run file's `[not_applicable]`: indicators of the profile that do not apply to the
/// region (no coastline, no wind erosion) are reported `not_applicable` with the reason —
/// never as 0, never as "not computed" — and do not make the account incomplete.
@Suite struct RegionNotApplicableTests {
  /// The water-balance grid (20 × 10 forest cells, one village) with coastal protection (not
  /// implemented) and water conservation (computed otherwise) declared not applicable.
  @Test func declaredIndicatorsAreNotApplicableWithTheirReason() throws {
    let folder = try tempFolder("region-na")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try SyntheticRun.waterBalance().write(to: folder)
    try appendRunFile(
      folder,
      "[not_applicable]\ncoastal_protection = \"inland county: no coastline\"\n"
        + "water_conservation = \"test: declared\"")
    // Validation: no "not implemented" warning for the declared coastal protection.
    let problems = validate(runFile: runFile)
    #expect(
      !problems.contains {
        $0.code == "indicator.not-implemented" && $0.message.hasPrefix("coastal_protection")
      })
    // Sand fixation is not declared: its missing inputs are still named.
    #expect(
      problems.contains {
        $0.code == "indicator.missing-input" && $0.message.hasPrefix("sand_fixation")
      })
    let result = try compute(runFile, out: folder.appendingPathComponent("out"))
    let lines = try readCSV(folder.appendingPathComponent("out/indicators.csv").path)
    for code in ["520621001001", "520621001000", "520621000000"] {
      let coast = try #require(
        lines.first { $0["code"] == code && $0["indicator"] == "coastal_protection" })
      #expect(coast["status"] == "not_applicable")
      #expect(coast["physical_quantity"] == "" && coast["value_yuan"] == "")
      #expect(coast["price_and_source"]?.contains("inland county: no coastline") == true)
      #expect(coast["not_applicable_share"] == "1")
      let water = try #require(
        lines.first { $0["code"] == code && $0["indicator"] == "water_conservation" })
      #expect(water["status"] == "not_applicable" && water["value_yuan"] == "")
    }
    // Water conservation was not bound: no per-cell channel of it.
    #expect(
      !result.account.units.contains { u in
        u.lines.contains { $0.indicator == "water_conservation" && $0.quantity != nil }
      })
    let summary = try readCSV(folder.appendingPathComponent("out/summary.csv").path)
    let county = try #require(summary.first { $0["code"] == "520621000000" })
    #expect(county["not_computed"]?.contains("coastal_protection") == false)
    #expect(county["not_computed"]?.contains("water_conservation") == false)
    let manifest = try String(
      contentsOf: folder.appendingPathComponent("out/manifest.json"), encoding: .utf8)
    #expect(
      manifest.contains("\"not_applicable.coastal_protection\": \"inland county: no coastline\""))
    // The console names them.
    let countyAccount = try #require(result.account.units.first { $0.unit.code == "520621000000" })
    #expect(countyAccount.indicatorStatus("coastal_protection") == .notApplicable)
  }

  /// An id the profile lacks is an error naming the nearest id; an empty reason is an error.
  @Test func unknownIdsAndEmptyReasonsAreRejected() throws {
    let folder = try tempFolder("region-na-bad")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try SyntheticRun.waterBalance().write(to: folder)
    try appendRunFile(folder, "[not_applicable]\ncoastal_protecton = \"inland\"")
    let unknown = with("run-file.unknown-indicator", validate(runFile: runFile))
    #expect(unknown.count == 1)
    #expect(unknown.first?.message.hasSuffix("did you mean coastal_protection?") == true)
    #expect(unknown.first?.location.field == "not_applicable.coastal_protecton")
    try editRunFile(folder, "coastal_protecton = \"inland\"", "coastal_protection = \" \"")
    #expect(throws: InputProblems.self) { try RunConfiguration.load(path: runFile) }
  }

  /// `gep coefficients gaps` does not list what a declared indicator would need: with the
  /// forest runoff coefficient row deleted from a copy of the reference set, water
  /// conservation lacks α on the forest; declaring it not applicable removes exactly its gaps.
  @Test func gapsSkipDeclaredIndicators() throws {
    let folder = try tempFolder("region-na-gaps")
    defer { try? FileManager.default.removeItem(at: folder) }
    let copy = folder.appendingPathComponent("reference")
    try FileManager.default.copyItem(
      at: URL(fileURLWithPath: coefficientRoot).appendingPathComponent("reference"), to: copy)
    let file = copy.appendingPathComponent("runoff_coefficient.csv")
    let rows = try String(contentsOf: file, encoding: .utf8).split(
      separator: "\n", omittingEmptySubsequences: false)
    try rows.filter { !$0.hasPrefix("1,Forest,alpha,") }.joined(separator: "\n").write(
      to: file, atomically: true, encoding: .utf8)
    let set = CoefficientSet.check(directory: copy).set
    let areas: [Int: Double] = [2: 100]  // CLCD forest
    let all = CoefficientGaps.analyse(set: set, scheme: "clcd", areaByCode: areas)
    let declared = CoefficientGaps.analyse(
      set: set, scheme: "clcd", areaByCode: areas, notApplicable: ["water_conservation"])
    let water = all.gaps.filter { $0.indicatorID == "water_conservation" }
    #expect(water.contains { $0.classCode == 1 && $0.kind == .missing })
    #expect(declared.gaps.count == all.gaps.count - water.count)
    #expect(!declared.gaps.contains { $0.indicatorID == "water_conservation" })
    #expect(declared.declaredNotApplicable == ["water_conservation"])
  }
}
