internal import CGDAL

/// The geometry type declared for a new vector layer (OGR's `OGRwkbGeometryType`).
public enum VectorGeometryType: String, Sendable, CaseIterable {
  /// `wkbUnknown`: any geometry.
  case unknown = "Unknown"
  /// `wkbNone`: an attribute-only table.
  case none = "None"
  /// `wkbPoint`.
  case point = "Point"
  /// `wkbLineString`.
  case lineString = "LineString"
  /// `wkbPolygon`.
  case polygon = "Polygon"
  /// `wkbMultiPolygon`.
  case multiPolygon = "MultiPolygon"

  var ogr: OGRwkbGeometryType {
    switch self {
    case .unknown: return wkbUnknown
    case .none: return wkbNone
    case .point: return wkbPoint
    case .lineString: return wkbLineString
    case .polygon: return wkbPolygon
    case .multiPolygon: return wkbMultiPolygon
    }
  }
}

/// An attribute field of a new vector layer: its name and OGR type.
public struct VectorField: Hashable, Sendable {
  /// The OGR field type (`OGRFieldType`).
  public enum Kind: String, Sendable {
    /// `OFTString`.
    case string
    /// `OFTInteger64`.
    case integer
    /// `OFTReal`.
    case real
  }

  /// The field name.
  public let name: String
  /// The field type.
  public let kind: Kind

  /// Creates a field definition.
  public init(_ name: String, _ kind: Kind) {
    self.name = name
    self.kind = kind
  }
}

/// A new single-layer vector dataset written feature by feature (`GDALCreate` with a vector
/// driver such as "GeoJSON", "GPKG", "FlatGeobuf" or "ESRI Shapefile",
/// `GDALDatasetCreateLayer`, `OGR_L_CreateField`, `OGR_L_CreateFeature`). Features are written
/// in the order they are added, so the output is deterministic. Not thread-safe.
///
/// Call `close()` and check its error (GDAL 3.6's `GDALClose` returns void; `close()` reads the
/// error state around it). A writer dropped without `close()` is closed by `deinit`, but its
/// errors are lost.
public final class VectorWriter {
  var handle: GDALDatasetH?
  let layer: OGRLayerH
  /// The output path.
  public let path: String
  /// The attribute fields, in order.
  public let fields: [VectorField]

