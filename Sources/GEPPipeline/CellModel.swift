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
  /// Which formula the channel evaluates.
  var kind: Kind

  /// The per-cell formulas.
  enum Kind: Sendable, Hashable {
    case waterConservation, soilConservation, carbonSequestration, climateRegulation
    case airPurification(Int)
    case waterPurification(Int)
    case floodMarsh
  }
}

/// Per-land-use-code parameters of the spatial indicators, looked up once from the coefficient
/// tables through the crosswalk (never per cell).
///
/// A plain value (no arrays), so the per-cell loop copies it without reference counting:
/// pollutant capacities and slope ranges are fixed-size SIMD vectors, NaN meaning "no value".
struct CodeParameters: Sendable {
  var ecosystemClass: Int = -1
  /// Index of the level-1 class in the run's level-1 list (set by the zonal pass), −1: none.
  var level1Index: Int = -1
  var runoffFraction: Double? = nil
  var usleC: Double? = nil
  /// Slope ranges of P in degrees: lower bounds, upper bounds and values of the first
  /// `uslePCount` ranges (an unconditional P is the range −∞…∞).
  var uslePLower = SIMD16<Double>(repeating: .nan)
  var uslePUpper = SIMD16<Double>(repeating: .nan)
  var uslePValue = SIMD16<Double>(repeating: .nan)
  var uslePCount = 0
  /// The number of usle_p rows the tables give for the class (more than `uslePCount` only when
  /// above `CellModel.maximumPRanges`, which validation refuses).
  var uslePRangesGiven = 0
  var carbonRate: Double? = nil
  var epp: Double? = nil
  /// Air purification capacity per pollutant (`CellModel.airPollutants` order), NaN: none.
  var air = SIMD4<Double>(repeating: .nan)
  /// Water purification capacity per pollutant (`CellModel.waterPollutants` order), NaN: none.
  var water = SIMD4<Double>(repeating: .nan)
  var isMarsh = false
}

/// The spatial (per-cell) part of a profile: which indicators are computed per cell, with
/// their parameters per land-use code, scalar parameters and prices.
///
/// Per cell (area A in m², a = A / 10 000 hm²), with the formulas of GEPCore:
/// - water conservation (§5.1): Q = (P − P·α − ET) · a · 10 m³ (negative cells per the switch),
///   value = Q · reservoir cost;
/// - soil conservation (§5.2): SC = R·K·LS·(1 − C·P) · a t, C from FVC (蔡崇法) when an FVC
///   raster is given, else from the class table; value = λ·SC/ρ · dredging cost + SC·N% · N
///   price + SC·P% · P price;
/// - carbon sequestration (§5.8): rate · a t C → × 44/12 t CO₂, value by the carbon price;
/// - climate regulation (§5.9): EPP · A · D / (3600 · r) kWh, value by the electricity price;
/// - air and water purification (§5.6, §5.7): capacity q · a / 1000 t per pollutant, valued
///   by the treatment cost (capacity, i.e. potential; capping needs emission tables);
/// - flood regulation (§5.5): marsh detention depth · marsh area m³.
public struct CellModel: Sendable {
  /// Output channels in a fixed order.
  public var indicators: [CellIndicator]
  /// Raster roles any indicator reads, in a fixed order (the tile reader's order).
  public var roles: [RasterRole]
  /// Warnings found while building (missing coefficients, prices, inputs).
  public var notes: [Problem]
  /// Per channel, the land-use codes whose ecosystem class has no coefficient for it (with a
  /// slope-conditional P, those whose P has no row for slope 1°).
  public var missingCodes: [[Int]] = []
  /// The method switches in force, for the manifest.
  public var switches: [String: String]
  var codes: [Int: CodeParameters]
  /// Parameters by land-use code, dense (index = code), for the per-cell loop.
  var dense: [CodeParameters] = []
  var fvcIsPercent: Bool
  var negativeCells: NegativeCellHandling
  // Scalar parameters and prices.
  var waterPrice = 0.0
  var sedimentRatio = 0.0
  /// Soil conservation form: R·K·LS·(1 − C·P) (rusle_cp, rusle_cp_c_table) or R·K·LS·(1 − C)
  /// (rusle_c, no P factor).
  var soilForm = SoilConservationForm.coverAndPractice
  /// C from the class table rusle.usle_c even where an FVC raster is given (rusle_cp_c_table).
  var soilCFromTable = false
  var bulkDensity = 1.0
  var nPercent = 0.0
  var pPercent = 0.0
  var dredgingCost = 0.0
  var nitrogenCost = 0.0
  var phosphorusCost = 0.0
  var carbonPrice: CarbonPrice? = nil
  var coolingDays = 0.0
  var eer = 3.0
  var electricityPrice = 0.0
  var airPrices: [Double] = [0, 0, 0]
  var waterPrices: [Double] = [0, 0, 0]
  var marshDepth = 0.3
  var floodPrice = 0.0
  var slots = Slots()
  /// For each indicator, the slots (indices into `roles`) of the rasters it reads.
  var roleSlots: [[Int]] = []
  /// The formula of each channel (`indicators[k].kind`), kept apart for the per-cell loop.
  var kinds: [CellIndicator.Kind] = []

