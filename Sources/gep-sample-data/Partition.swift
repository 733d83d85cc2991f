// Synthetic township and village polygons that tile the real county outline exactly: Voronoi
// cells of deterministic seed points (computed here by half-plane clipping of a box), clipped
// to the county (townships) and then to each township (villages) with GEOS through OGR.
import GEPCore
import GEPGeo

/// A point in the projected CRS (metres).
struct P: Hashable {
  var x: Double
  var y: Double

  /// The squared distance to another point.
  func distance2(_ o: P) -> Double { (x - o.x) * (x - o.x) + (y - o.y) * (y - o.y) }

  /// The point as WKT.
  var wkt: String { "POINT (\(x) \(y))" }
}

/// An axis-aligned box (metres).
struct Box {
  var minX: Double
  var minY: Double
  var maxX: Double
  var maxY: Double

  /// The box around a geometry's envelope, grown by `margin` on every side.
  init(_ g: Geometry, margin: Double) {
    let e = g.envelope
    minX = e.minX - margin
    minY = e.minY - margin
    maxX = e.maxX + margin
    maxY = e.maxY + margin
  }

  /// The corners, counter-clockwise from the lower left.
  var ring: [P] {
    [P(x: minX, y: minY), P(x: maxX, y: minY), P(x: maxX, y: maxY), P(x: minX, y: maxY)]
  }
}

/// Keeps one copy of each vertex so that a Voronoi vertex computed separately in two or three
/// neighbouring cells has bit-identical coordinates in all of them (points closer than
/// `tolerance` are the same vertex; the first one seen wins).
struct VertexRegistry {
  private var buckets: [Int64: [P]] = [:]
  let tolerance = 1e-6
  let bucket = 1e-3

  private func key(_ bx: Int64, _ by: Int64) -> Int64 { bx &* 1_000_003 &+ by }

  mutating func canonical(_ p: P) -> P {
    let bx = Int64((p.x / bucket).rounded(.down))
    let by = Int64((p.y / bucket).rounded(.down))
    for dx in Int64(-1)...1 {
      for dy in Int64(-1)...1 {
        for q in buckets[key(bx + dx, by + dy)] ?? []
        where abs(q.x - p.x) <= tolerance && abs(q.y - p.y) <= tolerance {
          return q
        }
      }
    }
    buckets[key(bx, by), default: []].append(p)
    return p
  }
}

/// The Voronoi cell of every seed inside `box`, as counter-clockwise rings (no closing vertex):
/// the box clipped by the half-plane nearer to the seed than to each other seed
/// (Sutherland–Hodgman). Shared vertices are made bit-identical through a `VertexRegistry`.
func voronoiCells(_ seeds: [P], box: Box) -> [[P]] {
  var registry = VertexRegistry()
  var cells: [[P]] = []
  for (i, s) in seeds.enumerated() {
    var poly = box.ring
    for (j, t) in seeds.enumerated() where j != i {
      let m = P(x: (s.x + t.x) / 2, y: (s.y + t.y) / 2)
      let n = P(x: t.x - s.x, y: t.y - s.y)
      func f(_ q: P) -> Double { (q.x - m.x) * n.x + (q.y - m.y) * n.y }
      var out: [P] = []
      for k in 0..<poly.count {
        let a = poly[k]
        let b = poly[(k + 1) % poly.count]
        let fa = f(a)
        let fb = f(b)
        if fa <= 0 { out.append(a) }
        if (fa < 0 && fb > 0) || (fa > 0 && fb < 0) {
          let t = fa / (fa - fb)
          out.append(P(x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t))
        }
      }
      poly = out
      if poly.isEmpty { break }
    }
    var ring: [P] = []
    for p in poly.map({ registry.canonical($0) }) where ring.last != p && ring.first != p {
      ring.append(p)
    }
    cells.append(ring)
  }
  return cells
}

/// WKT of a polygon from a ring without closing vertex.
func polygonWKT(_ ring: [P]) -> String {
  let pts = (ring + [ring[0]]).map { "\($0.x) \($0.y)" }.joined(separator: ",")
  return "POLYGON ((\(pts)))"
}

/// The Voronoi cells of `seeds` clipped to `region`, each as a MultiPolygon.
func clippedCells(_ seeds: [P], region: Geometry) throws -> [Geometry] {
  let box = Box(region, margin: 5000)
  var result: [Geometry] = []
  for (i, ring) in voronoiCells(seeds, box: box).enumerated() {
    let cell = try Geometry(wkt: polygonWKT(ring))
    guard let clipped = cell.intersection(region)?.polygonalParts(), !clipped.isEmpty else {
      throw GeneratorError("the Voronoi cell of seed \(i) does not meet its region")
    }
    result.append(clipped)
  }
  return result
}

