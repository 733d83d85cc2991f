import Foundation
import GEPCore
import GEPGeo
import Testing

@testable import GEPPipeline

// Streamed per-cell derivations (issue 23) against the whole-raster code they replace
// (`FactorPreparation.cWholeRaster`, `kWholeRaster`, kept as the reference): the written cells
// must be the same bits, the summaries the same numbers, whatever the strip height and however
// small the in-memory share of the percentile selection.

private let streamedRepoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent()
private let streamedData = streamedRepoRoot.appendingPathComponent(
  "../shared/data/cn-zhongtianshe-seims"
).standardizedFileURL
private let streamedDataExists = FileManager.default.fileExists(
  atPath: streamedData.appendingPathComponent("spatial/soil_SEQN_25m.tif").path)

/// Writes a Float32 GeoTIFF (10 m cells, EPSG:32650) with 64-row blocks, so strips of several
/// blocks and of fewer rows than a block are both exercised.
private func writeFloat32(
  _ path: String, _ values: [Double], width: Int, height: Int, noData: Double? = nil
) throws {
  let grid = Grid(
    crs: try SpatialReference(definition: "EPSG:32650"),
    geoTransform: GeoTransform(
      originX: 500_000, pixelWidth: 10, rowRotation: 0, originY: 3_500_000, columnRotation: 0,
      pixelHeight: -10),
    width: width, height: height)
  let w = try RasterWriter(
    path: path, grid: grid, dataType: .float32, noData: noData, blockSize: 64)
  try w.write(values, window: grid.fullWindow)
  try w.close()
}

/// The Float32 bit patterns of band 1 (bitwise comparison: −0 ≠ +0, any NaN payload kept).
private func cellBits(_ path: String) throws -> [UInt32] {
  let ds = try RasterDataset(path: path)
  var values = [Float](repeating: 0, count: ds.width * ds.height)
  try ds.band(1).read(try ds.grid().fullWindow, into: &values)
  return values.map(\.bitPattern)
}

/// Same numbers (NaN equal to NaN) and the same notes.
private func sameSummary(_ a: FactorSummary, _ b: FactorSummary) -> Bool {
  func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
  return a.validCells == b.validCells && a.noDataCells == b.noDataCells
    && same(a.minimum, b.minimum) && same(a.maximum, b.maximum) && same(a.mean, b.mean)
    && a.notes == b.notes && a.name == b.name && a.unit == b.unit
}

