import Foundation
import GEPCore
import GEPGeo
import TOMLKit

/// A raster input of a run: path, band, declared unit and the resampling used to put it on the
/// analysis grid.
public struct RasterInput: Sendable, Hashable {
  /// The raster's role, e.g. "precipitation" (the key under `[rasters]`).
  public var name: String
  /// Absolute (or GDAL virtual) path, resolved against the run file's folder.
  public var path: String
  /// The band, 1-based.
  public var band: Int
  /// The declared unit (checked against `RasterRole.acceptedUnits`).
  public var unit: String
  /// How the raster is warped onto the grid when it is not already on it.
  public var resampling: Resampling
  /// A CRS definition (e.g. "EPSG:4528") to assume instead of the one the file declares, for
  /// files whose declared CRS is wrong or missing (the key `crs`); nil: the file's own.
  public var crs: String? = nil
  /// The accepted value range the run file sets in place of the role's plausible range (the
  /// key `range = [low, high]`, recorded in the manifest); nil: `RasterRole.plausibleRange`.
  public var acceptedRange: ClosedRange<Double>? = nil

  /// The range cells must lie in, with its reason: the run file's `range` when given, else the
  /// role's documented plausible range in the declared unit; nil for the land use.
  public var validRange: (range: ClosedRange<Double>, reason: String)? {
    if let acceptedRange {
      return (
        acceptedRange,
        "the run file accepts \(name) in [\(acceptedRange.lowerBound), "
          + "\(acceptedRange.upperBound)] (rasters.\(name).range)"
      )
    }
    return RasterRole(rawValue: name)?.plausibleRange(unit: unit)
  }
}

/// The known raster roles, their accepted units and default resampling.
public enum RasterRole: String, Sendable, CaseIterable {
  /// Annual precipitation P, mm·a⁻¹ (water conservation, GEP-METHODS §5.1).
  case precipitation
  /// Annual actual evapotranspiration ET, mm·a⁻¹ (§5.1, §5.9 ET-energy method).
  case evapotranspiration
  /// Rainfall erosivity R, MJ·mm·hm⁻²·h⁻¹·a⁻¹ (§5.2).
  case erosivity
  /// Soil erodibility K, t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹ (§5.2).
  case erodibility
  /// Slope length–steepness factor LS, dimensionless (§5.2).
  case ls
  /// Fractional vegetation cover, as a fraction 0–1 or percent 0–100 (declared) (§5.2 C).
  case fvc
  /// NDVI, −1…1.
  case ndvi
  /// Elevation, m.
  case dem
  /// Terrain slope, degrees (derived from the DEM with GDAL when not given).
  case slope
  /// Net ecosystem productivity NEP = NPP − R_h (净生态系统生产力), t C·hm⁻²·a⁻¹ or
  /// g C·m⁻²·a⁻¹ (declared; 1 g C·m⁻² = 0.01 t C·hm⁻²), negative where the cell is a carbon
  /// source (carbon sequestration NEP method, §5.8 (b)).
  case nep
  /// Stream channel cells (河道栅格), 1 on a channel and 0 on a hillslope, e.g. the mask of
  /// `gep prepare ls --stream-out` or of `[derive.ls]` with a channel threshold: soil
  /// conservation (RUSLE, a hillslope model) is not evaluated on channel cells, which are
  /// reported as their own share (InVEST SDR's `threshold_flow_accumulation` stream layer;
  /// GEP-METHODS §5.2; docs/soil-conservation-ls.md).
  case channels
  /// RWEQ weather factor WF (气象因子) of the accounting year, kg/m: Σ U₂(U₂ − U_t)² × N_d/N ×
  /// ρ/g × SW × SD over the year's observations (sand fixation, GEP-METHODS §5.3; Fryrear et
  /// al. 1998 RWEQ; `rweqWeatherFactor`). 0 where no wind exceeds the threshold U_t.
  case weatherFactor = "weather_factor"
  /// Sand content of the topsoil (砂粒), percent by mass (RWEQ EF, §5.3).
  case soilSand = "soil_sand"
  /// Silt content of the topsoil (粉粒), percent by mass (RWEQ EF, §5.3).
  case soilSilt = "soil_silt"
  /// Clay content of the topsoil (黏粒), percent by mass (RWEQ EF and SCF, §5.3).
  case soilClay = "soil_clay"
  /// Organic matter of the topsoil (有机质), percent by mass (= 1.724 × organic carbon; RWEQ EF
  /// and SCF, §5.3).
  case soilOrganicMatter = "soil_organic_matter"
  /// Calcium carbonate of the topsoil (碳酸钙), percent by mass (RWEQ EF, §5.3).
  case soilCaCO3 = "soil_caco3"

  /// The units a run file may declare for this role.
  public var acceptedUnits: [String] {
    switch self {
    case .precipitation, .evapotranspiration: return ["mm"]
    case .erosivity: return ["MJ mm hm-2 h-1 a-1", "MJ*mm/(hm2*h*a)", "MJ·mm·hm⁻²·h⁻¹·a⁻¹"]
    case .erodibility:
      return ["t hm2 h hm-2 MJ-1 mm-1", "t*hm2*h/(hm2*MJ*mm)", "t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹"]
    case .ls, .ndvi, .channels: return ["1", "dimensionless"]
    case .fvc: return ["fraction", "1", "percent"]
    case .dem: return ["m"]
    case .slope: return ["degree", "degrees"]
    case .nep: return ["tC/hm2/a", "gC/m2/a"]
    case .weatherFactor: return ["kg/m"]
    case .soilSand, .soilSilt, .soilClay, .soilOrganicMatter, .soilCaCO3: return ["percent"]
    }
  }