/// Picks `count` new seed points inside `region` by best-candidate sampling (Mitchell 1991):
/// each new seed is, of `candidates` random points inside the region, the one farthest from
/// all seeds so far (`fixed` first). Deterministic for a given generator state.
func bestCandidateSeeds(
  count: Int, in region: Geometry, fixed: [P], rng: inout SplitMix64, candidates: Int = 20
) throws -> [P] {
  let box = Box(region, margin: 0)
  var chosen: [P] = []
  for _ in 0..<count {
    var best: P? = nil
    var bestDistance = -1.0
    var accepted = 0
    var tries = 0
    while accepted < candidates {
      tries += 1
      if tries > 100_000 { throw GeneratorError("no point found inside a region") }
      let p = P(x: rng.uniform(box.minX, box.maxX), y: rng.uniform(box.minY, box.maxY))
      guard region.contains(try Geometry(wkt: p.wkt)) else { continue }
      accepted += 1
      let d = (fixed + chosen).map { $0.distance2(p) }.min() ?? .infinity
      if d > bestDistance {
        bestDistance = d
        best = p
      }
    }
    chosen.append(best!)
  }
  return chosen
}

/// Lloyd relaxation: moves each movable seed to the centroid of its clipped Voronoi cell when
/// that centroid lies inside `region`, `iterations` times. Evens out cell sizes.
func relax(_ seeds: inout [P], movable: [Bool], region: Geometry, iterations: Int) throws {
  for _ in 0..<iterations {
    let cells = try clippedCells(seeds, region: region)
    for i in seeds.indices where movable[i] {
      guard let c = cells[i].centroid else { continue }
      let p = P(x: c.x, y: c.y)
      if region.contains(try Geometry(wkt: p.wkt)) { seeds[i] = p }
    }
  }
}

/// Makes polygons that share boundaries share their vertices, so that rounding coordinates
/// (GeoJSON keeps 6 decimals) moves both sides of every shared edge alike and opens no gap or
/// overlap: vertices closer than 1 µm are merged into one, and every vertex that lies on
/// another polygon's edge (within 0.1 mm; a "T-junction", e.g. where a village boundary meets
/// a township edge) is inserted into that edge. Ring order and orientation are kept.
func conform(_ geometries: [Geometry]) throws -> [Geometry] {
  var registry = VertexRegistry()
  let shapes: [[[[P]]]] = geometries.map { g in
    g.polygonRings.map { polygon in
      polygon.map { ring in
        var out: [P] = []
        for v in ring {
          let p = registry.canonical(P(x: v.x, y: v.y))
          if out.last != p { out.append(p) }
        }
        return out
      }
    }
  }
  let size = 200.0
  func bucket(_ v: Double) -> Int64 { Int64((v / size).rounded(.down)) }
  func key(_ bx: Int64, _ by: Int64) -> Int64 { bx &* 1_000_003 &+ by }
  var buckets: [Int64: [P]] = [:]
  var seen = Set<P>()
  for p in shapes.joined().joined().joined() where seen.insert(p).inserted {
    buckets[key(bucket(p.x), bucket(p.y)), default: []].append(p)
  }
  var result: [Geometry] = []
  for shape in shapes {
    var polygons: [String] = []
    for polygon in shape {
      var rings: [String] = []
      for ring in polygon {
        var out: [P] = []
        for k in 0..<(ring.count - 1) {
          let a = ring[k]
          let b = ring[k + 1]
          out.append(a)
          let dx = b.x - a.x
          let dy = b.y - a.y
          let len2 = dx * dx + dy * dy
          var onEdge: [(t: Double, p: P)] = []
          for bx in bucket(min(a.x, b.x))...bucket(max(a.x, b.x)) {
            for by in bucket(min(a.y, b.y))...bucket(max(a.y, b.y)) {
              for q in buckets[key(bx, by)] ?? [] where q != a && q != b {
                let t = ((q.x - a.x) * dx + (q.y - a.y) * dy) / len2
                guard t > 0, t < 1 else { continue }
                let ex = a.x + t * dx - q.x
                let ey = a.y + t * dy - q.y
                if ex * ex + ey * ey < 1e-8 { onEdge.append((t, q)) }
              }
            }
          }
          onEdge.sort { $0.t < $1.t }
          out.append(contentsOf: onEdge.map(\.p))
        }
        out.append(ring[ring.count - 1])
        rings.append("(" + out.map { "\($0.x) \($0.y)" }.joined(separator: ",") + ")")
      }
      polygons.append("(" + rings.joined(separator: ",") + ")")
    }
    let g = try Geometry(wkt: "MULTIPOLYGON (" + polygons.joined(separator: ",") + ")")
    guard g.isValid else { throw GeneratorError("a conformed polygon is not valid") }
    result.append(g)
  }
  return result
}
