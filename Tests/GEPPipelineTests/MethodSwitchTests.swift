import Foundation
import GEPCore
import GEPGeo
import GEPPipeline
import Testing

/// A copy of coefficients/national-2022 under `folder` with `edit` applied to profile.csv;
/// returns the root to put in the run file.
func coefficientCopy(_ folder: URL, profileEdit edit: (String) -> String) throws -> URL {
  let root = folder.appendingPathComponent("coef")
  let fm = FileManager.default
  try fm.createDirectory(at: root, withIntermediateDirectories: true)
  let target = root.appendingPathComponent("national-2022")
  try fm.copyItem(
    at: URL(fileURLWithPath: coefficientRoot).appendingPathComponent("national-2022"), to: target)
  let profile = target.appendingPathComponent("profile.csv")
  try Data(edit(try String(contentsOf: profile, encoding: .utf8)).utf8).write(to: profile)
  return root
}

/// Issue 11's divergences: the profile selected methods that the code did not compute (the
/// manifest named `rusle_c` but R·K·LS·(1 − C·P) was computed; climate `et_energy_raster`,
/// flood `wetland_and_vegetation`, agriculture `net_output_value` gave the default result).
@Suite struct MethodSwitchTests {
  /// The shipped profiles select implemented methods only; the indicators without any
  /// implementation are named (landscape value was missing without a warning).
  @Test func shippedProfilesSelectImplementedMethods() throws {
    for name in ["national-2022", "example-literature"] {
      let check = CoefficientSet.check(
        directory: URL(fileURLWithPath: coefficientRoot).appendingPathComponent(name))
      let problems = ImplementedMethods.problems(of: check.set.profile)
      #expect(problems.filter { $0.severity == .error }.isEmpty, "\(name): \(problems)")
      let named = Set(problems.map { String($0.message.split(separator: " ")[0]) })
      #expect(named == ["sand_fixation", "coastal_protection", "landscape_value"])
    }
  }

  /// A method that is not implemented is an error of validation (and so of compute), naming
  /// the implemented ones; `gep coefficients check` reports the same through the registry.
  @Test func unimplementedMethodIsRejected() throws {
    let folder = try tempFolder("method-rejected")
    defer { try? FileManager.default.removeItem(at: folder) }
    let root = try coefficientCopy(folder) {
      $0.replacingOccurrences(
        of: "climate_regulation,Climate regulation,气候调节,regulating,et_energy_epp,",
        with: "climate_regulation,Climate regulation,气候调节,regulating,et_energy_raster,")
    }
    var run = validationBase()
    run.profile = "national-2022"
    let runFile = try run.write(to: folder)
    try editRunFile(
      folder, "coefficients = \"\(coefficientRoot)\"", "coefficients = \"\(root.path)\"")
    let p = try #require(
      with("coefficients.profile.method-not-implemented", validate(runFile: runFile)).first)
    #expect(p.severity == .error)
    #expect(
      p.message
        == "method et_energy_raster of climate_regulation is not implemented in this version of "
        + "gep; implemented: et_energy_epp")
    #expect(p.location.column == "method" && p.location.value == "et_energy_raster")
    #expect(computeProblems(runFile, out: folder.appendingPathComponent("out")) != nil)
  }

  /// `rusle_c` computes R·K·LS·(1 − C), without P, as documented. By hand: R = 4000,
  /// K = 0.03, LS = 2, FVC 0.5 → f = 50 %, C = 0.6508 − 0.3436 lg 50 = 0.067032…; per hm²
  /// 4000 · 0.03 · 2 · (1 − C) = 223.91 t; 200 cells of 0.09 hm². `rusle_cp` multiplies C by
  /// the forest P of 0.6: 240 · (1 − 0.6 C).
  @Test func rusleCFormIsComputedAsDocumented() throws {
    let c = 0.6508 - 0.3436 * log10(50.0)
    for (method, expected) in [
      ("rusle_c", 200 * 0.09 * 240 * (1 - c)), ("rusle_cp", 200 * 0.09 * 240 * (1 - 0.6 * c)),
    ] {
      let folder = try tempFolder("rusle-\(method)")
      defer { try? FileManager.default.removeItem(at: folder) }
      let root = try coefficientCopy(folder) {
        $0.replacingOccurrences(
          of: "soil_conservation,Soil conservation,土壤保持,regulating,rusle_cp,",
          with: "soil_conservation,Soil conservation,土壤保持,regulating,\(method),")
      }
      var run = SyntheticRun.waterBalance()
      run.rasters["erosivity"] = ("MJ mm hm-2 h-1 a-1", { _, _ in 4000 })
      run.rasters["erodibility"] = ("t hm2 h hm-2 MJ-1 mm-1", { _, _ in 0.03 })
      run.rasters["ls"] = ("1", { _, _ in 2 })
      run.rasters["fvc"] = ("fraction", { _, _ in 0.5 })
      let runFile = try run.write(to: folder)
      try editRunFile(
        folder, "coefficients = \"\(coefficientRoot)\"", "coefficients = \"\(root.path)\"")
      let result = try compute(runFile, out: folder.appendingPathComponent("out"))
      let village = try #require(result.account.units.first { $0.unit.code == "520621001001" })
      let line = try #require(village.lines.first { $0.indicator == "soil_conservation" })
      let q = try #require(line.quantity?.value)
      #expect(abs(q - expected) < 1e-6 * expected, "\(method): \(q) vs \(expected)")
      let manifest = try String(
        contentsOf: folder.appendingPathComponent("out/manifest.json"), encoding: .utf8)
      #expect(
        manifest.contains(
          "\"soil_conservation.form\": \"\(method == "rusle_c" ? "1 - C" : "1 - C·P")\""))
    }
  }
}
