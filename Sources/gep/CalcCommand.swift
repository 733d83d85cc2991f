import ArgumentParser
import Foundation
import GEPCore
import GEPPipeline

/// `gep calc`: calculators for the public and the market — eco-actions, carbon footprint,
/// eco-premium prices and eco-credit points, each from the cited tables of
/// `coefficients/calculators/` (GEP-METHODS §10).
struct CalcCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "calc",
    abstract: "Calculators: eco-action value, carbon footprint, eco-premium price, eco-credit.",
    discussion: """
      Each prints a readable answer and, with --out DIR, writes NAME.csv and NAME.json with \
      every factor and its source. The factor and rule tables are in coefficients/calculators \
      (check them with `gep coefficients check coefficients/calculators`); --tables DIR uses \
      your own.
      """,
    subcommands: [
      CalcActionCommand.self, CalcFootprintCommand.self, CalcEcoPriceCommand.self,
      CalcCreditCommand.self,
    ])
}

/// Options every calculator shares: the table folder and where to write.
struct CalcOutputOptions: ParsableArguments {
  @Option(help: "Calculator table folder. Default: coefficients/calculators.")
  var tables: String?

  @Option(help: "Write NAME.csv and NAME.json into this folder (created; refused if it exists).")
  var out: String?

  @Flag(help: "Replace an existing --out folder that gep wrote.")
  var overwrite = false

  func loadTables() throws -> CalculatorTables {
    guard
      let dir = tables.map({ URL(fileURLWithPath: $0) }) ?? CalculatorTables.defaultDirectory()
    else {
      throw ValidationError("no coefficients/calculators folder found; pass --tables DIR")
    }
    return try loadCalculatorTables(dir)
  }

