import GEPCore

/// One method of one indicator (核算方法): what it reads, what it writes, and — for a per-cell
/// method — how it evaluates a batch of cells. The registry (`MethodRegistry`) lists them; the
/// profile selects one per indicator by id, and `gep coefficients check`, `gep validate` and
/// `gep compute` compare `profile.csv` against the descriptor, so that a method the code does
/// not implement, or an input the profile declares but the method does not read, is an error
/// rather than a label.
///
/// Modelled on InVEST's MODEL_SPEC (declared inputs with units, checked before execution) and
/// exactextract's Operation/Processor split (what is computed vs. how cells are visited).
/// Formulas: GEP-METHODS §4–§6; each descriptor names its section in `source`.
public struct MethodDescriptor: Sendable {
  /// Profile indicator id, e.g. "water_conservation".
  public var indicator: String
  /// Method id of the profile's `method` column, e.g. "water_balance".
  public var method: String
  /// What is computed, one line (for `gep profiles` and error messages).
  public var summary: String
  /// GEP-METHODS section and original reference.
  public var source: String
  /// Where the method is evaluated.
  public var scope: Scope
  /// Raster roles read per cell: required ones (a run without one does not compute the
  /// indicator, with a warning) and optional ones (used when the run gives them).
  public var rasters: [RasterRead]
  /// Class parameters read, "table.parameter" (per ecosystem class, through the crosswalk).
  public var classParameters: [String]
  /// Scalar parameters read from parameters.csv, with the default used when it is empty.
  public var parameters: [ParameterRead]
  /// Price ids read from prices.csv (any of them; the binding says which one it used).
  public var prices: [String]
  /// Input tables read (run-file `[tables.<role>]`).
  public var tables: [String]
  /// The class table whose `applies = 0` rows mark classes the indicator is not applicable to
  /// (the cell pass reports them as not applicable); nil: the table of the first class
  /// parameter, or none.
  public var appliesTable: String?
  /// A mask role whose non-zero cells the indicator is not evaluated on, when the run gives
  /// it: soil conservation skips stream channel cells (`RasterRole.channels`; InVEST SDR's
  /// stream layer from `threshold_flow_accumulation`, GEP-METHODS §5.2). The cell pass reports
  /// their area as the channel's excluded share (`ZoneSums.excludedArea`), neither computed
  /// nor "not computed"; nil: every cell is evaluated.
  public var excludedWhere: RasterRole?
  /// The published density above which a cell's result is implausible (a warning with the
  /// share of the computed area above it, not an error), or nil.
  public var plausibleDensity: PlausibleDensity?
  /// A raster role at or below whose bound, on every cell of the grid, the indicator has
  /// nothing to measure (sand fixation where no wind exceeds the erosion threshold: WF ≤ 0):
  /// `gep compute` then reports it not applicable with a warning naming the bound and its
  /// source, instead of summing zeros; nil: none.
  public var notApplicableBound: NotApplicableBound?
  /// Binds the method to a run (coefficients, crosswalk, available rasters): the per-cell
  /// channels it writes, or none (with the reason in the context's notes). Nil for methods
  /// evaluated per unit (`scope == .unit`), whose code lives in the unit-level stage.
  public var bind: (@Sendable (inout MethodContext) -> [BoundChannel])?

  /// Where a method is evaluated.
  public enum Scope: String, Sendable {
    /// Per grid cell, summed per zone (the cell pass).
    case cell
    /// Per accounting unit from statistical tables (material products, recreation, reservoirs).
    case unit
  }

  /// Creates a descriptor.
  public init(
    indicator: String, method: String, summary: String, source: String, scope: Scope,
    rasters: [RasterRead] = [], classParameters: [String] = [],
    parameters: [ParameterRead] = [], prices: [String] = [], tables: [String] = [],
    appliesTable: String? = nil, excludedWhere: RasterRole? = nil,
    plausibleDensity: PlausibleDensity? = nil, notApplicableBound: NotApplicableBound? = nil,
    bind: (@Sendable (inout MethodContext) -> [BoundChannel])? = nil
  ) {
    self.notApplicableBound = notApplicableBound
    self.excludedWhere = excludedWhere
    self.plausibleDensity = plausibleDensity
    self.appliesTable =
      appliesTable ?? classParameters.first.map { String($0.split(separator: ".")[0]) }
    self.indicator = indicator
    self.method = method
    self.summary = summary
    self.source = source
    self.scope = scope
    self.rasters = rasters
    self.classParameters = classParameters
    self.parameters = parameters
    self.prices = prices
    self.tables = tables
    self.bind = bind
  }
}

/// An upper density of a method's physical quantity per area, from a cited study: the cell
/// pass counts the area of cells above it (`ZoneSums.implausibleArea`) and `gep compute` warns
/// with that share of the computed area.
public struct PlausibleDensity: Sendable, Hashable {
  /// Upper density, in the channel's physical unit per hectare (e.g. t·hm⁻²·a⁻¹).
  public var upperPerHectare: Double
  /// Its unit as printed, e.g. "t·hm⁻²·a⁻¹".
  public var unit: String
  /// The warning code, e.g. "soil.density-implausible".
  public var code: String
  /// Why this bound, with its source; and what to check when a cell exceeds it.
  public var reason: String
  /// Creates a bound.
  public init(upperPerHectare: Double, unit: String, code: String, reason: String) {
    self.upperPerHectare = upperPerHectare
    self.unit = unit
    self.code = code
    self.reason = reason
  }
}

