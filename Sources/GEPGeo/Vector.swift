internal import CGDAL

/// A geometry owned by Swift (an `OGRGeometryH` clone destroyed with the object). Not
/// thread-safe: use one per thread (clone it with `copy()`).
public final class Geometry {
  let handle: OGRGeometryH

  init(owning handle: OGRGeometryH) { self.handle = handle }

  deinit { OGR_G_DestroyGeometry(handle) }

  /// Parses WKT (`OGR_G_CreateFromWkt`).
  ///
  /// - Throws: `GDALError` naming the WKT when it does not parse.
  public convenience init(wkt: String) throws(GDALError) {
    GDAL.ensureRegistered()
    var g: OGRGeometryH? = nil
    var text = Array(wkt.utf8CString)
    let err = text.withUnsafeMutableBufferPointer { buf -> OGRErr in
      var p: UnsafeMutablePointer<CChar>? = buf.baseAddress
      return OGR_G_CreateFromWkt(&p, nil, &g)
    }
    guard err == OGRERR_NONE, let g else {
      throw GDALError(
        number: GDALError.illegalArgument, message: "cannot parse WKT \"\(wkt.prefix(80))\"",
        function: "OGR_G_CreateFromWkt", path: nil)
    }
    self.init(owning: g)
  }

  /// A deep copy (`OGR_G_Clone`).
  public func copy() -> Geometry { Geometry(owning: OGR_G_Clone(handle)) }

  /// The OGR geometry type name, e.g. "POLYGON", "MULTIPOLYGON" (`OGR_G_GetGeometryName`).
  public var typeName: String { String(cString: OGR_G_GetGeometryName(handle)) }

  /// True for an empty geometry (`OGR_G_IsEmpty`).
  public var isEmpty: Bool { OGR_G_IsEmpty(handle) != 0 }

  /// True when the geometry is valid in the OGC sense (`OGR_G_IsValid`, GEOS).
  public var isValid: Bool {
    let v = OGR_G_IsValid(handle) != 0
    CPLErrorReset()
    return v
  }

  /// Planar area in squared CRS units (`OGR_G_Area`): m² for metre-based projected CRSs.
  public var area: Double { OGR_G_Area(handle) }

  /// The bounding box (`OGR_G_GetEnvelope`), in CRS units.
  public var envelope: (minX: Double, minY: Double, maxX: Double, maxY: Double) {
    var e = OGREnvelope()
    OGR_G_GetEnvelope(handle, &e)
    return (e.MinX, e.MinY, e.MaxX, e.MaxY)
  }

  /// The geometry as WKT (`OGR_G_ExportToWkt`).
  public var wkt: String {
    var p: UnsafeMutablePointer<CChar>? = nil
    OGR_G_ExportToWkt(handle, &p)
    defer { VSIFree(p) }
    return p.map { String(cString: $0) } ?? ""
  }

  /// The geometry as a GeoJSON geometry object with `significantDigits` decimals
  /// (`OGR_G_ExportToJsonEx`, `COORDINATE_PRECISION`).
  public func geoJSON(significantDigits: Int = 7) -> String {
    let p = withCStringList(["COORDINATE_PRECISION=\(significantDigits)"]) {
      OGR_G_ExportToJsonEx(handle, $0)
    }
    defer { VSIFree(p) }
    return p.map { String(cString: $0) } ?? "null"
  }

  /// A copy transformed to another CRS (`OGR_G_Transform`).
  ///
  /// - Throws: `GDALError` when a vertex cannot be transformed.
  public func transformed(by transformation: CoordinateTransformation) throws(GDALError)
    -> Geometry
  {
    let g = copy()
    CPLErrorReset()
    guard OGR_G_Transform(g.handle, transformation.handle) == OGRERR_NONE else {
      throw lastGDALError(
        "OGR_G_Transform",
        fallback: "cannot transform from \(transformation.source) to \(transformation.target)")
    }
    return g
  }

  /// A valid copy made with GEOS's make-valid (`OGR_G_MakeValid`).
  ///
  /// - Throws: `GDALError` when GEOS cannot repair it.
  public func madeValid() throws(GDALError) -> Geometry {
    CPLErrorReset()
    return Geometry(owning: try checkNotNil(OGR_G_MakeValid(handle), "OGR_G_MakeValid"))
  }

