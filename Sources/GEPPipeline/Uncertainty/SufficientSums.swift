import GEPCore

/// A per-cell channel whose zone sums, for any values of its class coefficients, scalar
/// parameters and prices, follow from sums of per-cell terms that do not depend on them: the
/// sufficient sums (充分统计量) of `gep uncertainty`, summed once per zone and land-use code in one
/// raster pass, from which every Monte Carlo draw is evaluated without reading a raster.
///
/// What each method declares (issue 18; formulas GEP-METHODS §5):
/// - water conservation (`WaterBalanceChannel`, §5.1): Q = max(0, (P − ET)·A·10 − α·P·A·10);
///   terms (P − ET)·A·10 and P·A·10, linear in α and the reservoir price except for the clamp,
///   which is evaluated exactly by its own rule (`clampCoefficient`);
/// - soil conservation (`SoilConservationChannel`, §5.2): SC = R·K·LS·A − P·(R·K·LS·C·A); terms
///   R·K·LS·A and R·K·LS·C·A per P slope row, linear in P, C of the class table, the scalar
///   parameters and the three prices;
/// - the class-rate methods (`ClassRateChannel`: carbon and oxygen by rate §5.8, air and water
///   purification capacity §5.6–§5.7, climate regulation by EPP §5.9): quantity = rate × a
///   formula linear in the area; term A;
/// - flood regulation's marsh part (`MarshChannel`, §5.5): depth × A; term A;
/// - carbon by NEP (`NEPChannel`, §5.8 (b)): the CO₂ per cell has no coefficient; term CO₂,
///   linear in the carbon price.
/// RWEQ sand fixation (§5.3) is not linear in its coefficients and does not conform: its zone
/// sums are used as computed, and `gep uncertainty` rejects a run that draws one of its inputs.
protocol SufficientSumsChannel: CellChannel {
  /// Terms per cell.
  var termCount: Int { get }
  /// Groups of cells per land-use code kept apart (the slope rows of a conditional P), ≥ 1.
  var groupCount: Int { get }
  /// The per-cell terms (term t of cell i at `terms[t * cells.count + i]`) and each cell's
  /// group; called for the cells the channel evaluates (every cell of the batch; those it skips
  /// are discarded by the pass).
  func sufficientTerms(
    _ cells: CellBatch, terms: UnsafeMutablePointer<Double>, groups: UnsafeMutablePointer<Int32>)
  /// For a clamped channel (per cell q = max(0, term₀ − θ·term₁), term₁ ≥ 0), θ of a land-use
  /// code; nil: the channel is linear, no clamp.
  func clampCoefficient(code: Int) -> Double?
  /// The quantity and value (yuan) of a zone's cells of `code` in group `group`, from the sums
  /// of their terms (`termCount` values), with this channel's coefficients and prices.
  func combine(code: Int, group: Int, sums: UnsafePointer<Double>) -> (Double, Double)
  /// Whether cells of `code` can fall in group `group` (`combine` is defined for it).
  func hasGroup(code: Int, group: Int) -> Bool
}

extension SufficientSumsChannel {
  var groupCount: Int { 1 }
  func hasGroup(code: Int, group: Int) -> Bool { group == 0 }
  func clampCoefficient(code: Int) -> Double? { nil }
}

extension WaterBalanceChannel: SufficientSumsChannel {
  var termCount: Int { 2 }

  func sufficientTerms(
    _ cells: CellBatch, terms: UnsafeMutablePointer<Double>, groups: UnsafeMutablePointer<Int32>
  ) {
    let p = cells.values(.precipitation)
    let et = cells.values(.evapotranspiration)
    let n = cells.count
    for i in 0..<n {
      let scale =
        cells.areas[i] / UnitConversion.squareMetresPerHectare
        * UnitConversion.cubicMetresPerMillimetreHectare
      terms[i] = (p[i] - et[i]) * scale
      terms[n + i] = p[i] * scale
      groups[i] = 0
    }
  }

  func clampCoefficient(code: Int) -> Double? {
    negativeCells == .clampToZero && code < alpha.count ? alpha[code] : nil
  }

  func combine(code: Int, group: Int, sums: UnsafePointer<Double>) -> (Double, Double) {
    let q = sums[0] - alpha[code] * sums[1]
    return (q, waterConservationValue(volume: q, reservoirUnitCost: price))
  }
}

extension ClassRateChannel: SufficientSumsChannel {
  var termCount: Int { 1 }

  func sufficientTerms(
    _ cells: CellBatch, terms: UnsafeMutablePointer<Double>, groups: UnsafeMutablePointer<Int32>
  ) {
    for i in 0..<cells.count {
      terms[i] = cells.areas[i]
      groups[i] = 0
    }
  }

