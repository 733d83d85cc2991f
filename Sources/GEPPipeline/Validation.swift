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
      problems: run.d.problems, coefficients: run.coefficients, grid: run.grid, units: run.units)
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
    return InputValidator(config: config, options: options).validate()
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

// MARK: - Implementation

/// Statistics of one raster scan.
struct RasterScan {
  var valid = 0
  var nodata = 0
  var nan = 0
  var infinite = 0
  var negative = 0
  var outOfRange = 0
  var min = Double.infinity
  var max = -Double.infinity
  var sum = 0.0
  var firstNaN: (row: Int, col: Int)? = nil
  var firstInfinite: (row: Int, col: Int)? = nil
  var firstNegative: (row: Int, col: Int, value: Double)? = nil
  var negativesAllEqual = true
  var firstOutOfRange: (row: Int, col: Int, value: Double)? = nil
  var mean: Double { valid > 0 ? sum / Double(valid) : .nan }
}

/// One opened raster input.
struct OpenedRaster {
  let input: RasterInput
  let band: RasterBand
  let crs: SpatialReference?
  let geoTransform: GeoTransform
  let width: Int
  let height: Int
  /// Footprint in the grid CRS (nil when it cannot be transformed).
  var footprint: Geometry?
}

/// Table roles: required columns, optional ones, numeric ones and the key.
struct TableSpec {
  var required: [String]
  var optional: [String]
  var numeric: [String]
  var key: [String]
  /// Needs `unit_code` or `lon` and `lat`.
  var located = false
  /// A repeated key is an error (else a warning: the rows are added).
  var duplicateIsError = true

  static func of(_ role: String) -> TableSpec {
    switch role {
    case "material_products":
      return TableSpec(
        required: ["unit_code", "sector", "output_value_yuan", "allocate_to"],
        optional: ["source", "name", "note"], numeric: ["output_value_yuan"],
        key: ["unit_code", "sector", "allocate_to"], duplicateIsError: false)
    case "gdp_population":
      return TableSpec(
        required: ["unit_code", "gdp_yuan"], optional: ["year", "population", "source", "name"],
        numeric: ["gdp_yuan", "population", "year"], key: ["unit_code", "year"])
    case "tourism":
      return TableSpec(
        required: ["visits", "travel_cost_per_visit_yuan"],
        optional: ["unit_code", "lon", "lat", "name", "source", "note"],
        numeric: ["visits", "travel_cost_per_visit_yuan"], key: [], located: true)
    case "reservoirs":
      return TableSpec(
        required: ["capacity_m3"], optional: ["unit_code", "lon", "lat", "name", "source", "note"],
        numeric: ["capacity_m3"], key: [], located: true)
    case "emissions":
      return TableSpec(
        required: ["unit_code", "pollutant", "emission_t"], optional: ["source", "name", "note"],
        numeric: ["emission_t"], key: ["unit_code", "pollutant"])
    case "names":
      return TableSpec(
        required: ["code", "name"], optional: ["level", "parent_code", "source"], numeric: [],
        key: ["code"])
    default:
      return TableSpec(required: [], optional: [], numeric: [], key: [])
    }
  }
}

/// The state of one validation.
final class ValidationRun {
  let config: RunConfiguration
  let options: ValidationOptions
  var d = Diagnostics()
  var coefficients: CoefficientSet? = nil
  var grid: Grid? = nil
  var cellAreas: [Double] = []
  var landUse: OpenedRaster? = nil
  var units: UnitSet? = nil
  var unitCodes: Set<String> = []
  var unitNames: [String: String] = [:]
  var rasters: [OpenedRaster] = []
  var means: [String: Double] = [:]
  /// Raster statistics gathered in parallel before the sequential checks.
  var prescanned: [String: ScanResult] = [:]

  init(config: RunConfiguration, options: ValidationOptions) {
    self.config = config
    self.options = options
  }

  var code12: Bool { config.units.hierarchy == .statisticalCode12 }

  func run() {
    checkCoefficients()
    openLandUse()
    loadUnits()
    prescanRasters()
    scanLandUse()
    for (_, r) in config.rasters.sorted(by: { $0.key < $1.key }) { checkRaster(r) }
    checkPrecipitationAndET()
    checkUnitCoverage()
    for (_, t) in config.tables.sorted(by: { $0.key < $1.key }) {
      checkTable(t.path, sheet: t.sheet, role: t.name, key: "tables.\(t.name).path")
    }
    if let names = config.units.namesTable {
      checkTable(names, sheet: nil, role: "names", key: "units.names")
    }
    checkDerivations()
  }

  /// Every `[derive.<role>]` input read as the derivation will read it (`derivationProblems`).
  func checkDerivations() {
    var readable = true
    for (role, derivation) in config.derivations.sorted(by: { $0.key < $1.key }) {
      for path in derivation.inputs {
        readable =
          checkFile(path, what: "[derive.\(role)] input", key: "derive.\(role)")
          && readable
      }
    }
    guard readable else { return }
    for p in derivationProblems(config) { d.error(p.code, p.message, at: p.location) }
  }

  // MARK: Files

