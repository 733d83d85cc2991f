import Foundation
import Testing

@testable import GEPCore

/// A shipped coefficient folder (`coefficients/<name>`), found from this file, then the cwd.
private func shippedSet(_ name: String) throws -> URL {
  let here = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
  let root = here.deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  let candidate = root.appendingPathComponent("coefficients").appendingPathComponent(name)
  if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("profile.csv").path) {
    return candidate
  }
  return try #require(CoefficientSet.defaultDirectory(profile: name))
}

/// A fresh scratch folder holding a copy of `coefficients/reference` as `<tmp>/reference`.
private func scratchWithReference() throws -> URL {
  let root = FileManager.default.temporaryDirectory.appendingPathComponent(
    "gep-ref-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
  try FileManager.default.copyItem(
    at: try shippedSet("reference"), to: root.appendingPathComponent("reference"))
  return root
}

/// Replaces `old` (which must occur exactly once) by `new` in a file.
private func replaceOnce(_ url: URL, _ old: String, _ new: String) throws {
  let text = try String(contentsOf: url, encoding: .utf8)
  #expect(text.components(separatedBy: old).count == 2, "'\(old)' not found once in \(url.path)")
  try text.replacingOccurrences(of: old, with: new).write(
    to: url, atomically: true, encoding: .utf8)
}

@Suite("Coefficient set: reference")
struct ReferenceSetTests {
  /// Every filled value of the reference set has a source and a known confidence level, the
  /// set checks without errors, and the summary counts add up.
  @Test func referenceSetChecksCleanAndEveryValueIsSourced() throws {
    let result = CoefficientSet.check(directory: try shippedSet("reference"))
    #expect(result.errors.isEmpty, "\(result.errors.map(\.description).joined(separator: "\n"))")
    // Warnings are documented gaps only (empty values with the searches in the note).
    #expect(result.warnings.allSatisfy { $0.code == .valueMissingDocumented })
    let summary = result.set.sourceSummary
    #expect(summary.filled == summary.sourced)
    #expect(summary.filled == summary.byConfidence.values.reduce(0, +))
    #expect((summary.byConfidence[.normativeStandard] ?? 0) >= 8)
    #expect(summary.withRange >= 13)
    // The report prints the counts by confidence.
    let report = CoefficientText.checkReport(result)
    #expect(report.contains("normative_standard \(summary.byConfidence[.normativeStandard]!)"))
  }

  /// Values read in their sources: tax-law SO₂ price 1.2 yuan / 0.95 kg = 1263.16 yuan/t
  /// (high 12 / 0.95 kg = 12 631.58); the 2024 ETS price 181.14 亿元 / 1.89 亿 t = 95.84 yuan/t
  /// CO₂; broadleaf SO₂ uptake 88.65 kg/hm²/a; [S2] mean forest runoff α 35.47 / 6 = 5.9117 %.
  @Test func referenceValuesAreTheSourcedNumbers() throws {
    let set = try CoefficientSet.load(from: try shippedSet("reference"))
    let so2 = try #require(set.prices["so2_treatment_cost"])
    #expect(so2.value == 1263.16 && so2.low == 1263.16 && so2.high == 12631.58)
    #expect(so2.provenance.valueConfidence == .normativeStandard)
    #expect(so2.priceYear == 2018)
    let carbon = try #require(set.prices["carbon_price_ets"])
    #expect(abs(181.14 / 1.89 - 95.84) < 0.005)
    #expect(carbon.value == 95.84 && carbon.unit == "yuan/tCO2" && carbon.priceYear == 2024)
    guard
      case .value(let q, _) = set.classCoefficient(
        table: "air_purification", parameter: "so2", classCode: 104)
    else {
      Issue.record("no SO2 capacity for deciduous broadleaf forest")
      return
    }
    #expect(q == 88.65)
    guard
      case .value(let alpha, let row) = set.classCoefficient(
        table: "runoff_coefficient", parameter: "alpha", classCode: 1)
    else {
      Issue.record("no forest alpha")
      return
    }
    #expect(abs(alpha - 35.47 / 6) < 1e-4)
    #expect(row.low == 0.88 && row.high == 19.2)
    // Lakes inherit the wetland row (α = 0, [S2] marsh and reservoir).
    guard
      case .value(let lake, _) = set.classCoefficient(
        table: "runoff_coefficient", parameter: "alpha", classCode: 402)
    else {
      Issue.record("no lake alpha")
      return
    }
    #expect(lake == 0)
  }

  /// The forest carbon sequestration rate is the IPCC 2006 Tier 1 arithmetic (issue 13), by
  /// hand: G_W (Table 4.9, temperate continental forest, Asia/Europe, > 20 y) 4 t d.m./ha/a,
  /// R (Table 4.4, temperate conifers, AGB 50–150 t/ha) 0.29, CF (Table 4.3) 0.47:
  /// 4 × 1.29 × 0.47 = 2.4252 t C/hm²/a; the G_W range 0.5–7.5 gives 0.30315–4.54725.
  @Test func forestCarbonRateIsTheIPCCTier1Product() throws {
    let set = try CoefficientSet.load(from: try shippedSet("reference"))
    guard
      case .value(let rate, let row) = set.classCoefficient(
        table: "carbon_sequestration", parameter: "rate", classCode: 1)
    else {
      Issue.record("no forest carbon sequestration rate")
      return
    }
    #expect(abs(rate - 2.4252) < 1e-12)
    #expect(abs(try #require(row.low) - 0.30315) < 1e-12)
    #expect(abs(try #require(row.high) - 4.54725) < 1e-12)
    #expect(row.provenance.valueConfidence == .internationalDefault)
  }

  /// The shipped sets keep loading after the migration to the new columns.
  @Test func migratedSetsStillLoad() throws {
    for name in ["national-2022", "example-literature", "reference"] {
      let result = CoefficientSet.check(directory: try shippedSet(name))
      #expect(result.errors.isEmpty, "\(name): \(result.errors.map(\.description))")
    }
  }
}

@Suite("Coefficient checker: sources and ranges")
struct ValueRangeCheckTests {
  /// A filled row without a source is `value.unsourced`; a value outside its own low–high is
  /// `value.outside-own-range`, as are low > high and a range with one end; all at once.
  @Test func unsourcedAndOutOfOwnRangeRowsAreErrors() throws {
    let root = try scratchWithReference()
    defer { try? FileManager.default.removeItem(at: root) }
    let folder = root.appendingPathComponent("reference")
    let prices = folder.appendingPathComponent("prices.csv")
    // dredging_cost keeps its value but loses its source.
    try replaceOnce(
      prices, "reservoir dredging engineering cost,,GEP-METHODS §5.2 §7.3 [S1],regional_study",
      "reservoir dredging engineering cost,,,regional_study")
    // SO2 price 1263.16 with its range moved to 1300-12631.58: outside its own range.
    try replaceOnce(prices, "SO2,1263.16,1263.16,12631.58,", "SO2,1263.16,1300,12631.58,")
    // NOx: low above high.
    try replaceOnce(prices, "NOx,1263.16,1263.16,12631.58,", "NOx,1263.16,20000,12631.58,")
    // Dust: only one end.
    try replaceOnce(prices, "industrial dust,300,300,3000,", "industrial dust,300,,3000,")
    let result = CoefficientSet.check(directory: folder)
    let codes = result.errors.map(\.code)
    #expect(codes.filter { $0 == .valueUnsourced }.count == 1)
    #expect(codes.filter { $0 == .valueOutsideOwnRange }.count == 3)
    #expect(result.errors.count == 4, "\(result.errors.map(\.description))")
    let unsourced = try #require(result.errors.first { $0.code == .valueUnsourced })
    #expect(unsourced.location.column == "source")
    #expect(unsourced.location.file == "prices.csv")
    let outside = try #require(
      result.errors.first { $0.code == .valueOutsideOwnRange && $0.location.column == "value" })
    #expect(outside.message.contains("1300…12631.58"))
  }

  /// The former confidence words are rejected on value rows with the mapping in the message.
  @Test func formerConfidenceWordsNameTheMapping() throws {
    let root = try scratchWithReference()
    defer { try? FileManager.default.removeItem(at: root) }
    let folder = root.appendingPathComponent("reference")
    try replaceOnce(
      folder.appendingPathComponent("parameters.csv"),
      "1999,GEP-METHODS §5.2 §7.3 [S1] [S5],national_synthesis",
      "1999,GEP-METHODS §5.2 §7.3 [S1] [S5],confirmed")
    let result = CoefficientSet.check(directory: folder)
    let error = try #require(result.errors.first)
    #expect(result.errors.count == 1)
    #expect(error.code == .valueInvalid && error.location.column == "confidence")
    #expect(error.message.contains("confirmed → national_synthesis or regional_study"))
  }
}

