import Foundation

/// One price-index series of a coefficient set (`price_index.csv`), e.g. the national consumer
/// price index (居民消费价格指数, CPI) or a producer / construction price index.
///
/// Rows of `kind = chain` are chain indices (上年 = 100: the year's level relative to the previous
/// year); rows of `kind = fixed` are levels on one fixed base (any base: only ratios are used).
/// A year whose value is empty is a documented gap: indexing across it fails, never guesses.
/// Source: GEP-METHODS §5.1, §7.1 (prices brought to the accounting year with a price index,
/// P_t = P_base × I_t / I_base, as practised in [S5]); issue 13 (constant prices).
public struct PriceIndexTable: Sendable, Hashable, Codable {
  /// Series id (`index_id`), e.g. `cpi_national`.
  public var id: String
  /// `chain` (previous year = 100) or `fixed` (one fixed base).
  public var kind: String
  /// Index value by calendar year (dimensionless; `nil` = documented gap in the file).
  public var values: [Int: Double?]
  /// Provenance of each year's row.
  public var provenance: [Int: CoefficientProvenance]

  /// Creates a series.
  ///
  /// - Parameters:
  ///   - id: series id.
  ///   - kind: `chain` or `fixed`.
  ///   - values: year → index value (`nil` for a documented gap).
  ///   - provenance: year → provenance (may be empty for series built in code).
  public init(
    id: String, kind: String, values: [Int: Double?],
    provenance: [Int: CoefficientProvenance] = [:]
  ) {
    self.id = id
    self.kind = kind
    self.values = values
    self.provenance = provenance
  }

  /// The factor I_to / I_from that moves an amount from `fromYear` prices to `toYear` prices.
  ///
  ///     chain:  I_to / I_from = Π_{t = from+1 … to} a_t / 100   (inverse product if to < from)
  ///     fixed:  I_to / I_from
  ///
  /// Chain series are linked with `PriceIndexSeries.chained(baseYear:annualIndices:)` with the
  /// base at `fromYear`, so the result is the fixed-base index of `toYear` over 100.
  /// - Returns: `(fromIndex, toIndex)` on one fixed base (`fromIndex` = 100 for chain series).
  /// - Throws: `PriceIndexingError.indexYearMissing` naming the first year the link needs but
  ///   the series lacks (or has empty), `.indexInvalid` for a value ≤ 0 or not finite.
  public func levels(from fromYear: Int, to toYear: Int) throws(PriceIndexingError) -> (
    fromIndex: Double, toIndex: Double
  ) {
    func value(_ year: Int) throws(PriceIndexingError) -> Double {
      guard let cell = values[year], let v = cell else {
        throw .indexYearMissing(index: id, year: year)
      }
      guard v > 0, v.isFinite else { throw .indexInvalid(index: id, year: year, value: v) }
      return v
    }
    if kind == "fixed" { return (try value(fromYear), try value(toYear)) }
    if fromYear == toYear { return (100, 100) }
    // Chain: the years strictly after the earlier year up to the later year are needed.
    let (low, high) = (min(fromYear, toYear), max(fromYear, toYear))
    var annual: [Int: Double] = [:]
    if high > low { for year in (low + 1)...high { annual[year] = try value(year) } }
    let series: PriceIndexSeries
    do {
      series = try PriceIndexSeries.chained(baseYear: fromYear, annualIndices: annual)
      return (try series.index(of: fromYear), try series.index(of: toYear))
    } catch let failure as PriceIndexSeries.Failure {
      switch failure {
      case .missingYear(let year): throw .indexYearMissing(index: id, year: year)
      case .invalidIndex(let year, let v): throw .indexInvalid(index: id, year: year, value: v)
      }
    } catch {
      throw .indexYearMissing(index: id, year: toYear)
    }
  }
}

/// Why a price could not be brought to another year (`CoefficientSet.indexedPrice`).
public enum PriceIndexingError: Error, Sendable, Hashable, CustomStringConvertible {
  /// `prices.csv` has no row with this id.
  case priceMissing(String)
  /// The price row has no value (documented gap).
  case priceEmpty(String)
  /// The price row has no `price_year`.
  case priceYearMissing(String)
  /// Neither the call, the price's `price_index` cell nor the manifest's `price_index` key
  /// names a series.
  case noIndexNamed(price: String)
  /// `price_index.csv` has no series with this id.
  case indexMissing(String)
  /// The series lacks (or leaves empty) a year the link needs.
  case indexYearMissing(index: String, year: Int)
  /// A value of the series is zero, negative or not finite.
  case indexInvalid(index: String, year: Int, value: Double)