  /// Writes `name.csv` and `name.json` into `--out`, atomically (the folder appears whole).
  func write(_ name: String, csv: String, json: [String: Any], inputs: [String]) throws {
    guard let out else { return }
    let folder = try OutputFolder(path: out, overwrite: overwrite, inputs: inputs)
    do {
      try Data(csv.utf8).write(to: folder.file("\(name).csv"))
      let data = try JSONSerialization.data(
        withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
      try (data + Data("\n".utf8)).write(to: folder.file("\(name).json"))
      try folder.commit()
    } catch {
      folder.discard()
      throw error
    }
    FileHandle.standardError.write(Data("gep: wrote \(out)/\(name).csv and \(name).json\n".utf8))
  }
}

/// A number for the console: whole units from 100 up, two decimals from 1, else four
/// significant digits (the files keep every digit).
func readable(_ x: Double) -> String {
  let a = abs(x)
  if a >= 100 { return String(format: "%.0f", x) }
  if a >= 1 { return String(format: "%.2f", x) }
  return x == 0 ? "0" : String(format: "%.4g", x)
}

/// A factor row as a JSON object (every column).
func rowJSON(_ r: CalculatorRow) -> [String: Any] {
  var o: [String: Any] = [:]
  for (k, v) in r.text { o[k] = v }
  return o
}

/// A number for JSON, or NSNull when not computed (never 0).
func jsonNumber(_ v: Double?) -> Any { v.map { $0 as Any } ?? NSNull() }

/// `gep calc action`.
struct CalcActionCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "action",
    abstract: "The yearly and N-year ecological value of a public eco-action (a class change).",
    discussion: """
      ACTION is a preset of actions.csv: plant_trees (--trees N --trees-per-mu D), \
      restore_forest, restore_grassland, grain_for_green (退耕还林), cropland_to_grassland, \
      restore_wetland (退耕还湿), with --area and --unit; --from/--to override the preset's \
      classes. Biophysical indicators use the region's mean factors (--region-defaults).
      """)

  @Argument(help: "Action preset id (actions.csv).")
  var action: String

  @Option(help: "Area of the action.")
  var area: Double?

  @Option(help: "Unit of --area: m2, mu, hm2 or km2.")
  var unit: AreaUnit = .mu

  @Option(help: "Number of trees planted (plant_trees; with --trees-per-mu).")
  var trees: Double?

  @Option(help: "Planting density, trees per mu (plant_trees).")
  var treesPerMu: Double?

  @Option(help: "Ecosystem class before, overriding the preset's (code or name).")
  var from: String?

  @Option(help: "Ecosystem class after, overriding the preset's (code or name).")
  var to: String?

  @Option(help: "Years N over which the yearly change is summed. Default 1.")
  var years: Int = 1

  @Option(help: "Discount rate r per year for the N-year value. Default 0.")
  var discountRate: Double = 0

  @Option(help: "A run file whose rasters give the region's mean biophysical values.")
  var regionDefaults: String?

  @Option(help: "Coefficient folder. Default: the run file's, else coefficients/national-2022.")
  var coefficients: String?

  @OptionGroup var output: CalcOutputOptions

  func validate() throws {
    guard years >= 1 else { throw ValidationError("--years must be ≥ 1, got \(years)") }
    guard discountRate.isFinite, discountRate > -1 else {
      throw ValidationError("--discount-rate must be > -1, got \(discountRate)")
    }
    if let area, !(area.isFinite && area > 0) {
      throw ValidationError("--area must be a positive number, got \(area)")
    }
    if (trees == nil) != (treesPerMu == nil) {
      throw ValidationError("--trees and --trees-per-mu go together")
    }
    if let trees, let treesPerMu, !(trees > 0 && treesPerMu > 0 && trees.isFinite) {
      throw ValidationError("--trees and --trees-per-mu must be positive")
    }
    if area != nil && trees != nil {
      throw ValidationError("give --area or --trees, not both")
    }
    if area == nil && trees == nil {
      throw ValidationError("give --area (and --unit), or --trees and --trees-per-mu")
    }
  }

  func run() throws {
    try reportingFailures {
      let tables = try output.loadTables()
      guard let preset = tables.actions[action] else {
        throw ValidationError(
          "unknown action \"\(action)\"; presets: "
            + tables.actions.keys.sorted().joined(separator: ", "))
      }
      let config = try regionDefaults.map { try RunConfiguration.load(path: $0) }
      guard
        let dir = coefficients.map({ URL(fileURLWithPath: $0) })
          ?? config.map({ URL(fileURLWithPath: $0.coefficientsFolder) })
          ?? CoefficientSet.defaultDirectory()
      else {
        throw ValidationError("no coefficient folder found; pass --coefficients DIR")
      }
      let set = try CoefficientSet.load(from: dir)
      try checkProfileAgainstRegistry(set, dir)
      let fromClass =
        try from.map { try ecosystemClassCode($0, in: set) }
        ?? Int(preset.numbers["from_class"]!)
      let toClass =
        try to.map { try ecosystemClassCode($0, in: set) }
        ?? Int(preset.numbers["to_class"]!)
      for c in [fromClass, toClass] where set.ecosystemClasses[c] == nil {
        throw ValidationError(
          "actions.csv line \(preset.line): class \(c) is not a class of \(dir.path)")
      }
      let squareMetres: Double
      let areaText: String
      if let trees, let treesPerMu {
        squareMetres = trees / treesPerMu * AreaUnit.mu.squareMetres
        areaText =
          "\(readable(trees)) trees at \(readable(treesPerMu))/mu = "
          + "\(readable(trees / treesPerMu)) mu"
      } else {
        squareMetres = area! * unit.squareMetres
        areaText = "\(readable(area!)) \(unit.rawValue)"
      }
      let means = try config.map { try VEPCalculator.regionMeans($0) } ?? [:]
      let lines = VEPCalculator.calculate(
        area: squareMetres, fromClass: fromClass, toClass: toClass, coefficients: set,
        means: means, fvcIsPercent: config?.rasters["fvc"]?.unit == "percent")
      let factor = presentValueFactor(years: years, discountRate: discountRate, priceGrowth: 0)
      let name = { (c: Int) in "\(c) \(set.ecosystemClasses[c]!.nameEN)" }
      print(
        "\(preset.field("name_zh")) \(preset.key): \(areaText) from \(name(fromClass)) to "
          + "\(name(toClass)), coefficients \(dir.lastPathComponent)")
      var total = ExactSum()
      var any = false
      var items: [[String: Any]] = []
      for l in lines {
        let dq = l.from.flatMap { a in l.to.map { $0.quantity - a.quantity } }
        let dv = l.from.flatMap { a in l.to.map { $0.value - a.value } }
        let label = l.indicator + (l.component.isEmpty ? "" : " \(l.component)")
        if let dq, let dv {
          total.add(dv)
          any = true
          if dq != 0 || dv != 0 {
            print(
              "  \(label): \(readable(dq)) \(l.physicalUnit), \(readable(dv)) yuan/a")
          }
        } else {
          print("  \(label): not computed (\(l.note))")
        }
        items.append([
          "indicator": l.indicator, "component": l.component, "physical_unit": l.physicalUnit,
          "change_quantity": jsonNumber(dq), "change_value_yuan_per_year": jsonNumber(dv),
          "price_and_source": l.price, "note": l.note,
        ])
      }
      let t = any ? total.value : nil
      print(
        "  total: "
          + (t.map {
            "\(readable($0)) yuan/a; over \(years) years "
              + "\(readable($0 * factor)) yuan (discount rate \(readable(discountRate)))"
          } ?? "not computed") + " — computable indicators only")
      try output.write(
        "action", csv: ActionCalculator.csv(lines, years: years, factor: factor),
        json: [
          "action": rowJSON(preset), "area_m2": squareMetres, "from_class": fromClass,
          "to_class": toClass, "years": years, "discount_rate": discountRate,
          "present_value_factor": factor, "coefficients": dir.path, "lines": items,
          "total_yuan_per_year": jsonNumber(t),
          "total_yuan_over_period": jsonNumber(t.map { $0 * factor }),
          "region_means": Dictionary(
            uniqueKeysWithValues: means.map { ($0.key.rawValue, $0.value) }),
        ], inputs: [dir.path] + (regionDefaults.map { [$0] } ?? []))
    }
  }
}

