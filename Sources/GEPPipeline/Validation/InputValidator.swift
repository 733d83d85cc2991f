import Foundation
import GEPCore
import GEPGeo
import Synchronization

/// Options of the input checks.
public struct ValidationOptions: Sendable {
  /// Report the warnings of `CoefficientSet.check(directory:)` (documented gaps, unknown names).
  /// `gep validate` reports them; `gep compute` leaves them out, as it names every indicator
  /// that cannot be computed for lack of a coefficient after the cell pass.
  public var coefficientWarnings: Bool
  /// Edge of the square windows the raster scans read, in cells (≥ 16).
  public var windowSize: Int
  /// The most rasters scanned at once (one thread and one dataset each; ≥ 1), so that
  /// `gep compute --threads N` bounds validation's scan too.
  public var threads: Int
  /// The implemented methods the profile is checked against.
  public var registry: MethodRegistry

  /// Creates options.
  public init(
    coefficientWarnings: Bool = true, windowSize: Int = 512,
    threads: Int = ProcessInfo.processInfo.activeProcessorCount,
    registry: MethodRegistry = .builtIn
  ) {
    self.registry = registry
    self.coefficientWarnings = coefficientWarnings
    self.windowSize = max(16, windowSize)
    self.threads = max(1, threads)
  }
}

/// Checks everything `gep compute` needs without computing, and lists every problem at once
/// (severity, stable code, message, location). `gep validate` prints the list; `gep compute`
/// runs the same checks first and stops before writing anything when one is an error.
///
/// What is checked, in this order (each problem's `code` in brackets):
/// - files: missing [`file.missing`], unreadable or a folder [`file.unreadable`], a device,
///   FIFO or socket, also behind a symbolic link [`file.not-regular`] (checked with `stat`
///   before anything opens the file, so a FIFO cannot block), empty [`file.empty`], a vector
///   where a raster is expected [`file.not-raster`] and the reverse [`file.not-vector`];
/// - coefficients: every problem of `CoefficientSet.check(directory:)`
///   [`coefficients.<code>`], an unknown land-use scheme [`landuse.unknown-scheme`];
/// - rasters (land use and each biophysical role): unreadable or corrupt [`raster.unreadable`],
///   missing band [`raster.no-band`], failed reads [`raster.read-failed`], no CRS
///   [`raster.no-crs`], a CRS taken from the run file [`raster.crs-assigned`], a CRS other than
///   the grid's [`raster.reprojected`], coordinates in degrees under a projected CRS
///   [`raster.degrees-as-metres`], no or partial overlap with the grid [`raster.no-overlap`,
///   `raster.partial-overlap`], no nodata value [`raster.no-nodata`, `landuse.no-nodata`], a
///   nodata value outside the band type [`raster.nodata-out-of-range`,
///   `landuse.nodata-out-of-range`], NaN [`raster.nan`] and infinite [`raster.infinite`] cells,
///   no data at all [`raster.all-nodata`], negative values where none can be
///   [`raster.negative`], values outside the role's range [`raster.out-of-range`], units that
///   look wrong [`raster.implausible-unit`], ET above twice P [`raster.et-exceeds-precipitation`];
/// - land use: codes absent from the crosswalk, each with its cells and area share
///   [`landuse.unknown-code`], most of the raster in another scheme [`landuse.wrong-scheme`];
/// - units: everything `UnitSet.load` checks (fields, codes, geometries), a missing layer
///   [`units.missing-layer`], village codes ending in 000 [`units.bad-code12`], overlapping
///   polygons [`units.overlap`], units outside the grid [`units.no-overlap`], partial coverage
///   per unit and raster [`units.partial-coverage`], units with no cell [`units.no-cell`];
/// - tables: missing sheet [`table.missing-sheet`], unreadable [`table.unreadable`], a NUL
///   byte or bytes that are neither UTF-8 nor GB18030 (or a mostly-UTF-8 file with a few
///   invalid bytes) [`table.encoding`], CSV syntax (an unclosed quote, a quote inside an
///   unquoted field) [`table.csv-syntax`], a row whose field count differs from the header's
///   [`table.field-count`] (these three name the line and field), missing
///   and unknown columns [`table.missing-column`, `table.unknown-column`], blank rows
///   [`table.blank-row`], empty, non-numeric (anything but a plain decimal number: no hex,
///   inf/nan or thousands separators) and negative values [`table.missing-value`,
///   `table.not-numeric`, `table.negative`], duplicated keys [`table.duplicate-key`], swapped
///   code and name columns [`table.swapped-columns`], unit codes not in the unit layer
///   [`table.unknown-unit`], points outside every unit [`table.point-outside`], bad
///   coordinates [`table.bad-coordinates`], unknown sectors, classes and pollutants
///   [`table.unknown-sector`, `table.unknown-class`, `table.unknown-pollutant`], another year
///   [`table.other-year`], values no exact sum can hold (above 10¹⁵, visits × cost above
///   10¹⁵, reservoirs above 10¹² m³) [`table.out-of-range`];
/// - units (issue 10): a unit that is its own parent or a code used at two levels
///   [`units.code-collision`], a township in two counties [`units.hierarchy-conflict`];
///   overlaps name the unit that receives the cells;
/// - derivations: every `[derive.<role>]` input read as the derivation reads it
///   [`derive.invalid`] (`derivationProblems`).
///
/// Rasters are scanned window by window (`ValidationOptions.windowSize`), never whole.
public struct InputValidator {
  /// The run to check.
  public let config: RunConfiguration
  /// The options.
  public var options: ValidationOptions

