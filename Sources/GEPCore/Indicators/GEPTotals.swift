import Foundation

// GEP totals, GEP/GDP, and price-year adjustment to constant prices.
// Source of truth: GEP-METHODS.md §3.1, §5.1 (index adjustment), §7.1, §9.

/// Gross ecosystem product (生态产品总值 / 生态系统生产总值).
///
///     GEP = EMV + ERV + ECV − D_out
///
/// - Parameters:
///   - material: EMV, value of material products (物质产品), 元/a.
///   - regulating: ERV, value of regulating services (调节服务), 元/a.
///   - cultural: ECV, value of cultural services (文化服务), 元/a.
///   - outsideOriginDeduction: D_out, value of ecological products originating outside the
///     region (GB/T 46869—2025 definition [S12]), 元/a; default 0 — record what was deducted.
/// - Returns: 元/a.
/// - Note: GEP-METHODS §3.1, §9.1 [S1][S12]. Ganzi 2010: 632.64 + 6842.28 + 70.67
///   = 7545.59 亿元 [S1].
@inlinable
public func grossEcosystemProduct(
  material: Double, regulating: Double, cultural: Double, outsideOriginDeduction: Double = 0
) -> Double {
  material + regulating + cultural - outsideOriginDeduction
}

/// Ratio of GEP to GDP (GEP/GDP).
///
///     ratio = GEP / GDP
///
/// - Parameters:
///   - gep: GEP, 元/a.
///   - gdp: GDP of the same region and year, 元/a (same price basis and money unit as `gep`).
/// - Returns: dimensionless (e.g. ≈ 61 for Ganzi 2010 [S1]).
/// - Note: GEP-METHODS §9.4.
@inlinable
public func gepToGDPRatio(gep: Double, gdp: Double) -> Double {
  gep / gdp
}

/// GEP per capita (人均 GEP).
///
///     g = GEP / population
///
/// - Parameters:
///   - gep: GEP, 元/a.
///   - population: resident population, persons.
/// - Returns: 元 per person per year (Ganzi 2010: 7545.59 亿元 / 106 万 = 71.18 万元 [S1]).
/// - Note: GEP-METHODS §9.4 [S1].
@inlinable
public func gepPerCapita(gep: Double, population: Double) -> Double {
  gep / population
}

/// Moves a price or value from one price year to another with a price index.
///
///     P_to = P_from × I_to / I_from
///
/// - Parameters:
///   - amount: price (元 per unit) or value (元) expressed in the prices of the "from" year.
///   - fromIndex: I_from, index of the year `amount` is expressed in.
///   - toIndex: I_to, index of the target year (e.g. the constant-price base year), on the same
///     fixed base as `fromIndex` (e.g. 建筑安装工程 investment price index for engineering costs).
/// - Returns: the amount in target-year prices, same unit.
/// - Note: GEP-METHODS §5.1 (P_t = P_base × I_t / I_base, consistent with [S5]), §7.1.
@inlinable
public func priceAdjusted(_ amount: Double, fromIndex: Double, toIndex: Double) -> Double {
  amount * toIndex / fromIndex
}

/// A fixed-base price index by year, for price-year adjustment and constant-price GEP.
///
/// Store one index per year on one fixed base (any base: only ratios are used). Build it from
/// published chain indices (previous year = 100) with `chained(baseYear:annualIndices:)`.
/// Source: GEP-METHODS §5.1, §7.1 (index-based adjustment practised in [S5]).
public struct PriceIndexSeries: Sendable, Hashable, Codable {
  /// Errors raised when a year is missing or an index is unusable.
  public enum Failure: Error, Sendable, Hashable {
    /// No index for this year.
    case missingYear(Int)
    /// The index of this year is zero, negative or not finite.
    case invalidIndex(year: Int, value: Double)
  }

  /// Fixed-base index values by calendar year (dimensionless, e.g. 2010 = 100).
  public var indices: [Int: Double]

  /// Creates a series from fixed-base index values.
  ///
  /// - Parameter indices: year → index on one fixed base.
  public init(indices: [Int: Double]) {
    self.indices = indices
  }

  /// Builds a fixed-base series (base year = 100) from chain indices (上年 = 100).
  ///
  ///     I_t = I_(t−1) × a_t / 100  (t > base),   I_(t−1) = I_t / (a_t / 100)  (t ≤ base)
  ///
  /// - Parameters:
  ///   - baseYear: year whose fixed-base index is 100.
  ///   - annualIndices: year t → chain index a_t (previous year = 100). Must cover every year
  ///     between the earliest/latest year and the base year without gaps (the entry of the base
  ///     year itself is used only when extending backwards).
  /// - Returns: the fixed-base series.
  /// - Throws: `Failure.missingYear` for a gap, `Failure.invalidIndex` for a value ≤ 0.
  public static func chained(baseYear: Int, annualIndices: [Int: Double]) throws -> Self {
    var result: [Int: Double] = [baseYear: 100]
    let years = annualIndices.keys
    let last = max(years.max() ?? baseYear, baseYear)
    let first = min((years.min() ?? baseYear) - 1, baseYear)
    var index = 100.0
    if last > baseYear {
      for year in (baseYear + 1)...last {
        guard let a = annualIndices[year] else { throw Failure.missingYear(year) }
        guard a > 0, a.isFinite else { throw Failure.invalidIndex(year: year, value: a) }
        index *= a / 100
        result[year] = index
      }
    }
    index = 100
    if first < baseYear {
      for year in stride(from: baseYear, to: first, by: -1) {
        guard let a = annualIndices[year] else { throw Failure.missingYear(year) }
        guard a > 0, a.isFinite else { throw Failure.invalidIndex(year: year, value: a) }
        index /= a / 100
        result[year - 1] = index
      }
    }
    return PriceIndexSeries(indices: result)
  }

  /// Moves an amount from the prices of one year to those of another.
  ///
  ///     P_to = P_from × I_to / I_from
  ///
  /// - Parameters:
  ///   - amount: price or value in `fromYear` prices.
  ///   - fromYear: year the amount is expressed in.
  ///   - toYear: target (e.g. constant-price base) year.
  /// - Returns: the amount in `toYear` prices, same unit.
  /// - Throws: `Failure.missingYear` or `Failure.invalidIndex`.
  public func adjust(_ amount: Double, from fromYear: Int, to toYear: Int) throws -> Double {
    let from = try index(of: fromYear)
    let to = try index(of: toYear)
    return priceAdjusted(amount, fromIndex: from, toIndex: to)
  }

  /// The index of one year.
  ///
  /// - Parameter year: calendar year.
  /// - Returns: the fixed-base index value (> 0).
  /// - Throws: `Failure.missingYear` or `Failure.invalidIndex`.
  public func index(of year: Int) throws -> Double {
    guard let value = indices[year] else { throw Failure.missingYear(year) }
    guard value > 0, value.isFinite else { throw Failure.invalidIndex(year: year, value: value) }
    return value
  }
}
