import ArgumentParser
import Foundation
import Models
import NN

/// `deblur models`: the registered networks, their sizes and whether weights are shipped.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the networks (deblurring, and the denoiser used as a plug-and-play prior) with their parameter counts and shipped checkpoints.")

    @Flag(help: "Print JSON.")
    var json = false

    /// One row per registered network. Where a checkpoint is shipped, its network is described (its
    /// configuration may differ from the default: the shipped denoiser is a widened one), with the
    /// default's parameter count beside it when they differ; an unreadable checkpoint is named in `note`.
    static func rows() throws -> [[String: Any]] {
        var rows: [[String: Any]] = []
        for entry in ModelRegistry.entries {
            var network = try ModelRegistry.make(entry.name)
            let shipped = Checkpoint.defaultLocations(for: entry.name).first { FileManager.default.fileExists(atPath: $0.path) }
            var row: [String: Any] = ["name": entry.name, "summary": entry.summary, "task": entry.task.rawValue,
                                      "weights": shipped?.path ?? NSNull()]
            if let shipped {
                do {
                    let loaded = try Checkpoint.load(shipped, expecting: entry.name).network
                    if loaded.configuration != network.configuration { row["default_parameters"] = network.parameterCount }
                    network = loaded
                } catch {
                    row["note"] = "the shipped checkpoint does not load: \(error.localizedDescription)"
                }
            }
            row["parameters"] = network.parameterCount
            row["multiple"] = network.sizeMultiple
            row["receptive_radius"] = network.receptiveRadius
            row["configuration"] = network.configuration
            rows.append(row)
        }
        return rows
    }

    func run() throws {
        let rows = try Self.rows()
        if json {
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("model         parameters  multiple  receptive radius  weights")
        for r in rows {
            let weights = (r["weights"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent } ?? "none (train with `deblur train`)"
            let name = (r["name"] as! String).padding(toLength: 12, withPad: " ", startingAt: 0)
            let count = String(r["parameters"] as! Int)
            print(name + String(repeating: " ", count: max(0, 12 - count.count)) + count
                + String(format: "  %8d  %16d  ", r["multiple"] as! Int, r["receptive_radius"] as! Int) + weights)
            print("             \(r["task"] as! String): \(r["summary"] as! String)")
            if let standard = r["default_parameters"] as? Int {
                let configuration = (r["configuration"] as! [String: String]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                print("             shipped: \(configuration.joined(separator: ", ")) (the default configuration has \(standard) parameters)")
            }
            if let note = r["note"] as? String { print("             note: \(note)") }
        }
    }
}
