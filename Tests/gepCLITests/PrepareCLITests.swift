import Foundation
import Testing

/// A fresh temporary folder for a `gep prepare` CLI test.
private func prepareTemp(_ name: String) throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "gep-cli-prepare-\(name)-\(UInt64.random(in: 0...UInt64.max))")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// A GDAL VRT over a raw little-endian Float32 file, band-sequential (band b, 0-based, starts at
/// byte b × width × height × 4), on a UTM 49N grid of 30 m cells from (500000, 3000000), nodata
/// −9999; this test target has no GDAL binding, so rasters are written this way.
private func rawFloat32VRT(
  _ folder: URL, name: String, width: Int, height: Int, bands: [[Float]]
) throws -> String {
  var data = Data()
  for band in bands {
    for v in band { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
  }
  try data.write(to: folder.appendingPathComponent("\(name).raw"))
  var xml = """
    <VRTDataset rasterXSize="\(width)" rasterYSize="\(height)">
      <SRS>EPSG:32649</SRS>
      <GeoTransform>500000, 30, 0, 3000000, 0, -30</GeoTransform>

    """
  for b in 0..<bands.count {
    xml += """
        <VRTRasterBand dataType="Float32" band="\(b + 1)" subClass="VRTRawRasterBand">
          <NoDataValue>-9999</NoDataValue>
          <SourceFilename relativeToVRT="1">\(name).raw</SourceFilename>
          <ImageOffset>\(b * width * height * 4)</ImageOffset>
          <PixelOffset>4</PixelOffset>
          <LineOffset>\(width * 4)</LineOffset>
          <ByteOrder>LSB</ByteOrder>
        </VRTRasterBand>

      """
  }
  xml += "</VRTDataset>\n"
  let path = folder.appendingPathComponent("\(name).vrt").path
  try Data(xml.utf8).write(to: URL(fileURLWithPath: path))
  return path
}

@Suite struct PrepareCLITests {
  let dem = repositoryRoot.appendingPathComponent("sample-data/demo-county/dem.tif").path

  @Test func slopeOfTheDemoDEM() throws {
    let folder = try prepareTemp("slope")
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("slope.tif").path
    let r = try runGEP(["prepare", "slope", "--dem", dem, "--out", out])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(FileManager.default.fileExists(atPath: out))
    #expect(r.stderr.contains("gep: slope (Horn, filled DEM): "))
    #expect(r.stderr.contains(" degree; "))
    #expect(r.stderr.contains("→ \(out)"))
  }

  /// `gep prepare weather-factor` (RWEQ WF, GEP-METHODS §5.3): one sea-level station with,
  /// every day of 2024, U₁₀ = 7 m/s, T 20/10 °C, no rain, no snow field: per day
  /// U₂(U₂ − 5)² × ρ/g = 5.562182 × 0.562182² × 1.223404/9.8 = 0.219454, × 366 days =
  /// 80.320 kg/m (hand computation as in `SandFixationTests.derivedWeatherFactorFromStations`).
  @Test func weatherFactorFromStations() throws {
    let folder = try prepareTemp("weather-factor")
    defer { try? FileManager.default.removeItem(at: folder) }
    var meteo = "StationID,Y,M,D,TMAX,TMIN,RM,WS,SSD\n"
    var rain = "Y,M,D,S1\n"
    for m in 1...12 {
      let days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
      for d in 1...days {
        meteo += "S1,2024,\(m),\(d),20,10,70,7,8\n"
        rain += "2024,\(m),\(d),0\n"
      }
    }
    let meteoPath = folder.appendingPathComponent("meteo.csv").path
    let rainPath = folder.appendingPathComponent("rain.csv").path
    let stationsPath = folder.appendingPathComponent("stations.csv").path
    try Data(meteo.utf8).write(to: URL(fileURLWithPath: meteoPath))
    try Data(rain.utf8).write(to: URL(fileURLWithPath: rainPath))
    try Data("StationID,Lon,Lat,Elevation\nS1,108.8,27.7,0\n".utf8).write(
      to: URL(fileURLWithPath: stationsPath))
    let out = folder.appendingPathComponent("wf.tif").path
    let r = try runGEP([
      "prepare", "weather-factor", "--meteo", meteoPath, "--rain", rainPath, "--stations",
      stationsPath, "--grid", dem, "--year", "2024", "--out", out,
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(FileManager.default.fileExists(atPath: out))
    #expect(r.stderr.contains("station S1: WF 80.320 kg/m"), "\(r.stderr)")
    #expect(r.stderr.contains("no snow depth field: SD = 1"))
    let bad = try runGEP([
      "prepare", "weather-factor", "--meteo", meteoPath, "--rain", rainPath, "--stations",
      stationsPath, "--grid", dem, "--year", "2024", "--period", "week", "--out", out,
      "--overwrite",
    ])
    #expect(bad.status == 64 && bad.stderr.contains("half_month or month"), "\(bad.stderr)")
  }

  /// `gep prepare … --out` removed whatever was there: a folder with a thesis in it, or the
  /// input DEM itself. Now a folder and an input are refused, a file needs --overwrite.
  @Test func outputNeverDeletesAFolderOrAnInput() throws {
    let folder = try prepareTemp("out-safety")
    defer { try? FileManager.default.removeItem(at: folder) }
    let victim = folder.appendingPathComponent("victim")
    try FileManager.default.createDirectory(at: victim, withIntermediateDirectories: true)
    try Data("mine".utf8).write(to: victim.appendingPathComponent("thesis.docx"))
    let a = try runGEP(["prepare", "slope", "--dem", dem, "--out", victim.path])
    #expect(a.status == 1 && a.stderr.contains("is a folder"), "\(a.stderr)")
    #expect(
      FileManager.default.fileExists(atPath: victim.appendingPathComponent("thesis.docx").path))
    let copy = folder.appendingPathComponent("dem.tif").path
    try FileManager.default.copyItem(atPath: dem, toPath: copy)
    let before = try Data(contentsOf: URL(fileURLWithPath: copy))
    let b = try runGEP(["prepare", "slope", "--dem", copy, "--out", copy, "--overwrite"])
    #expect(b.status == 1 && b.stderr.contains("is an input of this command"), "\(b.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
    let out = folder.appendingPathComponent("slope.tif").path
    #expect(try runGEP(["prepare", "slope", "--dem", copy, "--out", out]).status == 0)
    let c = try runGEP(["prepare", "slope", "--dem", copy, "--out", out])
    #expect(c.status == 1 && c.stderr.contains("exists; pass --overwrite"), "\(c.stderr)")
    #expect(
      try runGEP(["prepare", "slope", "--dem", copy, "--out=\(out)", "--overwrite"]).status == 0)
  }

  @Test func lsOfTheDemoDEM() throws {
    let folder = try prepareTemp("ls")
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("ls.tif").path
    let slope = folder.appendingPathComponent("slope.tif").path
    let r = try runGEP([
      "prepare", "ls", "--dem", dem, "--out", out, "--slope-out", slope, "--max-slope-length",
      "333", "--l-factor-cap", "50",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(FileManager.default.fileExists(atPath: out))
    #expect(FileManager.default.fileExists(atPath: slope))
    // The defaults are the national profile's.
    #expect(r.stderr.contains("gep: LS method cumulative, S liu, m by classes, flow d8"))
    #expect(r.stderr.contains("gep: channel cells (flow accumulation ≥ 1000.0 cells): "))
    #expect(r.stderr.contains("gep: slope length capped at 333.0 m"))
    #expect(r.stderr.contains("gep: L factor capped at 50.0 on "))
    // The old name read like a slope length but capped L: it is gone.
    let old = try runGEP(["prepare", "ls", "--dem", dem, "--out", out, "--max-l", "333"])
    #expect(old.status == 64)
    // A cap must be a positive number (NaN was accepted: "L factor capped at nan").
    let nan = try runGEP(["prepare", "ls", "--dem", dem, "--out", out, "--l-factor-cap", "nan"])
    #expect(nan.status == 64)
    // A method gep does not implement is a usage error listing the ones it does.
    let bad = try runGEP(["prepare", "ls", "--dem", dem, "--out", out, "--method", "usle"])
    #expect(bad.status == 64)
    #expect(
      bad.stderr.contains(
        "--method must be desmet-govers, desmet-govers-sqrt, slope-length, cumulative, not 'usle'"
      ))
    // A channel mask needs channels; the default threshold provides them.
    let stream = folder.appendingPathComponent("stream.tif").path
    let withMask = try runGEP([
      "prepare", "ls", "--dem", dem, "--out", out, "--stream-out", stream, "--overwrite",
    ])
    #expect(withMask.status == 0, "\(withMask.stderr)")
    #expect(FileManager.default.fileExists(atPath: stream))
    #expect(r.stderr.contains("gep: RUSLE LS factor: "))
    #expect(r.stderr.contains("→ \(out)"))
  }

  /// A scaled NDVI (MODIS-style 8000 = 0.8) is refused with exit 1, naming the file and cell.
  @Test func scaledNDVIIsRefused() throws {
    let folder = try prepareTemp("ndvi")
    defer { try? FileManager.default.removeItem(at: folder) }
    let ndvi = try rawFloat32VRT(
      folder, name: "ndvi_scaled", width: 2, height: 1, bands: [[8000, 4000]])
    let out = folder.appendingPathComponent("c.tif").path
    let r = try runGEP(["prepare", "c", "--ndvi", ndvi, "--out", out])
    #expect(r.status == 1)
    #expect(r.stderr.contains("gep: error: \(ndvi) row 0, column 0: NDVI 8000.0 is outside −1…1"))
    #expect(!FileManager.default.fileExists(atPath: out))
  }

  /// Usage errors exit with 64: R with neither --daily-rain nor --daily-stack, a stack with
  /// --grid, a bad --start-date, and a missing --out.
  @Test func usageErrorsExit64() throws {
    let r1 = try runGEP(["prepare", "r", "--out", "r.tif"])
    #expect(r1.status == 64)
    #expect(r1.stderr.contains("give --daily-rain with --grid, or --daily-stack"))
    let r2 = try runGEP([
      "prepare", "r", "--daily-stack", "s.tif", "--grid", "g.tif", "--out", "r.tif",
    ])
    #expect(r2.status == 64)
    let r3 = try runGEP([
      "prepare", "r", "--daily-stack", "s.tif", "--start-date", "2020-13-01", "--out", "r.tif",
    ])
    #expect(r3.status == 64)
    #expect(r3.stderr.contains("--start-date must be a date YYYY-MM-DD, not '2020-13-01'"))
    let r4 = try runGEP(["prepare", "slope", "--dem", dem])
    #expect(r4.status == 64)
    #expect(r4.stderr.contains("--out"))
  }

  /// R from a 2 × 1 daily stack of 366 bands (2020): cell 0 is 0 mm every day except
  /// 2020-01-10 20 mm, 2020-07-20 40 mm, 2020-07-21 5 mm; cell 1 is nodata. One year, erosive
  /// days 20 and 40 mm: P_d12 = 30, P_y12 = 60, β = 0.8363 + 18.144/30 + 24.455/60 = 1.8486833,
  /// α = 21.586 β^−7.1891 = 0.260417873, R = α(20^β + 40^β) = 0.260417873 × (254.209905475 +
  /// 915.591189606) = 304.637113319, printed with 6 significant digits as 304.637.
  @Test func erosivityFromDailyStack() throws {
    let folder = try prepareTemp("stack")
    defer { try? FileManager.default.removeItem(at: folder) }
    var bands: [[Float]] = []
    for b in 0..<366 {
      // Day of year b + 1: Jan 10 = 10, Jul 20 = 182 + 20 = 202 (2020 is a leap year), Jul 21.
      let rain: Float = b + 1 == 10 ? 20 : b + 1 == 202 ? 40 : b + 1 == 203 ? 5 : 0
      bands.append([rain, -9999])
    }
    let stack = try rawFloat32VRT(folder, name: "rain", width: 2, height: 1, bands: bands)
    let out = folder.appendingPathComponent("r.tif").path
    let r = try runGEP([
      "prepare", "r", "--daily-stack", stack, "--start-date", "2020-01-01", "--out", out,
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(FileManager.default.fileExists(atPath: out))
    #expect(
      r.stderr.contains(
        "rainfall erosivity R (half-month, daily stack): 304.637…304.637 (mean 304.637)"))
    #expect(r.stderr.contains("1 cells, 1 nodata"))
  }
}
