import Foundation
import GEPGeo
import Testing

/// The repository root, found from this file's path (Tests/GEPPipelineTests/…).
private let sampleRepositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent()
private let demoFolder = sampleRepositoryRoot.appendingPathComponent("sample-data/demo-county")
private let sharedData = sampleRepositoryRoot.appendingPathComponent("../shared/data")
  .standardizedFileURL
private let sharedDataExists = FileManager.default.fileExists(
  atPath: sharedData.appendingPathComponent("cn-admin-tongren-jiangkou/codes/520621.csv").path)

/// The files gep-sample-data writes (the committed demo county, README excluded).
private let generatedFiles = [
  "county.geojson", "townships.geojson", "villages.geojson", "units.csv",
  "material_products.csv", "gdp_population.csv", "gep.toml", "landuse.tif", "dem.tif",
  "precipitation.tif", "evapotranspiration.tif", "fvc.tif", "erosivity.tif", "erodibility.tif",
  "ls.tif", "gep-years.toml", "landuse_2020.tif", "precipitation_2020.tif",
]

private func demo(_ name: String) -> String { demoFolder.appendingPathComponent(name).path }

/// Features of a committed GeoJSON file with geometries in EPSG:4545 (metres).
private func projectedFeatures(_ name: String) throws
  -> [(code: String, attributes: [String: FieldValue], geometry: Geometry)]
{
  let layer = try VectorDataset(path: demo(name)).layer(0)
  let source = try #require(try layer.spatialReference())
  let toGK = try CoordinateTransformation(from: source, to: try SpatialReference(epsg: 4545))
  return try layer.features().map { f in
    let g = try #require(f.geometry)
    return (f.attributes["code"]?.description ?? "", f.attributes, try g.transformed(by: toGK))
  }
}

@Suite struct SampleDataTests {
  @Test func villagesAndTownshipsCarryTheRealCodes() throws {
    let towns = try projectedFeatures("townships.geojson")
    let villages = try projectedFeatures("villages.geojson")
    #expect(towns.count == 10)
    #expect(villages.count == 156)
    let townCodes = Set(towns.map(\.code))
    #expect(townCodes.count == 10)
    let codes = villages.map(\.code)
    #expect(Set(codes).count == 156)
    for v in villages {
      #expect(v.code.count == 12 && v.code.allSatisfy(\.isNumber), "bad code \(v.code)")
      let town = String(v.code.prefix(9)) + "000"
      #expect(townCodes.contains(town), "\(v.code) names no township")
      #expect(v.attributes["township_code"]?.description == town)
      let name = v.attributes["name"]?.description ?? ""
      #expect(!name.isEmpty)
    }
    let units = try Table(path: demo("units.csv"))
    #expect(units.fields == ["code", "name", "level", "parent_code"])
    let levels = units.rows.map { $0.values[2] }
    #expect(levels.filter { $0 == "county" }.count == 1)
    #expect(levels.filter { $0 == "township" }.count == 10)
    #expect(levels.filter { $0 == "village" }.count == 156)
  }

  @Test func villagesTileTheCountyWithoutOverlaps() throws {
    let county = try #require(try projectedFeatures("county.geojson").first?.geometry)
    let towns = try projectedFeatures("townships.geojson")
    let villages = try projectedFeatures("villages.geojson")
    let union = try #require(Geometry.unionOfPolygons(villages.map(\.geometry)))
    #expect(abs(union.area - county.area) / county.area < 0.001)
    let townUnion = try #require(Geometry.unionOfPolygons(towns.map(\.geometry)))
    #expect(abs(townUnion.area - county.area) / county.area < 0.001)
    let envelopes = villages.map { $0.geometry.envelope }
    var worst = 0.0
    for i in villages.indices {
      for j in (i + 1)..<villages.count {
        let a = envelopes[i]
        let b = envelopes[j]
        guard a.maxX > b.minX, b.maxX > a.minX, a.maxY > b.minY, b.maxY > a.minY else { continue }
        worst = max(worst, villages[i].geometry.intersection(villages[j].geometry)?.area ?? 0)
      }
    }
    #expect(worst <= 1, "two villages overlap by \(worst) m²")
    let townByCode = Dictionary(uniqueKeysWithValues: towns.map { ($0.code, $0.geometry) })
    for v in villages {
      let town = try #require(townByCode[String(v.code.prefix(9)) + "000"])
      let outside = try #require(v.geometry.difference(town)).area
      #expect(outside <= 1, "\(v.code) lies \(outside) m² outside its township")
    }
  }

