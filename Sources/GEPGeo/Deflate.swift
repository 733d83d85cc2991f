internal import CGDAL

/// Raw DEFLATE (RFC 1951) of bytes through GDAL's `CPLZLibDeflate` (zlib or libdeflate,
/// whichever GDAL was built with), as ZIP entries of method 8 hold it: the zlib stream's 2-byte
/// header and 4-byte Adler-32 trailer (RFC 1950) removed. Deterministic for one GDAL build.
///
/// - Parameters:
///   - data: the bytes to compress.
///   - level: compression level 1–9.
/// - Returns: the compressed bytes, or nil when GDAL fails (the caller stores the data).
public func deflateRaw(_ data: [UInt8], level: Int32 = 6) -> [UInt8]? {
  let capacity = data.count + data.count / 100 + 1024
  var out = [UInt8](repeating: 0, count: capacity)
  var written = 0
  let ok = data.withUnsafeBytes { src in
    out.withUnsafeMutableBytes { dst in
      CPLZLibDeflate(src.baseAddress, data.count, level, dst.baseAddress, capacity, &written)
        != nil
    }
  }
  guard ok, written > 6 else { return nil }
  return Array(out[2..<(written - 4)])
}