  /// Creates a validator of a run.
  public init(config: RunConfiguration, options: ValidationOptions = ValidationOptions()) {
    self.config = config
    self.options = options
  }

  /// Runs every check.
  ///
  /// - Returns: every problem found, errors and warnings, in a fixed order (coefficients, land
  ///   use, units, rasters, tables). Never throws: a failure to read an input is a problem.
  public func validate() -> [Problem] { run().problems }

  /// Runs every check and returns what was read and checked, so `gep compute` and `gep vep`
  /// start from it instead of reading the coefficients, the grid and the units again (each
  /// warning then appears once).
  public func run() -> ValidatedRun {
    let run = ValidationRun(config: config, options: options)
    run.run()
    return ValidatedRun(
      problems: run.d.problems, coefficients: run.coefficients, grid: run.grid, units: run.units,
      rasterMeans: run.means)
  }
}

/// The result of validation (`InputValidator.run()`): every problem, and the inputs it read
/// and checked — the coefficient set, the analysis grid (the land-use raster's, with the
/// run file's CRS where given) and the accounting units on that grid. A value is nil when
/// validation could not read it (then `problems` holds an error saying why).
public struct ValidatedRun: @unchecked Sendable {
  /// Every problem found, errors and warnings.
  public let problems: [Problem]
  /// The coefficient folder, loaded and checked.
  public let coefficients: CoefficientSet?
  /// The analysis grid.
  public let grid: Grid?
  /// The accounting units on the grid.
  public let units: UnitSet?
  /// The mean of each given raster's valid cells, by role name (from validation's scan).
  public var rasterMeans: [String: Double] = [:]

  /// True when a problem is an error.
  public var hasErrors: Bool { problems.contains { $0.severity == .error } }
}

/// Checks a run without computing: `InputValidator(config:).validate()`.
///
/// - Returns: every problem (errors and warnings).
public func validate(config: RunConfiguration) -> [Problem] {
  InputValidator(config: config).validate()
}

/// Reads a run file and checks it: the run file's own problems when it cannot be read
/// (`RunConfiguration.load(path:)`), else every problem of `validate(config:)`.
///
/// - Returns: every problem (errors and warnings).
public func validate(runFile: String, options: ValidationOptions = ValidationOptions())
  -> [Problem]
{
  do {
    let config = try RunConfiguration.load(path: runFile)
    guard !config.years.isEmpty else {
      return InputValidator(config: config, options: options).validate()
    }
    // A multi-year run file ([years.Y]): every year's run, each problem once.
    var seen: Set<Problem> = []
    var out: [Problem] = []
    for y in config.years.keys.sorted() {
      for p in InputValidator(config: config.forYear(y), options: options).validate()
      where seen.insert(p).inserted {
        out.append(p)
      }
    }
    return out
  } catch let e as InputProblems {
    return e.problems
  } catch {
    return [
      Problem(
        .error, "run-file.unreadable", "cannot read the run file: \(error)",
        at: ProblemLocation(file: runFile))
    ]
  }
}
