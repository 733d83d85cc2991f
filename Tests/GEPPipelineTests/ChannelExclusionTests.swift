import Foundation
import GEPCore
import GEPGeo
import Testing

@testable import GEPPipeline

/// Stream channel cells are not evaluated for soil conservation (RUSLE is a hillslope model;
/// InVEST SDR's stream layer from `threshold_flow_accumulation`, GEP-METHODS §5.2): their area
/// is reported as `excluded_share`, the indicator stays `computed` on the hillslopes.
@Suite struct ChannelExclusionTests {
  /// The uniform case of `ComputeTests.uniformCaseMatchesHandComputation` (soil conservation
  /// 20.73124057 t per 30 m cell, 100 cells per village) with a given channel mask: column 4
  /// of village 甲 (10 cells) is a channel. Hand computation: 甲 keeps 90 cells × 20.73124057
  /// = 1 865.811651 t and excluded_share 10/100 = 0.1; 乙 has no channel: 2 073.124057 t,
  /// excluded_share 0. Water conservation reads no mask: 41 198.4 m³ in both.
  @Test func givenChannelMaskExcludesItsCellsFromSoilConservation() throws {
    let folder = try tempFolder("channels-given")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun()
    run.rasters = [
      "precipitation": ("mm", { _, _ in 1200 }), "evapotranspiration": ("mm", { _, _ in 700 }),
      "erosivity": ("MJ mm hm-2 h-1 a-1", { _, _ in 4000 }),
      "erodibility": ("t hm2 h hm-2 MJ-1 mm-1", { _, _ in 0.03 }),
      "ls": ("1", { _, _ in 2 }), "fvc": ("fraction", { _, _ in 0.5 }),
      "channels": ("1", { c, _ in c == 4 ? 1 : 0 }),
    ]
    run.villages = [
      ("520621001001", "甲村", 0, 0, 10, 10), ("520621002001", "乙村", 10, 0, 20, 10),
    ]
    let runFile = try run.write(to: folder)
    let result = try compute(runFile, out: folder.appendingPathComponent("out"))
    let lines = try readCSV(folder.appendingPathComponent("out/indicators.csv").path)
    func line(_ code: String, _ id: String) -> [String: String]? {
      lines.first { $0["code"] == code && $0["indicator"] == id }
    }
    // K is Float32 (0.03 → 0.029999999329447746): relative error 2.2e-8.
    let kRel = 1e-7
    let soilA = try #require(line("520621001001", "soil_conservation"))
    #expect(abs(Double(soilA["physical_quantity"] ?? "")! / (90 * 20.73124057) - 1) < kRel)
    #expect(soilA["excluded_share"] == "0.1")
    #expect(soilA["status"] == "computed" && soilA["computed_share"] == "1")
    // The density is per hectare of the computed (hillslope) area: 90 × 20.73124057 t over
    // 90 × 0.09 hm² = 230.3471175 t/hm²/a; water 41 198.4 m³ over 9 hm² = 4 577.6 m³/hm²/a.
    #expect(abs(Double(soilA["physical_density"] ?? "")! / 230.3471175 - 1) < kRel)
    #expect(soilA["physical_density_unit"] == "t/hm2/a")
    let soilB = try #require(line("520621002001", "soil_conservation"))
    #expect(abs(Double(soilB["physical_quantity"] ?? "")! / 2073.124057 - 1) < kRel)
    #expect(soilB["excluded_share"] == "0")
    // The county: 10 of 200 cells.
    let county = try #require(line("520621000000", "soil_conservation"))
    #expect(county["excluded_share"] == "0.05")
    for code in ["520621001001", "520621002001"] {
      let water = try #require(line(code, "water_conservation"))
      #expect(abs(Double(water["physical_quantity"] ?? "")! - 41_198.4) < 1e-7)
      #expect(abs(Double(water["physical_density"] ?? "")! - 4_577.6) < 1e-8)
      #expect(water["physical_density_unit"] == "m3/hm2/a")
      #expect(water["excluded_share"] == "0")
    }
    let w = try #require(result.warnings.first { $0.code == "indicator.excluded-cells" })
    #expect(w.message.hasPrefix("soil_conservation: 5.00 % of the land area lies on channels"))
    let manifest = try String(
      contentsOf: folder.appendingPathComponent("out/manifest.json"), encoding: .utf8)
    #expect(manifest.contains("\"soil_conservation.excluded_where\": \"channels ≠ 0"))
  }

