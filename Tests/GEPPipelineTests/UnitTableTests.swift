import Foundation
import GEPCore
import GEPGeo
import GEPPipeline
import Testing

@Suite struct UnitTableTests {
  /// Tourism, reservoirs and the emission cap on the uniform 20 × 10 forest grid of
  /// `ComputeTests` (SWAT 6 → class 103, which falls back to level-1 forest), with the
  /// example-literature profile: forest SO₂ capacity 152.125 kg·hm⁻²·a⁻¹
  /// (coefficients/example-literature/air_purification.csv).
  ///
  /// SO₂ capacity per cell = 152.125 · 0.09 hm² / 1000 = 0.01369125 t; per village (100 cells)
  /// 1.369125 t; county 2.73825 t, worth 2.73825 · 1200 = 3285.9 yuan. The county emitted 2 t:
  /// capped amount min(2, 2.73825) = 2 t, 2400 yuan, shared by capacity → 1 t and 1200 yuan
  /// per village. NOx has no capacity coefficient, so 5 t of emission caps to 0.
  ///
  /// Tourism: 1000 visits × 50 yuan at a point in village B = 50 000 yuan there; 200 visits ×
  /// 100 yuan for the county, shared by area → 10 000 yuan and 100 visits per village.
  /// Reservoirs: 1 000 000 m³ in township 520621002000 (village B only) → 0.35 × 10⁶
  /// = 350 000 m³ of flood storage, × 7.53 yuan/m³ = 2 635 500 yuan.
  @Test func tourismReservoirsAndEmissionCap() throws {
    let folder = try tempFolder("tables")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun()
    run.profile = "example-literature"
    run.villages = [
      ("520621001001", "甲村", 0, 0, 10, 10), ("520621002001", "乙村", 10, 0, 20, 10),
    ]
    // A point in the middle of village B (x 500300…500600, y 2999700…3000000), in lon/lat.
    var x = [500_450.0]
    var y = [2_999_850.0]
    try CoordinateTransformation(
      from: try SpatialReference(epsg: 32649), to: try SpatialReference(epsg: 4326)
    ).transform(x: &x, y: &y)
    run.tables = [
      "tourism": "site,unit_code,lon,lat,visits,travel_cost_per_visit_yuan,source\n"
        + "scenic spot,,\(x[0]),\(y[0]),1000,50,test\n" + "county,520621,,,200,100,test\n",
      "reservoirs": "name,unit_code,capacity_m3,source\nR1,520621002000,1000000,test\n",
      "emissions": "unit_code,pollutant,emission_t,source\n520621,so2,2,test\n"
        + "520621001001,nox,5,test\n",
    ]
    let runFile = try run.write(to: folder)
    let result = try compute(runFile, out: folder.appendingPathComponent("out"))
    func line(_ code: String, _ indicator: String, _ component: String = "") -> IndicatorLine? {
      result.account.units.first { $0.unit.code == code }?.lines.first {
        $0.indicator == indicator && $0.component == component
      }
    }
    let a = "520621001001"
    let b = "520621002001"
    let county = "520621000000"
    // Emission cap.
    let so2 = try #require(line(county, "air_purification", "so2"))
    #expect(abs(so2.quantity!.value - 2) < 1e-9)
    #expect(abs(so2.value!.value - 2400) < 1e-6)
    #expect(abs(so2.capacity!.value - 2.73825) < 1e-9)
    #expect(abs(so2.capacityValue!.value - 3285.9) < 1e-6)
    #expect(abs(line(a, "air_purification", "so2")!.quantity!.value - 1) < 1e-9)
    #expect(abs(line(b, "air_purification", "so2")!.value!.value - 1200) < 1e-6)
    #expect(line(a, "air_purification", "nox")!.quantity!.value == 0)
    // Tourism.
    #expect(abs(line(b, "recreation")!.value!.value - 60_000) < 1e-6)
    #expect(abs(line(a, "recreation")!.value!.value - 10_000) < 1e-6)
    #expect(abs(line(a, "recreation")!.quantity!.value - 100) < 1e-9)
    #expect(abs(line(county, "recreation")!.value!.value - 70_000) < 1e-6)
    // Reservoirs.
    let res = try #require(line(b, "flood_regulation", "reservoirs"))
    #expect(abs(res.quantity!.value - 350_000) < 1e-6)
    #expect(abs(res.value!.value - 2_635_500) < 1e-6)
    #expect(line(a, "flood_regulation", "reservoirs")!.value!.value == 0)
    // The cultural category is the recreation value.
    let c = result.account.units.first { $0.unit.code == county }!
    #expect(abs(c.categoryValue(.cultural).value - 70_000) < 1e-6)
  }

