import Foundation

/// Reads a coefficient folder into a `CoefficientSet` while collecting every problem.
/// Checks: GEP-METHODS §12.2–12.3; ARCHITECTURE.md §5 (file, row, column, value).
struct CoefficientLoader {
  let directory: URL
  var problems: [CoefficientProblem] = []
  var set: CoefficientSet
  /// Folders already on the `extends` chain (resolved paths), to refuse a loop.
  let visited: [String]
  /// The set this one extends, as loaded (row locations prefixed with the base name), or `nil`.
  var baseSet: CoefficientSet?

  init(directory: URL, visited: [String] = []) {
    self.directory = directory
    self.visited = visited
    set = CoefficientSet(directory: directory)
  }

  /// Resolved path of a folder, for loop detection.
  static func resolvedPath(_ url: URL) -> String {
    url.standardizedFileURL.resolvingSymlinksInPath().path
  }

  // MARK: - Reporting helpers

  mutating func report(
    _ severity: CoefficientSeverity, _ code: CoefficientProblemCode, _ message: String,
    _ table: CoefficientTable, _ row: CoefficientTableRow?, _ column: String?,
    _ value: String? = nil
  ) {
    let cell = value ?? (row.flatMap { r in column.map { table.field(r, $0) } })
    problems.append(
      CoefficientProblem(
        severity, code, message,
        at: CoefficientLocation(file: table.file, row: row?.line, column: column, value: cell)
      ))
  }

  mutating func requireColumns(_ table: CoefficientTable, _ columns: [String]) -> Bool {
    var ok = true
    for column in columns where table.columnIndex(column) == nil {
      problems.append(
        CoefficientProblem(
          .error, .columnMissing, "required column '\(column)' is missing from the header",
          at: CoefficientLocation(file: table.file, row: 1, column: column)))
      ok = false
    }
    return ok
  }

  /// The columns of a value table (per-class tables, parameters, prices). A table of the
  /// format-1 layout (no `low`/`high`, no `price_index`; confidence `confirmed`/`unconfirmed`)
  /// is read with those columns empty and its confidence words mapped (`provenance`), with one
  /// warning, so a set written before format 2 keeps working (e.g. a benchmark's set).
  mutating func requireValueColumns(_ table: CoefficientTable, _ columns: [String]) -> Bool {
    guard isFormat1(table) else { return requireColumns(table, columns) }
    problems.append(
      CoefficientProblem(
        .warning, .tableUnknown,
        "format-1 table (no low/high columns, confidence confirmed/unconfirmed): read with "
          + "empty ranges and the confidence words mapped (confirmed → national_synthesis or "
          + "regional_study by region, unconfirmed → placeholder); rewrite it in format 2 "
          + "(coefficients/README.md)",
        at: CoefficientLocation(file: table.file, row: 1, column: "low")))
    return requireColumns(table, columns.filter { !["low", "high", "price_index"].contains($0) })
  }

  /// True for a value table without the format-2 `low` and `high` columns.
  func isFormat1(_ table: CoefficientTable) -> Bool {
    table.columnIndex("low") == nil && table.columnIndex("high") == nil
  }

  func text(_ table: CoefficientTable, _ row: CoefficientTableRow, _ column: String) -> String {
    table.field(row, column).trimmingCharacters(in: .whitespaces)
  }

  /// Required non-empty text.
  mutating func required(
    _ table: CoefficientTable, _ row: CoefficientTableRow, _ column: String
  ) -> String {
    let value = text(table, row, column)
    if value.isEmpty {
      report(.error, .valueRequired, "'\(column)' must not be empty", table, row, column)
    }
    return value
  }

  /// Integer cell; empty → nil without report unless `required`.
  mutating func integer(
    _ table: CoefficientTable, _ row: CoefficientTableRow, _ column: String, required: Bool
  ) -> Int? {
    let value = text(table, row, column)
    if value.isEmpty {
      if required {
        report(.error, .valueRequired, "'\(column)' must not be empty", table, row, column)
      }
      return nil
    }
    guard let number = Int(value) else {
      report(.error, .valueNotInteger, "'\(column)' must be an integer", table, row, column)
      return nil
    }
    return number
  }

  /// Numeric value cell with range; empty → documented warning or error.
  mutating func number(
    _ table: CoefficientTable, _ row: CoefficientTableRow, _ column: String,
    range: ClosedRange<Double>?, what: String, flag: Bool = false
  ) -> Double? {
    let value = text(table, row, column)
    if value.isEmpty {
      let note = text(table, row, "note")
      if note.isEmpty {
        report(
          .error, .valueMissing,
          "\(what) has no value and no note saying why (write the reason, e.g. "
            + "'no source found', in 'note')", table, row, column)
      } else {
        report(
          .warning, .valueMissingDocumented, "\(what) has no value: \(note)", table, row, column)
      }
      return nil
    }
    guard let number = PlainDecimal.parse(value) else {
      let hint = PlainDecimal.hint(for: value).map { " (\($0))" } ?? ""
      report(
        .error, .valueNotNumeric, "\(what) must be a plain decimal number\(hint)", table, row,
        column)
      return nil
    }
    if let range, !range.contains(number) {
      report(
        .error, .valueOutOfRange,
        "\(what) must be in \(coefficientNumberText(range.lowerBound))…"
          + "\(coefficientNumberText(range.upperBound))", table, row, column)
      return nil
    }
    if flag && number != 0 && number != 1 {
      report(.error, .valueOutOfRange, "\(what) must be 0 or 1", table, row, column)
      return nil
    }
    return number
  }