  /// The formula is linear in the area (rate × area × constants), so it applies to the sum.
  func combine(code: Int, group: Int, sums: UnsafePointer<Double>) -> (Double, Double) {
    formula(rate[code], sums[0])
  }
}

extension MarshChannel: SufficientSumsChannel {
  var termCount: Int { 1 }

  func sufficientTerms(
    _ cells: CellBatch, terms: UnsafeMutablePointer<Double>, groups: UnsafeMutablePointer<Int32>
  ) {
    for i in 0..<cells.count {
      terms[i] = cells.areas[i]
      groups[i] = 0
    }
  }

  func combine(code: Int, group: Int, sums: UnsafePointer<Double>) -> (Double, Double) {
    guard code < marsh.count, marsh[code] else { return (0, 0) }
    let m3 = depth * sums[0]
    return (m3, floodRegulationValue(volume: m3, reservoirUnitCost: cost))
  }
}

extension NEPChannel: SufficientSumsChannel {
  var termCount: Int { 1 }

  func sufficientTerms(
    _ cells: CellBatch, terms: UnsafeMutablePointer<Double>, groups: UnsafeMutablePointer<Int32>
  ) {
    let nep = cells.values(.nep)
    for i in 0..<cells.count {
      terms[i] = carbonSequestrationNEP(
        netEcosystemProductivity: nep[i] * scale,
        areaHectares: cells.areas[i] / UnitConversion.squareMetresPerHectare)
      groups[i] = 0
    }
  }

  func combine(code: Int, group: Int, sums: UnsafePointer<Double>) -> (Double, Double) {
    (sums[0], price.map { carbonSequestrationValue(carbonDioxide: sums[0], price: $0) } ?? 0)
  }
}

extension SoilConservationChannel: SufficientSumsChannel {
  var termCount: Int { 2 }
  var groupCount: Int { max(1, pCount.max() ?? 1) }

  func sufficientTerms(
    _ cells: CellBatch, terms: UnsafeMutablePointer<Double>, groups: UnsafeMutablePointer<Int32>
  ) {
    let r = cells.values(.erosivity)
    let k = cells.values(.erodibility)
    let ls = cells.values(.ls)
    let cover = fvc ? cells.values(.fvc) : nil
    let slopes = slope ? cells.values(.slope) : nil
    let n = cells.count
    for i in 0..<n {
      let code = Int(cells.codes[i])
      let rkls = r[i] * k[i] * ls[i] * (cells.areas[i] / UnitConversion.squareMetresPerHectare)
      terms[i] = rkls
      // With an FVC raster C is per cell (no coefficient): the second term carries it; with the
      // class table C is a coefficient applied in `combine`.
      if let cover {
        let c = usleCFromVegetationCover(coverPercent: fvcIsPercent ? cover[i] : cover[i] * 100)
        terms[n + i] = rkls * c
      } else {
        terms[n + i] = 0
      }
      groups[i] = Int32(practiceRow(code: code, slope: slopes?[i] ?? .nan) ?? 0)
    }
  }

  func hasGroup(code: Int, group: Int) -> Bool {
    form == .coverOnly ? group == 0 : code < pCount.count && group < pCount[code]
  }

  /// The index (within the code's rows) of the P row a cell of slope `s` uses, as `support`.
  func practiceRow(code: Int, slope s: Double) -> Int? {
    if form == .coverOnly { return 0 }
    let start = pStart[code]
    for j in start..<start + pCount[code] {
      let lo = pLower[j]
      if lo == -Double.infinity || (s >= lo && s <= pUpper[j]) { return j - start }
    }
    return nil
  }

  func combine(code: Int, group: Int, sums: UnsafePointer<Double>) -> (Double, Double) {
    let coverTerm = fvc ? sums[1] : usleC[code] * sums[0]
    let p = form == .coverOnly ? 1 : pValue[pStart[code] + group]
    let sc = form == .coverOnly ? sums[0] - coverTerm : sums[0] - p * coverTerm
    let v =
      reducedSedimentDepositionValue(
        soilRetained: sc, depositionCoefficient: sedimentRatio, bulkDensity: bulkDensity,
        dredgingCost: dredgingCost)
      + reducedNutrientLossValue(
        soilRetained: sc, nutrientContentPercent: nPercent, removalCost: nitrogenCost)
      + reducedNutrientLossValue(
        soilRetained: sc, nutrientContentPercent: pPercent, removalCost: phosphorusCost)
    return (sc, v)
  }
}