  /// The plausible range of the role's values in the declared unit, with its reason and
  /// source: cells outside it are an input error (`raster.out-of-range`) unless the run file
  /// widens the range with `range = [low, high]`. Every role declares one, so a new role
  /// cannot be added without it.
  ///
  /// - Parameter unit: the declared unit (matters for FVC: fraction or percent).
  /// - Returns: the closed range and the reason shown in the error.
  public func plausibleRange(unit: String) -> (range: ClosedRange<Double>, reason: String) {
    switch self {
    case .precipitation:
      return (
        0...15_000,
        "annual precipitation above 15 000 mm exceeds the wettest stations on record "
          + "(≈ 11 900 mm·a⁻¹ mean at Mawsynram, WMO); tenths of mm, or monthly sums added twice?"
      )
    case .evapotranspiration:
      return (
        0...4_000,
        "annual evapotranspiration above 4 000 mm exceeds the evaporative demand of the hottest "
          + "deserts (GEP-METHODS §5.1; FAO-56 ET0 rarely exceeds 10 mm·d⁻¹)"
      )
    case .erosivity:
      return (
        0...30_000,
        "R above 30 000 MJ·mm·hm⁻²·h⁻¹·a⁻¹ exceeds the global erosivity range (GloREDa, "
          + "Panagos et al. 2017, Sci. Rep. 7:4175: global mean 2 190): is it another factor?"
      )
    case .erodibility:
      return (
        0...0.1,
        "K in SI units (t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹) lies in 0–0.1 (Wischmeier nomograph maximum "
          + "0.7 US units × 0.1317; GEP-METHODS §5.2): K in US units (multiply by 0.1317), or "
          + "another raster given as K?"
      )
    case .ls:
      return (
        0...1_000,
        "LS above 1 000 implies slope lengths of tens of kilometres (L = (λ/22.13)^m, "
          + "GEP-METHODS §5.2): uncapped flow accumulation along channels? Use a slope length "
          + "that stops at channels (gep prepare ls --method cumulative, the default) or cap it "
          + "(--max-slope-length)"
      )
    case .fvc:
      return unit == "percent"
        ? (0...100, "fractional vegetation cover in percent lies in [0, 100]")
        : (0...1, "fractional vegetation cover as a fraction lies in [0, 1]")
    case .ndvi: return (-1...1, "NDVI lies in [−1, 1]")
    case .dem: return (-500...9000, "elevation in metres lies in [−500, 9000]")
    case .slope: return (0...90, "a slope in degrees lies in [0, 90]")
    case .nep:
      // MOD17A3 NPP has the valid range 0–3.27 kg C·m⁻²·a⁻¹ (Running & Zhao, MOD17 User's
      // Guide), and NEP cannot exceed NPP; respiration beyond it would be a fire or a clearing.
      let reason =
        "NEP cannot exceed NPP, which stays below 3 270 g C·m⁻²·a⁻¹ (32.7 t C·hm⁻²·a⁻¹, the "
        + "MOD17A3 valid range): another unit (kg, g dry matter), or NPP × 10?"
      return unit == "gC/m2/a" ? (-3_270...3_270, reason) : (-32.7...32.7, reason)
    case .channels:
      return (
        0...1,
        "a channel mask holds 1 on stream channel cells and 0 on hillslopes (gep prepare ls "
          + "--stream-out): is it a flow-accumulation raster rather than its thresholded mask?"
      )
    case .weatherFactor:
      // The RWEQ sum with every observation of the year at U₂ = 25 m/s (storm force at 2 m,
      // far above any station's annual mean), U_t = 5 m/s, ρ = 1.3 kg/m³, SW = SD = 1:
      // 25 × 20² × 365 d × 1.3 / 9.8 ≈ 4.8 × 10⁵ kg/m (GEP-METHODS §5.3, `rweqWeatherFactor`).
      return (
        0...500_000,
        "a yearly RWEQ weather factor above 500 000 kg/m needs a wind of 25 m/s at 2 m on every "
          + "day of the year (WF = Σ U₂(U₂ − U_t)² × N_d/N × ρ/g × SW × SD, GEP-METHODS §5.3): "
          + "wind speeds in km/h or dm/s, or g instead of kg?"
      )
    case .soilSand, .soilSilt, .soilClay:
      return (
        0...100,
        "a particle-size fraction in percent lies in [0, 100] (sand, silt and clay add up to 100): "
          + "a fraction (multiply by 100) or g/kg (divide by 10)?"
      )
    case .soilOrganicMatter, .soilCaCO3:
      return (
        0...100,
        "a content in percent by mass lies in [0, 100]: g/kg (divide by 10, as SoilGrids and the "
          + "Chinese soil survey publish organic matter), or organic carbon in dg/kg?"
      )
    }
  }

  /// Continuous data default to bilinear resampling; the channel mask (a class raster) to
  /// nearest neighbour.
  public var defaultResampling: Resampling { self == .channels ? .nearest : .bilinear }
}

/// How the unit hierarchy (village → township → county) is found.
public enum UnitHierarchy: Sendable, Hashable {
  /// From 12-digit statistical area codes (统计用区划代码): the first 6 digits name the county,
  /// the first 9 the township, all 12 the village.
  case statisticalCode12
  /// From parent-code fields of the unit layer: township code field, county code field.
  case parentFields(township: String, county: String)
}

/// The accounting-unit layer: the finest units (villages) with codes and names.
public struct UnitsInput: Sendable, Hashable {
  /// The vector file.
  public var path: String
  /// The layer (default: the first).
  public var layer: String?
  /// The field holding each unit's code.
  public var codeField: String
  /// The field holding each unit's name.
  public var nameField: String
  /// How parents are found.
  public var hierarchy: UnitHierarchy
  /// Optional table of names of all units (`code,name,level,parent_code`), for the names of
  /// townships and counties that the village layer does not carry.
  public var namesTable: String?
  /// The level of the layer's features (`finest_level`): villages (default), or a township or
  /// county layer declared as such, whose units then have only the levels above them.
  public var finestLevel: UnitLevel = .village
  /// How units cover the grid's cells (`coverage`): exact fractions (default) or the
  /// cell-centre rule.
  public var coverage: UnitCoverage = .exact
}

