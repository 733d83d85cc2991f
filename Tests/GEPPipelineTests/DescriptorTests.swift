import Foundation
import GEPCore
import GEPPipeline
import Testing

/// A toy per-cell indicator declared in the test target only: q = k × area (hm²) / 1000
/// (kg → t), valued at `toy_price`; k (kg·hm⁻²·a⁻¹) from the class table `toy_table.k`.
let toyDescriptor = MethodDescriptor(
  indicator: "toy_shade", method: "toy_rate", summary: "k × area", source: "test", scope: .cell,
  classParameters: ["toy_table.k"], prices: ["toy_price"],
  bind: { ctx in
    let price = ctx.price("toy_price")
    let k: [Double] = ctx.perCode(empty: .nan) {
      ctx.classValue("toy_table", "k", ecosystemClass: $0)?.value ?? .nan
    }
    return [
      BoundChannel(
        indicator: ctx.channel(unit: "t/a", priceNote: price?.note, roles: []),
        channel: ToyChannel(k: k, price: price?.value ?? 0))
    ]
  })

struct ToyChannel: CellChannel {
  let k: [Double]
  let price: Double
  func outcome(code: Int) -> CellOutcome { k[code].isNaN ? .missing : .depends }
  func evaluate(
    _ cells: CellBatch, quantity: UnsafeMutablePointer<Double>,
    value: UnsafeMutablePointer<Double>, missing: UnsafeMutablePointer<Bool>
  ) {
    for i in 0..<cells.count {
      quantity[i] = k[Int(cells.codes[i])] * cells.areas[i] / 10_000 / 1000
      value[i] = quantity[i] * price
    }
  }
}

/// The profile row of an indicator, 18 columns of profile.csv.
func profileRow(
  _ id: String, method: String, unit: String, classParameters: String, prices: String,
  spatial: String = "lulc"
) -> String {
  "\(id),\(id),\(id),regulating,\(method),\(method),\(unit),yuan/a,\(spatial),,"
    + "\(classParameters),,\(prices),false,true,test,unconfirmed,\n"
}

/// Runs the 20 × 10 forest grid (SWAT 6 → class 103 under forest 1; 200 cells of 900 m² =
/// 18 hm²) with national-2022 edited by `edit` (root of the copy) and returns the village line
/// of `indicator`.
func forestRun(
  registry: MethodRegistry = .builtIn, indicator: String,
  run edits: (inout SyntheticRun) -> Void = { _ in },
  edit: (URL) throws -> Void
) throws -> IndicatorLine? {
  let folder = try tempFolder("descriptor-\(indicator)")
  defer { try? FileManager.default.removeItem(at: folder) }
  let root = try coefficientCopy(folder) { $0 }
  try edit(root.appendingPathComponent("national-2022"))
  var run = SyntheticRun.waterBalance()
  edits(&run)
  let runFile = try run.write(to: folder)
  try editRunFile(
    folder, "coefficients = \"\(coefficientRoot)\"", "coefficients = \"\(root.path)\"")
  let config = try RunConfiguration.load(path: runFile)
  let result = try ComputeJob.run(
    config: config,
    options: ComputeOptions(
      output: folder.appendingPathComponent("out").path, threads: 2, registry: registry))
  let village = try #require(result.account.units.first { $0.unit.code == "520621001001" })
  return village.lines.first { $0.indicator == indicator }
}

/// Replaces `old` (which must occur) by `new` in a file of the coefficient copy.
func replace(_ set: URL, _ file: String, _ old: String, _ new: String) throws {
  let url = set.appendingPathComponent(file)
  let text = try String(contentsOf: url, encoding: .utf8)
  #expect(text.contains(old), "\(file) has no \(old)")
  try Data(text.replacingOccurrences(of: old, with: new).utf8).write(to: url)
}