  /// The intersection with another geometry (`OGR_G_Intersection`), or nil when GEOS fails.
  public func intersection(_ other: Geometry) -> Geometry? {
    let r = OGR_G_Intersection(handle, other.handle)
    CPLErrorReset()
    return r.map { Geometry(owning: $0) }
  }

  /// True when the two geometries intersect (`OGR_G_Intersects`).
  public func intersects(_ other: Geometry) -> Bool { OGR_G_Intersects(handle, other.handle) != 0 }

  /// A point on the surface, for labels (`OGR_G_PointOnSurface`), as (x, y), or nil.
  public var pointOnSurface: (x: Double, y: Double)? {
    guard let p = OGR_G_PointOnSurface(handle) else { return nil }
    defer { OGR_G_DestroyGeometry(p) }
    return (OGR_G_GetX(p, 0), OGR_G_GetY(p, 0))
  }
}

/// One attribute value of a feature.
public enum FieldValue: Hashable, Sendable, CustomStringConvertible {
  /// A null or unset field.
  case null
  /// An integer field (OFTInteger, OFTInteger64).
  case integer(Int64)
  /// A real field (OFTReal).
  case real(Double)
  /// Any other field, as OGR's string form (OFTString, dates…).
  case string(String)

  /// The value as text ("" for null); integers without decimals, reals in Swift's shortest form.
  public var description: String {
    switch self {
    case .null: return ""
    case .integer(let i): return String(i)
    case .real(let d): return String(d)
    case .string(let s): return s
    }
  }

  /// The value as a number, when it is one or parses as one.
  public var number: Double? {
    switch self {
    case .null: return nil
    case .integer(let i): return Double(i)
    case .real(let d): return d
    case .string(let s): return Double(s.trimmingWhitespace())
    }
  }
}

/// A feature: its id, attributes by field name, and geometry.
public struct Feature {
  /// OGR's feature id (`OGR_F_GetFID`).
  public let fid: Int64
  /// Attributes by field name.
  public let attributes: [String: FieldValue]
  /// The geometry, or nil when the feature has none.
  public let geometry: Geometry?
}

/// A vector dataset opened read-only (`GDALOpenEx` with `GDAL_OF_VECTOR | GDAL_OF_READONLY |
/// GDAL_OF_VERBOSE_ERROR`): GeoPackage, Shapefile, GeoJSON, FlatGeobuf, CSV, XLSX… Not
/// thread-safe.
public final class VectorDataset {
  let handle: GDALDatasetH
  /// The path the dataset was opened from.
  public let path: String

  /// Opens a vector dataset.
  ///
  /// - Parameters:
  ///   - path: plain or virtual path.
  ///   - openOptions: driver open options ("KEY=VALUE").
  /// - Throws: `GDALError` (number 4 `CPLE_OpenFailed`) with GDAL's message for a missing,
  ///   unreadable or non-vector file, and for a path that is a device, FIFO or socket
  ///   (`GDAL.requireRegularFile`; checked before opening, so nothing blocks).
  public init(path: String, openOptions: [String] = []) throws(GDALError) {
    GDAL.ensureRegistered()
    // A FIFO would block GDALOpenEx and a device would be read without end: refuse them first.
    try GDAL.requireRegularFile(path, folderAllowed: true)
    CPLErrorReset()
    let flags = UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR)
    let h = withCStringList(openOptions) { opts in
      GDALOpenEx(path, flags, nil, constList(opts), nil)
    }
    guard let h else {
      throw lastGDALError("GDALOpenEx", path: path, fallback: "not a vector dataset GDAL can open")
    }
    handle = h
    self.path = path
    CPLErrorReset()
  }

  deinit { GDALClose(handle) }

  /// Number of layers (`GDALDatasetGetLayerCount`).
  public var layerCount: Int { Int(GDALDatasetGetLayerCount(handle)) }

  /// The names of all layers, in order.
  public var layerNames: [String] {
    (0..<layerCount).compactMap { i in
      GDALDatasetGetLayer(handle, Int32(i)).map { String(cString: OGR_L_GetName($0)) }
    }
  }

  /// Layer `index` (0-based) (`GDALDatasetGetLayer`).
  ///
  /// - Throws: `GDALError` naming the index when it does not exist.
  public func layer(_ index: Int = 0) throws(GDALError) -> VectorLayer {
    guard index >= 0, index < layerCount, let l = GDALDatasetGetLayer(handle, Int32(index)) else {
      throw GDALError(
        number: GDALError.illegalArgument,
        message: "layer \(index) does not exist (the dataset has \(layerCount))",
        function: "GDALDatasetGetLayer", path: path)
    }
    return VectorLayer(dataset: self, handle: l)
  }

  /// The layer named `name` (`GDALDatasetGetLayerByName`).
  ///
  /// - Throws: `GDALError` listing the layers that exist.
  public func layer(named name: String) throws(GDALError) -> VectorLayer {
    guard let l = GDALDatasetGetLayerByName(handle, name) else {
      throw GDALError(
        number: GDALError.illegalArgument,
        message:
          "no layer or sheet named \"\(name)\"; it has: \(layerNames.joined(separator: ", "))",
        function: "GDALDatasetGetLayerByName", path: path)
    }
    return VectorLayer(dataset: self, handle: l)
  }
}

