import Foundation
import Testing

/// A fresh temporary folder for a CLI test.
private func cliTemp(_ name: String) throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "gep-cli-\(name)-\(UInt64.random(in: 0...UInt64.max))")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// Little-endian bytes of `count` copies of a value.
private func rawBytes<T: FixedWidthInteger>(_ value: T, count: Int) -> Data {
  var v = value.littleEndian
  let one = withUnsafeBytes(of: &v) { Data($0) }
  var d = Data(capacity: one.count * count)
  for _ in 0..<count { d.append(one) }
  return d
}

/// A GDAL VRT over a raw little-endian file on the synthetic UTM 49N grid (30 m cells from
/// (500000, 3000000)), so large inputs can be written without GDAL in this test target.
private func rawVRT(
  _ folder: URL, name: String, type: String, bytesPerCell: Int, size: Int, noData: String,
  data: Data
) throws {
  try data.write(to: folder.appendingPathComponent("\(name).raw"))
  let xml = """
    <VRTDataset rasterXSize="\(size)" rasterYSize="\(size)">
      <SRS>EPSG:32649</SRS>
      <GeoTransform>500000, 30, 0, 3000000, 0, -30</GeoTransform>
      <VRTRasterBand dataType="\(type)" band="1" subClass="VRTRawRasterBand">
        <NoDataValue>\(noData)</NoDataValue>
        <SourceFilename relativeToVRT="1">\(name).raw</SourceFilename>
        <ImageOffset>0</ImageOffset>
        <PixelOffset>\(bytesPerCell)</PixelOffset>
        <LineOffset>\(bytesPerCell * size)</LineOffset>
        <ByteOrder>LSB</ByteOrder>
      </VRTRasterBand>
    </VRTDataset>
    """
  try Data(xml.utf8).write(to: folder.appendingPathComponent("\(name).vrt"))
}

/// `gep compute RUN --threads 1 EXTRA` under a file-size limit of `blocks` (`ulimit -f`, as on
/// a full disk: EFBIG instead of ENOSPC, SIGXFSZ ignored): exit status and stderr.
private func computeWithFileSizeLimit(_ run: String, blocks: Int, extra: String = "") throws
  -> (Int32, String)
{
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/sh")
  process.arguments = [
    "-c", "trap '' XFSZ; ulimit -f \(blocks); exec \"$0\" compute \"$1\" \(extra) --threads 1",
    gepExecutable().path, run,
  ]
  let err = Pipe()
  process.standardOutput = FileHandle.nullDevice
  process.standardError = err
  try process.run()
  let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  return (process.terminationStatus, stderr)
}

/// A run of `size × size` cells (SWAT code 6, P 1200 mm, ET 700 mm, one village) in `folder`.
private func largeRun(_ folder: URL, size: Int) throws -> String {
  let n = size * size
  try rawVRT(
    folder, name: "landuse", type: "Int16", bytesPerCell: 2, size: size, noData: "0",
    data: rawBytes(Int16(6), count: n))
  try rawVRT(
    folder, name: "precipitation", type: "Float32", bytesPerCell: 4, size: size,
    noData: "-9999", data: rawBytes(Float(1200).bitPattern, count: n))
  try rawVRT(
    folder, name: "evapotranspiration", type: "Float32", bytesPerCell: 4, size: size,
    noData: "-9999", data: rawBytes(Float(700).bitPattern, count: n))
  let x1 = 500_000 + Double(size) * 30
  let y1 = 3_000_000 - Double(size) * 30
  let ring = "[[500000,3000000],[\(x1),3000000],[\(x1),\(y1)],[500000,\(y1)],[500000,3000000]]"
  let geojson =
    "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
    + "{\"name\":\"urn:ogc:def:crs:EPSG::32649\"}},\"features\":[{\"type\":\"Feature\","
    + "\"properties\":{\"code\":\"520621001001\",\"name\":\"甲村\"},"
    + "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[\(ring)]}}]}"
  try Data(geojson.utf8).write(to: folder.appendingPathComponent("villages.geojson"))
  let toml = """
    year = 2024
    profile = "national-2022"
    coefficients = "\(repositoryRoot.appendingPathComponent("coefficients").path)"
    output = "out"

    [landuse]
    path = "landuse.vrt"
    scheme = "swat"

    [rasters.precipitation]
    path = "precipitation.vrt"
    unit = "mm"

    [rasters.evapotranspiration]
    path = "evapotranspiration.vrt"
    unit = "mm"

    [units]
    path = "villages.geojson"
    code_field = "code"
    name_field = "name"
    """
  let path = folder.appendingPathComponent("gep.toml").path
  try Data(toml.utf8).write(to: URL(fileURLWithPath: path))
  return path
}

@Suite struct ValidateCLITests {
  @Test func demoValidatesWithWarningsOnly() throws {
    let run = repositoryRoot.appendingPathComponent("sample-data/demo-county/gep.toml").path
    let r = try runGEP(["validate", run])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    let lines = r.stdout.split(separator: "\n")
    #expect(lines.allSatisfy { $0.hasPrefix("warning [") }, "\(r.stdout)")
    #expect(r.stderr.contains(": 0 errors, \(lines.count) warnings"))
  }

