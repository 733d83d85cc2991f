import Foundation
import GEPCore
import GEPGeo
import GEPPipeline
import Testing

// `gep prepare` on the REAL Zhongtianshe (中田舍) watershed, Liyang, Jiangsu
// (`../shared/data/cn-zhongtianshe-seims`, SEIMS, GPL-3.0; see its SOURCES.md): LS from the
// 25 m DEM, K from the soil map + SEIMS property table, R and annual precipitation from the
// daily rain of station 111, ET from the daily meteorology of station 58345. Prints the
// ranges. Skipped when `../shared/data` is absent.

/// The repository root, from this file's path (Tests/GEPPipelineTests/<file>).
private let prepRepoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent()
private let prepData = prepRepoRoot.appendingPathComponent("../shared/data/cn-zhongtianshe-seims")
  .standardizedFileURL
private let prepDataExists = FileManager.default.fileExists(
  atPath: prepData.appendingPathComponent("spatial/dem_25m.tif").path)

@Suite struct PrepareZhongtiansheTests {
  @Test(
    .enabled(
      if: prepDataExists,
      "needs ../shared/data/cn-zhongtianshe-seims (real Zhongtianshe inputs); skipped"))
  func derivedFactorsOfTheRealWatershed() throws {
    let folder = try tempFolder("prepare-zts")
    defer { try? FileManager.default.removeItem(at: folder) }
    func out(_ n: String) -> String { folder.appendingPathComponent(n).path }
    func data(_ n: String) -> String { prepData.appendingPathComponent(n).path }
    let dem = data("spatial/dem_25m.tif")
    var lines: [String] = []

    // LS: D8 and MFD, no cap; the DEM covers the watershed only (97 560 cells).
    let ls = try FactorPreparation.ls(
      dem: dem, out: out("ls.tif"), options: LSPreparationOptions(slopeOut: out("slope.tif")))
    let lsMFD = try FactorPreparation.ls(
      dem: dem, out: out("ls_mfd.tif"),
      options: LSPreparationOptions(factor: LSFactorOptions(flow: .mfd, maximumL: 333)))
    #expect(ls.validCells == 97_560)
    #expect(ls.minimum > 0 && ls.maximum < 2000)
    #expect(lsMFD.validCells == ls.validCells)
    let slope = try RasterDataset(path: out("slope.tif")).band(1)
      .read(RasterWindow(colOffset: 0, rowOffset: 0, width: 839, height: 598))
      .filter { $0 != prepareNoData }
    #expect(slope.max()! < 60)
    lines += [ls.description, lsMFD.description]
    lines.append(
      "slope: \(String(format: "%.2f", slope.min()!))…\(String(format: "%.2f", slope.max()!))° "
        + "(mean \(String(format: "%.2f", slope.reduce(0, +) / Double(slope.count))))")

    // K: soil map on the DEM grid, declared EPSG:4528 (its own CRS names a wrong datum);
    // ids 19, 22, 50 are not in the table → nodata. Top layer; OC = SOL_OM / 1.724.
    let k = try FactorPreparation.k(
      soilMap: data("spatial/soil_SEQN_25m.tif"),
      properties: data("lookup/soil_properties_lookup.txt"), out: out("k.tif"),
      options: SoilPropertyOptions(crs: "EPSG:4528"))
    #expect(k.notes.count == 3)
    #expect(k.minimum > 0.01 && k.maximum < 0.07)
    lines.append(k.description)

    // R (2014 and mean 2011–2016) and P (2014) from station 111 (one station → uniform).
    let stationsP = data("climate/Sites_P.txt")
    let rain = data("climate/precipitation_zts_daily.txt")
    let r2014 = try FactorPreparation.r(
      dailyRain: rain, stations: stationsP, grid: dem, out: out("r2014.tif"),
      options: DailyRainOptions(year: 2014))
    let rMean = try FactorPreparation.r(
      dailyRain: rain, stations: nil, grid: dem, out: out("r_mean.tif"),
      options: DailyRainOptions(year: nil))
    let rMonthly = try FactorPreparation.r(
      dailyRain: rain, stations: nil, grid: dem, out: out("r_monthly.tif"), method: .monthly,
      options: DailyRainOptions(year: 2014))
    #expect(r2014.minimum > 2000 && r2014.maximum < 20000)
    #expect(rMean.minimum > 2000 && rMean.maximum < 20000)
    lines += [r2014.description, rMean.description, rMonthly.description] + rMean.notes

    let p = try FactorPreparation.precipitation(
      dailyRain: rain, stations: stationsP, grid: dem, out: out("p.tif"),
      options: DailyRainOptions(year: 2014))
    // SOURCES.md: annual 1156–2398 mm over 2011–2016.
    #expect(p.minimum > 1156 - 1 && p.maximum < 2398 + 1)
    lines.append(p.description)

    // ET: FAO-56 PM ET0 at Liyang (58345, 7.7 m, 31.433°N), wind at 10 m; Budyko–Fu ω = 2.6.
    let et = try FactorPreparation.et(
      meteo: data("climate/meteorology_zts_daily.txt"), stations: data("climate/Sites_M.txt"),
      precipitation: out("p.tif"), out: out("et.tif"),
      options: ETPreparationOptions(year: 2014, omega: 2.6, et0Out: out("et0.tif")))
    let et0 = try FactorPreparation.annualReferenceET(
      meteo: data("climate/meteorology_zts_daily.txt"), stations: data("climate/Sites_M.txt"),
      options: ETPreparationOptions(year: 2014, omega: 2.6))
    let et0Value = try #require(et0.values["58345"])
    #expect(et0Value > 700 && et0Value < 1200)
    #expect(et.maximum < min(et0Value, p.minimum))
    lines.append("ET0 2014 at 58345: \(String(format: "%.1f", et0Value)) mm")
    lines.append(et.description)
    print("Zhongtianshe derived factors:\n  " + lines.joined(separator: "\n  "))
  }
}
