import Foundation
import ImageCore
import Models
import Restoration
import Testing

@Suite("Learned methods' self-ensemble")
struct SelfEnsembleTests {
    @Test("ensemble k averages the network's restorations of the first k orientations, each turned back; 1 is a single run")
    func averaging() throws {
        let network = UNet(levels: 2, width: 4, seed: 7)
        var rng = SystemRandomNumberGenerator()
        let blurred = Image(channels: 3, height: 13, width: 10, pixels: (0 ..< 390).map { _ in Float.random(in: 0 ... 1, using: &rng) })
        let single = try LearnedRestoration(name: "unet", network: network, weights: "/nonexistent").restore(blurred, psf: nil)
        // Equal up to rounding: other tests running in parallel change OpenBLAS's process-wide thread count.
        let direct = try Models.restore(blurred, with: network)
        #expect(single.maxAbsDifference(direct) <= 1e-6)
        for k in [2, 8] {
            let method = LearnedRestoration(name: "unet", network: network, weights: "/nonexistent", ensemble: k)
            let got = try method.restore(blurred, psf: nil)
            // Expected, from the network's runs on the transformed images.
            var sum = [Double](repeating: 0, count: blurred.pixels.count)
            for o in Image.orientations.prefix(k) {
                let back = try Models.restore(blurred.oriented(flip: o.flip, turns: o.turns), with: network)
                    .unoriented(flip: o.flip, turns: o.turns)
                for i in sum.indices { sum[i] += Double(back.pixels[i]) }
            }
            let worst = zip(got.pixels, sum).map { abs(Double($0) - $1 / Double(k)) }.max()!
            #expect(worst < 1e-6, "k = \(k): \(worst)")
            #expect(got != single, "an untrained network is not equivariant: the ensemble must differ from one run")
            #expect(method.summary.contains("self-ensemble over \(k) orientations"))
        }
        #expect(!LearnedRestoration(name: "unet", network: network, weights: "/nonexistent").summary.contains("self-ensemble"))
    }

    @Test("the registry's `ensemble` parameter: default 1, 1…8 accepted, 9 refused by name")
    func parameter() throws {
        let entry = try MethodRegistry.entry("unet")
        #expect(entry.parameter("ensemble")?.defaultValue == .integer(1))
        for bad in ["9", "0"] {
            let error = #expect(throws: RestorationError.self) { try entry.make(settings: ["ensemble": bad]) }
            #expect(error?.localizedDescription.contains("ensemble") == true, "\(String(describing: error))")
        }
    }
}
