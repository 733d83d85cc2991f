/// SplitMix64, a fixed 64-bit pseudo-random generator (Steele, Lea and Flood 2014, "Fast
/// splittable pseudorandom number generators", OOPSLA; the finaliser of Java's
/// `SplittableRandom`). Nothing reads the clock or the system generator, so a seed gives the same
/// numbers on every machine and run: the demo county's synthetic rasters (`gep-sample-data`) and
/// the Monte Carlo draws of `gep uncertainty` (GEP-METHODS §12 uncertainty, issue 18).
public struct SplitMix64: Sendable {
  /// The generator's state (the seed, advanced by the golden-ratio increment per draw).
  public var state: UInt64

  /// A generator started at `seed`.
  public init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return SplitMix64.mix(state)
  }

  /// A double in [0, 1) with 53 random bits.
  public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// A double in [lo, hi).
  public mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
    lo + (hi - lo) * uniform()
  }

  /// A double in the open interval (0, 1): (k + ½)·2⁻⁵³ for 53 random bits k, so an inverse
  /// distribution function is finite at every draw.
  public mutating func openUniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1.0p-53 }

  /// The SplitMix64 finaliser (a bijective 64-bit mix).
  public static func mix(_ x: UInt64) -> UInt64 {
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
