import ArgumentParser

/// `deblur bench …`: speed measurements for release builds (never unit tests). Each benchmark is
/// a subcommand in its own file, prints a table, and where a Python peer exists a script in
/// scripts/bench/ measures it on the same data in the same run.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed (build with -c release first: `swift build -c release`).",
        subcommands: [
            BenchFFT.self,
            BenchClassical.self,
            BenchMetrics.self,
            BenchNN.self,
        ]
    )
}