  /// One sentence naming the price, series and year.
  public var description: String {
    switch self {
    case .priceMissing(let id): return "price '\(id)' is not in prices.csv"
    case .priceEmpty(let id): return "price '\(id)' has no value"
    case .priceYearMissing(let id): return "price '\(id)' has no price_year"
    case .noIndexNamed(let id):
      return "price '\(id)' names no price index (price_index cell, manifest key price_index)"
    case .indexMissing(let id): return "price index '\(id)' is not in price_index.csv"
    case .indexYearMissing(let id, let year):
      return "price index '\(id)' has no value for \(year) (needed to link the years)"
    case .indexInvalid(let id, let year, let value):
      return "price index '\(id)' value \(value) for \(year) is not a positive number"
    }
  }
}

/// A price brought from its own year to the accounting year, with everything an output must
/// record: original price and year, the index used and its two levels, the indexed price.
///
/// Source: issue 13 ("the outputs record the original price, its year, the index used and the
/// indexed price"); GEP-METHODS §5.1, §7.1.
public struct IndexedPrice: Sendable, Hashable, Codable {
  /// Price id.
  public var priceID: String
  /// Price unit (e.g. `yuan/t`), unchanged by indexing.
  public var unit: String
  /// Price as published, in nominal yuan of `priceYear`.
  public var originalValue: Double
  /// Year of the published price.
  public var priceYear: Int
  /// Year the price was brought to (the accounting year).
  public var targetYear: Int
  /// Series id used (`price_index.csv` `index_id`).
  public var indexID: String
  /// Fixed-base level of `priceYear` (100 for chain series).
  public var fromIndex: Double
  /// Fixed-base level of `targetYear` on the same base.
  public var toIndex: Double
  /// originalValue × toIndex / fromIndex.
  public var indexedValue: Double
}

extension CoefficientSet {
  /// Brings a price of `prices.csv` from its `price_year` to `year` with a price index of the
  /// set (`price_index.csv`): P_year = P_price_year × I_year / I_price_year.
  ///
  /// The series is, in order: `indexID` if given, else the price row's `price_index` cell, else
  /// the manifest key `price_index`. A price whose year equals `year` is returned unchanged
  /// (factor 1) but still names its series.
  /// - Parameters:
  ///   - id: price id (`prices.csv` `price_id`).
  ///   - year: accounting year.
  ///   - indexID: series to use instead of the price's own.
  /// - Returns: original and indexed price with the index levels used.
  /// - Throws: `PriceIndexingError` naming the price, series or year that is missing.
  /// - Note: GEP-METHODS §5.1, §7.1; applied by the compute pipeline to prices of another
  ///   year (`accountPrice`); `gep compare` deflates whole accounts with the same series
  ///   (coefficients/README.md, "Constant prices").
  public func indexedPrice(_ id: String, toYear year: Int, indexID: String? = nil)
    throws(PriceIndexingError) -> IndexedPrice
  {
    guard let price = prices[id] else { throw .priceMissing(id) }
    guard let value = price.value else { throw .priceEmpty(id) }
    guard let from = price.priceYear else { throw .priceYearMissing(id) }
    let chosen = [indexID ?? "", price.priceIndex, manifest["price_index"] ?? ""].first {
      !$0.isEmpty
    }
    guard let seriesID = chosen else { throw .noIndexNamed(price: id) }
    guard let series = priceIndices[seriesID] else { throw .indexMissing(seriesID) }
    let (fromIndex, toIndex) = try series.levels(from: from, to: year)
    return IndexedPrice(
      priceID: id, unit: price.unit, originalValue: value, priceYear: from, targetYear: year,
      indexID: seriesID, fromIndex: fromIndex, toIndex: toIndex,
      indexedValue: priceAdjusted(value, fromIndex: fromIndex, toIndex: toIndex))
  }
}