  /// A channel mask with other values than 0 and 1 (a flow-accumulation raster given as the
  /// mask) is an input error naming the first cell, not a silent exclusion.
  @Test func aFlowAccumulationGivenAsTheMaskIsRejected() throws {
    let folder = try tempFolder("channels-range")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun.waterBalance()
    run.rasters["erosivity"] = ("MJ mm hm-2 h-1 a-1", { _, _ in 4000 })
    run.rasters["erodibility"] = ("t hm2 h hm-2 MJ-1 mm-1", { _, _ in 0.03 })
    run.rasters["ls"] = ("1", { _, _ in 2 })
    run.rasters["channels"] = ("1", { c, r in Double(1 + c + r) })
    let runFile = try run.write(to: folder)
    let problems = validate(runFile: runFile)
    let p = try #require(with("raster.out-of-range", problems).first)
    #expect(p.message.contains("channel mask"))
    #expect(p.location.row == 0 && p.location.column == "1")
  }

  /// A valley DEM (two 12° hillslopes falling to a channel along column 10, which falls 1 m
  /// per row), `[derive.ls]` with a 15-cell channel threshold: the derivation's channel mask
  /// becomes the run's `channels` raster. Checked against an independent derivation of the
  /// mask (`FactorPreparation.ls` with `streamOut`, counting its 1s) and against a run with
  /// `exclude_channels = false`, whose per-cell soil raster, summed over the hillslope cells
  /// of that mask, equals the excluding run's total.
  @Test func derivedLSChannelsAreExcludedAndCanBeKept() throws {
    let folder = try tempFolder("channels-derived")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun()
    run.width = 21
    run.height = 24
    let rise = tan(12 * Double.pi / 180) * 30
    run.rasters = [
      "erosivity": ("MJ mm hm-2 h-1 a-1", { _, _ in 4000 }),
      "erodibility": ("t hm2 h hm-2 MJ-1 mm-1", { _, _ in 0.03 }),
      "fvc": ("fraction", { _, _ in 0.5 }),
      "dem": ("m", { c, r in 500 + Double(abs(c - 10)) * rise + Double(run.height - r) }),
    ]
    run.villages = [("520621001001", "甲村", 0, 0, 21, 24)]
    let runFile = try run.write(to: folder)
    try appendRunFile(folder, "[derive.ls]\ndem = \"dem.tif\"\nchannel_threshold = 15")
    let result = try compute(
      runFile, out: folder.appendingPathComponent("out"), writeRasters: false)
    #expect(
      result.warnings.contains { $0.code == "raster.derived" && $0.message.hasPrefix("channel") })
    // The mask, derived independently with the same options.
    let mask = folder.appendingPathComponent("mask.tif").path
    let config = try RunConfiguration.load(path: runFile)
    guard case .ls(let dem, let crs, let options)? = config.derivations["ls"] else {
      Issue.record("no LS derivation")
      return
    }
    _ = try FactorPreparation.ls(
      dem: dem, out: folder.appendingPathComponent("ls.tif").path,
      options: LSPreparationOptions(factor: options, crs: crs, streamOut: mask))
    let g = try run.grid
    let m = try RasterDataset(path: mask).band(1)
    var mv = [Double](repeating: 0, count: g.width * g.height)
    var mok = [Bool](repeating: false, count: mv.count)
    try m.readMasked(g.fullWindow, values: &mv, valid: &mok)
    let channelCells = mv.filter { $0 == 1 }.count
    #expect(channelCells > 0 && channelCells < mv.count / 2)
    let lines = try readCSV(folder.appendingPathComponent("out/indicators.csv").path)
    let soil = try #require(
      lines.first { $0["code"] == "520621001001" && $0["indicator"] == "soil_conservation" })
    let share = Double(soil["excluded_share"] ?? "") ?? .nan
    #expect(abs(share - Double(channelCells) / Double(mv.count)) < 1e-12)
    #expect(soil["status"] == "computed")
    let excludedTotal = Double(soil["physical_quantity"] ?? "") ?? .nan

    // exclude_channels = false: every cell computed; the per-cell raster over the hillslope
    // cells of the mask sums to the excluding run's total.
    try editRunFile(
      folder, "channel_threshold = 15", "channel_threshold = 15\nexclude_channels = false")
    _ = try compute(
      runFile, out: folder.appendingPathComponent("kept"), writeRasters: true)
    let kept = try readCSV(folder.appendingPathComponent("kept/indicators.csv").path)
    let all = try #require(
      kept.first { $0["code"] == "520621001001" && $0["indicator"] == "soil_conservation" })
    #expect(all["excluded_share"] == "0")
    let soilRaster = try RasterDataset(
      path: folder.appendingPathComponent("kept/rasters/soil_conservation.tif").path
    ).band(2)  // band 2: the physical quantity per cell, t/a
    var sv = [Double](repeating: 0, count: mv.count)
    var sok = [Bool](repeating: false, count: mv.count)
    try soilRaster.readMasked(g.fullWindow, values: &sv, valid: &sok)
    var hillslopes = 0.0
    for i in sv.indices where mv[i] == 0 && sok[i] { hillslopes += sv[i] }
    // The raster is Float32 per cell: relative error ≤ 6e-8 per cell.
    #expect(abs(hillslopes / excludedTotal - 1) < 1e-6)
    #expect((Double(all["physical_quantity"] ?? "") ?? 0) > excludedTotal)
    let manifest = try String(
      contentsOf: folder.appendingPathComponent("kept/manifest.json"), encoding: .utf8)
    #expect(manifest.contains("\"soil_conservation.excluded_where\": \"none\""))
  }

  /// The mean-LS warning also covers a derived LS: a 40° plane (L over up to 24 cells of
  /// 30 m, S = 21.91 sin 40° − 0.96 = 13.1 by Liu) has a mean LS far above 2 × 5.20, and a 2°
  /// plane (S = 10.8 sin 2° + 0.03 = 0.41) stays below it.
  @Test func derivedLSMeanIsCheckedForPlausibility() throws {
    for (degrees, warned) in [(40.0, true), (2.0, false)] {
      let folder = try tempFolder("ls-mean")
      defer { try? FileManager.default.removeItem(at: folder) }
      var run = SyntheticRun()
      run.width = 12
      run.height = 24
      let rise = tan(degrees * Double.pi / 180) * 30
      run.rasters = [
        "erosivity": ("MJ mm hm-2 h-1 a-1", { _, _ in 4000 }),
        "erodibility": ("t hm2 h hm-2 MJ-1 mm-1", { _, _ in 0.03 }),
        "dem": ("m", { _, r in 100 + Double(run.height - r) * rise }),
      ]
      run.villages = [("520621001001", "甲村", 0, 0, 12, 24)]
      let runFile = try run.write(to: folder)
      try appendRunFile(folder, "[derive.ls]\ndem = \"dem.tif\"")
      let result = try compute(runFile, out: folder.appendingPathComponent("out"))
      let w = result.warnings.first { $0.code == "soil.ls-implausible" }
      #expect((w != nil) == warned, "\(degrees)°: \(result.warnings.map(\.message))")
      if let w { #expect(w.location.field == "derive.ls") }
    }
  }
}

