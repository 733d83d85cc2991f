import Foundation
import GEPCore
import GEPGeo
import GEPPipeline
import Testing

/// Issue 12, "honest outputs": a value that was not computed is never shown as 0. The run is
/// the 20 × 10 forest grid (SWAT 6) with P 1200 mm and ET 700 mm, precipitation nodata on the
/// left half (columns 0–9), national-2022 (carbon rates empty: carbon is not computed).
@Suite struct HonestOutputTests {
  func account() throws -> (URL, ComputeResult) {
    let folder = try tempFolder("honest")
    var run = SyntheticRun.waterBalance()
    run.rasters["precipitation"] = ("mm", { c, _ in c < 10 ? -9999 : 1200 })
    let result = try compute(try run.write(to: folder), out: folder.appendingPathComponent("out"))
    return (folder, result)
  }

  @Test func notComputedIsEmptyWithAStatusEverywhere() throws {
    let (folder, result) = try account()
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("out")
    // indicators.csv: carbon has no value and status not_computed; water conservation is
    // computed on the right half only (computed_share 0.5, partial).
    let lines = try readCSV(out.appendingPathComponent("indicators.csv").path)
      .filter { $0["code"] == "520621001001" }
    let carbon = try #require(lines.first { $0["indicator"] == "carbon_sequestration" })
    #expect(carbon["value_yuan"] == "" && carbon["physical_quantity"] == "")
    #expect(carbon["status"] == "not_computed" && carbon["computed_share"] == "0")
    let water = try #require(lines.first { $0["indicator"] == "water_conservation" })
    #expect(water["status"] == "partial" && water["computed_share"] == "0.5")
    // 100 cells × 0.09 hm² × (1200 − 1200·α − 700) mm × 10 m³/(mm·hm²) is a number, not empty.
    #expect(Double(water["physical_quantity"] ?? "") != nil)
    // summary.csv: the carbon column is empty, the account is labelled incomplete and names
    // what is missing; GEP is the sum of what was computed.
    let rows = try readCSV(out.appendingPathComponent("summary.csv").path)
    let village = try #require(rows.first { $0["code"] == "520621001001" })
    #expect(village["carbon_sequestration_yuan"] == "")
    #expect(village["cultural_yuan"] == "")
    #expect(village["gep_status"] == "incomplete")
    let missing = (village["not_computed"] ?? "").split(separator: ";").map(String.init)
    #expect(missing.contains("carbon_sequestration"))
    #expect(!missing.contains("water_conservation"))
    #expect((village["partial"] ?? "").split(separator: ";").contains("water_conservation"))
    let county = try #require(result.account.units.first { $0.unit.level == .county })
    #expect(county.indicatorStatus("carbon_sequestration") == .notComputed)
    #expect(county.indicatorStatus("water_conservation") == .partial)
    // units.geojson: null, not 0.
    let geojson = try String(
      contentsOf: out.appendingPathComponent("units.geojson"), encoding: .utf8)
    #expect(geojson.contains("\"carbon_sequestration_yuan\":null"))
    #expect(!geojson.contains("\"carbon_sequestration_yuan\":0"))
    #expect(geojson.contains("\"gep_status\":\"incomplete\""))
  }
}
