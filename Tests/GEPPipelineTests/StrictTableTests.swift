import Foundation
import GEPCore
import GEPGeo
import GEPPipeline
import Testing

// Tables are read strictly (issue 10, "Trust"): each case below used to pass validation with
// wrong numbers (a row swallowed, a table cut short, 0x10 read as 16, every name mojibake) or to
// hang. Runs are `validationBase()` (two villages 520621001001 and 520621002001) with one table.

/// The demo county's material-product table (sample-data/demo-county/material_products.csv).
private let demoMaterialCSV: String = {
  let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("sample-data/demo-county/material_products.csv")
  return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
}()

/// Validates the base run with table `role` written as `bytes`.
private func problems(role: String, bytes: [UInt8]) throws -> [Problem] {
  var run = validationBase()
  run.tables[role] = ""
  return try validated(run) { f in
    try Data(bytes).write(to: f.appendingPathComponent("\(role).csv"))
  }
}

/// The problems of a material-products table whose one row has `value` as output_value_yuan.
private func materialValueProblems(_ value: String) throws -> [Problem] {
  let csv =
    "unit_code,sector,output_value_yuan,allocate_to\n520621,agriculture,\(value),cropland\n"
  return try problems(role: "material_products", bytes: Array(csv.utf8))
}

/// A value written by one thread and read by another after a semaphore.
private final class ResultBox<T>: @unchecked Sendable {
  var value: T? = nil
}

/// Runs `body` on another thread and waits at most `seconds`; nil when it did not finish.
private func finishes<T: Sendable>(
  within seconds: Double, _ body: @escaping @Sendable () -> T
) -> T? {
  let box = ResultBox<T>()
  let done = DispatchSemaphore(value: 0)
  Thread.detachNewThread {
    box.value = body()
    done.signal()
  }
  guard done.wait(timeout: .now() + seconds) == .success else { return nil }
  return box.value
}