/// The density warning gives the share of the computed area above the method's plausible
/// density (soil conservation: 2 × 442.4 = 884.8 t·hm⁻²·a⁻¹, Garzê's forest [S1]).
@Suite struct SoilDensityShareTests {
  /// The forest grid (20 × 10 cells) with R 4000, K 0.03, FVC 0.5: LS 2 gives ≈ 230
  /// t·hm⁻²·a⁻¹, LS 20 ≈ 2 303 (4000 · 0.03 · 20 · 0.9597796561). LS 20 on columns 0–4
  /// (50 of 200 cells): 25 % of the computed area above 884.8; a 2-cell channel mask inside
  /// those columns leaves 48 of 198 computed cells above (24.24 %).
  @Test func shareOfCellsAboveTheBound() throws {
    for (withChannels, share) in [(false, "25.00"), (true, "24.24")] {
      let folder = try tempFolder("soil-share")
      defer { try? FileManager.default.removeItem(at: folder) }
      var run = SyntheticRun.waterBalance()
      run.rasters["erosivity"] = ("MJ mm hm-2 h-1 a-1", { _, _ in 4000 })
      run.rasters["erodibility"] = ("t hm2 h hm-2 MJ-1 mm-1", { _, _ in 0.03 })
      run.rasters["ls"] = ("1", { c, _ in c < 5 ? 20 : 2 })
      run.rasters["fvc"] = ("fraction", { _, _ in 0.5 })
      if withChannels { run.rasters["channels"] = ("1", { c, r in c == 0 && r < 2 ? 1 : 0 }) }
      let result = try compute(
        try run.write(to: folder), out: folder.appendingPathComponent("out"))
      let w = try #require(result.warnings.first { $0.code == "soil.density-implausible" })
      #expect(
        w.message.hasPrefix(
          "soil_conservation: \(share) % of the area where it is computed lies above 884.8 "
            + "t·hm⁻²·a⁻¹"), "\(w.message)")
    }
  }
}