  /// Creates the dataset and its layer.
  ///
  /// - Parameters:
  ///   - path: output path (plain or `/vsimem/`); an existing file is replaced.
  ///   - driver: GDAL vector driver short name, default "GeoJSON".
  ///   - layerName: the layer name.
  ///   - crs: the layer CRS, or nil for none.
  ///   - geometryType: the declared geometry type.
  ///   - fields: attribute fields, in order.
  ///   - datasetOptions: driver dataset creation options ("KEY=VALUE").
  ///   - layerOptions: layer creation options, e.g. `["RFC7946=YES",
  ///     "COORDINATE_PRECISION=6"]` for GeoJSON.
  /// - Throws: `GDALError` when the driver is missing or the dataset, layer or a field cannot
  ///   be created.
  public init(
    path: String, driver: String = "GeoJSON", layerName: String, crs: SpatialReference?,
    geometryType: VectorGeometryType, fields: [VectorField], datasetOptions: [String] = [],
    layerOptions: [String] = []
  ) throws(GDALError) {
    GDAL.ensureRegistered()
    self.path = path
    self.fields = fields
    guard let drv = GDALGetDriverByName(driver) else {
      throw lastGDALError("GDALGetDriverByName", path: path, fallback: "no \(driver) driver")
    }
    CPLErrorReset()
    VSIUnlink(path)
    CPLErrorReset()
    let ds = withCStringList(datasetOptions) { opts in
      GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, opts)
    }
    let h = try checkNotNil(ds, "GDALCreate", path: path)
    var srs: OGRSpatialReferenceH? = nil
    if let crs {
      do { srs = try crs.makeHandle() } catch {
        GDALClose(h)
        throw error
      }
    }
    defer { if let srs { OSRDestroySpatialReference(srs) } }
    let l = withCStringList(layerOptions) { opts in
      GDALDatasetCreateLayer(h, layerName, srs, geometryType.ogr, opts)
    }
    guard let l else {
      let e = lastGDALError("GDALDatasetCreateLayer", path: path)
      GDALClose(h)
      throw e
    }
    for field in fields {
      let type: OGRFieldType
      switch field.kind {
      case .string: type = OFTString
      case .integer: type = OFTInteger64
      case .real: type = OFTReal
      }
      let fd = OGR_Fld_Create(field.name, type)
      let err = OGR_L_CreateField(l, fd, 1)
      OGR_Fld_Destroy(fd)
      if err != OGRERR_NONE {
        let e = lastGDALError(
          "OGR_L_CreateField", path: path, fallback: "cannot create field \(field.name)")
        GDALClose(h)
        throw e
      }
    }
    handle = h
    layer = l
  }

  deinit {
    if let handle {
      assert(false, "VectorWriter for \(path) was not closed; its write errors were lost")
      GDALClose(handle)
    }
  }

  /// Adds one feature (`OGR_F_Create`, `OGR_F_SetField*`, `OGR_F_SetGeometry`,
  /// `OGR_L_CreateFeature`).
  ///
  /// - Parameters:
  ///   - values: one value per field, in field order; `.null` writes a null. A `.string`
  ///     value in a numeric field is parsed by OGR; a number in a string field is written as
  ///     its text.
  ///   - geometry: the geometry (copied), in the layer's CRS, or nil.
  /// - Throws: `GDALError` when the writer is closed, the value count is wrong, or OGR refuses
  ///   the feature.
  public func add(_ values: [FieldValue], geometry: Geometry?) throws(GDALError) {
    guard handle != nil else {
      throw GDALError(
        number: GDALError.illegalArgument, message: "the writer is already closed",
        function: "OGR_L_CreateFeature", path: path)
    }
    guard values.count == fields.count else {
      throw GDALError(
        number: GDALError.illegalArgument,
        message: "\(values.count) values for \(fields.count) fields",
        function: "OGR_L_CreateFeature", path: path)
    }
    guard let f = OGR_F_Create(OGR_L_GetLayerDefn(layer)) else {
      throw lastGDALError("OGR_F_Create", path: path)
    }
    defer { OGR_F_Destroy(f) }
    for (i, v) in values.enumerated() {
      let idx = Int32(i)
      switch v {
      case .null: OGR_F_SetFieldNull(f, idx)
      case .integer(let n): OGR_F_SetFieldInteger64(f, idx, n)
      case .real(let d): OGR_F_SetFieldDouble(f, idx, d)
      case .string(let s): OGR_F_SetFieldString(f, idx, s)
      }
    }
    CPLErrorReset()
    if let geometry, OGR_F_SetGeometry(f, geometry.handle) != OGRERR_NONE {
      throw lastGDALError("OGR_F_SetGeometry", path: path, fallback: "geometry type refused")
    }
    if OGR_L_CreateFeature(layer, f) != OGRERR_NONE {
      throw lastGDALError("OGR_L_CreateFeature", path: path, fallback: "feature refused")
    }
  }

  /// Closes the dataset, writing it out (`GDALClose`), and throws any error GDAL recorded.
  /// Closing twice is a no-op.
  ///
  /// - Throws: `GDALError` when writing the file failed.
  public func close() throws(GDALError) {
    guard let h = handle else { return }
    handle = nil
    CPLErrorReset()
    GDALClose(h)
    try checkNoRecordedFailure("GDALClose", path: path)
  }
}

extension Geometry {
  /// The union with another geometry (`OGR_G_Union`, GEOS), or nil when GEOS fails.
  public func union(_ other: Geometry) -> Geometry? {
    let r = OGR_G_Union(handle, other.handle)
    CPLErrorReset()
    return r.map { Geometry(owning: $0) }
  }

  /// This geometry minus another (`OGR_G_Difference`, GEOS), or nil when GEOS fails.
  public func difference(_ other: Geometry) -> Geometry? {
    let r = OGR_G_Difference(handle, other.handle)
    CPLErrorReset()
    return r.map { Geometry(owning: $0) }
  }

  /// True when `other` lies inside this geometry, none of it in the exterior and some of it
  /// in the interior (`OGR_G_Contains`, GEOS).
  public func contains(_ other: Geometry) -> Bool {
    let r = OGR_G_Contains(handle, other.handle) != 0
    CPLErrorReset()
    return r
  }