  /// Where each role's value sits in a cell's input vector (−1: not read).
  struct Slots: Sendable {
    var precipitation = -1, evapotranspiration = -1, erosivity = -1, erodibility = -1
    var ls = -1, fvc = -1, slope = -1
  }

  /// The parameters of a land-use code, or nil for a code the crosswalk does not map.
  @inline(__always)
  func parameters(code: Int) -> CodeParameters? {
    guard code >= 0, code < dense.count else { return nil }
    let p = dense[code]
    return p.ecosystemClass < 0 ? nil : p
  }

  /// Size of the dense per-code table (largest mapped land-use code + 1).
  var denseCount: Int { dense.count }

  /// The ecosystem class of a land-use code, or nil when the crosswalk does not map it.
  public func ecosystemClass(code: Int) -> Int? { parameters(code: code)?.ecosystemClass }

  /// What channel `k` gives for a land-use code whatever the raster values are: `.missing` when
  /// `evaluate` returns nil for every cell of the code (a class coefficient is absent), `.zero`
  /// when it returns (0, 0) (e.g. the marsh part of flood regulation on other classes), else
  /// `.depends`. The cell pass uses it to skip the formula; results are unchanged.
  func staticOutcome(_ k: Int, _ p: CodeParameters) -> StaticOutcome {
    switch kinds[k] {
    case .waterConservation: return p.runoffFraction == nil ? .missing : .depends
    case .soilConservation:
      if soilForm == .coverAndPractice && p.uslePCount == 0 { return .missing }
      if (slots.fvc < 0 || soilCFromTable) && p.usleC == nil { return .missing }
      return .depends
    case .carbonSequestration: return p.carbonRate == nil ? .missing : .depends
    case .climateRegulation: return p.epp == nil ? .missing : .depends
    case .airPurification(let i): return p.air[i].isNaN ? .missing : .depends
    case .waterPurification(let i): return p.water[i].isNaN ? .missing : .depends
    case .floodMarsh: return p.isMarsh ? .depends : .zero
    }
  }

  /// See `staticOutcome(_:_:)`.
  enum StaticOutcome { case missing, zero, depends }