/// A field of a layer: its name and OGR type name.
public struct FieldDefinition: Hashable, Sendable {
  /// The field name.
  public let name: String
  /// OGR's type name, e.g. "String", "Integer", "Real" (`OGR_GetFieldTypeName`).
  public let typeName: String
}

/// A layer of a vector dataset; keeps its dataset alive. Not thread-safe.
public final class VectorLayer {
  /// The dataset this layer belongs to.
  public let dataset: VectorDataset
  let handle: OGRLayerH

  init(dataset: VectorDataset, handle: OGRLayerH) {
    self.dataset = dataset
    self.handle = handle
  }

  /// The layer name (`OGR_L_GetName`).
  public var name: String { String(cString: OGR_L_GetName(handle)) }

  /// The attribute fields, in order (`OGR_L_GetLayerDefn`, `OGR_FD_GetFieldDefn`).
  public var fields: [FieldDefinition] {
    let defn = OGR_L_GetLayerDefn(handle)
    return (0..<Int(OGR_FD_GetFieldCount(defn))).map { i in
      let fd = OGR_FD_GetFieldDefn(defn, Int32(i))
      return FieldDefinition(
        name: String(cString: OGR_Fld_GetNameRef(fd)),
        typeName: String(cString: OGR_GetFieldTypeName(OGR_Fld_GetType(fd))))
    }
  }

  /// The layer CRS (`OGR_L_GetSpatialRef`), or nil when it declares none.
  ///
  /// - Throws: `GDALError` when the CRS cannot be exported.
  public func spatialReference() throws(GDALError) -> SpatialReference? {
    guard let srs = OGR_L_GetSpatialRef(handle) else { return nil }
    return try SpatialReference(handle: srs)
  }

  /// Number of features (`OGR_L_GetFeatureCount`, forcing a count).
  public var featureCount: Int { Int(OGR_L_GetFeatureCount(handle, 1)) }

  /// All features with attributes and geometry, in layer order (`OGR_L_ResetReading`,
  /// `OGR_L_GetNextFeature`). Accounting-unit layers are small (thousands of features), so they
  /// are read whole.
  ///
  /// - Throws: `GDALError` when reading fails midway.
  public func features() throws(GDALError) -> [Feature] {
    let names = fields.map(\.name)
    var result: [Feature] = []
    OGR_L_ResetReading(handle)
    CPLErrorReset()
    while let f = OGR_L_GetNextFeature(handle) {
      defer { OGR_F_Destroy(f) }
      var attrs: [String: FieldValue] = [:]
      for (i, name) in names.enumerated() {
        let idx = Int32(i)
        if OGR_F_IsFieldSetAndNotNull(f, idx) == 0 {
          attrs[name] = .null
          continue
        }
        let fd = OGR_F_GetFieldDefnRef(f, idx)
        switch OGR_Fld_GetType(fd) {
        case OFTInteger, OFTInteger64: attrs[name] = .integer(OGR_F_GetFieldAsInteger64(f, idx))
        case OFTReal: attrs[name] = .real(OGR_F_GetFieldAsDouble(f, idx))
        default: attrs[name] = .string(String(cString: OGR_F_GetFieldAsString(f, idx)))
        }
      }
      let geometry = OGR_F_GetGeometryRef(f).map { Geometry(owning: OGR_G_Clone($0)) }
      result.append(Feature(fid: OGR_F_GetFID(f), attributes: attrs, geometry: geometry))
    }
    if CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal {
      throw lastGDALError("OGR_L_GetNextFeature", path: dataset.path)
    }
    return result
  }
}

