import GEPCore
import GEPGeo

/// Where a problem is: the file and, as far as known, the layer, band, row, column, field, code
/// or value involved. Empty parts are omitted from messages.
public struct ProblemLocation: Sendable, Hashable, Codable {
  /// The file (as written in the run file, or resolved).
  public var file: String?
  /// A vector layer or workbook sheet.
  public var layer: String?
  /// A raster band, 1-based.
  public var band: Int?
  /// A table line or raster row (1-based for tables, 0-based raster rows are said as such).
  public var row: Int?
  /// A raster column (0-based) or table column name.
  public var column: String?
  /// A field or run-file key.
  public var field: String?
  /// The offending value, code or unit code, as text.
  public var value: String?

  /// Creates a location.
  public init(
    file: String? = nil, layer: String? = nil, band: Int? = nil, row: Int? = nil,
    column: String? = nil, field: String? = nil, value: String? = nil
  ) {
    self.file = file
    self.layer = layer
    self.band = band
    self.row = row
    self.column = column
    self.field = field
    self.value = value
  }

  /// "file, layer L, band B, row R, column C, field F, value V" with the parts that are set.
  public var text: String {
    var parts: [String] = []
    if let file { parts.append(file) }
    if let layer { parts.append("layer \(layer)") }
    if let band { parts.append("band \(band)") }
    if let row { parts.append("row \(row)") }
    if let column { parts.append("column \(column)") }
    if let field { parts.append("field \(field)") }
    if let value { parts.append("value \"\(value)\"") }
    return parts.joined(separator: ", ")
  }
}

/// One problem with the inputs: severity, a stable code, a message a GEP analyst understands,
/// and its location.
public struct Problem: Sendable, Hashable, Codable, CustomStringConvertible {
  /// Error stops the run; warning is reported and the run goes on.
  public enum Severity: String, Sendable, Codable { case error, warning }
  /// Error or warning.
  public var severity: Severity
  /// A stable code, e.g. "run-file.missing-key", "raster.no-crs", "landuse.unknown-code".
  public var code: String
  /// The message.
  public var message: String
  /// Where.
  public var location: ProblemLocation

  /// Creates a problem.
  public init(
    _ severity: Severity, _ code: String, _ message: String,
    at location: ProblemLocation = ProblemLocation()
  ) {
    self.severity = severity
    self.code = code
    self.message = message
    self.location = location
  }

  /// "error [code] message (location)".
  public var description: String {
    let loc = location.text
    return "\(severity.rawValue) [\(code)] \(message)\(loc.isEmpty ? "" : " (\(loc))")"
  }
}

/// Collects every problem found, so all are reported at once (swift-format's diagnostics
/// engine pattern). Not thread-safe; workers return their own lists, merged in a fixed order.
public struct Diagnostics: Sendable {
  /// Problems in the order found.
  public private(set) var problems: [Problem] = []

  /// An empty collector.
  public init() {}

  /// Adds an error.
  public mutating func error(
    _ code: String, _ message: String, at location: ProblemLocation = .init()
  ) {
    problems.append(Problem(.error, code, message, at: location))
  }

  /// Adds a warning.
  public mutating func warning(
    _ code: String, _ message: String, at location: ProblemLocation = .init()
  ) {
    problems.append(Problem(.warning, code, message, at: location))
  }

  /// Adds a GDAL failure as an error, keeping GDAL's message.
  public mutating func gdal(_ code: String, _ error: GDALError, file: String? = nil) {
    problems.append(
      Problem(
        .error, code, "\(error.message) (\(error.function), CPLE \(error.number))",
        at: ProblemLocation(file: file ?? error.path)))
  }

  /// Appends problems found elsewhere (e.g. a validated run's), errors and warnings as they are.
  public mutating func append(_ found: [Problem]) { problems += found }

  /// Appends another collector's problems.
  public mutating func append(_ other: Diagnostics) { problems += other.problems }

  /// Keeps at most `limit` problems of each (code, severity) among those found from index
  /// `start` on, and replaces the rest by one summary problem of the same code and severity
  /// ("… and N more like these"), so a table with a million duplicated rows lists the first
  /// ones and the count instead of a million lines. Nothing is lost: an error stays an error.
  ///
  /// - Parameters:
  ///   - start: the index in `problems` where the group begins (e.g. before a table's checks).
  ///   - limit: problems kept per code, ≥ 1.
  ///   - file: the file the summary names.
  public mutating func summarizeRepeats(from start: Int, limit: Int, file: String) {
    guard problems.count - start > limit else { return }
    var kept: [Problem] = []
    var seen: [String: Int] = [:]
    var order: [String] = []
    var first: [String: Problem] = [:]
    for p in problems[start...] {
      let key = "\(p.severity)|\(p.code)"
      let n = seen[key, default: 0]
      if n == 0 {
        order.append(key)
        first[key] = p
      }
      seen[key] = n + 1
      if n < limit { kept.append(p) }
    }
    for key in order where seen[key]! > limit {
      let p = first[key]!
      kept.append(
        Problem(
          p.severity, p.code,
          "… and \(seen[key]! - limit) more \(p.code) problems in this file (the first \(limit) "
            + "are listed)",
          at: ProblemLocation(file: file)))
    }
    problems.replaceSubrange(start..., with: kept)
  }

  /// True when at least one error was found.
  public var hasErrors: Bool { problems.contains { $0.severity == .error } }

  /// The warnings only.
  public var warnings: [Problem] { problems.filter { $0.severity == .warning } }
}

/// The one error type the jobs of GEPPipeline throw (`ComputeJob.run`, `VEPJob.run`, typed
/// `throws(InputProblems)`): every problem found, errors and warnings, each with a stable code.
/// Input problems carry their own codes (`raster.out-of-range`, `units.bad-code12` …); a failure
/// of a lower layer is converted once, at the job's boundary, by `init(failure:)`.
public struct InputProblems: Error, Sendable, CustomStringConvertible {
  /// Every problem, errors and warnings.
  public let problems: [Problem]
  /// One problem per line.
  public var description: String { problems.map(\.description).joined(separator: "\n") }

  /// Problems from a list.
  public init(problems: [Problem]) { self.problems = problems }

  /// Any error as problems with a stable code: `InputProblems` as they are; a GDAL/OGR/PROJ
  /// failure as `gdal.failed` (message, function and CPLE number, the file); a coefficient
  /// error as `coefficients.<code>`; a factor-derivation error as `derive.failed`; a terrain
  /// error as `derive.terrain`; a CSV syntax error as `table.syntax`; anything else (file
  /// system) as `io.failed`.
  public init(failure error: any Error) {
    switch error {
    case let e as InputProblems: self = e
    case let e as GDALError:
      var d = Diagnostics()
      d.gdal("gdal.failed", e)
      self.init(problems: d.problems)
    case let e as CoefficientError:
      self.init(problems: [
        Problem(
          .error, "coefficients.\(e.code.rawValue)", e.message,
          at: ProblemLocation(
            file: e.location.file, row: e.location.row, column: e.location.column,
            value: e.location.value))
      ])
    case let e as PrepareError:
      self.init(problems: [Problem(.error, "derive.failed", e.message)])
    case let e as TerrainError:
      self.init(problems: [Problem(.error, "derive.terrain", e.description)])
    case let e as CSVSyntaxError:
      self.init(problems: [Problem(.error, "table.syntax", e.description)])
    default:
      self.init(problems: [Problem(.error, "io.failed", "\(error)")])
    }
  }
}
