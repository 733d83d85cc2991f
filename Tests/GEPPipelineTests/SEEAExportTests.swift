import Foundation
import GEPCore
import Testing

@testable import GEPPipeline

/// `gep export seea` (issue 24): the SEEA EA extent account and the ecosystem services supply
/// and use tables drawn from account folders.
@Suite(.serialized) struct SEEAExportTests {
  /// The demo account (gep.toml) computed into `folder/account`.
  func demoAccount(_ folder: URL) throws -> URL {
    let account = folder.appendingPathComponent("account")
    let config = try RunConfiguration.load(
      path: repoRoot.appendingPathComponent("sample-data/demo-county/gep.toml").path)
    _ = try ComputeJob.run(
      config: config, options: ComputeOptions(output: account.path, threads: 2))
    return account
  }

  /// A CSV file's records.
  func records(_ url: URL) throws -> [[String: String]] {
    CSVText(text: try String(contentsOf: url, encoding: .utf8)).records
  }

  /// True when a and b agree to 1e-9 relative (absolute for magnitudes below 1).
  func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)) }

  /// The supply table against the account, read independently from its own files: each service
  /// line's total is the line's value in indicators.csv and the sum of its ecosystem-type
  /// cells; each type of a unit's `total` row is the sum of matrix.csv's values on that type;
  /// the `total` row's total is the unit's GEP (summary.csv gep_yuan); the physical table's
  /// line totals are the physical quantities of indicators.csv; the use table's totals equal
  /// the supply table's; a line not computed is empty in every cell (never 0). All to 1e-9.
  @Test func demoSupplyAndUseTotalsEqualTheAccount() throws {
    let root = try tempFolder("seea-demo")
    defer { try? FileManager.default.removeItem(at: root) }
    let account = try demoAccount(root)
    let result = try SEEAExport.run(
      account: account.path,
      options: SEEAExportOptions(output: root.appendingPathComponent("seea").path))
    let out = URL(fileURLWithPath: result.output)
    #expect(result.warnings.isEmpty)
    for name in SEEAExport.fileNames {
      #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path))
    }
    let indicators = try records(account.appendingPathComponent("indicators.csv"))
    let matrix = try records(account.appendingPathComponent("matrix.csv"))
    let summary = try records(account.appendingPathComponent("summary.csv"))
    let supply = try records(out.appendingPathComponent("seea_supply_monetary.csv"))
    let physical = try records(out.appendingPathComponent("seea_supply_physical.csv"))
    let use = try records(out.appendingPathComponent("seea_use_monetary.csv"))
    let types = summary.first!.keys.filter {
      $0.hasPrefix("area_") && $0.hasSuffix("_km2") && $0 != "area_km2"
    }.map { String($0.dropFirst(5).dropLast(4)) }
    #expect(types.contains("forest"))
    func key(_ r: [String: String]) -> String {
      "\(r["code"]!)\t\(r["indicator"]!)\t\(r["component"]!)"
    }
    let byLine = Dictionary(indicators.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
    let supplyByLine = Dictionary(supply.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
    var checkedLines = 0
    var checkedTypes = 0
    for r in supply where r["indicator"] != "total" {
      let line = try #require(byLine[key(r)], "\(key(r))")
      let status = line["status"]!
      let cells = (types + ["not_attributed"]).map { r["\($0)_yuan"]! }
      if status == "not_computed" || status == "not_applicable" {
        #expect(cells.allSatisfy(\.isEmpty) && r["total_yuan"]!.isEmpty, "\(key(r))")
        continue
      }
      guard let value = Double(line["value_yuan"]!) else { continue }
      let total = try #require(Double(r["total_yuan"]!))
      let sum = cells.compactMap(Double.init).reduce(0, +)
      #expect(close(total, value), "\(key(r)): \(total) vs \(value)")
      #expect(close(sum, total), "\(key(r))")
      checkedLines += 1
    }
    for r in supply where r["indicator"] == "total" {
      let code = r["code"]!
      for t in types {
        let fromMatrix = matrix.filter { $0["code"] == code && slug($0["class_name"]!) == t }
          .compactMap { Double($0["value_yuan"]!) }.reduce(0, +)
        let cell = Double(r["\(t)_yuan"]!) ?? 0
        #expect(close(cell, fromMatrix), "\(code) \(t): \(cell) vs \(fromMatrix)")
        checkedTypes += 1
      }
      let gep = try #require(Double(summary.first { $0["code"] == code }!["gep_yuan"]!))
      #expect(close(Double(r["total_yuan"]!)!, gep), "\(code)")
      let useTotal = try #require(use.first { $0["code"] == code && $0["indicator"] == "total" })
      #expect(close(Double(useTotal["total_yuan"]!)!, gep), "\(code)")
    }
    for r in physical {
      let line = try #require(byLine[key(r)])
      guard let q = Double(line["physical_quantity"]!), !r["total"]!.isEmpty else { continue }
      #expect(close(Double(r["total"]!)!, q), "\(key(r))")
      let sum = (types + ["not_attributed"]).compactMap { Double(r[$0]!) }.reduce(0, +)
      #expect(close(sum, q), "\(key(r))")
    }
    for r in use where r["indicator"] != "total" {
      let s = try #require(supplyByLine[key(r)])
      #expect(r["total_yuan"] == s["total_yuan"], "\(key(r))")
    }
    // The demo county: 156 villages, 17 profile indicators (more lines with components).
    #expect(checkedLines > 156 * 5)
    #expect(checkedTypes > 0)
    // The county's material products go to industries, nothing to households (no tourism
    // table in the demo), the regulating services to "unassigned".
    let county = use.filter { $0["code"] == "520621000000" }
    let agri = try #require(county.first { $0["indicator"] == "agricultural_products" })
    #expect(!agri["industries_yuan"]!.isEmpty && agri["unassigned_yuan"]!.isEmpty)
    let water = try #require(county.first { $0["indicator"] == "water_conservation" })
    #expect(!water["unassigned_yuan"]!.isEmpty && water["industries_yuan"]!.isEmpty)
    // One-year extent: the types of each unit add up to its land area.
    let extent = try records(out.appendingPathComponent("seea_extent.csv"))
    for u in summary {
      let rows = extent.filter { $0["code"] == u["code"] }
      let sum = rows.filter { types.contains($0["ecosystem_type"]!) }
        .compactMap { Double($0["area_km2"]!) }.reduce(0, +)
      let all = try #require(rows.first { $0["ecosystem_type"] == "all_types" })
      #expect(close(sum, Double(all["area_km2"]!)!))
      #expect(close(sum, Double(u["area_km2"]!)!), "\(u["code"]!)")
    }
  }

  /// Two demo years (2020 synthetic: cropland where 2024 has forest, forest where 2024 has
  /// urban land) on one grid and unit layer: the change is gross, from the class-transition
  /// matrix; for every unit and type opening + additions − reductions = closing (1e-9 of the
  /// county's area); the county's farmland reductions are the farmland → other areas of
  /// transitions.csv; each unit's additions sum to its reductions (land changes type, the
  /// area stays).
  @Test func demoYearsExtentAccountBalances() throws {
    let demo = repoRoot.appendingPathComponent("sample-data/demo-county/gep-years.toml").path
    let root = try tempFolder("seea-years")
    defer { try? FileManager.default.removeItem(at: root) }
    let years = try YearsJob.run(
      config: try RunConfiguration.load(path: demo),
      options: ComputeOptions(output: root.path, threads: 2))
    let folders = years.accounts.map(\.result.output)
    // Given in the wrong order on purpose: the earlier year opens.
    let result = try SEEAExport.run(
      account: folders[0],
      options: SEEAExportOptions(
        output: root.appendingPathComponent("seea").path, opening: folders[1]))
    #expect(result.extentBasis == .transitions)
    let rows = try records(
      URL(fileURLWithPath: result.output).appendingPathComponent("seea_extent.csv"))
    #expect(rows.first?["opening_year"] == "2020" && rows.first?["closing_year"] == "2024")
    let countyArea = rows.filter { $0["code"] == "520621000000" }.compactMap {
      Double($0["closing_km2"]!)
    }.reduce(0, +)
    var checked = 0
    for r in rows {
      guard let o = Double(r["opening_km2"]!), let a = Double(r["additions_km2"]!),
        let d = Double(r["reductions_km2"]!), let c = Double(r["closing_km2"]!)
      else { continue }
      #expect(abs(o + a - d - c) <= 1e-9 * countyArea, "\(r["code"]!) \(r["ecosystem_type"]!)")
      #expect(abs(Double(r["net_change_km2"]!)! - (c - o)) <= 1e-12 * countyArea)
      #expect(r["basis"] == ExtentChangeBasis.transitions.rawValue)
      checked += 1
    }
    #expect(checked > 156 * 8)
    for code in Set(rows.map { $0["code"]! }) {
      let unit = rows.filter { $0["code"] == code }
      let adds = unit.compactMap { Double($0["additions_km2"]!) }.reduce(0, +)
      let reds = unit.compactMap { Double($0["reductions_km2"]!) }.reduce(0, +)
      #expect(abs(adds - reds) <= 1e-9 * countyArea, "\(code)")
    }
    let transitions = try String(
      contentsOf: root.appendingPathComponent("compare/transitions.csv"), encoding: .utf8)
    let transitionRows: [[Substring]] = transitions.split(separator: "\n").dropFirst().map {
      $0.split(separator: ",")
    }
    var farmlandOut = 0.0
    for t in transitionRows where t[0] == "520621000000" && t[5] == "farmland" && t[6] != "farmland"
    {
      farmlandOut += Double(t[7])! / 100  // hm² → km²
    }
    let farmland = try #require(
      rows.first { $0["code"] == "520621000000" && $0["ecosystem_type"] == "farmland" })
    #expect(farmlandOut > 100)  // 113.9 km² of cropland became forest (README)
    #expect(close(Double(farmland["reductions_km2"]!)!, farmlandOut))
    // The county total equals the "total" pseudo-unit (one county).
    let total = try #require(
      rows.first { $0["code"] == "total" && $0["ecosystem_type"] == "forest" })
    let forest = try #require(
      rows.first { $0["code"] == "520621000000" && $0["ecosystem_type"] == "forest" })
    #expect(close(Double(total["additions_km2"]!)!, Double(forest["additions_km2"]!)!))
  }

  /// Writes a hand-made account folder gep would accept: marker, manifest, summary.csv (forest
  /// and farmland areas), indicators.csv and matrix.csv. Its run file does not exist, so no
  /// transition matrix can be made.
  func writeAccount(_ folder: URL, year: Int, forest: [Double], farmland: [Double]) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var s =
      "code,name,level,parent_code,area_km2,landuse_nodata_km2,area_forest_km2,"
      + "area_farmland_km2,gep_yuan\n"
    s +=
      "T1,乡,township,,\(forest.reduce(0, +) + farmland.reduce(0, +)),0,"
      + "\(forest.reduce(0, +)),\(farmland.reduce(0, +)),0\n"
    for i in forest.indices {
      s +=
        "V\(i + 1),村\(i + 1),village,T1,\(forest[i] + farmland[i]),0,\(forest[i]),\(farmland[i]),0\n"
    }
    let files: [String: String] = [
      "summary.csv": s,
      "indicators.csv":
        "code,indicator,component,category,physical_quantity,physical_unit,value_yuan,status\n",
      "matrix.csv": "code,indicator,component,class_name,value_yuan\n",
      "manifest.json": """
      {"accounting_year": \(year), "coefficients": "\(coefficientRoot)/reference",
       "run_file": "/nonexistent/hand.toml", "grid": {}, "inputs": [], "warnings": [],
       "outputs_sha256": "hand"}
      """,
      ".gep-output.json": """
      {"schema": "gep-output/1", "run_id": "hand", "files": ["indicators.csv", "manifest.json",
       "matrix.csv", "summary.csv"]}
      """,
    ]
    for (name, text) in files {
      try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
  }

  /// Without a transition matrix (here: the run file is gone), the change is not gross and
  /// the columns say so: by hand, V1 forest 10 → 12 km² (farmland 5 → 3), V2 forest 8 → 6
  /// (farmland 2 → 4); the township's forest: opening 18, unit net additions 2 (V1), unit net
  /// reductions 2 (V2), net 0, closing 18 — a conversion inside one unit would not show.
  @Test func netBasisWithoutTransitionsIsNamedInTheColumns() throws {
    let root = try tempFolder("seea-net")
    defer { try? FileManager.default.removeItem(at: root) }
    let a = root.appendingPathComponent("a")
    let b = root.appendingPathComponent("b")
    try writeAccount(a, year: 2020, forest: [10, 8], farmland: [5, 2])
    try writeAccount(b, year: 2024, forest: [12, 6], farmland: [3, 4])
    let r = try SEEAExport.run(
      account: b.path,
      options: SEEAExportOptions(output: root.appendingPathComponent("o").path, opening: a.path))
    #expect(r.extentBasis == .unitNetChange)
    #expect(r.warnings.contains { $0.code == "seea.extent-not-gross" })
    let text = try String(
      contentsOf: URL(fileURLWithPath: r.output).appendingPathComponent("seea_extent.csv"),
      encoding: .utf8)
    #expect(text.hasPrefix("code,name,level,parent_code,opening_year,closing_year"))
    #expect(text.contains(",unit_net_additions_km2,unit_net_reductions_km2,"))
    #expect(!text.contains(",additions_km2,"))
    let rows = CSVText(text: text).records
    let forest = try #require(
      rows.first { $0["code"] == "T1" && $0["ecosystem_type"] == "forest" })
    #expect(forest["opening_km2"] == "18" && forest["closing_km2"] == "18")
    #expect(forest["unit_net_additions_km2"] == "2" && forest["unit_net_reductions_km2"] == "2")
    #expect(forest["net_change_km2"] == "0" && forest["residual_km2"] == "0")
    let v2 = try #require(rows.first { $0["code"] == "V2" && $0["ecosystem_type"] == "farmland" })
    #expect(v2["unit_net_additions_km2"] == "2" && v2["unit_net_reductions_km2"] == "0")
  }

  /// A folder that is not an account of gep compute is refused with a message naming it: one
  /// with the account's file names but no marker (a user's folder), a gep output without the
  /// account files (a comparison folder), a missing path, and a file.
  @Test func refusesAFolderThatIsNotAGepAccount() throws {
    let root = try tempFolder("seea-refuse")
    defer { try? FileManager.default.removeItem(at: root) }
    let user = root.appendingPathComponent("user")
    try writeAccount(user, year: 2024, forest: [1], farmland: [1])
    try FileManager.default.removeItem(at: user.appendingPathComponent(".gep-output.json"))
    let other = root.appendingPathComponent("compare")
    try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
    try """
    {"schema": "gep-output/1", "run_id": "x", "files": ["change.csv"]}
    """.write(
      to: other.appendingPathComponent(".gep-output.json"), atomically: true, encoding: .utf8)
    try "code\n".write(
      to: other.appendingPathComponent("change.csv"), atomically: true, encoding: .utf8)
    let file = root.appendingPathComponent("summary.csv")
    try "code\n".write(to: file, atomically: true, encoding: .utf8)
    for (path, words) in [
      (user.path, "not an account folder written by gep"),
      (other.path, "lacks summary.csv, indicators.csv, matrix.csv, manifest.json"),
      (root.appendingPathComponent("none").path, "does not exist"),
      (file.path, "is a file"),
    ] {
      do {
        _ = try SEEAExport.run(
          account: path,
          options: SEEAExportOptions(output: root.appendingPathComponent("o").path))
        Issue.record("\(path) was accepted")
      } catch let e as InputProblems {
        #expect(e.problems.count == 1)
        #expect(e.problems[0].code == "export.not-gep-output")
        #expect(e.problems[0].message.contains(path) && e.problems[0].message.contains(words))
      }
    }
    #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("o").path))
  }

  /// The output is never written over a user's files: an existing output needs --overwrite;
  /// a folder gep did not write is refused even with it (its file untouched); an output inside
  /// the account folder is refused; nothing is left half written.
  @Test func neverOverwritesWithoutOverwriteAndNeverAUsersFolder() throws {
    let root = try tempFolder("seea-overwrite")
    defer { try? FileManager.default.removeItem(at: root) }
    let account = root.appendingPathComponent("a")
    try writeAccount(account, year: 2024, forest: [3], farmland: [1])
    let out = root.appendingPathComponent("o").path
    _ = try SEEAExport.run(account: account.path, options: SEEAExportOptions(output: out))
    func code(_ options: SEEAExportOptions, account: URL) -> String? {
      do {
        _ = try SEEAExport.run(account: account.path, options: options)
        return nil
      } catch let e as InputProblems {
        return e.problems.first?.code
      } catch {
        return "\(error)"
      }
    }
    #expect(code(SEEAExportOptions(output: out), account: account) == "output.exists")
    #expect(code(SEEAExportOptions(output: out, overwrite: true), account: account) == nil)
    let user = root.appendingPathComponent("mine")
    try FileManager.default.createDirectory(at: user, withIntermediateDirectories: true)
    let precious = user.appendingPathComponent("notes.txt")
    try "mine".write(to: precious, atomically: true, encoding: .utf8)
    #expect(
      code(SEEAExportOptions(output: user.path, overwrite: true), account: account)
        == "output.not-gep-output")
    #expect((try? String(contentsOf: precious, encoding: .utf8)) == "mine")
    #expect(
      code(
        SEEAExportOptions(output: account.appendingPathComponent("seea").path), account: account)
        == "export.output-inside")
    let siblings = try FileManager.default.contentsOfDirectory(atPath: root.path)
    #expect(!siblings.contains { $0.contains(".partial-") })
    // The default output is OUT_DIR-seea beside the account.
    let r = try SEEAExport.run(account: account.path, options: SEEAExportOptions())
    #expect(r.output == root.appendingPathComponent("a-seea").standardizedFileURL.path)
  }

  /// Every indicator of every shipped profile (coefficients/*/profile.csv), every indicator
  /// this version of gep implements (the method registry, the material sectors) and every one
  /// it knows without a method has a row in coefficients/seea_crosswalk.csv, with a SEEA EA
  /// reference-list service unless the row says no service matches (`mapping = none`), a
  /// known sector and a source citing SEEA EA 2021 Table 6.3. A new indicator without a row
  /// fails here.
  @Test func crosswalkCoversEveryIndicator() throws {
    let crosswalk = try SEEACrosswalk.load(path: coefficientRoot + "/seea_crosswalk.csv")
    var ids: [String: String] = [:]
    let sets = try FileManager.default.contentsOfDirectory(atPath: coefficientRoot).sorted()
    var profiles = 0
    for set in sets {
      let profile = "\(coefficientRoot)/\(set)/profile.csv"
      guard FileManager.default.fileExists(atPath: profile) else { continue }
      profiles += 1
      for r in CSVText(text: try String(contentsOfFile: profile, encoding: .utf8)).records {
        ids[r["indicator_id"]!] = "\(set)/profile.csv"
      }
    }
    #expect(profiles >= 3)
    for d in MethodRegistry.builtIn.descriptors { ids[d.indicator] = "the method registry" }
    for id in MethodRegistry.knownUnimplemented { ids[id] = "knownUnimplemented" }
    for id in materialSectors.values { ids[id] = "the material sectors" }
    #expect(ids.count >= 17)
    for (id, from) in ids.sorted(by: { $0.key < $1.key }) {
      let row = crosswalk.row(id)
      #expect(row != nil, "\(id) (from \(from)) has no row in coefficients/seea_crosswalk.csv")
      guard let row else { continue }
      #expect(row.mapping == "none" || !row.service.isEmpty, "\(id)")
      #expect(row.source.contains("SEEA EA") && row.source.contains("Table 6.3"), "\(id)")
    }
    // The material products are used by industries, recreation by households.
    #expect(crosswalk.row("agricultural_products")?.sector == "industries")
    #expect(crosswalk.row("recreation")?.sector == "households")
    #expect(crosswalk.row("carbon_sequestration")?.service == "Global climate regulation services")
  }

  /// A malformed crosswalk is refused with every problem at once, each naming its line,
  /// column and value.
  @Test func malformedCrosswalkNamesEveryProblem() throws {
    let root = try tempFolder("seea-crosswalk")
    defer { try? FileManager.default.removeItem(at: root) }
    let path = root.appendingPathComponent("c.csv").path
    try """
    indicator_id,name_zh,seea_section,seea_service,seea_service_detail,beneficiary_sector,mapping,source,note
    a,甲,provisioning,Crop provisioning services,,farmers,direct,SEEA EA,
    a,甲,supporting,,,industries,direct,,
    """.write(toFile: path, atomically: true, encoding: .utf8)
    do {
      _ = try SEEACrosswalk.load(path: path)
      Issue.record("accepted")
    } catch let e as InputProblems {
      let found = e.problems.map { "\($0.location.row ?? 0):\($0.location.column ?? "")" }
      #expect(
        Set(found) == [
          "2:beneficiary_sector", "3:indicator_id", "3:seea_section", "3:seea_service", "3:source",
        ])
    }
  }
}
