import Foundation
import GEPCore
import GEPGeo

/// Options of `gep export seea` (issue 24).
public struct SEEAExportOptions: Sendable {
  /// The output folder; nil: `<account folder>-seea` beside the account.
  public var output: String?
  /// The opening account folder (an earlier year): the extent table then gives opening,
  /// additions, reductions and closing.
  public var opening: String?
  /// The crosswalk file; nil: `seea_crosswalk.csv` in the account's coefficient folder, else
  /// in the folder above it (the repository's `coefficients/`).
  public var crosswalk: String?
  /// Replace an existing output folder gep wrote.
  public var overwrite: Bool
  /// Start CSV files with a UTF-8 byte-order mark.
  public var bom: Bool

  /// Options with defaults (output beside the account, one year, the default crosswalk).
  public init(
    output: String? = nil, opening: String? = nil, crosswalk: String? = nil,
    overwrite: Bool = false, bom: Bool = false
  ) {
    self.output = output
    self.opening = opening
    self.crosswalk = crosswalk
    self.overwrite = overwrite
    self.bom = bom
  }
}

/// What `gep export seea` wrote.
public struct SEEAExportResult: Sendable {
  /// The output folder.
  public var output: String
  /// The file names written, in order.
  public var files: [String]
  /// The basis of the extent change (two years), nil for one year.
  public var extentBasis: ExtentChangeBasis?
  /// Warnings (why the change is not gross, indicators missing from the crosswalk).
  public var warnings: [Problem]
}

/// `gep export seea OUT_DIR`: the SEEA Ecosystem Accounting tables (UN et al. 2021, SEEA EA,
/// white cover publication: ch. 4 ecosystem extent account, ch. 7 ecosystem services supply
/// and use tables, the services of ch. 6 Table 6.3) drawn from an account folder of
/// `gep compute`, for statistics offices (统计部门). Nothing is recomputed: the tables re-arrange
/// the account's summary.csv, indicators.csv and matrix.csv (`SEEATables`).
public enum SEEAExport {
  /// The file names, in the order written.
  public static let fileNames = [
    "seea_extent.csv", "seea_supply_physical.csv", "seea_supply_monetary.csv",
    "seea_use_physical.csv", "seea_use_monetary.csv", "seea_crosswalk.csv",
    "seea-manifest.json",
  ]

