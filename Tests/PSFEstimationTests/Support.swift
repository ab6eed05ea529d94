import Blur
import Foundation
import ImageCore
import ImageIO
import Testing
@testable import PSFEstimation

/// A seeded "dead leaves" image: opaque disks of random gray, radii drawn from a 1/r³ law
/// between `minRadius` and `maxRadius`, dropped until the canvas is covered. Its statistics
/// (1/f² power spectrum, sharp edges in all directions) are those of natural photographs,
/// without any file on disk. With `stretch` > 1 the leaves are ellipses, `stretch` times wider
/// than a disk of the same area and `stretch` times less tall: edges mostly horizontal, so the
/// spectrum is anisotropic (more power along the vertical frequency axis), as in photographs
/// of buildings or horizons.
func deadLeaves(width: Int, height: Int, seed: UInt64, minRadius: Double = 2, maxRadius: Double = 40,
                stretch: Double = 1) -> Image {
    var rng = SeededRNG(seed: seed)
    var image = Image(channels: 1, height: height, width: width, value: -1)
    var uncovered = width * height
    var drops = 0
    while uncovered > 0 && drops < 20_000 {
        drops += 1
        // Inverse CDF of p(r) ∝ r⁻³ on [a, b].
        let u = rng.uniform(), a = minRadius, b = maxRadius
        let r = 1 / (1 / (a * a) - u * (1 / (a * a) - 1 / (b * b))).squareRoot()
        let cx = rng.uniform(in: -r ... Double(width) + r), cy = rng.uniform(in: -r ... Double(height) + r)
        let value = Float(rng.uniform(in: 0.1 ... 0.9))
        let rx = r * stretch, ry = r / stretch
        let y0 = max(0, Int(cy - ry)), y1 = min(height - 1, Int(cy + ry))
        let x0 = max(0, Int(cx - rx)), x1 = min(width - 1, Int(cx + rx))
        guard y0 <= y1, x0 <= x1 else { continue }
        for y in y0 ... y1 {
            for x in x0 ... x1 {
                let dx = (Double(x) - cx) / rx, dy = (Double(y) - cy) / ry
                // Later leaves lie underneath: only uncovered pixels take the colour.
                if dx * dx + dy * dy <= 1 && image[0, y, x] < 0 {
                    image[0, y, x] = value
                    uncovered -= 1
                }
            }
        }
    }
    for i in image.pixels.indices where image.pixels[i] < 0 { image.pixels[i] = 0.5 }
    return image
}

/// A blurred `side`×`side` test image: dead leaves blurred "valid" by `psf`, noise σ, 8-bit.
func blurredCase(_ psf: PSF, side: Int, seed: UInt64, noise: Double = 0.01, stretch: Double = 1) throws -> Degraded {
    let source = deadLeaves(width: side + psf.width - 1, height: side + psf.height - 1, seed: seed, stretch: stretch)
    return try degrade(source, psf: psf, options: DegradationOptions(noiseSigma: noise), seed: seed)
}


/// Angle difference modulo 180°, in (−90, 90].
func angleDifference(_ a: Double, _ b: Double) -> Double {
    var d = (a - b).truncatingRemainder(dividingBy: 180)
    if d > 90 { d -= 180 }
    if d <= -90 { d += 180 }
    return d
}

/// A built-in photograph (`Data/builtin/FILE`), or nil after recording an issue that says how to fetch it.
func builtinPhoto(_ file: String) throws -> Image? {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Data/builtin/\(file)").path
    guard FileManager.default.fileExists(atPath: path) else {
        Issue.record("Data/builtin/\(file) is missing: run scripts/fetch-data.sh (make test does this)")
        return nil
    }
    return try readImage(at: path)
}
