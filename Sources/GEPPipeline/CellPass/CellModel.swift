import GEPCore

/// One output channel of the per-cell model: an indicator (or a pollutant of one) whose physical
/// quantity and value are summed per zone.
public struct CellIndicator: Sendable, Hashable {
  /// Indicator id of the profile, e.g. "water_conservation".
  public var id: String
  /// English name.
  public var nameEN: String
  /// Chinese name.
  public var nameZH: String
  /// Category (material/regulating/cultural).
  public var category: IndicatorCategory
  /// The method used (the profile's switch).
  public var method: String
  /// Unit of the physical quantity summed per zone, e.g. "m3/a".
  public var physicalUnit: String
  /// The price used and its source, for indicators.csv ("7.53 yuan/m3 (reservoir_capacity_cost,
  /// 2011, GEP-METHODS §5.1 §7.3 [S5])"), or a note why no value is computed.
  public var priceNote: String
  /// True when a value (yuan) is computed; false when only the physical quantity is known.
  public var hasValue: Bool
  /// Raster roles the indicator reads per cell (a nodata in any masks the cell for it).
  public var roles: [RasterRole]
  /// The pollutant of a purification channel ("so2"), nil for whole indicators.
  public var component: String?
  /// The mask role whose non-zero cells this channel is not evaluated on (stream channels for
  /// soil conservation, `MethodDescriptor.excludedWhere`), nil: every cell. It is one of
  /// `roles`, so a nodata in the mask masks the cell.
  public var excludedWhere: RasterRole? = nil
  /// The method's plausible upper density (`MethodDescriptor.plausibleDensity`), or nil.
  public var plausibleDensity: PlausibleDensity? = nil
  /// The method's whole-grid not-applicable bound (`MethodDescriptor.notApplicableBound`), or
  /// nil.
  public var notApplicableBound: NotApplicableBound? = nil

  /// Creates a channel description.
  public init(
    id: String, nameEN: String, nameZH: String, category: IndicatorCategory, method: String,
    physicalUnit: String, priceNote: String, hasValue: Bool, roles: [RasterRole],
    component: String? = nil
  ) {
    self.id = id
    self.nameEN = nameEN
    self.nameZH = nameZH
    self.category = category
    self.method = method
    self.physicalUnit = physicalUnit
    self.priceNote = priceNote
    self.hasValue = hasValue
    self.roles = roles
    self.component = component
  }
}

/// The spatial (per-cell) part of a profile: the profile's per-cell methods bound to a run
/// (`MethodDescriptor.bind`): their output channels in a fixed order, the raster roles they
/// read, and the ecosystem class of each land-use code of the crosswalk.
///
/// The formulas are the descriptors' (Sources/GEPPipeline/Methods, GEP-METHODS §5): water
/// conservation §5.1, soil conservation §5.2, flood regulation §5.5, air and water purification
/// §5.6–§5.7, carbon sequestration §5.8, climate regulation §5.9, sand fixation (RWEQ) §5.3.
public struct CellModel: Sendable {
  /// Output channels in a fixed order.
  public var indicators: [CellIndicator]
  /// The evaluation of each channel (`indicators[k]`).
  public var channels: [any CellChannel]
  /// Raster roles any indicator reads, in a fixed order (the tile reader's order).
  public var roles: [RasterRole]
  /// Warnings found while building (missing coefficients, prices, inputs).
  public var notes: [Problem]
  /// Per channel, the land-use codes whose ecosystem class has no coefficient for it (with a
  /// slope-conditional P, those whose P has no row for slope 1°).
  public var missingCodes: [[Int]] = []
  /// The method switches in force, for the manifest.
  public var switches: [String: String]
  /// Ecosystem class by land-use code, dense (index = code), −1: not mapped.
  var classOfCode: [Int] = []
  /// Slot of each role in `roles`.
  var slots: [RasterRole: Int] = [:]
  /// For each channel, the slots (indices into `roles`) of the rasters it reads.
  var roleSlots: [[Int]] = []
  /// For each channel, per land-use code: true where the profile marks the indicator not
  /// applicable to the code's class (`applies = 0` in the method's class table).
  var notApplicable: [[Bool]] = []
  /// For each channel, the slot of its exclusion mask (`CellIndicator.excludedWhere`), −1:
  /// none.
  var exclusionSlots: [Int] = []

