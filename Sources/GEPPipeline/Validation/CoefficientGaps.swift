import Foundation
import GEPCore
import GEPGeo

/// One value a run would lack, or take from a weak or out-of-region source: the checklist of
/// what a region must supply (`gep coefficients gaps RUN_FILE`).
///
/// What an indicator reads is taken from the profile's `class_parameters`, `parameters` and
/// `price_ids` columns (GEP-METHODS §12.1); only indicators this version computes
/// (`MethodRegistry.builtIn`) are checked. Source: issue 13.
public struct CoefficientGap: Sendable, Hashable {
  /// How the value falls short.
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// No row for the class (nor its level-1 parent), or no parameter/price row.
    case missing
    /// A row exists but its value is empty (documented gap).
    case empty
    /// The value's confidence is `placeholder`.
    case placeholder
    /// The value comes from a regional study of another region (not the set's manifest
    /// `region`) or is an international default: usable, but not measured for this region.
    case outOfRegion = "out-of-region"

    /// True for kinds that leave the run without a defensible value (missing, empty,
    /// placeholder); `outOfRegion` is a note, not a gap.
    public var isGap: Bool { self != .outOfRegion }
  }

  /// Indicator that reads the value.
  public var indicatorID: String
  /// What is read: `table.parameter` (alternatives joined with `|`), `parameter <id>` or
  /// `price <id>`.
  public var requirement: String
  /// Ecosystem class for per-class values, `nil` for parameters and prices.
  public var classCode: Int?
  /// Land-use codes of the run (present in the raster) that map to `classCode`; for
  /// parameters and prices every code the indicator is computed on.
  public var lulcCodes: [Int]
  /// Share (0…1) of the run's land area (cells with a land-use code in the account) that the
  /// value affects.
  public var areaShare: Double
  /// Missing, empty, placeholder or out-of-region.
  public var kind: Kind
  /// Confidence, region and source of the value used (empty for missing values).
  public var detail: String
  /// Row the value comes from, if any.
  public var location: CoefficientLocation?
  /// True if the indicator is optional in the profile (applies to some regions only).
  public var optionalIndicator: Bool
}

/// The gaps of one run: every shortfall plus the land-use codes found.
public struct CoefficientGapReport: Sendable, Hashable {
  /// Shortfalls in profile order (indicator, then requirement, then class).
  public var gaps: [CoefficientGap]
  /// Land area (m²) by land-use code present in the raster.
  public var areaByCode: [Int: Double]
  /// Codes present in the raster that the crosswalk maps to no class (outside the account, or
  /// not in the crosswalk at all).
  public var unmappedCodes: [Int]
  /// Profile indicators this version does not compute (not checked).
  public var notComputed: [String]
  /// Profile indicators the run declares not applicable to its region (`[not_applicable]`;
  /// not checked).
  public var declaredNotApplicable: [String] = []

  /// Gaps proper (missing, empty, placeholder), without out-of-region notes.
  public var strictGaps: [CoefficientGap] { gaps.filter { $0.kind.isGap } }
}

