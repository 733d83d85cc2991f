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
  /// With the reference set water conservation has no gap: forest has α and farmland is marked
  /// not applicable (`applies = 0`, the scope of [S2]); after deleting the forest α row it lacks
  /// forest α (missing, 70 % of the land); nothing else changes.
  @Test func gapsListEmptyRowsAndARemovedRow() throws {
    let folder = try tempFolder("gaps")
    defer { try? FileManager.default.removeItem(at: folder) }
    let reference = URL(fileURLWithPath: coefficientRoot).appendingPathComponent("reference")
    let copy = folder.appendingPathComponent("reference")
    try FileManager.default.copyItem(at: reference, to: copy)
    let areas: [Int: Double] = [1: 30, 2: 70]
    let before = CoefficientGaps.analyse(
      set: try CoefficientSet.load(from: copy), scheme: "clcd", areaByCode: areas)
    #expect(!before.gaps.contains { $0.indicatorID == "water_conservation" })
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

  /// A class marked `applies = 0` is not applicable, not a gap: farmland (class 5, CLCD code 1,
  /// 30 of 100 area units) has no α row in the reference set, only `applies = 0` for water
  /// conservation and climate regulation. Turning both flags to `applies = 1` makes farmland a
  /// `missing` gap of exactly those two indicators, each with 30 % of the land, and the
  /// class-independent values of climate regulation (cooling days D) then concern forest and
  /// farmland (100 %) instead of forest alone (70 %); no other class-level gap changes.
  @Test func notApplicableClassesAreNotGaps() throws {
    let folder = try tempFolder("gaps-applies")
    defer { try? FileManager.default.removeItem(at: folder) }
    let reference = URL(fileURLWithPath: coefficientRoot).appendingPathComponent("reference")
    let copy = folder.appendingPathComponent("reference")
    try FileManager.default.copyItem(at: reference, to: copy)
    let areas: [Int: Double] = [1: 30, 2: 70]
    let before = CoefficientGaps.analyse(
      set: try CoefficientSet.load(from: copy), scheme: "clcd", areaByCode: areas)
    #expect(
      !before.gaps.contains {
        $0.classCode == 5
          && ["water_conservation", "climate_regulation"].contains($0.indicatorID)
      })
    for name in ["runoff_coefficient.csv", "climate_regulation.csv"] {
      let file = copy.appendingPathComponent(name)
      let text = try String(contentsOf: file, encoding: .utf8)
      #expect(text.contains("\n5,Farmland,applies,0,"))
      try text.replacingOccurrences(of: "\n5,Farmland,applies,0,", with: "\n5,Farmland,applies,1,")
        .write(to: file, atomically: true, encoding: .utf8)
    }
    let after = CoefficientGaps.analyse(
      set: CoefficientSet.check(directory: copy).set, scheme: "clcd", areaByCode: areas)
    func key(_ g: CoefficientGap) -> String {
      "\(g.indicatorID)|\(g.requirement)|\(g.classCode ?? -1)|\(g.kind)|\(g.areaShare)"
    }
    let old = Set(before.gaps.filter { $0.classCode != nil }.map(key))
    let added = after.gaps.filter { $0.classCode != nil && !old.contains(key($0)) }.sorted {
      $0.indicatorID > $1.indicatorID
    }
    #expect(added.map(\.indicatorID) == ["water_conservation", "climate_regulation"])
    #expect(added.allSatisfy { $0.classCode == 5 && $0.kind == .missing && $0.lulcCodes == [1] })
    #expect(added.allSatisfy { abs($0.areaShare - 0.3) < 1e-12 })
    #expect(after.gaps.count == before.gaps.count + 2)
    func coolingDays(_ r: CoefficientGapReport) -> CoefficientGap? {
      r.gaps.first { $0.requirement == "parameter cooling_days" }
    }
    #expect(abs((coolingDays(before)?.areaShare ?? 0) - 0.7) < 1e-12)
    #expect(abs((coolingDays(after)?.areaShare ?? 0) - 1.0) < 1e-12)
    #expect(coolingDays(after)?.lulcCodes == [1, 2])
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