@Suite("Constant prices: price index")
struct PriceIndexingTests {
  /// A 2010 price brought to 2024 with national CPI chain indices (previous year = 100) of
  /// price_index.csv. By hand: the factor is the product of the 2011…2024 indices / 100:
  ///   1.054 × 1.026 × 1.026 × 1.020 × 1.014 × 1.020 × 1.016 × 1.021 × 1.029 × 1.025
  ///   × 1.009 × 1.020 × 1.002 × 1.002
  ///   = 1.054 → 1.081404 → 1.109521 → 1.131711 → 1.147555 → 1.170506 → 1.189234
  ///     → 1.214208 → 1.249420 → 1.280656 → 1.292181 → 1.318025 → 1.320661 → 1.323302
  /// so the Ganzi 2010 reservoir cost 7.06 yuan/m³ is 7.06 × 1.323302 = 9.342515 yuan/m³ of 2024.
  @Test func a2010PriceIndexedTo2024MatchesTheHandComputation() throws {
    let set = try CoefficientSet.load(from: try shippedSet("reference"))
    let indexed = try set.indexedPrice("reservoir_capacity_cost_ganzi_2010", toYear: 2024)
    #expect(indexed.originalValue == 7.06 && indexed.priceYear == 2010)
    #expect(indexed.indexID == "cpi_national" && indexed.targetYear == 2024)
    #expect(indexed.fromIndex == 100)
    #expect(abs(indexed.toIndex - 132.3302) < 1e-4)
    #expect(abs(indexed.indexedValue - 9.342515) < 1e-6)
    // Back again: 2024 → 2010 divides by the same factor.
    let series = try #require(set.priceIndices["cpi_national"])
    let back = try series.levels(from: 2024, to: 2010)
    #expect(abs(back.toIndex / back.fromIndex - 1 / 1.3233024) < 1e-7)
  }