/// How the cells of the grid are shared among accounting units (`[units] coverage`; issue 15).
public enum UnitCoverage: String, Sendable, Hashable, CaseIterable {
  /// Each cell is weighted by the exact fraction of it each unit covers (`ZoneCoverage`): unit
  /// areas equal their polygons' areas (in the grid CRS; geodesic cell areas on geographic
  /// grids), the part of a cell no unit covers goes to `unassigned`.
  case exact
  /// A cell belongs wholly to the unit containing its centre (`ZoneRasterizer`, GDAL's
  /// rasterisation rule), the rule of engine versions before issue 15.
  case centre
}

/// A statistical table of a run.
public struct TableInput: Sendable, Hashable {
  /// The table's role, e.g. "material_products".
  public var name: String
  /// The CSV/XLSX path.
  public var path: String
  /// The sheet of a workbook.
  public var sheet: String?
}

/// The inputs of one year of a multi-year run file (`[years.<Y>]`): paths that replace the
/// run file's own for that year (issue 17: accounts over years). Only paths change: the
/// profile, coefficients, units settings and raster units stay the run file's, so the years'
/// accounts are comparable (`gep compare`).
public struct YearInputs: Sendable {
  /// `[years.Y.landuse] path` (resolved), nil: the run file's land use.
  public var landUsePath: String?
  /// `[years.Y.landuse] band`.
  public var landUseBand: Int?
  /// `[years.Y.rasters.<role>] path` (and band) by role; the role must be one of the run
  /// file's `[rasters]`.
  public var rasters: [String: (path: String, band: Int?)] = [:]
  /// `[years.Y.tables.<role>] path` (and sheet) by role; the role must be one of the run
  /// file's `[tables]`.
  public var tables: [String: (path: String, sheet: String?)] = [:]
  /// `[years.Y.units] path` and `names` (a re-coded or redrawn unit layer of that year).
  public var unitsPath: String?
  /// `[years.Y.units] names`.
  public var unitNames: String?

  /// Creates empty overrides.
  public init() {}
}

/// The run file (`gep.toml`): everything `gep compute` needs, with paths resolved against the
/// run file's folder. See `docs/run-file.md` for the annotated format.
public struct RunConfiguration: Sendable {
  /// The run file itself (absolute path).
  public var runFile: String
  /// The accounting year (核算年份).
  public var year: Int
  /// The standard profile, e.g. "national-2022": a folder under `coefficients`.
  public var profile: String
  /// The coefficient root folder (holding one folder per profile).
  public var coefficientsRoot: String
  /// The output folder.
  public var output: String
  /// The land-use raster (defines the analysis grid).
  public var landUse: RasterInput
  /// The land-use classification scheme: the crosswalk `crosswalk_<scheme>.csv`.
  public var landUseScheme: String
  /// Biophysical rasters by role name.
  public var rasters: [String: RasterInput]
  /// The accounting units.
  public var units: UnitsInput
  /// Statistical tables by role name.
  public var tables: [String: TableInput]
  /// Factor rasters derived from primary data by role name (`[derive.<role>]`), in place of a
  /// `[rasters.<role>]` file.
  public var derivations: [String: FactorDerivation] = [:]
  /// True (the default): when `[derive.ls]` has a channel threshold, its channel mask becomes
  /// the run's `channels` raster and soil conservation is not evaluated on channel cells
  /// (reported as their own share); false (`exclude_channels = false`): channel cells are
  /// computed like hillslopes. A given `[rasters.channels]` mask is always used.
  public var excludeChannels = true
  /// Indicators of the profile declared not applicable to this region (`[not_applicable]`,
  /// indicator id → the reason, e.g. "inland county: no coastline"): every unit reports them
  /// as `not_applicable` with the reason, they are not computed, and the account is not
  /// incomplete for their lack. Validation rejects ids the profile does not have.
  public var notApplicable: [String: String] = [:]
  /// The years of a multi-year run file (`[years.<Y>]`, issue 17), each with the input paths
  /// that replace the run file's for that year; empty for a one-year run file. `gep compute`
  /// then writes one account per year (OUT/<Y>/) and their comparison (OUT/compare/).
  public var years: [Int: YearInputs] = [:]

  /// The run of one year of a multi-year run file: the run file with `year = Y` and the
  /// paths of `[years.Y]` in place of its own.
  ///
  /// - Parameter y: a key of `years`.
  /// - Returns: the one-year configuration (its `years` empty).
  public func forYear(_ y: Int) -> RunConfiguration {
    var c = self
    c.years = [:]
    c.year = y
    guard let o = years[y] else { return c }
    if let p = o.landUsePath { c.landUse.path = p }
    if let b = o.landUseBand { c.landUse.band = b }
    for (role, r) in o.rasters {
      c.rasters[role]?.path = r.path
      if let b = r.band { c.rasters[role]?.band = b }
    }
    for (role, t) in o.tables {
      c.tables[role]?.path = t.path
      if let sh = t.sheet { c.tables[role]?.sheet = sh }
    }
    if let p = o.unitsPath { c.units.path = p }
    if let n = o.unitNames { c.units.namesTable = n }
    return c
  }

  /// The coefficient folder of the profile: `coefficientsRoot/profile`.
  public var coefficientsFolder: String {
    (coefficientsRoot as NSString).appendingPathComponent(profile)
  }

  /// Known table roles.
  public static let tableRoles: Set<String> = [
    "material_products", "gdp_population", "tourism", "emissions", "reservoirs", "property_prices",
  ]

