// Synthetic but plausible rasters of a forested Guizhou county on one 90 m grid: elevation,
// land use, climate, vegetation and RUSLE factors. Every field is a function of the cell
// centre (in km from the grid origin) and fixed seeds, so it is the same on every run.
import Foundation
import GEPGeo

/// CLCD land-use codes used in the demo.
enum CLCD {
  static let cropland: UInt8 = 1
  static let forest: UInt8 = 2
  static let shrub: UInt8 = 3
  static let grassland: UInt8 = 4
  static let water: UInt8 = 5
  static let barren: UInt8 = 7
  static let impervious: UInt8 = 8
  static let wetland: UInt8 = 9
  /// Code, English name and target share of the county's cells, in assignment order (forest
  /// takes what is left).
  static let targets: [(code: UInt8, name: String, share: Double)] = [
    (impervious, "impervious", 0.030), (water, "water", 0.020), (wetland, "wetland", 0.004),
    (cropland, "cropland", 0.180), (grassland, "grassland", 0.040), (barren, "barren", 0.005),
    (shrub, "shrub", 0.060),
  ]
  /// Every code with its name, in code order.
  static let names: [(UInt8, String)] = [
    (cropland, "cropland"), (forest, "forest"), (shrub, "shrub"), (grassland, "grassland"),
    (water, "water"), (barren, "barren"), (impervious, "impervious"), (wetland, "wetland"),
  ]
}

/// The synthetic fields, row-major on `grid`; values outside the county are computed but
/// written as nodata.
struct Terrain {
  let grid: Grid
  let inside: [Bool]
  var dem: [Double] = []
  var slopeDegrees: [Double] = []
  var landuse: [UInt8] = []
  var precipitation: [Double] = []
  var evapotranspiration: [Double] = []
  var fvc: [Double] = []
  var erosivity: [Double] = []
  var erodibility: [Double] = []
  var ls: [Double] = []

  /// Cell size in metres.
  var cell: Double { grid.geoTransform.pixelWidth }

  /// Builds every field.
  ///
  /// - Parameters:
  ///   - grid: the 90 m grid.
  ///   - inside: true for cells whose centre lies in the county.
  ///   - summit: the Fanjingshan summit (metres, grid CRS).
  ///   - towns: township seats (metres), the first being the county seat.
  init(grid: Grid, inside: [Bool], summit: P, towns: [P]) {
    self.grid = grid
    self.inside = inside
    makeDEM(summit: summit)
    slopeDegrees = hornSlope()
    makeLanduse(towns: towns)
    makeClimate()
    ls = rusleLS()
  }

  /// Cell-centre position in km from the grid's upper-left corner (x east, y south).
  func km(_ i: Int) -> (x: Double, y: Double) {
    let c = i % grid.width
    let r = i / grid.width
    return ((Double(c) + 0.5) * cell / 1000, (Double(r) + 0.5) * cell / 1000)
  }

  /// Cell-centre map coordinates (metres).
  func map(_ i: Int) -> P {
    let (x, y) = grid.geoTransform.apply(
      col: Double(i % grid.width) + 0.5, row: Double(i / grid.width) + 0.5)
    return P(x: x, y: y)
  }

  /// The river field: 0 on the (sinuous) river lines, growing away from them.
  func riverDistance(_ x: Double, _ y: Double) -> Double {
    abs(ValueNoise(seed: 11).fbm(x, y, wavelength: 18, octaves: 4, gain: 0.45))
  }

  /// Elevation (m): a regional slope falling from the north-west (about 800 m) to the
  /// south-east (about 350 m), the Fanjingshan massif (up to about 2450 m) around `summit`,
  /// fractal relief whose amplitude grows with elevation, and valleys carved along the rivers.
  mutating func makeDEM(summit: P) {
    let relief = ValueNoise(seed: 21)
    let hills = ValueNoise(seed: 22)
    let w = Double(grid.width) * cell / 1000
    let h = Double(grid.height) * cell / 1000
    dem = (0..<(grid.width * grid.height)).map { i in
      let (x, y) = km(i)
      let p = map(i)
      let d = (p.distance2(summit)).squareRoot() / 1000
      let regional = 350 + 450 * ((1 - x / w) * 0.6 + (1 - y / h) * 0.4)
      let massif = 1400 * exp(-pow(d / 9.5, 2)) + 250 * exp(-pow(d / 25, 2))
      let r = relief.fbm(x, y, wavelength: 9, octaves: 3, gain: 0.55)
      let amplitude = 230 + 0.25 * massif
      // Karst hills: ridged noise (1 − |n|) of about 2 km wavelength, 520–770 m of relief.
      let hill = 1 - abs(hills.fbm(x, y, wavelength: 2.4, octaves: 4, gain: 0.55))
      let hillRelief = (520 + 0.15 * massif) * (hill - 0.6)
      let river = riverDistance(x, y)
      let valley = 220 * exp(-river / 0.07) * (1 - 0.5 * min(1, massif / 1500))
      var z = regional + massif + amplitude * r + hillRelief - valley
      // Soft limits (no flat plateaus): about 270 m at the lowest, 2500 m at the highest.
      if z < 340 { z = 340 - 70 * (1 - exp(-(340 - z) / 70)) }
      if z > 2300 { z = 2300 + 200 * (1 - exp(-(z - 2300) / 200)) }
      return (z * 4).rounded() / 4  // quarter-metre steps: exact in Float32, compresses well
    }
  }

