import Foundation
import GEPCore
import GEPGeo
import Testing

@testable import GEPPipeline

@Suite struct TileSlopeTests {
  /// The slope made tile by tile in the cell pass equals GDAL's `gdaldem slope` (Horn, an
  /// independent implementation) on every interior cell, and does not depend on the window.
  /// DEM: 40 × 30 cells of 30 m, z = 0.1·x + 0.05·y² / 30 + 5·sin(col / 3) (a tilted, curved
  /// surface with ridges), in metres.
  @Test func tileSlopeMatchesGDALAndIgnoresTheWindow() throws {
    let folder = try tempFolder("tileslope")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun()
    run.width = 40
    run.height = 30
    run.rasters = [
      "dem": ("m", { c, r in 0.1 * Double(c) * 30 + 0.05 * Double(r * r) + 5 * sin(Double(c) / 3) })
    ]
    run.villages = [("520621001001", "甲村", 0, 0, 40, 30)]
    _ = try run.write(to: folder)
    let demPath = folder.appendingPathComponent("dem.tif").path
    let grid = try run.grid
    let gdalPath = folder.appendingPathComponent("gdal-slope.tif").path
    try demSlope(demPath: demPath, outputPath: gdalPath, geographic: false)
    let gdal = try RasterDataset(path: gdalPath).band(1).read(grid.fullWindow)
    let dem = try RasterDataset(path: demPath).band(1)
    let ts = try TileSlope(grid: grid)
    let whole = try ts.slope(dem, grid.fullWindow)
    for r in 1..<(grid.height - 1) {
      for c in 1..<(grid.width - 1) {
        let i = r * grid.width + c
        // GDAL writes Float32: ~2e-6 degrees of rounding on slopes of ~10–30°.
        #expect(abs(whole.degrees[i] - gdal[i]) < 1e-4, "row \(r) col \(c)")
      }
    }
    // Any tiling gives the same cells, edges included.
    for size in [7, 16] {
      for w in blockPlan(width: grid.width, height: grid.height, tileWidth: size, tileHeight: size)
      {
        let part = try ts.slope(dem, w)
        for r in 0..<w.height {
          for c in 0..<w.width {
            #expect(
              part.degrees[r * w.width + c]
                == whole.degrees[(w.rowOffset + r) * grid.width + w.colOffset + c])
          }
        }
      }
    }
  }
}

@Suite struct StaticOutcomeTests {
  /// The cell pass skips the formula where `CellChannel.outcome` says the result does not depend on
  /// the rasters; this checks that claim against `evaluate` for every crosswalk code of every
  /// scheme of both shipped coefficient sets, on 50 random raster vectors each.
  @Test func staticOutcomeAgreesWithEvaluate() throws {
    var rng = SystemRandomNumberGenerator()
    for profile in ["national-2022", "example-literature"] {
      let set = try CoefficientSet.load(
        from: repoRoot.appendingPathComponent("coefficients/\(profile)"))
      for scheme in set.crosswalks.keys.sorted() {
        for fvc in [true, false] {
          var roles: Set<RasterRole> = [
            .precipitation, .evapotranspiration, .erosivity, .erodibility, .ls, .slope,
          ]
          if fvc { roles.insert(.fvc) }
          let model = CellModel.build(
            coefficients: set, scheme: scheme, roles: roles, fvcIsPercent: false, file: profile)
          var x = [Double](repeating: 0, count: max(1, model.roles.count))
          let slots = Dictionary(uniqueKeysWithValues: model.roles.enumerated().map { ($1, $0) })
          for entry in set.crosswalks[scheme]!.entries {
            guard model.ecosystemClass(code: entry.lulcCode) != nil else { continue }
            for k in model.indicators.indices {
              let outcome = model.channels[k].outcome(code: entry.lulcCode)
              for _ in 0..<50 {
                for j in x.indices { x[j] = Double.random(in: 0...3000, using: &rng) }
                if let slot = model.roles.firstIndex(of: .fvc) {
                  x[slot] = Double.random(in: 0...1)
                }
                if let slot = model.roles.firstIndex(of: .slope) {
                  x[slot] = Double.random(in: 0...60)
                }
                // The channel's own evaluation, not `CellModel.evaluate` (which consults the
                // outcome first).
                var code = Int32(entry.lulcCode)
                var area = 900.0
                var q = 0.0
                var v = 0.0
                var missing = false
                x.withUnsafeBufferPointer { xb in
                  model.channels[k].evaluate(
                    CellBatch(
                      count: 1, codes: &code, areas: &area, values: xb.baseAddress!, stride: 1,
                      slots: slots), quantity: &q, value: &v, missing: &missing)
                }
                let r: (Double, Double)? = missing ? nil : (q, v)
                switch outcome {
                case .missing: #expect(r == nil, "\(profile) \(scheme) \(entry.lulcCode) \(k)")
                case .zero: #expect(r?.0 == 0 && r?.1 == 0)
                // Channels give it only for their own masks (NEP); the cell pass adds nothing.
                case .notApplicable, .depends: break
                }
              }
            }
          }
        }
      }
    }
  }
}
