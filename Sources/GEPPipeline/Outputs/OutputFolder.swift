import Foundation
import GEPCore
import GEPGeo
import Synchronization

/// Staging folders being written, destinations moved aside during a commit and lock files
/// held, so an interrupt handler can remove what a killed run would otherwise leave behind.
private let inProgress = Mutex<(staging: Set<URL>, movedAside: [URL: URL], locks: [URL: Int32])>(
  ([], [:], [:]))

/// Writes an output folder atomically and safely: everything goes to a hidden temporary
/// sibling folder, which replaces the destination only when complete, so the output is
/// complete or absent; the previous account is kept until the new one is in place.
///
/// Safety rules (issue 10, "nothing a user owns is ever deleted"):
/// - every folder gep writes holds a marker, `.gep-output.json` (schema `gep-output/1`, a run
///   id, and the list of every file and folder gep wrote there); `--overwrite` replaces an
///   existing folder only when it is empty, or when its marker is valid and the folder holds
///   nothing the marker does not list, and none of the run's inputs lies inside it. File names
///   (`summary.csv`, …) never make a folder replaceable;
/// - a run holds an exclusive lock (`flock`) on `.<name>.lock` beside the destination from
///   start to commit; a second run on the same destination fails at once naming the first
///   run's process id;
/// - the swap is one atomic `renameat2(RENAME_EXCHANGE)` where the file system supports it
///   (else two renames); a run killed in between leaves the previous account in
///   `.<name>.old-<pid>`, which the next run restores when the destination is missing — the
///   only copy of an account is never deleted.
public final class OutputFolder {
  /// The final folder.
  public let destination: URL
  /// The temporary folder being written.
  public let staging: URL
  /// This run's id (a UUID), written into the marker.
  public let runID: String
  private var committed = false
  private var lockFD: Int32
  private let lockURL: URL

  /// The name of the marker file gep writes into every output folder.
  public static let markerName = ".gep-output.json"
  /// The marker's schema id.
  public static let markerSchema = "gep-output/1"

