import Foundation
import GEPCore
import Testing

@testable import GEPPipeline

/// The demo county run file with its paths made absolute and `profile` set to `profile`,
/// written into `folder` (the committed gep.toml is not changed).
func demoRunFile(profile: String, in folder: URL) throws -> String {
  let demo = repoRoot.appendingPathComponent("sample-data/demo-county")
  var text = try String(
    contentsOf: demo.appendingPathComponent("gep.toml"), encoding: .utf8)
  text = text.replacingOccurrences(
    of: "profile = \"example-literature\"", with: "profile = \"\(profile)\"")
  text = text.replacingOccurrences(
    of: "coefficients = \"../../coefficients\"", with: "coefficients = \"\(coefficientRoot)\"")
  text = text.replacingOccurrences(
    of: "output = \"../../out/demo\"",
    with: "output = \"\(folder.appendingPathComponent("out").path)\"")
  text = text.replacingOccurrences(of: "path = \"", with: "path = \"\(demo.path)/")
  text = text.replacingOccurrences(of: "names = \"", with: "names = \"\(demo.path)/")
  let url = folder.appendingPathComponent("gep-\(profile).toml")
  try text.write(to: url, atomically: true, encoding: .utf8)
  return url.path
}

@Suite struct CoefficientGapsTests {
  /// Two CLCD codes, cropland (1 → farmland 5) and forest (2 → forest 1), 30 and 70 area units.
  /// With the reference set water conservation lacks α for farmland only (empty row, 30 % of the
  /// land); after deleting the forest α row it also lacks forest α (missing, 70 %); nothing else
  /// changes.
  @Test func gapsListEmptyRowsAndARemovedRow() throws {
    let folder = try tempFolder("gaps")
    defer { try? FileManager.default.removeItem(at: folder) }
    let reference = URL(fileURLWithPath: coefficientRoot).appendingPathComponent("reference")
    let copy = folder.appendingPathComponent("reference")
    try FileManager.default.copyItem(at: reference, to: copy)
    let areas: [Int: Double] = [1: 30, 2: 70]
    let before = CoefficientGaps.analyse(
      set: try CoefficientSet.load(from: copy), scheme: "clcd", areaByCode: areas)
    let water = before.strictGaps.filter { $0.indicatorID == "water_conservation" }
    #expect(water.count == 1)
    #expect(water.first?.classCode == 5 && water.first?.kind == .empty)
    #expect(water.first?.lulcCodes == [1] && abs((water.first?.areaShare ?? 0) - 0.3) < 1e-12)
    // Deleting the forest α row.
    let file = copy.appendingPathComponent("runoff_coefficient.csv")
    let lines = try String(contentsOf: file, encoding: .utf8).split(
      separator: "\n", omittingEmptySubsequences: false)
    try lines.filter { !$0.hasPrefix("1,Forest,alpha,") }.joined(separator: "\n").write(
      to: file, atomically: true, encoding: .utf8)
    // The checker calls the missing row an error (coverage.class-missing); gaps lists it.
    let checked = CoefficientSet.check(directory: copy)
    #expect(checked.errors.map(\.code) == [.coverageClassMissing])
    let after = CoefficientGaps.analyse(set: checked.set, scheme: "clcd", areaByCode: areas)
    // Compared without file lines (deleting a row moves the lines below it).
    func key(_ g: CoefficientGap) -> String {
      "\(g.indicatorID)|\(g.requirement)|\(g.classCode ?? -1)|\(g.kind)|\(g.areaShare)"
    }
    let old = Set(before.gaps.map(key))
    let added = after.gaps.filter { !old.contains(key($0)) }
    #expect(added.count == 1)
    #expect(added.first?.indicatorID == "water_conservation")
    #expect(added.first?.requirement == "runoff_coefficient.alpha")
    #expect(added.first?.classCode == 1 && added.first?.kind == .missing)
    #expect(abs((added.first?.areaShare ?? 0) - 0.7) < 1e-12)
    #expect(after.gaps.count == before.gaps.count + 1)
    // Regional-study values (Ganzi soil bulk density) are out-of-region notes, not gaps.
    #expect(
      before.gaps.contains {
        $0.requirement == "parameter soil_bulk_density" && $0.kind == .outOfRegion
      })
    #expect(!before.strictGaps.contains { $0.requirement == "parameter soil_bulk_density" })
  }

  /// The demo county computes with coefficients/reference (a copy of its run file pointing at
  /// it), and `gaps` reads the demo's land-use raster: every code is in the CLCD crosswalk and
  /// the land areas sum to the account area.
  @Test func demoComputesWithTheReferenceSet() throws {
    let folder = try tempFolder("demo-reference")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try demoRunFile(profile: "reference", in: folder)
    let result = try compute(runFile, out: folder.appendingPathComponent("out"))
    let top = try #require(result.account.units.first)
    let water = try #require(top.lines.first { $0.indicator == "water_conservation" })
    #expect(water.value != nil)
    #expect(top.gep.value > 0)
    let (report, _) = try CoefficientGaps.run(runFile: runFile)
    #expect(report.unmappedCodes.isEmpty)
    #expect(!report.areaByCode.isEmpty)
    #expect(report.areaByCode.values.allSatisfy { $0 > 0 })
  }
}
