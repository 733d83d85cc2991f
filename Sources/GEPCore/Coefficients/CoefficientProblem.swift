import Foundation

/// Where a coefficient problem sits: file, 1-based line, column and the offending text.
///
/// `row` is the 1-based **line number in the file** (the header is line 1), so an editor can jump
/// to it; it is `nil` when the problem is about something absent (a missing row or file).
/// Source: ARCHITECTURE.md §5 ("validation names the file, row, column and value").
public struct CoefficientLocation: Sendable, Hashable, Codable, CustomStringConvertible {
  /// File name inside the coefficient folder, e.g. `prices.csv`.
  public var file: String
  /// 1-based line number in the file (header = 1), or `nil` for absent rows/files.
  public var row: Int?
  /// Column id (header name, lower case), or `nil`.
  public var column: String?
  /// The cell text as found (untrimmed), or the key that is missing; `nil` if not applicable.
  public var value: String?

  /// Creates a location.
  public init(file: String, row: Int? = nil, column: String? = nil, value: String? = nil) {
    self.file = file
    self.row = row
    self.column = column
    self.value = value
  }

  /// `file:row: column 'c' = 'v'`, omitting the parts that are `nil`.
  public var description: String {
    var text = file
    if let row { text += ":\(row)" }
    if let column { text += ": column '\(column)'" }
    if let value { text += " = '\(value)'" }
    return text
  }
}

/// How serious a coefficient problem is.
///
/// `error`: the set must not be used as is (the checker exits 1). `warning`: a documented gap
/// or an unknown name; computation can go on but the affected cells/indicators lack a value.
public enum CoefficientSeverity: String, Sendable, Codable, CaseIterable, Comparable {
  /// The set must not be used as is.
  case error
  /// A documented gap or unknown name; computation can go on.
  case warning

  /// Errors sort before warnings.
  public static func < (lhs: Self, rhs: Self) -> Bool { lhs == .error && rhs == .warning }
}

/// Stable identifiers of coefficient problems (used by tests, scripts and `--json` consumers).
///
/// The raw values never change once released; new checks add new cases.
public enum CoefficientProblemCode: String, Sendable, Codable, CaseIterable {
  /// The coefficient folder or a required file does not exist.
  case fileMissing = "file.missing"
  /// A file exists but cannot be read or is not valid UTF-8.
  case fileUnreadable = "file.unreadable"
  /// A required column is absent from the header.
  case columnMissing = "column.missing"
  /// The same column id appears twice in the header.
  case columnDuplicate = "column.duplicate"
  /// A data line has a different number of fields than the header.
  case rowFieldCount = "row.field-count"
  /// The CSV text is malformed: an unclosed quote, a quote inside an unquoted field, text
  /// after a closing quote, or a NUL byte (the location names the line and field).
  case csvSyntax = "csv.syntax"
  /// A required text field (source, unit, name …) is empty.
  case valueRequired = "value.required"
  /// A number was expected.
  case valueNotNumeric = "value.not-numeric"
  /// An integer was expected (class codes, land-cover codes, years).
  case valueNotInteger = "value.not-integer"
  /// A number is outside the allowed range of its column/parameter.
  case valueOutOfRange = "value.out-of-range"
  /// A value is empty and the row has no note saying why.
  case valueMissing = "value.missing"
  /// A value is empty and the note documents why (e.g. "no source found").
  case valueMissingDocumented = "value.missing-documented"
  /// A field is not one of its allowed words (confidence, category, true/false …).
  case valueInvalid = "value.invalid"
  /// A unit symbol is not in the recognised list (`CoefficientUnits`).
  case unitUnknown = "unit.unknown"
  /// A unit is recognised but not the one expected for this parameter.
  case unitMismatch = "unit.mismatch"
  /// A key (class code, parameter id, price id …) appears more than once.
  case keyDuplicate = "key.duplicate"
  /// A class code is not defined in `ecosystem_classes.csv`.
  case classUnknown = "class.unknown"
  /// A class has an invalid level or parent.
  case classParentInvalid = "class.parent-invalid"
  /// A `condition` cell cannot be parsed.
  case conditionInvalid = "condition.invalid"
  /// A parameter name is not known for its table (computation code will not use it).
  case parameterUnknown = "parameter.unknown"
  /// A CSV file that is neither a known table nor shaped like a per-class table.
  case tableUnknown = "table.unknown"
  /// The profile needs a per-class table that does not exist.
  case tableMissing = "table.missing"
  /// A class reachable from a crosswalk has no row (itself or its parent) in a needed table.
  case coverageClassMissing = "coverage.class-missing"
  /// A profile method is not among the indicator's method options.
  case profileMethodInvalid = "profile.method-invalid"
  /// A profile method that the engine does not implement for an indicator it computes by
  /// other methods (the account would carry the label of a method it did not use).
  case profileMethodNotImplemented = "profile.method-not-implemented"
  /// A profile indicator the engine does not compute by any method in this version (it is
  /// reported as not computed).
  case profileIndicatorNotImplemented = "profile.indicator-not-implemented"
  /// The profile declares an input (class parameter, parameter, price, raster or table) that
  /// the selected method does not read.
  case profileInputNotRead = "profile.input-not-read"
  /// The profile lists an indicator id that no method implements and no guide names (a typo?).
  case profileIndicatorUnknown = "profile.indicator-unknown"
  /// The profile needs a scalar parameter that `parameters.csv` lacks.
  case parameterMissing = "parameter.missing"
  /// The profile needs a price that `prices.csv` lacks.
  case priceMissing = "price.missing"
  /// The folder has no `crosswalk_*.csv` file.
  case crosswalkMissing = "crosswalk.missing"
  /// A filled value row has no source (document, table, page or link).
  case valueUnsourced = "value.unsourced"
  /// A value lies outside its own `low`–`high` range, or `low` > `high`, or only one is given.
  case valueOutsideOwnRange = "value.outside-own-range"
  /// The manifest's `extends` names no coefficient folder, or the chain of `extends` loops.
  case extendsInvalid = "set.extends-invalid"
  /// A price names a price-index series that `price_index.csv` lacks.
  case priceIndexMissing = "price-index.missing"
}