/// The shipped profile's carbon row (rate method) and the same row switched to the NEP method
/// with only what it reads declared.
let carbonRateRow =
  "sequestration_rate,sequestration_rate;nep;biomass,tCO2/a,yuan/a,lulc,,carbon_sequestration.rate,forest_soil_carbon_ratio,"
let carbonNEPRow = "nep,sequestration_rate;nep;biomass,tCO2/a,yuan/a,nep;lulc,,,,"

/// Appends `text` to a file of the coefficient copy.
func append(_ set: URL, _ file: String, _ text: String) throws {
  let url = set.appendingPathComponent(file)
  let old = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
  try Data((old + text).utf8).write(to: url)
}

/// The toy's coefficient rows: a profile row, `toy_table.csv` (forest k = 2000 kg/hm²/a, the
/// other level-1 classes masked with applies = 0) and `toy_price` = 3 yuan/t.
func addToyRows(_ set: URL) throws {
  try append(
    set, "profile.csv",
    profileRow(
      "toy_shade", method: "toy_rate", unit: "t/a", classParameters: "toy_table.k",
      prices: "toy_price"))
  var table =
    "class_code,class_name,parameter,value,low,high,unit,condition,region,year,source,"
    + "confidence,note\n" + "1,Forest,k,2000,,,kg/hm2/a,,China,,test,placeholder,\n"
  for cls in 2...8 { table += "\(cls),other,applies,0,,,flag,,China,,test,placeholder,\n" }
  try Data(table.utf8).write(to: set.appendingPathComponent("toy_table.csv"))
  try append(
    set, "prices.csv",
    "toy_price,toy_shade,shade,3,,,yuan/t,CNY,2024,China,test,,test,placeholder,\n")
}

@Suite struct DescriptorTests {
  /// Issue 11's "done when": an indicator added through the registry alone (descriptor in the
  /// test target, its coefficient rows, a profile row) is validated, computed and reported.
  @Test func toyIndicatorThroughTheRegistryAlone() throws {
    let line = try forestRun(
      registry: .builtIn.adding([toyDescriptor]), indicator: "toy_shade", edit: addToyRows)
    let toy = try #require(line)
    // 18 hm² × 2000 kg/hm²/a = 36 000 kg/a = 36 t/a; × 3 yuan/t = 108 yuan/a.
    #expect(abs(toy.quantity!.value - 36) < 1e-9)
    #expect(abs(toy.value!.value - 108) < 1e-9)
    #expect(toy.method == "toy_rate")
  }

