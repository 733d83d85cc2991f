import Foundation
import GEPCore
import GEPGeo
import GEPPipeline
import Testing

/// The RWEQ inputs of `sandFixationRun`: WF (kg/m) per cell; the soil, slope and FVC of the
/// hand-computed cell everywhere.
func addSandFixationRasters(_ run: inout SyntheticRun, wf: @escaping (Int, Int) -> Double) {
  run.rasters["weather_factor"] = ("kg/m", wf)
  run.rasters["soil_sand"] = ("percent", { _, _ in 60 })
  run.rasters["soil_silt"] = ("percent", { _, _ in 30 })
  run.rasters["soil_clay"] = ("percent", { _, _ in 10 })
  run.rasters["soil_organic_matter"] = ("percent", { _, _ in 2 })
  run.rasters["soil_caco3"] = ("percent", { _, _ in 1 })
  run.rasters["slope"] = ("degree", { _, _ in 10 })
  run.rasters["fvc"] = ("fraction", { _, _ in 0.1 })
}

/// Runs the 20 × 10 grid of `forestRun` (30 m cells, one village) with columns 0–14 forest
/// (SWAT 6 → class 103 → woodland α = −0.1535) and columns 15–19 urban (SWAT 104 → class 6,
/// `rweq.applies = 0`), national-2022 edited by `edit`; returns the village's sand-fixation
/// line, the run's warnings, the village's land area (m²) and manifest.json.
func sandFixationRun(
  wf: @escaping (Int, Int) -> Double, edit: (URL) throws -> Void = { _ in }
) throws -> (line: IndicatorLine, warnings: [Problem], area: Double, manifest: String) {
  let folder = try tempFolder("sand-fixation")
  defer { try? FileManager.default.removeItem(at: folder) }
  let root = try coefficientCopy(folder) { $0 }
  try edit(root.appendingPathComponent("national-2022"))
  var run = SyntheticRun.waterBalance()
  run.landUse = { c, _ in c < 15 ? 6 : 104 }
  addSandFixationRasters(&run, wf: wf)
  let runFile = try run.write(to: folder)
  try editRunFile(
    folder, "coefficients = \"\(coefficientRoot)\"", "coefficients = \"\(root.path)\"")
  let result = try ComputeJob.run(
    config: try RunConfiguration.load(path: runFile),
    options: ComputeOptions(output: folder.appendingPathComponent("out").path, threads: 2))
  let village = try #require(result.account.units.first { $0.unit.code == "520621001001" })
  let line = try #require(village.lines.first { $0.indicator == "sand_fixation" })
  let manifest = try String(
    contentsOf: folder.appendingPathComponent("out/manifest.json"), encoding: .utf8)
  return (line, result.warnings, village.area.value, manifest)
}

/// The profile row switched from the integrated to the full RWEQ form, declaring z.
func useFullRWEQ(_ set: URL) throws {
  try replace(
    set, "profile.csv", "regulating,rweq_integrated,rweq_integrated;rweq_full,",
    "regulating,rweq_full,rweq_integrated;rweq_full,")
  try replace(
    set, "profile.csv", "sand_bulk_density;sand_cover_thickness,sand_control_cost",
    "sand_bulk_density;sand_cover_thickness;rweq_downwind_distance,sand_control_cost")
}

/// Sand fixation (防风固沙) by RWEQ through the cell pass (GEP-METHODS §5.3).
@Suite struct SandFixationTests {
  /// One forest cell by hand, then the pipeline's village sum on the synthetic grid.
  ///
  /// Cell: WF = 20 kg/m; sand 60, silt 30, clay 10, OM 2, CaCO₃ 1 %; slope 10°; FVC 0.1
  /// (10 %); woodland α = −0.1535 per percent (national-2022 rweq.csv, GEP-METHODS §11.2).
  ///
  ///     EF  = (29.09 + 0.31·60 + 0.17·30 + 0.33·60/10 − 2.59·2 − 0.95·1)/100 = 0.4864
  ///     SCF = 1/(1 + 0.0066·10² + 0.021·2²) = 1/1.744 = 0.573394
  ///     K′  = cos 10° = 0.984808
  ///     C   = exp(−0.1535 × 10) = 0.215456
  ///     X   = WF·EF·SCF·K′ = 20 × 0.4864 × 0.573394 × 0.984808 = 5.493240 kg/m
  ///     S_potential = 0.1699 × X^1.3711 = 0.1699 × 10.336629 = 1.756193 kg/m²
  ///     S_actual    = 0.1699 × (X·C)^1.3711 = 1.756193 × C^1.3711 (0.121890) = 0.214062 kg/m²
  ///     SF = 1.756193 − 0.214062 = 1.542131 kg/m² per cell of 900 m² = 1.387918 t
  ///
  /// 150 forest cells (13.5 hm² = 135 000 m²): 1.542131 × 135 000 / 1000 = 208.1877 t/a.
  /// Value: 208.1877 t / (1.28 t/m³ × 0.1 m) = 1626.467 m² of desertified land × 3.75 yuan/m²
  /// (sand_control_cost, Ganzi 2010 [S1]) = 6099.250 yuan/a. The 50 urban cells (45 000 m²)
  /// are not applicable (rweq.applies = 0), not a computed 0.
  @Test func handComputedCell() throws {
    let (line, warnings, _, manifest) = try sandFixationRun(wf: { _, _ in 20 })
    #expect(line.method == "rweq_integrated")
    #expect(abs(try #require(line.quantity).value - 208.1877) < 1e-3)
    #expect(abs(try #require(line.value).value - 6099.250) < 1e-2)
    #expect(abs(line.notApplicableArea.value - 45_000) < 1e-6)
    #expect(line.uncoveredArea.value == 0)
    #expect(line.maskedArea.value == 0)
    #expect(!warnings.contains { $0.code == "sand_fixation.no-wind-erosion" })
    #expect(manifest.contains("K′ = cos(slope)"))
    #expect(!manifest.contains("sand_fixation.not_applicable"))
  }