  @Test func tableErrorsAreAllReported() throws {
    let folder = try tempFolder("table-errors")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun()
    run.villages = [("520621001001", "甲村", 0, 0, 20, 10)]
    run.tables = [
      "tourism": "unit_code,visits,travel_cost_per_visit_yuan\n999999,10,5\n520621,ten,5\n",
      "emissions": "unit_code,pollutant,emission_t\n520621,mercury,1\n",
    ]
    let runFile = try run.write(to: folder)
    do {
      _ = try compute(runFile, out: folder.appendingPathComponent("out"))
      Issue.record("bad tables must stop the run")
    } catch let e as InputProblems {
      let text = e.description
      #expect(
        text.contains("[table.unknown-unit]") && text.contains("row 2") && text.contains("999999"))
      #expect(
        text.contains("[table.not-numeric] visits is not a plain decimal number: \"ten\"")
          && text.contains("row 3"))
      #expect(text.contains("[table.unknown-pollutant]") && text.contains("mercury"))
    }
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
  }
}

@Suite struct GeoPackageOutputTests {
  /// `--gpkg` writes the units also as a GeoPackage layer `units` in WGS 84 with the same
  /// features and properties as units.geojson: 1 county, 1 township, 2 villages.
  @Test func unitsGeoPackage() throws {
    let folder = try tempFolder("gpkg")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun()
    run.villages = [
      ("520621001001", "甲村", 0, 0, 10, 10), ("520621001002", "乙村", 10, 0, 20, 10),
    ]
    let runFile = try run.write(to: folder)
    let out = folder.appendingPathComponent("out")
    let config = try RunConfiguration.load(path: runFile)
    _ = try ComputeJob.run(
      config: config, options: ComputeOptions(output: out.path, threads: 2, geoPackage: true))
    let layer = try VectorDataset(path: out.appendingPathComponent("units.gpkg").path)
      .layer(named: "units")
    #expect(layer.featureCount == 1 + 1 + 2)
    #expect(try layer.spatialReference()?.epsg == 4326)
    let names = Set(try layer.features().compactMap { $0.attributes["name"]?.description })
    #expect(names.contains("甲村") && names.contains("乙村"))
  }
}

/// Recreation by the travel cost method with the time cost (GEP-METHODS §6.1: TC = T × W + C;
/// [S4]: time valued at 30 % of the daily wage) and landscape value by hedonic pricing (§6.2).
@Suite struct TravelCostAndHedonicTests {
  /// Two villages of the 20 × 10 forest grid, the national-2022 set (time_value_share 0.3).
  ///
  /// Tourism row 1 (village 甲): 1000 visits × (52.47 direct + 2 d × 300 yuan/d × 0.3 = 180
  /// time + 578.03 consumer surplus = 810.50) = 810 500 yuan. Row 2 (village 乙): 10 visits ×
  /// 100 yuan direct only = 1000 yuan. County: 1010 visits, 811 500 yuan.
  /// Property rows: 5 000 m² × 12 yuan/m²/a = 60 000 yuan in 甲; 2 000 m² × 7.5 = 15 000 yuan
  /// for the county, shared by area (1 000 m² and 7 500 yuan per village): 甲 6 000 m² and
  /// 67 500 yuan, 乙 1 000 m² and 7 500 yuan, county 75 000 yuan; cultural 886 500 yuan.
  @Test func timeCostAndHedonicPremium() throws {
    let folder = try tempFolder("tcm-hedonic")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun()
    run.villages = [
      ("520621001001", "甲村", 0, 0, 10, 10), ("520621002001", "乙村", 10, 0, 20, 10),
    ]
    run.tables = [
      "tourism":
        "unit_code,visits,travel_cost_per_visit_yuan,travel_time_days,daily_wage_yuan,"
        + "consumer_surplus_per_visit_yuan,source\n"
        + "520621001001,1000,52.47,2,300,578.03,test\n" + "520621002001,10,100,,,,test\n",
      "property_prices":
        "unit_code,benefiting_area_m2,premium_yuan_per_m2_per_year,source\n"
        + "520621001001,5000,12,test\n" + "520621,2000,7.5,test\n",
    ]
    let runFile = try run.write(to: folder)
    let result = try compute(runFile, out: folder.appendingPathComponent("out"))
    func line(_ code: String, _ id: String) -> IndicatorLine? {
      result.account.units.first { $0.unit.code == code }?.lines.first { $0.indicator == id }
    }
    let a = try #require(line("520621001001", "recreation"))
    #expect(abs(a.value!.value - 810_500) < 1e-6)
    #expect(abs(line("520621002001", "recreation")!.value!.value - 1000) < 1e-9)
    let county = try #require(line("520621000000", "recreation"))
    #expect(abs(county.value!.value - 811_500) < 1e-6)
    #expect(abs(county.quantity!.value - 1010) < 1e-9)
    #expect(a.price.contains("time cost on 1 of 2 rows"))
    let la = try #require(line("520621001001", "landscape_value"))
    #expect(abs(la.value!.value - 67_500) < 1e-6 && abs(la.quantity!.value - 6_000) < 1e-9)
    #expect(abs(line("520621002001", "landscape_value")!.value!.value - 7_500) < 1e-9)
    #expect(abs(line("520621000000", "landscape_value")!.value!.value - 75_000) < 1e-6)
    // Cultural = recreation + landscape.
    let c = try #require(result.account.units.first { $0.unit.code == "520621000000" })
    #expect(abs(c.categoryValue(.cultural).value - 886_500) < 1e-6)
    #expect(c.indicatorStatus("landscape_value") == .computed)
  }

