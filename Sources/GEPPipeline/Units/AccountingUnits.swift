import GEPGeo

/// The level of an accounting unit (核算单元层级).
public enum UnitLevel: String, Sendable, Codable, CaseIterable, Comparable {
  /// County (县).
  case county
  /// Township (乡镇).
  case township
  /// Village (村), the finest level, rasterized onto the grid.
  case village

  var rank: Int {
    switch self {
    case .county: return 0
    case .township: return 1
    case .village: return 2
    }
  }

  /// Counties sort before townships before villages.
  public static func < (a: UnitLevel, b: UnitLevel) -> Bool { a.rank < b.rank }
}

/// One accounting unit (核算单元) of the account.
public struct AccountingUnit: Sendable, Hashable {
  /// The unit's code (12-digit statistical code for the code12 hierarchy).
  public var code: String
  /// The unit's name.
  public var name: String
  /// Its level.
  public var level: UnitLevel
  /// The parent unit's code, nil for the top.
  public var parentCode: String?
}

/// The finest units (villages) with their geometries in the grid CRS, and the hierarchy above.
///
/// Villages are sorted by code; a village's zone index is its position in `villages`. The
/// hierarchy lists every unit once: counties, townships and villages, sorted by level then code.
public struct UnitSet {
  /// The finest units, sorted by code.
  public var villages: [AccountingUnit]
  /// Their geometries in the grid CRS (same order).
  public var geometries: [Geometry]
  /// Every unit of every level, sorted by level then code.
  public var all: [AccountingUnit]
  /// The vector layer's CRS.
  public var layerCRS: SpatialReference

  /// Every unit by code (built once at load; the first of a duplicated code).
  public var byCode: [String: AccountingUnit] = [:]

  /// The parent chain of a village zone index: [village, township, county] codes. O(levels):
  /// the code index is built once (a dictionary per call made 40 000 units take minutes).
  public func chain(ofVillage index: Int) -> [String] {
    var codes = [villages[index].code]
    var parent = villages[index].parentCode
    var guardCount = 0
    while let p = parent, let u = byCode[p], guardCount < 16 {
      guardCount += 1
      codes.append(u.code)
      parent = u.parentCode
    }
    return codes
  }

