import ArgumentParser
import Foundation
import GEPPipeline

/// `gep verify OUT_DIR [--inputs-root DIR]`: re-computes a published account from its manifest
/// and says whether it is reproduced byte for byte (复算). `VerifyJob`; issue 24.
struct VerifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Re-compute an account from its manifest and check it byte for byte (复算).",
    discussion: """
      Reads OUT_DIR/manifest.json and checks that every input and coefficient file it lists is \
      present with the recorded size and SHA-256, that every output file of OUT_DIR has the \
      recorded SHA-256, then re-computes the account from the recorded run file with the \
      recorded options into a temporary folder and compares every output byte for byte, \
      listing the units and indicators whose values differ. With --inputs-root, the run file \
      and its inputs are looked for at their paths relative to the run file's folder, placed \
      at DIR (an account copied to another machine with its inputs).

      Exit codes: 0 verified (identical); 1 not verified (a changed input or output, a failed \
      or different re-computation) or no readable manifest; 64 usage error.
      """)

  @Argument(help: "The account folder (holding manifest.json).")
  var outDir: String

  @Option(help: "Where the run file's folder is now (inputs relocated by their relative paths).")
  var inputsRoot: String?

  @Option(help: "Worker threads of the re-computation (results do not depend on it).")
  var threads = ProcessInfo.processInfo.activeProcessorCount

  func run() throws {
    try reportingFailures {
      let report = try VerifyJob.run(outDir: outDir, inputsRoot: inputsRoot, threads: threads)
      print(report.text)
      if !report.identical { throw ExitCode.failure }
    }
  }
}
