import Foundation
import Synchronization

/// Staging folders being written and destinations moved aside during a commit, so an
/// interrupt handler can remove what a killed run would otherwise leave behind.
private let inProgress = Mutex<(staging: Set<URL>, movedAside: [URL: URL])>(([], [:]))

/// Writes an output folder atomically: everything goes to a hidden temporary sibling folder,
/// which is moved into place only when complete, so the output is complete or absent.
public final class OutputFolder {
  /// The final folder.
  public let destination: URL
  /// The temporary folder being written.
  public let staging: URL
  private var committed = false

  /// Files that mark a folder as an output of gep (an account or a VEP report), the only
  /// existing folders `--overwrite` may replace.
  public static let outputMarkers = ["manifest.json", "vep.csv", "summary.csv"]

  /// Prepares a staging folder next to `destination`, after removing stale staging folders
  /// of the same destination left by processes that no longer run (e.g. killed with SIGKILL).
  ///
  /// - Parameters:
  ///   - path: the output folder.
  ///   - overwrite: replace an existing folder (only after the new one is complete). Only an
  ///     empty folder or a previous gep output (holding one of `outputMarkers`) is replaced;
  ///     a file, a device or a folder with other content never is.
  /// - Throws: `InputProblems` naming the path: "output.exists" (exists and `overwrite` is
  ///   false), "output.not-gep-output" (not a folder, or not a gep output), "output.unwritable"
  ///   (the parent cannot be created or written, with the system's reason).
  public init(path: String, overwrite: Bool) throws {
    let destination = URL(fileURLWithPath: path).standardizedFileURL
    self.destination = destination
    let fm = FileManager.default
    func problem(_ code: String, _ message: String) -> InputProblems {
      InputProblems(problems: [
        Problem(.error, code, message, at: ProblemLocation(file: destination.path))
      ])
    }
    var isDirectory: ObjCBool = false
    if fm.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
      if !overwrite {
        throw problem("output.exists", "the output folder exists; pass --overwrite to replace it")
      }
      guard isDirectory.boolValue else {
        throw problem(
          "output.not-gep-output",
          "the output path exists and is not a folder; --overwrite only replaces a folder "
            + "gep wrote")
      }
      let content = (try? fm.contentsOfDirectory(atPath: destination.path)) ?? []
      if !content.isEmpty && !OutputFolder.outputMarkers.contains(where: content.contains) {
        throw problem(
          "output.not-gep-output",
          "the output folder holds files gep did not write (no "
            + OutputFolder.outputMarkers.joined(separator: ", ")
            + "); --overwrite refuses to replace it: choose another --out")
      }
    }
    let parent = destination.deletingLastPathComponent()
    do {
      try fm.createDirectory(at: parent, withIntermediateDirectories: true)
    } catch {
      throw problem(
        "output.unwritable",
        "cannot create the output's parent folder: \(reason(error, path: parent.path))")
    }
    OutputFolder.removeStaleStaging(of: destination)
    let staging = parent.appendingPathComponent(
      ".\(destination.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
    self.staging = staging
    if fm.fileExists(atPath: staging.path) { try? fm.removeItem(at: staging) }
    inProgress.withLock { _ = $0.staging.insert(staging) }
    do {
      try fm.createDirectory(at: staging, withIntermediateDirectories: true)
    } catch {
      throw problem(
        "output.unwritable",
        "cannot write next to the output folder: \(reason(error, path: staging.path))")
    }
  }

  /// Removes `.<name>.partial-<pid>` and `.<name>.old-<pid>` siblings of `destination` whose
  /// process is gone (no `/proc/<pid>`), the leftovers of a run killed without cleanup.
  static func removeStaleStaging(of destination: URL) {
    let fm = FileManager.default
    let parent = destination.deletingLastPathComponent()
    let name = destination.lastPathComponent
    guard let entries = try? fm.contentsOfDirectory(atPath: parent.path) else { return }
    for e in entries {
      for tag in [".\(name).partial-", ".\(name).old-"] where e.hasPrefix(tag) {
        guard let pid = Int32(e.dropFirst(tag.count)),
          pid != ProcessInfo.processInfo.processIdentifier,
          !fm.fileExists(atPath: "/proc/\(pid)")
        else { continue }
        try? fm.removeItem(at: parent.appendingPathComponent(e))
      }
    }
  }

