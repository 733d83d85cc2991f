import Foundation
import Testing

/// Runs the built `gep` executable (next to the test bundle in `.build/<config>/`) and returns
/// its exit code, stdout and stderr.
func runGEP(_ arguments: [String], cwd: URL? = nil) throws -> (
  status: Int32, stdout: String, stderr: String
) {
  let process = Process()
  process.executableURL = gepExecutable()
  process.arguments = arguments
  if let cwd { process.currentDirectoryURL = cwd }
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let o = out.fileHandleForReading.readDataToEndOfFile()
  let e = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (
    process.terminationStatus, String(decoding: o, as: UTF8.self),
    String(decoding: e, as: UTF8.self)
  )
}

/// The `gep` binary of the current build configuration.
func gepExecutable() -> URL {
  // The test bundle runs from .build/<triple>/<config>/; gep is built into the same folder.
  var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  for _ in 0..<4 {
    let candidate = dir.appendingPathComponent("gep")
    if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    dir = dir.deletingLastPathComponent()
  }
  return URL(fileURLWithPath: ".build/debug/gep")
}

/// The repository root (two levels above this file's folder).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent()

@Suite struct CLITests {
  @Test func helpNamesTheProductAndExitCodes() throws {
    let r = try runGEP(["--help"])
    #expect(r.status == 0)
    #expect(r.stdout.contains("Gross Ecosystem Product (GEP, 生态产品总值)"))
    #expect(r.stdout.contains("64 usage error"))
  }

  @Test func versionNamesEngineAndGDAL() throws {
    let r = try runGEP(["--version"])
    #expect(r.status == 0)
    #expect(r.stdout.hasPrefix("gep 0."))
    #expect(r.stdout.contains("GDAL 3."))
  }

  @Test func unknownOptionIsAUsageError() throws {
    let r = try runGEP(["--no-such-option"])
    #expect(r.status == 64)
    #expect(r.stderr.contains("--no-such-option"))
  }
}