  /// A fixed-base series: P_to = P × I_to / I_from (2010 = 100, 2024 = 150 → × 1.5); the same
  /// year gives factor 1; a year the chain needs but lacks is named in the error.
  @Test func fixedSeriesSameYearAndMissingYears() throws {
    var set = try CoefficientSet.load(from: try shippedSet("reference"))
    set.priceIndices["ppi_test"] = PriceIndexTable(
      id: "ppi_test", kind: "fixed", values: [2010: 100, 2024: 150])
    let fixed = try set.indexedPrice(
      "reservoir_capacity_cost_ganzi_2010", toYear: 2024, indexID: "ppi_test")
    #expect(abs(fixed.indexedValue - 7.06 * 1.5) < 1e-12)
    let same = try set.indexedPrice("carbon_price_ets", toYear: 2024)
    #expect(same.indexedValue == 95.84)
    #expect(throws: PriceIndexingError.priceMissing("nope")) {
      _ = try set.indexedPrice("nope", toYear: 2024)
    }
    // The reference CPI table ends with 2024: a 2025 account lacks the 2025 index.
    #expect(throws: PriceIndexingError.indexYearMissing(index: "cpi_national", year: 2025)) {
      _ = try set.indexedPrice("reservoir_capacity_cost_lyt1721", toYear: 2025)
    }
    // A year removed from the chain is named: without 2008 the 2005 price cannot reach 2024.
    var gap = try #require(set.priceIndices["cpi_national"])
    gap.values[2008] = .some(nil)
    set.priceIndices["cpi_national"] = gap
    #expect(throws: PriceIndexingError.indexYearMissing(index: "cpi_national", year: 2008)) {
      _ = try set.indexedPrice("reservoir_capacity_cost_lyt1721", toYear: 2024)
    }
  }

  /// The LY/T 1721 reservoir cost 6.1107 yuan/m³ of 2005 brought to 2024 with the complete
  /// reference CPI chain (2006…2024). By hand: 2006…2010 give
  ///   1.015 × 1.048 × 1.059 × 0.993 × 1.033 = 1.015 → 1.063720 → 1.126479 → 1.118594
  ///     → 1.155508
  /// and 2011…2024 give 1.323302 (test above), so the factor is 1.155508 × 1.323302 = 1.529086
  /// and the 2024 price 6.1107 × 1.529086 = 9.343787 yuan/m³.
  @Test func a2005PriceIndexedTo2024MatchesTheHandComputation() throws {
    let set = try CoefficientSet.load(from: try shippedSet("reference"))
    let indexed = try set.indexedPrice("reservoir_capacity_cost_lyt1721", toYear: 2024)
    #expect(indexed.originalValue == 6.1107 && indexed.priceYear == 2005)
    #expect(abs(indexed.toIndex / indexed.fromIndex - 1.529086) < 1e-6)
    #expect(abs(indexed.indexedValue - 9.343787) < 1e-6)
  }
}

