import GEPGeo
import Testing

@Suite struct VectorWriterTests {
  @Test func geoJSONRoundTripKeepsFieldsOrderAndGeometry() throws {
    let path = memPath("units.geojson")
    defer { try? GDAL.unlink(path) }
    let writer = try VectorWriter(
      path: path, layerName: "units", crs: try SpatialReference(epsg: 4326),
      geometryType: .multiPolygon,
      fields: [VectorField("code", .string), VectorField("n", .integer), VectorField("x", .real)],
      layerOptions: ["RFC7946=YES", "COORDINATE_PRECISION=6"])
    let a = try Geometry(wkt: "MULTIPOLYGON (((108 27,108.1 27,108.1 27.1,108 27.1,108 27)))")
    try writer.add([.string("520621001001"), .integer(7), .real(1.5)], geometry: a)
    try writer.add([.string("江口"), .null, .real(-2)], geometry: nil)
    #expect(throws: GDALError.self) { try writer.add([.string("too few")], geometry: nil) }
    try writer.close()
    try writer.close()  // a no-op

    let text = String(decoding: try GDAL.readFile(path), as: UTF8.self)
    #expect(text.contains("\"code\": \"520621001001\""))
    let layer = try VectorDataset(path: path).layer(0)
    #expect(layer.fields.map(\.name) == ["code", "n", "x"])
    let features = try layer.features()
    #expect(features.count == 2)
    #expect(features[0].attributes["code"] == .string("520621001001"))
    #expect(features[0].attributes["n"] == .integer(7))
    #expect(features[1].attributes["code"] == .string("江口"))
    #expect(features[1].attributes["n"] == .null)
    #expect(features[1].geometry == nil)
    let g = try #require(features[0].geometry)
    #expect(abs(g.area - 0.01) < 1e-9)
  }

  @Test func creatingInAMissingFolderFails() {
    #expect(throws: GDALError.self) {
      _ = try VectorWriter(
        path: "/nonexistent-folder/x.geojson", layerName: "x", crs: nil, geometryType: .point,
        fields: [])
    }
  }

  @Test func overlayHelpers() throws {
    let a = try Geometry(wkt: "POLYGON ((0 0,2 0,2 2,0 2,0 0))")
    let b = try Geometry(wkt: "POLYGON ((1 0,3 0,3 2,1 2,1 0))")
    #expect(abs(try #require(a.union(b)).area - 6) < 1e-12)
    #expect(abs(try #require(a.difference(b)).area - 2) < 1e-12)
    #expect(a.contains(try Geometry(wkt: "POINT (0.5 0.5)")))
    #expect(!a.contains(try Geometry(wkt: "POINT (2.5 0.5)")))
    let c = try #require(a.centroid)
    #expect(c.x == 1 && c.y == 1)
    // Two squares touching along an edge: the intersection is a line, which has no polygon.
    let touching = try Geometry(wkt: "POLYGON ((2 0,4 0,4 2,2 2,2 0))")
    let line = try #require(a.intersection(touching))
    #expect(line.polygonalParts().isEmpty)
    let parts = try #require(a.intersection(b)).polygonalParts()
    #expect(parts.typeName == "MULTIPOLYGON" && parts.partCount == 1)
    #expect(abs(parts.area - 2) < 1e-12)
    let all = try #require(Geometry.unionOfPolygons([a, b, touching]))
    #expect(abs(all.area - 8) < 1e-12)
    #expect(try #require(Geometry.unionOfPolygons([])).isEmpty)
  }
}
