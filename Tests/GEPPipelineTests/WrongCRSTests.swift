import Foundation
import GEPGeo
import GEPPipeline
import Testing

@Suite struct WrongCRSTests {
  /// A precipitation raster whose metre coordinates (UTM 49N) are labelled EPSG:4326: its
  /// corners (x 500 000…, y 3 000 000…) are no longer valid degrees, so they cannot be
  /// transformed into the grid CRS. Warping it would give nodata everywhere and silently wipe
  /// water conservation; validation must stop instead (found by a new user's test).
  @Test func metreCoordinatesLabelledAsDegreesAreAnError() throws {
    let folder = try tempFolder("wrong-crs")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun.waterBalance()
    let runFile = try run.write(to: folder)
    // Rewrite precipitation with the same geotransform but an EPSG:4326 label.
    var grid = try run.grid
    grid.crs = try SpatialReference(epsg: 4326)
    let path = folder.appendingPathComponent("precipitation.tif").path
    try FileManager.default.removeItem(atPath: path)
    let w = try RasterWriter(path: path, grid: grid, dataType: .float32, noData: -9999)
    try w.write([Double](repeating: 1200, count: grid.width * grid.height), window: grid.fullWindow)
    try w.close()
    let problems = InputValidator(config: try RunConfiguration.load(path: runFile)).validate()
    let e = try #require(problems.first { $0.code == "raster.crs-transform" })
    #expect(e.severity == .error)
    #expect(e.location.file == path)
    #expect(e.message.contains("wrong CRS label"))
  }
}

@Suite struct MissingInputValidationTests {
  /// `gep validate` names the indicators the run cannot compute for lack of an input, as
  /// `gep compute` does (a validation gate once passed runs that dropped a fifth of GEP):
  /// without erosivity/erodibility/ls soil conservation is not computed; with them but without
  /// FVC, and with rusle.usle_c empty in national-2022, C cannot be made.
  @Test func validateReportsMissingInputs() throws {
    let folder = try tempFolder("missing-input")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = SyntheticRun.waterBalance()
    let runFile = try run.write(to: folder)
    let p1 = InputValidator(config: try RunConfiguration.load(path: runFile)).validate()
    #expect(
      p1.contains {
        $0.code == "indicator.missing-input" && $0.message.hasPrefix("soil_conservation")
          && $0.message.contains("erosivity")
      })
    let folder2 = try tempFolder("missing-fvc")
    defer { try? FileManager.default.removeItem(at: folder2) }
    run.rasters["erosivity"] = ("MJ mm hm-2 h-1 a-1", { _, _ in 4000 })
    run.rasters["erodibility"] = ("t hm2 h hm-2 MJ-1 mm-1", { _, _ in 0.03 })
    run.rasters["ls"] = ("1", { _, _ in 2 })
    let runFile2 = try run.write(to: folder2)
    let p2 = InputValidator(config: try RunConfiguration.load(path: runFile2)).validate()
    #expect(
      p2.contains {
        $0.code == "indicator.missing-input" && $0.message.contains("no fvc raster")
      })
  }
}