/// The bound of a raster role at or below which, over the whole grid, an indicator does not
/// apply to the region (`MethodDescriptor.notApplicableBound`): e.g. the RWEQ weather factor
/// WF ≤ 0 kg/m where no wind observation exceeds the threshold wind speed, so the region has
/// no wind erosion to prevent (GEP-METHODS §5.3).
public struct NotApplicableBound: Sendable, Hashable {
  /// The role compared (one the method reads).
  public var role: RasterRole
  /// The bound, in the role's unit: not applicable when every valid cell is ≤ it.
  public var atOrBelow: Double
  /// The warning code, e.g. "sand_fixation.no-wind-erosion".
  public var code: String
  /// Why the bound means "not applicable", with its source (shown in the warning).
  public var reason: String
  /// Creates a bound.
  public init(role: RasterRole, atOrBelow: Double, code: String, reason: String) {
    self.role = role
    self.atOrBelow = atOrBelow
    self.code = code
    self.reason = reason
  }
}

/// A raster role a method reads per cell.
public struct RasterRead: Sendable, Hashable {
  /// The role (its units and plausible range are `RasterRole`'s).
  public var role: RasterRole
  /// False: used when the run gives it (e.g. FVC for the cover factor, slope for P).
  public var required: Bool
  /// Creates a read.
  public init(_ role: RasterRole, required: Bool = true) {
    self.role = role
    self.required = required
  }
}

/// A scalar parameter a method reads from parameters.csv.
public struct ParameterRead: Sendable, Hashable {
  /// parameters.csv `parameter_id`.
  public var id: String
  /// Unit as in parameters.csv.
  public var unit: String
  /// Value used when the row is empty; nil: the method is not computed without it.
  public var defaultValue: Double?
  /// Creates a read.
  public init(_ id: String, unit: String, default defaultValue: Double? = nil) {
    self.id = id
    self.unit = unit
    self.defaultValue = defaultValue
  }
}

/// What a per-cell channel gives for a land-use code whatever the raster values are.
public enum CellOutcome: Sendable {
  /// A class coefficient is absent: the cell is "uncovered" (not computed, reported as a share).
  case missing
  /// A structural zero (e.g. the marsh part of flood regulation on a forest cell).
  case zero
  /// The profile marks the indicator not applicable to the class (`applies = 0` in the
  /// method's class table, e.g. no transpiration term on urban land): nothing to add, and the
  /// area is reported as not applicable (its own share), not as "not computed".
  case notApplicable
  /// Depends on the rasters: evaluated.
  case depends
}

/// A batch of land cells of one tile, in the form a channel evaluates: contiguous arrays, one
/// entry per cell, so a method loops without per-cell dispatch.
///
/// Every cell has a land-use code the crosswalk maps. The raster values of cells where an input
/// is nodata are present but meaningless (the cell pass discards the results there).
public struct CellBatch {
  /// Number of cells.
  public let count: Int
  /// Land-use code per cell.
  public let codes: UnsafePointer<Int32>
  /// Cell area per cell, m².
  public let areas: UnsafePointer<Double>
  /// Raster values, role-major: role slot s, cell i at `values[s * stride + i]`.
  let values: UnsafePointer<Double>
  let stride: Int
  /// Slot of each role in `values`.
  let slots: [RasterRole: Int]

  /// Creates a batch over role-major values (`stride` ≥ `count` entries per role).
  public init(
    count: Int, codes: UnsafePointer<Int32>, areas: UnsafePointer<Double>,
    values: UnsafePointer<Double>, stride: Int, slots: [RasterRole: Int]
  ) {
    self.count = count
    self.codes = codes
    self.areas = areas
    self.values = values
    self.stride = stride
    self.slots = slots
  }

  /// The values of a role the channel declared (its unit as declared in the run file,
  /// converted by the channel where needed), `count` entries.
  ///
  /// - Precondition: the role is one of the channel's `roles`.
  public func values(_ role: RasterRole) -> UnsafePointer<Double> {
    guard let s = slots[role] else {
      preconditionFailure("\(role.rawValue) is not an input of this channel")
    }
    return values + s * stride
  }
}

/// The evaluation of one output channel of a bound per-cell method.
public protocol CellChannel: Sendable {
  /// See `CellOutcome`; the cell pass skips the formula for `.missing` and `.zero` codes.
  func outcome(code: Int) -> CellOutcome

  /// Evaluates every cell of the batch: the physical quantity (the channel's unit) and value
  /// (yuan) per cell; `missing[i] = true` where the cell's class has no coefficient (e.g. a P
  /// factor with no slope class for the cell's slope). Output buffers have `cells.count`
  /// entries; `missing` comes in all false.
  func evaluate(
    _ cells: CellBatch, quantity: UnsafeMutablePointer<Double>,
    value: UnsafeMutablePointer<Double>, missing: UnsafeMutablePointer<Bool>)
}