extension String {
  /// The string without leading and trailing spaces, tabs and line breaks (no Foundation).
  func trimmingWhitespace() -> String {
    func isSpace(_ u: Unicode.Scalar) -> Bool {
      switch u.value {
      case 0x20, 0x09, 0x0A, 0x0D, 0x3000, 0xFEFF: return true
      default: return false
      }
    }
    let scalars = unicodeScalars
    guard let first = scalars.first, let last = scalars.last else { return self }
    if !isSpace(first) && !isSpace(last) { return self }
    var s = Substring(self).unicodeScalars
    while let c = s.first, isSpace(c) { s.removeFirst() }
    while let c = s.last, isSpace(c) { s.removeLast() }
    return String(s)
  }
}

/// Converts a vector dataset to another format (`GDALVectorTranslate`, the ogr2ogr API), e.g.
/// CSV to XLSX or GeoJSON to GeoPackage, optionally reprojecting (`-t_srs`).
///
/// - Parameters:
///   - sourcePath: the dataset to read.
///   - destinationPath: the file to write (overwritten).
///   - format: the GDAL driver short name ("GPKG", "GeoJSON", "XLSX", "FlatGeobuf", …).
///   - arguments: further ogr2ogr arguments (e.g. ["-t_srs", "EPSG:4326", "-nln", "units"]).
///   - config: GDAL configuration options set on this thread for the translation (e.g.
///     `OGR_CURRENT_DATE` for a reproducible GeoPackage timestamp).
/// - Throws: `GDALError` with GDAL's message.
public func translateVector(
  sourcePath: String, destinationPath: String, format: String, arguments: [String] = [],
  config: [String: String] = [:]
) throws(GDALError) {
  for (k, v) in config { CPLSetThreadLocalConfigOption(k, v) }
  defer { for k in config.keys { CPLSetThreadLocalConfigOption(k, nil) } }
  let source = try VectorDataset(path: sourcePath)
  let args = ["-f", format, "-overwrite"] + arguments
  CPLErrorReset()
  let options: OpaquePointer? = withCStringList(args) { GDALVectorTranslateOptionsNew($0, nil) }
  guard let options else { throw lastGDALError("GDALVectorTranslateOptionsNew", path: sourcePath) }
  defer { GDALVectorTranslateOptionsFree(options) }
  var sources: [GDALDatasetH?] = [source.handle]
  var usageError: Int32 = 0
  let out = sources.withUnsafeMutableBufferPointer { buf in
    GDALVectorTranslate(destinationPath, nil, 1, buf.baseAddress, options, &usageError)
  }
  guard let out else { throw lastGDALError("GDALVectorTranslate", path: sourcePath) }
  CPLErrorReset()
  GDALClose(out)
  try checkNoRecordedFailure("GDALClose", path: destinationPath)
}

extension Geometry {
  /// The union of several polygons (`OGR_G_UnionCascaded` on a multipolygon of all parts), used
  /// to build township and county outlines from their villages.
  ///
  /// - Throws: `GDALError` when GEOS fails.
  public static func union(_ parts: [Geometry]) throws(GDALError) -> Geometry {
    GDAL.ensureRegistered()
    guard let multi = OGR_G_CreateGeometry(wkbMultiPolygon) else {
      throw lastGDALError("OGR_G_CreateGeometry")
    }
    defer { OGR_G_DestroyGeometry(multi) }
    for g in parts where !g.isEmpty {
      let flat = OGR_G_GetGeometryType(g.handle).rawValue & 0xff
      if flat == wkbMultiPolygon.rawValue {
        for i in 0..<OGR_G_GetGeometryCount(g.handle) {
          OGR_G_AddGeometry(multi, OGR_G_GetGeometryRef(g.handle, i))
        }
      } else if flat == wkbPolygon.rawValue {
        OGR_G_AddGeometry(multi, g.handle)
      }
    }
    CPLErrorReset()
    return Geometry(owning: try checkNotNil(OGR_G_UnionCascaded(multi), "OGR_G_UnionCascaded"))
  }
}