  /// Unit cell: must be recognised (in `allowed`) and equal `expected` when given.
  mutating func unit(
    _ table: CoefficientTable, _ row: CoefficientTableRow, _ column: String,
    allowed: [String: String], expected: String?
  ) -> String {
    let value = text(table, row, column)
    if value.isEmpty {
      report(.error, .valueRequired, "'\(column)' must not be empty", table, row, column)
    } else if allowed[value] == nil {
      let list = allowed.keys.sorted().joined(separator: ", ")
      report(
        .error, .unitUnknown, "unit '\(value)' is not recognised (allowed: \(list))", table, row,
        column)
    } else if let expected, expected != value {
      report(
        .error, .unitMismatch, "unit must be '\(expected)' for this parameter", table, row, column)
    }
    return value
  }

  /// Source, confidence, region, year and note of a row.
  ///
  /// Value rows (`valueRow`: per-class tables, parameters, prices) take a `ValueConfidence` word
  /// and a filled value without a source is `value.unsourced`; crosswalk and profile rows take
  /// `confirmed`/`unconfirmed`.
  mutating func provenance(
    _ table: CoefficientTable, _ row: CoefficientTableRow, yearColumn: String = "year",
    valueRow: Bool = false
  ) -> CoefficientProvenance {
    let confidenceText = text(table, row, "confidence")
    var confidence: CoefficientConfidence?
    var level: ValueConfidence?
    let source: String
    if valueRow {
      source = text(table, row, "source")
      if source.isEmpty {
        if text(table, row, "value").isEmpty {
          report(.error, .valueRequired, "'source' must not be empty", table, row, "source")
        } else {
          report(
            .error, .valueUnsourced,
            "a filled value needs a source (document, table number, page or link)", table, row,
            "source")
        }
      }
      level = ValueConfidence(rawValue: confidenceText)
      if level == nil && isFormat1(table) {
        // Format-1 words, mapped as documented in coefficients/README.md.
        let region = text(table, row, "region")
        if confidenceText == "confirmed" {
          level = region.isEmpty || region == "China" ? .nationalSynthesis : .regionalStudy
        } else if confidenceText == "unconfirmed" {
          level = .placeholder
        }
      }
      if level == nil {
        let words = CoefficientSchema.valueConfidenceWords.joined(separator: ", ")
        let hint =
          CoefficientSchema.confidenceWords.contains(confidenceText)
          ? " (the former words map as: confirmed → national_synthesis or regional_study by "
            + "region, unconfirmed → placeholder; see coefficients/README.md)" : ""
        report(
          .error, .valueInvalid, "'confidence' must be one of \(words)\(hint)", table, row,
          "confidence")
      }
    } else {
      source = required(table, row, "source")
      confidence = CoefficientConfidence(rawValue: confidenceText)
      if confidence == nil {
        report(
          .error, .valueInvalid, "'confidence' must be 'confirmed' or 'unconfirmed'", table, row,
          "confidence")
      }
    }
    var year: Int?
    if table.columnIndex(yearColumn) != nil {
      year = integer(table, row, yearColumn, required: false)
      if let y = year, !CoefficientSchema.yearRange.contains(y) {
        report(
          .error, .valueOutOfRange, "'\(yearColumn)' must be in 1900…2100", table, row, yearColumn)
        year = nil
      }
    }
    return CoefficientProvenance(
      source: source, confidence: confidence, region: text(table, row, "region"), year: year,
      note: text(table, row, "note"),
      location: CoefficientLocation(file: table.file, row: row.line), valueConfidence: level)
  }

  /// The `low` and `high` cells of a value row: both or neither; each a plain decimal in the
  /// parameter's allowed range; `low` ≤ `high`; a filled `value` must lie in `low`…`high`
  /// (`value.outside-own-range`). Returns `(nil, nil)` for a bad pair.
  mutating func bounds(
    _ table: CoefficientTable, _ row: CoefficientTableRow, value: Double?,
    range: ClosedRange<Double>?, what: String
  ) -> (low: Double?, high: Double?) {
    var parsed: [String: Double] = [:]
    var bad = false
    for column in ["low", "high"] {
      let cell = text(table, row, column)
      guard !cell.isEmpty else { continue }
      guard let number = PlainDecimal.parse(cell) else {
        let hint = PlainDecimal.hint(for: cell).map { " (\($0))" } ?? ""
        report(
          .error, .valueNotNumeric, "'\(column)' of \(what) must be a plain decimal number\(hint)",
          table, row, column)
        bad = true
        continue
      }
      if let range, !range.contains(number) {
        report(
          .error, .valueOutOfRange,
          "'\(column)' of \(what) must be in \(coefficientNumberText(range.lowerBound))…"
            + "\(coefficientNumberText(range.upperBound))", table, row, column)
        bad = true
        continue
      }
      parsed[column] = number
    }
    if bad { return (nil, nil) }
    switch (parsed["low"], parsed["high"]) {
    case (nil, nil): return (nil, nil)
    case (let low?, let high?):
      if low > high {
        report(
          .error, .valueOutsideOwnRange,
          "'low' of \(what) is greater than its 'high' "
            + "(\(coefficientNumberText(high)))", table, row, "low")
        return (nil, nil)
      }
      if let value, value < low || value > high {
        report(
          .error, .valueOutsideOwnRange,
          "\(what) lies outside its own range \(coefficientNumberText(low))…"
            + "\(coefficientNumberText(high))", table, row, "value")
      }
      return (low, high)
    default:
      let missing = parsed["low"] == nil ? "low" : "high"
      report(
        .error, .valueOutsideOwnRange,
        "\(what) has only one end of its range: give both 'low' and 'high' or neither", table,
        row, missing)
      return (nil, nil)
    }
  }