/// Lists what a run's coefficient set lacks for the land-use codes present. Source: issue 13.
public enum CoefficientGaps {
  /// The shortfalls of `set` for a land-use area table (pure; no GDAL).
  ///
  /// - Parameters:
  ///   - set: the coefficient set of the run (a region set already merged with its base).
  ///   - scheme: land-use scheme (`crosswalk_<scheme>.csv`).
  ///   - areaByCode: land area (m², or any area unit) by land-use code present in the run.
  ///   - implemented: indicators computed by this version (default: those of
  ///     `MethodRegistry.builtIn`).
  ///   - notApplicable: indicators the run declares not applicable (not checked).
  /// - Returns: the report. A regional-study value is out of region unless its `region` equals
  ///   the set's manifest `region`; an international default is always out of region.
  public static func analyse(
    set: CoefficientSet, scheme: String, areaByCode: [Int: Double],
    implemented: Set<String> = Set(MethodRegistry.builtIn.descriptors.map(\.indicator)),
    notApplicable: Set<String> = []
  ) -> CoefficientGapReport {
    let setRegion = set.manifest["region"] ?? ""
    var classOf: [Int: Int] = [:]
    var unmapped: [Int] = []
    for code in areaByCode.keys.sorted() {
      if let c = set.ecosystemClass(lulcCode: code, scheme: scheme) {
        classOf[code] = c
      } else {
        unmapped.append(code)
      }
    }
    let accountArea = classOf.keys.reduce(0.0) { $0 + (areaByCode[$1] ?? 0) }
    func share(_ codes: [Int]) -> Double {
      accountArea > 0 ? codes.reduce(0.0) { $0 + (areaByCode[$1] ?? 0) } / accountArea : 0
    }
    func weakness(_ provenance: CoefficientProvenance) -> CoefficientGap.Kind? {
      switch provenance.valueConfidence {
      case .placeholder, nil: return .placeholder
      case .internationalDefault: return .outOfRegion
      case .regionalStudy:
        return !setRegion.isEmpty && provenance.region == setRegion ? nil : .outOfRegion
      default: return nil
      }
    }
    func detail(_ provenance: CoefficientProvenance) -> String {
      let level = provenance.valueConfidence?.rawValue ?? "?"
      let region = provenance.region.isEmpty ? "" : ", \(provenance.region)"
      return "\(level)\(region): \(provenance.source)"
    }
    var gaps: [CoefficientGap] = []
    var notComputed: [String] = []
    let classes = Set(classOf.values).sorted()
    var declared: [String] = []
    for indicator in set.profile.indicators {
      if notApplicable.contains(indicator.id) {
        declared.append(indicator.id)
        continue
      }
      guard implemented.contains(indicator.id) else {
        notComputed.append(indicator.id)
        continue
      }
      var appliesTo = Set(classes)
      for group in indicator.classParameters {
        for code in classes {
          let codes = classOf.keys.filter { classOf[$0] == code }.sorted()
          let outcome = resolve(set: set, group: group, classCode: code)
          let requirement = group.map(\.description).joined(separator: "|")
          func add(_ kind: CoefficientGap.Kind, _ text: String, _ at: CoefficientLocation?) {
            gaps.append(
              CoefficientGap(
                indicatorID: indicator.id, requirement: requirement, classCode: code,
                lulcCodes: codes, areaShare: share(codes), kind: kind, detail: text, location: at,
                optionalIndicator: indicator.optional))
          }
          switch outcome {
          case .notApplicable: appliesTo.remove(code)
          case .missing: add(.missing, "", nil)
          case .empty(let row): add(.empty, row.provenance.note, row.provenance.location)
          case .rows(let rows):
            // The weakest of the rows used (several for slope-conditional values).
            let weakest = rows.compactMap { row in weakness(row.provenance).map { ($0, row) } }
              .sorted { a, b in a.0.isGap && !b.0.isGap }.first
            if let (kind, row) = weakest {
              add(kind, detail(row.provenance), row.provenance.location)
            }
          }
        }
      }
      let scalarCodes = classOf.keys.filter { appliesTo.contains(classOf[$0]!) }.sorted()
      func scalar(_ requirement: String, _ value: Double?, _ provenance: CoefficientProvenance?) {
        let kind: CoefficientGap.Kind?
        if provenance == nil {
          kind = .missing
        } else if value == nil {
          kind = .empty
        } else {
          kind = weakness(provenance!)
        }
        guard let kind else { return }
        gaps.append(
          CoefficientGap(
            indicatorID: indicator.id, requirement: requirement, classCode: nil,
            lulcCodes: scalarCodes, areaShare: share(scalarCodes), kind: kind,
            detail: provenance.map { kind == .empty ? $0.note : detail($0) } ?? "",
            location: provenance?.location, optionalIndicator: indicator.optional))
      }
      for id in indicator.parameters {
        let p = set.parameters[id]
        scalar("parameter \(id)", p?.value, p?.provenance)
      }
      if !indicator.pricesFromInput {
        for id in indicator.priceIDs {
          let p = set.prices[id]
          scalar("price \(id)", p?.value, p?.provenance)
        }
      }
    }
    var report = CoefficientGapReport(
      gaps: gaps, areaByCode: areaByCode, unmappedCodes: unmapped, notComputed: notComputed)
    report.declaredNotApplicable = declared
    return report
  }

  /// What a class gets for one requirement group (`a.x|b.y`: the first alternative with
  /// values wins).
  enum Outcome {
    case notApplicable
    case missing
    case empty(ClassCoefficient)
    case rows([ClassCoefficient])
  }

