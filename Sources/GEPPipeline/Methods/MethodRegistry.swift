import GEPCore

/// The methods this version of the engine implements: one descriptor per (indicator, method).
/// `gep validate`, `gep compute`, `gep vep`, `gep profiles` and `gep coefficients check` compare
/// a profile against it (`problems(of:)`), and the cell pass binds the profile's per-cell
/// methods from it (`CellModel.build`). A test or a program may extend it with its own
/// descriptors (`MethodRegistry(descriptors:)`).
///
/// Source: the profile's `method` column (GEP-METHODS §4–§6); ARCHITECTURE.md (registry).
public struct MethodRegistry: Sendable {
  /// The descriptors, in registry order.
  public let descriptors: [MethodDescriptor]

  /// A registry of `descriptors`.
  ///
  /// - Precondition: no two descriptors share (indicator, method).
  public init(descriptors: [MethodDescriptor]) {
    var seen = Set<String>()
    for d in descriptors {
      precondition(seen.insert("\(d.indicator)/\(d.method)").inserted, "duplicate \(d.method)")
    }
    self.descriptors = descriptors
  }

  /// The methods of this version of gep.
  public static let builtIn = MethodRegistry(
    descriptors: materialMarketValue + materialNetOutput + [
      waterConservationWaterBalance
    ] + soilConservationRUSLE + sandFixationRWEQ + [
      carbonSequestrationRate, carbonSequestrationNEPMethod, oxygenReleaseRate,
      climateRegulationEPP, airPurificationCapacity,
      waterPurificationCapacity, floodRegulationWetlandStorage, recreationTravelCost,
      landscapeHedonic,
    ])

  /// The same registry with `more` descriptors added (e.g. a test's own indicator).
  public func adding(_ more: [MethodDescriptor]) -> MethodRegistry {
    MethodRegistry(descriptors: descriptors + more)
  }

  /// Indicator ids of GEP profiles that this version does not compute by any method but that a
  /// profile may list (reported as not computed): the national list's coastal protection, and
  /// the items of other guides (GEP-METHODS §2.2, §6.2: species conservation, negative air
  /// ions, pest control, water supply, noise reduction).
  public static let knownUnimplemented: Set<String> = [
    "coastal_protection", "species_conservation",
    "negative_air_ions", "pest_control", "water_supply", "noise_reduction",
  ]

  /// The descriptor of an indicator's method, or nil.
  public func descriptor(indicator: String, method: String) -> MethodDescriptor? {
    descriptors.first { $0.indicator == indicator && $0.method == method }
  }

  /// The methods implemented for an indicator, in registry order.
  public func methods(of indicator: String) -> [MethodDescriptor] {
    descriptors.filter { $0.indicator == indicator }
  }

  /// The profile compared with the registry:
  /// - error `profile.method-not-implemented`: the selected method is not implemented for an
  ///   indicator the engine computes by other methods (naming them);
  /// - warning `profile.indicator-not-implemented` (`indicator.not-implemented` in validation):
  ///   no method of a known indicator is implemented (it is reported as not computed, never 0);
  /// - error `profile.indicator-unknown`: an indicator id neither implemented nor listed in
  ///   `knownUnimplemented` (a misspelling), with the nearest known id;
  /// - error `profile.input-not-read`: the profile declares an input (class parameter,
  ///   parameter, price, raster, table) that the selected method does not read — so the
  ///   profile and the code cannot diverge silently.
  ///
  /// - Parameter profile: the profile of a coefficient folder.
  /// - Returns: the problems, located at `profile.csv`, the indicator's row and column.
  public func problems(of profile: StandardProfile) -> [CoefficientProblem] {
    var out: [CoefficientProblem] = []
    for p in profile.indicators {
      let row = p.provenance.location.row
      let methods = self.methods(of: p.id)
      if methods.isEmpty && !Self.knownUnimplemented.contains(p.id) {
        // A misspelt id would otherwise pass as "not implemented".
        let known = Set(descriptors.map(\.indicator)).union(Self.knownUnimplemented)
        let near = known.min { editDistance($0, p.id) < editDistance($1, p.id) } ?? ""
        out.append(
          CoefficientProblem(
            .error, .profileIndicatorUnknown,
            "\(p.id) is not an indicator this version of gep knows"
              + (editDistance(near, p.id) <= 3 ? " (did you mean \(near)?)" : "")
              + "; known: " + known.sorted().joined(separator: ", "),
            at: CoefficientLocation(
              file: "profile.csv", row: row, column: "indicator_id", value: p.id)))
        continue
      }
      guard !methods.isEmpty else {
        out.append(
          CoefficientProblem(
            .warning, .profileIndicatorNotImplemented,
            "\(p.id) (\(p.nameZH)) is not computed by this version of gep (no method "
              + "implemented); it is reported as not computed",
            at: CoefficientLocation(
              file: "profile.csv", row: row, column: "method", value: p.method)))
        continue
      }
      guard let d = methods.first(where: { $0.method == p.method }) else {
        out.append(
          CoefficientProblem(
            .error, .profileMethodNotImplemented,
            "method \(p.method) of \(p.id) is not implemented in this version of gep; "
              + "implemented: " + methods.map(\.method).sorted().joined(separator: ", "),
            at: CoefficientLocation(
              file: "profile.csv", row: row, column: "method", value: p.method)))
        continue
      }
      func notRead(_ column: String, _ declared: [String], _ read: Set<String>) {
        for item in declared where !read.contains(item) {
          out.append(
            CoefficientProblem(
              .error, .profileInputNotRead,
              "\(p.id) declares \(item) in \(column), but method \(p.method) does not read it "
                + "(it reads: "
                + (read.isEmpty
                  ? "nothing from this column" : read.sorted().joined(separator: ", "))
                + "); remove it from profile.csv or select a method that uses it",
              at: CoefficientLocation(file: "profile.csv", row: row, column: column, value: item)))
        }
      }
      notRead(
        "class_parameters", p.classParameters.flatMap { $0.map(\.description) },
        Set(d.classParameters))
      notRead("parameters", p.parameters, Set(d.parameters.map(\.id)))
      notRead("price_ids", p.priceIDs, Set(d.prices))
      notRead(
        "required_spatial", p.requiredSpatial.filter { $0 != "lulc" },
        Set(d.rasters.map(\.role.rawValue)))
      notRead("required_tables", p.requiredTables, Set(d.tables))
    }
    return out
  }
}

/// Levenshtein distance of two ids (for "did you mean" hints).
func editDistance(_ a: String, _ b: String) -> Int {
  let x = Array(a.utf8)
  let y = Array(b.utf8)
  var previous = Array(0...y.count)
  for i in 1...max(1, x.count) where !x.isEmpty {
    var current = [i] + [Int](repeating: 0, count: y.count)
    for j in 1...max(1, y.count) where !y.isEmpty {
      current[j] = min(
        previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return x.isEmpty ? y.count : previous[y.count]
}