  /// Reads and checks a run file; every problem is collected, none stops the reading early.
  ///
  /// - Parameter path: the run file (TOML).
  /// - Throws: `InputProblems` listing every error (missing keys, wrong types, unknown keys,
  ///   unknown roles or units), each with the run file and key as its location.
  public static func load(path: String) throws -> RunConfiguration {
    var d = Diagnostics()
    let file = path
    let url = URL(fileURLWithPath: path).standardizedFileURL
    guard let data = FileManager.default.contents(atPath: url.path) else {
      d.error("run-file.unreadable", "cannot read the run file", at: .init(file: file))
      throw InputProblems(problems: d.problems)
    }
    guard let text = String(data: data, encoding: .utf8) else {
      d.error("run-file.encoding", "the run file is not UTF-8 text", at: .init(file: file))
      throw InputProblems(problems: d.problems)
    }
    if let bad = tomlKeySyntaxProblem(text) {
      // Checked before TOMLKit: toml++ asserts (aborts) on some malformed keys, e.g. "[,a]".
      d.error(
        "run-file.syntax", "TOML syntax error: \(bad.message)",
        at: .init(file: file, row: bad.line, column: String(bad.column)))
      throw InputProblems(problems: d.problems)
    }
    let root: TOMLTable
    do {
      root = try TOMLTable(string: text)
    } catch let e as TOMLParseError {
      d.error(
        "run-file.syntax", "TOML syntax error: \(e.description)",
        at: .init(file: file, row: Int(e.source.begin.line), column: String(e.source.begin.column)))
      throw InputProblems(problems: d.problems)
    }
    let base = url.deletingLastPathComponent()
    func resolve(_ p: String) -> String {
      if p.hasPrefix("/") { return p }
      return base.appendingPathComponent(p).standardizedFileURL.path
    }
    func loc(_ key: String) -> ProblemLocation { ProblemLocation(file: file, field: key) }
    func string(_ t: TOMLTable, _ key: String, _ full: String, required: Bool = true) -> String? {
      guard let v = t[key] else {
        if required { d.error("run-file.missing-key", "required key is missing", at: loc(full)) }
        return nil
      }
      guard let s = v.string else {
        d.error("run-file.type", "must be a string", at: loc(full))
        return nil
      }
      return s
    }
    func int(_ t: TOMLTable, _ key: String, _ full: String, default def: Int? = nil) -> Int? {
      guard let v = t[key] else {
        if def == nil { d.error("run-file.missing-key", "required key is missing", at: loc(full)) }
        return def
      }
      guard let i = v.int else {
        d.error("run-file.type", "must be an integer", at: loc(full))
        return def
      }
      return i
    }
    func unknownKeys(_ t: TOMLTable, allowed: Set<String>, prefix: String) {
      for k in t.keys.sorted() where !allowed.contains(k) {
        d.error(
          "run-file.unknown-key",
          "unknown key; allowed here: \(allowed.sorted().joined(separator: ", "))",
          at: loc(prefix + k))
      }
    }
    unknownKeys(
      root,
      allowed: [
        "year", "profile", "coefficients", "output", "landuse", "rasters", "units", "tables",
        "derive", "not_applicable", "years",
      ], prefix: "")

    // A multi-year run file names its years under [years]; `year` is then optional.
    let multiYear = root["years"] != nil
    var year = int(root, "year", "year", default: multiYear ? 0 : nil) ?? 0
    if year != 0 && !(1949...2100).contains(year) {
      d.error("run-file.value", "the accounting year must lie in 1949–2100", at: loc("year"))
    }
    let profile = string(root, "profile", "profile", required: false) ?? "national-2022"
    let coefficientsRoot = resolve(string(root, "coefficients", "coefficients") ?? ".")
    let output = resolve(string(root, "output", "output", required: false) ?? "out")

    func raster(_ t: TOMLTable, name: String, prefix: String, unitRequired: Bool) -> RasterInput? {
      unknownKeys(
        t,
        allowed: unitRequired
          ? ["path", "band", "unit", "resampling", "crs", "range"]
          : ["path", "band", "resampling", "scheme", "crs"], prefix: prefix)
      let p = string(t, "path", prefix + "path")
      let band = int(t, "band", prefix + "band", default: 1) ?? 1
      if band < 1 { d.error("run-file.value", "band numbers start at 1", at: loc(prefix + "band")) }
      var unit = ""
      if unitRequired {
        unit = string(t, "unit", prefix + "unit") ?? ""
        if let role = RasterRole(rawValue: name), !unit.isEmpty,
          !role.acceptedUnits.contains(unit)
        {
          d.error(
            "run-file.unit",
            "unit \"\(unit)\" is not accepted for \(name); use one of: "
              + role.acceptedUnits.joined(separator: ", "),
            at: ProblemLocation(file: file, field: prefix + "unit", value: unit))
        }
      }
      var resampling: Resampling =
        unitRequired ? (RasterRole(rawValue: name)?.defaultResampling ?? .bilinear) : .nearest
      if let r = string(t, "resampling", prefix + "resampling", required: false) {
        if let v = Resampling(rawValue: r == "nearest" ? "near" : r) {
          resampling = v
        } else {
          d.error(
            "run-file.value",
            "unknown resampling; use nearest, bilinear, average, mode or cubic",
            at: ProblemLocation(file: file, field: prefix + "resampling", value: r))
        }
      }
      let crs = string(t, "crs", prefix + "crs", required: false)
      if let crs {
        do {
          _ = try SpatialReference(definition: crs)
        } catch {
          d.error(
            "run-file.crs", "GDAL cannot parse the CRS: \(error.message)",
            at: ProblemLocation(file: file, field: prefix + "crs", value: crs))
        }
      }
      var accepted: ClosedRange<Double>? = nil
      if let v = t["range"] {
        let bounds = v.array.map { a in
          (0..<a.count).compactMap { i -> Double? in a[i].double ?? a[i].int.map(Double.init) }
        }
        if let b = bounds, b.count == 2, b[0].isFinite, b[1].isFinite, b[0] < b[1] {
          accepted = b[0]...b[1]
        } else {
          d.error(
            "run-file.value", "range must be two numbers [low, high] with low < high",
            at: loc(prefix + "range"))
        }
      }
      guard let p else { return nil }
      return RasterInput(
        name: name, path: resolve(p), band: band, unit: unit, resampling: resampling, crs: crs,
        acceptedRange: accepted)
    }

    var landUse: RasterInput? = nil
    var scheme = ""
    if let lu = root["landuse"]?.table {
      landUse = raster(lu, name: "landuse", prefix: "landuse.", unitRequired: false)
      scheme = string(lu, "scheme", "landuse.scheme") ?? ""
    } else {
      d.error("run-file.missing-key", "the [landuse] table is required", at: loc("landuse"))
    }

    var rasters: [String: RasterInput] = [:]
    if let rt = root["rasters"]?.table {
      for name in rt.keys.sorted() {
        guard let t = rt[name]?.table else {
          d.error("run-file.type", "must be a table", at: loc("rasters.\(name)"))
          continue
        }
        if RasterRole(rawValue: name) == nil {
          d.error(
            "run-file.unknown-raster",
            "unknown raster role; known: "
              + RasterRole.allCases.map(\.rawValue).joined(separator: ", "),
            at: loc("rasters.\(name)"))
          continue
        }
        if let r = raster(t, name: name, prefix: "rasters.\(name).", unitRequired: true) {
          rasters[name] = r
        }
      }
    }

    var units: UnitsInput? = nil
    if let ut = root["units"]?.table {
      unknownKeys(
        ut,
        allowed: [
          "path", "layer", "code_field", "name_field", "hierarchy", "township_field",
          "county_field", "names", "finest_level", "coverage",
        ], prefix: "units.")
      let coverageText = string(ut, "coverage", "units.coverage", required: false)
      let coverage = coverageText.map { UnitCoverage(rawValue: $0) } ?? .exact
      if coverage == nil {
        d.error(
          "run-file.value", "coverage must be \"exact\" or \"centre\"",
          at: ProblemLocation(file: file, field: "units.coverage", value: coverageText))
      }
      let levelText = string(ut, "finest_level", "units.finest_level", required: false)
      let finest = levelText.map { UnitLevel(rawValue: $0) } ?? .village
      if finest == nil {
        d.error(
          "run-file.value", "finest_level must be \"village\", \"township\" or \"county\"",
          at: ProblemLocation(file: file, field: "units.finest_level", value: levelText))
      }
      let p = string(ut, "path", "units.path")
      let codeField = string(ut, "code_field", "units.code_field") ?? "code"
      let nameField = string(ut, "name_field", "units.name_field") ?? "name"
      let h = string(ut, "hierarchy", "units.hierarchy", required: false) ?? "code12"
      var hierarchy = UnitHierarchy.statisticalCode12
      if h == "fields" {
        // A township layer names only its county; a county layer no parent.
        let tf =
          finest == .village ? string(ut, "township_field", "units.township_field") ?? "" : ""
        let cf =
          finest == .county ? "" : string(ut, "county_field", "units.county_field") ?? ""
        hierarchy = .parentFields(township: tf, county: cf)
      } else if h != "code12" {
        d.error(
          "run-file.value", "hierarchy must be \"code12\" or \"fields\"",
          at: ProblemLocation(file: file, field: "units.hierarchy", value: h))
      }
      let names = string(ut, "names", "units.names", required: false).map(resolve)
      if let p {
        units = UnitsInput(
          path: resolve(p), layer: string(ut, "layer", "units.layer", required: false),
          codeField: codeField, nameField: nameField, hierarchy: hierarchy, namesTable: names,
          finestLevel: finest ?? .village, coverage: coverage ?? .exact)
      }
    } else {
      d.error("run-file.missing-key", "the [units] table is required", at: loc("units"))
    }

    var tables: [String: TableInput] = [:]
    if let tt = root["tables"]?.table {
      for name in tt.keys.sorted() {
        guard let t = tt[name]?.table else {
          d.error("run-file.type", "must be a table", at: loc("tables.\(name)"))
          continue
        }
        if !tableRoles.contains(name) {
          d.error(
            "run-file.unknown-table",
            "unknown table role; known: \(tableRoles.sorted().joined(separator: ", "))",
            at: loc("tables.\(name)"))
          continue
        }
        unknownKeys(t, allowed: ["path", "sheet"], prefix: "tables.\(name).")
        if let p = string(t, "path", "tables.\(name).path") {
          tables[name] = TableInput(
            name: name, path: resolve(p),
            sheet: string(t, "sheet", "tables.\(name).sheet", required: false))
        }
      }
    }

    var derivations: [String: FactorDerivation] = [:]
    var excludeChannels = true
    var notApplicable: [String: String] = [:]
    if let v = root["not_applicable"] {
      if let t = v.table {
        for id in t.keys.sorted() {
          let reason = string(t, id, "not_applicable.\(id)")?.trimmingCharacters(in: .whitespaces)
          if let reason, !reason.isEmpty {
            notApplicable[id] = reason
          } else if reason != nil {
            d.error(
              "run-file.value", "give the reason the indicator does not apply to this region",
              at: loc("not_applicable.\(id)"))
          }
        }
      } else {
        d.error(
          "run-file.type",
          "must be a table of indicator id = \"reason\" (e.g. coastal_protection = \"inland county\")",
          at: loc("not_applicable"))
      }
    }
    if let dt = root["derive"]?.table {
      for role in dt.keys.sorted() {
        let prefix = "derive.\(role)."
        guard let t = dt[role]?.table else {
          d.error("run-file.type", "must be a table", at: loc("derive.\(role)"))
          continue
        }
        if rasters[role] != nil {
          d.error(
            "run-file.derive-and-raster",
            "\(role) is both given ([rasters.\(role)]) and derived ([derive.\(role)]); keep one",
            at: loc("derive.\(role)"))
          continue
        }
        func path(_ key: String, required: Bool = true) -> String? {
          guard let p = string(t, key, prefix + key, required: required) else { return nil }
          let r = resolve(p)
          if !FileManager.default.fileExists(atPath: r) {
            d.error(
              "run-file.missing-file", "the file does not exist",
              at: ProblemLocation(file: r, field: prefix + key))
          }
          return r
        }
        func number(_ key: String) -> Double? {
          guard let v = t[key] else { return nil }
          if let x = v.double { return x }
          if let x = v.int { return Double(x) }
          d.error("run-file.type", "must be a number", at: loc(prefix + key))
          return nil
        }
        let crs = string(t, "crs", prefix + "crs", required: false)
        switch role {
        case "ls":
          if t["max_l"] != nil {
            d.error(
              "run-file.renamed-key",
              "max_l capped the L factor, not the slope length: write l_factor_cap for a cap on "
                + "L (dimensionless), or max_slope_length for a cap on the slope length in metres "
                + "(e.g. 122 or 333)",
              at: loc(prefix + "max_l"))
          }
          unknownKeys(
            t,
            allowed: [
              "dem", "crs", "flow", "method", "s_factor", "m", "l_factor_cap",
              "max_slope_length", "channel_threshold", "max_l", "exclude_channels",
            ], prefix: prefix)
          if let v = t["exclude_channels"] {
            if let b = v.bool {
              excludeChannels = b
            } else {
              d.error(
                "run-file.type", "must be true or false", at: loc(prefix + "exclude_channels"))
            }
          }
          // Defaults: the national profile (cumulative slope length, Liu S, slope-class m,
          // D8, 1000-cell channels); docs/soil-conservation-ls.md gives the reasons.
          let base = LSFactorOptions.nationalProfile
          func choice<T: RawRepresentable & CaseIterable>(
            _ key: String, _ type: T.Type, default value: T
          ) -> T? where T.RawValue == String {
            let text = string(t, key, prefix + key, required: false) ?? value.rawValue
            guard let v = T(rawValue: text) else {
              d.error(
                "run-file.value",
                "\(key) must be one of " + T.allCases.map(\.rawValue).joined(separator: ", "),
                at: ProblemLocation(file: file, field: prefix + key, value: text))
              return nil
            }
            return v
          }
          let flow = choice("flow", FlowMethod.self, default: base.flow)
          let method = choice("method", LSMethod.self, default: base.method)
          let steepness = choice("s_factor", SlopeSteepnessMethod.self, default: base.steepness)
          let rule = choice("m", SlopeLengthExponentRule.self, default: base.exponentRule)
          if let dem = path("dem"), let flow, let method, let steepness, let rule {
            let cap = number("l_factor_cap")
            let length = number("max_slope_length")
            let channel = number("channel_threshold")
            var bad = false
            for (key, v) in [
              ("l_factor_cap", cap), ("max_slope_length", length), ("channel_threshold", channel),
            ] {
              if let v, !(v > 0) {
                d.error("run-file.value", "must be positive", at: loc(prefix + key))
                bad = true
              }
            }
            if !bad {
              derivations[role] = .ls(
                dem: dem, crs: crs,
                options: LSFactorOptions(
                  flow: flow, method: method, steepness: steepness, exponentRule: rule,
                  maximumL: cap ?? base.maximumL,
                  maximumSlopeLength: length ?? base.maximumSlopeLength,
                  channelThreshold: channel ?? base.channelThreshold))
            }
          }
        case "slope":
          unknownKeys(t, allowed: ["dem", "crs"], prefix: prefix)
          if let dem = path("dem") { derivations[role] = .slope(dem: dem, crs: crs) }
        case "erodibility":
          unknownKeys(t, allowed: ["soil_map", "properties", "crs", "layer"], prefix: prefix)
          let layer = int(t, "layer", prefix + "layer", default: 1) ?? 1
          if let m = path("soil_map"), let p = path("properties") {
            derivations[role] = .erodibility(soilMap: m, properties: p, crs: crs, layer: layer)
          }
        case "erosivity":
          unknownKeys(t, allowed: ["daily_rain", "stations", "year", "method"], prefix: prefix)
          let m = string(t, "method", prefix + "method", required: false) ?? "half-month"
          guard let method = ErosivityMethod(rawValue: m) else {
            d.error(
              "run-file.value", "method must be half-month or monthly",
              at: ProblemLocation(file: file, field: prefix + "method", value: m))
            continue
          }
          if let r = path("daily_rain") {
            derivations[role] = .erosivity(
              dailyRain: r, stations: path("stations", required: false),
              year: int(t, "year", prefix + "year", default: year), method: method)
          }
        case "precipitation":
          unknownKeys(
            t, allowed: ["daily_rain", "stations", "year", "max_missing_days"], prefix: prefix)
          if let r = path("daily_rain") {
            derivations[role] = .precipitation(
              dailyRain: r, stations: path("stations", required: false),
              year: int(t, "year", prefix + "year", default: year) ?? year,
              maximumMissingDays: int(
                t, "max_missing_days", prefix + "max_missing_days", default: 0)
                ?? 0)
          }
        case "evapotranspiration":
          unknownKeys(t, allowed: ["meteo", "stations", "year", "omega"], prefix: prefix)
          guard let omega = number("omega") else {
            d.error(
              "run-file.missing-key", "Budyko–Fu needs omega (ω, e.g. 2.6)",
              at: loc(prefix + "omega"))
            continue
          }
          if let m = path("meteo"), let s = path("stations") {
            derivations[role] = .evapotranspiration(
              meteo: m, stations: s, year: int(t, "year", prefix + "year", default: year) ?? year,
              omega: omega)
          }
        case "fvc":
          unknownKeys(t, allowed: ["ndvi", "crs"], prefix: prefix)
          if let n = path("ndvi") { derivations[role] = .fvc(ndvi: n, crs: crs) }
        case "weather_factor":
          unknownKeys(
            t, allowed: ["meteo", "rain", "stations", "year", "period", "snow_field"],
            prefix: prefix)
          var period = RWEQPeriod.halfMonth
          if let text = string(t, "period", prefix + "period", required: false) {
            if let p = RWEQPeriod(rawValue: text) {
              period = p
            } else {
              d.error(
                "run-file.value", "period must be half_month or month",
                at: loc(prefix + "period"))
            }
          }
          let snow = string(t, "snow_field", prefix + "snow_field", required: false)
          if let m = path("meteo"), let r = path("rain"), let s = path("stations") {
            derivations[role] = .weatherFactor(
              meteo: m, rain: r, stations: s,
              year: int(t, "year", prefix + "year", default: year) ?? year, period: period,
              snowField: snow)
          }
        case "soil_sand", "soil_silt", "soil_clay", "soil_organic_matter", "soil_caco3":
          unknownKeys(
            t, allowed: ["soil_map", "properties", "field", "crs", "layer"], prefix: prefix)
          let layer = int(t, "layer", prefix + "layer", default: 1) ?? 1
          let field = string(t, "field", prefix + "field", required: false)
          if let m = path("soil_map"), let p = path("properties") {
            derivations[role] = .soilProperty(
              soilMap: m, properties: p, field: field, crs: crs, layer: layer)
          }
        default:
          d.error(
            "run-file.unknown-derivation",
            "no derivation for \(role); derivable: erodibility, erosivity, evapotranspiration, "
              + "fvc, ls, precipitation, slope, weather_factor, soil_sand, soil_silt, soil_clay, "
              + "soil_organic_matter, soil_caco3",
            at: loc("derive.\(role)"))
        }
      }
    }

    var years: [Int: YearInputs] = [:]
    if let v = root["years"] {
      years = parseYears(
        v, text: text, file: file, rasters: rasters, tables: tables, resolve: resolve,
        diagnostics: &d)
      if !years.isEmpty {
        if year == 0 { year = years.keys.max()! }
        if root["year"] != nil && years[year] == nil {
          d.error(
            "run-file.value",
            "year \(year) is not one of the run file's [years] ("
              + years.keys.sorted().map(String.init).joined(separator: ", ")
              + "); leave year out, or add [years.\(year)]",
            at: ProblemLocation(file: file, row: tomlLine(text, header: "years"), field: "year"))
        }
      } else if !d.hasErrors {
        d.error(
          "run-file.value", "[years] names no year: add [years.2020], [years.2024] …",
          at: ProblemLocation(file: file, row: tomlLine(text, header: "years"), field: "years"))
      }
    }
    if d.hasErrors { throw InputProblems(problems: d.problems) }
    var config = RunConfiguration(
      runFile: url.path, year: year, profile: profile, coefficientsRoot: coefficientsRoot,
      output: output, landUse: landUse!, landUseScheme: scheme, rasters: rasters,
      units: units!, tables: tables)
    config.derivations = derivations
    config.excludeChannels = excludeChannels
    config.notApplicable = notApplicable
    config.years = years
    return config
  }