  /// Prepares a staging folder next to `destination` after taking the destination's lock,
  /// restoring a previous account a killed run left moved aside, and removing stale staging
  /// folders of the same destination left by processes that no longer run.
  ///
  /// - Parameters:
  ///   - path: the output folder.
  ///   - overwrite: replace an existing folder (only after the new one is complete), under the
  ///     rules in the type's description.
  ///   - inputs: every input file of the run (absolute paths); an existing destination that
  ///     contains one of them is never replaced.
  /// - Throws: `InputProblems` naming the path: "output.exists" (exists and `overwrite` is
  ///   false), "output.not-gep-output" (not a folder, no valid marker, or content the marker
  ///   does not list, naming up to five such entries), "output.holds-input" (an input of the
  ///   run lies inside it), "output.locked" (another run holds the lock, with its process id),
  ///   "output.unwritable" (the parent cannot be created or written, with the system's reason).
  public init(path: String, overwrite: Bool, inputs: [String] = []) throws {
    // A symbolic link to a folder stands for that folder: the lock, the checks and the swap
    // act on the real folder (two runs through different links share one lock, and the
    // user's link is kept). The parent may itself be reached through links.
    var url = URL(fileURLWithPath: path).standardizedFileURL
    if (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil {
      url = URL(fileURLWithPath: canonicalPath(url.path))
    } else if FileManager.default.fileExists(atPath: url.deletingLastPathComponent().path) {
      url = URL(fileURLWithPath: canonicalPath(url.deletingLastPathComponent().path))
        .appendingPathComponent(url.lastPathComponent)
    }
    let destination = url
    self.destination = destination
    self.runID = UUID().uuidString.lowercased()
    let fm = FileManager.default
    func problem(_ code: String, _ message: String) -> InputProblems {
      InputProblems(problems: [
        Problem(.error, code, message, at: ProblemLocation(file: destination.path))
      ])
    }
    let parent = destination.deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    if fm.fileExists(atPath: destination.path, isDirectory: &isDirectory), !isDirectory.boolValue {
      throw problem(
        overwrite ? "output.not-gep-output" : "output.exists",
        "the output path exists and is not a folder; --overwrite only replaces a folder gep "
          + "wrote")
    }
    do {
      try fm.createDirectory(at: parent, withIntermediateDirectories: true)
    } catch {
      throw problem(
        "output.unwritable",
        "cannot create the output's parent folder: \(reason(error, path: parent.path))")
    }
    let lockURL = parent.appendingPathComponent(".\(destination.lastPathComponent).lock")
    self.lockURL = lockURL
    self.lockFD = try OutputFolder.acquireLock(lockURL, destination: destination)
    let fd = self.lockFD
    inProgress.withLock { $0.locks[lockURL] = fd }
    do {
      // Under the lock: first put back an account a killed run left aside, then decide (an
      // account restored here is an existing output like any other).
      OutputFolder.recoverAndRemoveStale(of: destination)
      if fm.fileExists(atPath: destination.path) {
        if !overwrite {
          throw problem(
            "output.exists", "the output folder exists; pass --overwrite to replace it")
        }
        if let refusal = OutputFolder.refusalToReplace(destination, inputs: inputs) {
          throw problem(refusal.code, refusal.message)
        }
      }
    } catch {
      OutputFolder.releaseLock(lockURL, fd: fd)
      throw error
    }
    let staging = parent.appendingPathComponent(
      ".\(destination.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
    self.staging = staging
    if fm.fileExists(atPath: staging.path) { try? fm.removeItem(at: staging) }
    inProgress.withLock { _ = $0.staging.insert(staging) }
    do {
      try fm.createDirectory(at: staging, withIntermediateDirectories: true)
    } catch {
      inProgress.withLock { _ = $0.staging.remove(staging) }
      OutputFolder.releaseLock(lockURL, fd: fd)
      throw problem(
        "output.unwritable",
        "cannot write next to the output folder: \(reason(error, path: staging.path))")
    }
  }

  /// Why an existing folder must not be replaced, or nil when it may be: it is empty, or it
  /// holds a valid marker listing every entry, and no input of the run lies inside it.
  static func refusalToReplace(_ folder: URL, inputs: [String]) -> (code: String, message: String)?
  {
    let root = canonicalPath(folder.path)
    for input in inputs where !input.hasPrefix("/vsi") {
      let p = canonicalPath(input)
      if p == root || p.hasPrefix(root + "/") {
        return (
          "output.holds-input",
          "the output folder holds an input of this run (\(input)); --overwrite never replaces "
            + "a folder holding inputs: choose another --out"
        )
      }
    }
    let entries = listTree(folder)
    if entries.isEmpty { return nil }
    guard let listed = readMarker(folder) else {
      return (
        "output.not-gep-output",
        "the folder holds files gep did not write (no valid \(markerName) marker): "
          + entries.prefix(5).joined(separator: ", ") + (entries.count > 5 ? ", …" : "")
          + "; --overwrite only replaces a folder gep wrote: choose another --out"
      )
    }
    let foreign = entries.filter { !listed.contains($0) && $0 != markerName }
    if !foreign.isEmpty {
      return (
        "output.not-gep-output",
        "the folder holds \(foreign.count) entr\(foreign.count == 1 ? "y" : "ies") gep did not "
          + "write: " + foreign.prefix(5).joined(separator: ", ")
          + (foreign.count > 5 ? ", …" : "")
          + "; --overwrite refuses to replace it: move them away or choose another --out"
      )
    }
    return nil
  }

  /// Every file and folder under `folder`, as relative paths (folders end in "/"), sorted;
  /// symbolic links are listed, not followed.
  static func listTree(_ folder: URL) -> [String] {
    let fm = FileManager.default
    var out: [String] = []
    func walk(_ dir: URL, _ prefix: String) {
      guard let names = try? fm.contentsOfDirectory(atPath: dir.path) else { return }
      for n in names.sorted() {
        let url = dir.appendingPathComponent(n)
        let attrs = try? fm.attributesOfItem(atPath: url.path)
        if attrs?[.type] as? FileAttributeType == .typeDirectory {
          out.append(prefix + n + "/")
          walk(url, prefix + n + "/")
        } else {
          out.append(prefix + n)
        }
      }
    }
    walk(folder, "")
    return out
  }

  /// The entries a folder's marker lists, or nil when it has no marker of this schema.
  static func readMarker(_ folder: URL) -> Set<String>? {
    let url = folder.appendingPathComponent(markerName)
    guard let data = FileManager.default.contents(atPath: url.path),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      object["schema"] as? String == markerSchema, let id = object["run_id"] as? String,
      !id.isEmpty, let files = object["files"] as? [String]
    else { return nil }
    return Set(files)
  }

  /// The marker of the staging folder as it stands: schema, run id, engine version and every
  /// entry.
  func markerJSON() -> String {
    let entries = OutputFolder.listTree(staging).filter { $0 != OutputFolder.markerName }
    return "{\n  \"schema\": \(jsonString(OutputFolder.markerSchema)),\n  \"run_id\": "
      + "\(jsonString(runID)),\n  \"engine\": \(jsonString(gepEngineVersion)),\n  \"files\": [\n"
      + entries.map { "    " + jsonString($0) }.joined(separator: ",\n") + "\n  ]\n}\n"
  }

  /// Takes the exclusive lock on `url` (created when missing), retrying when another run
  /// removed the file between open and lock; writes this process id into it.
  static func acquireLock(_ url: URL, destination: URL) throws -> Int32 {
    for _ in 0..<20 {
      let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
      if fd < 0 {
        let why = String(cString: strerror(errno))
        throw InputProblems(problems: [
          Problem(
            .error, "output.unwritable",
            "cannot create the lock file \(url.path): \(why)",
            at: ProblemLocation(file: destination.path))
        ])
      }
      if flock(fd, LOCK_EX | LOCK_NB) != 0 {
        // The holder writes its process id just after taking the lock: wait briefly for it.
        var pid = "?"
        for _ in 0..<50 {
          var buffer = [UInt8](repeating: 0, count: 64)
          let n = pread(fd, &buffer, 63, 0)
          let text = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
          if text.hasSuffix("\n") {
            pid = text.trimmingCharacters(in: .whitespacesAndNewlines)
            break
          }
          usleep(2_000)
        }
        close(fd)
        throw InputProblems(problems: [
          Problem(
            .error, "output.locked",
            "another gep run (process \(pid)) is writing this output folder (lock "
              + "\(url.lastPathComponent)); wait for it to finish or choose another --out",
            at: ProblemLocation(file: destination.path, value: pid))
        ])
      }
      var a = stat()
      var b = stat()
      if fstat(fd, &a) == 0, stat(url.path, &b) == 0, a.st_ino == b.st_ino, a.st_dev == b.st_dev {
        let text = Array("\(ProcessInfo.processInfo.processIdentifier)\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
        return fd
      }
      close(fd)
    }
    throw InputProblems(problems: [
      Problem(
        .error, "output.locked", "cannot take the lock \(url.path) (it keeps changing)",
        at: ProblemLocation(file: destination.path))
    ])
  }

  /// Removes the lock file and releases the lock (unlink first, so a waiting run re-checks).
  static func releaseLock(_ url: URL, fd: Int32) {
    guard fd >= 0 else { return }
    unlink(url.path)
    close(fd)
    inProgress.withLock { _ = $0.locks.removeValue(forKey: url) }
  }

  /// Under the destination's lock: puts back a previous account that a run killed during its
  /// swap left in `.<name>.old-<pid>` (when the destination is missing), then removes the
  /// `.<name>.partial-<pid>` and `.<name>.old-<pid>` siblings whose process is gone (no
  /// `/proc/<pid>`). An `.old-` folder is removed only when the destination exists.
  static func recoverAndRemoveStale(of destination: URL) {
    let fm = FileManager.default
    let parent = destination.deletingLastPathComponent()
    let name = destination.lastPathComponent
    guard let entries = try? fm.contentsOfDirectory(atPath: parent.path) else { return }
    func deadProcess(_ e: String, _ tag: String) -> Bool {
      guard e.hasPrefix(tag), let pid = Int32(e.dropFirst(tag.count)),
        pid != ProcessInfo.processInfo.processIdentifier
      else { return false }
      return !fm.fileExists(atPath: "/proc/\(pid)")
    }
    let olds = entries.filter { deadProcess($0, ".\(name).old-") }.sorted()
    for e in olds where !fm.fileExists(atPath: destination.path) {
      try? fm.moveItem(at: parent.appendingPathComponent(e), to: destination)
    }
    for e in entries where deadProcess(e, ".\(name).partial-") || deadProcess(e, ".\(name).old-") {
      let url = parent.appendingPathComponent(e)
      if e.hasPrefix(".\(name).old-") && !fm.fileExists(atPath: destination.path) { continue }
      try? fm.removeItem(at: url)
    }
  }

  /// Removes every staging folder of this process that is not committed yet, puts back any
  /// previous output a commit had moved aside, and releases the locks: what an interrupt
  /// handler (SIGINT, SIGTERM) calls before exiting, so no partial output folder and no stray
  /// temporary file remain. Safe to call from any thread; a removal is retried while workers
  /// may still be writing.
  ///
  /// - Parameter parent: only the unfinished outputs inside this folder (e.g. one test's
  ///   temporary folder, so concurrent runs elsewhere in the process are untouched); nil: all.
  public static func discardAllInProgress(under parent: URL? = nil) {
    func inside(_ url: URL) -> Bool {
      guard let parent else { return true }
      return url.standardizedFileURL.path.hasPrefix(parent.standardizedFileURL.path + "/")
    }
    let (folders, aside, locks) = inProgress.withLock { state in
      let r = (
        state.staging.filter(inside), state.movedAside.filter { inside($0.key) },
        state.locks.filter { inside($0.key) }
      )
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
    for (url, fd) in locks { releaseLock(url, fd: fd) }
  }

  /// A file inside the staging folder.
  public func file(_ name: String) -> URL { staging.appendingPathComponent(name) }

  /// Writes the marker and moves the staging folder into place, replacing an existing
  /// destination only if it still may be replaced (checked again: a file added to it during
  /// the run stops the commit), then releases the lock.
  ///
  /// - Throws: `InputProblems`: "output.not-gep-output" (the destination changed during the
  ///   run), "output.unwritable" (naming the path and the system's reason) when a move fails;
  ///   the previous output is kept in every case.
  public func commit() throws {
    defer {
      OutputFolder.releaseLock(lockURL, fd: lockFD)
      lockFD = -1
    }
    do {
      try Data(markerJSON().utf8).write(to: file(OutputFolder.markerName))
    } catch {
      throw InputProblems(problems: [
        Problem(
          .error, "output.unwritable",
          "cannot write \(OutputFolder.markerName): " + reason(error, path: staging.path),
          at: ProblemLocation(file: staging.path))
      ])
    }
    if FileManager.default.fileExists(atPath: destination.path),
      let refusal = OutputFolder.refusalToReplace(destination, inputs: [])
    {
      discard()
      throw InputProblems(problems: [
        Problem(
          .error, refusal.code, "the output folder changed during the run: " + refusal.message,
          at: ProblemLocation(file: destination.path))
      ])
    }
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
    let staging = self.staging
    if fm.fileExists(atPath: destination.path) {
      if exchangePaths(staging.path, destination.path) {
        // The staging path now holds the previous account; the new one is in place.
        committed = true
        inProgress.withLock { _ = $0.staging.remove(staging) }
        try? fm.removeItem(at: staging)
        return
      }
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
      inProgress.withLock {
        _ = $0.movedAside.removeValue(forKey: old)
        _ = $0.staging.remove(staging)
      }
      try? fm.removeItem(at: old)
    } else {
      try fm.moveItem(at: staging, to: destination)
      inProgress.withLock { _ = $0.staging.remove(staging) }
    }
    committed = true
  }

  /// Removes the staging folder (after a failure) and releases the lock.
  public func discard() {
    if !committed {
      try? FileManager.default.removeItem(at: staging)
      let staging = self.staging
      inProgress.withLock { _ = $0.staging.remove(staging) }
    }
    OutputFolder.releaseLock(lockURL, fd: lockFD)
    lockFD = -1
  }

  deinit { discard() }
}

/// Swaps two paths atomically with Linux's `renameat2(…, RENAME_EXCHANGE)` (looked up with
/// `dlsym`, as Swift's Glibc module does not declare it). False when the call or the file
/// system does not support it (nothing changed then).
func exchangePaths(_ a: String, _ b: String) -> Bool {
  typealias RenameAt2 =
    @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
  guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else {
    return false
  }
  let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
  let renameExchange: UInt32 = 2  // RENAME_EXCHANGE, linux/fs.h
  return renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0
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
