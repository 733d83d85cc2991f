import Dispatch
import Foundation
import Synchronization

/// A large text output (`indicators.csv`, `matrix.csv`, `summary.csv`, `units.geojson`) made
/// in ordered chunks of rows: the rows of many units are formatted on several threads, a batch
/// of chunks at a time, and each batch is written (or collected) in order before the next is
/// made, so the text is never joined into one string nor held whole in memory.
///
/// The text is the same for any thread count: chunks hold fixed runs of items and are emitted
/// in item order. At 100 000 villages the four outputs are about 390 MB; formatting them into
/// one `String` by `+=` took most of a run (issue 22).
struct OutputText {
  /// Makes the text, handing its bytes to `emit` in order.
  let produce: (_ emit: ([UInt8]) throws -> Void) throws -> Void

  /// The text made by `produce`.
  init(produce: @escaping (_ emit: ([UInt8]) throws -> Void) throws -> Void) {
    self.produce = produce
  }

  /// The header, then the rows of `items` in order, each run of up to `chunkSize` items
  /// formatted by `row` on one of `threads` workers (in item order within its chunk), then
  /// `footer`. Errors of `row` surface when the text is made (`write`, `string`).
  static func rows<T: Sendable, E: Error>(
    header: String, _ items: [T], footer: String = "", threads: Int, chunkSize: Int = 512,
    _ row: @escaping @Sendable (T, inout [UInt8]) throws(E) -> Void
  ) -> OutputText {
    rows(
      header: header, items, footer: footer, threads: threads, chunkSize: chunkSize,
      context: { () throws(E) in () },
      { (item: T, _: inout Void, out: inout [UInt8]) throws(E) in
        try row(item, &out)
      })
  }

  /// `rows` with a context made once per worker by `context` (e.g. a coordinate
  /// transformation, which one thread at a time may use, and whose creation costs milliseconds)
  /// and handed to `row`. The first error of `context` or `row`, in item order, surfaces when
  /// the text is made.
  static func rows<T: Sendable, C, E: Error>(
    header: String, _ items: [T], footer: String = "", threads: Int, chunkSize: Int = 512,
    context: @escaping @Sendable () throws(E) -> C,
    _ row: @escaping @Sendable (T, inout C, inout [UInt8]) throws(E) -> Void
  ) -> OutputText {
    OutputText { emit in
      try emit(Array(header.utf8))
      let workers = max(1, threads)
      let count = (items.count + chunkSize - 1) / chunkSize
      // Each worker's context, made when it first formats a chunk; worker w only touches
      // slot w.
      let contexts = UncheckedBox(WorkerSlots<Result<C, E>>(count: workers))
      let batch = 4 * workers
      for first in stride(from: 0, to: count, by: batch) {
        let last = min(count, first + batch)
        let parts = Mutex([Result<[UInt8], E>?](repeating: nil, count: last - first))
        let next = Mutex(first)
        DispatchQueue.concurrentPerform(iterations: min(workers, last - first)) { w in
          while true {
            let c = next.withLock { n -> Int in
              defer { n += 1 }
              return n
            }
            guard c < last else { return }
            let slots = contexts.value
            if slots[w] == nil { slots[w] = Result { () throws(E) -> C in try context() } }
            let result = Result { () throws(E) -> [UInt8] in
              var mine = try slots[w]!.get()
              defer { slots[w] = .success(mine) }
              var bytes: [UInt8] = []
              for i in c * chunkSize..<min(items.count, (c + 1) * chunkSize) {
                try row(items[i], &mine, &bytes)
              }
              return bytes
            }
            parts.withLock { $0[c - first] = result }
          }
        }
        for part in parts.withLock({ $0 }) { try emit(try part!.get()) }
      }
      if !footer.isEmpty { try emit(Array(footer.utf8)) }
    }
  }

  /// The whole text (tests and small outputs).
  ///
  /// - Throws: the error met while making the text.
  func string() throws -> String {
    var bytes: [UInt8] = []
    try produce { bytes.append(contentsOf: $0) }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Makes the text into `url` (created or truncated), batch by batch.
  ///
  /// - Throws: Foundation errors when the file cannot be created or written; the error met
  ///   while making the text.
  func write(to url: URL) throws {
    guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
    }
    let h = try FileHandle(forWritingTo: url)
    defer { try? h.close() }
    try produce { bytes in if !bytes.isEmpty { try h.write(contentsOf: bytes) } }
  }
}

/// One mutable slot per worker of a `concurrentPerform` (worker w only touches slot w).
final class WorkerSlots<T> {
  private var slots: [T?]
  init(count: Int) { slots = [T?](repeating: nil, count: count) }
  subscript(w: Int) -> T? {
    get { slots[w] }
    set { slots[w] = newValue }
  }
}

extension Array where Element == UInt8 {
  /// Appends one CSV line of `fields` with the rules of `csvField` (quoted where needed,
  /// formula-like text neutralised), without making a string per field when none is needed.
  mutating func appendCSVLine(_ fields: [String]) {
    for (i, f) in fields.enumerated() {
      if i > 0 { append(UInt8(ascii: ",")) }
      appendCSVField(f)
    }
    append(UInt8(ascii: "\n"))
  }

  /// Appends one CSV field (`csvField`'s rules): the bytes as they are unless the field needs
  /// quoting or neutralising.
  mutating func appendCSVField(_ s: String) {
    var plain = true
    var first = true
    for b in s.utf8 {
      if first {
        first = false
        switch b {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"),
          UInt8(ascii: "\t"), UInt8(ascii: "\r"):
          plain = false
        default: break
        }
      }
      switch b {
      case UInt8(ascii: ","), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\""):
        plain = false
      default: break
      }
      if !plain { break }
    }
    if plain {
      append(contentsOf: s.utf8)
    } else {
      append(contentsOf: csvField(s).utf8)
    }
  }

  /// Appends the UTF-8 of `s`.
  mutating func append(text s: String) { append(contentsOf: s.utf8) }
}
