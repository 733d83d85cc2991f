import Foundation
import GEPCore
import GEPGeo
import GEPPipeline
import Testing

/// The real Zhongtianshe data, root `../shared/data/cn-zhongtianshe-seims` beside the repository.
private let derivedData = repoRoot.deletingLastPathComponent()
  .appendingPathComponent("shared/data/cn-zhongtianshe-seims")

@Suite struct ZhongtiansheDerivedTests {
  /// `gep compute` derives R, K, LS, annual precipitation and ET from the DEM, the soil map with
  /// its property table and the station tables, declared in the run file's `[derive]` tables,
  /// and computes the account from them. The derived factors equal those of `gep prepare`
  /// (the same `FactorPreparation` code, checked in `PrepareZhongtiansheTests`), so this test
  /// checks the wiring: each factor is derived, warped onto the land-use grid and used —
  /// water conservation is computed on the forest (α known) and soil conservation where K and
  /// LS are valid — and the manifest lists the primary inputs with their hashes.
  @Test(
    .enabled(
      if: FileManager.default.fileExists(atPath: derivedData.path),
      "needs ../shared/data/cn-zhongtianshe-seims (real Zhongtianshe inputs); skipped"))
  func accountFromPrimaryData() throws {
    let folder = try tempFolder("zts-derived")
    defer { try? FileManager.default.removeItem(at: folder) }
    func data(_ p: String) -> String { derivedData.appendingPathComponent(p).path }
    let units = folder.appendingPathComponent("unit.gpkg").path
    try translateVector(
      sourcePath: data("spatial/bound.shp"), destinationPath: units, format: "GPKG",
      arguments: [
        "-dialect", "SQLite", "-sql",
        "SELECT '320481100001' AS code, '中田舍流域' AS name, geometry FROM bound",
        "-nln", "units",
      ])
    let toml = """
      year = 2014
      profile = "national-2022"
      coefficients = "\(coefficientRoot)"
      output = "out"

      [landuse]
      path = "\(data("spatial/landuse_25m.tif"))"
      scheme = "swat"
      crs = "EPSG:4528"

      [derive.precipitation]
      daily_rain = "\(data("climate/precipitation_zts_daily.txt"))"
      stations = "\(data("climate/Sites_P.txt"))"

      [derive.evapotranspiration]
      meteo = "\(data("climate/meteorology_zts_daily.txt"))"
      stations = "\(data("climate/Sites_M.txt"))"
      omega = 2.6

      [derive.erosivity]
      daily_rain = "\(data("climate/precipitation_zts_daily.txt"))"
      stations = "\(data("climate/Sites_P.txt"))"

      [derive.erodibility]
      soil_map = "\(data("spatial/soil_SEQN_25m.tif"))"
      properties = "\(data("lookup/soil_properties_lookup.txt"))"
      crs = "EPSG:4528"

      [derive.ls]
      dem = "\(data("spatial/dem_25m.tif"))"
      flow = "mfd"
      l_factor_cap = 333

      [units]
      path = "\(units)"
      code_field = "code"
      name_field = "name"
      hierarchy = "code12"
      """
    let runFile = folder.appendingPathComponent("gep.toml").path
    try Data(toml.utf8).write(to: URL(fileURLWithPath: runFile))
    let config = try RunConfiguration.load(path: runFile)
    #expect(config.derivations.count == 5)
    #expect(
      config.availableRoles.isSuperset(of: [
        .precipitation, .evapotranspiration, .erosivity, .erodibility, .ls,
      ]))
    let out = folder.appendingPathComponent("out")
    let result = try compute(runFile, out: out)
    let village = try #require(result.account.units.first { $0.unit.code == "320481100001" })
    let water = try #require(village.lines.first { $0.indicator == "water_conservation" })
    let soil = try #require(village.lines.first { $0.indicator == "soil_conservation" })
    // Water: P 1676.25 mm and ET ≈ 806 mm (Budyko–Fu) → positive on the forest classes.
    #expect((water.quantity?.value ?? 0) > 0)
    // Soil: R, K and LS are derived; C comes from the class table (no FVC), which national-2022
    // leaves empty, so soil conservation is "uncovered" (no coefficient), not masked by
    // missing inputs beyond the soil ids absent from the property table.
    #expect(soil.maskedArea.value / village.area.value < 0.01)
    for role in ["precipitation", "evapotranspiration", "erosivity", "erodibility", "ls"] {
      #expect(
        result.warnings.contains { $0.code == "raster.derived" && $0.message.hasPrefix(role) })
    }
    let manifest = try String(
      contentsOf: out.appendingPathComponent("manifest.json"), encoding: .utf8)
    #expect(
      manifest.contains("derive.erosivity") && manifest.contains("precipitation_zts_daily.txt"))
    // How LS was made (issue 21): the run file sets flow = "mfd" and l_factor_cap = 333; the
    // rest are the national defaults.
    #expect(manifest.contains("\"derive.ls.flow\": \"mfd\""))
    #expect(manifest.contains("\"derive.ls.l_factor_cap\": \"333\""))
    #expect(manifest.contains("\"derive.ls.method\": \"cumulative\""))
  }
}

@Suite struct DeriveRunFileTests {
  @Test func deriveTablesAreCheckedAtOnce() throws {
    let folder = try tempFolder("derive-bad")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun()
    run.rasters = ["ls": ("1", { _, _ in 1 })]
    run.villages = [("520621001001", "甲村", 0, 0, 20, 10)]
    let runFile = try run.write(to: folder)
    let extra = """

      [derive.ls]
      dem = "nowhere.tif"
      flow = "sideways"

      [derive.soil_depth]
      map = "x.tif"

      [derive.evapotranspiration]
      meteo = "m.txt"
      stations = "s.txt"
      """
    let text = try String(contentsOfFile: runFile, encoding: .utf8) + extra
    try Data(text.utf8).write(to: URL(fileURLWithPath: runFile))
    do {
      _ = try RunConfiguration.load(path: runFile)
      Issue.record("bad [derive] tables must be reported")
    } catch let e as InputProblems {
      let t = e.description
      #expect(t.contains("[run-file.derive-and-raster] ls is both given"))
      #expect(t.contains("[run-file.unknown-derivation] no derivation for soil_depth"))
      #expect(t.contains("[run-file.missing-key] Budyko–Fu needs omega"))
    }
  }
}