  /// Evaluates channel `k` for one cell: its physical quantity (in the channel's unit) and
  /// value (yuan), or nil when a coefficient is missing for the cell's class.
  ///
  /// - Parameters:
  ///   - k: the channel's index in `indicators`.
  ///   - p: the cell's land-use parameters.
  ///   - x: the cell's raster values, indexed by slot (valid: the caller checked the masks).
  ///   - area: the cell's area, m².
  @inline(__always)
  func evaluate(_ k: Int, _ p: CodeParameters, _ x: UnsafeMutablePointer<Double>, area: Double)
    -> (Double, Double)?
  {
    let hectares = area / UnitConversion.squareMetresPerHectare
    switch kinds[k] {
    case .waterConservation:
      guard let alpha = p.runoffFraction else { return nil }
      let q = waterConservation(
        precipitation: x[slots.precipitation], runoffCoefficient: alpha,
        evapotranspiration: x[slots.evapotranspiration], areaHectares: hectares,
        negativeCells: negativeCells)
      return (q, waterConservationValue(volume: q, reservoirUnitCost: waterPrice))
    case .soilConservation:
      let c: Double
      if slots.fvc >= 0 && !soilCFromTable {
        let cover = fvcIsPercent ? x[slots.fvc] : x[slots.fvc] * 100
        c = usleCFromVegetationCover(coverPercent: cover)
      } else {
        guard let tc = p.usleC else { return nil }
        c = tc
      }
      var support: Double? = soilForm == .coverOnly ? 1 : nil
      let slope = slots.slope >= 0 ? x[slots.slope] : Double.nan
      if support == nil {
        for j in 0..<p.uslePCount {
          let lo = p.uslePLower[j]
          if lo == -Double.infinity || (slope >= lo && slope <= p.uslePUpper[j]) {
            support = p.uslePValue[j]
            break
          }
        }
      }
      guard let pp = support else { return nil }
      let perHa = soilConservation(
        erosivity: x[slots.erosivity], erodibility: x[slots.erodibility], ls: x[slots.ls],
        usleC: c, usleP: pp, form: soilForm)
      let sc = perHa * hectares
      let v =
        reducedSedimentDepositionValue(
          soilRetained: sc, depositionCoefficient: sedimentRatio, bulkDensity: bulkDensity,
          dredgingCost: dredgingCost)
        + reducedNutrientLossValue(
          soilRetained: sc, nutrientContentPercent: nPercent, removalCost: nitrogenCost)
        + reducedNutrientLossValue(
          soilRetained: sc, nutrientContentPercent: pPercent, removalCost: phosphorusCost)
      return (sc, v)
    case .carbonSequestration:
      guard let rate = p.carbonRate else { return nil }
      let co2 = carbonDioxide(fromCarbon: rate * hectares)
      let v = carbonPrice.map { carbonSequestrationValue(carbonDioxide: co2, price: $0) } ?? 0
      return (co2, v)
    case .climateRegulation:
      guard let epp = p.epp else { return nil }
      let kwh = vegetationTranspirationEnergy(
        heatConsumedPerArea: epp,
        areaSquareKilometres: area / UnitConversion.squareMetresPerSquareKilometre,
        coolingDays: coolingDays, energyEfficiencyRatio: eer)
      return (kwh, climateRegulationValue(energy: kwh, electricityPrice: electricityPrice))
    case .airPurification(let i):
      let q = p.air[i]
      if q.isNaN { return nil }
      // kg·hm⁻²·a⁻¹ × hm² ÷ 1000 kg·t⁻¹ = t·a⁻¹
      let t =
        purificationCapacity(capacityPerArea: q, areaHectares: hectares)
        / UnitConversion.kilogramsPerTonne
      return (t, purificationValue(amount: t, treatmentCost: airPrices[i]))
    case .waterPurification(let i):
      let q = p.water[i]
      if q.isNaN { return nil }
      let t =
        purificationCapacity(capacityPerArea: q, areaHectares: hectares)
        / UnitConversion.kilogramsPerTonne
      return (t, purificationValue(amount: t, treatmentCost: waterPrices[i]))
    case .floodMarsh:
      guard p.isMarsh else { return (0, 0) }
      let m3 = marshDepth * area
      return (m3, floodRegulationValue(volume: m3, reservoirUnitCost: floodPrice))
    }
  }

  /// Pollutants of air purification, in channel order (GEP-METHODS §5.6).
  public static let airPollutants = ["so2", "nox", "dust"]
  /// Pollutants of water purification, in channel order (GEP-METHODS §5.7).
  public static let waterPollutants = ["cod", "nh3n", "tp"]
}

extension CellModel {
  /// The most slope classes of usle_p one ecosystem class may have.
  static let maximumPRanges = 16