@Suite struct StrictTableValidationTests {
  @Test func demoMaterialTableWithAStrayQuoteIsAnError() throws {
    #expect(demoMaterialCSV.hasPrefix("unit_code,sector,output_value_yuan,allocate_to,source\n"))
    // Before: the quote opened a field that swallowed lines 3–5 (22.42 instead of 35.26 亿元),
    // and validation passed.
    let broken = demoMaterialCSV.replacingOccurrences(
      of: "forest,江口县统计局", with: "forest,\"江口县统计局")
    #expect(broken != demoMaterialCSV)
    let ps = try problems(role: "material_products", bytes: Array(broken.utf8))
    let p = try #require(with("table.csv-syntax", ps).first)
    #expect(p.severity == .error)
    #expect(
      p.message.hasPrefix(
        "cannot read the material_products table: line 3, field 5 (source): a quote opens this "
          + "field and is never closed"))
    #expect(p.location.row == 3 && p.location.column == "source")
    #expect(p.location.file?.hasSuffix("material_products.csv") == true)
    // The intact table validates, every row read.
    let ok = try problems(role: "material_products", bytes: Array(demoMaterialCSV.utf8))
    #expect(ok.filter { $0.severity == .error }.isEmpty, "\(ok)")
  }

  @Test func nulByteIsAnError() throws {
    // Before: OGR stopped reading at the NUL, so the rows after it were dropped silently.
    let head = "unit_code,sector,output_value_yuan,allocate_to\n520621,agriculture,5,cropland\n"
    let bytes = Array(head.utf8) + [0] + Array("\n520621,forestry,2,forest\n".utf8)
    let ps = try problems(role: "material_products", bytes: bytes)
    let p = try #require(with("table.encoding", ps).first)
    #expect(
      p.message.hasPrefix(
        "cannot read the material_products table: NUL byte (0x00) at line 3, byte offset "
          + "\(head.utf8.count)"))
  }

  @Test func wrongFieldCountIsAnError() throws {
    // Before: OGR dropped the extra field without a word.
    let csv =
      "unit_code,sector,output_value_yuan,allocate_to\n520621,agriculture,5,cropland\n"
      + "520621,forestry,2,000,forest\n"
    let ps = try problems(role: "material_products", bytes: Array(csv.utf8))
    let p = try #require(with("table.field-count", ps).first)
    #expect(
      p.message
        == "cannot read the material_products table: line 3, field 5: the row has 5 fields but "
        + "the header has 4: field 5 (\"forest\") has no column (a separator inside an unquoted "
        + "value? quote the value)")
    #expect(p.location.row == 3 && p.location.column == "field 5")
  }

  @Test func hexInfinityAndThousandsSeparatorsAreNotNumbers() throws {
    // Before: 0x10 was read as 16 without a problem.
    let hex = try #require(with("table.not-numeric", try materialValueProblems("0x10")).first)
    #expect(
      hex.message
        == "output_value_yuan is not a plain decimal number: \"0x10\" (hexadecimal numbers are "
        + "not accepted)")
    #expect(hex.location.row == 2 && hex.location.value == "0x10")
    let inf = try #require(with("table.not-numeric", try materialValueProblems("inf")).first)
    #expect(
      inf.message
        == "output_value_yuan is not a plain decimal number: \"inf\" (infinity and NaN are not "
        + "accepted: leave the cell empty if the value is unknown)")
    let sep = try #require(
      with("table.not-numeric", try materialValueProblems("\"1,000\"")).first)
    #expect(
      sep.message
        == "output_value_yuan is not a plain decimal number: \"1,000\" (thousands separators are "
        + "not allowed: write 1000)")
    // Plain decimals pass.
    for ok in ["1000", "1e3", "1000.50", ".5"] {
      #expect(with("table.not-numeric", try materialValueProblems(ok)).isEmpty, "\(ok)")
    }
  }

  @Test func mostlyUTF8NamesTableWithOneStrayByteIsAnError() throws {
    // Before: the whole file was decoded as GBK and every name became mojibake.
    var bytes = Array("code,name\n520621001001,甲村\n520621002001,".utf8)
    let offset = bytes.count
    bytes += [0xE9] + Array("乙村\n520621001000,双江街道\n520621000000,江口县\n".utf8)
    let ps = try validated { f in
      try Data(bytes).write(to: f.appendingPathComponent("units.csv"))
      try editRunFile(f, "hierarchy = \"code12\"", "hierarchy = \"code12\"\nnames = \"units.csv\"")
    }
    let p = try #require(with("table.encoding", ps).first)
    #expect(
      p.message
        == "cannot read the names table: not valid UTF-8 at line 3, byte offset \(offset); the "
        + "rest of the file is UTF-8")
    #expect(p.location.field == "units.names")
  }

  @Test func fifoAndDeviceInputsAreRefusedQuickly() throws {
    let start = Date()
    let result = finishes(within: 5) { () -> [Problem] in
      (try? validated { f in
        // Before: the FIFO blocked validation for ever; /dev/zero was read until a 4.3 GB
        // allocation aborted.
        let fifo = f.appendingPathComponent("material_products.csv").path
        _ = mkfifo(fifo, 0o600)
        let rasterFifo = f.appendingPathComponent("precipitation.tif").path
        try FileManager.default.removeItem(atPath: rasterFifo)
        _ = mkfifo(rasterFifo, 0o600)
        try FileManager.default.createSymbolicLink(
          atPath: f.appendingPathComponent("gdp.csv").path, withDestinationPath: "/dev/zero")
        try appendRunFile(
          f,
          "[tables.material_products]\npath = \"material_products.csv\"\n"
            + "[tables.gdp_population]\npath = \"gdp.csv\"")
      }) ?? []
    }
    let ps = try #require(result, "validation did not finish within 5 s")
    #expect(Date().timeIntervalSince(start) < 2)
    let notRegular = with("file.not-regular", ps)
    #expect(notRegular.count == 3, "\(ps)")
    let messages = Set(notRegular.map(\.message))
    #expect(
      messages == [
        "the material_products table path is a FIFO (named pipe), not a regular file (run file "
          + "key tables.material_products.path)",
        "the precipitation path is a FIFO (named pipe), not a regular file (run file key "
          + "rasters.precipitation.path)",
        "the gdp_population table path is a character device, not a regular file (run file key "
          + "tables.gdp_population.path)",
      ])
  }

  @Test func largeMaterialTableIsReadCheckedAndAllocated() throws {
    // 200 000 rows alternating between the two villages. Before, computing a table like this
    // was quadratic (every row's rule appended to one string, every village's parent chain
    // rebuilt per row); a million rows did not finish in 900 s.
    let n = 200_000
    var csv = "unit_code,sector,output_value_yuan,allocate_to,source\n"
    csv.reserveCapacity(n * 60)
    for i in 0..<n {
      csv += "52062100\(i % 2 + 1)001,agriculture,\(1000 + i),cropland,row \(i + 2)\n"
    }
    let folder = try tempFolder("large-table")
    defer { try? FileManager.default.removeItem(at: folder) }
    var run = validationBase()
    run.materialCSV = csv
    let runFile = try run.write(to: folder)
    // Read in full.
    let t = try Table(path: folder.appendingPathComponent("material.csv").path)
    #expect(t.rows.count == n)
    let last = try #require(t.rows.last)
    #expect(last.line == n + 1)
    #expect(
      last.values == ["520621002001", "agriculture", "\(1000 + n - 1)", "cropland", "row \(n + 1)"])
    // Checked: every row after the first of each village repeats a key (a warning each); the
    // first 100 are listed, then one line counts the other n − 2 − 100.
    let ps = validate(runFile: runFile)
    #expect(ps.filter { $0.severity == .error }.isEmpty, "\(ps.prefix(5))")
    let duplicates = with("table.duplicate-key", ps)
    #expect(duplicates.count == 101)
    #expect(duplicates.allSatisfy { $0.severity == .warning })
    #expect(
      duplicates[99].message
        == "unit_code 520621002001, sector agriculture, allocate_to cropland appears twice in the "
        + "material_products table: rows 3 and 103; both are added (counted twice?)")
    #expect(
      duplicates.last?.message
        == "… and \(n - 2 - 100) more table.duplicate-key problems in this file (the first 100 are "
        + "listed)")
    // Allocated: each village gets its rows (integers × area / area are exact), and each rule
    // is named once (SWAT code 6 of the fixture is no cropland: the whole area is used).
    let result = try compute(runFile, out: folder.appendingPathComponent("out"))
    let lines = result.account.units.flatMap { u in
      u.lines.filter { $0.indicator == "agricultural_products" }.map { (u.unit.code, $0) }
    }
    func value(_ code: String) -> Double? {
      lines.first { $0.0 == code }?.1.value?.value
    }
    // Σ (1000 + i) over even i < n, and over odd i.
    let even = (0..<n / 2).reduce(0.0) { $0 + Double(1000 + 2 * $1) }
    let odd = (0..<n / 2).reduce(0.0) { $0 + Double(1001 + 2 * $1) }
    #expect(value("520621001001") == even)
    #expect(value("520621002001") == odd)
    #expect(value("520621000000") == even + odd)
    let price = lines.first { $0.0 == "520621001001" }?.1.price
    #expect(
      price
        == "reported output value, allocated from 520621001001 by total area (no cropland "
        + "there); allocated from 520621002001 by total area (no cropland there)")
  }
}