  /// Slope in degrees by Horn's (1981) third-order finite difference; cells on the grid edge
  /// reuse their own value for the missing neighbours.
  func hornSlope() -> [Double] {
    let w = grid.width
    let h = grid.height
    var out = [Double](repeating: 0, count: w * h)
    func z(_ c: Int, _ r: Int) -> Double { dem[min(h - 1, max(0, r)) * w + min(w - 1, max(0, c))] }
    for r in 0..<h {
      for c in 0..<w {
        let a = z(c - 1, r - 1)
        let b = z(c, r - 1)
        let cc = z(c + 1, r - 1)
        let d = z(c - 1, r)
        let f = z(c + 1, r)
        let g = z(c - 1, r + 1)
        let hh = z(c, r + 1)
        let i = z(c + 1, r + 1)
        let dzdx = ((cc + 2 * f + i) - (a + 2 * d + g)) / (8 * cell)
        let dzdy = ((g + 2 * hh + i) - (a + 2 * b + cc)) / (8 * cell)
        out[r * w + c] = atan((dzdx * dzdx + dzdy * dzdy).squareRoot()) * 180 / .pi
      }
    }
    return out
  }

  /// Land use by suitability scores and share targets: each class in `CLCD.targets` order
  /// takes the county cells (not yet taken) with the highest score until its share is
  /// reached; forest takes the rest. Scores mix terrain with smooth noise, so classes form
  /// coherent patches: impervious around township seats in flat valleys, water on the river
  /// lines, cropland on low gentle ground, grassland on the summit area and ridges, shrub on
  /// steep slopes.
  mutating func makeLanduse(towns: [P]) {
    let n = grid.width * grid.height
    let patches = ValueNoise(seed: 31)
    let fine = ValueNoise(seed: 32)
    var taken = [Bool](repeating: false, count: n)
    landuse = [UInt8](repeating: 0, count: n)
    let cells = (0..<n).filter { inside[$0] }
    for i in cells { landuse[i] = CLCD.forest }
    for (t, target) in CLCD.targets.enumerated() {
      var scored: [(score: Double, index: Int)] = []
      scored.reserveCapacity(cells.count)
      for i in cells where !taken[i] {
        let (x, y) = km(i)
        let z = dem[i]
        let s = slopeDegrees[i]
        let noise = patches.fbm(x + Double(t) * 31.7, y, wavelength: 3, octaves: 3)
        let noise2 = fine.fbm(x, y + Double(t) * 23.1, wavelength: 0.8, octaves: 2)
        let river = riverDistance(x, y)
        var score: Double
        switch target.code {
        case CLCD.impervious:
          let p = map(i)
          var near = 0.0
          for (k, town) in towns.enumerated() {
            let scale = k == 0 ? 1700.0 : 700.0
            near = max(near, exp(-p.distance2(town) / (scale * scale)) * (k == 0 ? 1.3 : 1))
          }
          // Town centres, plus hamlets and roads scattered over low, gentle valley floors.
          score = near * 2.5 - s / 12 - z / 900 - river + 0.9 * noise2
        case CLCD.water:
          score = -river * 12 - z / 1500 - s / 40 + 0.15 * noise2
        case CLCD.wetland:
          score = -river * 6 - s / 8 - z / 1200 + 0.3 * noise
        case CLCD.cropland:
          score = -z / 450 - s / 12 - river * 2 + 0.9 * noise + 0.3 * noise2
        case CLCD.grassland:
          score = z / 1600 + s / 40 + 0.9 * noise + 0.3 * noise2
        case CLCD.barren:
          score = z / 500 + s / 15 + 0.8 * noise2
        default:  // shrub
          score = s / 14 + 0.9 * noise + 0.3 * noise2
        }
        scored.append((score, i))
      }
      // Highest score first; ties by cell index, so the order never depends on the sort.
      scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
      let quota = Int((target.share * Double(cells.count)).rounded())
      for (_, i) in scored.prefix(quota) {
        landuse[i] = target.code
        taken[i] = true
      }
    }
  }