  /// A time cost needs both columns; a property row without its premium is an error.
  @Test func incompleteRowsAreErrors() throws {
    let folder = try tempFolder("tcm-bad")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun()
    run.villages = [("520621001001", "甲村", 0, 0, 20, 10)]
    run.tables = [
      "tourism": "unit_code,visits,travel_cost_per_visit_yuan,travel_time_days\n520621,10,5,1\n",
      "property_prices": "unit_code,benefiting_area_m2,premium_yuan_per_m2_per_year\n520621,10,\n",
    ]
    let runFile = try run.write(to: folder)
    do {
      _ = try compute(runFile, out: folder.appendingPathComponent("out"))
      Issue.record("incomplete rows must stop the run")
    } catch let e as InputProblems {
      let text = e.description
      #expect(
        text.contains(
          "[table.missing-value] travel_time_days and daily_wage_yuan are given together: "
            + "daily_wage_yuan is empty in the tourism table"), "\(text)")
      #expect(text.contains("premium_yuan_per_m2_per_year is empty"), "\(text)")
    }
  }
}

/// Material products by net output (产品净产值, `net_output_value`): output less intermediate
/// consumption (it silently computed the gross value before the method existed).
@Suite struct NetOutputTests {
  /// Agriculture by net output, forestry by market value, on two villages: agriculture
  /// 1 000 000 − 400 000 = 600 000 yuan, by area (no cropland: the fallback) 300 000 each;
  /// forestry 500 000 gross, its intermediate consumption ignored: 250 000 each.
  @Test func netOutputIsOutputLessIntermediateConsumption() throws {
    let folder = try tempFolder("net-output")
    defer { try? FileManager.default.removeItem(at: folder) }
    let root = try coefficientCopy(folder) {
      $0.replacingOccurrences(
        of: "agricultural_products,Agricultural products,农业产品,material,market_value,",
        with: "agricultural_products,Agricultural products,农业产品,material,net_output_value,")
    }
    var run = SyntheticRun()
    run.villages = [
      ("520621001001", "甲村", 0, 0, 10, 10), ("520621002001", "乙村", 10, 0, 20, 10),
    ]
    run.materialCSV =
      "unit_code,sector,output_value_yuan,intermediate_consumption_yuan,allocate_to,source\n"
      + "520621,agriculture,1000000,400000,cropland,test\n"
      + "520621,forestry,500000,100000,forest,test\n"
    let runFile = try run.write(to: folder)
    try editRunFile(
      folder, "coefficients = \"\(coefficientRoot)\"", "coefficients = \"\(root.path)\"")
    let result = try compute(runFile, out: folder.appendingPathComponent("out"))
    func line(_ code: String, _ id: String) -> IndicatorLine? {
      result.account.units.first { $0.unit.code == code }?.lines.first { $0.indicator == id }
    }
    let agri = try #require(line("520621001001", "agricultural_products"))
    #expect(abs(agri.value!.value - 300_000) < 1e-6)
    #expect(agri.method == "net_output_value")
    #expect(agri.price.hasPrefix("reported output value less intermediate consumption"))
    #expect(abs(line("520621000000", "agricultural_products")!.value!.value - 600_000) < 1e-6)
    #expect(abs(line("520621002001", "forestry_products")!.value!.value - 250_000) < 1e-6)

    // Without the column, or with more consumption than output: errors naming the row.
    try Data(
      ("unit_code,sector,output_value_yuan,intermediate_consumption_yuan,allocate_to\n"
        + "520621,agriculture,1000,,cropland\n" + "520621001001,agriculture,1000,2000,cropland\n")
        .utf8
    ).write(to: folder.appendingPathComponent("material.csv"))
    #expect(throws: InputProblems.self) {
      _ = try compute(runFile, out: folder.appendingPathComponent("bad"))
    }
    do {
      _ = try compute(runFile, out: folder.appendingPathComponent("bad"))
    } catch let e as InputProblems {
      let text = e.description
      #expect(
        text.contains("the row needs intermediate_consumption_yuan") && text.contains("row 2"))
      #expect(text.contains("exceeds the output value 1000 yuan") && text.contains("row 3"))
    }
  }
}

