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

  /// Prepares a staging folder next to `destination`.
  ///
  /// - Parameters:
  ///   - path: the output folder.
  ///   - overwrite: replace an existing folder (only after the new one is complete).
  /// - Throws: `InputProblems` ("output.exists") when the folder exists and `overwrite` is
  ///   false; Foundation errors when the parent cannot be created or written.
  public init(path: String, overwrite: Bool) throws {
    destination = URL(fileURLWithPath: path).standardizedFileURL
    let fm = FileManager.default
    if fm.fileExists(atPath: destination.path) && !overwrite {
      throw InputProblems(problems: [
        Problem(
          .error, "output.exists",
          "the output folder exists; pass --overwrite to replace it",
          at: ProblemLocation(file: destination.path))
      ])
    }
    let parent = destination.deletingLastPathComponent()
    try fm.createDirectory(at: parent, withIntermediateDirectories: true)
    staging = parent.appendingPathComponent(
      ".\(destination.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
    if fm.fileExists(atPath: staging.path) { try fm.removeItem(at: staging) }
    let staging = self.staging
    inProgress.withLock { _ = $0.staging.insert(staging) }
    try fm.createDirectory(at: staging, withIntermediateDirectories: true)
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
  /// - Throws: Foundation errors from the moves; the previous output is restored if the final
  ///   move fails.
  public func commit() throws {
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
