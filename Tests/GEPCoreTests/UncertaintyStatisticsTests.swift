import Foundation
import Testing

@testable import GEPCore

/// The statistics of `gep uncertainty` (issue 18) against analytic results.
@Suite struct UncertaintyStatisticsTests {
  /// Quantiles by hand: triangular on [0, 4] with mode 1: F(1) = 1/4, so u = 1/4 gives the mode;
  /// u = 1/16 gives √(4·1·1/16) = 1/2; u = 3/4 gives 4 − √(4·3·1/4) = 4 − √3. Uniform [2, 5]
  /// at u = 1/3: 3. Normal: Φ⁻¹(0.975) = 1.959963984540054, Φ⁻¹(0.05) = −1.6448536269514722
  /// (R `qnorm`, to 16 digits), Φ⁻¹(10⁻¹⁰) = −6.361341. Zero-width ranges are points.
  @Test func quantilesByHand() {
    let t = CoefficientDistribution.triangular(low: 0, mode: 1, high: 4)
    #expect(abs(t.quantile(0.25) - 1) < 1e-15)
    #expect(abs(t.quantile(1.0 / 16) - 0.5) < 1e-15)
    #expect(abs(t.quantile(0.75) - (4 - 3.0.squareRoot())) < 1e-15)
    #expect(abs(CoefficientDistribution.uniform(low: 2, high: 5).quantile(1.0 / 3) - 3) < 1e-15)
    #expect(abs(standardNormalQuantile(0.975) - 1.959963984540054) < 1e-14)
    #expect(abs(standardNormalQuantile(0.05) + 1.6448536269514722) < 1e-14)
    #expect(abs(standardNormalQuantile(1e-10) + 6.361341) < 1e-6)
    for u in [1e-9, 0.3, 0.999] {
      #expect(CoefficientDistribution.uniform(low: 3, high: 3).quantile(u) == 3)
      #expect(CoefficientDistribution.triangular(low: 3, mode: 3, high: 3).quantile(u) == 3)
      #expect(CoefficientDistribution.normal(mean: 3, sd: 0).quantile(u) == 3)
    }
    // Hyndman–Fan 7: [1, 2, 3, 4] at 0.5 → 2.5; at 0.05: h = 0.15 → 1.15.
    #expect(sampleQuantile(sorted: [1, 2, 3, 4], 0.5) == 2.5)
    #expect(abs(sampleQuantile(sorted: [1, 2, 3, 4], 0.05) - 1.15) < 1e-15)
  }

