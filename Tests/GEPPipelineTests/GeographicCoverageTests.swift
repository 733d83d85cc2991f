import Foundation
import GEPCore
import GEPGeo
import Testing

@testable import GEPPipeline

/// Exact coverage on a geographic grid (issue 15): the fraction of a cell, computed in degrees,
/// multiplies the row's geodesic cell area, so a unit's area matches its ellipsoidal area.
@Suite struct GeographicCoverageTests {
  /// A WGS 84 grid of 0.01° cells, 20 × 10 from (108.00° E, 28.00° N), and one unit bounded by
  /// the meridians 108.025° and 108.060° and the parallels 27.975° and 27.940° (3.5 × 3.5 cells,
  /// half cells on two sides). The expected area, written out independently of PROJ, is the
  /// ellipsoidal zone between two parallels over Δλ (e.g. Snyder 1987, "Map projections — a
  /// working manual", the authalic q):
  ///   A = a² (1 − e²) / 2 · Δλ · [q(φ₁) − q(φ₂)],
  ///   q(φ) = sin φ / (1 − e² sin² φ) − 1/(2e) · ln((1 − e sin φ) / (1 + e sin φ)),
  /// with a = 6 378 137 m and 1/f = 298.257223563. The account weights each cell's fraction by
  /// the row's geodesic cell area, which assumes a uniform density within the cell's latitude
  /// span: the error is of the order of the change of scale over half a cell on the two
  /// half-cell rows (tan 28° × 0.005° ≈ 5e-5 of those rows, a seventh of the unit each), so the
  /// areas agree to 1e-5 relative; cell-centre coverage differs by whole cells (tens of %).
  @Test func unitAreaIsItsEllipsoidalArea() throws {
    let folder = try tempFolder("geographic-coverage")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try writeGeographicUnitCase(in: folder)
    // The village's edges, as `writeGeographicUnitCase` draws them.
    let (lon0, lon1, lat0, lat1) = (108.025, 108.060, 27.975, 27.940)
    let result = try compute(runFile.path, out: folder.appendingPathComponent("out"))
    let village = try #require(result.account.units.first { $0.unit.code == "520621001001" })
    // The ellipsoidal area, by hand.
    let a = 6_378_137.0
    let f = 1 / 298.257223563
    let e2 = f * (2 - f)
    let e = e2.squareRoot()
    func q(_ degrees: Double) -> Double {
      let s = sin(degrees * .pi / 180)
      return s / (1 - e2 * s * s) - 1 / (2 * e) * log((1 - e * s) / (1 + e * s))
    }
    let expected = a * a * (1 - e2) / 2 * ((lon1 - lon0) * .pi / 180) * (q(lat0) - q(lat1))
    let area = village.area.value + village.noDataArea.value
    #expect(abs(area / expected - 1) < 1e-5, "\(area) vs \(expected)")
    // About 3.5 × 3.5 cells of ≈ 1.09 km² each: a sanity bound on the hand formula.
    #expect(expected > 12.25 * 0.9e6 && expected < 12.25 * 1.2e6)
  }
}
