import GEPGeo

/// Splits a grid into tiles (windows) for parallel processing: tiles of `tileWidth ×
/// tileHeight` cells in row-major order, the last column and row of tiles cut short
/// (gdal_calc's ceil-divide). Pure; results do not depend on it (sums are exact).
///
/// - Parameters:
///   - width: grid columns (> 0).
///   - height: grid rows (> 0).
///   - tileWidth: tile columns (> 0), typically a multiple of the raster's native block width.
///   - tileHeight: tile rows (> 0).
/// - Returns: windows covering every cell exactly once, ordered by tile row then tile column.
public func blockPlan(width: Int, height: Int, tileWidth: Int, tileHeight: Int) -> [RasterWindow] {
  precondition(width > 0 && height > 0 && tileWidth > 0 && tileHeight > 0)
  var windows: [RasterWindow] = []
  var row = 0
  while row < height {
    let h = min(tileHeight, height - row)
    var col = 0
    while col < width {
      let w = min(tileWidth, width - col)
      windows.append(RasterWindow(colOffset: col, rowOffset: row, width: w, height: h))
      col += w
    }
    row += h
  }
  return windows
}