  /// Without the descriptor in the registry, the same profile row names an indicator this
  /// version does not know: an error (a misspelt id must not pass as "not computed").
  @Test func toyIndicatorWithoutItsDescriptorIsRejected() throws {
    #expect {
      _ = try forestRun(indicator: "toy_shade", edit: addToyRows)
    } throws: { error in
      (error as? InputProblems)?.problems.contains {
        $0.code == "coefficients.profile.indicator-unknown" && $0.location.value == "toy_shade"
      } == true
    }
  }

  /// A misspelt indicator id is an error with the nearest known id (break-test fault).
  @Test func misspeltIndicatorIsAnErrorWithAHint() throws {
    let folder = try tempFolder("misspelt")
    defer { try? FileManager.default.removeItem(at: folder) }
    let root = try coefficientCopy(folder) {
      $0
        + profileRow(
          "oxygen_relase", method: "sequestration_rate", unit: "tO2/a",
          classParameters: "carbon_sequestration.rate", prices: "oxygen_price_industrial")
    }
    let check = CoefficientSet.check(directory: root.appendingPathComponent("national-2022"))
    let unknown = MethodRegistry.builtIn.problems(of: check.set.profile).filter {
      $0.code == .profileIndicatorUnknown
    }
    #expect(unknown.count == 1)
    #expect(unknown.first?.message.contains("did you mean oxygen_release?") == true)
  }

  /// The next indicator added the descriptor way: oxygen release (释氧, GEP-METHODS §5.8) for a
  /// profile that lists it.
  @Test func oxygenReleaseFromTheSequestrationRate() throws {
    let line = try forestRun(indicator: "oxygen_release") { set in
      try append(
        set, "profile.csv",
        profileRow(
          "oxygen_release", method: "sequestration_rate", unit: "tO2/a",
          classParameters: "carbon_sequestration.rate", prices: "oxygen_price_industrial"))
      let url = set.appendingPathComponent("carbon_sequestration.csv")
      let text = try String(contentsOf: url, encoding: .utf8)
      #expect(text.contains("1,Forest,rate,,"))
      try Data(text.replacingOccurrences(of: "1,Forest,rate,,", with: "1,Forest,rate,2.5,").utf8)
        .write(to: url)
    }
    let o2 = try #require(line)
    // 18 hm² × 2.5 t C/hm²/a = 45 t C; × 44/12 = 165 t CO₂; × 32/44 = 120 t O₂;
    // × 727 yuan/t (industrial oxygen price, 2010 [S1]) = 87 240 yuan.
    #expect(abs(o2.quantity!.value - 120) < 1e-9)
    #expect(abs(o2.value!.value - 87_240) < 1e-6)
  }

  /// The rate method with the soil-carbon ratio β (GEP-METHODS §5.8 (a): FCS = FCSR × SF ×
  /// (1 + β)), β for forests from forest_soil_carbon_ratio.
  @Test func sequestrationRateWithSoilCarbonRatio() throws {
    let line = try forestRun(indicator: "carbon_sequestration") { set in
      try replace(set, "carbon_sequestration.csv", "1,Forest,rate,,", "1,Forest,rate,2.5,")
      try replace(
        set, "parameters.csv", "forest_soil_carbon_ratio,carbon_sequestration,,",
        "forest_soil_carbon_ratio,carbon_sequestration,0.2,")
    }
    let carbon = try #require(line)
    // 18 hm² × 2.5 t C/hm²/a × (1 + 0.2) = 54 t C = 198 t CO₂; valued at the afforestation
    // cost 1320 yuan/t C (carbon_price_ets is empty in national-2022): 54 × 1320 = 71 280.
    #expect(abs(carbon.quantity!.value - 198) < 1e-9)
    #expect(abs(carbon.value!.value - 71_280) < 1e-6)
  }

  /// The NEP method (§5.8 (b)): Q_CO2 = 44/12 × NEP × A per cell; NEP in g C·m⁻²·a⁻¹ is
  /// converted; a source cell (NEP < 0) subtracts.
  @Test(arguments: [("tC/hm2/a", 1.0), ("gC/m2/a", 100.0)])
  func nepMethod(unit: String, scale: Double) throws {
    // Columns 0–14: NEP 2 t C/hm²/a; columns 15–19: −1 (a source).
    let nep: (inout SyntheticRun) -> Void = { run in
      run.rasters["nep"] = (unit, { c, _ in (c < 15 ? 2 : -1) * scale })
    }
    let line = try forestRun(indicator: "carbon_sequestration", run: nep) { set in
      try replace(
        set, "profile.csv",
        carbonRateRow,
        carbonNEPRow)
    }
    let carbon = try #require(line)
    // 150 cells × 900 m² = 13.5 hm² at 2, 50 cells = 4.5 hm² at −1: NEP·A = 27 − 4.5 =
    // 22.5 t C = 82.5 t CO₂; × 1320 yuan/t C = 29 700 yuan.
    #expect(abs(carbon.quantity!.value - 82.5) < 1e-9)
    #expect(abs(carbon.value!.value - 29_700) < 1e-6)
    #expect(carbon.method == "nep")
  }

  /// Break-test fault: the NEP method counted urban cells although carbon_sequestration.csv
  /// masks urban land (class 6, applies = 0). Columns 0–9 forest (SWAT 6), 10–19 urban
  /// (SWAT 104 → class 6), NEP 2 t C/hm²/a everywhere: only the forest half counts, and the
  /// urban half is reported as not applicable (its own share), not as a computed 0.
  @Test func nepMethodHonoursAppliesZero() throws {
    let nep: (inout SyntheticRun) -> Void = { run in
      run.landUse = { c, _ in c < 10 ? 6 : 104 }
      run.rasters["nep"] = ("tC/hm2/a", { _, _ in 2 })
    }
    let line = try forestRun(indicator: "carbon_sequestration", run: nep) { set in
      try replace(
        set, "profile.csv",
        carbonRateRow,
        carbonNEPRow)
    }
    let carbon = try #require(line)
    // 100 forest cells × 900 m² = 9 hm² × 2 t C = 18 t C = 66 t CO₂.
    #expect(abs(carbon.quantity!.value - 66) < 1e-9)
    #expect(carbon.uncoveredArea.value == 0)
    #expect(abs(carbon.notApplicableArea.value - 90_000) < 1e-6)
  }

  /// Break-test fault: oxygen left out β while carbon included it; now both derive from the
  /// same production term, so O₂ = 32/44 × CO₂ exactly.
  @Test func oxygenUsesTheSameTermAsCarbon() throws {
    let edit: (URL) throws -> Void = { set in
      try append(
        set, "profile.csv",
        profileRow(
          "oxygen_release", method: "sequestration_rate", unit: "tO2/a",
          classParameters: "carbon_sequestration.rate", prices: "oxygen_price_industrial"))
      try replace(set, "carbon_sequestration.csv", "1,Forest,rate,,", "1,Forest,rate,2.5,")
      try replace(
        set, "parameters.csv", "forest_soil_carbon_ratio,carbon_sequestration,,",
        "forest_soil_carbon_ratio,carbon_sequestration,0.2,")
    }
    let o2 = try #require(try forestRun(indicator: "oxygen_release", edit: edit))
    // 18 hm² × 2.5 × 1.2 = 54 t C → 198 t CO₂ → × 32/44 = 144 t O₂.
    #expect(abs(o2.quantity!.value - 144) < 1e-9)
  }

  /// A profile that declares an input its method does not read is an error of the registry
  /// check (so `gep coefficients check`, `gep validate` and `gep compute` refuse it).
  @Test func declaredInputNotReadIsAnError() throws {
    let folder = try tempFolder("not-read")
    defer { try? FileManager.default.removeItem(at: folder) }
    let root = try coefficientCopy(folder) {
      $0.replacingOccurrences(
        of: "cooling_days;ac_energy_efficiency_ratio",
        with: "cooling_days;ac_energy_efficiency_ratio;humidifier_energy")
    }
    let check = CoefficientSet.check(directory: root.appendingPathComponent("national-2022"))
    let problems = MethodRegistry.builtIn.problems(of: check.set.profile)
    let notRead = problems.filter { $0.code == .profileInputNotRead }
    #expect(notRead.count == 1)
    #expect(notRead.first?.location.value == "humidifier_energy")
    #expect(notRead.first?.location.column == "parameters")
  }

  /// Every class parameter and scalar parameter a built-in descriptor reads is one the
  /// coefficient schema knows (unit and range checked on load), and every declared price
  /// exists in the shipped sets.
  @Test func descriptorsReadKnownCoefficients() throws {
    let set = try CoefficientSet.load(
      from: URL(fileURLWithPath: coefficientRoot).appendingPathComponent("national-2022"))
    for d in MethodRegistry.builtIn.descriptors {
      for cp in d.classParameters {
        let parts = cp.split(separator: ".").map(String.init)
        #expect(
          CoefficientSchema.classTables[parts[0]]?.contains { $0.name == parts[1] } == true,
          "\(d.indicator)/\(d.method): \(cp)")
      }
      for p in d.parameters {
        #expect(CoefficientSchema.scalarParameters[p.id] != nil, "\(d.method): \(p.id)")
      }
      for id in d.prices { #expect(set.prices[id] != nil, "\(d.method): \(id)") }
    }
  }
}