  @Test func jsonListsEveryProblemWithItsLocation() throws {
    let folder = try cliTemp("validate-json")
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = try largeRun(folder, size: 20)
    // A missing raster and an unknown table column.
    let text = try String(contentsOfFile: run, encoding: .utf8)
    try Data(
      (text.replacingOccurrences(of: "precipitation.vrt", with: "rain.tif")
        + "\n[tables.gdp_population]\npath = \"gdp.csv\"\n").utf8
    ).write(to: URL(fileURLWithPath: run))
    try Data("unit_code,year,gdp_yuan,colour\n520621,2024,1,red\n".utf8).write(
      to: folder.appendingPathComponent("gdp.csv"))
    let r = try runGEP(["validate", run, "--json"])
    #expect(r.status == 1)
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect(json["run_file"] as? String == run)
    #expect(json["valid"] as? Bool == false)
    #expect(json["errors"] as? Int == 1)
    let problems = try #require(json["problems"] as? [[String: Any]])
    let missing = try #require(problems.first { $0["code"] as? String == "file.missing" })
    #expect(missing["severity"] as? String == "error")
    #expect(
      missing["message"] as? String
        == "the precipitation file does not exist (run file key rasters.precipitation.path)")
    let loc = try #require(missing["location"] as? [String: Any])
    #expect((loc["file"] as? String)?.hasSuffix("/rain.tif") == true)
    #expect(loc["field"] as? String == "rasters.precipitation.path")
    #expect(loc["band"] == nil)
    let column = try #require(problems.first { $0["code"] as? String == "table.unknown-column" })
    #expect(column["severity"] as? String == "warning")
    #expect((column["location"] as? [String: Any])?["column"] as? String == "colour")
  }

  @Test func missingRunFileArgumentIsAUsageError() throws {
    let r = try runGEP(["validate"])
    #expect(r.status == 64)
  }

  @Test func helpDocumentsTheExitCodes() throws {
    let r = try runGEP(["validate", "--help"])
    #expect(r.status == 0)
    #expect(r.stdout.contains("0 no errors (warnings allowed); 1 input problems found"))
    #expect(r.stdout.contains("64 usage error"))
    let c = try runGEP(["compute", "--help"])
    #expect(c.stdout.contains("130 interrupted (SIGINT); 143 terminated (SIGTERM)"))
  }

  @Test func computeStopsOnValidationErrorsWithoutWriting() throws {
    let folder = try cliTemp("validate-stop")
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = try largeRun(folder, size: 20)
    // ET averaging 0.7: as mm per year implausible (metres?).
    try rawBytes(Float(0.7).bitPattern, count: 400).write(
      to: folder.appendingPathComponent("evapotranspiration.raw"))
    let r = try runGEP(["compute", run])
    #expect(r.status == 1)
    #expect(r.stderr.contains("error [raster.implausible-unit] the evapotranspiration raster"))
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    #expect(!names.contains { $0 == "out" || $0.hasPrefix(".out") }, "\(names)")
  }

  /// SIGINT in the middle of a run on a larger input: exit 130, no output folder, no staging
  /// folder, no stray temporary file next to them.
  @Test func interruptLeavesNothingPartial() throws {
    let folder = try cliTemp("interrupt")
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = try largeRun(folder, size: 2500)
    let before = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
    let process = Process()
    process.executableURL = gepExecutable()
    process.arguments = ["compute", run, "--threads", "1", "--quiet"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let staging = folder.appendingPathComponent(".out.partial-\(process.processIdentifier)")
    var waited = 0.0
    while !FileManager.default.fileExists(atPath: staging.path) && process.isRunning
      && waited < 60
    {
      usleep(20_000)
      waited += 0.02
    }
    #expect(process.isRunning, "the run ended before it could be interrupted")
    usleep(300_000)
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    #expect(process.terminationReason == .exit)
    #expect(process.terminationStatus == 130)
    let after = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
    #expect(after == before, "left behind: \(after.subtracting(before))")
  }

  /// A write failure (file size limit, as on a full disk: EFBIG instead of ENOSPC) leaves no
  /// output and no staging folder, and exits 1 with the error.
  @Test func writeFailureLeavesNothingPartial() throws {
    let folder = try cliTemp("write-fail")
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = try largeRun(folder, size: 300)
    let before = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
    let (status, stderr) = try computeWithFileSizeLimit(run, blocks: 16, extra: "--rasters")
    #expect(status == 1, "\(stderr)")
    #expect(stderr.contains("gep: error"))
    let after = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
    #expect(after == before, "left behind: \(after.subtracting(before))")
  }

  /// A full disk while warping (a file-size limit, EFBIG) was reported as a problem of the
  /// input raster. The error must name the warped copy's path and the free space, and no
  /// output be left.
  @Test func fullDiskDuringWarpNamesTheOutput() throws {
    let folder = try cliTemp("warp-full")
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = try largeRun(folder, size: 300)
    // Shift the precipitation raster by half a cell so that it must be warped onto the grid.
    let vrt = folder.appendingPathComponent("precipitation.vrt")
    let text = try String(contentsOf: vrt, encoding: .utf8)
      .replacingOccurrences(of: "500000, 30, 0,", with: "500015, 30, 0,")
    try Data(text.utf8).write(to: vrt)
    let before = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
    let (status, stderr) = try computeWithFileSizeLimit(run, blocks: 64)
    #expect(status == 1, "\(stderr)")
    #expect(stderr.contains("cannot write the warped copy of \(vrt.path) to "), "\(stderr)")
    #expect(stderr.contains("/.work/precipitation.tif"), "\(stderr)")
    #expect(stderr.contains("free on its file system"), "\(stderr)")
    let after = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
    #expect(after == before, "left behind: \(after.subtracting(before))")
  }
}
