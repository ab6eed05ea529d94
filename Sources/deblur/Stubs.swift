import ArgumentParser
// Temporary: replaced as the foundation issue fills in each subcommand.
struct PSFCommand: ParsableCommand { static let configuration = CommandConfiguration(commandName: "psf") }
struct Degrade: ParsableCommand {}
struct BenchFFT: ParsableCommand { static let configuration = CommandConfiguration(commandName: "fft") }