  @Test func rastersShareOneGridAndLandUseSharesArePlausible() throws {
    var grids: [Grid] = []
    for name in generatedFiles where name.hasSuffix(".tif") {
      let ds = try RasterDataset(path: demo(name))
      grids.append(try ds.grid())
      #expect(try ds.band(1).noDataValue != nil, "\(name) has no nodata value")
    }
    let grid = try #require(grids.first)
    #expect(grids.allSatisfy { $0 == grid })
    #expect(grid.crs.epsg == 4545)
    #expect(grid.geoTransform.pixelWidth == 90 && grid.geoTransform.pixelHeight == -90)
    let landuse = try RasterDataset(path: demo("landuse.tif")).band(1)
    #expect(landuse.dataType == .byte && landuse.noDataValue == 0)
    let values = try landuse.read(grid.fullWindow)
    let county = values.filter { $0 != 0 }
    let total = Double(county.count)
    // The ranges stated in sample-data/README.md, in percent of the county's cells.
    let ranges: [Double: ClosedRange<Double>] = [
      1: 15...21, 2: 60...72, 3: 4...8, 4: 2.5...5.5, 5: 1...3, 7: 0...1, 8: 2...4, 9: 0...1,
    ]
    for (code, range) in ranges.sorted(by: { $0.key < $1.key }) {
      let share = 100 * Double(county.filter { $0 == code }.count) / total
      #expect(range.contains(share), "class \(Int(code)): \(share) % not in \(range)")
    }
    #expect(county.allSatisfy { ranges[$0] != nil }, "a land-use code outside the CLCD set")
    // Every other raster has values exactly where land use has a class.
    for name in generatedFiles where name.hasSuffix(".tif") && name != "landuse.tif" {
      let band = try RasterDataset(path: demo(name)).band(1)
      let v = try band.read(grid.fullWindow)
      let nd = try #require(band.noDataValue)
      #expect(zip(v, values).allSatisfy { ($0 == nd) == ($1 == 0) }, "\(name) mask differs")
    }
  }

  @Test(
    .enabled(
      if: sharedDataExists,
      "needs ../shared/data (the real inputs of gep-sample-data); the committed files are used"))
  func regeneratingGivesIdenticalBytes() throws {
    let exe = [
      URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("gep-sample-data"),
      sampleRepositoryRoot.appendingPathComponent(".build/debug/gep-sample-data"),
    ].first { FileManager.default.isExecutableFile(atPath: $0.path) }
    guard let exe else {
      Issue.record("gep-sample-data is not built; run swift build --product gep-sample-data")
      return
    }
    let out = FileManager.default.temporaryDirectory
      .appendingPathComponent("gep-sample-data-\(UInt64.random(in: 0...UInt64.max))")
    defer { try? FileManager.default.removeItem(at: out) }
    let process = Process()
    process.executableURL = exe
    process.arguments = ["--shared", sharedData.path, "--out", out.path]
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let written = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
    #expect(written == generatedFiles.sorted())
    for name in generatedFiles {
      let fresh = try Data(contentsOf: out.appendingPathComponent(name))
      let committed = try Data(contentsOf: demoFolder.appendingPathComponent(name))
      #expect(fresh == committed, "\(name) differs from the committed file")
    }
  }
}