/// `gep calc footprint`.
struct CalcFootprintCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "footprint",
    abstract: "The carbon footprint of an activity table and its offset (forest area, cost).",
    discussion: """
      ACTIVITIES is a CSV with columns activity,amount: activity ids of emission_factors.csv \
      (electricity_grid_china kWh, gasoline/diesel/lpg/coal kg, natural_gas m3, rail/bus/coach/\
      car_petrol/flight_domestic passenger_km …), amounts in the factor's unit.
      """)

  @Argument(help: "Activity table (CSV: activity,amount).")
  var activities: String

  @Option(
    help: "Coefficient folder for the forest carbon rate and the carbon price. Default: reference.")
  var coefficients: String?

  @Option(help: "Forest carbon sequestration rate, t C/hm2/a, overriding the set's.")
  var forestRate: Double?

  @Option(help: "Source of --forest-rate (required with it).")
  var forestRateSource: String?

  @OptionGroup var output: CalcOutputOptions

  func validate() throws {
    if let forestRate, !(forestRate > 0 && forestRate.isFinite) {
      throw ValidationError("--forest-rate must be positive")
    }
    if (forestRate == nil) != (forestRateSource == nil) {
      throw ValidationError("--forest-rate and --forest-rate-source go together")
    }
  }

  func run() throws {
    try reportingFailures {
      let tables = try output.loadTables()
      let dir =
        coefficients.map { URL(fileURLWithPath: $0) }
        ?? CoefficientSet.defaultDirectory(
          profile: "reference")
      let set = try dir.map { try CoefficientSet.load(from: $0) }
      let r = try FootprintCalculator.run(
        activities: activities, tables: tables, coefficients: set,
        forestRate: forestRate.map { ($0, forestRateSource!) })
      print("carbon footprint of \(activities):")
      for (l, f) in r.lines {
        print(
          "  \(l.activity): \(readable(l.amount)) \(f.field("activity_unit")) × "
            + "\(readable(l.factor)) \(f.field("unit")) = \(readable(l.emissions / 1000)) t")
      }
      print("  total: \(readable(r.totalTonnes)) t CO2 (travel lines CO2e)")
      if let a = r.offsetAreaHectares {
        print(
          "  offset: \(readable(a)) hm2 (\(readable(a * 15)) mu) of forest for one year "
            + "at \(readable(r.forestRate!.value)) t C/hm2/a")
      }
      if let c = r.offsetCostYuan {
        print(
          "  offset cost: \(readable(c)) yuan at \(readable(r.carbonPrice!.value)) "
            + "yuan/t CO2")
      }
      for n in r.notes { print("  \(n)") }
      try output.write(
        "footprint", csv: FootprintCalculator.csv(r),
        json: [
          "activities": activities,
          "lines": r.lines.map { (l, f) -> [String: Any] in
            [
              "activity": l.activity, "amount": l.amount, "emissions_tCO2": l.emissions / 1000,
              "factor": rowJSON(f),
            ]
          },
          "total_tCO2": r.totalTonnes,
          "forest_rate_tC_per_hm2_a": jsonNumber(r.forestRate?.value),
          "forest_rate_source": r.forestRate?.source ?? NSNull(),
          "offset_forest_area_hm2": jsonNumber(r.offsetAreaHectares),
          "carbon_price_yuan_per_tCO2": jsonNumber(r.carbonPrice?.value),
          "carbon_price_source": r.carbonPrice?.source ?? NSNull(),
          "offset_cost_yuan": jsonNumber(r.offsetCostYuan), "notes": r.notes,
        ], inputs: [activities])
    }
  }
}