  /// The full form on the same grid: SF = SL(X) − SL(X·C) with z = 50 m
  /// (`SandFixationFormulaTests.cellSandFixationHandComputation`: potential
  /// s = 80.0925 m, Q_max = 603.158 kg/m, SL = 6.367848; actual s = 141.5737 m,
  /// Q_max = 129.9538, SL = 0.572339; SF = 5.795509 kg/m²) × 135 000 m² / 1000 =
  /// 782.3937 t/a; / 0.128 × 3.75 = 22 921.69 yuan/a.
  @Test func fullFormOnTheSameGrid() throws {
    let (line, _, _, _) = try sandFixationRun(wf: { _, _ in 20 }, edit: useFullRWEQ)
    #expect(line.method == "rweq_full")
    #expect(abs(try #require(line.quantity).value - 782.3937) < 1e-3)
    #expect(abs(try #require(line.value).value - 22_921.69) < 1e-2)
  }

  /// No wind above the erosion threshold anywhere (WF = 0 on every cell): the region has no
  /// wind erosion, so sand fixation is not applicable — status not_applicable over the whole
  /// village, with a warning naming the bound (WF ≤ 0 kg/m) and U_t = 5 m/s [S8] [S9] — not a
  /// computed 0.
  @Test func noWindErosionIsNotApplicable() throws {
    let (line, warnings, area, manifest) = try sandFixationRun(wf: { _, _ in 0 })
    #expect(line.status(unitArea: area) == .notApplicable)
    #expect(abs(line.notApplicableArea.value - area) < 1e-6)
    #expect(line.uncoveredArea.value == 0 && line.maskedArea.value == 0)
    let w = try #require(warnings.first { $0.code == "sand_fixation.no-wind-erosion" })
    #expect(w.message.contains("≤ 0"))
    #expect(w.message.contains("U_t = 5 m/s"))
    #expect(w.location.field == "rasters.weather_factor")
    #expect(manifest.contains("\"sand_fixation.not_applicable\""))
  }

  /// WF > 0 on part of the grid only: computed (the whole-grid rule does not fire), the cells
  /// without erosive wind add 0, the rest as by hand: columns 0–9 forest at WF = 20 (100 cells
  /// × 1.387918 t = 138.7918 t/a), columns 10–14 forest at WF = 0 (0 t).
  @Test func windOnPartOfTheGridIsComputed() throws {
    let (line, warnings, area, _) = try sandFixationRun(wf: { c, _ in c < 10 ? 20 : 0 })
    #expect(line.status(unitArea: area) == .computed)
    #expect(abs(try #require(line.quantity).value - 138.7918) < 1e-3)
    #expect(!warnings.contains { $0.code == "sand_fixation.no-wind-erosion" })
  }

