import ArgumentParser
import Foundation
import Workbench

/// `deblur merge`: one report from the folders of a sharded comparison.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the output folders of `deblur compare --shard I/N` runs into one report.",
        discussion: """
        Example (4 shards, e.g. a Slurm array or GNU parallel):
          parallel deblur compare --data DATA --shard {}/4 -o Reports/run-{} ::: 1 2 3 4
          deblur merge Reports/run-1 Reports/run-2 Reports/run-3 Reports/run-4 -o Reports/run
        """)

    @Argument(help: "Comparison folders written by `deblur compare`.")
    var inputs: [String]

    @OptionGroup var out: OutputFolderOption

    func run() throws {
        let (rows, info) = try Comparison.merge(inputs.map { URL(fileURLWithPath: $0) }, into: out.url)
        print("merged \(rows.count) rows of \(info.caseCount) images from \(inputs.count) folders")
        print("report: \(out.url.appendingPathComponent("report.html").path)")
    }
}
