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

    func run() throws {
        var rows: [[String: Any]] = []
        for entry in ModelRegistry.entries {
            let network = try ModelRegistry.make(entry.name)
            let shipped = Checkpoint.defaultLocations(for: entry.name).first { FileManager.default.fileExists(atPath: $0.path) }
            rows.append(["name": entry.name, "parameters": network.parameterCount, "multiple": network.sizeMultiple,
                         "receptive_radius": network.receptiveRadius, "configuration": network.configuration,
                         "summary": entry.summary, "task": entry.task.rawValue, "weights": shipped?.path ?? NSNull()])
        }
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
        }
    }
}
