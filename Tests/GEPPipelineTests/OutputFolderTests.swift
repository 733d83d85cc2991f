import Foundation
import GEPPipeline
import Testing

@Suite struct OutputFolderTests {
  func codes(_ body: () throws -> Void) -> [String] {
    do {
      try body()
      return []
    } catch let e as InputProblems {
      return e.problems.map(\.code)
    } catch {
      return ["unexpected: \(error)"]
    }
  }

  /// `--overwrite` replaces only a folder gep wrote (or an empty one); a file or a folder with
  /// other content is refused — a user once pointed --out at a folder holding a thesis.
  @Test func overwriteReplacesOnlyGepOutputs() throws {
    let root = try tempFolder("overwrite")
    defer { try? FileManager.default.removeItem(at: root) }
    let fm = FileManager.default
    let file = root.appendingPathComponent("a-file")
    try Data("keep".utf8).write(to: file)
    #expect(
      codes { _ = try OutputFolder(path: file.path, overwrite: true) } == ["output.not-gep-output"])
    #expect(fm.fileExists(atPath: file.path))
    let foreign = root.appendingPathComponent("thesis")
    try fm.createDirectory(at: foreign, withIntermediateDirectories: true)
    try Data("x".utf8).write(to: foreign.appendingPathComponent("thesis.docx"))
    #expect(
      codes { _ = try OutputFolder(path: foreign.path, overwrite: true) } == [
        "output.not-gep-output"
      ])
    #expect(
      codes { _ = try OutputFolder(path: foreign.path, overwrite: false) } == ["output.exists"])
    // A previous account is replaced, only at commit.
    let previous = root.appendingPathComponent("out")
    try fm.createDirectory(at: previous, withIntermediateDirectories: true)
    try Data("{}".utf8).write(to: previous.appendingPathComponent("manifest.json"))
    let out = try OutputFolder(path: previous.path, overwrite: true)
    try Data("new".utf8).write(to: out.file("summary.csv"))
    #expect(fm.fileExists(atPath: previous.appendingPathComponent("manifest.json").path))
    try out.commit()
    #expect(!fm.fileExists(atPath: previous.appendingPathComponent("manifest.json").path))
    #expect(fm.fileExists(atPath: previous.appendingPathComponent("summary.csv").path))
  }

  @Test func staleStagingOfDeadProcessesIsRemoved() throws {
    let root = try tempFolder("stale")
    defer { try? FileManager.default.removeItem(at: root) }
    let fm = FileManager.default
    // PID 2147483646 cannot be running (Linux caps PIDs at 4 194 304).
    let stale = root.appendingPathComponent(".out.partial-2147483646")
    try fm.createDirectory(at: stale, withIntermediateDirectories: true)
    let unrelated = root.appendingPathComponent(".other.partial-2147483646")
    try fm.createDirectory(at: unrelated, withIntermediateDirectories: true)
    let out = try OutputFolder(path: root.appendingPathComponent("out").path, overwrite: false)
    #expect(!fm.fileExists(atPath: stale.path))
    #expect(fm.fileExists(atPath: unrelated.path))
    out.discard()
  }

  @Test func unwritableOutputNamesThePath() throws {
    let root = try tempFolder("unwritable")
    defer { try? FileManager.default.removeItem(at: root) }
    let file = root.appendingPathComponent("plain-file")
    try Data("x".utf8).write(to: file)
    let target = file.appendingPathComponent("sub/out").path
    do {
      _ = try OutputFolder(path: target, overwrite: false)
      Issue.record("must fail")
    } catch let e as InputProblems {
      #expect(e.problems.first?.code == "output.unwritable")
      #expect(e.problems.first?.location.file == target)
      #expect(e.description.contains("\(file.path) is a file, not a folder"))
    }
  }
}