/// Issue 13: a region set that overrides one row of the reference set changes exactly the
/// indicators that read it, and the manifest records the override.
@Suite struct RegionSetTests {
  @Test func overrideOfOneRowChangesOnlyItsIndicator() throws {
    let folder = try tempFolder("region-set")
    defer { try? FileManager.default.removeItem(at: folder) }
    let root = folder.appendingPathComponent("coef")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: URL(fileURLWithPath: coefficientRoot).appendingPathComponent("reference"),
      to: root.appendingPathComponent("reference"))
    let region = root.appendingPathComponent("region")
    try FileManager.default.createDirectory(at: region, withIntermediateDirectories: true)
    try Data(
      "key,value\nprofile_id,national-2022\nname,Test county\nextends,reference\nregion,Test county\n"
        .utf8
    ).write(to: region.appendingPathComponent("manifest.csv"))
    try Data(
      ("price_id,indicator_id,item,value,low,high,unit,currency,price_year,region,basis,"
        + "price_index,source,confidence,note\n"
        + "reservoir_capacity_cost,water_conservation,reservoir storage capacity,8,,,yuan/m3,"
        + "CNY,2024,Test county,local cost,,Test county water bureau 2024,regional_study,\n").utf8
    ).write(to: region.appendingPathComponent("prices.csv"))
    func run(_ profile: String) throws -> (UnitAccount, String) {
      let sub = folder.appendingPathComponent(profile)
      try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
      var r = SyntheticRun.waterBalance()
      r.profile = profile
      let runFile = try r.write(to: sub)
      try editRunFile(
        sub, "coefficients = \"\(coefficientRoot)\"", "coefficients = \"\(root.path)\"")
      let out = sub.appendingPathComponent("out")
      let result = try compute(runFile, out: out)
      let village = try #require(result.account.units.first { $0.unit.code == "520621001001" })
      let manifest = try String(
        contentsOf: out.appendingPathComponent("manifest.json"), encoding: .utf8)
      return (village, manifest)
    }
    let (base, _) = try run("reference")
    let (regional, manifest) = try run("region")
    for line in regional.lines {
      let b = try #require(
        base.lines.first { $0.indicator == line.indicator && $0.component == line.component })
      if line.indicator == "water_conservation" {
        // 8 yuan/m³ of 2024 (no indexing: the accounting year) instead of the reference's
        // 7.53 of 2011 indexed to 2024.
        let q = try #require(line.quantity).value
        #expect(abs(try #require(line.value).value - 8 * q) < 1e-6 * q)
        #expect(b.quantity?.raw == line.quantity?.raw)
        #expect(b.value?.raw != line.value?.raw)
      } else {
        #expect(b.value?.raw == line.value?.raw, "\(line.indicator) \(line.component)")
        #expect(b.quantity?.raw == line.quantity?.raw, "\(line.indicator)")
      }
    }
    #expect(manifest.contains("\"coefficient_base\": \"reference\""))
    #expect(manifest.contains("\"key\": \"reservoir_capacity_cost\", \"kind\": \"changed\""))
  }
}