  /// Checks that a file exists, is a regular file (after resolving symbolic links: not a
  /// device, FIFO or socket, which would be read without end or block), is readable and is
  /// not empty; GDAL virtual paths pass. Nothing is opened before the type is known.
  func checkFile(_ path: String, what: String, key: String, folderAllowed: Bool = false) -> Bool {
    if path.hasPrefix("/vsi") { return true }
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    let loc = ProblemLocation(file: path, field: key)
    guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
      d.error(
        "file.missing", "the \(what) file does not exist (run file key \(key))", at: loc)
      return false
    }
    if isDirectory.boolValue {
      if folderAllowed { return true }
      d.error("file.unreadable", "the \(what) path is a folder, not a file", at: loc)
      return false
    }
    if let kind = GDAL.nonRegularFileKind(path) {
      d.error(
        "file.not-regular", "the \(what) path is \(kind), not a regular file (run file key \(key))",
        at: loc)
      return false
    }
    guard fm.isReadableFile(atPath: path), let h = FileHandle(forReadingAtPath: path) else {
      d.error("file.unreadable", "the \(what) file cannot be read (permission denied?)", at: loc)
      return false
    }
    try? h.close()
    let size =
      (try? fm.attributesOfItem(atPath: URL(fileURLWithPath: path).resolvingSymlinksInPath().path)[
        .size] as? NSNumber)?.intValue ?? -1
    if size == 0 {
      d.error("file.empty", "the \(what) file is empty (0 bytes)", at: loc)
      return false
    }
    return true
  }

  // MARK: Coefficients

  func checkCoefficients() {
    let check = CoefficientSet.check(directory: URL(fileURLWithPath: config.coefficientsFolder))
    for p in check.problems {
      // The checker names files relative to the folder, or the folder itself.
      let file =
        p.location.file.hasPrefix("/")
        ? p.location.file
        : (config.coefficientsFolder as NSString).appendingPathComponent(p.location.file)
      let loc = ProblemLocation(
        file: file,
        row: p.location.row, column: p.location.column, value: p.location.value)
      if p.severity == .error {
        d.error("coefficients.\(p.code.rawValue)", p.message, at: loc)
      } else if options.coefficientWarnings {
        d.warning("coefficients.\(p.code.rawValue)", p.message, at: loc)
      }
    }
    coefficients = check.set
    // Methods the engine does not implement are errors; indicators it does not compute at all
    // are named; a declared input the method does not read is an error (MethodRegistry).
    for p in options.registry.problems(of: check.set.profile) {
      let loc = ProblemLocation(
        file: (config.coefficientsFolder as NSString).appendingPathComponent(p.location.file),
        row: p.location.row, column: p.location.column, value: p.location.value)
      if p.severity == .error {
        d.error("coefficients.\(p.code.rawValue)", p.message, at: loc)
      } else {
        d.warning("indicator.not-implemented", p.message, at: loc)
      }
    }
    // P by slope class: at most maximumPRanges rows per class.
    for cls in check.set.ecosystemClasses.keys.sorted() {
      let n = check.set.classTables["rusle"]?.rows(classCode: cls, parameter: "usle_p").count ?? 0
      if n > maximumPRanges {
        d.error(
          "coefficients.usle-p-ranges",
          "class \(cls) has \(n) usle_p rows (slope classes); gep supports at most "
            + "\(maximumPRanges) per class",
          at: ProblemLocation(
            file: (config.coefficientsFolder as NSString).appendingPathComponent("rusle.csv"),
            value: String(cls)))
      }
    }
    // The indicators the run cannot compute for lack of an input (the same notes as
    // `gep compute`), so a validation gate sees them.
    if check.errors.isEmpty {
      let model = CellModel.build(
        coefficients: check.set, scheme: config.landUseScheme, roles: config.availableRoles,
        fvcIsPercent: config.rasters["fvc"]?.unit == "percent",
        file: config.coefficientsFolder, registry: options.registry)
      for n in model.notes where n.code == "indicator.missing-input" {
        d.warning(n.code, n.message, at: n.location)
      }
    }
    if check.set.crosswalks[config.landUseScheme] == nil {
      d.error(
        "landuse.unknown-scheme",
        "no crosswalk crosswalk_\(config.landUseScheme).csv in \(config.coefficientsFolder); "
          + "known: \(check.set.crosswalks.keys.sorted().joined(separator: ", "))",
        at: ProblemLocation(
          file: config.runFile, field: "landuse.scheme", value: config.landUseScheme))
    }
  }

  // MARK: Rasters

  /// Opens a raster input, reporting a missing file, a vector file, a corrupt file or a
  /// missing band.
  func open(_ r: RasterInput, what: String, key: String) -> (RasterDataset, RasterBand)? {
    guard checkFile(r.path, what: what, key: key) else { return nil }
    let ds: RasterDataset
    do {
      ds = try RasterDataset(path: r.path)
    } catch {
      if let v = try? VectorDataset(path: r.path), v.layerCount > 0 {
        d.error(
          "file.not-raster",
          "the \(what) file is a vector file (layers: \(v.layerNames.joined(separator: ", "))), "
            + "but a raster is expected",
          at: ProblemLocation(file: r.path, field: key))
      } else {
        d.error(
          "raster.unreadable",
          "GDAL cannot read the \(what) file as a raster (corrupt or not a raster format): "
            + error.message,
          at: ProblemLocation(file: r.path, field: key))
      }
      return nil
    }
    do {
      return (ds, try ds.band(r.band))
    } catch {
      d.error(
        "raster.no-band",
        "the \(what) raster has no band \(r.band); it has \(ds.bandCount)",
        at: ProblemLocation(
          file: r.path, band: r.band,
          field: key.replacingOccurrences(
            of: ".path", with: ".band")))
      return nil
    }
  }

  /// The raster's CRS (the run file's override, else the file's), reporting its absence.
  func crs(of r: RasterInput, _ ds: RasterDataset, what: String, prefix: String)
    -> SpatialReference?
  {
    if let c = r.crs {
      d.warning(
        "raster.crs-assigned",
        "the \(what) CRS is taken from the run file (\(c)), not from the file",
        at: ProblemLocation(file: r.path, field: prefix + "crs", value: c))
      return try? SpatialReference(definition: c)
    }
    do {
      if let s = try ds.spatialReference() { return s }
    } catch {
      d.gdal("raster.unreadable", error, file: r.path)
      return nil
    }
    d.error(
      "raster.no-crs",
      "the \(what) raster declares no coordinate reference system; give it one "
        + "(gdal_edit.py -a_srs) or set `crs` under [\(prefix.dropLast())] in the run file",
      at: ProblemLocation(file: r.path, band: r.band))
    return nil
  }

  /// A projected CRS with coordinates that look like longitude/latitude degrees.
  func checkDegrees(_ r: RasterInput, crs: SpatialReference, gt: GeoTransform, what: String) {
    guard crs.isProjected else { return }
    let cell = abs(gt.pixelWidth) * crs.metresPerUnit
    if abs(gt.originX) <= 360, abs(gt.originY) <= 90, cell < 0.1 {
      d.error(
        "raster.degrees-as-metres",
        "the \(what) raster's coordinates look like degrees (origin \(formatNumber(gt.originX)), "
          + "\(formatNumber(gt.originY)); cell \(formatNumber(abs(gt.pixelWidth)))) but its CRS "
          + "\(crs.epsg.map { "EPSG:\($0)" } ?? crs.name) is projected in metres: the file "
          + "declares the wrong CRS (give the geographic one, e.g. EPSG:4490)",
        at: ProblemLocation(file: r.path, band: r.band, value: crs.epsg.map { "EPSG:\($0)" }))
    }
  }

  /// Nodata declaration checks; `prefix` is "landuse" or "raster".
  func checkNoData(_ r: RasterInput, band: RasterBand, what: String, prefix: String) {
    let loc = ProblemLocation(file: r.path, band: r.band)
    if band.noDataValue == nil {
      d.warning(
        "\(prefix).no-nodata",
        "the \(what) raster declares no nodata value: every cell is taken as data, 0 "
          + "included (set one with gdal_edit.py -a_nodata if some cells are not data)",
        at: loc)
    } else if band.noDataOutOfRange, let nd = band.noDataValue {
      let range = band.dataType.integerRange.map {
        " (\(formatNumber($0.lowerBound))–\(formatNumber($0.upperBound)))"
      }
      d.warning(
        "\(prefix).nodata-out-of-range",
        "the declared nodata value \(formatNumber(nd)) cannot occur in a "
          + "\(band.dataType.rawValue) band\(range ?? ""), so it masks nothing: every cell is "
          + "taken as data",
        at: ProblemLocation(file: r.path, band: r.band, value: formatNumber(nd)))
    }
  }

  /// The footprint of a raster (its bounds, densified) in the grid CRS.
  func footprint(crs: SpatialReference, gt: GeoTransform, width: Int, height: Int) -> Geometry? {
    guard let g = grid else { return nil }
    var pts: [(Double, Double)] = []
    let n = 16
    func at(_ c: Double, _ r: Double) { pts.append(gt.apply(col: c, row: r)) }
    let w = Double(width)
    let h = Double(height)
    for i in 0..<n { at(w * Double(i) / Double(n), 0) }
    for i in 0..<n { at(w, h * Double(i) / Double(n)) }
    for i in 0..<n { at(w - w * Double(i) / Double(n), h) }
    for i in 0..<n { at(0, h - h * Double(i) / Double(n)) }
    var xs = pts.map(\.0)
    var ys = pts.map(\.1)
    if !((try? crs.isSame(as: g.crs)) ?? false) {
      guard let t = try? CoordinateTransformation(from: crs, to: g.crs),
        (try? t.transform(x: &xs, y: &ys)) != nil
      else { return nil }
    }
    xs.append(xs[0])
    ys.append(ys[0])
    let ring = zip(xs, ys).map { "\($0) \($1)" }.joined(separator: ", ")
    return try? Geometry(wkt: "POLYGON ((\(ring)))").madeValid()
  }

  func gridFootprint() -> Geometry? {
    guard let g = grid else { return nil }
    let b = g.bounds
    return try? Geometry(
      wkt: "POLYGON ((\(b.minX) \(b.minY), \(b.maxX) \(b.minY), \(b.maxX) \(b.maxY), "
        + "\(b.minX) \(b.maxY), \(b.minX) \(b.minY)))")
  }

  func openLandUse() {
    let r = config.landUse
    guard let (ds, band) = open(r, what: "land-use", key: "landuse.path") else { return }
    let crs = self.crs(of: r, ds, what: "land-use", prefix: "landuse.")
    checkNoData(r, band: band, what: "land-use", prefix: "landuse")
    guard let crs, let gt = try? ds.geoTransform() else { return }
    checkDegrees(r, crs: crs, gt: gt, what: "land-use")
    let g = Grid(crs: crs, geoTransform: gt, width: ds.width, height: ds.height)
    grid = g
    do {
      cellAreas = try cellAreasPerRow(g)
    } catch {
      d.gdal("raster.unreadable", error, file: r.path)
      cellAreas = [Double](repeating: 1, count: g.height)
    }
    landUse = OpenedRaster(
      input: r, band: band, crs: crs, geoTransform: gt, width: ds.width, height: ds.height,
      footprint: gridFootprint())
  }

  /// Windows covering a `width × height` raster in row-major order.
  func windows(width: Int, height: Int) -> [RasterWindow] {
    let s = options.windowSize
    var out: [RasterWindow] = []
    var r = 0
    while r < height {
      var c = 0
      let h = min(s, height - r)
      while c < width {
        let w = min(s, width - c)
        out.append(RasterWindow(colOffset: c, rowOffset: r, width: w, height: h))
        c += w
      }
      r += h
    }
    return out
  }

  func scanLandUse() {
    guard let lu = landUse, let g = grid else { return }
    let r = lu.input
    var counts: [Int: (cells: Int, area: Double)] = [:]
    var denseCells = [Int](repeating: 0, count: 65536)
    var denseArea = [Double](repeating: 0, count: 65536)
    var nonInteger = (cells: 0, area: 0.0)
    var firstNonInteger: (row: Int, col: Int, value: Double)? = nil
    var scan = RasterScan()
    var zoneCells = [Int](repeating: 0, count: units?.villages.count ?? 0)
    let rasterizer = units.map {
      ZoneRasterizer(
        grid: g, geometries: $0.geometries, zones: (0..<$0.villages.count).map(Int32.init))
    }
    var values: [Double] = []
    var valid: [Bool] = []
    for w in windows(width: g.width, height: g.height) {
      if values.count < w.count {
        values = [Double](repeating: 0, count: w.count)
        valid = [Bool](repeating: false, count: w.count)
      }
      do {
        try lu.band.readMasked(w, values: &values, valid: &valid)
      } catch {
        d.error(
          "raster.read-failed",
          "GDAL cannot read rows \(w.rowOffset)–\(w.rowOffset + w.height - 1) (0-based) of the "
            + "land-use raster (corrupt file?): \(error.message)",
          at: ProblemLocation(file: r.path, band: r.band, row: w.rowOffset))
        return
      }
      if let rasterizer, let zones = try? rasterizer.rasterize(w) {
        for z in zones where z >= 0 { zoneCells[Int(z)] += 1 }
      }
      for i in 0..<w.count {
        let v = values[i]
        let row = w.rowOffset + i / w.width
        if !valid[i] {
          if v.isNaN {
            scan.nan += 1
            if scan.firstNaN == nil { scan.firstNaN = (row, w.colOffset + i % w.width) }
          }
          scan.nodata += 1
          continue
        }
        scan.valid += 1
        let a = cellAreas.indices.contains(row) ? cellAreas[row] : 0
        if v >= 0, v < 65536, v == v.rounded() {
          // Dense counts for the usual code range; the dictionary only for the rest.
          let k = Int(v)
          denseCells[k] += 1
          denseArea[k] += a
        } else if v.isFinite, v == v.rounded(), abs(v) < 1e15 {
          let k = Int(v)
          let c = counts[k] ?? (0, 0)
          counts[k] = (c.cells + 1, c.area + a)
        } else {
          nonInteger.cells += 1
          nonInteger.area += a
          if firstNonInteger == nil { firstNonInteger = (row, w.colOffset + i % w.width, v) }
        }
      }
    }
    for k in 0..<65536 where denseCells[k] > 0 { counts[k] = (denseCells[k], denseArea[k]) }
    let loc = ProblemLocation(file: r.path, band: r.band)
    if scan.nan > 0, !(lu.band.noDataValue?.isNaN ?? false) {
      d.warning(
        "raster.nan",
        "\(scan.nan) cells of the land-use raster are NaN (first at row \(scan.firstNaN!.row), "
          + "column \(scan.firstNaN!.col), 0-based): they are treated as nodata",
        at: ProblemLocation(
          file: r.path, band: r.band, row: scan.firstNaN!.row,
          column: String(scan.firstNaN!.col)))
    }
    if scan.valid == 0 {
      d.error(
        "raster.all-nodata",
        "every cell of the land-use raster is nodata (nodata value "
          + "\(lu.band.noDataValue.map(formatNumber) ?? "none")): there is nothing to account",
        at: loc)
    }
    // Units without a cell centre.
    if let u = units {
      for (z, v) in u.villages.enumerated() where zoneCells[z] == 0 && !u.geometries[z].isEmpty {
        d.warning(
          "units.no-cell",
          "unit \(v.code) (\(v.name)) contains no cell centre of the land-use grid: it still "
            + "gets a row, with zero area and value",
          at: ProblemLocation(
            file: config.units.path, layer: config.units.layer, field: config.units.codeField,
            value: v.code))
      }
    }
    // Unknown codes.
    guard let coefficients, let crosswalk = coefficients.crosswalks[config.landUseScheme] else {
      return
    }
    let known = Set(crosswalk.entries.map(\.lulcCode))
    let total = counts.values.reduce(0.0) { $0 + $1.area } + nonInteger.area
    func share(_ a: Double) -> Double { total > 0 ? a / total * 100 : 0 }
    var unknownArea = nonInteger.area
    var unknownCodes = 0
    let file = "crosswalk_\(config.landUseScheme).csv"
    for (code, c) in counts.sorted(by: { $0.key < $1.key }) where !known.contains(code) {
      unknownArea += c.area
      unknownCodes += 1
      d.error(
        "landuse.unknown-code",
        "land-use code \(code) is not in \(file): \(c.cells) cells, "
          + String(format: "%.4f", share(c.area)) + " % of the area"
          + (lu.band.noDataValue == nil && (code == 0 || code == 255 || code == -9999)
            ? " (the raster declares no nodata value: is \(code) the nodata fill?)" : ""),
        at: ProblemLocation(file: r.path, band: r.band, value: String(code)))
    }
    if nonInteger.cells > 0, let f = firstNonInteger {
      d.error(
        "landuse.unknown-code",
        "\(nonInteger.cells) cells of the land-use raster are not integer codes, "
          + String(format: "%.4f", share(nonInteger.area)) + " % of the area (first at row "
          + "\(f.row), column \(f.col), 0-based: \(formatNumber(f.value))); land-use codes are "
          + "integers: was the raster resampled bilinearly? Use nearest-neighbour or mode",
        at: ProblemLocation(
          file: r.path, band: r.band, row: f.row, column: String(f.col),
          value: formatNumber(f.value)))
    }
    let distinct = counts.count + (nonInteger.cells > 0 ? 1 : 0)
    let unknownDistinct = unknownCodes + (nonInteger.cells > 0 ? 1 : 0)
    if total > 0, share(unknownArea) > 50 {
      var best: (scheme: String, share: Double)? = nil
      for (scheme, cw) in coefficients.crosswalks where scheme != config.landUseScheme {
        let k = Set(cw.entries.map(\.lulcCode))
        let a = counts.filter { k.contains($0.key) }.reduce(0.0) { $0 + $1.value.area }
        if a > 0,
          best == nil || share(a) > best!.share
            || (share(a) == best!.share && scheme < best!.scheme)
        {
          best = (scheme, share(a))
        }
      }
      let hint =
        best.map {
          "; crosswalk_\($0.scheme).csv maps " + String(format: "%.1f", $0.share)
            + " % of it (scheme = \"\($0.scheme)\"?)"
        } ?? ""
      d.error(
        "landuse.wrong-scheme",
        "most of the land-use raster is not in \(file) ("
          + String(format: "%.1f", share(unknownArea))
          + " % of the area, \(unknownDistinct) of \(distinct) codes): it seems to use another "
          + "classification than scheme \"\(config.landUseScheme)\"" + hint,
        at: ProblemLocation(
          file: config.runFile, field: "landuse.scheme", value: config.landUseScheme))
    }
  }

  /// Checks a biophysical raster: file, CRS, overlap, nodata, values.
  func checkRaster(_ r: RasterInput) {
    let prefix = "rasters.\(r.name)."
    let what = r.name
    guard let (ds, band) = open(r, what: what, key: prefix + "path") else { return }
    let crs = self.crs(of: r, ds, what: what, prefix: prefix)
    checkNoData(r, band: band, what: what, prefix: "raster")
    guard let crs, let gt = try? ds.geoTransform() else { return }
    checkDegrees(r, crs: crs, gt: gt, what: what)
    var fp: Geometry? = nil
    if let g = grid {
      if !((try? crs.isSame(as: g.crs)) ?? false) {
        d.warning(
          "raster.reprojected",
          "the \(what) raster is in \(describe(crs)), not in the land-use grid's "
            + "\(describe(g.crs)): it is reprojected onto the grid (\(r.resampling.rawValue))",
          at: ProblemLocation(file: r.path, band: r.band, value: describe(crs)))
      }
      fp = footprint(crs: crs, gt: gt, width: ds.width, height: ds.height)
      if fp == nil {
        // The corners cannot be transformed into the grid CRS: with a wrong CRS label (e.g.
        // EPSG:4326 on metre coordinates) every cell would be nodata after warping.
        d.error(
          "raster.crs-transform",
          "the \(what) raster's extent cannot be transformed from \(describe(crs)) into the "
            + "grid's \(describe(g.crs)): its coordinates do not fit its declared CRS (wrong CRS "
            + "label? set crs = \"EPSG:…\" in the run file)",
          at: ProblemLocation(file: r.path, band: r.band, value: describe(crs)))
      }
      if let fp, let gf = gridFootprint(), gf.area > 0 {
        let covered = (gf.intersection(fp)?.polygonalParts().area ?? 0) / gf.area
        if covered <= 0 {
          let b = fp.envelope
          let gb = g.bounds
          d.error(
            "raster.no-overlap",
            "the \(what) raster does not overlap the land-use grid: its bounds in the grid CRS "
              + "are x \(formatNumber(b.minX))…\(formatNumber(b.maxX)), y "
              + "\(formatNumber(b.minY))…\(formatNumber(b.maxY)); the grid's are x "
              + "\(formatNumber(gb.minX))…\(formatNumber(gb.maxX)), y "
              + "\(formatNumber(gb.minY))…\(formatNumber(gb.maxY)) (wrong CRS?)",
            at: ProblemLocation(file: r.path, band: r.band))
        } else if covered < 0.999 {
          d.warning(
            "raster.partial-overlap",
            "the \(what) raster covers " + String(format: "%.2f", covered * 100)
              + " % of the land-use grid: outside it, the indicators that read \(what) are "
              + "not computed (reported as masked area per unit)",
            at: ProblemLocation(file: r.path, band: r.band))
        }
      }
    }
    rasters.append(
      OpenedRaster(
        input: r, band: band, crs: crs, geoTransform: gt, width: ds.width, height: ds.height,
        footprint: fp))
    scanValues(r, band: band, width: ds.width, height: ds.height)
  }

  func describe(_ crs: SpatialReference) -> String {
    crs.epsg.map { "EPSG:\($0) (\(crs.name))" } ?? crs.name
  }

  /// True for the roles that cannot be negative (precipitation, ET, R, K, LS, FVC, slope).
  static func isNonNegative(_ r: RasterInput) -> Bool {
    switch RasterRole(rawValue: r.name) {
    case .precipitation, .evapotranspiration, .erosivity, .erodibility, .ls, .fvc, .slope:
      return true
    default: return false
    }
  }

  /// How far `value` lies from the nodata value when it is within 4 units in the last place of
  /// a Float32 (or of a Double) but not equal: "1 ulp away"; nil otherwise.
  func nextToNoData(_ value: Double, _ noData: Double) -> String? {
    guard value != noData, value.isFinite, noData.isFinite else { return nil }
    let f = Float(value)
    let g = Float(noData)
    if f.isFinite && g.isFinite && f.sign == g.sign {
      let d = abs(Int64(f.bitPattern) - Int64(g.bitPattern))
      if d > 0 && d <= 4 { return "\(d) Float32 ulp away" }
    }
    if value.sign == noData.sign {
      let d =
        value.bitPattern > noData.bitPattern
        ? value.bitPattern - noData.bitPattern : noData.bitPattern - value.bitPattern
      if d > 0 && d <= 4 { return "\(d) ulp away" }
    }
    return nil
  }

  /// The result of scanning one raster: its statistics, or the window that failed to read.
  struct ScanResult: @unchecked Sendable {
    var scan = RasterScan()
    var failure: (RasterWindow, GDALError)? = nil
  }

  /// Streams a raster window by window and gathers its statistics (NaN, infinite, negative and
  /// out-of-range cells with the first of each, min, max, mean). Pure apart from the reads, so
  /// the rasters of a run are scanned in parallel, one dataset per thread.
  static func scanRaster(
    _ r: RasterInput, band: RasterBand, windows: [RasterWindow], nonNegative: Bool,
    range: ClosedRange<Double>?
  ) -> ScanResult {
    var result = ScanResult()
    var s = RasterScan()
    var firstNegativeValue: Double? = nil
    var values: [Double] = []
    var valid: [Bool] = []
    for w in windows {
      if values.count < w.count {
        values = [Double](repeating: 0, count: w.count)
        valid = [Bool](repeating: false, count: w.count)
      }
      do {
        try band.readMasked(w, values: &values, valid: &valid)
      } catch {
        result.failure = (w, error)
        return result
      }
      for i in 0..<w.count {
        let v = values[i]
        let row = w.rowOffset + i / w.width
        let col = w.colOffset + i % w.width
        if !valid[i] {
          if v.isNaN {
            s.nan += 1
            if s.firstNaN == nil { s.firstNaN = (row, col) }
          }
          s.nodata += 1
          continue
        }
        if v.isInfinite {
          s.infinite += 1
          if s.firstInfinite == nil { s.firstInfinite = (row, col) }
          continue
        }
        s.valid += 1
        s.sum += v
        if v < s.min { s.min = v }
        if v > s.max { s.max = v }
        if nonNegative && v < 0 {
          s.negative += 1
          if let f = firstNegativeValue {
            if f != v { s.negativesAllEqual = false }
          } else {
            firstNegativeValue = v
            s.firstNegative = (row, col, v)
          }
        }
        if let rg = range, !rg.contains(v), !(nonNegative && v < 0) {
          s.outOfRange += 1
          if s.firstOutOfRange == nil { s.firstOutOfRange = (row, col, v) }
        }
      }
    }
    result.scan = s
    return result
  }

  /// Scans every raster of the run in parallel (one dataset per worker), for `scanValues`.
  func prescanRasters() {
    let inputs = config.rasters.values.sorted { $0.name < $1.name }
    let results = Mutex([ScanResult?](repeating: nil, count: inputs.count))
    let windowSize = options.windowSize
    @Sendable func scanOne(_ i: Int) {
      let r = inputs[i]
      guard let ds = try? RasterDataset(path: r.path), let band = try? ds.band(r.band) else {
        return
      }
      let nonNegative = ValidationRun.isNonNegative(r)
      let plan = blockPlan(
        width: ds.width, height: ds.height, tileWidth: windowSize, tileHeight: windowSize)
      let scanned = Self.scanRaster(
        r, band: band, windows: plan, nonNegative: nonNegative,
        range: r.validRange?.range)
      results.withLock { $0[i] = scanned }
    }
    // At most `options.threads` rasters at once (one dataset per worker).
    let workers = min(options.threads, inputs.count)
    let next = Mutex(0)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      while true {
        let i = next.withLock { n -> Int in
          defer { n += 1 }
          return n
        }
        guard i < inputs.count else { return }
        scanOne(i)
      }
    }
    for (i, r) in inputs.enumerated() {
      if let s = results.withLock({ $0[i] }) { prescanned[r.name] = s }
    }
  }

  func scanValues(_ r: RasterInput, band: RasterBand, width: Int, height: Int) {
    let role = RasterRole(rawValue: r.name)
    let nonNegative = ValidationRun.isNonNegative(r)
    let range = r.validRange
    let scanned =
      prescanned[r.name]
      ?? Self.scanRaster(
        r, band: band, windows: windows(width: width, height: height),
        nonNegative: nonNegative, range: range?.0)
    if let (w, error) = scanned.failure {
      d.error(
        "raster.read-failed",
        "GDAL cannot read rows \(w.rowOffset)–\(w.rowOffset + w.height - 1) (0-based) of the "
          + "\(r.name) raster (corrupt file?): \(error.message)",
        at: ProblemLocation(file: r.path, band: r.band, row: w.rowOffset))
      return
    }
    let s = scanned.scan
    let loc = ProblemLocation(file: r.path, band: r.band)
    func at(_ p: (row: Int, col: Int), value: Double? = nil) -> ProblemLocation {
      ProblemLocation(
        file: r.path, band: r.band, row: p.row, column: String(p.col),
        value: value.map(formatNumber))
    }
    if s.nan > 0, !(band.noDataValue?.isNaN ?? false), let f = s.firstNaN {
      d.warning(
        "raster.nan",
        "\(s.nan) cells of the \(r.name) raster are NaN (first at row \(f.row), column "
          + "\(f.col), 0-based): they are treated as nodata",
        at: at(f))
    }
    if s.infinite > 0, let f = s.firstInfinite {
      d.error(
        "raster.infinite",
        "\(s.infinite) cells of the \(r.name) raster are infinite (first at row \(f.row), "
          + "column \(f.col), 0-based): declare them nodata or fix the file",
        at: at(f, value: .infinity))
    }
    if s.valid == 0 {
      d.error(
        "raster.all-nodata",
        "every cell of the \(r.name) raster is nodata (nodata value "
          + "\(band.noDataValue.map(formatNumber) ?? "none"))",
        at: loc)
      return
    }
    if s.negative > 0, let f = s.firstNegative {
      var hint =
        s.negativesAllEqual
        ? "; all are \(formatNumber(f.value)): is that the nodata value? Declare it with "
          + "gdal_edit.py -a_nodata" : ""
      if let nd = band.noDataValue, let next = nextToNoData(f.value, nd) {
        hint +=
          "; the value sits next to the nodata value \(formatNumber(nd)) (\(next)): was "
          + "the nodata value rounded when the file was written? Declare the exact value"
      }
      d.error(
        "raster.negative",
        "\(s.negative) cells of the \(r.name) raster are negative (minimum "
          + "\(formatNumber(s.min)), first at row \(f.row), column \(f.col), 0-based); "
          + "\(r.name) cannot be negative\(hint)",
        at: at((f.row, f.col), value: f.value))
    }
    means[r.name] = s.mean
    let mean = s.mean
    switch role {
    case .precipitation, .evapotranspiration:
      if mean < 10 && s.max < 20 {
        d.error(
          "raster.implausible-unit",
          "the \(r.name) raster averages \(formatNumber(mean)) (range "
            + "\(formatNumber(s.min))–\(formatNumber(s.max))): as mm per year that is "
            + "implausible; the values look like metres (multiply by 1000), the declared unit "
            + "is mm",
          at: ProblemLocation(file: r.path, band: r.band, value: formatNumber(mean)))
      }
    default: break
    }
    if s.outOfRange > 0, let (_, why) = range, let f = s.firstOutOfRange {
      var hint = ""
      if role == .ndvi && s.max > 1 && s.max <= 10000 {
        hint = "; the values look scaled by 10000 (MODIS): divide by 10000"
      } else if role == .fvc && r.unit != "percent" && s.max <= 100 && s.min >= 0 {
        hint = "; the values look like percent: declare unit = \"percent\""
      } else if role == .slope && s.max > 90 {
        hint = "; the values are not degrees (percent rise?)"
      } else if role == .dem && s.max > 9000 {
        hint = "; feet or decimetres instead of metres?"
      } else if role == .erodibility && mean > 100 {
        hint = "; the values look like precipitation or erosivity, not K"
      }
      if let nd = band.noDataValue, let next = nextToNoData(f.value, nd) {
        hint +=
          "; the value sits next to the nodata value \(formatNumber(nd)) (\(next)): was "
          + "the nodata value rounded when the file was written? Declare the exact value"
      }
      if r.acceptedRange == nil {
        hint +=
          "; if the values are right, widen the range in the run file "
          + "([rasters.\(r.name)] range = [low, high])"
      }
      d.error(
        role == .dem ? "raster.implausible-unit" : "raster.out-of-range",
        "\(s.outOfRange) cells of the \(r.name) raster lie outside the accepted range (range "
          + "found \(formatNumber(s.min))–\(formatNumber(s.max)), first at row \(f.row), "
          + "column \(f.col), 0-based): \(why)\(hint)",
        at: at((f.row, f.col), value: f.value))
    }
    if role == .fvc && r.unit == "percent" && s.max <= 1 {
      d.warning(
        "raster.implausible-unit",
        "the fvc raster is declared in percent but its values lie in "
          + "\(formatNumber(s.min))–\(formatNumber(s.max)): a fraction? (unit = \"fraction\")",
        at: ProblemLocation(file: r.path, band: r.band, value: formatNumber(s.max)))
    }
  }

  func checkPrecipitationAndET() {
    // One file and band given for two roles (precipitation as ET, the DEM as P …): the ranges
    // of such roles overlap, so only this check catches the swap.
    var roleOf: [String: String] = [:]
    for (role, r) in config.rasters.sorted(by: { $0.key < $1.key }) {
      let key = "\(canonicalPath(r.path))#\(r.band)"
      if let other = roleOf[key] {
        d.error(
          "raster.same-file",
          "the \(role) raster is the same file and band as the \(other) raster: one file given "
            + "for two roles",
          at: ProblemLocation(file: r.path, band: r.band, field: "rasters.\(role).path"))
      } else {
        roleOf[key] = role
      }
    }
    guard let p = means["precipitation"], let et = means["evapotranspiration"], p > 0,
      let etInput = config.rasters["evapotranspiration"]
    else { return }
    if et <= 2 * p && et >= 0.9 * p {
      d.warning(
        "raster.et-near-precipitation",
        "mean evapotranspiration (\(formatNumber(et)) mm) is "
          + String(format: "%.0f", et / p * 100)
          + " % of mean precipitation (\(formatNumber(p)) mm): water conservation (P − R − ET) "
          + "will be near 0 on most cells; check that the ET raster is actual ET of the same year",
        at: ProblemLocation(file: etInput.path, band: etInput.band, value: formatNumber(et)))
    }
    guard et > 2 * p else { return }
    d.warning(
      "raster.et-exceeds-precipitation",
      "mean evapotranspiration (\(formatNumber(et)) mm) is more than twice mean precipitation "
        + "(\(formatNumber(p)) mm): water conservation will be 0 almost everywhere; check the "
        + "units and periods of both rasters (annual totals in mm?)",
      at: ProblemLocation(file: etInput.path, band: etInput.band, value: formatNumber(et)))
  }

  // MARK: Units

  func loadUnits() {
    let input = config.units
    guard checkFile(input.path, what: "unit", key: "units.path", folderAllowed: true) else {
      return
    }
    let ds: VectorDataset
    do {
      ds = try VectorDataset(path: input.path)
    } catch {
      if (try? RasterDataset(path: input.path)) != nil {
        d.error(
          "file.not-vector",
          "the unit file is a raster, but a vector layer of polygons is expected",
          at: ProblemLocation(file: input.path, field: "units.path"))
      } else {
        d.error(
          "units.unreadable", "GDAL cannot read the unit file as a vector: \(error.message)",
          at: ProblemLocation(file: input.path, field: "units.path"))
      }
      return
    }
    if let l = input.layer, !ds.layerNames.contains(l) {
      d.error(
        "units.missing-layer",
        "the unit file has no layer \"\(l)\"; it has: \(ds.layerNames.joined(separator: ", "))",
        at: ProblemLocation(file: input.path, layer: l, field: "units.layer"))
      return
    }
    if ds.layerCount == 0 {
      d.error(
        "units.missing-layer", "the unit file has no layer",
        at: ProblemLocation(file: input.path, field: "units.path"))
      return
    }
    var g = grid
    if g == nil {
      // No grid (land use unreadable): check the units in their own CRS.
      guard
        let layer = try? (input.layer.map { try ds.layer(named: $0) } ?? ds.layer(0)),
        let crs = try? layer.spatialReference()
      else {
        var local = Diagnostics()
        _ = try? UnitSet.load(
          input,
          grid: Grid(
            crs: (try? SpatialReference(epsg: 4326))!,
            geoTransform: GeoTransform(
              originX: 0, pixelWidth: 1, originY: 0, pixelHeight: -1), width: 1, height: 1),
          diagnostics: &local)
        d.append(local)
        return
      }
      g = Grid(
        crs: crs,
        geoTransform: GeoTransform(originX: 0, pixelWidth: 1, originY: 0, pixelHeight: -1),
        width: 1, height: 1)
    }
    var local = Diagnostics()
    var loaded: UnitSet? = nil
    do {
      loaded = try UnitSet.load(input, grid: g!, diagnostics: &local)
    } catch is InputProblems {
      // The problems are in `local`.
    } catch let e as GDALError {
      local.gdal("units.unreadable", e, file: input.path)
    } catch {
      local.error(
        "units.unreadable", "cannot read the unit layer: \(error)",
        at: ProblemLocation(file: input.path))
    }
    d.append(local)
    // Village codes of the code12 hierarchy must not end in 000.
    if code12 && input.finestLevel == .village {
      let layerName = input.layer
      if let l = try? (input.layer.map { try ds.layer(named: $0) } ?? ds.layer(0)),
        let features = try? l.features()
      {
        for f in features {
          let code = f.attributes[input.codeField]?.description ?? ""
          if code.count == 12, code.allSatisfy({ $0.isASCII && $0.isNumber }),
            code.hasSuffix("000")
          {
            d.error(
              "units.bad-code12",
              "the village code \(code) ends in 000, which names a township (or county) in the "
                + "12-digit hierarchy, not a village",
              at: ProblemLocation(
                file: input.path, layer: layerName ?? l.name, row: Int(f.fid),
                field: input.codeField, value: code))
          }
        }
      }
    }
    guard let u = loaded else { return }
    units = u
    unitCodes = Set(u.all.map(\.code))
    for v in u.all { unitNames[v.code] = v.name }
    guard grid != nil else { return }
    checkOverlaps(u)
    // Units against the grid.
    if let gf = gridFootprint() {
      let nonEmpty = u.geometries.filter { !$0.isEmpty }
      if !nonEmpty.isEmpty && !nonEmpty.contains(where: { $0.intersects(gf) }) {
        let gb = grid!.bounds
        var e = nonEmpty[0].envelope
        for geom in nonEmpty {
          let x = geom.envelope
          e = (min(e.minX, x.minX), min(e.minY, x.minY), max(e.maxX, x.maxX), max(e.maxY, x.maxY))
        }
        d.error(
          "units.no-overlap",
          "no unit overlaps the land-use grid: the units span x \(formatNumber(e.minX))…"
            + "\(formatNumber(e.maxX)), y \(formatNumber(e.minY))…\(formatNumber(e.maxY)) in the "
            + "grid CRS; the grid x \(formatNumber(gb.minX))…\(formatNumber(gb.maxX)), y "
            + "\(formatNumber(gb.minY))…\(formatNumber(gb.maxY)) (wrong CRS?)",
          at: ProblemLocation(file: input.path, layer: input.layer))
      }
    }
  }

  /// Pairs of overlapping unit polygons, with the overlap area (sweep over sorted envelopes).
  func checkOverlaps(_ u: UnitSet) {
    let geoms = u.geometries
    let env = geoms.map { $0.isEmpty ? nil : Optional($0.envelope) }
    let order = geoms.indices.filter { env[$0] != nil }.sorted { env[$0]!.minX < env[$1]!.minX }
    let metres = grid.map { $0.crs.isProjected } ?? false
    let factor = grid.map { $0.crs.metresPerUnit * $0.crs.metresPerUnit } ?? 1
    for (k, i) in order.enumerated() {
      let a = env[i]!
      for j in order[(k + 1)...] {
        let b = env[j]!
        if b.minX >= a.maxX { break }
        guard b.minY < a.maxY, b.maxY > a.minY else { continue }
        guard let inter = geoms[i].intersection(geoms[j])?.polygonalParts(), !inter.isEmpty
        else { continue }
        let area = inter.area
        let smaller = min(geoms[i].area, geoms[j].area)
        guard smaller > 0, area > smaller * 1e-9 else { continue }
        let (x, y) = u.villages[i].code < u.villages[j].code ? (i, j) : (j, i)
        let size =
          metres
          ? "\(formatNumber((area * factor * 100).rounded() / 100)) m²"
          : "\(formatNumber(area)) square degrees"
        d.warning(
          "units.overlap",
          "units \(u.villages[x].code) (\(u.villages[x].name)) and \(u.villages[y].code) "
            + "(\(u.villages[y].name)) overlap by \(size) ("
            + String(format: "%.2f", area / smaller * 100)
            + " % of the smaller): the cells in the overlap are counted in "
            + "\(u.villages[y].code) (\(u.villages[y].name)) only, the later code; "
            + "\(u.villages[x].code) gets none of them",
          at: ProblemLocation(
            file: config.units.path, layer: config.units.layer, field: config.units.codeField,
            value: "\(u.villages[x].code), \(u.villages[y].code)"))
      }
    }
  }

  /// Per unit, the share covered by each raster's footprint.
  func checkUnitCoverage() {
    guard let u = units, grid != nil else { return }
    var all: [(String, Geometry)] = []
    if let f = landUse?.footprint { all.append(("land-use", f)) }
    for r in rasters { if let f = r.footprint { all.append((r.input.name, f)) } }
    for (name, fp) in all {
      let fe = fp.envelope
      // A footprint on the grid's CRS is its own envelope: a unit inside the envelope is then
      // covered without a GEOS test (one per unit and raster took seconds at 100 000 units).
      let envelopeArea = (fe.maxX - fe.minX) * (fe.maxY - fe.minY)
      let isRectangle = abs(fp.area - envelopeArea) <= 1e-9 * envelopeArea
      for (z, geom) in u.geometries.enumerated() where !geom.isEmpty {
        let e = geom.envelope
        let inside =
          e.minX >= fe.minX && e.maxX <= fe.maxX && e.minY >= fe.minY
          && e.maxY <= fe.maxY
        if inside && (isRectangle || fp.contains(geom)) { continue }
        let area = geom.area
        guard area > 0 else { continue }
        let covered = (geom.intersection(fp)?.polygonalParts().area ?? 0) / area
        guard covered < 0.999 else { continue }
        let v = u.villages[z]
        d.warning(
          "units.partial-coverage",
          "unit \(v.code) (\(v.name)) is covered " + String(format: "%.2f", covered * 100)
            + " % by the \(name) raster: the rest is reported as "
            + (name == "land-use" ? "outside the grid" : "masked area"),
          at: ProblemLocation(
            file: config.units.path, layer: config.units.layer,
            field: name == "land-use" ? "landuse" : "rasters.\(name)", value: v.code))
      }
    }
  }

  // MARK: Tables

  func checkTable(_ path: String, sheet: String?, role: String, key: String) {
    let start = d.problems.count
    defer { d.summarizeRepeats(from: start, limit: 100, file: path) }
    guard checkFile(path, what: "\(role) table", key: key) else { return }
    let lower = path.lowercased()
    let isText = lower.hasSuffix(".csv") || lower.hasSuffix(".txt") || lower.hasSuffix(".tsv")
    if let sheet, !isText, let v = try? VectorDataset(path: path), !v.layerNames.contains(sheet) {
      d.error(
        "table.missing-sheet",
        "the workbook has no sheet \"\(sheet)\"; its sheets: "
          + v.layerNames.joined(separator: ", "),
        at: ProblemLocation(
          file: path, layer: sheet,
          field: key.replacingOccurrences(
            of: ".path", with: ".sheet")))
      return
    }
    let t: Table
    do {
      t = try Table(path: path, sheet: sheet)
    } catch {
      let code =
        switch error.function {
        case Table.encodingFunction: "table.encoding"
        case Table.syntaxFunction: "table.csv-syntax"
        case Table.fieldCountFunction: "table.field-count"
        case GDAL.notRegularFileFunction: "file.not-regular"
        default: "table.unreadable"
        }
      d.error(
        code, "cannot read the \(role) table: \(error.message)",
        at: ProblemLocation(
          file: path, layer: sheet, row: error.line, column: error.field, field: key))
      return
    }
    for p in duplicateColumnProblems(t) { d.error(p.code, p.message, at: p.location) }
    let spec = TableSpec.of(role)
    func loc(_ row: Int? = nil, _ col: String? = nil, _ value: String? = nil) -> ProblemLocation {
      ProblemLocation(file: path, layer: sheet, row: row, column: col, value: value)
    }
    var missing = false
    for c in spec.required where t.fieldIndex(c) == nil {
      d.error(
        "table.missing-column",
        "required column \"\(c)\" is missing from the \(role) table; it has: "
          + t.fields.joined(separator: ", "),
        at: loc(nil, c))
      missing = true
    }
    if spec.located && t.fieldIndex("unit_code") == nil
      && (t.fieldIndex("lon") == nil || t.fieldIndex("lat") == nil)
    {
      d.error(
        "table.missing-column",
        "the \(role) table needs a column unit_code, or columns lon and lat; it has: "
          + t.fields.joined(separator: ", "),
        at: loc(nil, "unit_code"))
      missing = true
    }
    let known = Set(spec.required + spec.optional)
    for f in t.fields where !known.contains(f) && !f.isEmpty {
      d.warning(
        "table.unknown-column",
        "column \"\(f)\" of the \(role) table is not used; known columns: "
          + known.sorted().joined(separator: ", "),
        at: loc(nil, f))
    }
    // Swapped code and name columns.
    let codeColumn = role == "names" ? "code" : "unit_code"
    var codesUsable = t.fieldIndex(codeColumn) != nil
    if let ci = t.fieldIndex(codeColumn) {
      func looksLikeCode(_ s: String) -> Bool {
        [6, 9, 12].contains(s.count) && s.allSatisfy { $0.isASCII && $0.isNumber }
      }
      let filled = t.rows.map { $0.values[ci] }.filter { !$0.isEmpty }
      let nonCodes = filled.filter { !$0.allSatisfy { $0.isASCII && $0.isNumber } }
      if !filled.isEmpty, nonCodes.count * 2 > filled.count {
        let other = t.fields.indices.first { i in
          i != ci
            && {
              let vs = t.rows.map { $0.values[i] }.filter { !$0.isEmpty }
              return !vs.isEmpty && vs.filter(looksLikeCode).count * 2 > vs.count
            }()
        }
        let otherText =
          other.map { i in
            " and column \"\(t.fields[i])\" holds codes (e.g. "
              + "\"\(t.rows.first { looksLikeCode($0.values[i]) }!.values[i])\"): "
              + "are the two columns swapped?"
          } ?? ""
        d.error(
          "table.swapped-columns",
          "column \"\(codeColumn)\" of the \(role) table holds text, not unit codes (e.g. "
            + "\"\(nonCodes[0])\")\(otherText)",
          at: loc(nil, codeColumn, nonCodes[0]))
        codesUsable = false
      }
    }
    if missing && spec.required.contains(codeColumn) && t.fieldIndex(codeColumn) == nil {
      codesUsable = false
    }
    // Rows.
    var seenKeys: [String: Int] = [:]
    let keyIdx = spec.key.compactMap { t.fieldIndex($0) }
    let locator = role == "names" ? nil : pointLocator()
    for r in t.rows {
      if r.values.allSatisfy(\.isEmpty) {
        d.warning("table.blank-row", "blank row in the \(role) table: skipped", at: loc(r.line))
        continue
      }
      for c in spec.numeric {
        guard let i = t.fieldIndex(c) else { continue }
        let s = r.values[i]
        if s.isEmpty {
          if spec.required.contains(c) {
            d.error(
              "table.missing-value", "\(c) is empty in the \(role) table", at: loc(r.line, c))
          }
          continue
        }
        guard let v = PlainDecimal.parse(s) else {
          d.error(
            "table.not-numeric", "\(c) is " + PlainDecimal.notPlainDecimalMessage(s),
            at: loc(r.line, c, s))
          continue
        }
        if v < 0 {
          d.error("table.negative", "\(c) must not be negative", at: loc(r.line, c, s))
        }
        if !ExactSum.accepts(v) {
          d.error(
            "table.out-of-range", "\(c) exceeds 10¹⁵, the largest value gep accepts",
            at: loc(r.line, c, s))
        }
        if c == "year", v != Double(config.year) {
          d.warning(
            "table.other-year",
            "the row is for year \(s), the run for \(config.year): it is used as given",
            at: loc(r.line, c, s))
        }
      }
      if role == "tourism", let vi = t.fieldIndex("visits"),
        let ci = t.fieldIndex("travel_cost_per_visit_yuan"),
        let visits = PlainDecimal.parse(r.values[vi]),
        let cost = PlainDecimal.parse(r.values[ci]), visits.isFinite, cost.isFinite,
        ExactSum.accepts(visits), ExactSum.accepts(cost), !ExactSum.accepts(visits * cost)
      {
        d.error(
          "table.out-of-range",
          "visits × travel cost = \(formatNumber(visits * cost)) yuan exceeds 10¹⁵",
          at: loc(r.line, "visits", r.values[vi]))
      }
      if role == "reservoirs", let ci = t.fieldIndex("capacity_m3"),
        let capacity = PlainDecimal.parse(r.values[ci]), capacity > 1e12, ExactSum.accepts(capacity)
      {
        d.error(
          "table.out-of-range",
          "capacity_m3 above 10¹² m³ exceeds any reservoir (the Three Gorges holds "
            + "3.93 × 10¹⁰ m³): the unit is m³?",
          at: loc(r.line, "capacity_m3", r.values[ci]))
      }
      if keyIdx.count == spec.key.count, !keyIdx.isEmpty {
        let k = keyIdx.map { i -> String in
          let v = r.values[i]
          return t.fields[i] == codeColumn ? normalisedCode(v, code12: code12) : v.lowercased()
        }.joined(separator: "\u{1F}")
        if let first = seenKeys[k] {
          let desc = zip(spec.key, keyIdx).map { "\($0) \(r.values[$1])" }.joined(
            separator: ", ")
          let p = Problem(
            spec.duplicateIsError ? .error : .warning, "table.duplicate-key",
            "\(desc) appears twice in the \(role) table: rows \(first) and \(r.line)"
              + (spec.duplicateIsError ? "" : "; both are added (counted twice?)"),
            at: loc(r.line, spec.key[0], r.values[keyIdx[0]]))
          if p.severity == .error {
            d.error(p.code, p.message, at: p.location)
          } else {
            d.warning(p.code, p.message, at: p.location)
          }
        } else {
          seenKeys[k] = r.line
        }
      }
      // Location of the row.
      var located = false
      if spec.located, let li = t.fieldIndex("lon"), let ai = t.fieldIndex("lat"),
        !r.values[li].isEmpty || !r.values[ai].isEmpty
      {
        located = true
        let text = "\(r.values[li]), \(r.values[ai])"
        if let lon = PlainDecimal.parse(r.values[li]), let lat = PlainDecimal.parse(r.values[ai]),
          (-180...180).contains(lon), (-90...90).contains(lat)
        {
          if let locator, let inside = locator(lon, lat), !inside {
            d.error(
              "table.point-outside", "the point (lon, lat) lies in no unit",
              at: loc(r.line, "lon", text))
          }
        } else {
          d.error(
            "table.bad-coordinates", "lon and lat must be WGS 84 degrees",
            at: loc(r.line, "lon", text))
        }
      }
      if !located, codesUsable, let ci = t.fieldIndex(codeColumn), role != "names" {
        let code = r.values[ci]
        if code.isEmpty {
          d.error(
            "table.missing-value",
            spec.located
              ? "the row needs unit_code or lon and lat" : "unit_code is empty",
            at: loc(r.line, codeColumn))
        } else if units != nil, !unitCodes.contains(normalisedCode(code, code12: code12)) {
          d.error(
            "table.unknown-unit",
            "unit code \(code) is not in the unit layer or the townships and counties above it",
            at: loc(r.line, codeColumn, code))
        }
      }
      checkRoleValues(role, t, r, loc: loc)
    }
  }

  /// Sector, class and pollutant words.
  func checkRoleValues(
    _ role: String, _ t: Table, _ r: Table.Row,
    loc: (Int?, String?, String?) -> ProblemLocation
  ) {
    if role == "material_products" {
      if let si = t.fieldIndex("sector"), materialSectors[r.values[si]] == nil {
        d.error(
          "table.unknown-sector",
          "unknown sector; use one of: \(materialSectors.keys.sorted().joined(separator: ", "))",
          at: loc(r.line, "sector", r.values[si]))
      }
      if let ai = t.fieldIndex("allocate_to") {
        for w in r.values[ai].split(separator: ";") {
          let word = w.trimmingCharacters(in: .whitespaces).lowercased()
          if classWords[word] == nil {
            d.error(
              "table.unknown-class",
              "unknown class word; use: \(classWords.keys.sorted().joined(separator: ", "))",
              at: loc(r.line, "allocate_to", word))
          }
        }
      }
    }
    if role == "emissions", let pi = t.fieldIndex("pollutant") {
      let known = airPollutants + waterPollutants
      if !known.contains(r.values[pi].lowercased()) {
        d.error(
          "table.unknown-pollutant",
          "unknown pollutant; use one of: " + known.joined(separator: ", "),
          at: loc(r.line, "pollutant", r.values[pi]))
      }
    }
  }

  /// A function telling whether a WGS 84 point lies in a unit (nil when it cannot tell).
  func pointLocator() -> ((Double, Double) -> Bool?)? {
    guard let u = units, let g = grid,
      let t = try? CoordinateTransformation(from: try SpatialReference.wgs84(), to: g.crs)
    else { return nil }
    return { lon, lat in
      var x = [lon]
      var y = [lat]
      guard (try? t.transform(x: &x, y: &y)) != nil,
        let p = try? Geometry(wkt: "POINT (\(x[0]) \(y[0]))")
      else { return nil }
      return u.geometries.contains { !$0.isEmpty && $0.contains(p) }
    }
  }
}
