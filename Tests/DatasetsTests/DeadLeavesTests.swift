import Foundation
import Testing
@testable import Datasets
import ImageCore
import ImageIO

@Suite("Dead-leaves scenes")
struct DeadLeavesTests {
    let palette: [SIMD3<Float>] = [SIMD3(0.2, 0.5, 0.8), SIMD3(0.8, 0.3, 0.25), SIMD3(0.45, 0.7, 0.3), SIMD3(0.6, 0.6, 0.6)]

    @Test("a scene is determined by its seed, covers every pixel and stays inside [0, 1] without clipping")
    func deterministicCoveredInRange() throws {
        let leaves = DeadLeaves(palette: palette)
        var a = SeededRNG(seed: 7), b = SeededRNG(seed: 7), c = SeededRNG(seed: 8)
        let x = leaves.render(width: 131, height: 97, rng: &a)
        #expect(x == leaves.render(width: 131, height: 97, rng: &b))
        #expect(x != leaves.render(width: 131, height: 97, rng: &c))
        #expect(x.channels == 3 && x.width == 131 && x.height == 97)
        // Every palette channel is ≥ 0.2 and shading moves a value by at most 30 % of its headroom,
        // so a pixel no shape covered (0) or a clipped one would fall outside these bounds.
        let range = x.valueRange
        #expect(range.lowerBound >= 0.2 * 0.7 - 1e-6, "a pixel below 0.14 means a shape left it uncovered")
        #expect(range.upperBound <= 0.8 + 0.3 * 0.2 + 1e-6)
        // Occlusion edges at several scales: many distinct values (shading and anti-aliased edges).
        #expect(Set(x.channel(0).pixels).count > 500)
    }

    @Test("radii follow the truncated r^-3 law: P(r ≤ 2) = (1 − 1/4) / (1 − 1/96²) on [1, 96]")
    func radiusLaw() {
        let leaves = DeadLeaves(palette: palette, radius: 1 ... 96)
        var rng = SeededRNG(seed: 3)
        let n = 20_000
        var small = 0
        for _ in 0 ..< n {
            let r = leaves.drawRadius(&rng)
            #expect((1 ... 96).contains(r))
            if r <= 2 { small += 1 }
        }
        let expected = 0.75 / (1 - 1 / (96.0 * 96))
        #expect(abs(Double(small) / Double(n) - expected) < 0.015)   // 5 standard deviations
    }

    @Test("the palette is drawn from the images' own pixels")
    func paletteFromImages() throws {
        let img = Image(channels: 3, height: 4, width: 5, pixels: (0 ..< 60).map { Float($0) / 60 })
        var rng = SeededRNG(seed: 1)
        let p = DeadLeaves.palette(from: [img], count: 50, rng: &rng)
        #expect(p.count == 50)
        for c in p {
            // Pixel k of plane 0 is k/60; planes 1 and 2 hold k + 20 and k + 40.
            let k = (c.x * 60).rounded()
            #expect(abs(c.y * 60 - (k + 20)) < 1e-3 && abs(c.z * 60 - (k + 40)) < 1e-3)
        }
    }
}