/// One finding of the coefficient checker.
///
/// Source: ARCHITECTURE.md §5, §7 (diagnostics collected, all reported at once).
public struct CoefficientProblem: Sendable, Hashable, Codable, CustomStringConvertible {
  /// Error or warning.
  public var severity: CoefficientSeverity
  /// Stable code, e.g. `value.not-numeric`.
  public var code: CoefficientProblemCode
  /// Human-readable explanation (English, one sentence).
  public var message: String
  /// File, line, column and value concerned.
  public var location: CoefficientLocation

  /// Creates a problem.
  public init(
    _ severity: CoefficientSeverity, _ code: CoefficientProblemCode, _ message: String,
    at location: CoefficientLocation
  ) {
    self.severity = severity
    self.code = code
    self.message = message
    self.location = location
  }

  /// `error: prices.csv:12: column 'unit' = 'yuan/furlong': unit … [unit.unknown]`.
  public var description: String {
    "\(severity.rawValue): \(location): \(message) [\(code.rawValue)]"
  }
}

/// An error thrown when loading a coefficient folder (`CoefficientSet.load(from:)`).
///
/// Carries the first error-severity problem: code, message and the file, row (1-based line),
/// column and value. Source: ARCHITECTURE.md §8 (`CoefficientError` for table decoding).
public struct CoefficientError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Stable code of the problem.
  public var code: CoefficientProblemCode
  /// Human-readable explanation.
  public var message: String
  /// Where it happened.
  public var location: CoefficientLocation
  /// All error-severity problems found (the first one is described by `code`/`message`).
  public var allErrors: [CoefficientProblem]

  /// Creates an error from a problem (and optionally the full list of errors).
  public init(_ problem: CoefficientProblem, allErrors: [CoefficientProblem] = []) {
    code = problem.code
    message = problem.message
    location = problem.location
    self.allErrors = allErrors.isEmpty ? [problem] : allErrors
  }

  /// File name inside the coefficient folder.
  public var file: String { location.file }
  /// 1-based line number, if any.
  public var row: Int? { location.row }
  /// Column id, if any.
  public var column: String? { location.column }
  /// Offending value, if any.
  public var value: String? { location.value }

  /// One line; adds "(and N more errors)" when several were found.
  public var description: String {
    let more = allErrors.count > 1 ? " (and \(allErrors.count - 1) more errors)" : ""
    return "\(location): \(message) [\(code.rawValue)]\(more)"
  }
}
