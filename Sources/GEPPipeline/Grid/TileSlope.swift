import Foundation
import GEPCore
import GEPGeo

/// Terrain slope for one window of the analysis grid, computed from the DEM on the grid with
/// Horn's 3×3 method (as `hornSlope` and `gdaldem slope`) using the true cell sizes of
/// each row in metres (geodesic on geographic grids). The window is read with a one-cell border
/// wherever the raster has one, so every cell sees its real neighbours and the slope of a cell
/// does not depend on the window it is read in; at the raster's edges and next to nodata the
/// missing neighbours are extrapolated as in `hornSlope`. Replaces a separate whole-raster GDAL
/// pass: the slope is made tile by tile, in parallel, inside the cell pass.
struct TileSlope: Sendable {
  /// Cell width and height in metres per grid row (length = grid height).
  let widths: [Double]
  let heights: [Double]
  let gridWidth: Int
  let gridHeight: Int

  /// Prepares the per-row cell sizes of `grid`.
  ///
  /// - Throws: `PrepareError` when the CRS is neither geographic nor projected.
  init(grid: Grid) throws {
    let sizes = try FactorPreparation.cellSizesPerRow(grid)
    widths = sizes.widths
    heights = sizes.heights
    gridWidth = grid.width
    gridHeight = grid.height
  }

  /// Slope in degrees for `window`, row-major (length = window.count), and its validity (the
  /// DEM cell is valid).
  ///
  /// - Parameter dem: the DEM band on the grid (elevation in m).
  /// - Throws: `GDALError` when the DEM cannot be read.
  func slope(_ dem: RasterBand, _ window: RasterWindow) throws -> (degrees: [Double], valid: [Bool])
  {
    let c0 = max(0, window.colOffset - 1)
    let r0 = max(0, window.rowOffset - 1)
    let c1 = min(gridWidth, window.colOffset + window.width + 1)
    let r1 = min(gridHeight, window.rowOffset + window.height + 1)
    let outer = RasterWindow(colOffset: c0, rowOffset: r0, width: c1 - c0, height: r1 - r0)
    var z = [Double](repeating: 0, count: outer.count)
    var ok = [Bool](repeating: false, count: outer.count)
    try dem.readMasked(outer, values: &z, valid: &ok)
    // Horn's gradient (`hornGradient`, the kernel of `hornSlope`) on the window's cells only.
    var degrees = [Double](repeating: 0, count: window.count)
    var valid = [Bool](repeating: false, count: window.count)
    z.withUnsafeBufferPointer { zb in
      ok.withUnsafeBufferPointer { vb in
        for r in 0..<window.height {
          let orow = window.rowOffset - r0 + r
          for c in 0..<window.width {
            let ocol = window.colOffset - c0 + c
            guard vb[orow * outer.width + ocol] else { continue }
            let (gx, gy) = hornGradient(
              elevation: zb, valid: vb, width: outer.width, height: outer.height, row: orow,
              col: ocol, dx: widths[window.rowOffset + r], dy: heights[window.rowOffset + r])
            degrees[r * window.width + c] = slopeDegrees(dzdx: gx, dzdy: gy)
            valid[r * window.width + c] = true
          }
        }
      }
    }
    return (degrees, valid)
  }
}
