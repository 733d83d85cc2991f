import Foundation
import GEPCore
import GEPGeo

/// One indicator of the eco-value calculator: the yearly change for a hypothetical land-use
/// change.
public struct CalculatorLine: Sendable {
  /// Indicator id.
  public var indicator: String
  /// Pollutant or part.
  public var component: String
  /// Physical unit per year.
  public var physicalUnit: String
  /// Quantity and value (yuan/a) before the change; nil when not computable.
  public var from: (quantity: Double, value: Double)?
  /// Quantity and value after the change; nil when not computable.
  public var to: (quantity: Double, value: Double)?
  /// Price and its source.
  public var price: String
  /// Why the line is not computable, when it is not.
  public var note: String
}

/// The eco-value calculator (`gep vep calc`): the yearly change in each indicator's value when
/// `area` m² change from one ecosystem class to another, from the coefficient tables and the
/// region's mean biophysical values (GEP-METHODS §10: "ecological gain"). Needs no raster.
public enum VEPCalculator {
  /// The region's mean of each raster role over its valid cells (streamed window by window).
  ///
  /// - Throws: `GDALError` when a raster cannot be read.
  public static func regionMeans(_ config: RunConfiguration) throws -> [RasterRole: Double] {
    var means: [RasterRole: Double] = [:]
    for (name, r) in config.rasters {
      guard let role = RasterRole(rawValue: name) else { continue }
      let band = try RasterDataset(path: r.path).band(r.band)
      let ds = band.dataset
      var sum = ExactSum()
      var n = 0
      var values = [Double](repeating: 0, count: 256 * 256)
      var valid = [Bool](repeating: false, count: 256 * 256)
      for w in blockPlan(width: ds.width, height: ds.height, tileWidth: 256, tileHeight: 256) {
        try band.readMasked(w, values: &values, valid: &valid)
        for i in 0..<w.count where valid[i] && values[i].isFinite {
          sum.add(values[i])
          n += 1
        }
      }
      if n > 0 { means[role] = sum.value / Double(n) }
    }
    return means
  }

  /// Computes the calculator lines.
  ///
  /// - Parameters:
  ///   - area: the area that changes, m².
  ///   - fromClass: ecosystem class code before.
  ///   - toClass: ecosystem class code after.
  ///   - coefficients: the coefficient set.
  ///   - means: region means by raster role (empty: only class-only indicators are computable);
  ///     without a `channels` entry the area is taken as hillslope (channels = 0).
  ///   - fvcIsPercent: the unit of the FVC mean.
  /// - Returns: one line per model channel.
  public static func calculate(
    area: Double, fromClass: Int, toClass: Int, coefficients: CoefficientSet,
    means: [RasterRole: Double], fvcIsPercent: Bool = false
  ) -> [CalculatorLine] {
    // A hypothetical area is hillslope, not a stream channel (soil conservation's channel
    // mask, issue 21), unless the caller says otherwise.
    var means = means
    if means[.channels] == nil { means[.channels] = 0 }
    let model = CellModel.build(
      coefficients: coefficients, scheme: "",
      roles: Set(RasterRole.allCases).subtracting(means[.slope] == nil ? [.slope] : []),
      fvcIsPercent: fvcIsPercent, file: coefficients.directory.path,
      codes: [0: fromClass, 1: toClass])
    var x = model.roles.map { means[$0] ?? .nan }
    if x.isEmpty { x = [0] }
    return model.indicators.enumerated().map { (k, ind) in
      let missing = ind.roles.filter { means[$0] == nil }
      var line = CalculatorLine(
        indicator: ind.id, component: ind.component ?? "", physicalUnit: ind.physicalUnit,
        from: nil, to: nil, price: ind.priceNote, note: "")
      if !missing.isEmpty {
        line.note =
          "needs the region's mean "
          + missing.map(\.rawValue).joined(separator: ", ") + " (--region-defaults)"
        return line
      }
      x.withUnsafeBufferPointer { b in
        line.from = model.evaluate(k, code: 0, b.baseAddress!, area: area).map { ($0.0, $0.1) }
        line.to = model.evaluate(k, code: 1, b.baseAddress!, area: area).map { ($0.0, $0.1) }
      }
      if line.from == nil || line.to == nil {
        line.note = "no coefficient for class \(line.from == nil ? fromClass : toClass)"
      }
      return line
    }
  }
}