@Suite("Region sets: extends and init")
struct RegionOverrideTests {
  /// A region copy written by `writeEditableCopy` with one row edited: exactly that value
  /// changes, the override list names exactly that row as changed, every other lookup of
  /// every table, parameter and price equals the reference set's.
  @Test func overrideOfOneRowChangesExactlyThatValue() throws {
    let root = try scratchWithReference()
    defer { try? FileManager.default.removeItem(at: root) }
    let base = root.appendingPathComponent("reference")
    let region = root.appendingPathComponent("my-county")
    let files = try CoefficientSet.writeEditableCopy(of: base, to: region)
    #expect(files.contains("manifest.csv") && files.contains("README.md"))
    // The fresh copy changes nothing: every row is restated.
    let copy = try CoefficientSet.load(from: region)
    #expect(copy.base == "reference")
    #expect(copy.overrides.allSatisfy { $0.kind == .restated })
    #expect(!copy.overrides.isEmpty)
    try replaceOnce(
      region.appendingPathComponent("runoff_coefficient.csv"), "1,Forest,alpha,5.9117,",
      "1,Forest,alpha,4.1,")
    let edited = try CoefficientSet.load(from: region)
    let reference = try CoefficientSet.load(from: base)
    let changed = edited.overrides.filter { $0.kind == .changed }
    #expect(changed.count == 1)
    #expect(changed.first?.key == "1|alpha|" && changed.first?.file == "runoff_coefficient.csv")
    #expect(changed.first?.baseValue == "5.9117" && changed.first?.value == "4.1")
    #expect(changed.first?.baseLocation?.file == "reference/runoff_coefficient.csv")
    var differences: [String] = []
    for (name, table) in reference.classTables {
      let parameters = Set(table.rows.map(\.parameter))
      for parameter in parameters {
        for code in reference.ecosystemClasses.keys {
          let a = reference.classCoefficient(table: name, parameter: parameter, classCode: code)
          let b = edited.classCoefficient(table: name, parameter: parameter, classCode: code)
          if value(a) != value(b) { differences.append("\(name).\(parameter) \(code)") }
        }
      }
    }
    // Forest (1) and its level-2 classes without own α? All six have [S2] rows, so only 1.
    #expect(differences == ["runoff_coefficient.alpha 1"])
    #expect(reference.parameters.mapValues(\.value) == edited.parameters.mapValues(\.value))
    #expect(reference.prices.mapValues(\.value) == edited.prices.mapValues(\.value))
  }

  /// A minimal region folder (manifest with `extends` and a one-row prices.csv) inherits every
  /// other file; the region row is `changed`, a new id is `added`.
  @Test func minimalRegionFolderInheritsTheRest() throws {
    let root = try scratchWithReference()
    defer { try? FileManager.default.removeItem(at: root) }
    let region = root.appendingPathComponent("region")
    try FileManager.default.createDirectory(at: region, withIntermediateDirectories: true)
    try
      "key,value\nprofile_id,national-2022\nname,Test county\nextends,reference\nregion,Test county\n"
      .write(to: region.appendingPathComponent("manifest.csv"), atomically: true, encoding: .utf8)
    let header =
      "price_id,indicator_id,item,value,low,high,unit,currency,price_year,region,basis,"
      + "price_index,source,confidence,note\n"
    try
      (header
      + "electricity_price,climate_regulation,electricity,0.6,0.55,0.65,yuan/kWh,CNY,2024,"
      + "Test county,tariff,,Test county tariff notice 2024,regional_study,\n"
      + "local_water_price,water_conservation,water,3.2,,,yuan/m3,CNY,2024,Test county,tariff,,"
      + "Test county tariff notice 2024,regional_study,\n")
      .write(to: region.appendingPathComponent("prices.csv"), atomically: true, encoding: .utf8)
    let result = CoefficientSet.check(directory: region)
    #expect(result.errors.isEmpty, "\(result.errors.map(\.description))")
    let set = result.set
    #expect(set.priceValue("electricity_price") == 0.6)
    #expect(set.priceValue("so2_treatment_cost") == 1263.16)
    #expect(set.profile.indicators.count == 17)
    #expect(set.overrides.map(\.kind) == [.changed, .added])
    #expect(set.manifest["price_index"] == "cpi_national")
  }

