import Foundation
import ImageCore
import Testing
@testable import Metrics

@Suite("Error maps and colour maps")
struct ErrorMapTests {
    @Test("colour maps hold matplotlib's end points and interpolate linearly")
    func colormaps() {
        #expect(Colormap.viridis.entries.count == 256 && Colormap.inferno.entries.count == 256)
        #expect(Colormap.viridis.entries[0] == SIMD3<Float>(68, 1, 84) / 255)
        #expect(Colormap.viridis.entries[255] == SIMD3<Float>(253, 231, 37) / 255)
        #expect(Colormap.inferno.entries[0] == SIMD3<Float>(0, 0, 4) / 255)
        #expect(Colormap.inferno.entries[255] == SIMD3<Float>(252, 255, 164) / 255)
        let mid = Colormap.gray.colour(at: 0.5)
        #expect(abs(mid.x - 0.5) <= 1e-6 && mid.x == mid.z)
        #expect(Colormap.viridis.colour(at: -3) == Colormap.viridis.entries[0])
        #expect(Colormap.viridis.colour(at: 7) == Colormap.viridis.entries[255])
    }

    @Test("the absolute-difference map is |r − t| averaged over channels")
    func differenceMap() throws {
        let r = Image(channels: 2, height: 1, width: 3, pixels: [0, 0.5, 1, 0.25, 0.25, 0.25])
        let t = Image(channels: 2, height: 1, width: 3, pixels: [0.5, 0.5, 0, 0.25, 0.75, 0.75])
        #expect(try absoluteDifferenceMap(reference: r, test: t).pixels == [0.25, 0.25, 0.75])
    }

    @Test("the difference heat map: no error is the first colour, the maximum the last; caption states the scale")
    func differenceHeatMapColours() throws {
        let r = Image(channels: 1, height: 1, width: 3, pixels: [0.5, 0.5, 0.5])
        let t = Image(channels: 1, height: 1, width: 3, pixels: [0.5, 0.55, 0.9])
        let heat = try differenceHeatMap(reference: r, test: t, maximum: 0.1)
        #expect(heat.image.channels == 3 && heat.range == 0 ... 0.1)
        #expect(heat.image[0, 0, 0] == Colormap.inferno.entries[0].x && heat.image[2, 0, 0] == Colormap.inferno.entries[0].z)
        #expect(heat.image[0, 0, 2] == Colormap.inferno.entries[255].x)   // 0.4 saturates
        let half = Colormap.inferno.colour(at: 0.5)
        #expect(abs(heat.image[1, 0, 1] - half.y) <= 1e-3)
        #expect(heat.caption.contains("0 … 0.1"))
    }

    @Test("the automatic scale is the 99th percentile of the differences")
    func percentileScale() throws {
        let r = Image(channels: 1, height: 10, width: 10, value: 0)
        var t = r
        for i in 0 ..< 100 { t.pixels[i] = Float(i + 1) / 100 }
        #expect(abs(percentile(t.pixels, 0.99) - 0.99) <= 1.0 / 4096)
        let heat = try differenceHeatMap(reference: r, test: t)
        #expect(abs(heat.range.upperBound - 0.99) <= 1.0 / 4096)
    }

    @Test("the SSIM heat map of identical images is the brightest viridis colour everywhere")
    func ssimHeatMapIdentity() throws {
        let x = texturedImage(channels: 3, height: 20, width: 24, seed: 50)
        let heat = try ssimHeatMap(reference: x, test: x)
        let top = Colormap.viridis.entries[255]
        #expect(heat.image.width == 24 && heat.image.height == 20)
        #expect((0 ..< 480).allSatisfy { heat.image.pixels[$0] == top.x && heat.image.pixels[960 + $0] == top.z })
    }
}
