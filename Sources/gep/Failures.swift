import ArgumentParser
import Foundation
import GEPCore
import GEPGeo
import GEPPipeline

/// Writes one line to stderr, prefixed "gep: ".
func printError(_ line: String) {
  FileHandle.standardError.write(Data("gep: \(line)\n".utf8))
}

/// Runs a command body and turns its failures into the documented exit codes: every input
/// problem printed on stderr, then exit 1 (`ExitCode.failure`); usage errors (`ValidationError`,
/// `ExitCode`) pass through to swift-argument-parser (exit 64 or their own code).
///
/// - Throws: `ExitCode.failure` after printing, or the usage error unchanged.
func reportingFailures(_ body: () throws -> Void) throws {
  do {
    try body()
  } catch let e as InputProblems {
    for p in e.problems { printError(p.description) }
    throw ExitCode.failure
  } catch let e as GDALError {
    printError("error \(e.description)")
    throw ExitCode.failure
  } catch let e as CoefficientError {
    printError("error \(e)")
    throw ExitCode.failure
  } catch let e as ExitCode {
    throw e
  } catch let e as ValidationError {
    throw e
  } catch {
    printError("error: \(error); nothing was written")
    throw ExitCode.failure
  }
}

/// A progress bar on a terminal's stderr, redrawn at most every 0.1 s ("[#####     ] 50 %
/// tiles 5/10"); thread-safe. Used only when stderr is a terminal (`isatty(2)`).
final class ProgressBar: @unchecked Sendable {
  private let lock = NSLock()
  private var last = Date.distantPast

  /// Draws the bar for `done` of `total`; the last call (done == total) always draws and ends
  /// the line.
  func update(_ done: Int, _ total: Int) {
    lock.lock()
    defer { lock.unlock() }
    let now = Date()
    guard done == total || now.timeIntervalSince(last) >= 0.1 else { return }
    last = now
    let width = 30
    let filled = total > 0 ? width * done / total : width
    let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
    let percent = total > 0 ? 100 * done / total : 100
    let end = done == total ? "\n" : ""
    FileHandle.standardError.write(
      Data("\rgep: [\(bar)] \(percent) % tiles \(done)/\(total)\(end)".utf8))
  }
}