  /// A linear model Y = 3·X₁ − 2·X₂ + 0.5·X₃, X₁ uniform [2, 5], X₂ triangular (0, 1, 4), X₃
  /// normal (10, 2): Var Y = 9·9/12 + 4·(0 + 16 + 1 − 0 − 0 − 4)/18 + 0.25·4 = 6.75 + 2.8889 + 1
  /// = 10.6389; E Y = 3·3.5 − 2·5/3 + 5 = 12.1667. N = 10 000 draws recover both within four
  /// standard errors estimated from the sample (SE(mean) = s/√N; SE(s²) = √((m₄ − s⁴)/N)).
  /// The Sobol indices of a linear model are cᵢ²Var Xᵢ / Var Y (0.6345, 0.2715, 0.0940), with
  /// first = total; recovered within 0.03 at N = 20 000.
  @Test func linearModelVarianceAndSobol() {
    let x: [CoefficientDistribution] = [
      .uniform(low: 2, high: 5), .triangular(low: 0, mode: 1, high: 4), .normal(mean: 10, sd: 2),
    ]
    let c = [3.0, -2, 0.5]
    func f(_ u: [Double]) -> Double { (0..<3).reduce(0) { $0 + c[$1] * x[$1].quantile(u[$1]) } }
    let variance = (0..<3).reduce(0) { $0 + c[$1] * c[$1] * x[$1].variance }
    let mean = (0..<3).reduce(0) { $0 + c[$1] * x[$1].mean }
    #expect(abs(variance - (6.75 + 52.0 / 18 + 1)) < 1e-12)
    #expect(abs(mean - (10.5 - 10.0 / 3 + 5)) < 1e-12)
    var rng = SplitMix64(seed: 11)
    let n = 10_000
    let y = (0..<n).map { _ in f((0..<3).map { _ in rng.openUniform() }) }
    let m = y.reduce(0, +) / Double(n)
    let s2 = y.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)
    let m4 = y.reduce(0) { $0 + pow($1 - m, 4) } / Double(n)
    #expect(abs(m - mean) < 4 * (s2 / Double(n)).squareRoot())
    #expect(abs(s2 - variance) < 4 * ((m4 - s2 * s2) / Double(n)).squareRoot())
    // Sobol.
    let base = 20_000
    let (a, b) = saltelliDesign(factors: 3, n: base, seed: 5)
    let fa = a.map(f)
    let fb = b.map(f)
    let fab = (0..<3).map { i in
      (0..<base).map { j in
        var u = a[j]
        u[i] = b[j][i]
        return f(u)
      }
    }
    let s = sobolIndices(a: fa, b: fb, ab: fab)
    for i in 0..<3 {
      let exact = c[i] * c[i] * x[i].variance / variance
      #expect(abs(s[i].first! - exact) < 0.03, "S\(i + 1)")
      #expect(abs(s[i].total! - exact) < 0.03, "ST\(i + 1)")
    }
  }

  /// The Ishigami function f = sin x₁ + a sin² x₂ + b x₃⁴ sin x₁, xᵢ uniform on [−π, π], a = 7,
  /// b = 0.1 (Ishigami and Homma 1990; analytic indices in Saltelli et al. 2008 "Global
  /// Sensitivity Analysis: The Primer" §4.5 / Sobol' and Levitan 1999):
  /// V₁ = ½(1 + bπ⁴/5)², V₂ = a²/8, V₁₃ = 8b²π⁸/225, V = V₁ + V₂ + V₁₃ (13.8446);
  /// S₁ = 0.3139, S₂ = 0.4424, S₃ = 0; S_T1 = 0.5576, S_T2 = 0.4424, S_T3 = 0.2437.
  /// N = 50 000 recovers each within 0.02 (the estimators' standard errors at this N are below
  /// 0.005 for this function, Saltelli et al. 2010 fig. 2).
  @Test func ishigamiSobolIndices() {
    let (a7, b01) = (7.0, 0.1)
    let pi4 = pow(Double.pi, 4)
    let pi8 = pi4 * pi4
    let v1 = 0.5 * pow(1 + b01 * pi4 / 5, 2)
    let v2 = a7 * a7 / 8
    let v13 = 8 * b01 * b01 * pi8 / 225
    let v = v1 + v2 + v13
    #expect(abs(v - 13.8446) < 1e-4)
    let first = [v1 / v, v2 / v, 0]
    let total = [(v1 + v13) / v, v2 / v, v13 / v]
    #expect(abs(first[0] - 0.3139) < 1e-4 && abs(total[2] - 0.2437) < 1e-4)
    func f(_ u: [Double]) -> Double {
      let x = u.map { -Double.pi + 2 * Double.pi * $0 }
      return sin(x[0]) + a7 * pow(sin(x[1]), 2) + b01 * pow(x[2], 4) * sin(x[0])
    }
    let n = 50_000
    let (a, b) = saltelliDesign(factors: 3, n: n, seed: 2026)
    let fab = (0..<3).map { i in
      (0..<n).map { j in
        var u = a[j]
        u[i] = b[j][i]
        return f(u)
      }
    }
    let s = sobolIndices(a: a.map(f), b: b.map(f), ab: fab)
    for i in 0..<3 {
      #expect(abs(s[i].first! - first[i]) < 0.02, "S\(i + 1) = \(s[i].first!)")
      #expect(abs(s[i].total! - total[i]) < 0.02, "ST\(i + 1) = \(s[i].total!)")
    }
  }

  /// The default distribution is triangular on [low, high] with the value as mode; a row
  /// without range or with low = high is fixed (not listed); a declared normal row needs an sd;
  /// problems of the table are reported all at once.
  @Test func rowsAndDeclarations() throws {
    let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("coefficients/reference")
    let set = try CoefficientSet.load(from: reference)
    let rows = try set.uncertainCoefficients()
    let alpha = try #require(rows.first { $0.label == "runoff_coefficient.csv 1|alpha|" })
    #expect(alpha.distribution == .triangular(low: 0.88, mode: 5.9117, high: 19.2))
    #expect(rows.allSatisfy { $0.low < $0.high })
    let declared = try parseDistributionTable(
      "file,key,distribution,sd,group\nruntime.csv,x,normal,,\nprices.csv,nitrogen_cost,normal,,\n",
      file: "d.csv")
    #expect(throws: UncertaintyDeclarationError.self) {
      _ = try set.uncertainCoefficients(declared: declared, tableFile: "d.csv")
    }
    do {
      _ = try parseDistributionTable(
        "file,key,distribution\nprices.csv,a,lognormal\nprices.csv,b,\n", file: "d.csv")
      Issue.record("expected an error")
    } catch {
      #expect(error.messages.count == 2)
    }
    let grouped = try set.uncertainCoefficients(
      declared: try parseDistributionTable(
        "file,key,distribution,sd,group\nprices.csv,nitrogen_cost,uniform,,nutrients\n"
          + "prices.csv,phosphorus_cost,uniform,,nutrients\nparameters.csv,soil_n_content,normal,0.05,\n",
        file: "d.csv"))
    let n = try #require(grouped.first { $0.key == "nitrogen_cost" })
    #expect(n.distribution == .uniform(low: 1750, high: 17500) && n.group == "nutrients")
    let soilN = try #require(grouped.first { $0.key == "soil_n_content" })
    #expect(soilN.distribution == .normal(mean: 0.37, sd: 0.05))
    #expect(abs(soilN.low - (0.37 - 1.6449 * 0.05)) < 1e-15)
  }
}