  /// The parameters of one ecosystem class, looked up once from the coefficient tables with the
  /// level-2 → level-1 fallback (`CoefficientSet.classCoefficient`).
  static func classParameters(_ c: CoefficientSet, ecosystemClass cls: Int) -> CodeParameters {
    var p = CodeParameters()
    p.ecosystemClass = cls
    func value(_ table: String, _ parameter: String) -> (Double, String)? {
      if case .value(let v, let row) = c.classCoefficient(
        table: table, parameter: parameter, classCode: cls)
      {
        return (v, row.unit)
      }
      return nil
    }
    if let (a, unit) = value("runoff_coefficient", "alpha") {
      p.runoffFraction = unit == "percent" ? a / 100 : a
    }
    p.usleC = value("rusle", "usle_c")?.0
    // P may be conditional on slope: keep every row that applies to the class chain, level by
    // level as `classCoefficient` does: an `applies = 0` row masks the class (not computed).
    for code in c.classChain(cls) {
      if let mask = c.classTables["rusle"]?.rows(classCode: code, parameter: "applies").first,
        mask.value == 0
      {
        break
      }
      guard let rows = c.classTables["rusle"]?.rows(classCode: code, parameter: "usle_p"),
        !rows.isEmpty
      else { continue }
      let ranges: [(Double, Double, Double)] = rows.compactMap { r in
        guard let v = r.value else { return nil }
        if let cond = r.condition { return (cond.lower, cond.upper, v) }
        return (-Double.infinity, Double.infinity, v)
      }
      // More slope classes than `maximumPRanges` are refused by validation
      // (`coefficients.usle-p-ranges`), never cut off.
      for (j, (lo, hi, v)) in ranges.prefix(maximumPRanges).enumerated() {
        p.uslePLower[j] = lo
        p.uslePUpper[j] = hi
        p.uslePValue[j] = v
      }
      p.uslePCount = min(ranges.count, maximumPRanges)
      p.uslePRangesGiven = ranges.count
      break
    }
    p.carbonRate = value("carbon_sequestration", "rate")?.0
    p.epp = value("climate_regulation", "epp")?.0
    for (j, pollutant) in airPollutants.enumerated() {
      p.air[j] = value("air_purification", pollutant)?.0 ?? .nan
    }
    for (j, pollutant) in waterPollutants.enumerated() {
      p.water[j] = value("water_purification", pollutant)?.0 ?? .nan
    }
    p.isMarsh = c.classChain(cls).contains(401)
    return p
  }

