import GEPGeo
import Testing

@Suite struct TableTests {
  @Test func gbkCSVWithChineseNamesIsDecoded() throws {
    // "code,name\n520621,江口县\n520621100,双江镇\n" with the names in GBK:
    // 江 BD AD, 口 BF DA, 县 CF D8, 双 CB AB, 江 BD AD, 镇 D5 F2 (GB2312 code points).
    var bytes = Array("code,name\n520621,".utf8)
    bytes += [0xBD, 0xAD, 0xBF, 0xDA, 0xCF, 0xD8]
    bytes += Array("\n520621100,".utf8)
    bytes += [0xCB, 0xAB, 0xBD, 0xAD, 0xD5, 0xF2]
    bytes += Array("\n".utf8)
    let path = memPath("gbk.csv")
    try GDAL.writeFile(path, bytes: bytes)
    defer { try? GDAL.unlink(path) }
    let t = try Table(path: path)
    #expect(t.encoding == "GB18030")
    #expect(t.fields == ["code", "name"])
    #expect(t.rows.count == 2)
    #expect(t.rows[0].values == ["520621", "江口县"])
    #expect(t.rows[1].values == ["520621100", "双江镇"])
    #expect(t.rows[0].line == 2 && t.rows[1].line == 3)
  }

  @Test func utf8WithBOMAndPlainUTF8() throws {
    let body = "单位代码,名称,面积\n520621,江口县,1869.0\n"
    let p1 = memPath("bom.csv")
    try GDAL.writeFile(p1, bytes: [0xEF, 0xBB, 0xBF] + Array(body.utf8))
    defer { try? GDAL.unlink(p1) }
    let t1 = try Table(path: p1)
    #expect(t1.encoding == "UTF-8 with BOM")
    #expect(t1.fields == ["单位代码", "名称", "面积"])
    #expect(t1.rows[0].values == ["520621", "江口县", "1869.0"])
    let p2 = memPath("plain.csv")
    try GDAL.writeFile(p2, bytes: Array(body.utf8))
    defer { try? GDAL.unlink(p2) }
    let t2 = try Table(path: p2)
    #expect(t2.encoding == "UTF-8")
    #expect(t2.records[0]["名称"] == "江口县")
  }

  @Test func xlsxSheetsAreReadByName() throws {
    // Build a workbook through OGR's XLSX driver from a CSV, then read it back.
    let csv = memPath("prices.csv")
    try GDAL.writeFile(csv, bytes: Array("product,price\n茶叶,120.5\n稻谷,2.8\n".utf8))
    defer { try? GDAL.unlink(csv) }
    let xlsx = "/tmp/gep-test-\(UInt64.random(in: 0...UInt64.max)).xlsx"
    defer { try? GDAL.unlink(xlsx) }
    try translateVector(
      sourcePath: csv, destinationPath: xlsx, format: "XLSX", arguments: ["-nln", "prices"])
    let t = try Table(path: xlsx, sheet: "prices")
    #expect(t.layerName == "prices")
    #expect(t.fields == ["product", "price"])
    #expect(t.rows.map(\.values) == [["茶叶", "120.5"], ["稻谷", "2.8"]])
    #expect(t.rows.map(\.line) == [2, 3])
    do {
      _ = try Table(path: xlsx, sheet: "tourism")
      Issue.record("a missing sheet must fail")
    } catch {
      #expect(error.message.contains("no layer or sheet named \"tourism\""))
      #expect(error.message.contains("prices"))
      #expect(error.path == xlsx)
    }
  }

  @Test func missingTableNamesThePath() {
    do {
      _ = try Table(path: "/nonexistent/products.csv")
      Issue.record("must fail")
    } catch {
      #expect(error.number == GDALError.openFailed)
      #expect(error.path == "/nonexistent/products.csv")
    }
  }
}

@Suite struct VectorTests {
  @Test func geoJSONFeaturesAttributesAndReprojection() throws {
    let path = memPath("units.geojson")
    let json = """
      {"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"code":"520621100000","name":"双江镇","pop":1200},
       "geometry":{"type":"Polygon","coordinates":[[[111,0],[111.001,0],[111.001,0.001],[111,0.001],[111,0]]]}}
      ]}
      """
    try GDAL.writeFile(path, bytes: Array(json.utf8))
    defer { try? GDAL.unlink(path) }
    let ds = try VectorDataset(path: path)
    let layer = try ds.layer(0)
    #expect(layer.featureCount == 1)
    #expect(layer.fields.map(\.name) == ["code", "name", "pop"])
    let crs = try #require(try layer.spatialReference())
    #expect(crs.epsg == 4326)
    let f = try layer.features()[0]
    #expect(f.attributes["name"] == .string("双江镇"))
    #expect(f.attributes["pop"] == .integer(1200))
    let g = try #require(f.geometry)
    #expect(g.typeName == "POLYGON" && g.isValid && !g.isEmpty)
    // Projected to UTM 49N (central meridian 111°E): the west edge lies on x = 500000 and the
    // south edge on y = 0; 0.001° of latitude at the equator is 110.5743 m of meridian arc
    // (110 574.3 m per degree on WGS 84), times UTM's central scale factor 0.9996 = 110.5301 m.
    let utm = try g.transformed(
      by: try CoordinateTransformation(from: crs, to: try SpatialReference(epsg: 32649)))
    let e = utm.envelope
    #expect(abs(e.minX - 500_000) < 1e-6 && abs(e.minY) < 1e-6)
    #expect(abs(e.maxY - 110.5301) < 0.001)
  }

  @Test func invalidGeometryIsRepaired() throws {
    // A bow-tie polygon is invalid; make-valid gives a valid (multi)polygon of area 2 × 0.25.
    let bowtie = try Geometry(wkt: "POLYGON((0 0,1 1,1 0,0 1,0 0))")
    #expect(!bowtie.isValid)
    let fixed = try bowtie.madeValid()
    #expect(fixed.isValid)
    #expect(abs(fixed.area - 0.5) < 1e-12)
  }
}
