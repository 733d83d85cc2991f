import Foundation
import Testing

/// `gep calc` as the README runs it (issue 20).
@Suite struct CalcCLITests {
  let demo = repositoryRoot.appendingPathComponent("sample-data/demo-county")

  /// The README's footprint: 3 600 kWh × 0.5306 = 1 910.16 kg; 300 m³ gas × 2.18403 =
  /// 655.209 kg; 500 kg gasoline × 3.06999 = 1 534.995 kg; 1 200 p-km rail × 0.04115 = 49.38 kg;
  /// 2 000 p-km flight × 0.25493 = 509.86 kg. Total 4 659.604 kg = 4.659604 t; at 95.84
  /// yuan/t CO₂: 446.5744474 yuan. The reference set's forest rate is the IPCC Tier 1 product
  /// 2.4252 t C/hm²/a (issue 13): 2.4252 × 44/12 = 8.8924 t CO₂/hm²/a, so the offset area is
  /// 4.659604 / 8.8924 = 0.523998471 hm² (× 15 = 7.86 mu).
  @Test func footprintOfTheREADME() throws {
    let out = FileManager.default.temporaryDirectory
      .appendingPathComponent("gep-calc-\(UInt64.random(in: 0...UInt64.max))")
    defer { try? FileManager.default.removeItem(at: out) }
    let r = try runGEP([
      "calc", "footprint", demo.appendingPathComponent("activities.csv").path, "--out", out.path,
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("total: 4.66 t CO2"))
    #expect(
      r.stdout.contains("offset: 0.524 hm2 (7.86 mu) of forest for one year at 2.43 t C/hm2/a"))
    let csv = try String(
      contentsOf: out.appendingPathComponent("footprint.csv"), encoding: .utf8)
    let total = try #require(csv.split(separator: "\n").first { $0.hasPrefix("total,") })
    let t = Double(total.split(separator: ",", omittingEmptySubsequences: false)[5])!
    #expect(abs(t - 4.659604) < 1e-9)
    let json =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: out.appendingPathComponent("footprint.json"))) as! [String: Any]
    #expect(abs((json["offset_cost_yuan"] as! Double) - 4.659604 * 95.84) < 1e-9)
    #expect(abs((json["offset_forest_area_hm2"] as! Double) - 4.659604 / 8.8924) < 1e-12)
    #expect(json["forest_rate_tC_per_hm2_a"] as? Double == 2.4252)
    // A second run into the same folder is refused without --overwrite.
    let again = try runGEP([
      "calc", "footprint", demo.appendingPathComponent("activities.csv").path, "--out", out.path,
    ])
    #expect(again.status != 0)
  }

  /// H001: vep_gain 1 584 165.05 × 0.01 → capped 1 000, trees 120 × 0.5 = 60: 1 060.
  /// H002: 300 days × 0.1 = 30, capped 36.5 → 30; straw burning −50: −20. H003: 600 × 0.5 =
  /// 300 → capped 200.
  @Test func creditOfTheREADME() throws {
    let r = try runGEP(["calc", "credit", demo.appendingPathComponent("contributions.csv").path])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("H001: 1060 points"))
    #expect(r.stdout.contains("H002: -20.00 points"))
    #expect(r.stdout.contains("H003: 200 points"))
  }

  @Test func calculatorTablesAreCheckedByCoefficientsCheck() throws {
    let r = try runGEP([
      "coefficients", "check",
      repositoryRoot.appendingPathComponent("coefficients/calculators").path,
    ])
    #expect(r.status == 0, "\(r.stdout)")
    #expect(r.stdout.contains("0 errors"))
  }

  @Test func unknownActionNamesThePresets() throws {
    let r = try runGEP(["calc", "action", "paint_it_green", "--area", "1"])
    #expect(r.status != 0)
    #expect((r.stdout + r.stderr).contains("grain_for_green"))
  }
}
