import Foundation
import GEPCore
import GEPGeo
import Synchronization

/// Writes `rasters/<indicator>[_<component>].tif` per model channel: band 1 the value density
/// (yuan·hm⁻²·a⁻¹), band 2 the physical quantity per cell (the channel's unit), Float32, NaN
/// where not computed; tiled, DEFLATE-compressed. Workers hand it tiles; writes are serialised
/// by a lock (GDAL datasets are not thread-safe).
final class RasterSink: CellRasterSink, @unchecked Sendable {
  private let writers: [RasterWriter]
  private let areas: [Double]
  private let lock = Mutex(())

  /// Creates one GeoTIFF per channel in `folder`.
  ///
  /// - Throws: `GDALError` when a file cannot be created; Foundation errors for the folder.
  init(folder: URL, grid: Grid, model: CellModel) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    areas = try cellAreasPerRow(grid)
    var ws: [RasterWriter] = []
    for ind in model.indicators {
      let name = ind.id + (ind.component.map { "_\($0)" } ?? "")
      let w = try RasterWriter(
        path: folder.appendingPathComponent("\(name).tif").path, grid: grid, bands: 2,
        dataType: .float32, noData: .nan)
      try w.describe(band: 1, description: "\(name) value density", unit: "yuan/hm2/a")
      try w.describe(band: 2, description: "\(name) physical quantity", unit: ind.physicalUnit)
      ws.append(w)
    }
    writers = ws
  }

  func write(window: RasterWindow, quantities: [[Float]], values: [[Float]]) throws {
    var density = [Float](repeating: .nan, count: window.count)
    try lock.withLock { _ in
      for (k, w) in writers.enumerated() {
        for r in 0..<window.height {
          let hectares = areas[window.rowOffset + r] / UnitConversion.squareMetresPerHectare
          for c in 0..<window.width {
            let i = r * window.width + c
            density[i] = values[k][i] / Float(hectares)
          }
        }
        try w.write(density, window: window, band: 1)
        try w.write(quantities[k], window: window, band: 2)
      }
    }
  }

  /// Closes every file, throwing the first write error.
  func close() throws {
    for w in writers { try w.close() }
  }
}
