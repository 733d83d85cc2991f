internal import CGDAL

/// A coordinate reference system, held as WKT (a value type, safe to share between threads).
///
/// Every OGR spatial reference the wrapper builds uses `OAMS_TRADITIONAL_GIS_ORDER`
/// (`OSRSetAxisMappingStrategy`), so geographic coordinates are always (lon, lat) / (x, y),
/// whatever axis order the authority defines (EPSG:4326 is lat/lon in the EPSG database).
public struct SpatialReference: Hashable, Sendable, CustomStringConvertible {
  /// The CRS as WKT (OGC WKT 1 as GDAL exports it by default).
  public let wkt: String
  /// The EPSG code when GDAL identifies one (`OSRGetAuthorityCode` after
  /// `OSRAutoIdentifyEPSG`), else nil.
  public let epsg: Int?
  /// True for a geographic (lon/lat) CRS (`OSRIsGeographic`).
  public let isGeographic: Bool
  /// True for a projected CRS (`OSRIsProjected`).
  public let isProjected: Bool
  /// Metres per linear unit for projected CRSs (`OSRGetLinearUnits`), 1 for metres.
  public let metresPerUnit: Double
  /// Ellipsoid semi-major axis in metres (`OSRGetSemiMajor`).
  public let semiMajor: Double
  /// Ellipsoid inverse flattening (`OSRGetInvFlattening`); 0 for a sphere.
  public let inverseFlattening: Double
  /// The CRS's name (`OSRGetName`), e.g. "WGS 84" or "CGCS2000 / 3-degree Gauss-Kruger CM 111E".
  public let name: String

  /// Parses any definition GDAL accepts: WKT, PROJ string, "EPSG:4326", a PROJJSON
  /// (`OSRSetFromUserInput`).
  ///
  /// - Throws: `GDALError` naming the definition when GDAL cannot parse it.
  public init(definition: String) throws(GDALError) {
    GDAL.ensureRegistered()
    guard let srs = OSRNewSpatialReference(nil) else {
      throw lastGDALError("OSRNewSpatialReference")
    }
    defer { OSRDestroySpatialReference(srs) }
    CPLErrorReset()
    if OSRSetFromUserInput(srs, definition) != OGRERR_NONE {
      throw lastGDALError(
        "OSRSetFromUserInput", path: nil,
        fallback: "cannot parse the CRS definition \"\(definition.prefix(200))\"")
    }
    try self.init(handle: srs)
  }

  /// Creates the CRS of an EPSG code (`OSRImportFromEPSG`).
  ///
  /// - Throws: `GDALError` when PROJ's database has no such code.
  public init(epsg code: Int) throws(GDALError) {
    try self.init(definition: "EPSG:\(code)")
  }

