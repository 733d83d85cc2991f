import Foundation
import GEPCore
import GEPGeo
import Synchronization

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
    let profileIDs = Set(check.set.profile.indicators.map(\.id))
    for (id, _) in config.notApplicable.sorted(by: { $0.key < $1.key })
    where !profileIDs.contains(id) {
      let near = profileIDs.min { editDistance($0, id) < editDistance($1, id) } ?? ""
      d.error(
        "run-file.unknown-indicator",
        "\(id) is not an indicator of the profile \(config.profile)"
          + (near.isEmpty ? "" : "; did you mean \(near)?"),
        at: ProblemLocation(file: config.runFile, field: "not_applicable.\(id)", value: id))
    }
    for p in options.registry.problems(of: check.set.profile) {
      // An indicator the region declares not applicable is not computed: no warning that the
      // engine lacks its method (an error in its profile row still stands).
      let row = check.set.profile.indicators.first {
        $0.provenance.location.row == p.location.row
      }
      if p.severity != .error, let row, config.notApplicable[row.id] != nil { continue }
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
        file: config.coefficientsFolder, registry: options.registry,
        rasterUnits: config.rasterUnits, year: config.year,
        notApplicable: Set(config.notApplicable.keys))
      for n in model.notes where n.code == "indicator.missing-input" {
        d.warning(n.code, n.message, at: n.location)
      }
      // A raster no selected method reads (the DEM counts when the slope is made from it).
      var read = Set(model.roles.map(\.rawValue))
      if model.roles.contains(.slope) { read.insert("dem") }
      for name in config.rasters.keys.sorted() where !read.contains(name) {
        d.warning(
          "raster.unused",
          "\(name) is given but no method of the profile reads it (it is still checked)",
          at: ProblemLocation(file: config.runFile, field: "rasters.\(name)"))
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
}