  /// Parses `[years]`: one table per year (`[years.2020]`), each with `landuse` (path, band),
  /// `rasters.<role>` (path, band; a role of the run file's `[rasters]`), `tables.<role>`
  /// (path, sheet; a role of `[tables]`) and `units` (path, names). Unknown keys, years
  /// outside 1949–2100 and roles the run file does not declare are errors naming the run file,
  /// its line and the key.
  static func parseYears(
    _ value: TOMLValueConvertible, text: String, file: String, rasters: [String: RasterInput],
    tables: [String: TableInput], resolve: (String) -> String, diagnostics d: inout Diagnostics
  ) -> [Int: YearInputs] {
    func loc(_ header: String, _ key: String? = nil) -> ProblemLocation {
      ProblemLocation(
        file: file, row: tomlLine(text, header: header, key: key),
        field: key.map { "\(header).\($0)" } ?? header)
    }
    guard let t = value.table else {
      d.error("run-file.type", "must be a table of years ([years.2020] …)", at: loc("years"))
      return [:]
    }
    var out: [Int: YearInputs] = [:]
    for key in t.keys.sorted() {
      let h = "years.\(key)"
      guard let y = Int(key), (1949...2100).contains(y) else {
        d.error(
          "run-file.value", "a key of [years] is an accounting year in 1949–2100", at: loc(h))
        continue
      }
      guard let yt = t[key]?.table else {
        d.error("run-file.type", "must be a table", at: loc(h))
        continue
      }
      var o = YearInputs()
      func unknown(_ tt: TOMLTable, _ header: String, allowed: Set<String>) {
        for k in tt.keys.sorted() where !allowed.contains(k) {
          d.error(
            "run-file.unknown-key",
            "unknown key; allowed here: \(allowed.sorted().joined(separator: ", "))",
            at: loc(header, k))
        }
      }
      func string(_ tt: TOMLTable, _ header: String, _ k: String) -> String? {
        guard let v = tt[k] else { return nil }
        guard let s = v.string else {
          d.error("run-file.type", "must be a string", at: loc(header, k))
          return nil
        }
        return s
      }
      func band(_ tt: TOMLTable, _ header: String) -> Int? {
        guard let v = tt["band"] else { return nil }
        guard let b = v.int, b >= 1 else {
          d.error("run-file.value", "band numbers start at 1", at: loc(header, "band"))
          return nil
        }
        return b
      }
      unknown(yt, h, allowed: ["landuse", "rasters", "tables", "units"])
      if let v = yt["landuse"] {
        if let lt = v.table {
          unknown(lt, h + ".landuse", allowed: ["path", "band"])
          o.landUsePath = string(lt, h + ".landuse", "path").map(resolve)
          o.landUseBand = band(lt, h + ".landuse")
        } else {
          d.error("run-file.type", "must be a table", at: loc(h + ".landuse"))
        }
      }
      for (group, known) in [("rasters", Set(rasters.keys)), ("tables", Set(tables.keys))] {
        guard let v = yt[group] else { continue }
        guard let gt = v.table else {
          d.error("run-file.type", "must be a table", at: loc("\(h).\(group)"))
          continue
        }
        for role in gt.keys.sorted() {
          let rh = "\(h).\(group).\(role)"
          guard known.contains(role) else {
            d.error(
              "run-file.unknown-key",
              "[\(group).\(role)] is not in the run file: a year replaces the paths of the "
                + "run file's \(group) (\(known.sorted().joined(separator: ", ")))",
              at: loc(rh))
            continue
          }
          guard let rt = gt[role]?.table else {
            d.error("run-file.type", "must be a table", at: loc(rh))
            continue
          }
          unknown(rt, rh, allowed: group == "rasters" ? ["path", "band"] : ["path", "sheet"])
          guard let p = string(rt, rh, "path") else {
            d.error("run-file.missing-key", "required key is missing", at: loc(rh, "path"))
            continue
          }
          if group == "rasters" {
            o.rasters[role] = (resolve(p), band(rt, rh))
          } else {
            o.tables[role] = (resolve(p), string(rt, rh, "sheet"))
          }
        }
      }
      if let v = yt["units"] {
        if let ut = v.table {
          unknown(ut, h + ".units", allowed: ["path", "names"])
          o.unitsPath = string(ut, h + ".units", "path").map(resolve)
          o.unitNames = string(ut, h + ".units", "names").map(resolve)
        } else {
          d.error("run-file.type", "must be a table", at: loc(h + ".units"))
        }
      }
      out[y] = o
    }
    return out
  }
}