  /// Builds the per-cell model of a profile from a coefficient set.
  ///
  /// - Parameters:
  ///   - coefficients: the loaded coefficient folder.
  ///   - scheme: the land-use scheme (crosswalk name).
  ///   - roles: the raster roles the run provides (after derivations).
  ///   - fvcIsPercent: true when the FVC raster is declared in percent.
  ///   - file: the coefficient folder, for messages.
  /// - Returns: the model; indicators whose inputs, coefficients or prices are missing are
  ///   left out or computed without value, each with a warning in `notes`.
  public static func build(
    coefficients c: CoefficientSet, scheme: String, roles available: Set<RasterRole>,
    fvcIsPercent: Bool, file: String
  ) -> CellModel {
    var notes: [Problem] = []
    var switches: [String: String] = [:]
    let profile = c.profile
    func warn(_ code: String, _ msg: String, _ field: String? = nil) {
      notes.append(Problem(.warning, code, msg, at: ProblemLocation(file: file, field: field)))
    }
    func price(_ id: String) -> (Double, String)? {
      guard let p = c.prices[id], let v = p.value else { return nil }
      let year = p.priceYear.map { ", \($0)" } ?? ""
      return (v, "\(formatNumber(v)) \(p.unit) (\(id)\(year), \(p.provenance.source))")
    }
    func param(_ id: String) -> Double? { c.parameterValue(id) }
    // Per-code parameters through the crosswalk.
    var codes: [Int: CodeParameters] = [:]
    let crosswalk = c.crosswalks[scheme]
    for entry in crosswalk?.entries ?? [] {
      guard let cls = entry.ecosystemClass else { continue }
      codes[entry.lulcCode] = classParameters(c, ecosystemClass: cls)
    }
    var model = CellModel(
      indicators: [], roles: [], notes: [], switches: [:], codes: codes,
      fvcIsPercent: fvcIsPercent, negativeCells: .clampToZero)
    var indicators: [CellIndicator] = []
    func add(
      _ p: ProfileIndicator, _ kind: CellIndicator.Kind, roles: [RasterRole], unit: String,
      priceNote: String?, component: String? = nil
    ) {
      let missing = roles.filter { !available.contains($0) }
      if !missing.isEmpty {
        warn(
          "indicator.missing-input",
          "\(p.id) (\(p.nameZH)) is not computed: the run gives no "
            + missing.map(\.rawValue).joined(separator: ", ") + " raster", p.id)
        return
      }
      if priceNote == nil {
        warn(
          "indicator.missing-price",
          "\(p.id)\(component.map { " (\($0))" } ?? ""): no price in prices.csv (\(p.priceIDs.joined(separator: ", "))); the physical quantity is reported without value",
          p.id)
      }
      indicators.append(
        CellIndicator(
          id: p.id, nameEN: p.nameEN, nameZH: p.nameZH, category: p.category ?? .regulating,
          method: p.method, physicalUnit: unit, priceNote: priceNote ?? "no price",
          hasValue: priceNote != nil, roles: roles, component: component, kind: kind))
    }
    for p in profile.indicators where p.category == .regulating {
      switches[p.id] = p.method
      switch (p.id, p.method) {
      case ("water_conservation", "water_balance"):
        let pr = price(p.priceIDs.first ?? "")
        model.waterPrice = pr?.0 ?? 0
        switches["water_conservation.negative_cells"] = model.negativeCells.rawValue
        add(
          p, .waterConservation, roles: [.precipitation, .evapotranspiration], unit: "m3/a",
          priceNote: pr?.1)
      case ("soil_conservation", let m)
      where m == "rusle_cp" || m == "rusle_c" || m == "rusle_cp_c_table":
        model.soilForm = m == "rusle_c" ? .coverOnly : .coverAndPractice
        model.soilCFromTable = m == "rusle_cp_c_table"
        let ids = p.priceIDs
        let dredging = price(ids.first { $0.contains("dredging") } ?? "dredging_cost")
        let n = price(ids.first { $0.contains("nitrogen") } ?? "nitrogen_cost")
        let ph = price(ids.first { $0.contains("phosphorus") } ?? "phosphorus_cost")
        model.sedimentRatio = param("sediment_deposition_ratio") ?? 0
        model.bulkDensity = param("soil_bulk_density") ?? 1
        model.nPercent = param("soil_n_content") ?? 0
        model.pPercent = param("soil_p_content") ?? 0
        model.dredgingCost = dredging?.0 ?? 0
        model.nitrogenCost = n?.0 ?? 0
        model.phosphorusCost = ph?.0 ?? 0
        var roles: [RasterRole] = [.erosivity, .erodibility, .ls]
        if available.contains(.fvc) && !model.soilCFromTable {
          roles.append(.fvc)
          switches["soil_conservation.usle_c"] = "fvc (蔡崇法 1-class formula)"
        } else if !codes.values.contains(where: { $0.usleC != nil }) {
          // Kept as a channel (so masks and shares are still reported), but said plainly: the
          // cause is the missing FVC input, not only the coefficient table.
          warn(
            "indicator.missing-input",
            "\(p.id) (\(p.nameZH)) cannot be computed anywhere: the run gives no fvc raster, and "
              + "rusle.usle_c has no value for any class of the crosswalk, so C cannot be made "
              + "(give [rasters.fvc] or [derive.fvc], or fill rusle.usle_c)",
            p.id)
          switches["soil_conservation.usle_c"] = "class table rusle.usle_c (empty)"
        } else {
          switches["soil_conservation.usle_c"] = "class table rusle.usle_c"
        }
        // The P factor by slope class needs the slope; R·K·LS·(1 − C) has no P.
        if available.contains(.slope) && model.soilForm == .coverAndPractice {
          roles.append(.slope)
        }
        switches["soil_conservation.form"] = model.soilForm == .coverOnly ? "1 - C" : "1 - C·P"
        let parts = [dredging?.1, n?.1, ph?.1].compactMap { $0 }
        add(
          p, .soilConservation, roles: roles, unit: "t/a",
          priceNote: parts.isEmpty ? nil : parts.joined(separator: "; "))
      case ("carbon_sequestration", "sequestration_rate"):
        var chosen: (Double, String, String)? = nil
        for id in p.priceIDs {
          if let (v, note) = price(id) {
            chosen = (v, note, c.prices[id]?.unit ?? "")
            break
          }
        }
        if chosen == nil, let (v, note) = price("carbon_afforestation_cost") {
          chosen = (v, note, c.prices["carbon_afforestation_cost"]?.unit ?? "")
          warn(
            "indicator.price-fallback",
            "carbon_sequestration: \(p.priceIDs.joined(separator: ", ")) has no value; "
              + "the afforestation-cost price carbon_afforestation_cost is used", p.id)
        }
        if let (v, _, unit) = chosen {
          model.carbonPrice = CarbonPrice(
            amount: v,
            basis: unit.lowercased().contains("co2") ? .perTonneCarbonDioxide : .perTonneCarbon)
        }
        add(p, .carbonSequestration, roles: [], unit: "tCO2/a", priceNote: chosen?.1)
      case ("climate_regulation", "et_energy_epp"):
        guard let days = param("cooling_days") else {
          warn(
            "indicator.missing-parameter",
            "climate_regulation is not computed: parameters.csv gives no cooling_days (D, days "
              + "with air conditioning)", p.id)
          continue
        }
        model.coolingDays = days
        model.eer = param("ac_energy_efficiency_ratio") ?? 3
        let pr = price(p.priceIDs.first ?? "electricity_price")
        model.electricityPrice = pr?.0 ?? 0
        add(p, .climateRegulation, roles: [], unit: "kWh/a", priceNote: pr?.1)
      case ("air_purification", "capacity_capped"):
        for (i, pol) in airPollutants.enumerated() {
          let pr = price(p.priceIDs.first { $0.hasPrefix(pol) } ?? "\(pol)_treatment_cost")
          model.airPrices[i] = pr?.0 ?? 0
          add(p, .airPurification(i), roles: [], unit: "t/a", priceNote: pr?.1, component: pol)
        }
        switches["air_purification.capping"] = "capacity (no emission capping per cell)"
      case ("water_purification", "capacity_capped"):
        for (i, pol) in waterPollutants.enumerated() {
          let pr = price(p.priceIDs.first { $0.hasPrefix(pol) } ?? "\(pol)_treatment_cost")
          model.waterPrices[i] = pr?.0 ?? 0
          add(p, .waterPurification(i), roles: [], unit: "t/a", priceNote: pr?.1, component: pol)
        }
        switches["water_purification.capping"] = "capacity (no load capping per cell)"
      case ("flood_regulation", "wetland_storage"):
        model.marshDepth = param("marsh_detention_depth") ?? 0.3
        let pr = price(p.priceIDs.first ?? "reservoir_capacity_cost")
        model.floodPrice = pr?.0 ?? 0
        switches["flood_regulation.cell_part"] = "marsh detention depth × marsh area"
        add(p, .floodMarsh, roles: [], unit: "m3/a", priceNote: pr?.1, component: "marsh")
      default:
        // Indicators without any implementation are named by validation
        // (`indicator.not-implemented`); a method not implemented for an implemented
        // indicator is a validation error (`ImplementedMethods`), so is never computed here.
        if ImplementedMethods.all[p.id] != nil {
          warn(
            "indicator.method-not-implemented",
            "\(p.id) (\(p.nameZH)), method \(p.method), is not implemented in this version and "
              + "is not computed", p.id)
        }
      }
    }
    model.indicators = indicators
    var roles: [RasterRole] = []
    for i in indicators { for r in i.roles where !roles.contains(r) { roles.append(r) } }
    model.roles = roles
    func slot(_ r: RasterRole) -> Int { roles.firstIndex(of: r) ?? -1 }
    model.slots = Slots(
      precipitation: slot(.precipitation), evapotranspiration: slot(.evapotranspiration),
      erosivity: slot(.erosivity), erodibility: slot(.erodibility), ls: slot(.ls),
      fvc: slot(.fvc), slope: slot(.slope))
    model.roleSlots = indicators.map { $0.roles.map(slot) }
    model.kinds = indicators.map(\.kind)
    let maxCode = codes.keys.max() ?? 0
    if maxCode >= 0 && maxCode <= 1 << 20 {
      var dense = [CodeParameters](repeating: CodeParameters(), count: maxCode + 1)
      for (k, v) in codes where k >= 0 { dense[k] = v }
      model.dense = dense
    }
    // Land-use codes whose class lacks a coefficient, per channel (reported with their areas
    // after the cell pass).
    let probe = [Double](repeating: 1, count: max(1, roles.count))
    model.missingCodes = indicators.indices.map { k in
      var missing: [Int] = []
      var x = probe
      for code in codes.keys.sorted() {
        let p = codes[code]!
        let ok = x.withUnsafeMutableBufferPointer { b in
          model.evaluate(k, p, b.baseAddress!, area: 1) != nil
        }
        if !ok { missing.append(code) }
      }
      return missing
    }
    model.notes = notes
    model.switches = switches
    return model
  }
}
