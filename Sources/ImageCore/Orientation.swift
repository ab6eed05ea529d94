/// The eight orientations of an image — the symmetries of the square: a left–right mirror or not, then
/// 0–3 quarter turns. Training draws one at random for every patch (augmentation); the learned methods'
/// self-ensemble restores the image under several of them and averages the results transformed back.
extension Image {
    /// Mirrored left–right (if `flip`), then rotated by `turns` quarter turns counter-clockwise.
    public func oriented(flip: Bool, turns: Int) -> Image {
        var img = self
        if flip {
            for c in 0 ..< channels {
                for y in 0 ..< height {
                    let row = (c * height + y) * width
                    for x in 0 ..< width / 2 { img.pixels.swapAt(row + x, row + width - 1 - x) }
                }
            }
        }
        for _ in 0 ..< (turns % 4 + 4) % 4 {
            var r = Image(channels: img.channels, height: img.width, width: img.height)
            for c in 0 ..< img.channels {
                for y in 0 ..< img.height {
                    for x in 0 ..< img.width {
                        // (x, y) → (y, W − 1 − x): a counter-clockwise quarter turn.
                        r.pixels[(c * r.height + (img.width - 1 - x)) * r.width + y] = img.pixels[(c * img.height + y) * img.width + x]
                    }
                }
            }
            img = r
        }
        return img
    }

    /// The eight orientations in self-ensemble order: the first 2 add the mirror, the first 4 every
    /// mirror about an axis (left–right, top–bottom and both, i.e. a half turn), all 8 the quarter turns.
    public static let orientations: [(flip: Bool, turns: Int)] = [
        (false, 0), (true, 0), (false, 2), (true, 2), (false, 1), (true, 1), (false, 3), (true, 3),
    ]

    /// Undoes `oriented(flip:turns:)`: a mirrored orientation is its own inverse (mirror, turn t, mirror,
    /// turn t is the identity), a pure turn is undone by the opposite one.
    public func unoriented(flip: Bool, turns: Int) -> Image {
        flip ? oriented(flip: true, turns: turns) : oriented(flip: false, turns: -turns)
    }
}

extension Image {
    /// Geometric self-ensemble: `transform` applied to the image under the first `count` of its eight
    /// orientations (`Image.orientations`), each result turned back, and the mean of them (accumulated
    /// in Double). `count` = 1 is one plain call. `transform` must return an image of its input's shape.
    /// - Precondition: `1 ≤ count ≤ 8`.
    public func selfEnsemble(count: Int, _ transform: (Image) throws -> Image) rethrows -> Image {
        precondition((1 ... Image.orientations.count).contains(count), "self-ensemble count \(count) is outside 1…8")
        guard count > 1 else { return try transform(self) }
        var sum = [Double](repeating: 0, count: pixels.count)
        for o in Image.orientations.prefix(count) {
            let back = try transform(oriented(flip: o.flip, turns: o.turns)).unoriented(flip: o.flip, turns: o.turns)
            precondition(back.pixels.count == sum.count, "self-ensemble: the transform changed the image's shape")
            for i in sum.indices { sum[i] += Double(back.pixels[i]) }
        }
        return Image(channels: channels, height: height, width: width, pixels: sum.map { Float($0 / Double(count)) })
    }
}