  /// `[derive.weather_factor]` end to end: one station (sea level) with, every day of 2024
  /// (366 days), U₁₀ = 7 m/s, T_max 20 / T_min 10 °C, RH 70 %, 8 h of sunshine (so ET_p > 0),
  /// no rain (SW = 1) and no snow field (SD = 1):
  ///
  ///     U₂ = 7 × 0.2^(1/7) = 5.562182 m/s; term = 5.562182 × 0.562182² = 1.757919 m³/s³
  ///     ρ = 348 × 1.013 / 288.15 = 1.223404 kg/m³; per day term × ρ/g = 0.219454
  ///     WF = 0.219454 × 366 = 80.320032 kg/m (uniform: one station)
  ///     X = 80.320032 × 0.4864 × 0.573394 × 0.984808 = 22.060859
  ///     S_potential = 0.1699 × 22.060859^1.3711 = 0.1699 × 69.540962 = 11.815009 kg/m²
  ///     S_actual = 11.815009 × 0.121890 = 1.440128 kg/m²; SF = 10.374881 kg/m²
  ///     × 135 000 m² / 1000 = 1400.609 t/a; / 0.128 × 3.75 = 41 033.47 yuan/a
  @Test func derivedWeatherFactorFromStations() throws {
    let folder = try tempFolder("sand-fixation-derived")
    defer { try? FileManager.default.removeItem(at: folder) }
    var meteo = "StationID,Y,M,D,TMAX,TMIN,RM,WS,SSD\n"
    var rain = "Y,M,D,S1\n"
    for d in CalendarDay.allDays(of: 2024) {
      meteo += "S1,\(d.year),\(d.month),\(d.day),20,10,70,7,8\n"
      rain += "\(d.year),\(d.month),\(d.day),0\n"
    }
    try Data(meteo.utf8).write(to: folder.appendingPathComponent("meteo.csv"))
    try Data(rain.utf8).write(to: folder.appendingPathComponent("rain.csv"))
    try Data("StationID,Lon,Lat,Elevation\nS1,111.0,27.1,0\n".utf8).write(
      to: folder.appendingPathComponent("stations.csv"))
    var run = SyntheticRun.waterBalance()
    run.landUse = { c, _ in c < 15 ? 6 : 104 }
    addSandFixationRasters(&run, wf: { _, _ in 0 })
    run.rasters["weather_factor"] = nil
    let runFile = try run.write(to: folder)
    let text = try String(contentsOfFile: runFile, encoding: .utf8)
    try Data(
      (text
        + "\n[derive.weather_factor]\nmeteo = \"meteo.csv\"\nrain = \"rain.csv\"\n"
        + "stations = \"stations.csv\"\n").utf8
    ).write(to: URL(fileURLWithPath: runFile))
    let result = try ComputeJob.run(
      config: try RunConfiguration.load(path: runFile),
      options: ComputeOptions(output: folder.appendingPathComponent("out").path, threads: 2))
    let village = try #require(result.account.units.first { $0.unit.code == "520621001001" })
    let line = try #require(village.lines.first { $0.indicator == "sand_fixation" })
    #expect(abs(try #require(line.quantity).value - 1400.609) < 1e-2)
    #expect(abs(try #require(line.value).value - 41_033.47) < 0.5)
    #expect(
      result.warnings.contains {
        $0.code == "raster.derived" && $0.location.field == "derive.weather_factor"
      })
  }

  /// The five soil rasters derived from a soil map and its property table
  /// (`[derive.soil_*]`): columns 0–9 soil 1 (SEIMS-style layers "60-40": layer 1 is the hand
  /// cell's sand 60, silt 30, clay 10; organic carbon 1.160093 × 1.724 = 2.0 % OM; SOL_CAL
  /// 1 %), columns 10–19 soil 2 without clay (EF's Sa/Cl undefined: not computed). So columns
  /// 0–9 (forest) give the hand-computed 1.387918 t per cell × 100 = 138.7918 t/a
  /// (`handComputedCell`), columns 10–14 (forest, clay 0) are uncovered (45 000 m²), columns
  /// 15–19 (urban) not applicable.
  @Test func soilRastersDerivedFromASoilMap() throws {
    let folder = try tempFolder("sand-fixation-soil")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun.waterBalance()
    run.landUse = { c, _ in c < 15 ? 6 : 104 }
    addSandFixationRasters(&run, wf: { _, _ in 20 })
    for role in ["soil_sand", "soil_silt", "soil_clay", "soil_organic_matter", "soil_caco3"] {
      run.rasters[role] = nil
    }
    let runFile = try run.write(to: folder)
    var ids = [Double](repeating: 0, count: run.width * run.height)
    for r in 0..<run.height { for c in 0..<run.width { ids[r * run.width + c] = c < 10 ? 1 : 2 } }
    let soil = folder.appendingPathComponent("soil.tif").path
    let w = try RasterWriter(path: soil, grid: try run.grid, dataType: .int16, noData: 0)
    try w.write(ids, window: try run.grid.fullWindow)
    try w.close()
    try Data(
      ("SEQN,SOL_SAND,SOL_SILT,SOL_CLAY,SOL_CBN,SOL_CAL\n"
        + "1,60-40,30-35,10-25,\(2 / 1.724),1\n" + "2,70,30,0,1,0\n").utf8
    ).write(to: folder.appendingPathComponent("soil.csv"))
    var text = try String(contentsOfFile: runFile, encoding: .utf8)
    for role in ["soil_sand", "soil_silt", "soil_clay", "soil_organic_matter", "soil_caco3"] {
      text += "\n[derive.\(role)]\nsoil_map = \"soil.tif\"\nproperties = \"soil.csv\"\n"
    }
    try Data(text.utf8).write(to: URL(fileURLWithPath: runFile))
    let result = try ComputeJob.run(
      config: try RunConfiguration.load(path: runFile),
      options: ComputeOptions(output: folder.appendingPathComponent("out").path, threads: 2))
    let village = try #require(result.account.units.first { $0.unit.code == "520621001001" })
    let line = try #require(village.lines.first { $0.indicator == "sand_fixation" })
    #expect(abs(try #require(line.quantity).value - 138.7918) < 1e-3)
    #expect(abs(line.uncoveredArea.value - 45_000) < 1e-6)
    #expect(abs(line.notApplicableArea.value - 45_000) < 1e-6)
    let undefined = try #require(result.warnings.first { $0.code == "indicator.undefined-cells" })
    // 45 000 of the 180 000 m² of land.
    #expect(undefined.message.hasPrefix("sand_fixation: 25.00 % of the land area"))
  }
}