  /// Removes every staging folder of this process that is not committed yet, and puts back
  /// any previous output a commit had moved aside: what an interrupt handler (SIGINT, SIGTERM)
  /// calls before exiting, so no partial output folder and no stray temporary file remain.
  /// Safe to call from any thread; a removal is retried while workers may still be writing.
  ///
  /// - Parameter parent: only the unfinished outputs inside this folder (e.g. one test's
  ///   temporary folder, so concurrent runs elsewhere in the process are untouched); nil: all.
  public static func discardAllInProgress(under parent: URL? = nil) {
    func inside(_ url: URL) -> Bool {
      guard let parent else { return true }
      return url.standardizedFileURL.path.hasPrefix(parent.standardizedFileURL.path + "/")
    }
    let (folders, aside) = inProgress.withLock { state in
      let r = (state.staging.filter(inside), state.movedAside.filter { inside($0.key) })
      state.staging = state.staging.filter { !inside($0) }
      for k in r.1.keys { state.movedAside[k] = nil }
      return r
    }
    let fm = FileManager.default
    for url in folders {
      for _ in 0..<20 {
        try? fm.removeItem(at: url)
        if !fm.fileExists(atPath: url.path) { break }
        usleep(20_000)
      }
    }
    for (old, destination) in aside {
      if fm.fileExists(atPath: destination.path) {
        try? fm.removeItem(at: old)
      } else {
        try? fm.moveItem(at: old, to: destination)
      }
    }
  }

  /// A file inside the staging folder.
  public func file(_ name: String) -> URL { staging.appendingPathComponent(name) }

  /// Moves the staging folder into place (replacing an existing destination).
  ///
  /// - Throws: `InputProblems` ("output.unwritable", naming the path and the system's reason)
  ///   when a move fails; the previous output is restored if the final move fails.
  public func commit() throws {
    do {
      try move()
    } catch {
      throw InputProblems(problems: [
        Problem(
          .error, "output.unwritable",
          "cannot move the finished output into place: "
            + reason(error, path: destination.path),
          at: ProblemLocation(file: destination.path))
      ])
    }
  }

  private func move() throws {
    let fm = FileManager.default
    if fm.fileExists(atPath: destination.path) {
      let old = destination.deletingLastPathComponent().appendingPathComponent(
        ".\(destination.lastPathComponent).old-\(ProcessInfo.processInfo.processIdentifier)")
      try fm.moveItem(at: destination, to: old)
      let destination = self.destination
      inProgress.withLock { $0.movedAside[old] = destination }
      do {
        try fm.moveItem(at: staging, to: destination)
      } catch {
        try? fm.moveItem(at: old, to: destination)
        inProgress.withLock { _ = $0.movedAside.removeValue(forKey: old) }
        throw error
      }
      let staging = self.staging
      inProgress.withLock {
        _ = $0.movedAside.removeValue(forKey: old)
        _ = $0.staging.remove(staging)
      }
      try? fm.removeItem(at: old)
    } else {
      try fm.moveItem(at: staging, to: destination)
      let staging = self.staging
      inProgress.withLock { _ = $0.staging.remove(staging) }
    }
    committed = true
  }

  /// Removes the staging folder (after a failure).
  public func discard() {
    if !committed {
      try? FileManager.default.removeItem(at: staging)
      let staging = self.staging
      inProgress.withLock { _ = $0.staging.remove(staging) }
    }
  }

  deinit { discard() }
}

/// Why `path` cannot be written: the deepest existing ancestor is a file, or not writable
/// (`access(W_OK)` and its `strerror`), else the POSIX reason of the Foundation error.
func reason(_ error: any Error, path: String) -> String {
  var ancestor = URL(fileURLWithPath: path).deletingLastPathComponent()
  let fm = FileManager.default
  var isDirectory: ObjCBool = false
  while !fm.fileExists(atPath: ancestor.path, isDirectory: &isDirectory), ancestor.path != "/" {
    ancestor.deleteLastPathComponent()
  }
  if !isDirectory.boolValue { return "\(ancestor.path) is a file, not a folder" }
  if access(ancestor.path, W_OK) != 0 {
    return "\(ancestor.path) is not writable (\(String(cString: strerror(errno))))"
  }
  let ns = error as NSError
  if let under = ns.userInfo[NSUnderlyingErrorKey] as? NSError, under.domain == NSPOSIXErrorDomain {
    return String(cString: strerror(Int32(under.code)))
  }
  return ns.localizedDescription
}
