/// The one parser of numbers written in table and coefficient cells: plain decimal notation.
///
/// Accepted: an optional sign, decimal digits with an optional fraction (at least one digit in
/// all), and an optional exponent: `12`, `-3.5`, `+0.25`, `.5`, `5.`, `1e6`, `2.5E-3`. Rejected:
/// everything Swift's `Double(String)` or `strtod` would also read, such as hexadecimal (`0x10`),
/// `inf`, `nan`, `infinity`, and everything that is not a number in any reading: thousands
/// separators (`1,000`), spaces inside the text, full-width digits (`１２`), units (`12 mm`).
/// A value that overflows `Double` (`1e400`) is rejected too. Callers trim the cell first.
public enum PlainDecimal {
  /// Parses a plain decimal number.
  ///
  /// - Parameter text: the cell text, already trimmed (surrounding spaces are rejected).
  /// - Returns: the value (finite, correctly rounded), or nil when `text` is not a plain
  ///   decimal number.
  public static func parse(_ text: some StringProtocol) -> Double? {
    guard isPlainDecimal(text) else { return nil }
    guard let v = Double(String(text)), v.isFinite else { return nil }
    return v
  }

  /// True when `text` has the shape `[+-]digits[.digits][(e|E)[+-]digits]` with at least one
  /// digit before the exponent (ASCII only).
  public static func isPlainDecimal(_ text: some StringProtocol) -> Bool {
    var it = text.utf8.makeIterator()
    var b = it.next()
    if b == UInt8(ascii: "+") || b == UInt8(ascii: "-") { b = it.next() }
    var digits = 0
    while let c = b, c >= 0x30 && c <= 0x39 {
      digits += 1
      b = it.next()
    }
    if b == UInt8(ascii: ".") {
      b = it.next()
      while let c = b, c >= 0x30 && c <= 0x39 {
        digits += 1
        b = it.next()
      }
    }
    guard digits > 0 else { return false }
    if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
      b = it.next()
      if b == UInt8(ascii: "+") || b == UInt8(ascii: "-") { b = it.next() }
      var exponentDigits = 0
      while let c = b, c >= 0x30 && c <= 0x39 {
        exponentDigits += 1
        b = it.next()
      }
      guard exponentDigits > 0 else { return false }
    }
    return b == nil
  }

  /// Why `text` is not a plain decimal number, as a short hint for messages, or nil when there
  /// is nothing more specific to say than "not a plain decimal number".
  ///
  /// Recognised: thousands separators (`1,000`, `12,000.5`), hexadecimal (`0x10`),
  /// infinities and NaN, full-width digits, a decimal comma (`3,5`), spaces inside the text,
  /// and numbers too large for a double.
  public static func hint(for text: String) -> String? {
    let s = text.hasPrefix("-") || text.hasPrefix("+") ? String(text.dropFirst()) : text
    let intPart = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0]
    let groups = intPart.split(separator: ",", omittingEmptySubsequences: false)
    if groups.count > 1, (1...3).contains(groups[0].count),
      groups.dropFirst().allSatisfy({ $0.count == 3 }),
      s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "," || $0 == ".") })
    {
      let plain = text.replacingAll(",", with: "")
      return "thousands separators are not allowed: write \(plain)"
    }
    if groups.count == 2, !groups[0].isEmpty, !groups[1].isEmpty,
      s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ",") })
    {
      return "the decimal separator is a point: write \(text.replacingAll(",", with: "."))"
    }
    let lower = s.lowercased()
    if lower.hasPrefix("0x") { return "hexadecimal numbers are not accepted" }
    if ["inf", "infinity", "nan"].contains(lower) || lower.hasPrefix("nan(") {
      return "infinity and NaN are not accepted: leave the cell empty if the value is unknown"
    }
    if text.unicodeScalars.contains(where: { (0xFF10...0xFF19).contains($0.value) }) {
      return "full-width digits are not accepted: use ASCII digits 0-9"
    }
    if text.contains(" ") || text.contains("\u{3000}") {
      return "spaces are not allowed inside a number"
    }
    if isPlainDecimal(text) { return "the number is too large for a double" }
    return nil
  }

  /// The message part used wherever a cell must hold a number: `not a plain decimal number:
  /// "TEXT"`, followed by the `hint(for:)` in parentheses when there is one.
  public static func notPlainDecimalMessage(_ text: String) -> String {
    "not a plain decimal number: \"\(text)\"" + (hint(for: text).map { " (\($0))" } ?? "")
  }
}

extension String {
  /// The string with every occurrence of `target` replaced (no Foundation).
  fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
    var out = ""
    out.reserveCapacity(utf8.count)
    for c in self {
      if c == target { out += replacement } else { out.append(c) }
    }
    return out
  }
}
