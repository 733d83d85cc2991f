import Foundation
import GEPCore
import Testing

@testable import GEPPipeline

/// `gep verify` (复算): a published account is checked against its manifest and re-computed
/// byte for byte; a changed input, coefficient or output is named. Runs on a copy of the demo
/// county and the reference set (the repository's files are never changed).
@Suite(.serialized) struct VerifyTests {
  /// A copy of the demo tree: `tree/sample-data/demo-county` and `tree/coefficients/reference`
  /// (the run file's relative paths hold), and the account computed into `folder/account`.
  func demoAccount(_ folder: URL) throws -> (tree: URL, account: URL) {
    let tree = folder.appendingPathComponent("tree")
    let demo = tree.appendingPathComponent("sample-data/demo-county")
    try FileManager.default.createDirectory(
      at: demo.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: repoRoot.appendingPathComponent("sample-data/demo-county"), to: demo)
    try FileManager.default.createDirectory(
      at: tree.appendingPathComponent("coefficients"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: repoRoot.appendingPathComponent("coefficients/reference"),
      to: tree.appendingPathComponent("coefficients/reference"))
    let account = folder.appendingPathComponent("account")
    _ = try compute(demo.appendingPathComponent("gep.toml").path, out: account)
    return (tree, account)
  }

  @Test func untouchedDemoAccountVerifies() throws {
    let folder = try tempFolder("verify-ok")
    defer { try? FileManager.default.removeItem(at: folder) }
    let (_, account) = try demoAccount(folder)
    let report = try VerifyJob.run(outDir: account.path, threads: 1)
    #expect(report.identical, "\(report.text)")
    // summary, indicators, matrix and units.geojson.
    #expect(report.comparedFiles == 4)
    #expect(report.text.hasPrefix("verified: every input matches the manifest"))
  }

  /// One changed coefficient: the file is named, and the re-computation names the units and
  /// indicators whose value moved. reservoir_capacity_cost 7.53 → 7.54 yuan/m³ changes water
  /// conservation (and marsh flood storage) by 0.01/7.53 = +0.1328 %.
  @Test func aChangedCoefficientIsNamedWithTheUnitsItMoves() throws {
    let folder = try tempFolder("verify-coefficient")
    defer { try? FileManager.default.removeItem(at: folder) }
    let (tree, account) = try demoAccount(folder)
    let prices = tree.appendingPathComponent("coefficients/reference/prices.csv")
    let text = try String(contentsOf: prices, encoding: .utf8)
    let row = try #require(
      text.split(separator: "\n").first { $0.hasPrefix("reservoir_capacity_cost,") })
    #expect(row.contains(",7.53,"))
    try text.replacingOccurrences(
      of: row, with: row.replacingOccurrences(of: ",7.53,", with: ",7.54,")
    )
    .write(to: prices, atomically: true, encoding: .utf8)
    let report = try VerifyJob.run(outDir: account.path, threads: 1)
    #expect(!report.identical)
    #expect(report.inputProblems.count == 1)
    #expect(report.inputProblems.first?.contains("coefficients/reference/prices.csv") == true)
    #expect(report.differingFiles.contains("indicators.csv"))
    let county = try #require(
      report.differingLines.first { $0.hasPrefix("520621000000 water_conservation:") })
    #expect(county.hasSuffix("(+0.1328 %)"), "\(county)")
    #expect(!report.differingLines.contains { $0.contains("soil_conservation") })
  }

  /// One byte of a raster input changed, and one published output edited: both are named.
  @Test func aChangedInputByteAndAnEditedOutputAreNamed() throws {
    let folder = try tempFolder("verify-byte")
    defer { try? FileManager.default.removeItem(at: folder) }
    let (tree, account) = try demoAccount(folder)
    let gdp = tree.appendingPathComponent("sample-data/demo-county/gdp_population.csv")
    var bytes = [UInt8](try Data(contentsOf: gdp))
    let nine = try #require(bytes.lastIndex(of: UInt8(ascii: "9")))
    bytes[nine] = UInt8(ascii: "8")
    try Data(bytes).write(to: gdp)
    let summary = account.appendingPathComponent("summary.csv")
    try (try String(contentsOf: summary, encoding: .utf8) + "\n").write(
      to: summary, atomically: true, encoding: .utf8)
    let report = try VerifyJob.run(outDir: account.path, threads: 1)
    #expect(!report.identical)
    #expect(report.inputProblems.count == 1)
    #expect(
      report.inputProblems.first?.contains("gdp_population.csv (table.gdp_population)") == true)
    #expect(report.inputProblems.first?.hasSuffix("same size") == true)
    #expect(report.outputProblems == ["summary.csv differs from its manifest hash"])
  }

  /// The inputs moved to another folder: `inputsRoot` relocates them by their paths relative to
  /// the run file's folder, and the account verifies.
  @Test func relocatedInputsVerifyWithInputsRoot() throws {
    let folder = try tempFolder("verify-moved")
    defer { try? FileManager.default.removeItem(at: folder) }
    let (tree, account) = try demoAccount(folder)
    let moved = folder.appendingPathComponent("moved")
    try FileManager.default.moveItem(at: tree, to: moved)
    let missing = try VerifyJob.run(outDir: account.path, threads: 1)
    #expect(!missing.identical && missing.inputProblems.allSatisfy { $0.hasSuffix("is missing") })
    let report = try VerifyJob.run(
      outDir: account.path,
      inputsRoot: moved.appendingPathComponent("sample-data/demo-county").path, threads: 1)
    #expect(report.identical, "\(report.text)")
  }

  /// No manifest: an error naming the folder's manifest.
  @Test func aFolderWithoutManifestIsAnError() throws {
    let folder = try tempFolder("verify-none")
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(throws: InputProblems.self) { try VerifyJob.run(outDir: folder.path) }
  }
}