  /// Refuses a path that is not an account folder written by `gep compute`.
  ///
  /// - Throws: `InputProblems` ("export.not-gep-output") naming the folder and why.
  static func requireAccount(_ path: String, role: String) throws {
    var isDirectory: ObjCBool = false
    let url = URL(fileURLWithPath: path)
    func refuse(_ why: String) -> InputProblems {
      InputProblems(problems: [
        Problem(
          .error, "export.not-gep-output",
          "\(role) \(path) \(why): give the folder 'gep compute' wrote (with its "
            + "\(OutputFolder.markerName), summary.csv, indicators.csv, matrix.csv and "
            + "manifest.json)",
          at: ProblemLocation(file: path))
      ])
    }
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw refuse("does not exist")
    }
    guard isDirectory.boolValue else { throw refuse("is a file, not an account folder") }
    guard let listed = OutputFolder.readMarker(url) else {
      throw refuse("is not an account folder written by gep (no valid marker)")
    }
    let missing = ["summary.csv", "indicators.csv", "matrix.csv", "manifest.json"].filter {
      !listed.contains($0)
        || !FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path)
    }
    if !missing.isEmpty {
      throw refuse(
        "is a gep output but not an account of gep compute (it lacks "
          + missing.joined(separator: ", ") + ")")
    }
  }

  /// The crosswalk file to use: the option, else `seea_crosswalk.csv` in the account's
  /// coefficient folder, else in its parent.
  ///
  /// - Throws: `InputProblems` ("seea.crosswalk") naming the paths tried.
  static func crosswalkPath(_ option: String?, coefficients: String) throws -> String {
    if let option { return option }
    let set = URL(fileURLWithPath: coefficients)
    let tried = [
      set.appendingPathComponent("seea_crosswalk.csv").path,
      set.deletingLastPathComponent().appendingPathComponent("seea_crosswalk.csv").path,
    ]
    if let found = tried.first(where: { FileManager.default.fileExists(atPath: $0) }) {
      return found
    }
    throw InputProblems(problems: [
      Problem(
        .error, "seea.crosswalk",
        "no SEEA crosswalk found (tried " + tried.joined(separator: ", ")
          + "); give one with --crosswalk FILE (the repository's coefficients/seea_crosswalk.csv)",
        at: ProblemLocation(file: tried[0]))
    ])
  }

  /// The class-transition matrix of two accounts when both share one grid and one unit layer
  /// and their land-use rasters are still the files they read, else why not.
  static func transitions(_ a: AccountSnapshot, _ b: AccountSnapshot) throws -> Result<
    TransitionMatrix, CompareJob.Reason
  > {
    switch CompareJob.runConfigurations(a, b) {
    case .failure(let why): return .failure(why)
    case .success(let (ca, cb)):
      if let why = TransitionMatrix.incompatibility(ca, cb) {
        return .failure(CompareJob.Reason(description: why))
      }
      return .success(try TransitionMatrix.compute(ca, cb))
    }
  }

  /// Writes the SEEA tables of an account folder (and, with `options.opening`, its extent
  /// change from the opening account) into a new output folder, atomically (`OutputFolder`:
  /// complete or absent; an existing folder is replaced only with `overwrite` and only when
  /// gep wrote it).
  ///
  /// - Returns: the folder, the files, the extent basis and the warnings.
  /// - Throws: `InputProblems`: "export.not-gep-output" (a folder that is not an account of
  ///   gep compute), "export.output-inside" (the output inside an account folder),
  ///   "seea.crosswalk" (crosswalk missing or malformed), the `AccountSnapshot.read` and
  ///   `OutputFolder` errors ("output.exists", "output.not-gep-output", …).
  public static func run(account: String, options: SEEAExportOptions) throws -> SEEAExportResult {
    try requireAccount(account, role: "the account folder")
    if let o = options.opening { try requireAccount(o, role: "the opening account folder") }
    let closing = try AccountSnapshot.read(folder: account)
    var opening = try options.opening.map { try AccountSnapshot.read(folder: $0) }
    var closingSnap = closing
    if let o = opening, o.year > closing.year {
      // Given the other way round: the earlier year opens.
      opening = closing
      closingSnap = o
    }
    let accountURL = URL(fileURLWithPath: closing.folder)
    let outPath =
      options.output
      ?? accountURL.deletingLastPathComponent().appendingPathComponent(
        accountURL.lastPathComponent + "-seea"
      ).path
    let outCanonical = URL(fileURLWithPath: outPath).standardizedFileURL.path
    for folder in [closing.folder] + (opening.map { [$0.folder] } ?? []) {
      if outCanonical == folder || outCanonical.hasPrefix(folder + "/") {
        throw InputProblems(problems: [
          Problem(
            .error, "export.output-inside",
            "the output \(outPath) lies inside the account folder \(folder): an account "
              + "folder holds only what gep compute wrote; choose another --out",
            at: ProblemLocation(file: outPath))
        ])
      }
    }
    let crosswalk = try SEEACrosswalk.load(
      path: try crosswalkPath(options.crosswalk, coefficients: closingSnap.coefficientsFolder))
    var warnings: [Problem] = []
    var missing: [String] = []
    for s in [closingSnap] + (opening.map { [$0] } ?? []) {
      for l in s.units.first?.lines ?? [] where crosswalk.row(l.indicator) == nil {
        if !missing.contains(l.indicator) { missing.append(l.indicator) }
      }
    }
    if !missing.isEmpty {
      warnings.append(
        Problem(
          .warning, "seea.not-in-crosswalk",
          "indicators not in the SEEA crosswalk (their rows carry no SEEA service and are used "
            + "by 'unassigned'): " + missing.joined(separator: ", "),
          at: ProblemLocation(file: crosswalk.path)))
    }
    var names = SEEATables.typeNames(closingSnap)
    var matrix: TransitionMatrix? = nil
    var basis: ExtentChangeBasis? = nil
    if let opening {
      for (k, v) in SEEATables.typeNames(opening) where names[k] == nil { names[k] = v }
      switch try transitions(opening, closingSnap) {
      case .success(let m):
        matrix = m
        basis = .transitions
      case .failure(let why):
        basis = .unitNetChange
        warnings.append(
          Problem(
            .warning, "seea.extent-not-gross",
            "the extent change is not gross: \(why); additions and reductions are the sums of "
              + "the finest units' net changes (columns unit_net_additions_km2, "
              + "unit_net_reductions_km2)",
            at: ProblemLocation(file: closingSnap.folder)))
      }
    }
    let bom = options.bom
    let extent =
      opening.map {
        SEEATables.extentChangeCSV(
          opening: $0, closing: closingSnap, transitions: matrix, names: names, bom: bom)
      } ?? SEEATables.extentCSV(closingSnap, names: names, bom: bom)
    let texts: [(String, String)] = [
      ("seea_extent.csv", extent),
      (
        "seea_supply_physical.csv",
        SEEATables.supplyCSV(closingSnap, crosswalk: crosswalk, physical: true, bom: bom)
      ),
      (
        "seea_supply_monetary.csv",
        SEEATables.supplyCSV(closingSnap, crosswalk: crosswalk, physical: false, bom: bom)
      ),
      (
        "seea_use_physical.csv",
        SEEATables.useCSV(closingSnap, crosswalk: crosswalk, physical: true, bom: bom)
      ),
      (
        "seea_use_monetary.csv",
        SEEATables.useCSV(closingSnap, crosswalk: crosswalk, physical: false, bom: bom)
      ),
    ]
    let crosswalkBytes = FileManager.default.contents(atPath: crosswalk.path) ?? Data()
    let folder = try OutputFolder(
      path: outPath, overwrite: options.overwrite,
      inputs: [closingSnap.folder, crosswalk.path] + (opening.map { [$0.folder] } ?? []))
    do {
      for (name, text) in texts { try Data(text.utf8).write(to: folder.file(name)) }
      try crosswalkBytes.write(to: folder.file("seea_crosswalk.csv"))
      try Data(
        manifest(
          closing: closingSnap, opening: opening, crosswalk: crosswalk.path, basis: basis,
          warnings: warnings, staging: folder.staging
        ).utf8
      ).write(to: folder.file("seea-manifest.json"))
      try folder.commit()
    } catch {
      folder.discard()
      throw error
    }
    return SEEAExportResult(
      output: folder.destination.path, files: fileNames, extentBasis: basis, warnings: warnings)
  }

  /// `seea-manifest.json`: the schema, engine, the account folders read (year and their
  /// manifests' `outputs_sha256`), the crosswalk (path and SHA-256), the extent basis, the
  /// warnings and the SHA-256 of every table written.
  static func manifest(
    closing: AccountSnapshot, opening: AccountSnapshot?, crosswalk: String,
    basis: ExtentChangeBasis?, warnings: [Problem], staging: URL
  ) throws -> String {
    func recorded(_ s: AccountSnapshot) -> String {
      let url = URL(fileURLWithPath: s.folder).appendingPathComponent("manifest.json")
      let json =
        (FileManager.default.contents(atPath: url.path)).flatMap {
          try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
        } ?? [:]
      let hash = json["outputs_sha256"] as? String ?? ""
      return "{\"folder\": \(jsonString(s.folder)), \"year\": \(s.year), "
        + "\"outputs_sha256\": \(jsonString(hash))}"
    }
    let outputs = try outputFileHashes(staging).map {
      "    {\"path\": \(jsonString($0.path)), \"bytes\": \($0.bytes), \"sha256\": "
        + "\(jsonString($0.sha256))}"
    }
    var lines = [
      "  \"schema\": \"gep-seea/1\"",
      "  \"engine\": \(jsonString(gepEngineVersion))",
      "  \"reference\": \(jsonString("United Nations et al. (2021). System of Environmental-Economic Accounting—Ecosystem Accounting (SEEA EA). White cover publication: ch. 4 extent, ch. 6 Table 6.3 services, ch. 7 supply and use"))",
      "  \"account\": \(recorded(closing))",
    ]
    if let opening { lines.append("  \"opening\": \(recorded(opening))") }
    lines.append(
      "  \"crosswalk\": {\"path\": \(jsonString(crosswalk)), \"sha256\": "
        + "\(jsonString((try? sha256Hex(path: crosswalk)) ?? ""))}")
    lines.append("  \"extent_basis\": " + (basis.map { jsonString($0.rawValue) } ?? "null"))
    lines.append(
      "  \"warnings\": ["
        + warnings.map {
          "{\"code\": \(jsonString($0.code)), \"message\": \(jsonString($0.message))}"
        }
        .joined(separator: ", ") + "]")
    lines.append("  \"outputs\": [\n" + outputs.joined(separator: ",\n") + "\n  ]")
    return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
  }
}
