import Foundation
import GEPCore
import GEPGeo
import Testing

@testable import GEPPipeline

/// `report.html` and `account.xlsx` (issue 16) on the demo county: the page holds one map
/// feature per unit and the county total of summary.csv, drills down to a township's villages,
/// loads nothing from the network (Chromium's net log), and renders to a non-blank screenshot;
/// the workbook opens through GDAL's XLSX driver with the expected sheets, headers and numeric
/// values. The Chromium tests skip with a message when no Chromium is installed (`make test`
/// installs Debian's `chromium`).
@Suite(.serialized) struct ReportTests {
  /// The demo account computed with `report: true` into `folder/account`.
  func demoAccount(_ folder: URL) throws -> URL {
    let account = folder.appendingPathComponent("account")
    let config = try RunConfiguration.load(
      path: repoRoot.appendingPathComponent("sample-data/demo-county/gep.toml").path)
    _ = try ComputeJob.run(
      config: config, options: ComputeOptions(output: account.path, threads: 2, report: true))
    return account
  }

  /// summary.csv's records.
  func summary(_ account: URL) throws -> [[String: String]] {
    CSVText(
      text: try String(contentsOf: account.appendingPathComponent("summary.csv"), encoding: .utf8)
    ).records
  }

  /// Every match of a regular expression's first group.
  func matches(_ pattern: String, in text: String) throws -> [String] {
    let re = try NSRegularExpression(pattern: pattern)
    let ns = text as NSString
    return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map {
      ns.substring(with: $0.range(at: 1))
    }
  }

