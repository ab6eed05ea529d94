import Foundation
import ImageCore

/// Synthetic scenes from the dead-leaves model (Matheron 1968; Lee, Mumford & Huang 2001): opaque
/// shapes fall on the image one over another, their sizes drawn from a power law r^−3, which makes
/// the scene statistically scale-invariant — sharp occluding edges at every scale, flat and shaded
/// regions between them, the second-order statistics of natural photographs. Networks trained on
/// such scenes learn restoration that does not depend on particular photographs (Achddou, Gousseau
/// & Ladjal 2021, "Synthetic images as a regularity prior for image restoration neural networks"),
/// which matters when the real training photographs are few.
///
/// Each shape is a disk or a rotated rectangle (aspect 1–4) with a colour drawn from `palette`
/// (the training photographs' own pixels, so the colours are natural ones) and a gentle linear
/// shading across it. Shading is scaled by the colour's distance to 0 and 1, so every value stays
/// inside [0, 1] without clipping. Scenes are drawn at twice the size and box-averaged 2×2, so edges
/// are anti-aliased as a camera's would be (a one-pixel step would be sharper than any photograph).
/// Shapes are laid front to back and each pixel takes the first shape that covers it, so drawing
/// stops as soon as the scene is covered (at most 200 000 shapes; a pixel none covers stays black).
public struct DeadLeaves: Sendable {
    public let palette: [SIMD3<Float>]
    /// Radius range in output pixels (the power law is truncated to it).
    public let radius: ClosedRange<Double>

    /// - Precondition: `palette` is not empty and `radius` is positive (programming errors: callers
    ///   build the palette from images they have already loaded).
    public init(palette: [SIMD3<Float>], radius: ClosedRange<Double> = 1 ... 96) {
        precondition(!palette.isEmpty, "DeadLeaves needs at least one palette colour")
        precondition(radius.lowerBound > 0, "DeadLeaves radius must be positive, got \(radius)")
        self.palette = palette
        self.radius = radius
    }

    /// A palette of `count` pixels drawn uniformly from `images` (RGB; gray is repeated).
    public static func palette(from images: [Image], count: Int, rng: inout SeededRNG) -> [SIMD3<Float>] {
        let usable = images.filter { $0.planeSize > 0 }
        guard !usable.isEmpty else { return [] }
        return (0 ..< count).map { _ in
            let img = usable[Int(rng.next() % UInt64(usable.count))]
            let p = Int(rng.next() % UInt64(img.planeSize))
            let c = img.channels >= 3 ? (0, 1, 2) : (0, 0, 0)
            return SIMD3(img.pixels[c.0 * img.planeSize + p], img.pixels[c.1 * img.planeSize + p], img.pixels[c.2 * img.planeSize + p])
        }
    }

    /// A radius from the density ∝ r^−3 on `radius` (inverse transform sampling).
    func drawRadius(_ rng: inout SeededRNG) -> Double {
        let a = 1 / (radius.lowerBound * radius.lowerBound), b = 1 / (radius.upperBound * radius.upperBound)
        return 1 / (a - rng.uniform() * (a - b)).squareRoot()
    }

    /// A `3 × height × width` scene, entirely determined by `rng`.
    public func render(width: Int, height: Int, rng: inout SeededRNG) -> Image {
        let w2 = 2 * width, h2 = 2 * height
        var canvas = [SIMD3<Float>](repeating: .zero, count: w2 * h2)
        var covered = [Bool](repeating: false, count: w2 * h2)
        var remaining = w2 * h2
        var shapes = 0
        while remaining > 0 && shapes < 200_000 {
            shapes += 1
            let r = 2 * drawRadius(&rng)                       // in canvas pixels
            let cx = rng.uniform(in: -r ... Double(w2) + r), cy = rng.uniform(in: -r ... Double(h2) + r)
            let colour = palette[Int(rng.next() % UInt64(palette.count))]
            let phi = rng.uniform(in: 0 ... 2 * Double.pi)
            let shade = Float(rng.uniform(in: 0 ... 0.3))
            let (dx, dy) = (cos(phi), sin(phi))
            let isDisk = rng.next() & 1 == 0
            let aspect = rng.uniform(in: 1 ... 4)
            let theta = rng.uniform(in: 0 ... Double.pi)
            let (ct, st) = (cos(theta), sin(theta))
            // Rectangle half-sides r·√aspect and r/√aspect (the area of a square of side 2r).
            let ha = r * aspect.squareRoot(), hb = r / aspect.squareRoot()
            let extent = isDisk ? r : (ha * ha + hb * hb).squareRoot()
            let x0 = max(0, Int((cx - extent).rounded(.down))), x1 = min(w2 - 1, Int((cx + extent).rounded(.up)))
            let y0 = max(0, Int((cy - extent).rounded(.down))), y1 = min(h2 - 1, Int((cy + extent).rounded(.up)))
            guard x0 <= x1, y0 <= y1 else { continue }
            let room = SIMD3<Float>(repeating: 1) - colour
            let headroom = SIMD3<Float>(min(colour.x, room.x), min(colour.y, room.y), min(colour.z, room.z))
            for y in y0 ... y1 {
                let py = Double(y) + 0.5 - cy
                for x in x0 ... x1 where !covered[y * w2 + x] {
                    let px = Double(x) + 0.5 - cx
                    let inside: Bool
                    if isDisk {
                        inside = px * px + py * py <= r * r
                    } else {
                        let u = px * ct + py * st, v = -px * st + py * ct
                        inside = abs(u) <= ha && abs(v) <= hb
                    }
                    guard inside else { continue }
                    // t ∈ [−1, 1] across the shape; |shade·t| ≤ 0.3 keeps colour ± headroom inside [0, 1].
                    let t = Float(max(-1, min(1, (px * dx + py * dy) / extent)))
                    canvas[y * w2 + x] = colour + shade * t * headroom
                    covered[y * w2 + x] = true
                    remaining -= 1
                }
            }
        }
        var out = Image(channels: 3, height: height, width: width)
        let plane = width * height
        for y in 0 ..< height {
            for x in 0 ..< width {
                let i = 2 * y * w2 + 2 * x
                let s = (canvas[i] + canvas[i + 1] + canvas[i + w2] + canvas[i + w2 + 1]) * 0.25
                out.pixels[y * width + x] = s.x
                out.pixels[plane + y * width + x] = s.y
                out.pixels[2 * plane + y * width + x] = s.z
            }
        }
        return out
    }
}