/// Total nitrogen (TN) in water purification where a local profile declares it (GEP-METHODS
/// §5.7: "some local profiles add TN"); a profile that does not declare it computes no TN.
@Suite struct TotalNitrogenTests {
  /// A 20 × 10 grid of open water (SWAT 18 → level-1 wetland 4; water purification applies to
  /// wetland and water only), a copy of national-2022 whose water purification declares
  /// `water_purification.tn` and `tn_treatment_cost`, with test rows wetland TN 10 kg/hm²/a
  /// and 1750 yuan/t (test values, not coefficients of any set): 200 cells × 0.09 hm² × 10 kg
  /// = 180 kg = 0.18 t, × 1750 = 315 yuan.
  @Test func declaredTNIsComputed() throws {
    let folder = try tempFolder("tn")
    defer { try? FileManager.default.removeItem(at: folder) }
    let root = try coefficientCopy(folder) {
      $0.replacingOccurrences(
        of: "water_purification.cod;water_purification.nh3n;water_purification.tp,,"
          + "cod_treatment_cost;nh3n_treatment_cost;tp_treatment_cost,",
        with: "water_purification.cod;water_purification.nh3n;water_purification.tp;"
          + "water_purification.tn,,cod_treatment_cost;nh3n_treatment_cost;tp_treatment_cost;"
          + "tn_treatment_cost,")
    }
    let set = root.appendingPathComponent("national-2022")
    for (file, row) in [
      (
        "water_purification.csv",
        "4,Wetland,tn,10,,,kg/hm2/a,,test,,test value,placeholder,test only\n"
      ),
      (
        "prices.csv",
        "tn_treatment_cost,water_purification,TN,1750,,,yuan/t,CNY,2024,test,test,,test value,"
          + "placeholder,test only\n"
      ),
    ] {
      // The shipped tn_treatment_cost row is empty (no source): the test row replaces it.
      let url = set.appendingPathComponent(file)
      var lines = try String(contentsOf: url, encoding: .utf8).split(
        separator: "\n", omittingEmptySubsequences: false
      ).map(String.init).filter { !$0.hasPrefix("tn_treatment_cost,") }
      if lines.last == "" { lines.removeLast() }
      try (lines.joined(separator: "\n") + "\n" + row).write(
        to: url, atomically: true, encoding: .utf8)
    }
    var run = SyntheticRun()
    run.landUse = { _, _ in 18 }
    run.villages = [("520621001001", "甲村", 0, 0, 20, 10)]
    let runFile = try run.write(to: folder)
    try editRunFile(
      folder, "coefficients = \"\(coefficientRoot)\"", "coefficients = \"\(root.path)\"")
    let result = try compute(runFile, out: folder.appendingPathComponent("out"))
    let tn = try #require(
      result.account.units.first { $0.unit.code == "520621001001" }?.lines.first {
        $0.indicator == "water_purification" && $0.component == "tn"
      })
    #expect(abs(tn.quantity!.value - 0.18) < 1e-12)
    #expect(abs(tn.value!.value - 315) < 1e-9)
    // The shipped profile declares no TN: no TN line.
    let plain = try tempFolder("tn-none")
    defer { try? FileManager.default.removeItem(at: plain) }
    let plainResult = try compute(
      try SyntheticRun.waterBalance().write(to: plain), out: plain.appendingPathComponent("out"))
    #expect(
      !plainResult.account.units.contains { u in u.lines.contains { $0.component == "tn" } })
  }
}