/// Issue 21's compute side: plausibility warnings on soil conservation.
@Suite struct SoilPlausibilityTests {
  /// The forest grid with R 4000, K 0.03, FVC 0.5 and a given LS: LS 2 gives ≈ 230 t·hm⁻²·a⁻¹
  /// (4000 · 0.03 · 2 · (1 − C·P) with C ≈ 0.067), no warning; LS 20 gives ≈ 2 300, more than
  /// twice Garzê's forest 442 (density warning) and a mean LS of 20 > 2 × 5.20 (LS warning).
  @Test(arguments: [(2.0, false), (20.0, true)])
  func warnsAboveTwiceTheAnchors(ls: Double, warned: Bool) throws {
    let folder = try tempFolder("soil-plausible")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun.waterBalance()
    run.rasters["erosivity"] = ("MJ mm hm-2 h-1 a-1", { _, _ in 4000 })
    run.rasters["erodibility"] = ("t hm2 h hm-2 MJ-1 mm-1", { _, _ in 0.03 })
    run.rasters["ls"] = ("1", { _, _ in ls })
    run.rasters["fvc"] = ("fraction", { _, _ in 0.5 })
    let result = try compute(try run.write(to: folder), out: folder.appendingPathComponent("out"))
    let codes = Set(result.warnings.map(\.code))
    #expect(codes.contains("soil.density-implausible") == warned)
    #expect(codes.contains("soil.ls-implausible") == warned)
  }
}