  /// Precipitation (mm/yr, 1100–1400, rising with elevation), actual evapotranspiration (mm/yr,
  /// 550–750, by land use, falling with elevation), fractional vegetation cover (0–1, by land
  /// use), rainfall erosivity R (MJ·mm·hm⁻²·h⁻¹·a⁻¹, from precipitation) and soil erodibility K
  /// (t·hm²·h·hm⁻²·MJ⁻¹·mm⁻¹, piecewise constant soil patches).
  mutating func makeClimate() {
    let n = grid.width * grid.height
    let rain = ValueNoise(seed: 41)
    let et = ValueNoise(seed: 42)
    let veg = ValueNoise(seed: 43)
    let soil = ValueNoise(seed: 44)
    let erosive = ValueNoise(seed: 45)
    precipitation = [Double](repeating: 0, count: n)
    evapotranspiration = precipitation
    fvc = precipitation
    erosivity = precipitation
    erodibility = precipitation
    let kClasses = [0.0225, 0.0275, 0.0325, 0.0375, 0.0425, 0.0475]
    for i in 0..<n {
      let (x, y) = km(i)
      let z = dem[i]
      let p = 1150 + 220 * (z - 300) / 2200 + 30 * rain.fbm(x, y, wavelength: 20, octaves: 3)
      precipitation[i] = min(1400, max(1100, p)).rounded()
      let (etBase, fvcBase): (Double, Double)
      switch landuse[i] {
      case CLCD.forest: (etBase, fvcBase) = (735, 0.88)
      case CLCD.shrub: (etBase, fvcBase) = (700, 0.72)
      case CLCD.grassland: (etBase, fvcBase) = (665, 0.62)
      case CLCD.cropland: (etBase, fvcBase) = (680, 0.52)
      case CLCD.water: (etBase, fvcBase) = (745, 0.03)
      case CLCD.wetland: (etBase, fvcBase) = (740, 0.55)
      case CLCD.impervious: (etBase, fvcBase) = (565, 0.12)
      case CLCD.barren: (etBase, fvcBase) = (575, 0.08)
      default: (etBase, fvcBase) = (700, 0.8)
      }
      let e = etBase - 0.06 * (z - 300) + 12 * et.fbm(x, y, wavelength: 6, octaves: 3)
      evapotranspiration[i] = min(750, max(550, e)).rounded()
      let v = fvcBase + 0.07 * veg.fbm(x, y, wavelength: 1.5, octaves: 3)
      fvc[i] = (min(1, max(0, v)) * 256).rounded() / 256
      let r =
        3650 + 5.2 * (precipitation[i] - 1100)
        + 180 * erosive.fbm(x, y, wavelength: 25, octaves: 2)
      erosivity[i] = min(5500, max(3500, r)).rounded()
      let s = 0.5 + 0.5 * soil.fbm(x, y, wavelength: 5, octaves: 2) - 0.25 * (z - 300) / 2200
      let k = min(kClasses.count - 1, max(0, Int(s * Double(kClasses.count))))
      erodibility[i] = kClasses[k]
    }
  }

  /// RUSLE LS: S by Liu et al. (1994) (10.8 sinθ + 0.03 below 5°, 16.8 sinθ − 0.50 for
  /// 5–10°, 21.91 sinθ − 0.96 from 10°), L = (λ/22.13)^m with λ = the cell size (90 m, no flow
  /// accumulation) and m by slope per Wischmeier & Smith (1978) (0.2 below 1 %, 0.3 below 3 %,
  /// 0.4 below 5 %, else 0.5); LS capped at 30.
  func rusleLS() -> [Double] {
    slopeDegrees.map { deg in
      let theta = deg * .pi / 180
      let sinT = sin(theta)
      let s: Double
      if deg < 5 {
        s = 10.8 * sinT + 0.03
      } else if deg < 10 {
        s = 16.8 * sinT - 0.50
      } else {
        s = 21.91 * sinT - 0.96
      }
      let percent = tan(theta) * 100
      let m = percent < 1 ? 0.2 : (percent < 3 ? 0.3 : (percent < 5 ? 0.4 : 0.5))
      let l = pow(cell / 22.13, m)
      return (min(30, l * s) * 1024).rounded() / 1024
    }
  }
}
