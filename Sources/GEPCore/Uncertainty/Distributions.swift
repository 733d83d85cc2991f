import Foundation

/// The distribution of an uncertain coefficient or price (系数不确定性分布) in `gep uncertainty`:
/// drawn by its inverse distribution function from a uniform number in (0, 1), so that rows of a
/// correlation group share one uniform number (comonotone, perfectly rank-correlated) and a
/// Sobol design can swap factors column by column.
///
/// Source: issue 18; JCGM 101:2008 (GUM Supplement 1) §6.4.2 (rectangular), §6.4.4
/// (triangular), §6.4.7 (Gaussian).
public enum CoefficientDistribution: Sendable, Hashable {
  /// Uniform on [low, high].
  case uniform(low: Double, high: Double)
  /// Triangular on [low, high] with mode `mode` (the row's value).
  case triangular(low: Double, mode: Double, high: Double)
  /// Normal with mean `mean` (the row's value) and standard deviation `sd` (not truncated).
  case normal(mean: Double, sd: Double)
  /// Fixed at `value` (a row without range, or a zero-width one).
  case fixed(Double)

  /// The quantile (inverse distribution function) at `u` ∈ (0, 1), in the row's unit.
  public func quantile(_ u: Double) -> Double {
    switch self {
    case .fixed(let v): return v
    case .uniform(let lo, let hi): return hi == lo ? lo : lo + (hi - lo) * u
    case .triangular(let lo, let c, let hi):
      guard hi > lo else { return lo }
      let fc = (c - lo) / (hi - lo)
      if u < fc { return lo + ((hi - lo) * (c - lo) * u).squareRoot() }
      return hi - ((hi - lo) * (hi - c) * (1 - u)).squareRoot()
    case .normal(let m, let s): return s == 0 ? m : m + s * standardNormalQuantile(u)
    }
  }

  /// The mean of the distribution.
  public var mean: Double {
    switch self {
    case .fixed(let v): v
    case .uniform(let lo, let hi): (lo + hi) / 2
    case .triangular(let lo, let c, let hi): (lo + c + hi) / 3
    case .normal(let m, _): m
    }
  }

  /// The variance of the distribution (uniform (b−a)²/12; triangular
  /// (a² + b² + c² − ab − ac − bc)/18; normal σ²).
  public var variance: Double {
    switch self {
    case .fixed: 0
    case .uniform(let lo, let hi): (hi - lo) * (hi - lo) / 12
    case .triangular(let a, let c, let b): (a * a + b * b + c * c - a * b - a * c - b * c) / 18
    case .normal(_, let s): s * s
    }
  }

  /// The smallest and largest value a draw can take: the range, or for the normal the quantiles
  /// of the extreme uniform numbers `SplitMix64.openUniform` gives (±8.3 σ).
  public var support: (lower: Double, upper: Double) {
    switch self {
    case .fixed(let v): (v, v)
    case .uniform(let lo, let hi), .triangular(let lo, _, let hi): (lo, hi)
    case .normal(let m, let s): (m - 8.3 * s, m + 8.3 * s)
    }
  }
}