  /// True when channel `k` is not evaluated on a cell whose role values (by slot) are `x`:
  /// its exclusion mask is non-zero there.
  func excluded(_ k: Int, _ x: UnsafePointer<Double>, stride: Int = 1, cell i: Int = 0) -> Bool {
    guard k < exclusionSlots.count, exclusionSlots[k] >= 0 else { return false }
    return x[exclusionSlots[k] * stride + i] != 0
  }

  /// What channel `k` gives for a land-use code whatever the rasters: `.notApplicable` for a
  /// class the profile masks, else the channel's own outcome.
  public func outcome(_ k: Int, code: Int) -> CellOutcome {
    if k < notApplicable.count, code >= 0, code < notApplicable[k].count, notApplicable[k][code] {
      return .notApplicable
    }
    return channels[k].outcome(code: code)
  }

  /// Marks channel `k` not applicable on every land-use code (the region has nothing for it to
  /// measure, `NotApplicableBound`): the cell pass then counts all its land as not applicable
  /// (status `not_applicable`), reads none of its rasters (a nodata cell does not make it "not
  /// computed") and evaluates no formula.
  ///
  /// - Parameter k: the channel's index in `indicators`.
  public mutating func markNotApplicable(_ k: Int) {
    while notApplicable.count < channels.count { notApplicable.append([]) }
    notApplicable[k] = [Bool](repeating: true, count: classOfCode.count)
    indicators[k].roles = []
    indicators[k].excludedWhere = nil
    if k < roleSlots.count { roleSlots[k] = [] }
    if k < exclusionSlots.count { exclusionSlots[k] = -1 }
    if k < missingCodes.count { missingCodes[k] = [] }
  }

  /// Size of the dense per-code table (largest mapped land-use code + 1).
  var denseCount: Int { classOfCode.count }

  /// The ecosystem class of a land-use code, or nil when the crosswalk does not map it.
  public func ecosystemClass(code: Int) -> Int? {
    code >= 0 && code < classOfCode.count && classOfCode[code] >= 0 ? classOfCode[code] : nil
  }

  /// Evaluates channel `k` for one cell of land-use code `code`: its physical quantity and
  /// value (yuan), or nil when a coefficient is missing for the code's class; (0, 0) for a
  /// class the profile marks not applicable and for a cell the channel excludes (a stream
  /// channel cell for soil conservation). For single-cell uses (VEP scenarios, calculators);
  /// the cell pass evaluates whole batches.
  ///
  /// - Parameters:
  ///   - k: the channel's index in `indicators`.
  ///   - code: a land-use code the crosswalk maps.
  ///   - x: the cell's raster values, indexed by the model's role slot (`roles`).
  ///   - area: the cell's area, m².
  public func evaluate(_ k: Int, code: Int, _ x: UnsafePointer<Double>, area: Double)
    -> (Double, Double)?
  {
    guard ecosystemClass(code: code) != nil else { return nil }
    // The cell pass's order (`ZoneTileWorker.accumulate`): not applicable, then excluded,
    // then a missing coefficient or a structural zero.
    let kind = outcome(k, code: code)
    if case .notApplicable = kind { return (0, 0) }
    if excluded(k, x) { return (0, 0) }
    switch kind {
    case .missing: return nil
    case .zero, .notApplicable: return (0, 0)
    case .depends: break
    }
    var c = Int32(code)
    var a = area
    var q = 0.0
    var v = 0.0
    var missing = false
    withUnsafePointer(to: &c) { cp in
      withUnsafePointer(to: &a) { ap in
        channels[k].evaluate(
          CellBatch(count: 1, codes: cp, areas: ap, values: x, stride: 1, slots: slots),
          quantity: &q, value: &v, missing: &missing)
      }
    }
    return missing ? nil : (q, v)
  }
}