/// A channel of a bound method: what the reports say of it, and its evaluation.
public struct BoundChannel: Sendable {
  /// Output description (id, names, unit, price, roles read).
  public var indicator: CellIndicator
  /// The evaluation.
  public var channel: any CellChannel
  /// Creates a bound channel.
  public init(indicator: CellIndicator, channel: any CellChannel) {
    self.indicator = indicator
    self.channel = channel
  }
}

/// What a method binds against: the coefficient set, the crosswalk, the rasters the run
/// provides; it collects the warnings and method switches the binding records.
public struct MethodContext: Sendable {
  /// The coefficient set.
  public let coefficients: CoefficientSet
  /// The profile's row of the indicator.
  public let profile: ProfileIndicator
  /// The descriptor being bound.
  public let descriptor: MethodDescriptor
  /// Ecosystem class per land-use code of the run's crosswalk.
  public let classOfCode: [Int: Int]
  /// Raster roles the run provides (after derivations).
  public let available: Set<RasterRole>
  /// True when the FVC raster is declared in percent.
  public let fvcIsPercent: Bool
  /// The unit the run file declares for each raster role.
  public var rasterUnits: [RasterRole: String] = [:]
  /// The accounting year, to which prices are indexed when the set names a price index.
  public var year: Int? = nil
  /// The coefficient folder, for messages.
  public let file: String
  /// Warnings of the binding.
  public internal(set) var notes: [Problem] = []
  /// Method switches in force, for the manifest.
  public internal(set) var switches: [String: String] = [:]

  /// Adds a warning located at the coefficient folder, field = the indicator.
  public mutating func warn(_ code: String, _ message: String) {
    notes.append(
      Problem(.warning, code, message, at: ProblemLocation(file: file, field: profile.id)))
  }

  /// The unit the run file declares for the NEP raster.
  public var nepUnit: String { rasterUnits[.nep] ?? "tC/hm2/a" }

  /// Records a method switch for the manifest.
  public mutating func record(_ key: String, _ value: String) { switches[key] = value }

  /// A price with its note for indicators.csv ("7.53 yuan/m3 (id, 2011, source)"), indexed to
  /// the accounting year where the set names a price index (`CoefficientSet.accountPrice`), or
  /// nil when prices.csv has no value for it.
  public func price(_ id: String) -> (value: Double, note: String)? {
    coefficients.accountPrice(id, year: year).map { ($0.value, $0.note) }
  }

  /// The first price among the profile's price ids that starts with (or contains) `key`, else
  /// the price `fallback`.
  public func price(matching key: String, fallback: String) -> (value: Double, note: String)? {
    price(profile.priceIDs.first { $0.contains(key) } ?? fallback)
  }

  /// A scalar parameter from parameters.csv, or the descriptor's default.
  public func parameter(_ id: String) -> Double? {
    coefficients.parameterValue(id)
      ?? descriptor.parameters.first { $0.id == id }?.defaultValue
  }

  /// A class coefficient with the level-2 → level-1 fallback
  /// (`CoefficientSet.classCoefficient`): its value and unit, or nil.
  public func classValue(_ table: String, _ parameter: String, ecosystemClass: Int)
    -> (value: Double, unit: String)?
  {
    if case .value(let v, let row) = coefficients.classCoefficient(
      table: table, parameter: parameter, classCode: ecosystemClass)
    {
      return (v, row.unit)
    }
    return nil
  }

  /// A per-land-use-code table (index = code, dense up to the largest mapped code) of `T`
  /// made from each code's ecosystem class; `empty` for unmapped codes.
  public func perCode<T>(empty: T, _ make: (Int) -> T) -> [T] {
    let maxCode = classOfCode.keys.max() ?? -1
    guard maxCode >= 0, maxCode <= 1 << 20 else { return [] }
    var out = [T](repeating: empty, count: maxCode + 1)
    var byClass: [Int: T] = [:]
    for (code, cls) in classOfCode where code >= 0 {
      if let t = byClass[cls] {
        out[code] = t
      } else {
        let t = make(cls)
        byClass[cls] = t
        out[code] = t
      }
    }
    return out
  }

  /// A channel description for this indicator: names and category from the profile, the
  /// method id, the physical unit, the price note (nil: no price, with a warning) and the roles
  /// the channel reads.
  public mutating func channel(
    unit: String, priceNote: String?, roles: [RasterRole], component: String? = nil
  ) -> CellIndicator {
    if priceNote == nil {
      warn(
        "indicator.missing-price",
        "\(profile.id)\(component.map { " (\($0))" } ?? ""): no price in prices.csv (\(profile.priceIDs.joined(separator: ", "))); the physical quantity is reported without value"
      )
    }
    return CellIndicator(
      id: profile.id, nameEN: profile.nameEN, nameZH: profile.nameZH,
      category: profile.category ?? .regulating, method: profile.method, physicalUnit: unit,
      priceNote: priceNote ?? "no price", hasValue: priceNote != nil, roles: roles,
      component: component)
  }
}