  /// Remembers keys and reports the second occurrence of one.
  mutating func checkDuplicate(
    _ seen: inout [String: Int], key: String, display: String, _ table: CoefficientTable,
    _ row: CoefficientTableRow, _ column: String
  ) -> Bool {
    if let first = seen[key] {
      report(
        .error, .keyDuplicate, "duplicate key \(display) (first defined on line \(first))",
        table, row, column)
      return false
    }
    seen[key] = row.line
    return true
  }

  func list(_ text: String, separator: Character = ";") -> [String] {
    text.split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter {
      !$0.isEmpty
    }
  }

  mutating func boolean(
    _ table: CoefficientTable, _ row: CoefficientTableRow, _ column: String
  ) -> Bool {
    switch text(table, row, column) {
    case "true": return true
    case "false": return false
    default:
      report(.error, .valueInvalid, "'\(column)' must be 'true' or 'false'", table, row, column)
      return false
    }
  }

  // MARK: - Driver

  mutating func run() -> CoefficientCheckResult {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      problems.append(
        CoefficientProblem(
          .error, .fileMissing, "coefficient folder does not exist",
          at: CoefficientLocation(file: directory.path)))
      return finish()
    }
    let names =
      ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
      .filter { $0.hasSuffix(".csv") }.sorted()
    var tables: [String: CoefficientTable] = [:]
    for name in names {
      do {
        let (table, found) = try CoefficientTable.read(directory.appendingPathComponent(name))
        tables[name] = table
        problems += found
      } catch {
        problems += error.allErrors
      }
    }
    set.tables = tables.values.sorted { $0.file < $1.file }
    if let table = tables["manifest.csv"] {
      loadManifest(table)
      if let value = set.manifest["extends"], !value.isEmpty {
        loadBase(value, table, ownTables: tables)
      }
    }
    // A region set that extends another inherits the files it lacks.
    let required =
      baseSet == nil
      ? [
        "manifest.csv", "profile.csv", "ecosystem_classes.csv", "parameters.csv", "prices.csv",
      ] : ["manifest.csv"]
    for file in required where tables[file] == nil && names.contains(file) == false {
      problems.append(
        CoefficientProblem(
          .error, .fileMissing, "required file is missing from the coefficient folder",
          at: CoefficientLocation(file: file)))
    }
    if let table = tables["ecosystem_classes.csv"] { loadClasses(table) }
    let crosswalkFiles = names.filter { $0.hasPrefix("crosswalk_") }
    if crosswalkFiles.isEmpty && set.crosswalks.isEmpty {
      problems.append(
        CoefficientProblem(
          .error, .crosswalkMissing, "no crosswalk_<scheme>.csv file in the folder",
          at: CoefficientLocation(file: "crosswalk_*.csv")))
    }
    for file in crosswalkFiles { if let table = tables[file] { loadCrosswalk(table) } }
    let fixed: Set<String> = [
      "manifest.csv", "profile.csv", "ecosystem_classes.csv", "parameters.csv", "prices.csv",
      "price_index.csv",
    ]
    for file in names where !fixed.contains(file) && !file.hasPrefix("crosswalk_") {
      if let table = tables[file] { loadClassTable(table) }
    }
    if let table = tables["parameters.csv"] { loadParameters(table) }
    if let table = tables["prices.csv"] { loadPrices(table) }
    if let table = tables["price_index.csv"] { loadPriceIndex(table) }
    checkPriceIndexReferences(manifest: tables["manifest.csv"])
    if let table = tables["profile.csv"] { loadProfile(table) }
    checkCoverage()
    return finish()
  }

  // MARK: - Region sets (`extends`)

  /// Loads the set named by the manifest key `extends` and makes it the starting point: this
  /// folder's rows then replace its rows key by key (`CoefficientOverride`). Problems of the
  /// base are reported with the file prefixed by the `extends` value.
  mutating func loadBase(
    _ value: String, _ manifestTable: CoefficientTable, ownTables: [String: CoefficientTable]
  ) {
    let url = CoefficientSet.baseDirectory(extends: value, of: directory)
    let own = Self.resolvedPath(directory)
    let target = Self.resolvedPath(url)
    let row = manifestTable.rows.first { text(manifestTable, $0, "key") == "extends" }
    if target == own || visited.contains(target) {
      report(
        .error, .extendsInvalid,
        "'extends' = '\(value)' makes a loop of sets (\((visited + [own, target]).joined(separator: " → ")))",
        manifestTable, row, "value")
      return
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
      isDirectory.boolValue,
      FileManager.default.fileExists(atPath: url.appendingPathComponent("manifest.csv").path)
    else {
      report(
        .error, .extendsInvalid,
        "'extends' = '\(value)' names no coefficient folder (looked for \(url.path))",
        manifestTable, row, "value")
      return
    }
    var loader = CoefficientLoader(directory: url, visited: visited + [own])
    let result = loader.run()
    let prefix = value.hasSuffix("/") ? String(value.dropLast()) : value
    for problem in result.problems where problem.code != .coverageClassMissing {
      var moved = problem
      moved.location.file = "\(prefix)/\(problem.location.file)"
      problems.append(moved)
    }
    var base = result.set
    Self.relocate(&base, prefix: prefix)
    baseSet = base
    let ownManifest = set.manifest
    var merged = base
    merged.directory = directory
    merged.base = value
    merged.overrides = []
    merged.manifest = base.manifest.merging(ownManifest) { _, own in own }
    merged.profile.id = merged.manifest["profile_id"] ?? merged.profile.id
    merged.profile.name = merged.manifest["name"] ?? merged.profile.name
    merged.profile.nameZH = merged.manifest["name_zh"] ?? ""
    var files = ownTables
    for table in base.tables where files[table.file] == nil { files[table.file] = table }
    merged.tables = files.values.sorted { $0.file < $1.file }
    set = merged
  }

  /// Prefixes every row location of `set` with `prefix/` (rows inherited from a base set).
  static func relocate(_ set: inout CoefficientSet, prefix: String) {
    func move(_ location: inout CoefficientLocation) {
      location.file = "\(prefix)/\(location.file)"
    }
    for name in set.classTables.keys {
      guard var table = set.classTables[name] else { continue }
      for i in table.rows.indices { move(&table.rows[i].provenance.location) }
      set.classTables[name] = table
    }
    for id in set.parameters.keys { move(&set.parameters[id]!.provenance.location) }
    for id in set.prices.keys { move(&set.prices[id]!.provenance.location) }
    for scheme in set.crosswalks.keys {
      guard var crosswalk = set.crosswalks[scheme] else { continue }
      for i in crosswalk.entries.indices { move(&crosswalk.entries[i].provenance.location) }
      set.crosswalks[scheme] = crosswalk
    }
    for i in set.profile.indicators.indices { move(&set.profile.indicators[i].provenance.location) }
    for id in set.priceIndices.keys {
      guard var series = set.priceIndices[id] else { continue }
      for year in series.provenance.keys { move(&series.provenance[year]!.location) }
      set.priceIndices[id] = series
    }
  }

  /// Records a region row against the base row with the same key (`same` compares content
  /// without file locations).
  mutating func recordOverride(
    file: String, key: String, base: (value: String, location: CoefficientLocation, same: Bool)?,
    value: String, location: CoefficientLocation
  ) {
    guard baseSet != nil else { return }
    let kind: CoefficientOverride.Kind =
      base == nil ? .added : (base!.same ? .restated : .changed)
    set.overrides.append(
      CoefficientOverride(
        file: file, key: key, kind: kind, baseValue: base?.value ?? "", value: value,
        baseLocation: base?.location, location: location))
  }

  /// Text of an optional number for override records ("" if empty).
  static func valueText(_ value: Double?) -> String {
    value.map(coefficientNumberText) ?? ""
  }

  /// A provenance without its file location (to compare region and base rows).
  static func unplaced(_ provenance: CoefficientProvenance) -> CoefficientProvenance {
    var copy = provenance
    copy.location = CoefficientLocation(file: "")
    return copy
  }

  // MARK: - Price index

  /// `price_index.csv`: one row per series and year (`index_id,year,value,kind,…`).
  mutating func loadPriceIndex(_ table: CoefficientTable) {
    guard requireColumns(table, CoefficientSchema.priceIndexColumns) else { return }
    var seen: [String: Int] = [:]
    var kinds: [String: String] = [:]
    for row in table.rows {
      let id = required(table, row, "index_id")
      guard !id.isEmpty, let year = integer(table, row, "year", required: true) else { continue }
      guard
        checkDuplicate(
          &seen, key: "\(id)|\(year)", display: "index '\(id)' year \(year)", table, row,
          "index_id")
      else { continue }
      if !CoefficientSchema.yearRange.contains(year) {
        report(.error, .valueOutOfRange, "'year' must be in 1900…2100", table, row, "year")
        continue
      }
      let kind = text(table, row, "kind")
      if !CoefficientSchema.priceIndexKinds.contains(kind) {
        report(
          .error, .valueInvalid, "'kind' must be 'chain' (previous year = 100) or 'fixed'",
          table, row, "kind")
      } else if let first = kinds[id], first != kind {
        report(
          .error, .valueInvalid,
          "index '\(id)' mixes kinds '\(first)' and '\(kind)': one kind per series", table, row,
          "kind")
      } else {
        kinds[id] = kind
      }
      let value = number(
        table, row, "value", range: 1e-6...1e9, what: "price index '\(id)' of \(year)")
      var provenance = provenance(table, row, valueRow: true)
      provenance.year = year
      var series =
        set.priceIndices[id] ?? PriceIndexTable(id: id, kind: kind, values: [:], provenance: [:])
      let before = series.values[year]
      let baseLocation = series.provenance[year]?.location
      if baseSet != nil {
        let same =
          before.map { $0 == value }.map {
            $0 && series.provenance[year].map(Self.unplaced) == Self.unplaced(provenance)
          }
        recordOverride(
          file: table.file, key: "\(id)|\(year)",
          base: before.map { b in
            (Self.valueText(b), baseLocation ?? provenance.location, same ?? false)
          }, value: Self.valueText(value), location: provenance.location)
      }
      series.kind = kinds[id] ?? kind
      series.values[year] = .some(value)
      series.provenance[year] = provenance
      set.priceIndices[id] = series
    }
  }

  /// Every `price_index` cell of `prices.csv` and the manifest key `price_index` must name a
  /// series of `price_index.csv`.
  mutating func checkPriceIndexReferences(manifest: CoefficientTable?) {
    for id in set.prices.keys.sorted() {
      guard let price = set.prices[id], !price.priceIndex.isEmpty,
        set.priceIndices[price.priceIndex] == nil
      else { continue }
      problems.append(
        CoefficientProblem(
          .error, .priceIndexMissing,
          "price '\(id)' names price index '\(price.priceIndex)', which price_index.csv does not define",
          at: CoefficientLocation(
            file: price.provenance.location.file, row: price.provenance.location.row,
            column: "price_index", value: price.priceIndex)))
    }
    if let name = set.manifest["price_index"], !name.isEmpty, set.priceIndices[name] == nil {
      var row: CoefficientTableRow?
      if let manifest {
        row = manifest.rows.first { text(manifest, $0, "key") == "price_index" }
      }
      problems.append(
        CoefficientProblem(
          .error, .priceIndexMissing,
          "manifest key 'price_index' names '\(name)', which price_index.csv does not define",
          at: CoefficientLocation(
            file: "manifest.csv", row: row?.line, column: "value", value: name)))
    }
  }

  func finish() -> CoefficientCheckResult {
    let sorted = problems.enumerated().sorted { a, b in
      let (x, y) = (a.element, b.element)
      if x.severity != y.severity { return x.severity < y.severity }
      if x.location.file != y.location.file { return x.location.file < y.location.file }
      if (x.location.row ?? 0) != (y.location.row ?? 0) {
        return (x.location.row ?? 0) < (y.location.row ?? 0)
      }
      return a.offset < b.offset
    }.map(\.element)
    return CoefficientCheckResult(set: set, problems: sorted)
  }

  // MARK: - Tables

  mutating func loadManifest(_ table: CoefficientTable) {
    guard requireColumns(table, CoefficientSchema.manifestColumns) else { return }
    var seen: [String: Int] = [:]
    for row in table.rows {
      let key = required(table, row, "key")
      guard !key.isEmpty,
        checkDuplicate(&seen, key: key, display: "'\(key)'", table, row, "key")
      else { continue }
      set.manifest[key] = text(table, row, "value")
    }
    for key in CoefficientSchema.manifestKeys where (set.manifest[key] ?? "").isEmpty {
      report(.error, .valueRequired, "manifest key '\(key)' is missing", table, nil, "key", key)
    }
    set.profile.id = set.manifest["profile_id"] ?? set.profile.id
    set.profile.name = set.manifest["name"] ?? set.profile.name
    set.profile.nameZH = set.manifest["name_zh"] ?? ""
  }

  mutating func loadClasses(_ table: CoefficientTable) {
    guard requireColumns(table, CoefficientSchema.ecosystemClassColumns) else { return }
    var seen: [String: Int] = [:]
    var parsed: [(EcosystemClass, CoefficientTableRow)] = []
    for row in table.rows {
      guard let code = integer(table, row, "class_code", required: true) else { continue }
      guard
        checkDuplicate(&seen, key: "\(code)", display: "class \(code)", table, row, "class_code")
      else { continue }
      let level = integer(table, row, "level", required: true) ?? 0
      if level != 1 && level != 2 {
        report(.error, .valueOutOfRange, "'level' must be 1 or 2", table, row, "level")
      }
      let parent = integer(table, row, "parent_code", required: false)
      let item = EcosystemClass(
        code: code, level: level, parentCode: parent, nameEN: required(table, row, "name_en"),
        nameZH: text(table, row, "name_zh"), source: required(table, row, "source"))
      parsed.append((item, row))
      if baseSet != nil {
        let before = set.ecosystemClasses[code]
        recordOverride(
          file: table.file, key: "\(code)",
          base: before.map {
            ($0.nameEN, CoefficientLocation(file: "ecosystem_classes.csv"), $0 == item)
          },
          value: item.nameEN, location: CoefficientLocation(file: table.file, row: row.line))
      }
      set.ecosystemClasses[code] = item
    }
    for (item, row) in parsed {
      if item.level == 1 && item.parentCode != nil {
        report(
          .error, .classParentInvalid, "a level-1 class must not have a parent", table, row,
          "parent_code")
      } else if item.level == 2 {
        guard let parent = item.parentCode else {
          report(
            .error, .classParentInvalid, "a level-2 class needs a level-1 parent_code", table,
            row, "parent_code")
          continue
        }
        if set.ecosystemClasses[parent]?.level != 1 {
          report(
            .error, .classParentInvalid, "parent \(parent) is not a level-1 class", table, row,
            "parent_code")
        }
      }
    }
  }

  mutating func knownClass(
    _ code: Int, _ table: CoefficientTable, _ row: CoefficientTableRow, _ column: String
  ) -> Bool {
    if set.ecosystemClasses[code] == nil {
      report(
        .error, .classUnknown, "class \(code) is not defined in ecosystem_classes.csv", table,
        row, column)
      return false
    }
    return true
  }

  mutating func loadCrosswalk(_ table: CoefficientTable) {
    guard requireColumns(table, CoefficientSchema.crosswalkColumns) else { return }
    let scheme = String(table.name.dropFirst("crosswalk_".count))
    var crosswalk = Crosswalk(scheme: scheme, file: table.file, entries: [])
    var seen: [String: Int] = [:]
    for row in table.rows {
      guard let code = integer(table, row, "lulc_code", required: true) else { continue }
      guard
        checkDuplicate(
          &seen, key: "\(code)", display: "land-cover code \(code)", table, row,
          "lulc_code")
      else { continue }
      var target = integer(table, row, "ecosystem_class", required: false)
      if text(table, row, "ecosystem_class").isEmpty && text(table, row, "note").isEmpty {
        report(
          .error, .valueMissing,
          "land-cover code \(code) has no ecosystem class and no note saying why", table, row,
          "ecosystem_class")
      }
      if let t = target, !knownClass(t, table, row, "ecosystem_class") { target = nil }
      crosswalk.entries.append(
        CrosswalkEntry(
          lulcCode: code, lulcName: required(table, row, "lulc_name"), ecosystemClass: target,
          provenance: provenance(table, row)))
    }
    if var merged = set.crosswalks[scheme], baseSet != nil {
      for entry in crosswalk.entries {
        let index = merged.entries.firstIndex { $0.lulcCode == entry.lulcCode }
        let before = index.map { merged.entries[$0] }
        recordOverride(
          file: table.file, key: "\(entry.lulcCode)",
          base: before.map { b in
            (
              b.ecosystemClass.map(String.init) ?? "", b.provenance.location,
              b.ecosystemClass == entry.ecosystemClass && b.lulcName == entry.lulcName
                && Self.unplaced(b.provenance) == Self.unplaced(entry.provenance)
            )
          }, value: entry.ecosystemClass.map(String.init) ?? "",
          location: entry.provenance.location)
        if let index { merged.entries[index] = entry } else { merged.entries.append(entry) }
      }
      merged.file = table.file
      crosswalk = merged
    }
    set.crosswalks[scheme] = crosswalk
  }

  mutating func loadClassTable(_ table: CoefficientTable) {
    let specs = CoefficientSchema.classTables[table.name]
    if specs == nil {
      guard table.columnIndex("class_code") != nil, table.columnIndex("parameter") != nil else {
        report(
          .warning, .tableUnknown,
          "not a known table and not shaped like a per-class table (class_code, parameter, "
            + "value, unit): ignored", table, nil, nil, table.file)
        return
      }
      report(
        .warning, .tableUnknown,
        "per-class table '\(table.name)' is not used by the computation code", table, nil, nil,
        table.name)
    }
    guard requireValueColumns(table, CoefficientSchema.classTableColumns) else { return }
    var result = ClassCoefficientTable(name: table.name, rows: [])
    var seen: [String: Int] = [:]
    for row in table.rows {
      guard let code = integer(table, row, "class_code", required: true) else { continue }
      let parameter = required(table, row, "parameter")
      let conditionText = text(table, row, "condition")
      var condition: CoefficientCondition?
      if !conditionText.isEmpty {
        condition = CoefficientCondition(parsing: conditionText)
        if condition == nil {
          report(
            .error, .conditionInvalid,
            "condition must look like 'slope_deg:LOW-HIGH' with LOW < HIGH", table, row,
            "condition")
        }
      }
      let key = "\(code)|\(parameter)|\(condition?.description ?? conditionText)"
      let display =
        "class \(code) parameter '\(parameter)'"
        + (conditionText.isEmpty ? "" : " condition '\(conditionText)'")
      guard checkDuplicate(&seen, key: key, display: display, table, row, "class_code") else {
        continue
      }
      _ = knownClass(code, table, row, "class_code")
      var spec: CoefficientParameterSpec?
      if parameter == "applies" {
        spec = CoefficientSchema.applies
      } else if let specs {
        spec = specs.first { $0.name == parameter }
        if spec == nil && !parameter.isEmpty {
          let names = specs.map(\.name).joined(separator: ", ")
          report(
            .warning, .parameterUnknown,
            "parameter '\(parameter)' is not known for table \(table.name) (known: \(names))",
            table, row, "parameter")
        }
      }
      let unit = self.unit(
        table, row, "unit", allowed: CoefficientUnits.coefficient, expected: spec?.unit)
      let what = "\(table.name) \(parameter) of class \(code)"
      let value = number(
        table, row, "value", range: spec?.range, what: what, flag: spec?.unit == "flag")
      let (low, high) = bounds(table, row, value: value, range: spec?.range, what: what)
      result.rows.append(
        ClassCoefficient(
          classCode: code, parameter: parameter, value: value, low: low, high: high, unit: unit,
          condition: condition, provenance: provenance(table, row, valueRow: true)))
    }
    if var merged = set.classTables[table.name], baseSet != nil {
      // Region rows replace base rows with the same key in place (file order of the base is
      // kept for conditional rows); new keys are appended.
      func key(_ row: ClassCoefficient) -> String {
        "\(row.classCode)|\(row.parameter)|\(row.condition?.description ?? "")"
      }
      func content(_ row: ClassCoefficient) -> ClassCoefficient {
        var copy = row
        copy.provenance = Self.unplaced(row.provenance)
        return copy
      }
      for row in result.rows {
        let index = merged.rows.firstIndex { key($0) == key(row) }
        let before = index.map { merged.rows[$0] }
        recordOverride(
          file: table.file, key: key(row),
          base: before.map { b in
            (Self.valueText(b.value), b.provenance.location, content(b) == content(row))
          }, value: Self.valueText(row.value), location: row.provenance.location)
        if let index { merged.rows[index] = row } else { merged.rows.append(row) }
      }
      result = merged
    }
    set.classTables[table.name] = result
  }

  mutating func loadParameters(_ table: CoefficientTable) {
    guard requireValueColumns(table, CoefficientSchema.parameterColumns) else { return }
    var seen: [String: Int] = [:]
    for row in table.rows {
      let id = required(table, row, "parameter_id")
      guard !id.isEmpty,
        checkDuplicate(&seen, key: id, display: "parameter '\(id)'", table, row, "parameter_id")
      else { continue }
      let spec = CoefficientSchema.scalarParameters[id]
      if spec == nil {
        report(
          .warning, .parameterUnknown, "parameter '\(id)' is not used by the computation code",
          table, row, "parameter_id")
      }
      let unit = self.unit(
        table, row, "unit", allowed: CoefficientUnits.coefficient, expected: spec?.unit)
      let value = number(table, row, "value", range: spec?.range, what: "parameter '\(id)'")
      let (low, high) = bounds(
        table, row, value: value, range: spec?.range, what: "parameter '\(id)'")
      let parameter = ScalarParameter(
        id: id, indicatorID: required(table, row, "indicator_id"), value: value, low: low,
        high: high, unit: unit, provenance: provenance(table, row, valueRow: true))
      if baseSet != nil {
        let before = set.parameters[id]
        func content(_ p: ScalarParameter) -> ScalarParameter {
          var copy = p
          copy.provenance = Self.unplaced(p.provenance)
          return copy
        }
        recordOverride(
          file: table.file, key: id,
          base: before.map { b in
            (Self.valueText(b.value), b.provenance.location, content(b) == content(parameter))
          }, value: Self.valueText(value), location: parameter.provenance.location)
      }
      set.parameters[id] = parameter
    }
  }

  mutating func loadPrices(_ table: CoefficientTable) {
    guard requireValueColumns(table, CoefficientSchema.priceColumns) else { return }
    var seen: [String: Int] = [:]
    for row in table.rows {
      let id = required(table, row, "price_id")
      guard !id.isEmpty,
        checkDuplicate(&seen, key: id, display: "price '\(id)'", table, row, "price_id")
      else { continue }
      let unit = self.unit(table, row, "unit", allowed: CoefficientUnits.price, expected: nil)
      let value = number(
        table, row, "value", range: CoefficientSchema.priceRange, what: "price '\(id)'")
      let currency = text(table, row, "currency")
      if currency != "CNY" {
        report(.error, .valueInvalid, "'currency' must be 'CNY'", table, row, "currency")
      }
      let (low, high) = bounds(
        table, row, value: value, range: CoefficientSchema.priceRange, what: "price '\(id)'")
      let origin = provenance(table, row, yearColumn: "price_year", valueRow: true)
      let price = PriceEntry(
        id: id, indicatorID: required(table, row, "indicator_id"), item: text(table, row, "item"),
        value: value, low: low, high: high, priceIndex: text(table, row, "price_index"),
        unit: unit, currency: currency, priceYear: origin.year, basis: text(table, row, "basis"),
        provenance: origin)
      if baseSet != nil {
        let before = set.prices[id]
        func content(_ p: PriceEntry) -> PriceEntry {
          var copy = p
          copy.provenance = Self.unplaced(p.provenance)
          return copy
        }
        recordOverride(
          file: table.file, key: id,
          base: before.map { b in
            (Self.valueText(b.value), b.provenance.location, content(b) == content(price))
          }, value: Self.valueText(value), location: origin.location)
      }
      set.prices[id] = price
    }
  }

  mutating func loadProfile(_ table: CoefficientTable) {
    guard requireColumns(table, CoefficientSchema.profileColumns) else { return }
    var seen: [String: Int] = [:]
    for row in table.rows {
      let id = required(table, row, "indicator_id")
      guard !id.isEmpty,
        checkDuplicate(&seen, key: id, display: "indicator '\(id)'", table, row, "indicator_id")
      else { continue }
      let categoryText = text(table, row, "category")
      let category = IndicatorCategory(rawValue: categoryText)
      if category == nil {
        let words = IndicatorCategory.allCases.map(\.rawValue).joined(separator: ", ")
        report(.error, .valueInvalid, "'category' must be one of \(words)", table, row, "category")
      }
      let method = required(table, row, "method")
      let options = list(text(table, row, "method_options"))
      if !method.isEmpty && !options.contains(method) {
        report(
          .error, .profileMethodInvalid,
          "method '\(method)' is not among method_options (\(options.joined(separator: ", ")))",
          table, row, "method")
      }
      let physical = unit(
        table, row, "physical_unit", allowed: CoefficientUnits.indicator, expected: nil)
      let valueUnit = unit(
        table, row, "value_unit", allowed: CoefficientUnits.indicator, expected: "yuan/a")
      var groups: [[ClassParameterReference]] = []
      for item in list(text(table, row, "class_parameters")) {
        var group: [ClassParameterReference] = []
        for alternative in list(item, separator: "|") {
          let parts = alternative.split(separator: ".", maxSplits: 1).map(String.init)
          guard parts.count == 2 else {
            report(
              .error, .valueInvalid, "class parameter '\(alternative)' must be 'table.parameter'",
              table, row, "class_parameters", alternative)
            continue
          }
          group.append(ClassParameterReference(table: parts[0], parameter: parts[1]))
        }
        if !group.isEmpty { groups.append(group) }
      }
      let parameters = list(text(table, row, "parameters"))
      let priceIDs = list(text(table, row, "price_ids"))
      let fromInput = boolean(table, row, "prices_from_input")
      let indicator = ProfileIndicator(
        id: id, nameEN: required(table, row, "name_en"), nameZH: text(table, row, "name_zh"),
        category: category, method: method, methodOptions: options, physicalUnit: physical,
        valueUnit: valueUnit, requiredSpatial: list(text(table, row, "required_spatial")),
        requiredTables: list(text(table, row, "required_tables")), classParameters: groups,
        parameters: parameters, priceIDs: priceIDs, pricesFromInput: fromInput,
        optional: boolean(table, row, "optional"), provenance: provenance(table, row))
      if let index = set.profile.indicators.firstIndex(where: { $0.id == id }) {
        let before = set.profile.indicators[index]
        var a = before
        var b = indicator
        a.provenance = Self.unplaced(a.provenance)
        b.provenance = Self.unplaced(b.provenance)
        recordOverride(
          file: table.file, key: id, base: (before.method, before.provenance.location, a == b),
          value: indicator.method, location: indicator.provenance.location)
        set.profile.indicators[index] = indicator
      } else {
        recordOverride(
          file: table.file, key: id, base: nil, value: indicator.method,
          location: indicator.provenance.location)
        set.profile.indicators.append(indicator)
      }
      profileRows[id] = row
      checkReferences(indicator, table, row)
    }
  }

  var profileRows: [String: CoefficientTableRow] = [:]

  mutating func checkReferences(
    _ indicator: ProfileIndicator, _ table: CoefficientTable, _ row: CoefficientTableRow
  ) {
    for id in indicator.parameters where set.parameters[id] == nil {
      report(
        .error, .parameterMissing,
        "\(indicator.id) needs parameter '\(id)', which parameters.csv does not define", table,
        row, "parameters", id)
    }
    for id in indicator.priceIDs where set.prices[id] == nil {
      report(
        .error, .priceMissing,
        "\(indicator.id) needs price '\(id)', which prices.csv does not define", table, row,
        "price_ids", id)
    }
    if indicator.priceIDs.isEmpty && !indicator.pricesFromInput {
      report(
        .error, .priceMissing,
        "\(indicator.id) has no price_ids and prices_from_input is false", table, row,
        "price_ids", "")
    }
    for group in indicator.classParameters {
      for reference in group {
        if set.classTables[reference.table] == nil {
          report(
            .error, .tableMissing,
            "\(indicator.id) needs table '\(reference.table).csv', which does not exist", table,
            row, "class_parameters", reference.description)
        } else if let specs = CoefficientSchema.classTables[reference.table],
          !specs.contains(where: { $0.name == reference.parameter })
        {
          report(
            .warning, .parameterUnknown,
            "parameter '\(reference.parameter)' is not known for table \(reference.table)",
            table, row, "class_parameters", reference.description)
        }
      }
    }
  }

  /// Every class reachable from a crosswalk needs a row (itself or its parent) in every
  /// per-class table the profile's indicators need.
  mutating func checkCoverage() {
    var reachable: [Int: CoefficientLocation] = [:]
    for scheme in set.crosswalks.keys.sorted() {
      guard let crosswalk = set.crosswalks[scheme] else { continue }
      for entry in crosswalk.entries {
        guard let code = entry.ecosystemClass, reachable[code] == nil else { continue }
        reachable[code] = entry.provenance.location
      }
    }
    var done = Set<String>()
    for indicator in set.profile.indicators {
      for group in indicator.classParameters {
        let present = group.filter { set.classTables[$0.table] != nil }
        guard let first = present.first else { continue }
        for code in reachable.keys.sorted() {
          let key = "\(group)|\(code)"
          guard !done.contains(key) else { continue }
          let found = present.contains { reference in
            if case .missing = set.classCoefficient(
              table: reference.table, parameter: reference.parameter, classCode: code)
            {
              return false
            }
            return true
          }
          guard !found else { continue }
          done.insert(key)
          let name = set.ecosystemClasses[code]?.nameEN ?? "?"
          let origin = reachable[code].map { "\($0.file) line \($0.row ?? 0)" } ?? "a crosswalk"
          let wanted = group.map(\.description).joined(separator: " or ")
          problems.append(
            CoefficientProblem(
              .error, .coverageClassMissing,
              "class \(code) (\(name)), reachable from \(origin), has no row for \(wanted) "
                + "(itself or its level-1 parent); needed by \(indicator.id)",
              at: CoefficientLocation(
                file: "\(first.table).csv", row: nil, column: "class_code", value: "\(code)")))
        }
      }
    }
  }
}
