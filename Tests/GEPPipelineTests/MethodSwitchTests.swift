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

/// A soil-conservation run on the 20 × 10 forest grid (SWAT 6 = class 103 under forest 1):
/// R 4000, K 0.03, LS 2, FVC 0.5, an optional slope raster, national-2022 with `method` as the
/// soil-conservation method and `rusleRows` appended to rusle.csv.
///
/// - Returns: the village's line, and the manifest's text.
func soilConservationRun(method: String = "rusle_cp", rusleRows: String = "", slope: Double? = nil)
  throws -> (line: IndicatorLine, manifest: String)
{
  let folder = try tempFolder("soil-\(method)")
  defer { try? FileManager.default.removeItem(at: folder) }
  // The profile declares only what the method reads (MethodRegistry): rusle_c reads no P
  // (usle_p, slope), rusle_cp_c_table no FVC.
  let spatial: String
  let classParameters: String
  switch method {
  case "rusle_c": (spatial, classParameters) = ("erosivity;erodibility;ls;fvc;lulc", "")
  case "rusle_cp_c_table":
    (spatial, classParameters) = ("erosivity;erodibility;ls;slope;lulc", "rusle.usle_p")
  default: (spatial, classParameters) = ("erosivity;erodibility;ls;fvc;slope;lulc", "rusle.usle_p")
  }
  let root = try coefficientCopy(folder) {
    $0.replacingOccurrences(
      of: "soil_conservation,Soil conservation,土壤保持,regulating,rusle_cp,",
      with: "soil_conservation,Soil conservation,土壤保持,regulating,\(method),"
    ).replacingOccurrences(
      of: "t/a,yuan/a,erosivity;erodibility;ls;fvc;slope;lulc,,rusle.usle_p,",
      with: "t/a,yuan/a,\(spatial),,\(classParameters),")
  }
  let rusle = root.appendingPathComponent("national-2022/rusle.csv")
  let text = try String(contentsOf: rusle, encoding: .utf8)
  try Data((text + rusleRows).utf8).write(to: rusle)
  var run = SyntheticRun.waterBalance()
  run.rasters["erosivity"] = ("MJ mm hm-2 h-1 a-1", { _, _ in 4000 })
  run.rasters["erodibility"] = ("t hm2 h hm-2 MJ-1 mm-1", { _, _ in 0.03 })
  run.rasters["ls"] = ("1", { _, _ in 2 })
  run.rasters["fvc"] = ("fraction", { _, _ in 0.5 })
  if let slope { run.rasters["slope"] = ("degree", { _, _ in slope }) }
  let runFile = try run.write(to: folder)
  try editRunFile(
    folder, "coefficients = \"\(coefficientRoot)\"", "coefficients = \"\(root.path)\"")
  let result = try compute(runFile, out: folder.appendingPathComponent("out"))
  let village = try #require(result.account.units.first { $0.unit.code == "520621001001" })
  let line = try #require(village.lines.first { $0.indicator == "soil_conservation" })
  let manifest = try String(
    contentsOf: folder.appendingPathComponent("out/manifest.json"), encoding: .utf8)
  return (line, manifest)
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
      let problems = MethodRegistry.builtIn.problems(of: check.set.profile)
      #expect(problems.filter { $0.severity == .error }.isEmpty, "\(name): \(problems)")
      let named = Set(
        problems.filter { $0.severity == .warning }.map {
          String($0.message.split(separator: " ")[0])
        })
      // Landscape value (hedonic) and sand fixation (RWEQ) have methods since issue 12.
      #expect(named == ["coastal_protection"])
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
      let (line, manifest) = try soilConservationRun(method: method)
      let q = try #require(line.quantity?.value)
      #expect(abs(q - expected) < 1e-6 * expected, "\(method): \(q) vs \(expected)")
      #expect(
        manifest.contains(
          "\"soil_conservation.form\": \"\(method == "rusle_c" ? "1 - C" : "1 - C·P")\""))
    }
  }
}

@Suite struct SupportPracticeLookupTests {
  /// The soil-conservation quantity and uncovered area (m²) with rows appended to rusle.csv
  /// and a uniform slope (`soilConservationRun`).
  func soilQuantity(rusleRows: String, slope: Double) throws -> (q: Double?, uncovered: Double) {
    let line = try soilConservationRun(rusleRows: rusleRows, slope: slope).line
    return (line.quantity?.value, line.uncoveredArea.value)
  }

  /// `applies = 0` on the level-2 class masks it although its level-1 parent has a P: the
  /// indicator is not applicable there (the whole 0.18 km²), as `classCoefficient` reads the
  /// mask — reported as not applicable (issue 12), no longer as "no coefficient".
  @Test func appliesZeroMasksTheClass() throws {
    let line = try soilConservationRun(
      rusleRows: "103,Mixed forest,applies,0,,,flag,,China,,test,placeholder,\n", slope: 3
    ).line
    #expect(line.uncoveredArea.value == 0)
    #expect(line.notApplicableArea.value == 180_000)
    #expect(line.status(unitArea: 180_000) == .notApplicable)
  }

  /// A level-2 class with a value of its own is computed although its level-1 parent is marked
  /// `applies = 0` (each level's rows come before its parent's mask, as `classCoefficient`
  /// reads them; the cell pass masked the class before). Forest (1) `applies = 0`, mixed forest
  /// (103, the whole 0.18 km²) P = 0.5: by hand 200 cells · 0.09 hm² · 4000 · K · 2
  /// · (1 − 0.5 C) with C = 0.6508 − 0.3436 lg 50 and K = 0.03 (as the Float32 raster holds
  /// it), nothing not applicable.
  @Test func ownValueUnderAMaskedParentIsComputed() throws {
    let rows =
      "1,Forest,applies,0,,,flag,,China,,test,placeholder,\n"
      + "103,Mixed forest,usle_p,0.5,,,fraction,,China,,test,placeholder,\n"
    let line = try soilConservationRun(rusleRows: rows, slope: 3).line
    let c = 0.6508 - 0.3436 * log10(50.0)
    let expected = 200 * 0.09 * 4000 * Double(Float(0.03)) * 2 * (1 - 0.5 * c)
    let q = try #require(line.quantity?.value)
    #expect(abs(q - expected) < 1e-6 * expected, "\(q) vs \(expected)")
    #expect(line.notApplicableArea.value == 0)
    #expect(line.uncoveredArea.value == 0)
  }

  /// Ten slope classes for one class: the tenth (30–90°, P 0.95) applies at 35°; the lookup
  /// kept only eight before. By hand: 200 · 0.09 · 4000 · K · 2 · (1 − 0.95 C) with
  /// C = 0.6508 − 0.3436 lg 50 and K = 0.03 as the Float32 raster holds it.
  @Test func moreThanEightSlopeClassesAreUsed() throws {
    var rows = ""
    let bounds = [0, 2, 5, 8, 10, 12, 15, 20, 25, 30, 90]
    for i in 0..<10 {
      rows +=
        "103,Mixed forest,usle_p,\(0.5 + 0.05 * Double(i)),,,fraction,"
        + "slope_deg:\(bounds[i])-\(bounds[i + 1]),China,,test,placeholder,\n"
    }
    let r = try soilQuantity(rusleRows: rows, slope: 35)
    let c = 0.6508 - 0.3436 * log10(50.0)
    let expected = 200 * 0.09 * 4000 * Double(Float(0.03)) * 2 * (1 - 0.95 * c)
    let q = try #require(r.q)
    #expect(abs(q - expected) < 1e-12 * expected, "\(q) vs \(expected)")
    #expect(r.uncovered == 0)
  }
}