/// Break-test fault: a raster that no selected method reads was not flagged.
@Suite struct UnusedRasterTests {
  @Test func anUnreadRasterIsNamed() throws {
    let folder = try tempFolder("unused-raster")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun.waterBalance()
    run.rasters["nep"] = ("tC/hm2/a", { _, _ in 1 })
    let problems = validate(runFile: try run.write(to: folder))
    let unused = problems.filter { $0.code == "raster.unused" }
    #expect(unused.count == 1)
    #expect(unused.first?.location.field == "rasters.nep")
    // Water conservation reads precipitation and evapotranspiration: not flagged.
    #expect(!unused.contains { $0.location.field == "rasters.precipitation" })
  }
}

/// Break-test fault: a bad names table also produced a false `units.unreadable` naming the
/// unit layer.
@Suite struct NamesTableTests {
  @Test func aMissingNamesTableIsOneErrorAtTheNamesFile() throws {
    let folder = try tempFolder("names-missing")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try SyntheticRun.waterBalance().write(to: folder)
    try editRunFile(
      folder, "hierarchy = \"code12\"", "hierarchy = \"code12\"\nnames = \"gone.csv\"")
    let errors = validate(runFile: runFile).filter { $0.severity == .error }
    #expect(errors.map(\.code) == ["file.missing"], "\(errors)")
    #expect(errors.first?.location.file?.hasSuffix("gone.csv") == true)
  }
}

/// Break-test fault: with carbon by NEP a VEP scenario cannot change carbon; it now says so.
@Suite struct VEPClassIndependentTests {
  @Test func nepInAScenarioIsNamed() throws {
    let folder = try tempFolder("vep-nep")
    defer { try? FileManager.default.removeItem(at: folder) }
    let root = try coefficientCopy(folder) {
      $0.replacingOccurrences(
        of:
          carbonRateRow,
        with: carbonNEPRow)
    }
    var run = SyntheticRun.waterBalance()
    run.rasters["nep"] = ("tC/hm2/a", { _, _ in 2 })
    let runFile = try run.write(to: folder)
    try editRunFile(
      folder, "coefficients = \"\(coefficientRoot)\"", "coefficients = \"\(root.path)\"")
    let parcels = folder.appendingPathComponent("p.geojson")
    try Data(
      """
      {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32649"}},"features":[
      {"type":"Feature","properties":{"id":"A"},"geometry":{"type":"Polygon","coordinates":[[[500000,3000000],[500300,3000000],[500300,2999700],[500000,2999700],[500000,3000000]]]}}]}
      """.utf8
    ).write(to: parcels)
    let changes = folder.appendingPathComponent("changes.csv")
    try Data("parcel,from_code,to_code,share\nA,6,8,1\n".utf8).write(to: changes)
    let result = try VEPJob.run(
      config: try RunConfiguration.load(path: runFile),
      options: VEPOptions(
        parcels: parcels.path, idField: "id", changes: changes.path,
        output: folder.appendingPathComponent("vep").path))
    #expect(result.warnings.contains { $0.code == "vep.class-independent" })
  }
}