  /// Loads the unit layer, checks codes and geometries, builds the hierarchy, and transforms
  /// the geometries to `grid.crs`.
  ///
  /// Checks (all reported at once in `diagnostics`): missing fields, empty or missing codes,
  /// duplicate codes, codes that break the 12-digit hierarchy, empty geometries, invalid
  /// geometries (repaired with make-valid and reported as warnings), a layer without CRS.
  ///
  /// - Throws: `InputProblems` when an error was found; `GDALError` when the file can't be read.
  public static func load(
    _ input: UnitsInput, grid: Grid, diagnostics d: inout Diagnostics
  ) throws -> UnitSet {
    let file = input.path
    let ds = try VectorDataset(path: input.path)
    let layer = try input.layer.map { try ds.layer(named: $0) } ?? ds.layer(0)
    let fieldNames = Set(layer.fields.map(\.name))
    var required = [input.codeField, input.nameField]
    // A township layer names only its county field, a county layer none.
    if case .parentFields(let t, let c) = input.hierarchy {
      required += [t, c].filter { !$0.isEmpty }
    }
    var missingField = false
    for f in required where !fieldNames.contains(f) {
      d.error(
        "units.missing-field",
        "the unit layer has no field \"\(f)\"; it has: \(layer.fields.map(\.name).joined(separator: ", "))",
        at: ProblemLocation(file: file, layer: layer.name, field: f))
      missingField = true
    }
    guard let crs = try layer.spatialReference() else {
      d.error(
        "units.no-crs", "the unit layer declares no coordinate reference system",
        at: ProblemLocation(file: file, layer: layer.name))
      throw InputProblems(problems: d.problems)
    }
    if missingField { throw InputProblems(problems: d.problems) }
    let toGrid = try CoordinateTransformation(from: crs, to: grid.crs)
    var villages: [(AccountingUnit, Geometry)] = []
    var seen: [String: Int64] = [:]
    var townships: [String: (name: String?, parent: String)] = [:]
    var counties: Set<String> = []
    for f in try layer.features() {
      let code = f.attributes[input.codeField]?.description ?? ""
      let name = f.attributes[input.nameField]?.description ?? ""
      let loc = ProblemLocation(
        file: file, layer: layer.name, row: Int(f.fid), field: input.codeField, value: code)
      if code.isEmpty {
        d.error("units.empty-code", "a unit has no code", at: loc)
        continue
      }
      if let other = seen[code] {
        d.error(
          "units.duplicate-code", "the code is used by features \(other) and \(f.fid)", at: loc)
        continue
      }
      seen[code] = f.fid
      let finest = input.finestLevel
      var parent: String?
      switch input.hierarchy {
      case .statisticalCode12:
        let zeros = finest == .county ? 6 : (finest == .township ? 3 : 0)
        let digits = code.count == 12 && code.allSatisfy { $0.isASCII && $0.isNumber }
        let tail = code.suffix(zeros)
        let rest = code.dropFirst(12 - zeros - 3).prefix(3)
        guard digits, tail.allSatisfy({ $0 == "0" }), finest == .village || rest != "000" else {
          d.error(
            "units.bad-code12",
            "hierarchy = \"code12\" needs 12-digit statistical area codes (6 county + 3 township "
              + "+ 3 village)"
              + (finest == .village
                ? ""
                : "; a \(finest.rawValue) code ends in "
                  + "\(String(repeating: "0", count: zeros)) (finest_level = \"\(finest.rawValue)\")"),
            at: loc)
          continue
        }
        let county = String(code.prefix(6)) + "000000"
        switch finest {
        case .village:
          parent = String(code.prefix(9)) + "000"
          townships[parent!] = (nil, county)
          counties.insert(county)
        case .township:
          parent = county
          counties.insert(county)
        case .county:
          parent = nil
        }
      case .parentFields(let tf, let cf):
        let township = tf.isEmpty ? "" : f.attributes[tf]?.description ?? ""
        let county = cf.isEmpty ? "" : f.attributes[cf]?.description ?? ""
        switch finest {
        case .village:
          if township.isEmpty || county.isEmpty {
            d.error("units.missing-parent", "the unit has no township or county code", at: loc)
            continue
          }
          parent = township
          if let known = townships[township], known.parent != county {
            d.error(
              "units.hierarchy-conflict",
              "township \(township) is placed in county \(county) here and in county "
                + "\(known.parent) by another unit",
              at: loc)
          }
          townships[township] = (nil, county)
          counties.insert(county)
        case .township:
          if county.isEmpty {
            d.error("units.missing-parent", "the township has no county code", at: loc)
            continue
          }
          parent = county
          counties.insert(county)
        case .county:
          parent = nil
        }
      }
      guard var g = f.geometry, !g.isEmpty else {
        d.error("units.empty-geometry", "the unit has no geometry; it still gets a row", at: loc)
        villages.append(
          (
            AccountingUnit(code: code, name: name, level: finest, parentCode: parent),
            try Geometry(wkt: "POLYGON EMPTY")
          ))
        continue
      }
      if !g.isValid {
        g = try g.madeValid()
        d.warning("units.invalid-geometry", "invalid geometry repaired with make-valid", at: loc)
      }
      villages.append(
        (
          AccountingUnit(code: code, name: name, level: finest, parentCode: parent),
          try g.transformed(by: toGrid)
        ))
    }
    var names: [String: String] = [:]
    // The names table is checked by validation (`checkTable`, role "names"); a failure to read
    // it is reported at the names file, not at the unit layer.
    if let namesPath = input.namesTable, let t = try? Table(path: namesPath) {
      if let ci = t.fieldIndex("code"), let ni = t.fieldIndex("name") {
        for r in t.rows { names[r.values[ci]] = r.values[ni] }
      } else {
        d.error(
          "units.names-columns", "the unit names table needs columns code and name",
          at: ProblemLocation(file: namesPath))
      }
    }
    villages.sort { $0.0.code < $1.0.code }
    // A code may name one unit only: a unit whose parent code is its own code, or a code used
    // at two levels, would count the same land twice (a county layer once gave 6 224.5 km² for
    // a 3 103 km² county).
    let finestName = input.finestLevel.rawValue
    for (u, _) in villages {
      let loc = ProblemLocation(
        file: file, layer: layer.name, field: input.codeField, value: u.code)
      if u.parentCode == u.code {
        // A 12-digit village code ending in 000 is reported by validation (units.bad-code12).
        if case .statisticalCode12 = input.hierarchy { continue }
        d.error(
          "units.code-collision",
          "the \(finestName) \(u.code) is its own parent: its township or county code equals "
            + "its code (a \(u.level == .village ? "township or county" : "county") layer? declare "
            + "finest_level in [units])",
          at: loc)
      } else if townships[u.code] != nil || counties.contains(u.code) {
        d.error(
          "units.code-collision",
          "the code \(u.code) names a \(finestName) and also the "
            + (townships[u.code] != nil ? "township" : "county") + " of other units: each code "
            + "must name one unit",
          at: loc)
      }
    }
    for (t, v) in townships.sorted(by: { $0.key < $1.key }) where counties.contains(t) {
      d.error(
        "units.code-collision",
        "the code \(t) is used both as a township (in county \(v.parent)) and as a county",
        at: ProblemLocation(file: file, layer: layer.name, value: t))
    }
    var all: [AccountingUnit] = counties.sorted().map {
      AccountingUnit(code: $0, name: names[$0] ?? $0, level: .county, parentCode: nil)
    }
    all += townships.keys.sorted().map {
      AccountingUnit(
        code: $0, name: names[$0] ?? $0, level: .township, parentCode: townships[$0]!.parent)
    }
    all += villages.map(\.0)
    if d.hasErrors { throw InputProblems(problems: d.problems) }
    var set = UnitSet(
      villages: villages.map(\.0), geometries: villages.map(\.1), all: all, layerCRS: crs)
    set.byCode = Dictionary(all.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
    return set
  }
}
