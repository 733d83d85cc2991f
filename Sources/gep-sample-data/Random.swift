// Deterministic randomness for the demo county: SplitMix64 (GEPCore, shared with
// `gep uncertainty`) and lattice value noise. Nothing here reads the clock or the system
// generator, so every run draws the same numbers.
import GEPCore

/// Value noise on an integer lattice with quintic interpolation, and its fractal sum (fBm).
/// Positions are in kilometres relative to a fixed origin, so a field does not depend on the
/// order cells are computed in.
struct ValueNoise {
  /// The seed that picks this field's lattice values.
  let seed: UInt64

  /// The lattice value at (ix, iy) in [-1, 1].
  func lattice(_ ix: Int, _ iy: Int) -> Double {
    let h = SplitMix64.mix(
      seed
        ^ SplitMix64.mix(
          UInt64(bitPattern: Int64(ix)) &* 0x9E37_79B9_7F4A_7C15
            ^ UInt64(bitPattern: Int64(iy)) &* 0xC2B2_AE3D_27D4_EB4F))
    return Double(h >> 11) * 0x1.0p-52 - 1
  }

  /// Smooth noise at (x, y) in lattice units, in [-1, 1].
  func sample(_ x: Double, _ y: Double) -> Double {
    let fx = x.rounded(.down)
    let fy = y.rounded(.down)
    let ix = Int(fx)
    let iy = Int(fy)
    let tx = fade(x - fx)
    let ty = fade(y - fy)
    let a = lattice(ix, iy)
    let b = lattice(ix + 1, iy)
    let c = lattice(ix, iy + 1)
    let d = lattice(ix + 1, iy + 1)
    let top = a + (b - a) * tx
    let bottom = c + (d - c) * tx
    return top + (bottom - top) * ty
  }

  /// Fractal noise: `octaves` layers, the first with `wavelength` (same units as x, y), each
  /// next one half the wavelength and `gain` times the amplitude; normalised to about [-1, 1].
  func fbm(_ x: Double, _ y: Double, wavelength: Double, octaves: Int, gain: Double = 0.5)
    -> Double
  {
    var sum = 0.0
    var norm = 0.0
    var amplitude = 1.0
    var frequency = 1 / wavelength
    for o in 0..<octaves {
      // Each octave is offset so the lattices do not line up.
      let off = Double(o) * 17.31
      sum += amplitude * sample(x * frequency + off, y * frequency - off)
      norm += amplitude
      amplitude *= gain
      frequency *= 2
    }
    return sum / norm
  }

  private func fade(_ t: Double) -> Double { t * t * t * (t * (t * 6 - 15) + 10) }
}
