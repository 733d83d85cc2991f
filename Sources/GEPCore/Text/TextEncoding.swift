/// How the bytes of a text table are to be read, decided from the whole file.
///
/// - `utf8`: valid UTF-8 (`bomLength` = 3 when it starts with a byte-order mark, else 0).
/// - `gb18030`: not UTF-8, and the whole file is structurally valid GB18030 (GBK and GB2312
///   are subsets), the encoding of Chinese Excel/WPS exports; the caller converts it.
/// - `invalid`: neither; `message` names the line and byte offset of the first bad sequence.
public enum TextEncodingDecision: Sendable, Equatable {
  /// Valid UTF-8, with a byte-order mark of `bomLength` bytes (0 or 3).
  case utf8(bomLength: Int)
  /// Structurally valid GB18030 throughout.
  case gb18030
  /// Not readable as text; the message says why and where.
  case invalid(message: String)

  /// Decides how to read `bytes`.
  ///
  /// Rules, in order: a NUL byte anywhere is an error (line and byte offset); valid UTF-8 is
  /// UTF-8; a file that is mostly UTF-8 (it starts with a byte-order mark, or has at least as
  /// many valid multi-byte UTF-8 characters as invalid sequences) is an error naming the
  /// first invalid sequence, since reading it as GB18030 would turn every name into mojibake;
  /// a file that is structurally valid GB18030 from end to end is GB18030; anything else is
  /// an error naming the first bad sequence in both readings. Byte offsets are 0-based from
  /// the start of the file; lines are 1-based (CR, LF and CRLF end a line).
  public static func decide(_ bytes: [UInt8]) -> TextEncodingDecision {
    bytes.withUnsafeBufferPointer { decide($0) }
  }

  /// Decides how to read `bytes` (see `decide(_:)` for the rules).
  public static func decide(_ bytes: UnsafeBufferPointer<UInt8>) -> TextEncodingDecision {
    if let nul = bytes.firstIndex(of: 0) {
      return .invalid(
        message:
          "NUL byte (0x00) at line \(TextPosition.line(of: nul, in: bytes)), byte offset \(nul): "
          + "not a text table (a binary file, or UTF-16 text? save it as UTF-8 CSV)")
    }
    let bom = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    let scan = UTF8Scan(bytes)
    guard let firstInvalid = scan.firstInvalid else { return .utf8(bomLength: bom ? 3 : 0) }
    let utf8Where =
      "line \(TextPosition.line(of: firstInvalid, in: bytes)), byte offset \(firstInvalid)"
    if bom || (scan.validMultibyte > 0 && scan.invalid <= scan.validMultibyte) {
      let count = scan.invalid == 1 ? "" : " (\(scan.invalid) invalid sequences in all)"
      return .invalid(
        message: "not valid UTF-8 at \(utf8Where); the rest of the file is UTF-8\(count)")
    }
    guard let badGB = firstInvalidGB18030(bytes) else { return .gb18030 }
    return .invalid(
      message:
        "neither UTF-8 nor GB18030: not valid UTF-8 at \(utf8Where), and not valid GB18030 at "
        + "line \(TextPosition.line(of: badGB, in: bytes)), byte offset \(badGB)")
  }

  /// The offset of the first sequence that is not structurally valid GB18030, or nil.
  ///
  /// GB18030 sequences: one byte 0x00–0x7F; two bytes 0x81–0xFE then 0x40–0x7E or
  /// 0x80–0xFE; four bytes 0x81–0xFE, 0x30–0x39, 0x81–0xFE, 0x30–0x39.
  public static func firstInvalidGB18030(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
    let n = b.count
    var i = 0
    while i < n {
      let c = b[i]
      if c < 0x80 {
        i += 1
        continue
      }
      guard c >= 0x81, c <= 0xFE, i + 1 < n else { return i }
      let d = b[i + 1]
      if (0x40...0x7E).contains(d) || (0x80...0xFE).contains(d) {
        i += 2
      } else if (0x30...0x39).contains(d), i + 3 < n, (0x81...0xFE).contains(b[i + 2]),
        (0x30...0x39).contains(b[i + 3])
      {
        i += 4
      } else {
        return i
      }
    }
    return nil
  }
}

/// A scan of bytes as UTF-8: counts of valid multi-byte characters and invalid sequences
/// (maximal subparts, as Unicode's "U+FFFD substitution of maximal subparts" counts them), and
/// the offset of the first invalid one.
public struct UTF8Scan: Sendable, Equatable {
  /// Valid characters of two to four bytes.
  public var validMultibyte = 0
  /// Invalid sequences.
  public var invalid = 0
  /// Byte offset (0-based) of the first invalid sequence, or nil when the bytes are UTF-8.
  public var firstInvalid: Int? = nil

  /// Scans `b`.
  public init(_ b: UnsafeBufferPointer<UInt8>) {
    let n = b.count
    var i = 0
    while i < n {
      let c = b[i]
      if c < 0x80 {
        i += 1
        continue
      }
      // Expected length and the allowed range of the second byte (RFC 3629 table).
      let length: Int
      var low: UInt8 = 0x80
      var high: UInt8 = 0xBF
      switch c {
      case 0xC2...0xDF: length = 2
      case 0xE0:
        length = 3
        low = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED:
        length = 3
        high = 0x9F
      case 0xF0:
        length = 4
        low = 0x90
      case 0xF1...0xF3: length = 4
      case 0xF4:
        length = 4
        high = 0x8F
      default: length = 0
      }
      var good = length > 0 ? 1 : 0
      if length > 0 {
        while good < length, i + good < n {
          let t = b[i + good]
          let (lo, hi) = good == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
          guard t >= lo, t <= hi else { break }
          good += 1
        }
      }
      if length > 0, good == length {
        validMultibyte += 1
        i += length
      } else {
        invalid += 1
        if firstInvalid == nil { firstInvalid = i }
        i += max(good, 1)
      }
    }
  }
}

/// Line numbers of byte offsets.
public enum TextPosition {
  /// The 1-based line of byte `offset` in `bytes`: 1 + the line ends (CR, LF, CRLF counted
  /// once) before it.
  public static func line(of offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
    var line = 1
    var i = 0
    let end = min(offset, bytes.count)
    while i < end {
      let c = bytes[i]
      if c == 0x0A {
        line += 1
      } else if c == 0x0D {
        line += 1
        if i + 1 < end, bytes[i + 1] == 0x0A { i += 1 }
      }
      i += 1
    }
    return line
  }
}
