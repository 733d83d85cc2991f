import GEPCore

/// A price as the account uses it: brought to the accounting year with the set's price index
/// when the set names one (`price_index.csv`, the row's `price_index` or the manifest's
/// `price_index`: constant prices, GEP-METHODS §7.3, GB/T 46869), else as published.
public struct AccountPrice: Sendable {
  /// The value used, yuan per unit.
  public var value: Double
  /// The text for indicators.csv: "9.34 yuan/m3 (reservoir_capacity_cost, 2010 → 2024 by
  /// cpi_national × 1.3233; source)".
  public var note: String
  /// The indexing, when the price was indexed.
  public var indexed: IndexedPrice?
  /// Why a price of another year was not indexed although the set names an index (a missing
  /// index year), for a warning; nil otherwise.
  public var notIndexed: String?
}

extension CoefficientSet {
  /// The price `id` for the accounting year `year` (see `AccountPrice`), or nil when
  /// prices.csv has no value for it.
  ///
  /// - Parameters:
  ///   - id: prices.csv `price_id`.
  ///   - year: the accounting year; nil: as published.
  public func accountPrice(_ id: String, year: Int?) -> AccountPrice? {
    guard let p = prices[id], let v = p.value else { return nil }
    let source = p.provenance.source
    let published = AccountPrice(
      value: v,
      note: "\(formatNumber(v)) \(p.unit) (\(id)\(p.priceYear.map { ", \($0)" } ?? ""), \(source))")
    guard let year, let from = p.priceYear, from != year else { return published }
    let named = !p.priceIndex.isEmpty || !(manifest["price_index"] ?? "").isEmpty
    guard named else { return published }
    do {
      let ix = try indexedPrice(id, toYear: year)
      let factor = ix.toIndex / ix.fromIndex
      return AccountPrice(
        value: ix.indexedValue,
        note: "\(formatNumber(ix.indexedValue)) \(p.unit) (\(id), \(from) → \(year) by "
          + "\(ix.indexID) × \(String(format: "%.4f", factor)) from \(formatNumber(v)); \(source))",
        indexed: ix)
    } catch {
      var out = published
      out.notIndexed = "\(id) (\(from)): \(error)"
      return out
    }
  }
}