  /// The centroid (`OGR_G_Centroid`) as (x, y), or nil for an empty geometry or a GEOS failure.
  public var centroid: (x: Double, y: Double)? {
    guard let p = OGR_G_CreateGeometry(wkbPoint) else { return nil }
    defer { OGR_G_DestroyGeometry(p) }
    let err = OGR_G_Centroid(handle, p)
    CPLErrorReset()
    guard err == OGRERR_NONE, OGR_G_IsEmpty(p) == 0 else { return nil }
    return (OGR_G_GetX(p, 0), OGR_G_GetY(p, 0))
  }

  /// The polygons of this geometry as a MultiPolygon: a Polygon becomes a one-part
  /// MultiPolygon, and the points and lines a GEOS overlay may return inside a
  /// GeometryCollection are dropped (`OGR_G_GetGeometryType`, `OGR_GT_Flatten`,
  /// `OGR_G_GetGeometryRef`, `OGR_G_AddGeometry`). Empty when there is no polygon.
  public func polygonalParts() -> Geometry {
    let multi = OGR_G_CreateGeometry(wkbMultiPolygon)!
    func collect(_ g: OGRGeometryH) {
      let type = OGR_GT_Flatten(OGR_G_GetGeometryType(g))
      if type == wkbPolygon {
        if OGR_G_IsEmpty(g) == 0 { OGR_G_AddGeometry(multi, g) }
      } else if type == wkbMultiPolygon || type == wkbGeometryCollection {
        for i in 0..<OGR_G_GetGeometryCount(g) {
          if let sub = OGR_G_GetGeometryRef(g, i) { collect(sub) }
        }
      }
    }
    collect(handle)
    return Geometry(owning: multi)
  }

  /// The vertices of the polygons in this geometry (a Polygon, a MultiPolygon, or the polygons
  /// of a collection): one array per polygon, holding its rings (the exterior first), each
  /// ring's vertices as stored, closing vertex included (`OGR_G_GetGeometryRef`,
  /// `OGR_G_GetPointCount`, `OGR_G_GetX`, `OGR_G_GetY`).
  public var polygonRings: [[[(x: Double, y: Double)]]] {
    let parts = polygonalParts()
    var result: [[[(x: Double, y: Double)]]] = []
    for i in 0..<OGR_G_GetGeometryCount(parts.handle) {
      guard let polygon = OGR_G_GetGeometryRef(parts.handle, i) else { continue }
      var rings: [[(x: Double, y: Double)]] = []
      for r in 0..<OGR_G_GetGeometryCount(polygon) {
        guard let ring = OGR_G_GetGeometryRef(polygon, r) else { continue }
        rings.append(
          (0..<OGR_G_GetPointCount(ring)).map { (OGR_G_GetX(ring, $0), OGR_G_GetY(ring, $0)) })
      }
      result.append(rings)
    }
    return result
  }

  /// The number of parts of a multi-geometry or collection, 0 for a simple geometry
  /// (`OGR_G_GetGeometryCount` on collections).
  public var partCount: Int {
    let type = OGR_GT_Flatten(OGR_G_GetGeometryType(handle))
    guard OGR_GT_IsSubClassOf(type, wkbGeometryCollection) != 0 else { return 0 }
    return Int(OGR_G_GetGeometryCount(handle))
  }

  /// The union of many polygonal geometries in one GEOS cascaded union: their polygons are
  /// gathered into one MultiPolygon (`OGR_G_AddGeometry`) and dissolved
  /// (`OGR_G_UnionCascaded`). Returns nil when GEOS fails; an empty MultiPolygon for no input.
  public static func unionOfPolygons(_ geometries: [Geometry]) -> Geometry? {
    let multi = OGR_G_CreateGeometry(wkbMultiPolygon)!
    defer { OGR_G_DestroyGeometry(multi) }
    for g in geometries {
      let parts = g.polygonalParts()
      for i in 0..<OGR_G_GetGeometryCount(parts.handle) {
        if let sub = OGR_G_GetGeometryRef(parts.handle, i) { OGR_G_AddGeometry(multi, sub) }
      }
    }
    if OGR_G_GetGeometryCount(multi) == 0 {
      return Geometry(owning: OGR_G_CreateGeometry(wkbMultiPolygon)!)
    }
    let r = OGR_G_UnionCascaded(multi)
    CPLErrorReset()
    return r.map { Geometry(owning: $0) }
  }
}