/// The standard normal quantile Φ⁻¹(p) for p ∈ (0, 1): Acklam's rational approximation
/// (relative error < 1.15 × 10⁻⁹) refined by one Halley step on Φ(x) = erfc(−x/√2)/2, which
/// brings it to double precision (P. J. Acklam, "An algorithm for computing the inverse normal
/// cumulative distribution function", 2003; W. J. Cody's erfc in libm).
public func standardNormalQuantile(_ p: Double) -> Double {
  precondition(p > 0 && p < 1, "p must lie in (0, 1)")
  let a = [
    -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
    1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00,
  ]
  let b = [
    -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
    6.680131188771972e+01, -1.328068155288572e+01,
  ]
  let c = [
    -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
    -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00,
  ]
  let d = [
    7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
    3.754408661907416e+00,
  ]
  let low = 0.02425
  var x: Double
  if p < low {
    let q = (-2 * log(p)).squareRoot()
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
      / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
  } else if p <= 1 - low {
    let q = p - 0.5
    let r = q * q
    x =
      (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
      / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  } else {
    let q = (-2 * log(1 - p)).squareRoot()
    x =
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
      / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
  }
  // One Halley step: e = Φ(x) − p, u = e·√(2π)·exp(x²/2).
  let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
  let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
  x -= u / (1 + x * u / 2)
  return x
}

/// The quantile of level `p` ∈ [0, 1] of a sample, by linear interpolation between order
/// statistics (Hyndman and Fan 1996 definition 7, R's default): h = (n − 1)·p, x⌊h⌋ +
/// (h − ⌊h⌋)(x⌊h⌋₊₁ − x⌊h⌋).
///
/// - Parameter sorted: the sample in ascending order (non-empty).
public func sampleQuantile(sorted: [Double], _ p: Double) -> Double {
  precondition(!sorted.isEmpty, "empty sample")
  let h = Double(sorted.count - 1) * p
  let lo = Int(h.rounded(.down))
  let hi = min(lo + 1, sorted.count - 1)
  return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
}

/// First-order and total Sobol indices (variance-based sensitivity, 一阶与总效应敏感性指数) of
/// a model output from a Saltelli design: the outputs at the N rows of two independent sample
/// matrices A and B and, for each factor i, at the rows of A with column i taken from B (A_B⁽ⁱ⁾).
///
/// Estimators (Saltelli et al. 2010, "Variance based sensitivity analysis of model output.
/// Design and estimator for the total sensitivity index", Comput. Phys. Commun. 181: 259–270,
/// table 2 (b) and (f)): Vᵢ = (1/N) Σⱼ f(B)ⱼ (f(A_B⁽ⁱ⁾)ⱼ − f(A)ⱼ) (first order) and Jansen's
/// V_Tᵢ = (1/2N) Σⱼ (f(A)ⱼ − f(A_B⁽ⁱ⁾)ⱼ)² (total, Jansen 1999); V the variance of the 2N outputs
/// of A and B. Sᵢ = Vᵢ/V, S_Tᵢ = V_Tᵢ/V; both nil when V = 0 (the output does not vary).
/// f(B) is centred on the mean of the 2N outputs in Vᵢ (unbiased, since E[f(A_B⁽ⁱ⁾) − f(A)] = 0,
/// and far less noisy when the mean is large against the spread, as a county's GEP is).
///
/// - Parameters:
///   - a: f(A), N outputs.
///   - b: f(B), N outputs.
///   - ab: per factor, f(A_B⁽ⁱ⁾), N outputs each.
/// - Returns: per factor (first order, total).
public func sobolIndices(a: [Double], b: [Double], ab: [[Double]]) -> [(
  first: Double?, total: Double?
)] {
  let n = a.count
  precondition(n > 1 && b.count == n && ab.allSatisfy { $0.count == n }, "N outputs each")
  var mean = 0.0
  for j in 0..<n { mean += a[j] + b[j] }
  mean /= Double(2 * n)
  var v = 0.0
  for j in 0..<n { v += (a[j] - mean) * (a[j] - mean) + (b[j] - mean) * (b[j] - mean) }
  v /= Double(2 * n - 1)
  return ab.map { abi in
    guard v > 0 else { return (nil, nil) }
    var first = 0.0
    var total = 0.0
    for j in 0..<n {
      first += (b[j] - mean) * (abi[j] - a[j])
      total += (a[j] - abi[j]) * (a[j] - abi[j])
    }
    return (first / Double(n) / v, total / Double(2 * n) / v)
  }
}

/// The uniform numbers of a Saltelli design for `factors` independent factors and base size
/// `n`: matrices A and B (n rows each), drawn row by row from one SplitMix64 stream (A's row j,
/// then B's row j), so the design depends on the seed only.
///
/// - Returns: (A, B), each `n` rows of `factors` numbers in (0, 1).
public func saltelliDesign(factors: Int, n: Int, seed: UInt64) -> (a: [[Double]], b: [[Double]]) {
  var rng = SplitMix64(seed: seed)
  var a: [[Double]] = []
  var b: [[Double]] = []
  a.reserveCapacity(n)
  b.reserveCapacity(n)
  for _ in 0..<n {
    a.append((0..<factors).map { _ in rng.openUniform() })
    b.append((0..<factors).map { _ in rng.openUniform() })
  }
  return (a, b)
}