extension CellModel {
  /// Evaluates channel `k` over a batch of cells (`CellBatch` layout: role-major `values` with
  /// `stride` entries per role, slots as `roles`): per cell the quantity and value, and
  /// `computed[i]` false where the code's class has no coefficient (the value is then not a
  /// number to add). Structural zeros, not-applicable classes and cells the channel excludes
  /// (`CellIndicator.excludedWhere`) give (0, 0). The per-cell result equals
  /// `evaluate(_:code:_:area:)` cell by cell.
  ///
  /// - Parameters:
  ///   - k: the channel's index in `indicators`.
  ///   - count: cells in the batch; `codes`, `areas` (m²), `quantity` (the channel's unit),
  ///     `value` (yuan) and `computed` have `count` entries.
  ///   - values: role-major raster values, `stride` (≥ `count`) entries per role of `roles`.
  public func evaluate(
    _ k: Int, count: Int, codes: UnsafePointer<Int32>, areas: UnsafePointer<Double>,
    values: UnsafePointer<Double>, stride: Int, quantity: UnsafeMutablePointer<Double>,
    value: UnsafeMutablePointer<Double>, computed: UnsafeMutablePointer<Bool>
  ) {
    let missing = UnsafeMutablePointer<Bool>.allocate(capacity: max(1, count))
    defer { missing.deallocate() }
    missing.initialize(repeating: false, count: max(1, count))
    channels[k].evaluate(
      CellBatch(
        count: count, codes: codes, areas: areas, values: values, stride: stride, slots: slots),
      quantity: quantity, value: value, missing: missing)
    for i in 0..<count {
      let kind = outcome(k, code: Int(codes[i]))
      // Not applicable and excluded cells first, as in the cell pass.
      var nothing = excluded(k, values, stride: stride, cell: i)
      if case .notApplicable = kind { nothing = true }
      if nothing {
        computed[i] = true
        quantity[i] = 0
        value[i] = 0
        continue
      }
      switch kind {
      case .missing: computed[i] = false
      case .zero, .notApplicable:
        computed[i] = true
        quantity[i] = 0
        value[i] = 0
      case .depends: computed[i] = !missing[i]
      }
    }
  }

