import Foundation
import GEPCore
import Testing

@Suite struct PlainDecimalTests {
  @Test func plainDecimalsAreRead() {
    let cases: [(String, Double)] = [
      ("12", 12), ("-3.5", -3.5), ("+0.25", 0.25), (".5", 0.5), ("5.", 5), ("1e6", 1e6),
      ("2.5E-3", 0.0025), ("-0", 0), ("0012", 12),
      ("1.7976931348623157e308", .greatestFiniteMagnitude),
    ]
    for (text, value) in cases { #expect(PlainDecimal.parse(text) == value, "\(text)") }
  }

  @Test func everythingElseIsRejected() {
    let rejected = [
      "0x10", "0X1p4", "inf", "-inf", "Infinity", "nan", "NaN", "1,000", "12,000.5", "3,5",
      " 12", "12 ", "1 000", "１２", "12mm", "", "+", "-", ".", "e5", "1e", "1e+", "1.2.3",
      "--1", "1e400", "٣",
    ]
    for text in rejected { #expect(PlainDecimal.parse(text) == nil, "\(text)") }
  }

  @Test func hintsNameTheUsualMistakes() {
    #expect(
      PlainDecimal.notPlainDecimalMessage("1,000")
        == "not a plain decimal number: \"1,000\" (thousands separators are not allowed: write 1000)"
    )
    #expect(PlainDecimal.hint(for: "3,5") == "the decimal separator is a point: write 3.5")
    #expect(PlainDecimal.hint(for: "0x10") == "hexadecimal numbers are not accepted")
    #expect(PlainDecimal.hint(for: "inf")?.hasPrefix("infinity and NaN are not accepted") == true)
    #expect(
      PlainDecimal.hint(for: "１２") == "full-width digits are not accepted: use ASCII digits 0-9")
    #expect(PlainDecimal.hint(for: "abc") == nil)
  }
}

@Suite struct StrictCSVTests {
  @Test func recordsKeepFileLines() throws {
    let r = try StrictCSV.records("a,b\r\n\"x\r\ny\",\"q\"\"\"\r1,2\n\n")
    #expect(
      r == [
        CSVRecord(line: 1, fields: ["a", "b"]), CSVRecord(line: 2, fields: ["x\r\ny", "q\""]),
        CSVRecord(line: 4, fields: ["1", "2"]),
      ])
  }

  @Test func errorsNameLineAndField() {
    func error(_ text: String) -> CSVSyntaxError? {
      do {
        _ = try StrictCSV.records(text)
        return nil
      } catch { return error }
    }
    let open = error("a,b\n1,\"x\n2,3\n")
    #expect(open?.kind == .unclosedQuote && open?.line == 2 && open?.field == 2)
    #expect(open?.fieldName == "b")
    let mid = error("a,b\n1,x\"y\n")
    #expect(mid?.kind == .quoteInUnquotedField && mid?.line == 2 && mid?.fieldName == "b")
    let after = error("a,b\n\"1\nz\"x,2\n")
    #expect(after?.kind == .textAfterClosingQuote && after?.line == 3 && after?.field == 1)
    #expect(after?.message.contains("(the field was opened at line 2)") == true)
    let nul = error("a,b\n1,\u{0}\n")
    #expect(nul?.kind == .nulByte && nul?.line == 2 && nul?.field == 2)
  }

  @Test func fieldCountIsCheckedAgainstTheHeader() {
    let header = ["a", "b", "c"]
    #expect(
      StrictCSV.fieldCountError(CSVRecord(line: 2, fields: ["1", "2", "3"]), header: header) == nil)
    #expect(StrictCSV.fieldCountError(CSVRecord(line: 3, fields: [""]), header: header) == nil)
    let short = StrictCSV.fieldCountError(CSVRecord(line: 4, fields: ["1"]), header: header)
    #expect(short?.field == 2 && short?.fieldName == "b" && short?.line == 4)
    let long = StrictCSV.fieldCountError(
      CSVRecord(line: 5, fields: ["1", "2", "3", "4"]), header: header)
    #expect(long?.field == 4 && long?.fieldName == nil)
  }

  @Test func separatorIsDetectedLikeOGR() {
    #expect(StrictCSV.detectSeparator("a,b\n") == UInt8(ascii: ","))
    #expect(StrictCSV.detectSeparator("a;b\n") == UInt8(ascii: ";"))
    #expect(StrictCSV.detectSeparator("\"x,y\"\tb\n") == 0x09)
    #expect(StrictCSV.detectSeparator("a;b,c\n") == UInt8(ascii: ","))
    #expect(StrictCSV.detectSeparator("a b\n") == 0x20)
    #expect(StrictCSV.detectSeparator("name\n1,2") == UInt8(ascii: ","))
  }

  @Test func coefficientTableReportsSyntaxErrors() {
    // A stray quote in a coefficient table made CSV.swift read the rest of the file as one
    // field.
    let text = "class_code,value,source\n101,0.5,\"survey\n102,0.6,manual\n103,0.7,x\n"
    let (table, problems) = CoefficientTable.parse(text, file: "runoff.csv")
    #expect(table.rows.isEmpty)
    let p = problems.first
    #expect(p?.code == .csvSyntax && p?.severity == .error)
    #expect(p?.location == CoefficientLocation(file: "runoff.csv", row: 2, column: "source"))
    #expect(p?.message.hasPrefix("a quote opens this field and is never closed") == true)
    let long = CoefficientTable.parse("a,b\n1,2,3\n", file: "x.csv").1
    #expect(long.map(\.code) == [.rowFieldCount])
    #expect(long.first?.location.row == 2)
  }
}

@Suite struct TextEncodingTests {
  @Test func encodingIsDecidedFromTheWholeFile() {
    #expect(TextEncodingDecision.decide(Array("a,b\n江口县,1\n".utf8)) == .utf8(bomLength: 0))
    #expect(TextEncodingDecision.decide([0xEF, 0xBB, 0xBF, 0x61]) == .utf8(bomLength: 3))
    // GBK 江口县 then 双江镇: structurally GB18030, not UTF-8.
    let gbk: [UInt8] = [
      0x61, 0x0A, 0xBD, 0xAD, 0xBF, 0xDA, 0xCF, 0xD8, 0x0A, 0xCB, 0xAB, 0xBD, 0xAD,
    ]
    #expect(TextEncodingDecision.decide(gbk) == .gb18030)
    // UTF-8 with one stray 0xE9 on line 3 at offset 24.
    let mostly = Array("code,name\n1,江口县\n2,".utf8) + [0xE9] + Array("双江镇\n".utf8)
    #expect(
      TextEncodingDecision.decide(mostly)
        == .invalid(
          message: "not valid UTF-8 at line 3, byte offset 24; the rest of the file is UTF-8"))
    #expect(
      TextEncodingDecision.decide(Array("a\r\nb\u{0}".utf8))
        == .invalid(
          message:
            "NUL byte (0x00) at line 2, byte offset 4: not a text table (a binary file, or UTF-16 "
            + "text? save it as UTF-8 CSV)"))
  }

  @Test func utf8ScanCountsMaximalSubparts() {
    // E0 80 is invalid after E0 (second byte must be A0–BF): one invalid byte, then 80 alone.
    let bytes: [UInt8] = [0xE6, 0xB1, 0x9F, 0xE0, 0x80, 0xF0, 0x9F, 0x98, 0x80, 0xC3]
    let scan = bytes.withUnsafeBufferPointer { UTF8Scan($0) }
    #expect(scan.validMultibyte == 2 && scan.invalid == 3 && scan.firstInvalid == 3)
  }
}