  /// A changed CPI year is one override (key `index_id|year`) and one diff entry.
  @Test func priceIndexRowOverrideAndDiff() throws {
    let root = try scratchWithReference()
    defer { try? FileManager.default.removeItem(at: root) }
    let base = root.appendingPathComponent("reference")
    let region = root.appendingPathComponent("county")
    try CoefficientSet.writeEditableCopy(of: base, to: region)
    try replaceOnce(
      region.appendingPathComponent("price_index.csv"), "cpi_national,2024,100.2,",
      "cpi_national,2024,100.5,")
    let edited = try CoefficientSet.load(from: region)
    let changed = edited.overrides.filter { $0.kind == .changed }
    #expect(changed.map(\.key) == ["cpi_national|2024"])
    let changes = try CoefficientSet.load(from: base).diff(to: edited).filter {
      $0.file == "price_index.csv"
    }
    #expect(changes.map(\.key) == ["cpi_national|2024"])
  }

  /// `writeEditableCopy` refuses a non-empty target and leaves it untouched.
  @Test func initRefusesANonEmptyFolder() throws {
    let root = try scratchWithReference()
    defer { try? FileManager.default.removeItem(at: root) }
    let target = root.appendingPathComponent("busy")
    try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
    try "mine".write(
      to: target.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
    #expect(throws: CoefficientCopyError.targetNotEmpty(target.path)) {
      try CoefficientSet.writeEditableCopy(of: root.appendingPathComponent("reference"), to: target)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: target.path) == ["notes.txt"])
  }

  /// An `extends` loop or a missing base is an error on the manifest row.
  @Test func extendsLoopAndMissingBaseAreErrors() throws {
    let root = try scratchWithReference()
    defer { try? FileManager.default.removeItem(at: root) }
    for (name, target) in [("a", "b"), ("b", "a"), ("c", "nowhere")] {
      let folder = root.appendingPathComponent(name)
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      try "key,value\nprofile_id,x\nname,x\nextends,\(target)\n".write(
        to: folder.appendingPathComponent("manifest.csv"), atomically: true, encoding: .utf8)
    }
    let loop = CoefficientSet.check(directory: root.appendingPathComponent("a"))
    #expect(loop.errors.contains { $0.code == .extendsInvalid && $0.message.contains("loop") })
    let missing = CoefficientSet.check(directory: root.appendingPathComponent("c"))
    #expect(
      missing.errors.contains { $0.code == .extendsInvalid && $0.location.file == "manifest.csv" })
  }
}

/// The number of a lookup, or `nil`.
private func value(_ lookup: ClassCoefficientLookup) -> Double? {
  if case .value(let v, _) = lookup { return v }
  return nil
}

/// A set written before format 2 (no low/high columns, confidence confirmed/unconfirmed) is
/// still read, with one warning per table and the words mapped: the benchmark's set
/// (../shared/bench/gep-coefficients/bench) is such a set.
@Suite struct FormatOneTests {
  @Test func formatOneSetIsReadWithMappedConfidence() throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("shared/bench/gep-coefficients/bench")
    guard FileManager.default.fileExists(atPath: dir.path) else {
      print("skipped: \(dir.path) is absent")
      return
    }
    let result = CoefficientSet.check(directory: dir)
    #expect(
      result.errors.filter { $0.location.file != "profile.csv" }.isEmpty,
      "\(result.errors.map(\.description))")
    #expect(result.warnings.contains { $0.message.hasPrefix("format-1 table") })
    // sediment_deposition_ratio: confirmed, region "China (national rivers)" → a named region
    // other than China/empty → regional_study; soil_bulk_density (Ganzi) → regional_study.
    let set = result.set
    #expect(set.parameterValue("sediment_deposition_ratio") == 0.24)
    #expect(
      set.parameters["sediment_deposition_ratio"]?.provenance.valueConfidence == .regionalStudy)
    #expect(set.parameters["soil_bulk_density"]?.provenance.valueConfidence == .regionalStudy)
  }
}