/// A deterministic generator (SplitMix64), so the test data are the same on every run.
private struct SplitMix {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

@Suite struct PrepareStreamedTests {
  /// Order statistics by radix selection equal `sorted()[k]` (an independent computation) for
  /// every asked rank, on values with many duplicates, negatives, tiny and huge magnitudes,
  /// whether bins are gathered at once (large limit) or refined down to all 64 bits (limit 1).
  @Test func streamedOrderStatisticsEqualSorting() throws {
    var rng = SplitMix(state: 23)
    var values: [Double] = []
    for i in 0..<5_000 {
      switch i % 5 {
      case 0: values.append(Double(Int(rng.unit() * 7)) / 4 - 0.5)  // duplicates
      case 1: values.append((rng.unit() - 0.5) * 2)
      case 2: values.append((rng.unit() - 0.5) * 1e-300)
      case 3: values.append((rng.unit() - 0.3) * 1e300)
      default: values.append(Double(Float(rng.unit())))
      }
    }
    let sorted = values.sorted()
    let ranks = [0, 1, 2, 249, 250, 2_499, 2_500, 4_749, 4_750, 4_998, 4_999]
    for limit in [1, 3, 100, 1 << 22] {
      var statistics = StreamedOrderStatistics()
      for v in values { statistics.add(v) }
      var passes = 0
      let got = try statistics.select(ranks: ranks, collectLimit: limit) { visit in
        passes += 1
        for v in values { visit(v) }
      }
      for r in ranks { #expect(got[r] == sorted[r], "rank \(r), limit \(limit)") }
      // At most one pass per histogram level after the first, plus one gathering pass.
      #expect(passes <= StreamedOrderStatistics.levels.count)
    }
  }

  /// The existing C case (NDVI 0.1, 0.425, 0.8 with fixed endpoints 0.2/0.65, hand-computed
  /// in PrepareFactorTests.ndviToFVCToC) and percentile endpoints: streamed and whole-raster
  /// C and FVC are the same bits and the same summaries.
  @Test func streamedCEqualsWholeRasterOnTheHandCase() throws {
    let folder = try tempFolder("streamed-c-hand")
    defer { try? FileManager.default.removeItem(at: folder) }
    func p(_ n: String) -> String { folder.appendingPathComponent(n).path }
    try writeFloat32(p("ndvi.tif"), [0.1, 0.425, 0.8], width: 3, height: 1)
    for endpoints in [
      NDVIEndpoints.fixed(soil: 0.2, vegetation: 0.65), .percentiles(low: 5, high: 95),
    ] {
      let a = try FactorPreparation.cWholeRaster(
        ndvi: p("ndvi.tif"), out: p("c-a.tif"), endpoints: endpoints, fvcOut: p("f-a.tif"))
      let b = try FactorPreparation.c(
        ndvi: p("ndvi.tif"), out: p("c-b.tif"), endpoints: endpoints, fvcOut: p("f-b.tif"))
      #expect(sameSummary(a, b))
      #expect(try cellBits(p("c-a.tif")) == cellBits(p("c-b.tif")))
      #expect(try cellBits(p("f-a.tif")) == cellBits(p("f-b.tif")))
    }
  }

  /// A 150 × 131 NDVI with nodata (−9999), NaN, infinities, ties and a gradient, through strips
  /// of 1, 7, 64, 100 rows and the default, with the percentile selection gathering at most
  /// 1, 50 or 4 Mi values: every combination writes the whole-raster bits (C and FVC) and
  /// summary. Percentiles 5/95 and 2/98.
  @Test func streamedCEqualsWholeRasterForAnyStrip() throws {
    let folder = try tempFolder("streamed-c")
    defer { try? FileManager.default.removeItem(at: folder) }
    func p(_ n: String) -> String { folder.appendingPathComponent(n).path }
    let width = 150
    let height = 131
    var rng = SplitMix(state: 2026)
    var ndvi: [Double] = []
    for r in 0..<height {
      for c in 0..<width {
        let u = rng.unit()
        if u < 0.05 {
          ndvi.append(-9999)
        } else if u < 0.06 {
          ndvi.append(.nan)
        } else if u < 0.065 {
          ndvi.append(u < 0.0625 ? .infinity : -.infinity)
        } else if u < 0.3 {
          ndvi.append(Double(Int(u * 20)) / 20)  // ties
        } else {
          ndvi.append(-0.2 + 1.1 * Double(r * width + c) / Double(width * height))
        }
      }
    }
    try writeFloat32(p("ndvi.tif"), ndvi, width: width, height: height, noData: -9999)
    for endpoints in [
      NDVIEndpoints.percentiles(low: 5, high: 95), .percentiles(low: 2, high: 98),
    ] {
      let a = try FactorPreparation.cWholeRaster(
        ndvi: p("ndvi.tif"), out: p("c-a.tif"), endpoints: endpoints, fvcOut: p("f-a.tif"))
      let cA = try cellBits(p("c-a.tif"))
      let fA = try cellBits(p("f-a.tif"))
      #expect(a.noDataCells > 0 && a.validCells > 15_000)
      for rows in [1, 7, 64, 100, 10_000] {
        for limit in [1, 50, 1 << 22] {
          let b = try FactorPreparation.cStreamed(
            ndvi: p("ndvi.tif"), out: p("c-b.tif"), endpoints: endpoints, fvcOut: p("f-b.tif"),
            crs: nil, cellsPerStrip: rows * width, collectLimit: limit)
          #expect(sameSummary(a, b), "\(rows) rows, limit \(limit)")
          #expect(try cellBits(p("c-b.tif")) == cA, "\(rows) rows, limit \(limit)")
          #expect(try cellBits(p("f-b.tif")) == fA, "\(rows) rows, limit \(limit)")
        }
      }
    }
  }

  /// NDVI outside −1…1 is named at the same row and column (the first in row-major order) as
  /// by the whole-raster code, whatever the strip: here row 9, column 3 (value 4000) of a
  /// 5 × 12 raster read in strips of 2 rows.
  @Test func streamedCNamesTheFirstBadCell() throws {
    let folder = try tempFolder("streamed-c-bad")
    defer { try? FileManager.default.removeItem(at: folder) }
    func p(_ n: String) -> String { folder.appendingPathComponent(n).path }
    var ndvi = [Double](repeating: 0.3, count: 60)
    ndvi[9 * 5 + 3] = 4000
    ndvi[11 * 5 + 0] = 8000
    try writeFloat32(p("ndvi.tif"), ndvi, width: 5, height: 12)
    var messages: [String] = []
    for body in [
      {
        _ = try FactorPreparation.cWholeRaster(
          ndvi: p("ndvi.tif"), out: p("c.tif"), endpoints: .percentiles(low: 5, high: 95))
      },
      {
        _ = try FactorPreparation.cStreamed(
          ndvi: p("ndvi.tif"), out: p("c.tif"), endpoints: .percentiles(low: 5, high: 95),
          fvcOut: nil, crs: nil, cellsPerStrip: 10)
      },
    ] {
      do {
        try body()
        Issue.record("expected an error")
      } catch let e as PrepareError {
        messages.append(e.message)
      }
    }
    #expect(messages.count == 2 && messages[0] == messages[1])
    #expect(messages.first?.contains("row 9, column 3: NDVI 4000.0 is outside −1…1") == true)
    #expect(!FileManager.default.fileExists(atPath: p("c.tif")))
  }

  /// The existing K case of PrepareFactorTests (soil ids 1 and 9; 9 is not in the table) and a
  /// 40 × 37 map of ids 1, 2, 9 and nodata: streamed K equals the whole-raster K bit for bit,
  /// notes (unknown ids with their cell counts) included, for strips of 1, 5 and all rows.
  @Test func streamedKEqualsWholeRaster() throws {
    let folder = try tempFolder("streamed-k")
    defer { try? FileManager.default.removeItem(at: folder) }
    func p(_ n: String) -> String { folder.appendingPathComponent(n).path }
    try """
    SEQN,SNAM,SOL_OM,SOL_CLAY,SOL_SILT,SOL_SAND
    1,test,2.586-1.0,20-30,40-40,40-30
    2,loam,1.2,15,35,50
    """.write(toFile: p("props.csv"), atomically: true, encoding: .utf8)
    try writeFloat32(p("soil-hand.tif"), [1, 9], width: 2, height: 1)
    var rng = SplitMix(state: 7)
    let ids: [Double] = (0..<(40 * 37)).map { _ in [1, 2, 9, -1][Int(rng.unit() * 4)] }
    try writeFloat32(p("soil.tif"), ids, width: 40, height: 37, noData: -1)
    for (map, width) in [("soil-hand.tif", 2), ("soil.tif", 40)] {
      let a = try FactorPreparation.kWholeRaster(
        soilMap: p(map), properties: p("props.csv"), out: p("k-a.tif"))
      for rows in [1, 5, 1_000] {
        let b = try FactorPreparation.kStreamed(
          soilMap: p(map), properties: p("props.csv"), out: p("k-b.tif"), options: .init(),
          cellsPerStrip: rows * width)
        #expect(sameSummary(a, b), "\(map), \(rows) rows")
        #expect(try cellBits(p("k-a.tif")) == cellBits(p("k-b.tif")), "\(map), \(rows) rows")
      }
      #expect(a.notes.count == 1 && a.notes[0].hasPrefix("soil id 9 ("))
    }
  }

  /// K of the real Zhongtianshe soil map (839 × 598, SEIMS property table, declared
  /// EPSG:4528; the case of PrepareZhongtiansheTests): streamed equals whole-raster bit for bit.
  @Test(
    .enabled(
      if: streamedDataExists,
      "needs ../shared/data/cn-zhongtianshe-seims (real Zhongtianshe inputs); skipped"))
  func streamedKEqualsWholeRasterOnTheRealSoilMap() throws {
    let folder = try tempFolder("streamed-k-zts")
    defer { try? FileManager.default.removeItem(at: folder) }
    func p(_ n: String) -> String { folder.appendingPathComponent(n).path }
    let map = streamedData.appendingPathComponent("spatial/soil_SEQN_25m.tif").path
    let table = streamedData.appendingPathComponent("lookup/soil_properties_lookup.txt").path
    let options = SoilPropertyOptions(crs: "EPSG:4528")
    let a = try FactorPreparation.kWholeRaster(
      soilMap: map, properties: table, out: p("k-a.tif"), options: options)
    let b = try FactorPreparation.kStreamed(
      soilMap: map, properties: table, out: p("k-b.tif"), options: options,
      cellsPerStrip: 839 * 13)
    #expect(a.notes.count == 3)
    #expect(sameSummary(a, b))
    #expect(try cellBits(p("k-a.tif")) == cellBits(p("k-b.tif")))
  }
}
