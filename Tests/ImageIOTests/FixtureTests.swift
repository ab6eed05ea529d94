import Foundation
import ImageCore
@testable import ImageIO
import Testing

/// Files written by an independent encoder (a standard-library Python PNG writer; Pillow for JPEG),
/// compared with values stored by scripts/reference/make_imageio_fixtures.py in Fixtures/expected.json.
@Suite("Fixtures from independent encoders")
struct FixtureTests {
    static let names = [
        "gray_alpha_8bit.png", "rgba_8bit.png", "rgba_opaque_8bit.png", "palette_trns_4bit.png", "palette_8bit.png",
        "gray_1bit.png", "gray_16bit.png", "rgb_16bit.png", "rgba_16bit.png", "rgb_adam7_8bit.png",
        "gray.jpg", "rgb_420.jpg", "rgb_progressive.jpg",
    ]

    @Test("Decoded values match the reference", arguments: names)
    func decodedValues(name: String) throws {
        let expected = try #require(try loadExpectations().fixtures[name])
        let img = try readImage(at: fixturePath(name))
        #expect(img.width == expected.width)
        #expect(img.height == expected.height)
        #expect(img.channels == expected.channels)
        try #require(img.pixels.count == expected.values.count)
        var worst = 0.0
        // Compared with the reference rounded to Float32, so "exact" fixtures use tolerance 0.
        for (a, b) in zip(img.pixels, expected.values) { worst = max(worst, abs(Double(a) - Double(Float(b)))) }
        #expect(worst <= expected.tolerance, "\(name): \(expected.note); max error \(worst)")
    }

    @Test("The fixtures that need it contain partial transparency")
    func alphaIsExercised() throws {
        // Guard against fixtures that would make the compositing tests trivial.
        let e = try loadExpectations().fixtures
        let rgba = try #require(e["rgba_8bit.png"])
        let opaque = try readImage(at: fixturePath("rgba_opaque_8bit.png"))
        #expect(rgba.values.contains { $0 > 0 && $0 < 1 })
        // Pixel (x=2, y=0) has alpha 1/255: red 3+120=123 → 123/255 · 1/255.
        let img = try readImage(at: fixturePath("rgba_8bit.png"))
        #expect(abs(img[0, 0, 2] - Float(123.0 / 255 / 255)) < 1e-7)
        #expect(img[0, 0, 3] == 0)  // fully transparent → black
        #expect(opaque[0, 1, 2] == Float(120) / 255)  // red = 10·2 + 100·1
    }

    @Test("Headers report format, size, decoded channels, bit depth and alpha")
    func headers() throws {
        let cases: [(String, ImageHeader)] = [
            ("gray_alpha_8bit.png", ImageHeader(format: .png, width: 5, height: 3, channels: 1, bitDepth: 8, hasAlpha: true)),
            ("rgba_8bit.png", ImageHeader(format: .png, width: 4, height: 3, channels: 3, bitDepth: 8, hasAlpha: true)),
            ("palette_trns_4bit.png", ImageHeader(format: .png, width: 5, height: 2, channels: 3, bitDepth: 8, hasAlpha: true)),
            ("palette_8bit.png", ImageHeader(format: .png, width: 3, height: 3, channels: 3, bitDepth: 8)),
            ("gray_1bit.png", ImageHeader(format: .png, width: 9, height: 2, channels: 1, bitDepth: 8)),
            ("gray_16bit.png", ImageHeader(format: .png, width: 5, height: 4, channels: 1, bitDepth: 16)),
            ("rgba_16bit.png", ImageHeader(format: .png, width: 3, height: 2, channels: 3, bitDepth: 16, hasAlpha: true)),
            ("gray.jpg", ImageHeader(format: .jpeg, width: 13, height: 11, channels: 1, bitDepth: 8)),
            ("rgb_420.jpg", ImageHeader(format: .jpeg, width: 17, height: 9, channels: 3, bitDepth: 8)),
        ]
        for (name, expected) in cases {
            #expect(try readImageHeader(at: fixturePath(name)) == expected, "\(name)")
        }
    }

    @Test("A CMYK JPEG is refused with a named error")
    func cmykRefused() throws {
        let path = fixturePath("cmyk.jpg")
        #expect(throws: ImageIOError.unsupportedContent(name: path, detail: "a CMYK JPEG (print colour space)")) {
            try readImage(at: path)
        }
    }

    @Test("An image at exactly the pixel limit decodes; one pixel over is refused")
    func pixelLimitBoundary() throws {
        let path = fixturePath("gray_16bit.png")  // 5×4 = 20 pixels
        #expect(try readImage(at: path, maxPixels: 20).pixelsCount == 20)
        #expect(throws: ImageIOError.tooManyPixels(name: path, width: 5, height: 4, maxPixels: 19)) {
            try readImage(at: path, maxPixels: 19)
        }
        let jpg = fixturePath("gray.jpg")  // 13×11 = 143 pixels
        #expect(throws: ImageIOError.tooManyPixels(name: jpg, width: 13, height: 11, maxPixels: 142)) {
            try readImage(at: jpg, maxPixels: 142)
        }
    }
}

extension Image {
    fileprivate var pixelsCount: Int { pixels.count }
}
