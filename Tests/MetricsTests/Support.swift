import Foundation
import ImageCore
import ImageIO
@testable import Metrics

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// One image pair of Fixtures/reference.json with its reference values.
struct ReferencePair: Decodable, CustomStringConvertible {
    let name: String
    let reference: String
    let test: String
    let distortion: String
    let values: [String: Double]
    var description: String { name }

    func images() throws -> (Image, Image) {
        (try readImage(at: fixtures.appendingPathComponent(reference).path),
         try readImage(at: fixtures.appendingPathComponent(test).path))
    }
}

struct ReferenceDocument: Decodable {
    let pairs: [ReferencePair]
}

/// The fixture pairs (loaded once; a decoding failure fails every test that uses them).
let referencePairs: [ReferencePair] = {
    do {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("reference.json"))
        return try JSONDecoder().decode(ReferenceDocument.self, from: data).pairs
    } catch {
        fatalError("Tests/MetricsTests/Fixtures/reference.json is unreadable: \(error)")
    }
}()

/// A seeded image with smooth structure plus texture, values in [0, 1].
func texturedImage(channels: Int, height: Int, width: Int, seed: UInt64) -> Image {
    var rng = SeededRNG(seed: seed)
    var img = Image(channels: channels, height: height, width: width)
    let fx = rng.uniform(in: 0.05 ... 0.3), fy = rng.uniform(in: 0.05 ... 0.3)
    for c in 0 ..< channels {
        for y in 0 ..< height {
            for x in 0 ..< width {
                let smooth = 0.5 + 0.3 * sin(fx * Double(x) + Double(c)) * cos(fy * Double(y))
                img[c, y, x] = Float(min(1, max(0, smooth + 0.1 * (rng.uniform() - 0.5))))
            }
        }
    }
    return img
}

/// `image` plus seeded Gaussian noise of standard deviation `sigma` (not clipped).
func noisy(_ image: Image, sigma: Double, seed: UInt64) -> Image {
    var rng = SeededRNG(seed: seed)
    var out = image
    for i in out.pixels.indices { out.pixels[i] += Float(sigma * rng.normal()) }
    return out
}

/// The repository's ST-LPIPS weights (written by scripts/fetch-weights.sh, which `make test` runs
/// first). Tests that need them fail with the fetch command when they are missing.
let weightsPath = fixtures.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Data/weights/st-lpips-alex.safetensors").path

func loadSTLPIPS() throws -> STLPIPS {
    try STLPIPS(weightsPath: weightsPath)
}
