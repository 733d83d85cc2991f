import Foundation

// Station values → grid cells: inverse-distance weighting and nearest station (Thiessen
// polygons), as used to turn CMA station records into P, R and ET₀ rasters (GEP-METHODS §5.1
// "CMA station interpolation"). Pure: coordinates are already in one CRS.

/// One station: a position and a value.
public struct StationPoint: Sendable, Hashable {
  /// Identifier, for messages.
  public var id: String
  /// x: easting (m) on projected grids, or longitude (degrees) with `.greatCircle`.
  public var x: Double
  /// y: northing (m), or latitude (degrees).
  public var y: Double
  /// The station's value (any unit; the interpolated value has the same unit).
  public var value: Double

  /// Memberwise initializer.
  public init(id: String, x: Double, y: Double, value: Double) {
    self.id = id
    self.x = x
    self.y = y
    self.value = value
  }
}

/// How distances between a cell centre and a station are measured.
public enum StationDistance: Sendable, Hashable {
  /// Euclidean distance in the coordinates' unit (projected CRSs).
  case planar
  /// Great-circle (haversine) distance on a sphere of this radius in metres, for x = longitude
  /// and y = latitude in degrees (geographic CRSs; 6 371 008.8 m is the mean Earth radius).
  case greatCircle(radius: Double)

  /// The distance between two points (unit of the coordinates for `.planar`, metres for
  /// `.greatCircle`).
  public func between(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double) -> Double {
    switch self {
    case .planar:
      return ((x1 - x2) * (x1 - x2) + (y1 - y2) * (y1 - y2)).squareRoot()
    case .greatCircle(let radius):
      let rad = Double.pi / 180
      let dLat = (y2 - y1) * rad
      let dLon = (x2 - x1) * rad
      let a =
        pow(sin(dLat / 2), 2) + cos(y1 * rad) * cos(y2 * rad) * pow(sin(dLon / 2), 2)
      return 2 * radius * asin(min(1, a.squareRoot()))
    }
  }
}

/// Interpolation method for station values.
public enum StationInterpolation: Sendable, Hashable {
  /// Inverse-distance weighting (Shepard 1968) with this power p (commonly 2).
  case inverseDistance(power: Double)
  /// Value of the nearest station (Thiessen / Voronoi polygons); ties go to the station listed
  /// first.
  case nearest
}

/// The interpolated value at one point.
///
///     IDW:      v = Σ_i w_i v_i / Σ_i w_i,   w_i = 1 / d_i^p   (v = v_k where d_k = 0)
///     nearest:  v = v_k,  k = argmin_i d_i
///
/// - Parameters:
///   - x: point x (same CRS and unit as the stations); y: point y.
///   - stations: at least one station (an empty list returns NaN).
///   - method: IDW with its power, or nearest.
///   - distance: planar or great-circle.
/// - Returns: the value, in the stations' unit. A point on a station takes that station's
///   value exactly.
public func interpolateStations(
  x: Double, y: Double, stations: [StationPoint], method: StationInterpolation,
  distance: StationDistance = .planar
) -> Double {
  guard !stations.isEmpty else { return .nan }
  switch method {
  case .nearest:
    var best = 0
    var bestDistance = Double.infinity
    for (k, s) in stations.enumerated() {
      let d = distance.between(x, y, s.x, s.y)
      if d < bestDistance {
        bestDistance = d
        best = k
      }
    }
    return stations[best].value
  case .inverseDistance(let power):
    var sumW = 0.0
    var sumWV = 0.0
    for s in stations {
      let d = distance.between(x, y, s.x, s.y)
      if d == 0 { return s.value }
      let weight = 1 / pow(d, power)
      sumW += weight
      sumWV += weight * s.value
    }
    return sumWV / sumW
  }
}

/// Interpolates stations onto every cell centre of a grid.
///
/// - Parameters:
///   - stations: at least one station, coordinates in the grid's CRS.
///   - xs: x of each column's cell centre (length = width).
///   - ys: y of each row's cell centre (length = height).
///   - method: IDW or nearest.
///   - distance: planar or great-circle.
/// - Returns: row-major values, length = xs.count × ys.count.
public func interpolateStationsOnGrid(
  stations: [StationPoint], xs: [Double], ys: [Double], method: StationInterpolation,
  distance: StationDistance = .planar
) -> [Double] {
  var out = [Double](repeating: .nan, count: xs.count * ys.count)
  for (r, y) in ys.enumerated() {
    for (c, x) in xs.enumerated() {
      out[r * xs.count + c] = interpolateStations(
        x: x, y: y, stations: stations, method: method, distance: distance)
    }
  }
  return out
}