/// The 1-based line of a table header (`[years.2020.rasters.precipitation]`) in a TOML text,
/// or of a key inside it (the first `key =` line after the header, before the next header);
/// nil when the header is not written as a line of its own (dotted keys, inline tables).
func tomlLine(_ text: String, header: String, key: String? = nil) -> Int? {
  func squeeze(_ s: Substring) -> String { s.filter { $0 != " " && $0 != "\t" } }
  let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(
    separator: "\n", omittingEmptySubsequences: false)
  var inside = false
  for (n, raw) in lines.enumerated() {
    let line = squeeze(raw)
    if line.hasPrefix("[") {
      if inside, key != nil { return nil }
      inside = line == "[\(header)]"
      if inside && key == nil { return n + 1 }
      continue
    }
    if inside, let key, line.hasPrefix(key + "=") || line.hasPrefix("\"\(key)\"=") {
      return n + 1
    }
  }
  return nil
}

/// The first malformed key of a TOML text (table headers and the keys of key/value lines at
/// the top level of the document), or nil. A key is a dot-separated list of bare keys
/// (`A–Z a–z 0–9 _ -`) or quoted keys, with optional blanks around the dots (TOML 1.0 §Keys).
/// Lines inside multi-line strings, arrays and inline tables are skipped; control characters
/// other than tab are refused anywhere outside strings' escapes.
///
/// - Returns: (1-based line, 1-based column, message).
func tomlKeySyntaxProblem(_ text: String) -> (line: Int, column: Int, message: String)? {
  var inMultiline: String? = nil
  var depth = 0
  // "\r\n" is one Character in Swift: split on the scalars of CRLF-normalised text (TOML allows
  // LF and CRLF line ends; a Windows editor writes CRLF).
  let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(
    separator: "\n", omittingEmptySubsequences: false)
  for (n, rawLine) in lines.enumerated() {
    let line = Array(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
    if let c = line.firstIndex(where: { $0 != "\t" && ($0.asciiValue ?? 32) < 32 }) {
      return (n + 1, c + 1, "control character in the text")
    }
    var i = 0
    if let delimiter = inMultiline {
      let s = String(line)
      guard let r = s.range(of: delimiter) else { continue }
      inMultiline = nil
      i = s.distance(from: s.startIndex, to: r.upperBound)
      _ = i
      continue
    }
    while i < line.count, line[i] == " " || line[i] == "\t" { i += 1 }
    if i == line.count || line[i] == "#" { continue }
    func skipQuoted(_ j: inout Int) -> Bool {
      let q = line[j]
      j += 1
      while j < line.count {
        if q == "\"" && line[j] == "\\" {
          j += 2
          continue
        }
        if line[j] == q {
          j += 1
          return true
        }
        j += 1
      }
      return false
    }
    /// Checks a key from `j` up to a terminator; returns the index after it or nil.
    func key(_ j: inout Int, until end: Character) -> String? {
      var expectKey = true
      while j < line.count {
        let c = line[j]
        if c == " " || c == "\t" {
          j += 1
          continue
        }
        if expectKey {
          if c == "\"" || c == "'" {
            if !skipQuoted(&j) { return "unterminated quoted key" }
          } else if c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-") {
            while j < line.count,
              line[j].isASCII
                && (line[j].isLetter || line[j].isNumber || line[j] == "_" || line[j] == "-")
            {
              j += 1
            }
          } else {
            return "invalid character \"\(c)\" where a key is expected"
          }
          expectKey = false
        } else if c == "." {
          expectKey = true
          j += 1
        } else if c == end {
          return nil
        } else {
          return "invalid character \"\(c)\" in a key"
        }
      }
      return expectKey ? "a key is missing" : "\"\(end)\" is missing after the key"
    }
    if depth == 0 {
      var j = i
      if line[j] == "[" {
        j += 1
        if j < line.count && line[j] == "[" { j += 1 }
        if let m = key(&j, until: "]") { return (n + 1, j + 1, m) }
        continue
      }
      if let m = key(&j, until: "=") { return (n + 1, j + 1, m) }
      i = j + 1
    }
    // The value part: track brackets and multi-line strings.
    var j = i
    while j < line.count {
      let c = line[j]
      if c == "#" { break }
      if c == "\"" || c == "'" {
        let triple = String(c) + String(c) + String(c)
        if j + 2 < line.count && line[j + 1] == c && line[j + 2] == c {
          let rest = String(line[(j + 3)...])
          if let r = rest.range(of: triple) {
            j += 3 + rest.distance(from: rest.startIndex, to: r.upperBound)
            continue
          }
          inMultiline = triple
          break
        }
        _ = skipQuoted(&j)
        continue
      }
      if c == "[" || c == "{" { depth += 1 }
      if c == "]" || c == "}" { depth = max(0, depth - 1) }
      j += 1
    }
  }
  return nil
}