  /// Binds the profile's per-cell methods to a run.
  ///
  /// - Parameters:
  ///   - coefficients: the loaded coefficient folder.
  ///   - scheme: the land-use scheme (crosswalk name).
  ///   - roles: the raster roles the run provides (after derivations).
  ///   - fvcIsPercent: true when the FVC raster is declared in percent.
  ///   - file: the coefficient folder, for messages.
  ///   - registry: the implemented methods.
  ///   - rasterUnits: the unit the run file declares per raster role.
  ///   - year: the accounting year (prices are indexed to it where the set names an index).
  ///   - codes: land-use code → ecosystem class to use instead of the crosswalk of `scheme`
  ///     (the calculators evaluate classes directly).
  ///   - notApplicable: indicators the run declares not applicable to its region
  ///     (`RunConfiguration.notApplicable`): not bound.
  /// - Returns: the model; indicators whose inputs, coefficients or prices are missing are
  ///   left out or computed without value, each with a warning in `notes`. A method the
  ///   registry lacks is not bound (validation rejects it, `MethodRegistry.problems(of:)`).
  public static func build(
    coefficients c: CoefficientSet, scheme: String, roles available: Set<RasterRole>,
    fvcIsPercent: Bool, file: String, registry: MethodRegistry = .builtIn,
    codes: [Int: Int]? = nil, rasterUnits: [RasterRole: String] = [:], year: Int? = nil,
    notApplicable: Set<String> = []
  ) -> CellModel {
    var notes: [Problem] = []
    var switches: [String: String] = [:]
    var classOfCode: [Int: Int] = [:]
    for entry in c.crosswalks[scheme]?.entries ?? [] {
      guard let cls = entry.ecosystemClass else { continue }
      classOfCode[entry.lulcCode] = cls
    }
    if let codes { classOfCode = codes }
    var bound: [BoundChannel] = []
    // Per bound channel: the class table whose `applies = 0` rows mark classes not applicable.
    var maskTables: [String?] = []
    for p in c.profile.indicators where p.category == .regulating {
      switches[p.id] = p.method
      if notApplicable.contains(p.id) {
        switches[p.id] = "not applicable (run file [not_applicable])"
        continue
      }
      guard let d = registry.descriptor(indicator: p.id, method: p.method), d.scope == .cell,
        let bind = d.bind
      else { continue }
      let missing = d.rasters.filter { $0.required && !available.contains($0.role) }
      if !missing.isEmpty {
        notes.append(
          Problem(
            .warning, "indicator.missing-input",
            "\(p.id) (\(p.nameZH)) is not computed: the run gives no "
              + missing.map(\.role.rawValue).joined(separator: ", ") + " raster",
            at: ProblemLocation(file: file, field: p.id)))
        continue
      }
      var ctx = MethodContext(
        coefficients: c, profile: p, descriptor: d, classOfCode: classOfCode,
        available: available, fvcIsPercent: fvcIsPercent, rasterUnits: rasterUnits, year: year,
        file: file)
      var channels = bind(&ctx)
      for i in channels.indices {
        channels[i].indicator.plausibleDensity = d.plausibleDensity
        channels[i].indicator.notApplicableBound = d.notApplicableBound
      }
      if let mask = d.excludedWhere {
        let used = available.contains(mask)
        for i in channels.indices where used {
          channels[i].indicator.excludedWhere = mask
          if !channels[i].indicator.roles.contains(mask) {
            channels[i].indicator.roles.append(mask)
          }
        }
        switches["\(p.id).excluded_where"] =
          used ? "\(mask.rawValue) ≠ 0 (not evaluated, reported as excluded_share)" : "none"
      }
      maskTables += channels.map { _ in d.appliesTable }
      bound += channels
      notes += ctx.notes
      switches.merge(ctx.switches) { _, new in new }
    }
    var roles: [RasterRole] = []
    for b in bound { for r in b.indicator.roles where !roles.contains(r) { roles.append(r) } }
    var model = CellModel(
      indicators: bound.map(\.indicator), channels: bound.map(\.channel), roles: roles,
      notes: notes, switches: switches)
    model.slots = Dictionary(uniqueKeysWithValues: roles.enumerated().map { ($1, $0) })
    model.roleSlots = model.indicators.map { $0.roles.compactMap { model.slots[$0] } }
    model.exclusionSlots = model.indicators.map { ind in
      ind.excludedWhere.flatMap { model.slots[$0] } ?? -1
    }
    let maxCode = classOfCode.keys.max() ?? 0
    if maxCode >= 0 && maxCode <= 1 << 20 {
      var dense = [Int](repeating: -1, count: maxCode + 1)
      for (k, v) in classOfCode where k >= 0 { dense[k] = v }
      model.classOfCode = dense
    }
    // Classes the profile marks not applicable, read level by level as
    // `CoefficientSet.classCoefficient` reads a value: at each level of the class chain an
    // `applies` row decides; a level with a value of its own (a level-2 class with its own α
    // under a level-1 parent marked `applies = 0`) is computed, not masked by the parent.
    func masked(_ table: String, _ cls: Int) -> Bool {
      guard let rows = c.classTables[table]?.rows else { return false }
      for code in c.classChain(cls) {
        let level = rows.filter { $0.classCode == code }
        if let mask = level.first(where: { $0.parameter == "applies" }) {
          return mask.value == 0
        }
        if level.contains(where: { $0.value != nil }) { return false }
      }
      return false
    }
    model.notApplicable = maskTables.map { table in
      guard let table else { return [] }
      return model.classOfCode.map { $0 >= 0 && masked(table, $0) }
    }
    // Land-use codes whose class lacks a coefficient, per channel (reported with their areas
    // after the cell pass): every input 1 (slope 1°), exclusion masks 0.
    var probe = [Double](repeating: 1, count: max(1, roles.count))
    for slot in model.exclusionSlots where slot >= 0 { probe[slot] = 0 }  // a hillslope cell
    model.missingCodes = model.indicators.indices.map { k in
      classOfCode.keys.sorted().filter { code in
        probe.withUnsafeBufferPointer { model.evaluate(k, code: code, $0.baseAddress!, area: 1) }
          == nil
      }
    }
    return model
  }
}
