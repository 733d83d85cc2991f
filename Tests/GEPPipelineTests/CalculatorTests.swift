import Foundation
import GEPCore
import GEPPipeline
import Testing

/// The calculators of `gep calc` (issue 20): footprint, eco-price, credit and action, each
/// against a hand computation written out here, and the shipped tables against their checker.
@Suite struct CalculatorTests {
  let tablesDir = repoRoot.appendingPathComponent("coefficients/calculators")

  func tables() throws -> CalculatorTables { try loadCalculatorTables(tablesDir) }

  func write(_ text: String, _ name: String, in folder: URL) throws -> String {
    let url = folder.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
  }

  @Test func shippedTablesPassTheirChecker() throws {
    let (t, problems) = CalculatorTables.check(directory: tablesDir)
    #expect(problems.isEmpty, "\(problems)")
    #expect(t.emissionFactors["electricity_grid_china"]?.numbers["value"] == 0.5306)
    #expect(t.actions["grain_for_green"]?.numbers["from_class"] == 5)
  }

  /// The fuel factors are NCV × CO₂ factor per TJ, re-derived here from the IPCC 2006 Vol. 2
  /// ch. 1 Table 1.2 / 1.4 numbers (and GB/T 2589's calorific values for coal and gas):
  /// gasoline 44.3 GJ/t × 69 300 kg/TJ = 3.06999 kg/kg; diesel 43.0 × 74 100 = 3.1863;
  /// LPG 47.3 × 63 100 = 2.98463; raw coal 20.908 × 94 600 = 1.977897; natural gas
  /// 38.931 MJ/m³ × 56 100 = 2.184029 kg/m³. Stored to 6 significant digits.
  @Test func fuelFactorsAreTheirDerivation() throws {
    let t = try tables()
    let expected: [String: Double] = [
      "gasoline": 44.3 * 69_300 / 1e6, "diesel": 43.0 * 74_100 / 1e6,
      "lpg": 47.3 * 63_100 / 1e6, "coal": 20.908 * 94_600 / 1e6,
      "natural_gas": 38.931 * 56_100 / 1e6,
    ]
    for (id, v) in expected {
      let row = try #require(t.emissionFactors[id])
      let stored = try #require(row.numbers["value"])
      #expect(abs(stored - v) / v < 5e-6, "\(id): \(stored) vs \(v)")
      #expect(row.numbers["low"]! < stored && stored < row.numbers["high"]!)
    }
  }

  /// 1000 kWh × 0.5306 = 530.6 kg; 100 kg gasoline × 3.06999 = 306.999 kg; 50 m³ gas ×
  /// 2.18403 = 109.2015 kg; 500 passenger-km rail × 0.04115 = 20.575 kg.
  /// Total 967.3755 kg = 0.9673755 t. Reference set: forest rate 2.4252 t C/hm²/a (IPCC Tier 1,
  /// issue 13) → 0.9673755 / (2.4252 × 44/12 = 8.8924) = 0.108786773 hm²; carbon price 95.84
  /// yuan/t CO₂ → 92.71326792 yuan. With a rate of 1 t C/hm²/a: 0.9673755 / (44/12) =
  /// 0.263829682 hm². A set without a forest rate (national-2022 has none for class 1)
  /// leaves the area not computed: empty, never 0.
  @Test func footprintByHand() throws {
    let folder = try tempFolder("calc-footprint")
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = try write(
      "activity,amount\nelectricity_grid_china,1000\ngasoline,100\nnatural_gas,50\nrail,500\n",
      "activities.csv", in: folder)
    let set = try CoefficientSet.load(
      from: repoRoot.appendingPathComponent("coefficients/reference"))
    let r = try FootprintCalculator.run(activities: path, tables: try tables(), coefficients: set)
    #expect(abs(r.totalTonnes - 0.9673755) < 1e-9)
    #expect(abs(r.offsetAreaHectares! - 0.108786773) < 1e-9)
    #expect(abs(r.offsetCostYuan! - 0.9673755 * 95.84) < 1e-9)
    let noRateSet = try CoefficientSet.load(
      from: repoRoot.appendingPathComponent("coefficients/national-2022"))
    let noRate = try FootprintCalculator.run(
      activities: path, tables: try tables(), coefficients: noRateSet)
    #expect(noRate.offsetAreaHectares == nil)
    #expect(noRate.notes.contains { $0.contains("offset area not computed") })
    let csv = FootprintCalculator.csv(noRate)
    let area = try #require(csv.split(separator: "\n").first { $0.hasPrefix("offset_forest_area") })
    #expect(area.hasPrefix("offset_forest_area,,hm2"), "not computed is empty, never 0")
    let withRate = try FootprintCalculator.run(
      activities: path, tables: try tables(), coefficients: set,
      forestRate: (1.0, "test rate"))
    #expect(abs(withRate.offsetAreaHectares! - 0.263829682) < 1e-9)
  }

