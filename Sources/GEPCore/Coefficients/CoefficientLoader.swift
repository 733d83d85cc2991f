import Foundation

/// Reads a coefficient folder into a `CoefficientSet` while collecting every problem.
/// Checks: GEP-METHODS §12.2–12.3; ARCHITECTURE.md §5 (file, row, column, value).
struct CoefficientLoader {
  let directory: URL
  var problems: [CoefficientProblem] = []
  var set: CoefficientSet

  init(directory: URL) {
    self.directory = directory
    set = CoefficientSet(directory: directory)
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

  mutating func provenance(
    _ table: CoefficientTable, _ row: CoefficientTableRow, yearColumn: String = "year"
  ) -> CoefficientProvenance {
    let source = required(table, row, "source")
    let confidenceText = text(table, row, "confidence")
    let confidence = CoefficientConfidence(rawValue: confidenceText)
    if confidence == nil {
      report(
        .error, .valueInvalid, "'confidence' must be 'confirmed' or 'unconfirmed'", table, row,
        "confidence")
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
      location: CoefficientLocation(file: table.file, row: row.line))
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
    for file in [
      "manifest.csv", "profile.csv", "ecosystem_classes.csv", "parameters.csv",
      "prices.csv",
    ] where tables[file] == nil && names.contains(file) == false {
      problems.append(
        CoefficientProblem(
          .error, .fileMissing, "required file is missing from the coefficient folder",
          at: CoefficientLocation(file: file)))
    }
    if let table = tables["manifest.csv"] { loadManifest(table) }
    if let table = tables["ecosystem_classes.csv"] { loadClasses(table) }
    let crosswalkFiles = names.filter { $0.hasPrefix("crosswalk_") }
    if crosswalkFiles.isEmpty {
      problems.append(
        CoefficientProblem(
          .error, .crosswalkMissing, "no crosswalk_<scheme>.csv file in the folder",
          at: CoefficientLocation(file: "crosswalk_*.csv")))
    }
    for file in crosswalkFiles { if let table = tables[file] { loadCrosswalk(table) } }
    let fixed: Set<String> = [
      "manifest.csv", "profile.csv", "ecosystem_classes.csv", "parameters.csv", "prices.csv",
    ]
    for file in names where !fixed.contains(file) && !file.hasPrefix("crosswalk_") {
      if let table = tables[file] { loadClassTable(table) }
    }
    if let table = tables["parameters.csv"] { loadParameters(table) }
    if let table = tables["prices.csv"] { loadPrices(table) }
    if let table = tables["profile.csv"] { loadProfile(table) }
    checkCoverage()
    return finish()
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
    guard requireColumns(table, CoefficientSchema.classTableColumns) else { return }
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
      let value = number(
        table, row, "value", range: spec?.range,
        what: "\(table.name) \(parameter) of class \(code)", flag: spec?.unit == "flag")
      result.rows.append(
        ClassCoefficient(
          classCode: code, parameter: parameter, value: value, unit: unit, condition: condition,
          provenance: provenance(table, row)))
    }
    set.classTables[table.name] = result
  }

  mutating func loadParameters(_ table: CoefficientTable) {
    guard requireColumns(table, CoefficientSchema.parameterColumns) else { return }
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
      set.parameters[id] = ScalarParameter(
        id: id, indicatorID: required(table, row, "indicator_id"), value: value, unit: unit,
        provenance: provenance(table, row))
    }
  }

  mutating func loadPrices(_ table: CoefficientTable) {
    guard requireColumns(table, CoefficientSchema.priceColumns) else { return }
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
      let origin = provenance(table, row, yearColumn: "price_year")
      set.prices[id] = PriceEntry(
        id: id, indicatorID: required(table, row, "indicator_id"), item: text(table, row, "item"),
        value: value, unit: unit, currency: currency, priceYear: origin.year,
        basis: text(table, row, "basis"), provenance: origin)
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
      set.profile.indicators.append(indicator)
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