  /// Resolves a group for a class with the level-2 → level-1 fallback of
  /// `CoefficientSet.classCoefficient`, keeping every row with a value (slope-conditional rows
  /// all count, since the run's slopes are not known here).
  static func resolve(set: CoefficientSet, group: [ClassParameterReference], classCode: Int)
    -> Outcome
  {
    var firstEmpty: ClassCoefficient?
    for reference in group {
      guard let table = set.classTables[reference.table] else { continue }
      for code in set.classChain(classCode) {
        if let mask = table.rows(classCode: code, parameter: "applies").first, mask.value == 0 {
          return .notApplicable
        }
        let rows = table.rows(classCode: code, parameter: reference.parameter)
        guard !rows.isEmpty else { continue }
        let filled = rows.filter { $0.value != nil }
        if !filled.isEmpty { return .rows(filled) }
        firstEmpty = firstEmpty ?? rows.first
        break
      }
    }
    if let firstEmpty { return .empty(firstEmpty) }
    return .missing
  }

  /// Land area (m²) by land-use code of a raster band, with true cell areas
  /// (`cellAreasPerRow`); nodata cells are skipped; values must be integers.
  ///
  /// - Throws: `GDALError` when the raster cannot be read or has a rotated grid.
  public static func landUseAreas(path: String, band index: Int = 1) throws -> [Int: Double] {
    let dataset = try RasterDataset(path: path)
    let grid = try dataset.grid()
    let band = try dataset.band(index)
    let areas = try cellAreasPerRow(grid)
    var result: [Int: Double] = [:]
    var values = [Double](repeating: 0, count: grid.width)
    var valid = [Bool](repeating: false, count: grid.width)
    for row in 0..<grid.height {
      try band.readMasked(
        RasterWindow(colOffset: 0, rowOffset: row, width: grid.width, height: 1), values: &values,
        valid: &valid)
      for col in 0..<grid.width where valid[col] {
        let v = values[col]
        guard v.rounded() == v, abs(v) < 1e9 else { continue }
        result[Int(v), default: 0] += areas[row]
      }
    }
    return result
  }

  /// Reads a run file, its coefficient set and land-use raster, and lists the gaps.
  ///
  /// - Throws: `InputProblems` for a bad run file, `CoefficientError` for a coefficient set with
  ///   errors, `GDALError` for an unreadable raster.
  public static func run(runFile: String) throws -> (CoefficientGapReport, CoefficientSet) {
    let configuration = try RunConfiguration.load(path: runFile)
    let set = try CoefficientSet.load(
      from: URL(fileURLWithPath: configuration.coefficientsFolder))
    let areas = try landUseAreas(
      path: configuration.landUse.path, band: configuration.landUse.band)
    return (
      analyse(
        set: set, scheme: configuration.landUseScheme, areaByCode: areas,
        notApplicable: Set(configuration.notApplicable.keys)), set
    )
  }

  /// The report as text: one line per shortfall (indicator, requirement, class and codes, kind,
  /// share of land area, source), then the unmapped codes and indicators not computed.
  public static func text(_ report: CoefficientGapReport, set: CoefficientSet, gapsOnly: Bool)
    -> String
  {
    var lines: [String] = []
    let shown = gapsOnly ? report.strictGaps : report.gaps
    for gap in shown {
      let cls =
        gap.classCode.map { c in
          "class \(c) \(set.ecosystemClasses[c]?.nameEN ?? "?") (codes "
            + gap.lulcCodes.map(String.init).joined(separator: ",") + ")"
        } ?? "all classes"
      let percent = String(format: "%.1f%%", gap.areaShare * 100)
      let optional = gap.optionalIndicator ? " [optional indicator]" : ""
      let at = gap.location.map { " at \($0.file):\($0.row ?? 0)" } ?? ""
      let detail = gap.detail.isEmpty ? "" : " — \(gap.detail)"
      lines.append(
        "\(gap.kind.rawValue): \(gap.indicatorID) \(gap.requirement), \(cls), \(percent) of land"
          + " area\(optional)\(at)\(detail)")
    }
    if !report.unmappedCodes.isEmpty {
      lines.append(
        "land-use codes outside the account (no class in the crosswalk): "
          + report.unmappedCodes.map(String.init).joined(separator: ", "))
    }
    if !report.declaredNotApplicable.isEmpty {
      lines.append(
        "declared not applicable in the run file (not checked): "
          + report.declaredNotApplicable.joined(separator: ", "))
    }
    if !report.notComputed.isEmpty {
      lines.append(
        "not computed by this version (not checked): "
          + report.notComputed.joined(separator: ", "))
    }
    let strict = report.strictGaps.count
    lines.append(
      "\(strict) gaps (missing, empty or placeholder), "
        + "\(report.gaps.count - strict) out-of-region values")
    return lines.joined(separator: "\n")
  }
}
