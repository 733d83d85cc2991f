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