/// `gep calc eco-price`.
struct CalcEcoPriceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eco-price",
    abstract: "A ticket or room-night price as base price + ecological premium (基础价 + 生态价).",
    discussion: """
      The site's value comes from a gep vep output (--vep DIR --parcel ID: the parcel's \
      baseline value by category) or is given (--cultural, --regulating, --material, yuan/a). \
      The rule (eco_premium_rules.csv) says which share of each category the visitors carry.
      """)

  @Option(help: "A gep vep output folder (its vep.csv).")
  var vep: String?

  @Option(help: "Parcel id in vep.csv (the site).")
  var parcel: String?

  @Option(help: "The site's cultural value, yuan/a (instead of --vep).")
  var cultural: Double?

  @Option(help: "The site's regulating value, yuan/a (instead of --vep).")
  var regulating: Double?

  @Option(help: "The site's material value, yuan/a (instead of --vep).")
  var material: Double?

  @Option(help: "Yearly visits or room nights.")
  var visits: Double

  @Option(help: "Base price, yuan per visit or night.")
  var basePrice: Double

  @Option(help: "Rule id of eco_premium_rules.csv.")
  var rule: String = "cultural_only"

  @OptionGroup var output: CalcOutputOptions

  func validate() throws {
    guard visits > 0, visits.isFinite else { throw ValidationError("--visits must be positive") }
    guard basePrice >= 0, basePrice.isFinite else {
      throw ValidationError("--base-price must be ≥ 0")
    }
    let given = cultural != nil || regulating != nil || material != nil
    if (vep == nil) != (parcel == nil) { throw ValidationError("--vep and --parcel go together") }
    if vep != nil && given {
      throw ValidationError("give --vep and --parcel, or the values, not both")
    }
    if vep == nil && !given {
      throw ValidationError("give --vep DIR --parcel ID, or --cultural/--regulating/--material")
    }
  }

  func run() throws {
    try reportingFailures {
      let tables = try output.loadTables()
      guard let r = tables.premiumRules[rule] else {
        throw ValidationError(
          "unknown rule \"\(rule)\"; rules: "
            + tables.premiumRules.keys.sorted().joined(separator: ", "))
      }
      var values: [String: Double] = [:]
      let source: String
      if let vep, let parcel {
        values = try EcoPriceCalculator.siteValues(vepFolder: vep, parcel: parcel)
        source = "\(vep)/vep.csv parcel \(parcel)"
      } else {
        if let cultural { values["cultural"] = cultural }
        if let regulating { values["regulating"] = regulating }
        if let material { values["material"] = material }
        source = "user input"
      }
      let res = EcoPriceCalculator.run(
        values: values, valueSource: source, rule: r, visits: visits, basePrice: basePrice)
      func f(_ v: Double?) -> String { v.map(formatNumber) ?? "not computed" }
      print(
        "site value (\(source)): cultural \(f(res.cultural)), regulating \(f(res.regulating)), "
          + "material \(f(res.material)) yuan/a")
      print(
        "rule \(r.key): shares cultural \(r.field("cultural_share")), regulating "
          + "\(r.field("regulating_share")), material \(r.field("material_share")) "
          + "(\(r.field("confidence")))")
      if let p = res.premium {
        print(
          "price \(readable(basePrice + p)) yuan = base \(readable(basePrice)) + eco "
            + "premium \(readable(p)) yuan per visit (\(readable(visits)) visits/a)")
      } else {
        print(res.note)
      }
      try output.write(
        "eco-price", csv: EcoPriceCalculator.csv(res),
        json: [
          "rule": rowJSON(r), "value_source": source, "cultural_yuan": jsonNumber(res.cultural),
          "regulating_yuan": jsonNumber(res.regulating), "material_yuan": jsonNumber(res.material),
          "visits": visits, "base_price": basePrice, "eco_premium": jsonNumber(res.premium),
          "price": jsonNumber(res.premium.map { $0 + basePrice }), "note": res.note,
        ], inputs: vep.map { [$0] } ?? [])
    }
  }
}

/// `gep calc credit`.
struct CalcCreditCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "credit",
    abstract: "Eco-credit points (生态积分) per holder from verified contributions.",
    discussion: """
      CONTRIBUTIONS is a CSV with columns holder,contribution,amount,evidence: contribution ids \
      of credit_rules.csv, amounts in the rule's unit, evidence the verification reference \
      (required). Deductions (negative list) subtract.
      """)

  @Argument(help: "Contribution table (CSV: holder,contribution,amount,evidence).")
  var contributions: String

  @OptionGroup var output: CalcOutputOptions

  func run() throws {
    try reportingFailures {
      let tables = try output.loadTables()
      let r = try CreditCalculator.run(contributions: contributions, tables: tables)
      for (h, items) in r.holders {
        let parts = items.map { "\($0.rule.key) \(readable($0.points))" }
        print(
          "\(h): \(readable(CreditResult.total(items))) points (\(parts.joined(separator: ", ")))"
        )
      }
      try output.write(
        "credit", csv: CreditCalculator.csv(r),
        json: [
          "contributions": contributions,
          "holders": r.holders.map { (h, items) -> [String: Any] in
            [
              "holder": h, "total_points": CreditResult.total(items),
              "items": items.map {
                ["rule": rowJSON($0.rule), "amount": $0.amount, "points": $0.points]
              },
            ]
          },
        ], inputs: [contributions])
    }
  }
}
