/// The eight symmetries of the square (the dihedral group D4) acting on an image: index `t` in 0..<8
/// transposes when bit 2 is set, then mirrors left–right when bit 0 is set and top–bottom when
/// bit 1 is set. `t = 0` is the identity. Used by the learned methods' geometric self-ensemble
/// (Lim et al. 2017, "EDSR+"): restore every transformed copy, undo the transform, average.
public enum Dihedral {
    public static let count = 8

    /// `image` under symmetry `t`. A transposing `t` (4…7) swaps height and width.
    public static func apply(_ t: Int, to image: Image) -> Image {
        precondition((0 ..< count).contains(t), "dihedral index \(t) is outside 0..<8")
        let transpose = t & 4 != 0, flipX = t & 1 != 0, flipY = t & 2 != 0
        let h = transpose ? image.width : image.height, w = transpose ? image.height : image.width
        var out = Image(channels: image.channels, height: h, width: w)
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for c in 0 ..< image.channels {
                    let inBase = c * image.planeSize, outBase = c * h * w
                    for y in 0 ..< h {
                        for x in 0 ..< w {
                            // Output (y, x) reads the source at the un-mirrored, un-transposed position.
                            let yy = flipY ? h - 1 - y : y, xx = flipX ? w - 1 - x : x
                            let (sy, sx) = transpose ? (xx, yy) : (yy, xx)
                            dst[outBase + y * w + x] = src[inBase + sy * image.width + sx]
                        }
                    }
                }
            }
        }
        return out
    }

    /// The index of the inverse symmetry: `apply(inverse(t), to: apply(t, to: x)) == x`.
    public static func inverse(_ t: Int) -> Int {
        // A transpose followed by mirrors is undone by the swapped mirrors, then the transpose.
        guard t & 4 != 0 else { return t }
        let flipX = t & 1, flipY = (t >> 1) & 1
        return 4 | (flipX << 1) | flipY
    }
}