  /// The page without a browser: the CSP forbids network loads, no element names an http(s)
  /// source, one `path.unit` per feature of units.geojson with its code, and the county card
  /// carries summary.csv's GEP. The account with its report verifies (`gep verify`).
  @Test func demoPageHoldsEveryUnitAndTheCountyTotal() throws {
    let folder = try tempFolder("report-page")
    defer { try? FileManager.default.removeItem(at: folder) }
    let account = try demoAccount(folder)
    let html = try String(
      contentsOf: account.appendingPathComponent("report.html"), encoding: .utf8)
    #expect(
      html.contains(
        "content=\"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\""
      ))
    #expect(try matches("(?:src|href)=\"(https?:[^\"]*)\"", in: html).isEmpty)
    let features =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: account.appendingPathComponent("units.geojson"))) as! [String: Any]
    let codes = (features["features"] as! [[String: Any]]).map {
      ($0["properties"] as! [String: Any])["code"] as! String
    }
    // Demo: 1 county, 10 townships, the villages; unassigned has no feature.
    #expect(codes.count > 11)
    let mapped = try matches("<path class=\"unit\" data-code=\"([^\"]+)\"", in: html)
    #expect(mapped.sorted() == codes.sorted())
    let county = try summary(account).first { $0["level"] == "county" }!
    let shown = try matches("id=\"county-gep\" data-yuan=\"([^\"]*)\"", in: html)
    #expect(shown == [county["gep_yuan"]!])
    // units.geojson carries the summary's map figures.
    let props = (features["features"] as! [[String: Any]]).map {
      $0["properties"] as! [String: Any]
    }
    // Compared as written (JSONSerialization's decimal parse may differ in the last digit).
    let geojson = try String(
      contentsOf: account.appendingPathComponent("units.geojson"), encoding: .utf8)
    let countyLine = try #require(
      geojson.split(separator: "\n").first { $0.contains("\"code\":\"\(county["code"]!)\"") })
    for key in ["gep_density_yuan_per_km2", "gep_gdp_ratio", "gep_per_capita_yuan", "gdp_yuan"] {
      #expect(countyLine.contains("\"\(key)\":\(county[key]!),"), "\(key)")
    }
    let gradedVillages = props.filter { $0["level"] as? String == "village" && $0["grade"] is Int }
    #expect(gradedVillages.count == props.filter { $0["level"] as? String == "village" }.count)
    let report = try VerifyJob.run(outDir: account.path, threads: 1)
    #expect(report.identical, "\(report.text)")
    // summary, indicators, matrix, units.geojson, report.html, account.xlsx.
    #expect(report.comparedFiles == 6)
  }

  /// The workbook through GDAL's XLSX driver (an independent reader): the four sheets, the
  /// bilingual headers with units, numbers as numeric fields equal to summary.csv's, codes as
  /// text, and a frozen header row in each sheet's XML.
  @Test func demoWorkbookOpensThroughGDAL() throws {
    let folder = try tempFolder("report-xlsx")
    defer { try? FileManager.default.removeItem(at: folder) }
    let account = try demoAccount(folder)
    let path = account.appendingPathComponent("account.xlsx").path
    let ds = try VectorDataset(path: path)
    #expect(ds.layerNames == ["汇总 summary", "指标 indicators", "矩阵 matrix", "输入 inputs"])
    let sheet = try ds.layer(named: "汇总 summary")
    let fields = sheet.fields
    #expect(fields.first?.name == "代码 code")
    let gepField = try #require(fields.first { $0.name == "生态产品总值 gep_yuan (元)" })
    #expect(gepField.typeName == "Real")
    #expect(fields.contains { $0.name == "面积 area_km2 (km²)" })
    #expect(fields.first { $0.name == "代码 code" }?.typeName == "String")
    let rows = try summary(account)
    let features = try sheet.features()
    #expect(features.count == rows.count)
    let county = rows.first { $0["level"] == "county" }!
    let countyRow = try #require(
      features.first { $0.attributes["代码 code"]?.description == county["code"] })
    #expect(countyRow.attributes["生态产品总值 gep_yuan (元)"]?.number == Double(county["gep_yuan"]!))
    #expect(
      countyRow.attributes["单位面积 GEP gep_density_yuan_per_km2 (元/km²)"]?.number
        == Double(county["gep_density_yuan_per_km2"]!))
    let indicators = try ds.layer(named: "指标 indicators")
    #expect(indicators.fields.contains { $0.name == "价值量 value_yuan (元)" })
    let inputs = try ds.layer(named: "输入 inputs").features()
    #expect(inputs.contains { $0.attributes["角色 role"]?.description == "landuse" })
    // Each sheet's XML, read back through GDAL's /vsizip/ (an independent unzip).
    var frozen = 0
    for i in 1...4 {
      let xml = String(
        decoding: try GDAL.readFile("/vsizip/\(path)/xl/worksheets/sheet\(i).xml"), as: UTF8.self)
      frozen += try matches(
        "(<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>)",
        in: xml
      ).count
    }
    #expect(frozen == 4)
  }

  /// `gep report` on an account computed without it: both files are written and recorded in
  /// the marker and the manifest (the account still verifies); a report.html gep did not write
  /// is never replaced.
  @Test func reportOnAnExistingAccountIsRecordedAndNeverReplacesAUserFile() throws {
    let folder = try tempFolder("report-existing")
    defer { try? FileManager.default.removeItem(at: folder) }
    let account = folder.appendingPathComponent("account")
    _ = try compute(
      repoRoot.appendingPathComponent("sample-data/demo-county/gep.toml").path, out: account)
    let result = try ReportJob.run(folder: account.path)
    #expect(
      result.paths.map { ($0 as NSString).lastPathComponent } == ["report.html", "account.xlsx"])
    let marker = try #require(OutputFolder.readMarker(account))
    #expect(marker.contains("report.html") && marker.contains("account.xlsx"))
    let manifest =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: account.appendingPathComponent("manifest.json"))) as! [String: Any]
    let outputs = (manifest["outputs"] as! [[String: Any]]).map { $0["path"] as! String }
    #expect(outputs.contains("report.html") && outputs.contains("account.xlsx"))
    #expect((manifest["options"] as! [String: Any])["report"] as? Bool == true)
    let verified = try VerifyJob.run(outDir: account.path, threads: 1)
    #expect(verified.identical, "\(verified.text)")

    // A user's report.html in a fresh account: refused, and left as it was.
    let other = folder.appendingPathComponent("other")
    _ = try compute(
      repoRoot.appendingPathComponent("sample-data/demo-county/gep.toml").path, out: other)
    let mine = other.appendingPathComponent("report.html")
    try Data("my notes".utf8).write(to: mine)
    #expect(throws: InputProblems.self) { try ReportJob.run(folder: other.path) }
    #expect(try String(contentsOf: mine, encoding: .utf8) == "my notes")
    #expect(
      !FileManager.default.fileExists(atPath: other.appendingPathComponent("account.xlsx").path))
  }

  // MARK: Chromium

  /// Debian's `chromium` (or chromium-browser, google-chrome) on PATH, nil when absent.
  static let chromium: String? = {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
      for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        let p = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
      }
    }
    return nil
  }()

  /// Runs headless Chromium on `url` with its background services off, a net log, and the
  /// extra arguments; returns stdout.
  func runChromium(_ url: String, profile: URL, netLog: URL, _ extra: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Self.chromium!)
    p.arguments =
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
        "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-extensions",
        "--window-size=1400,1800", "--virtual-time-budget=3000",
        "--log-net-log=\(netLog.path)",
      ] + extra + [url]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  /// The http(s) URLs the page asked for, from Chromium's net log: URL_REQUEST_START_JOB events
  /// whose initiator is an origin (the browser's own update and account checks are "not an
  /// origin").
  func pageRequests(_ netLog: URL) throws -> [String] {
    var data = try Data(contentsOf: netLog)
    // A log cut short by the browser's exit lacks its closing brackets.
    if (try? JSONSerialization.jsonObject(with: data)) == nil { data += Data("]}".utf8) }
    let log = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    let types = (log["constants"] as! [String: Any])["logEventTypes"] as! [String: Int]
    let start = types["URL_REQUEST_START_JOB"]!
    return ((log["events"] as? [[String: Any]]) ?? []).compactMap { e in
      guard e["type"] as? Int == start, let p = e["params"] as? [String: Any],
        let url = p["url"] as? String, url.hasPrefix("http:") || url.hasPrefix("https:"),
        p["initiator"] as? String != "not an origin"
      else { return nil }
      return url
    }
  }

  /// In headless Chromium: the screenshot is not blank (GDAL decodes the PNG: many distinct
  /// colours), the DOM after the script ran holds one map feature per unit and the county
  /// total, `#unit=TOWNSHIP` lists exactly that township's villages, and the page made no
  /// http(s) request — while a control page with an image and a fetch is caught making two.
  @Test func demoPageInChromium() throws {
    guard Self.chromium != nil else {
      print(
        "ReportTests: skipped — no chromium on PATH (make test installs Debian's chromium)")
      return
    }
    let folder = try tempFolder("report-chromium")
    defer { try? FileManager.default.removeItem(at: folder) }
    let account = try demoAccount(folder)
    let page = account.appendingPathComponent("report.html")
    let rows = try summary(account)
    let county = rows.first { $0["level"] == "county" }!
    let township = rows.first { $0["level"] == "township" }!
    let villages = rows.filter { $0["parent_code"] == township["code"] }.map { $0["code"]! }
    #expect(villages.count >= 2)

    // Screenshot.
    let shot = folder.appendingPathComponent("shot.png")
    let net1 = folder.appendingPathComponent("net1.json")
    _ = try runChromium(
      page.absoluteString, profile: folder.appendingPathComponent("p1"), netLog: net1,
      ["--screenshot=\(shot.path)"])
    let png = try RasterDataset(path: shot.path)
    #expect(png.driverName == "PNG")
    #expect(png.width == 1400)
    var colours: Set<Int> = []
    let w = RasterWindow(colOffset: 0, rowOffset: 0, width: png.width, height: png.height)
    let bands = try (1...min(3, png.bandCount)).map { try png.band($0).read(w) }
    for i in stride(from: 0, to: bands[0].count, by: 7) {
      colours.insert(bands.reduce(0) { $0 * 256 + Int($1[i]) })
    }
    // A blank page has one colour; the map's quintiles, the cards and the text give hundreds.
    #expect(colours.count > 50, "\(colours.count) colours")
    #expect(try pageRequests(net1).isEmpty)

    // DOM after the script, drilled down to a township.
    let net2 = folder.appendingPathComponent("net2.json")
    let dom = try runChromium(
      page.absoluteString + "#unit=" + township["code"]!,
      profile: folder.appendingPathComponent("p2"), netLog: net2, ["--dump-dom"])
    let unitsJSON =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: account.appendingPathComponent("units.geojson"))) as! [String: Any]
    let featureCount = (unitsJSON["features"] as! [[String: Any]]).count
    #expect(
      try matches("<path class=\"unit[^\"]*\" data-code=\"([^\"]+)\"", in: dom).count
        == featureCount)
    #expect(
      try matches("id=\"county-gep\" data-yuan=\"([^\"]*)\"", in: dom) == [county["gep_yuan"]!])
    let listStart = try #require(dom.range(of: "<ol id=\"children\">"))
    let listEnd = try #require(dom.range(of: "</ol>", range: listStart.upperBound..<dom.endIndex))
    let listed = try matches(
      "<li data-code=\"([^\"]+)\"", in: String(dom[listStart.upperBound..<listEnd.lowerBound]))
    #expect(listed.sorted() == villages.sorted())
    // The township's villages are the features shown on the map.
    let shown = try matches("<path class=\"unit shown\" data-code=\"([^\"]+)\"", in: dom)
    #expect(shown.sorted() == villages.sorted())
    #expect(try pageRequests(net2).isEmpty)

    // Control: a page that loads an image and fetches is seen in the log.
    let control = folder.appendingPathComponent("control.html")
    try Data(
      "<html><body><img src=\"http://127.0.0.1:9/x.png\"><script>fetch(\"https://example.invalid/a\")</script></body></html>"
        .utf8
    ).write(to: control)
    let net3 = folder.appendingPathComponent("net3.json")
    _ = try runChromium(
      control.absoluteString, profile: folder.appendingPathComponent("p3"), netLog: net3,
      ["--dump-dom"])
    #expect(
      try pageRequests(net3).sorted() == ["http://127.0.0.1:9/x.png", "https://example.invalid/a"])
  }

  /// The VEP page of the demo parcels (change table, 20 years at 2.77 %): one map feature per
  /// parcel of vep.csv, the total gain and its present value as vep.csv's `all` row, the
  /// land-use classes drawn; in Chromium a non-blank screenshot and no http(s) request.
  @Test func demoVEPPage() throws {
    let folder = try tempFolder("report-vep")
    defer { try? FileManager.default.removeItem(at: folder) }
    let demo = repoRoot.appendingPathComponent("sample-data/demo-county")
    let out = folder.appendingPathComponent("vep")
    _ = try VEPJob.run(
      config: try RunConfiguration.load(path: demo.appendingPathComponent("gep.toml").path),
      options: VEPOptions(
        parcels: demo.appendingPathComponent("parcels.geojson").path, idField: "id",
        changes: demo.appendingPathComponent("parcel_changes.csv").path, years: 20,
        discountRate: 0.0277, output: out.path, report: true))
    let page = out.appendingPathComponent("vep-report.html")
    let html = try String(contentsOf: page, encoding: .utf8)
    #expect(html.contains("content=\"default-src 'none'; script-src 'unsafe-inline'"))
    let csv = CSVText(
      text: try String(contentsOf: out.appendingPathComponent("vep.csv"), encoding: .utf8)
    ).records
    let parcelIDs = Set(csv.map { $0["parcel_id"]! }).subtracting(["all"]).sorted()
    #expect(parcelIDs == ["P1", "P2", "P3", "P4", "P5"])
    let all = csv.first { $0["parcel_id"] == "all" && $0["indicator"] == "total" }!
    #expect(
      Double(try matches("id=\"vep-gain\" data-yuan=\"([^\"]*)\"", in: html).first ?? "")
        == Double(all["gain_value_yuan"]!))
    #expect(
      Double(try matches("id=\"vep-pv\" data-yuan=\"([^\"]*)\"", in: html).first ?? "")
        == Double(all["gain_present_value_yuan"]!))
    // The change table's classes: P5's bare land (7) → forest (2), P1's farmland (5) → forest.
    #expect(try matches("<path class=\"lu\" data-class=\"(\\d+)\"", in: html).contains("1"))
    #expect(html.contains("<table id=\"changes\">"))
    guard Self.chromium != nil else {
      print("ReportTests: Chromium part skipped — no chromium on PATH")
      return
    }
    let shot = folder.appendingPathComponent("vep.png")
    let net = folder.appendingPathComponent("net.json")
    let dom = try runChromium(
      page.absoluteString, profile: folder.appendingPathComponent("p"), netLog: net,
      ["--dump-dom"])
    // One map (a change table has no scenario map): each parcel once.
    #expect(!dom.contains("id=\"map-scenario\""))
    #expect(
      try matches("<path class=\"parcel\" data-parcel=\"([^\"]+)\"", in: dom).sorted()
        == parcelIDs)
    #expect(try pageRequests(net).isEmpty)
    _ = try runChromium(
      page.absoluteString, profile: folder.appendingPathComponent("p2"),
      netLog: folder.appendingPathComponent("net2.json"), ["--screenshot=\(shot.path)"])
    let png = try RasterDataset(path: shot.path)
    let w = RasterWindow(colOffset: 0, rowOffset: 0, width: png.width, height: png.height)
    let band = try png.band(1).read(w)
    #expect(Set(stride(from: 0, to: band.count, by: 5).map { band[$0] }).count > 20)
  }

  /// A geographic grid (WGS 84, 0.01° cells): the map is drawn in a Lambert azimuthal
  /// equal-area projection centred on the units, so a unit bounded by the meridians 108.025°
  /// and 108.060° and the parallels 27.94° and 27.975° has the proportions of the ground, not of
  /// the degrees (1:1). By hand: the map's width is the southern edge's length on the ellipsoid,
  /// Δλ·N(φs)·cos φs with N = a/√(1 − e² sin² φ), the height Δφ·M(φm) with
  /// M = a(1 − e²)/(1 − e² sin² φ)^1.5 (φs = 27.94°, φm = 27.9575°): 0.888 (cos φ alone would
  /// give 0.883). The viewBox is rounded to 1/10 000 of the extent.
  @Test func geographicGridIsMappedToGroundProportions() throws {
    let folder = try tempFolder("report-geographic")
    defer { try? FileManager.default.removeItem(at: folder) }
    let runFile = try writeGeographicUnitCase(in: folder)
    // The village's edges, as `writeGeographicUnitCase` draws them.
    let (lon0, lon1, lat0, lat1) = (108.025, 108.060, 27.975, 27.940)
    let out = folder.appendingPathComponent("out")
    _ = try compute(runFile.path, out: out)
    _ = try ReportJob.run(folder: out.path)
    let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
    let box = try matches("<svg id=\"map\" viewBox=\"0 0 ([0-9.]+ [0-9.]+)\"", in: html)
    let wh = try #require(box.first).split(separator: " ").map { Double($0)! }
    let a = 6_378_137.0
    let f = 1 / 298.257223563
    let e2 = f * (2 - f)
    func rad(_ d: Double) -> Double { d * .pi / 180 }
    let phiS = rad(27.94)
    let phiM = rad(27.9575)
    let n = a / (1 - e2 * sin(phiS) * sin(phiS)).squareRoot()
    let m = a * (1 - e2) / pow(1 - e2 * sin(phiM) * sin(phiM), 1.5)
    let expected = (rad(lon1 - lon0) * n * cos(phiS)) / (rad(lat0 - lat1) * m)
    #expect(abs(wh[0] / wh[1] - expected) < 2e-4, "\(wh) vs \(expected)")
    #expect(abs(expected - 0.888) < 1e-3)
  }
}
