import ImageCore

/// A synthetic printed page — dark capital letters on light paper, from a built-in 5 × 7 bitmap
/// font — for testing document deblurring without external data (issue #25: a blurred page must
/// be restored readably). Words are seeded random strings of 2–8 letters; glyph pixels are
/// `scale` × `scale` squares, antialiased by rendering at 4× and area-averaging.
public struct TextPage: Sendable {
    public var width: Int
    public var height: Int
    /// Side of one font pixel in output pixels (a letter is 5·scale wide, 7·scale tall).
    public var scale: Int
    public var paper: Float = 0.92
    public var ink: Float = 0.08

    public init(width: Int, height: Int, scale: Int = 3) {
        precondition(width > 0 && height > 0 && scale > 0, "a page needs a positive size and scale")
        self.width = width
        self.height = height
        self.scale = scale
    }

    /// The page for `seed`: one channel, `paper` with `ink` letters, lines 10 font pixels apart.
    public func render(seed: UInt64) -> Image {
        var rng = SeededRNG(seed: seed, stream: 0x7E47)
        let fine = 4, s = scale * fine
        let bigW = width * fine, bigH = height * fine
        var big = [Float](repeating: paper, count: bigW * bigH)
        let margin = 2 * s
        var y = margin
        while y + 7 * s <= bigH - margin {
            var x = margin
            while true {
                let length = 2 + Int(rng.next() % 7)
                guard x + length * 6 * s <= bigW - margin else { break }
                for _ in 0 ..< length {
                    let glyph = Self.glyphs[Int(rng.next() % UInt64(Self.glyphs.count))]
                    for (row, bits) in glyph.enumerated() {
                        for col in 0 ..< 5 where bits & (1 << (4 - col)) != 0 {
                            for dy in 0 ..< s {
                                let base = (y + row * s + dy) * bigW + x + col * s
                                for dx in 0 ..< s { big[base + dx] = ink }
                            }
                        }
                    }
                    x += 6 * s
                }
                x += 3 * s
            }
            y += 10 * s
        }
        // Exact: the 4× canvas is a whole multiple of the page, so no remainder is cropped.
        return try! downscaleByAveraging(Image(channels: 1, height: bigH, width: bigW, pixels: big), factor: fine)
    }

    /// A–Z in a classic 5 × 7 bitmap font: seven rows, the leftmost column in bit 4.
    static let glyphs: [[UInt8]] = [
        [0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001], // A
        [0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110], // B
        [0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110], // C
        [0b11110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11110], // D
        [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111], // E
        [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000], // F
        [0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111], // G
        [0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001], // H
        [0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110], // I
        [0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100], // J
        [0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001], // K
        [0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111], // L
        [0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001], // M
        [0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001], // N
        [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110], // O
        [0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000], // P
        [0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101], // Q
        [0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001], // R
        [0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110], // S
        [0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100], // T
        [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110], // U
        [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100], // V
        [0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010], // W
        [0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001], // X
        [0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100, 0b00100], // Y
        [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111], // Z
    ]
}
