import Testing
@testable import ImageCore

@Suite("Image orientations")
struct OrientationTests {
    /// 2 channels × 5 × 7, every value distinct.
    let image = Image(channels: 2, height: 5, width: 7, pixels: (0 ..< 70).map(Float.init))

    /// Naive twin: the mirror and each counter-clockwise quarter turn written out by coordinates —
    /// a turn sends (x, y) to (y, W − 1 − x).
    func naive(_ x: Image, flip: Bool, turns: Int) -> Image {
        var y = x
        if flip {
            var m = y
            for c in 0 ..< y.channels { for r in 0 ..< y.height { for q in 0 ..< y.width { m[c, r, q] = y[c, r, y.width - 1 - q] } } }
            y = m
        }
        for _ in 0 ..< turns {
            var t = Image(channels: y.channels, height: y.width, width: y.height)
            for c in 0 ..< y.channels { for r in 0 ..< y.height { for q in 0 ..< y.width { t[c, y.width - 1 - q, r] = y[c, r, q] } } }
            y = t
        }
        return y
    }

    @Test("the 8 orientations equal their naive twin on an odd, non-square image, are all different, and unoriented undoes each")
    func orientations() {
        #expect(Image.orientations.count == 8)
        var seen: [[Float]] = []
        for o in Image.orientations {
            let y = image.oriented(flip: o.flip, turns: o.turns)
            #expect(y == naive(image, flip: o.flip, turns: o.turns), "\(o)")
            #expect((y.height, y.width) == (o.turns % 2 == 1 ? (7, 5) : (5, 7)))
            #expect(!seen.contains(y.pixels), "\(o) repeats an earlier orientation")
            seen.append(y.pixels)
            #expect(y.unoriented(flip: o.flip, turns: o.turns) == image, "\(o)")
        }
        // The first four are the mirrors about the axes: left–right, a half turn, top–bottom.
        #expect(image.oriented(flip: true, turns: 2) == naive(naive(image, flip: false, turns: 2), flip: true, turns: 0))
        #expect(image.oriented(flip: false, turns: -1) == image.oriented(flip: false, turns: 3))
    }

    @Test("self-ensemble: a transform that commutes with the orientations gives its plain result; one that does not is averaged like the naive mean over the turned-back results")
    func selfEnsemble() {
        // Scaling commutes with every orientation: the mean of 8 identical results is that result.
        let doubled = image.selfEnsemble(count: 8) { x in Image(channels: x.channels, height: x.height, width: x.width, pixels: x.pixels.map { 2 * $0 }) }
        #expect(doubled.pixels == image.pixels.map { 2 * $0 })
        // Adding the column index does not commute: each orientation adds a different ramp.
        func ramp(_ x: Image) -> Image {
            var y = x
            for c in 0 ..< x.channels { for r in 0 ..< x.height { for q in 0 ..< x.width { y[c, r, q] += Float(q) } } }
            return y
        }
        for count in [1, 2, 4, 8] {
            var mean = [Double](repeating: 0, count: image.pixels.count)
            for o in Image.orientations.prefix(count) {
                let back = ramp(naive(image, flip: o.flip, turns: o.turns)).unoriented(flip: o.flip, turns: o.turns)
                for i in mean.indices { mean[i] += Double(back.pixels[i]) / Double(count) }
            }
            let got = image.selfEnsemble(count: count, ramp)
            #expect(zip(got.pixels, mean).allSatisfy { abs(Double($0) - $1) < 1e-4 }, "count \(count)")
        }
        // Mirrored left–right and back, the ramp runs the other way: with count 2 every column gains (W − 1)/2.
        let two = image.selfEnsemble(count: 2, ramp)
        #expect(zip(two.pixels, image.pixels).allSatisfy { abs($0 - $1 - 3) < 1e-5 })
    }
}