  /// Reads facts from an OGR handle (not consumed).
  init(handle srs: OGRSpatialReferenceH) throws(GDALError) {
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER)
    var cwkt: UnsafeMutablePointer<CChar>? = nil
    guard OSRExportToWkt(srs, &cwkt) == OGRERR_NONE, let cwkt else {
      throw lastGDALError("OSRExportToWkt", fallback: "cannot export the CRS to WKT")
    }
    wkt = String(cString: cwkt)
    VSIFree(cwkt)
    isGeographic = OSRIsGeographic(srs) != 0
    isProjected = OSRIsProjected(srs) != 0
    var units: Double = 1
    if isProjected { units = OSRGetLinearUnits(srs, nil) }
    metresPerUnit = units
    var err: OGRErr = OGRERR_NONE
    semiMajor = OSRGetSemiMajor(srs, &err)
    inverseFlattening = OSRGetInvFlattening(srs, &err)
    name = OSRGetName(srs).map { String(cString: $0) } ?? ""
    epsg = SpatialReference.identifyEPSG(srs)
  }

  private static func identifyEPSG(_ srs: OGRSpatialReferenceH) -> Int? {
    guard let clone = OSRClone(srs) else { return nil }
    defer { OSRDestroySpatialReference(clone) }
    let key: String? = OSRIsProjected(clone) != 0 ? "PROJCS" : "GEOGCS"
    func code() -> Int? {
      if let auth = OSRGetAuthorityName(clone, key), String(cString: auth) == "EPSG",
        let c = OSRGetAuthorityCode(clone, key)
      {
        return Int(String(cString: c))
      }
      return nil
    }
    if let c = code() { return c }
    _ = OSRAutoIdentifyEPSG(clone)
    let c = code()
    CPLErrorReset()
    return c
  }

  /// A new OGR handle for this CRS with traditional GIS axis order; the caller destroys it.
  func makeHandle() throws(GDALError) -> OGRSpatialReferenceH {
    GDAL.ensureRegistered()
    guard let srs = OSRNewSpatialReference(nil) else {
      throw lastGDALError("OSRNewSpatialReference")
    }
    if OSRSetFromUserInput(srs, wkt) != OGRERR_NONE {
      OSRDestroySpatialReference(srs)
      throw lastGDALError("OSRSetFromUserInput", fallback: "cannot parse WKT")
    }
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER)
    return srs
  }

  /// True when both describe the same CRS up to naming: `OSRIsSameEx` with
  /// `CRITERION=EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS` and the data axis mapping ignored, so a
  /// WKT that spells out EPSG:4528's definition without its authority code is the same.
  ///
  /// - Throws: `GDALError` when either WKT cannot be parsed.
  public func isSame(as other: SpatialReference) throws(GDALError) -> Bool {
    if wkt == other.wkt { return true }
    let a = try makeHandle()
    defer { OSRDestroySpatialReference(a) }
    let b = try other.makeHandle()
    defer { OSRDestroySpatialReference(b) }
    let options = [
      "CRITERION=EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS",
      "IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES",
    ]
    return withCStringList(options) { OSRIsSameEx(a, b, constList($0)) } != 0
  }

  /// The name, with the EPSG code when known.
  public var description: String {
    if let epsg { return "\(name) (EPSG:\(epsg))" }
    return name
  }

  /// WGS 84 longitude/latitude (EPSG:4326, lon/lat order): the CRS of RFC 7946 GeoJSON.
  public static func wgs84() throws(GDALError) -> SpatialReference {
    try SpatialReference(epsg: 4326)
  }
}

/// Transforms coordinates between two CRSs (`OCTNewCoordinateTransformation`,
/// `OCTTransform`), both in traditional GIS axis order. Not thread-safe: one per thread.
public final class CoordinateTransformation {
  let handle: OGRCoordinateTransformationH
  /// The source CRS.
  public let source: SpatialReference
  /// The target CRS.
  public let target: SpatialReference

  /// Creates a transformation.
  ///
  /// - Throws: `GDALError` when PROJ finds no operation between the two CRSs.
  public init(from source: SpatialReference, to target: SpatialReference) throws(GDALError) {
    let s = try source.makeHandle()
    defer { OSRDestroySpatialReference(s) }
    let t = try target.makeHandle()
    defer { OSRDestroySpatialReference(t) }
    handle = try checkNotNil(
      OCTNewCoordinateTransformation(s, t), "OCTNewCoordinateTransformation")
    self.source = source
    self.target = target
  }

  deinit { OCTDestroyCoordinateTransformation(handle) }

  /// Transforms points in place (x = lon/easting, y = lat/northing).
  ///
  /// - Parameters:
  ///   - x: x coordinates; length n.
  ///   - y: y coordinates; length n.
  /// - Throws: `GDALError` when any point fails to transform.
  public func transform(x: inout [Double], y: inout [Double]) throws(GDALError) {
    precondition(x.count == y.count, "x and y must have the same length")
    let n = try int32(x.count, "point count", function: "OCTTransform", path: nil)
    var ok = [Int32](repeating: 0, count: x.count)
    let success = x.withUnsafeMutableBufferPointer { xb in
      y.withUnsafeMutableBufferPointer { yb in
        ok.withUnsafeMutableBufferPointer { ob in
          OCTTransformEx(handle, n, xb.baseAddress, yb.baseAddress, nil, ob.baseAddress)
        }
      }
    }
    if success == 0 || ok.contains(0) {
      let bad = ok.firstIndex(of: 0) ?? 0
      throw lastGDALError(
        "OCTTransform",
        fallback: "point \(bad) could not be transformed from \(source) to \(target)")
    }
  }
}
