import Testing
@testable import ImageCore

@Suite("Dihedral symmetries")
struct DihedralTests {
    /// 2 channels × 5 × 7, every value distinct.
    let image = Image(channels: 2, height: 5, width: 7, pixels: (0 ..< 70).map(Float.init))

    /// Naive twin: mirrors and transpose written out index by index.
    func naive(_ t: Int, _ x: Image) -> Image {
        var y = x
        if t & 4 != 0 {
            var out = Image(channels: x.channels, height: x.width, width: x.height)
            for c in 0 ..< x.channels { for r in 0 ..< x.width { for q in 0 ..< x.height { out[c, r, q] = x[c, q, r] } } }
            y = out
        }
        var out = y
        for c in 0 ..< y.channels {
            for r in 0 ..< y.height {
                for q in 0 ..< y.width {
                    out[c, r, q] = y[c, t & 2 != 0 ? y.height - 1 - r : r, t & 1 != 0 ? y.width - 1 - q : q]
                }
            }
        }
        return out
    }

    @Test("each of the 8 symmetries equals its naive twin on an odd, non-square image; all differ; the inverse undoes it")
    func symmetries() {
        var seen: [[Float]] = []
        for t in 0 ..< Dihedral.count {
            let y = Dihedral.apply(t, to: image)
            #expect(y == naive(t, image), "t = \(t)")
            #expect((y.height, y.width) == (t >= 4 ? (7, 5) : (5, 7)))
            #expect(!seen.contains(y.pixels), "t = \(t) repeats an earlier symmetry")
            seen.append(y.pixels)
            #expect(Dihedral.apply(Dihedral.inverse(t), to: y) == image, "t = \(t): inverse \(Dihedral.inverse(t))")
        }
        #expect(Dihedral.apply(0, to: image) == image)
        #expect(Dihedral.inverse(5) == 6 && Dihedral.inverse(6) == 5 && Dihedral.inverse(3) == 3)
    }
}