  @Test func zeroActivityIsZero() throws {
    let folder = try tempFolder("calc-footprint-zero")
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = try write(
      "activity,amount\nelectricity_grid_china,0\ndiesel,0\n", "a.csv", in: folder)
    let r = try FootprintCalculator.run(activities: path, tables: try tables(), coefficients: nil)
    #expect(r.totalTonnes == 0)
    #expect(r.offsetCostYuan == nil)
  }

  /// Every bad row at once, each with its line and column.
  @Test func footprintRejectsBadRowsTogether() throws {
    let folder = try tempFolder("calc-footprint-bad")
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = try write(
      "activity,amount\nwaste,10\ndiesel,-3\nrail,lots\n", "a.csv", in: folder)
    do {
      _ = try FootprintCalculator.run(activities: path, tables: try tables(), coefficients: nil)
      Issue.record("accepted bad rows")
    } catch let e as InputProblems {
      #expect(e.problems.count == 3)
      #expect(e.problems[0].code == "footprint.activity-unknown" && e.problems[0].location.row == 2)
      #expect(e.problems[1].code == "footprint.amount-invalid" && e.problems[1].location.row == 3)
      #expect(e.problems[2].location.value == "lots")
    }
  }

  /// Cultural 1 000 000 and regulating 5 000 000 yuan/a, 200 000 visits, base 80 yuan, rule
  /// cultural_and_regulating_tenth (1, 0.1, 0): (1e6 + 0.1 × 5e6) / 2e5 = 7.5 yuan → 87.5.
  @Test func ecoPriceByHand() throws {
    let t = try tables()
    let rule = try #require(t.premiumRules["cultural_and_regulating_tenth"])
    let r = EcoPriceCalculator.run(
      values: ["cultural": 1_000_000, "regulating": 5_000_000], valueSource: "test", rule: rule,
      visits: 200_000, basePrice: 80)
    #expect(abs(r.premium! - 7.5) < 1e-12)
    // The site has no cultural value computed: the premium is not computed, not 0.
    let none = EcoPriceCalculator.run(
      values: ["regulating": 5_000_000], valueSource: "test", rule: rule, visits: 200_000,
      basePrice: 80)
    #expect(none.premium == nil && none.note.contains("cultural"))
    #expect(EcoPriceCalculator.csv(none).contains("\nprice,,yuan/visit"))
  }

