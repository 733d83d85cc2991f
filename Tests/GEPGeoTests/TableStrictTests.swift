import Foundation
import GEPGeo
import Testing

/// The first four lines of `sample-data/demo-county/material_products.csv`.
private let demoMaterial =
  "unit_code,sector,output_value_yuan,allocate_to,source\n"
  + "520621,agriculture,2242000000,cropland,农业产值 22.42 亿元\n"
  + "520621,forestry,469000000,forest,林业产值 4.69 亿元\n"
  + "520621,animal_husbandry,578000000,grassland;cropland,牧业产值 5.78 亿元\n"
  + "520621,fishery,237000000,water,渔业产值 2.37 亿元\n"

/// Reads `bytes` as a table and returns the error thrown (nil when it reads).
private func tableError(_ bytes: [UInt8], name: String = "t.csv") throws -> GDALError? {
  let path = memPath(name)
  try GDAL.writeFile(path, bytes: bytes)
  defer { try? GDAL.unlink(path) }
  do {
    _ = try Table(path: path)
    return nil
  } catch {
    return error
  }
}

/// A temporary folder on disk (symbolic links and FIFOs need a real file system).
private func diskFolder() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "gep-table-\(UInt64.random(in: 0...UInt64.max))")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
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

@Suite struct TableStrictTests {
  @Test func quotedFieldsEscapesAndLineBreaksKeepFileLines() throws {
    let text =
      "code,name,note\r\n520621,\"江口县\",\"a \"\"quoted\"\" word\"\r\n"
      + "520622,\"two\nlines\",\"x,y\"\r\n520623,last,\n"
    let path = memPath("quoted.csv")
    try GDAL.writeFile(path, bytes: Array(text.utf8))
    defer { try? GDAL.unlink(path) }
    let t = try Table(path: path)
    #expect(
      t.rows.map(\.values) == [
        ["520621", "江口县", "a \"quoted\" word"], ["520622", "two\nlines", "x,y"],
        ["520623", "last", ""],
      ])
    // The quoted line break moves the last row to line 5.
    #expect(t.rows.map(\.line) == [2, 3, 5])
  }

  @Test func strayQuoteIsAnErrorNamingLineAndField() throws {
    // OGR read the stray quote as opening a field that swallowed every following row
    // (material products 22.42 instead of 35.26 亿元 in the demo).
    let broken = demoMaterial.replacingOccurrences(
      of: "forest,林业产值", with: "forest,\"林业产值")
    let e = try #require(try tableError(Array(broken.utf8)))
    #expect(e.function == Table.syntaxFunction)
    #expect(e.line == 3 && e.field == "source")
    #expect(
      e.message.hasPrefix(
        "line 3, field 5 (source): a quote opens this field and is never closed"))
    // A quote in the middle of a field.
    let mid = demoMaterial.replacingOccurrences(of: "agriculture", with: "agri\"culture")
    let m = try #require(try tableError(Array(mid.utf8)))
    #expect(m.line == 2 && m.field == "sector")
    #expect(m.message.contains("a quote (\") in the middle of an unquoted field"))
    // Text after a closing quote: a lone quote inside a quoted field.
    let after = demoMaterial.replacingOccurrences(
      of: "cropland,农业产值 22.42 亿元", with: "cropland,\"农业\"产值\"")
    let a = try #require(try tableError(Array(after.utf8)))
    #expect(a.line == 2 && a.field == "source")
    #expect(a.message.contains("text after the closing quote"))
    // The intact table: every row, none dropped.
    let path = memPath("demo-material.csv")
    try GDAL.writeFile(path, bytes: Array(demoMaterial.utf8))
    defer { try? GDAL.unlink(path) }
    let t = try Table(path: path)
    #expect(t.rows.count == 4)
    #expect(t.rows.map { $0.values[2] } == ["2242000000", "469000000", "578000000", "237000000"])
  }

  @Test func nulByteIsAnErrorWithLineAndOffset() throws {
    // OGR's CSV driver stopped the table at the NUL.
    var bytes = Array(demoMaterial.utf8)
    let at = demoMaterial.components(separatedBy: "469000000")[0].utf8.count  // on line 3
    bytes[at] = 0
    let e = try #require(try tableError(bytes))
    #expect(e.function == Table.encodingFunction)
    #expect(e.message.hasPrefix("NUL byte (0x00) at line 3, byte offset \(at): not a text table"))
  }

  @Test func wrongFieldCountIsAnError() throws {
    let text = "code,name,level\n520621,江口县,county\n520621001,双江,township,extra\n"
    let e = try #require(try tableError(Array(text.utf8)))
    #expect(e.function == Table.fieldCountFunction)
    #expect(e.line == 3 && e.field == "field 4")
    #expect(
      e.message
        == "line 3, field 4: the row has 4 fields but the header has 3: field 4 (\"extra\") has "
        + "no column (a separator inside an unquoted value? quote the value)")
    let short = "code,name,level\n520621,江口县\n"
    let s = try #require(try tableError(Array(short.utf8)))
    #expect(s.line == 2 && s.field == "level")
  }

  @Test func blankLinesAreRowsExceptAtTheEnd() throws {
    let text = "code,name\n1,a\n\n2,b\n,\n\n\n"
    let path = memPath("blank.csv")
    try GDAL.writeFile(path, bytes: Array(text.utf8))
    defer { try? GDAL.unlink(path) }
    let t = try Table(path: path)
    #expect(t.rows.map(\.line) == [2, 3, 4, 5])
    #expect(t.rows.map(\.values) == [["1", "a"], ["", ""], ["2", "b"], ["", ""]])
  }

  @Test func tabAndSemicolonSeparatedTables() throws {
    let tsv = memPath("stations.tsv")
    try GDAL.writeFile(tsv, bytes: Array("StationID\tLon\tLat\n58345\t119.483\t31.433\n\n".utf8))
    defer { try? GDAL.unlink(tsv) }
    #expect(try Table(path: tsv).rows.map(\.values) == [["58345", "119.483", "31.433"]])
    let txt = memPath("stations.txt")
    try GDAL.writeFile(txt, bytes: Array("StationID;Lon\n58345;119.483\n".utf8))
    defer { try? GDAL.unlink(txt) }
    #expect(try Table(path: txt).fields == ["StationID", "Lon"])
  }

  @Test func mostlyUTF8FileWithOneStrayByteIsAnError() throws {
    // The whole names table was decoded as GBK for one stray 0xE9: every name was mojibake.
    var bytes = Array("code,name\n520621,江口县\n520621001000,双江街道\n520621100000,".utf8)
    let offset = bytes.count
    bytes += [0xE9] + Array("镇\n520621101000,闵孝镇\n".utf8)
    let e = try #require(try tableError(bytes))
    #expect(e.function == Table.encodingFunction)
    #expect(
      e.message
        == "not valid UTF-8 at line 4, byte offset \(offset); the rest of the file is UTF-8")
  }

  @Test func gb18030FileWithFourByteCharactersIsDecoded() throws {
    // 江口县 = BD AD BF DA CF D8 (two-byte), ÿ = 81 30 8B 37 and 𠀀 = 95 32 82 36 (four-byte).
    var bytes = Array("code,name\n520621,".utf8) + [0xBD, 0xAD, 0xBF, 0xDA, 0xCF, 0xD8]
    bytes += Array("\n1,x".utf8) + [0x81, 0x30, 0x8B, 0x37, 0x95, 0x32, 0x82, 0x36, 0x0A]
    let path = memPath("gb18030.csv")
    try GDAL.writeFile(path, bytes: bytes)
    defer { try? GDAL.unlink(path) }
    let t = try Table(path: path)
    #expect(t.encoding == "GB18030")
    #expect(t.rows.map(\.values) == [["520621", "江口县"], ["1", "xÿ𠀀"]])
    // One byte that is neither UTF-8 nor GB18030 (0x80 alone) names both readings.
    let bad = Array("code,name\n1,".utf8) + [0xBD, 0xAD, 0x80, 0x0A]
    let e = try #require(try tableError(bad))
    #expect(
      e.message
        == "neither UTF-8 nor GB18030: not valid UTF-8 at line 2, byte offset 12, and not valid "
        + "GB18030 at line 2, byte offset 14")
  }

  @Test func symlinkToDevZeroIsRefused() throws {
    let folder = try diskFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let link = folder.appendingPathComponent("products.csv").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/zero")
    // Before: read without end until a 4.3 GB allocation aborted the process.
    let result = finishes(within: 5) { () -> String in
      do {
        _ = try Table(path: link)
        return "read"
      } catch let e as GDALError {
        return e.message
      } catch {
        return "\(error)"
      }
    }
    #expect(result == "\(link) is a character device (/dev/zero), not a regular file")
    #expect(throws: GDALError.self) { _ = try GDAL.readFile(link) }
    #expect(throws: GDALError.self) { _ = try RasterDataset(path: link) }
  }

  @Test func fifoIsRefusedWithoutBlocking() throws {
    let folder = try diskFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let fifo = folder.appendingPathComponent("products.csv").path
    #expect(mkfifo(fifo, 0o600) == 0)
    let start = Date()
    let result = finishes(within: 2) { () -> [String] in
      var out: [String] = []
      do { _ = try Table(path: fifo) } catch let e as GDALError { out.append(e.message) } catch {}
      do { _ = try RasterDataset(path: fifo) } catch let e as GDALError {
        out.append(e.message)
      } catch {}
      do { _ = try VectorDataset(path: fifo) } catch let e as GDALError {
        out.append(e.message)
      } catch {}
      return out
    }
    if result == nil {
      // Unblock the reader (open for writing, then close: it sees the end of the file).
      let fd = open(fifo, O_WRONLY | O_NONBLOCK)
      if fd >= 0 { close(fd) }
    }
    let message = "\(fifo) is a FIFO (named pipe), not a regular file"
    #expect(result == [message, message, message])
    #expect(Date().timeIntervalSince(start) < 1)
  }

  @Test func largeTableIsReadInFull() throws {
    // 200 000 rows (a million took more than 900 s through the whole pipeline before).
    var text = "unit_code,sector,output_value_yuan,allocate_to,source\n"
    for i in 0..<200_000 {
      text += "5206210\(String(i % 100_000).leftPadded(5)),forestry,\(i).5,forest,行 \(i + 2)\n"
    }
    let path = memPath("large.csv")
    try GDAL.writeFile(path, bytes: Array(text.utf8))
    defer { try? GDAL.unlink(path) }
    let t = try Table(path: path)
    #expect(t.rows.count == 200_000)
    let last = try #require(t.rows.last)
    #expect(last.line == 200_001)
    #expect(last.values == ["520621099999", "forestry", "199999.5", "forest", "行 200001"])
    #expect(t.rows[1234].values[2] == "1234.5" && t.rows[1234].line == 1236)
  }
}

extension String {
  /// The string padded with leading zeros to `width` characters.
  fileprivate func leftPadded(_ width: Int) -> String {
    String(repeating: "0", count: max(0, width - count)) + self
  }
}
