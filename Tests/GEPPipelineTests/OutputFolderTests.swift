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

  /// A folder as gep writes it: through `OutputFolder`, with its marker.
  func gepOutput(_ url: URL, files: [String: String]) throws {
    let out = try OutputFolder(path: url.path, overwrite: true)
    for (name, text) in files { try Data(text.utf8).write(to: out.file(name)) }
    try out.commit()
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
    try gepOutput(previous, files: ["manifest.json": "{}", "old.csv": "old"])
    #expect(fm.fileExists(atPath: previous.appendingPathComponent(OutputFolder.markerName).path))
    let out = try OutputFolder(path: previous.path, overwrite: true)
    try Data("new".utf8).write(to: out.file("summary.csv"))
    #expect(fm.fileExists(atPath: previous.appendingPathComponent("old.csv").path))
    try out.commit()
    #expect(!fm.fileExists(atPath: previous.appendingPathComponent("old.csv").path))
    #expect(fm.fileExists(atPath: previous.appendingPathComponent("summary.csv").path))
    // Nothing but the new account is left beside it: no lock, no staging, no old copy.
    #expect(try fm.contentsOfDirectory(atPath: root.path).sorted() == ["a-file", "out", "thesis"])
  }

  /// The review's case: `--out . --overwrite` in the folder holding the inputs plus a file
  /// named summary.csv deleted every input. File names never make a folder replaceable, and a
  /// folder holding an input of the run is never replaced, marker or not.
  @Test func overwriteNeverDeletesInputsOrUnlistedFiles() throws {
    let root = try tempFolder("inputs-inside")
    defer { try? FileManager.default.removeItem(at: root) }
    let fm = FileManager.default
    let here = root.appendingPathComponent("project")
    try fm.createDirectory(at: here, withIntermediateDirectories: true)
    for n in ["gep.toml", "landuse.tif", "summary.csv", "manifest.json"] {
      try Data("mine".utf8).write(to: here.appendingPathComponent(n))
    }
    #expect(
      codes { _ = try OutputFolder(path: here.path, overwrite: true) } == ["output.not-gep-output"])
    // Even a genuine gep output is kept when an input of the run lies inside it.
    let account = root.appendingPathComponent("account")
    try gepOutput(account, files: ["summary.csv": "s"])
    let input = account.appendingPathComponent("summary.csv").path
    #expect(
      codes { _ = try OutputFolder(path: account.path, overwrite: true, inputs: [input]) } == [
        "output.holds-input"
      ])
    // A file the user added to a gep output stops --overwrite and is named.
    try Data("notes".utf8).write(to: account.appendingPathComponent("my-notes.txt"))
    do {
      _ = try OutputFolder(path: account.path, overwrite: true)
      Issue.record("must refuse")
    } catch let e as InputProblems {
      #expect(e.problems.map(\.code) == ["output.not-gep-output"])
      #expect(e.description.contains("my-notes.txt"))
    }
    for n in ["gep.toml", "landuse.tif", "summary.csv", "manifest.json"] {
      #expect(fm.fileExists(atPath: here.appendingPathComponent(n).path))
    }
    #expect(fm.fileExists(atPath: account.appendingPathComponent("my-notes.txt").path))
    // A forged marker of another schema does not count.
    let forged = root.appendingPathComponent("forged")
    try fm.createDirectory(at: forged, withIntermediateDirectories: true)
    try Data(#"{"schema": "other", "run_id": "x", "files": ["a"]}"#.utf8).write(
      to: forged.appendingPathComponent(OutputFolder.markerName))
    try Data("a".utf8).write(to: forged.appendingPathComponent("a"))
    #expect(
      codes { _ = try OutputFolder(path: forged.path, overwrite: true) } == [
        "output.not-gep-output"
      ])
  }

  /// Two runs on one destination: the second fails at once, naming the first one's process.
  @Test func secondRunOnTheSameOutputIsRefused() throws {
    let root = try tempFolder("lock")
    defer { try? FileManager.default.removeItem(at: root) }
    let target = root.appendingPathComponent("out").path
    let first = try OutputFolder(path: target, overwrite: true)
    do {
      _ = try OutputFolder(path: target, overwrite: true)
      Issue.record("the second run must be refused")
    } catch let e as InputProblems {
      #expect(e.problems.map(\.code) == ["output.locked"])
      #expect(e.description.contains("process \(ProcessInfo.processInfo.processIdentifier)"))
    }
    try Data("a".utf8).write(to: first.file("summary.csv"))
    try first.commit()
    // Released at commit: the next run may go ahead.
    let next = try OutputFolder(path: target, overwrite: true)
    next.discard()
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["out"])
  }

  /// A run killed between the two renames of a swap left the previous account in
  /// `.out.old-<pid>` and no `out`; the next run must restore it, never delete it.
  @Test func accountMovedAsideByAKilledRunIsRestored() throws {
    let root = try tempFolder("swap")
    defer { try? FileManager.default.removeItem(at: root) }
    let fm = FileManager.default
    let target = root.appendingPathComponent("out")
    try gepOutput(target, files: ["summary.csv": "previous"])
    // PID 2147483646 cannot be running (Linux caps PIDs at 4 194 304).
    let aside = root.appendingPathComponent(".out.old-2147483646")
    try fm.moveItem(at: target, to: aside)
    let run = try OutputFolder(path: target.path, overwrite: true)
    #expect(
      try String(contentsOf: target.appendingPathComponent("summary.csv"), encoding: .utf8)
        == "previous")
    #expect(!fm.fileExists(atPath: aside.path))
    // A failed run keeps it.
    run.discard()
    #expect(fm.fileExists(atPath: target.appendingPathComponent("summary.csv").path))
  }

  /// A restored account is an existing output: without --overwrite the run stops (it swapped
  /// the new account in and deleted the restored one).
  @Test func restoredAccountIsNotReplacedWithoutOverwrite() throws {
    let root = try tempFolder("restore-no-overwrite")
    defer { try? FileManager.default.removeItem(at: root) }
    let fm = FileManager.default
    let target = root.appendingPathComponent("out")
    try gepOutput(target, files: ["summary.csv": "previous"])
    try fm.moveItem(at: target, to: root.appendingPathComponent(".out.old-2147483646"))
    #expect(
      codes { _ = try OutputFolder(path: target.path, overwrite: false) } == ["output.exists"])
    #expect(
      try String(contentsOf: target.appendingPathComponent("summary.csv"), encoding: .utf8)
        == "previous")
  }

  /// Two runs through a link and the real path share one lock; the swap keeps the user's link.
  @Test func symbolicLinkToTheOutputSharesItsLockAndIsKept() throws {
    let root = try tempFolder("link")
    defer { try? FileManager.default.removeItem(at: root) }
    let fm = FileManager.default
    let real = root.appendingPathComponent("v")
    try gepOutput(real, files: ["summary.csv": "a"])
    let link = root.appendingPathComponent("vlink")
    try fm.createSymbolicLink(at: link, withDestinationURL: real)
    let first = try OutputFolder(path: link.path, overwrite: true)
    #expect(codes { _ = try OutputFolder(path: real.path, overwrite: true) } == ["output.locked"])
    try Data("b".utf8).write(to: first.file("summary.csv"))
    try first.commit()
    #expect(try fm.destinationOfSymbolicLink(atPath: link.path) == real.path)
    #expect(
      try String(contentsOf: real.appendingPathComponent("summary.csv"), encoding: .utf8) == "b")
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