  /// vep.csv values by category: regulating rows 100 + 50 (one more not computed, empty),
  /// cultural 30; the total row and other parcels are left out.
  @Test func ecoPriceReadsTheSiteFromVEP() throws {
    let folder = try tempFolder("calc-eco-vep")
    defer { try? FileManager.default.removeItem(at: folder) }
    _ = try write(
      """
      parcel_id,indicator,category,baseline_value_yuan
      site,water_conservation,regulating,100
      site,soil_conservation,regulating,50
      site,carbon_sequestration,regulating,
      site,recreation,cultural,30
      site,total,,180
      other,recreation,cultural,999

      """, "vep.csv", in: folder)
    let v = try EcoPriceCalculator.siteValues(vepFolder: folder.path, parcel: "site")
    #expect(v == ["regulating": 150, "cultural": 30])
    #expect(throws: InputProblems.self) {
      _ = try EcoPriceCalculator.siteValues(vepFolder: folder.path, parcel: "nope")
    }
  }

  /// Holder A: vep_gain 250 000 yuan/a × 0.01 = 2 500 → capped at 1 000; trees 100 × 0.5 = 50;
  /// straw_burning 1 case → −50: total 1 000. Holder B: trees 300 + 200 = 500 × 0.5 = 250 →
  /// capped at 200 (two rows share the cap).
  @Test func creditByHand() throws {
    let folder = try tempFolder("calc-credit")
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = try write(
      """
      holder,contribution,amount,evidence
      A,vep_gain,250000,gep vep out/a parcel 12
      A,trees_planted,100,forestry station check 2024-05
      A,straw_burning,1,township record 17
      B,trees_planted,300,check 1
      B,trees_planted,200,check 2

      """, "c.csv", in: folder)
    let r = try CreditCalculator.run(contributions: path, tables: try tables())
    #expect(r.holders.map(\.holder) == ["A", "B"])
    let a = r.holders[0].items
    #expect(CreditResult.total(a) == 1000)
    #expect(a.first { $0.rule.key == "vep_gain" }?.points == 1000)
    #expect(a.first { $0.rule.key == "straw_burning" }?.points == -50)
    #expect(CreditResult.total(r.holders[1].items) == 200)
    #expect(r.holders[1].items.first?.amount == 500)
  }

  @Test func creditRejectsUnverifiedAndUnknownTogether() throws {
    let folder = try tempFolder("calc-credit-bad")
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = try write(
      "holder,contribution,amount,evidence\nA,trees_planted,5,\nB,sunbathing,1,x\n", "c.csv",
      in: folder)
    do {
      _ = try CreditCalculator.run(contributions: path, tables: try tables())
      Issue.record("accepted bad rows")
    } catch let e as InputProblems {
      #expect(e.problems.map(\.code) == ["credit.unverified", "credit.contribution-unknown"])
      #expect(e.problems.map(\.location.row) == [2, 3])
    }
  }

  /// A rule table row without a unit, one without a source and one with a made-up confidence
  /// word are each an error naming the file, line and column.
  @Test func tablesRejectRowsWithoutUnitOrSource() throws {
    let folder = try tempFolder("calc-tables-bad")
    defer { try? FileManager.default.removeItem(at: folder) }
    for f in ["emission_factors.csv", "actions.csv", "eco_premium_rules.csv", "credit_rules.csv"] {
      try FileManager.default.copyItem(
        at: tablesDir.appendingPathComponent(f), to: folder.appendingPathComponent(f))
    }
    let credit = folder.appendingPathComponent("credit_rules.csv")
    var text = try String(contentsOf: credit, encoding: .utf8)
    text += "bad_unit,contribution,1,,,because,somewhere,placeholder\n"
    text += "bad_source,contribution,1,points,,because,,placeholder\n"
    text += "bad_word,contribution,1,points,,because,somewhere,sure\n"
    try Data(text.utf8).write(to: credit)
    let lines = text.split(separator: "\n").count
    let (_, problems) = CalculatorTables.check(directory: folder)
    #expect(problems.count == 3, "\(problems)")
    #expect(
      problems.contains {
        $0.code == .valueRequired && $0.location.column == "unit" && $0.location.row == lines - 2
      })
    #expect(problems.contains { $0.code == .valueUnsourced && $0.location.row == lines - 1 })
    #expect(problems.contains { $0.code == .valueInvalid && $0.location.column == "confidence" })
    #expect(throws: InputProblems.self) { _ = try loadCalculatorTables(folder) }
  }

  /// An action and the equivalent `gep vep --changes` on a one-cell parcel agree when the
  /// region's rasters are uniform (so the region means are the parcel's values): grassland
  /// (SWAT 15 RNGE → class 306) to forest (SWAT 6 FRST → class 103), P = 1200 mm,
  /// ET = 700 mm, 900 m², national-2022.
  @Test func actionEqualsVEPChangeOnAUniformRegion() throws {
    let folder = try tempFolder("calc-action-vep")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun.waterBalance()
    run.landUse = { _, _ in 15 }
    let config = try RunConfiguration.load(path: try run.write(to: folder))
    let parcels = folder.appendingPathComponent("parcels.geojson").path
    try Data(
      """
      {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32649"}},"features":[
      {"type":"Feature","properties":{"id":"p"},"geometry":{"type":"Polygon","coordinates":[[[500060,2999970],[500090,2999970],[500090,2999940],[500060,2999940],[500060,2999970]]]}}]}
      """.utf8
    ).write(to: URL(fileURLWithPath: parcels))
    let changes = try write("parcel,from_code,to_code,share\np,15,6,1\n", "ch.csv", in: folder)
    let vep = try VEPJob.run(
      config: config,
      options: VEPOptions(
        parcels: parcels, idField: "id", changes: changes,
        output: folder.appendingPathComponent("vep").path))
    let set = try CoefficientSet.load(from: URL(fileURLWithPath: config.coefficientsFolder))
    let lines = VEPCalculator.calculate(
      area: 900, fromClass: 306, toClass: 103, coefficients: set,
      means: try VEPCalculator.regionMeans(config), fvcIsPercent: false)
    var compared = 0
    for l in lines {
      guard let from = l.from, let to = l.to else { continue }
      let v = try #require(
        vep.parcels[0].lines.first { $0.indicator == l.indicator && $0.component == l.component })
      let gain = v.scenarioValue.value - v.baselineValue.value
      let gainQ = v.scenarioQuantity.value - v.baselineQuantity.value
      #expect(abs((to.value - from.value) - gain) <= 1e-9 * max(1, abs(gain)), "\(l.indicator)")
      #expect(abs((to.quantity - from.quantity) - gainQ) <= 1e-9 * max(1, abs(gainQ)))
      if gain != 0 { compared += 1 }
    }
    #expect(compared >= 1, "no indicator changed value: the comparison would be empty")
  }
}
