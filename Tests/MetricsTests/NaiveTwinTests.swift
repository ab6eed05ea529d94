import Foundation
import ImageCore
import Testing
@testable import Metrics
import Tensors

// Naive twins of the tuned kernels: direct 2-D windows in Double, written from the papers'
// definitions (and sewar's code for VIFp), compared on odd sizes.

/// SSIM and cs at every valid position of one plane, by direct 2-D windows.
func naiveSSIM(_ x: [Double], _ y: [Double], height h: Int, width w: Int, taps: [Double],
               c1: Double, c2: Double, covarianceNorm: Double) -> (ssim: [Double], cs: [Double]) {
    let k = taps.count, oh = h - k + 1, ow = w - k + 1
    var ssim = [Double](), cs = [Double]()
    for r in 0 ..< oh {
        for c in 0 ..< ow {
            var mx = 0.0, my = 0.0, xx = 0.0, yy = 0.0, xy = 0.0
            for a in 0 ..< k {
                for b in 0 ..< k {
                    let wt = taps[a] * taps[b], u = x[(r + a) * w + c + b], v = y[(r + a) * w + c + b]
                    mx += wt * u; my += wt * v; xx += wt * u * u; yy += wt * v * v; xy += wt * u * v
                }
            }
            let vx = covarianceNorm * (xx - mx * mx), vy = covarianceNorm * (yy - my * my)
            let vxy = covarianceNorm * (xy - mx * my)
            let s = (2 * vxy + c2) / (vx + vy + c2)
            cs.append(s)
            ssim.append((2 * mx * my + c1) / (mx * mx + my * my + c1) * s)
        }
    }
    return (ssim, cs)
}

/// sewar 0.4.10 `_vifp_single`, literally (2-D windows, 'valid', [::2, ::2]).
func naiveVIFp(_ reference: [Double], _ test: [Double], height: Int, width: Int, noise: Double = 2) -> Double {
    var x = reference, y = test, h = height, w = width
    func valid(_ p: [Double], _ h: Int, _ w: Int, _ g: [Double]) -> [Double] {
        let k = g.count
        var out = [Double]()
        for r in 0 ..< h - k + 1 {
            for c in 0 ..< w - k + 1 {
                var s = 0.0
                for a in 0 ..< k { for b in 0 ..< k { s += g[a] * g[b] * p[(r + a) * w + c + b] } }
                out.append(s)
            }
        }
        return out
    }
    var num = 0.0, den = 0.0
    let eps = 1e-10
    for scale in 1 ... 4 {
        let n = (1 << (5 - scale)) + 1
        let g = SSIMConstants.gaussianWindow(size: n, sigma: Double(n) / 5)
        if scale > 1 {
            let fx = valid(x, h, w, g), fy = valid(y, h, w, g)
            let vh = h - n + 1, vw = w - n + 1
            x = []; y = []
            for r in stride(from: 0, to: vh, by: 2) {
                for c in stride(from: 0, to: vw, by: 2) { x.append(fx[r * vw + c]); y.append(fy[r * vw + c]) }
            }
            h = (vh + 1) / 2; w = (vw + 1) / 2
        }
        let mu1 = valid(x, h, w, g), mu2 = valid(y, h, w, g)
        let xx = valid(x.map { $0 * $0 }, h, w, g), yy = valid(y.map { $0 * $0 }, h, w, g)
        let xy = valid(zip(x, y).map { $0 * $1 }, h, w, g)
        for i in mu1.indices {
            var s1 = xx[i] - mu1[i] * mu1[i], s2 = yy[i] - mu2[i] * mu2[i]
            let s12 = xy[i] - mu1[i] * mu2[i]
            if s1 < 0 { s1 = 0 }
            if s2 < 0 { s2 = 0 }
            var gain = s12 / (s1 + eps), sv = s2 - gain * s12
            if s1 < eps { gain = 0; sv = s2; s1 = 0 }
            if s2 < eps { gain = 0; sv = 0 }
            if gain < 0 { sv = s2; gain = 0 }
            if sv <= eps { sv = eps }
            num += log10(1 + gain * gain * s1 / (sv + noise))
            den += log10(1 + s1 / noise)
        }
    }
    return num / den
}

func plane(_ image: Image, _ c: Int, scale: Double = 1) -> [Double] {
    image.channel(c).pixels.map { Double($0) * scale }
}

@Suite("Tuned kernels against naive twins on odd sizes")
struct NaiveTwinTests {
    @Test("row and column correlation equal direct sums (radius 1, 2, 3, 4, 5, 8; Float and Double; odd lengths)",
          arguments: [1, 2, 3, 4, 5, 8])
    func correlation(radius: Int) {
        let k = 2 * radius + 1
        let taps = SSIMConstants.gaussianWindow(size: k, sigma: Double(k) / 5)
        var rng = SeededRNG(seed: UInt64(radius))
        for n in [1, 7, 37] {
            let rows = k + 2, width = n + 2 * radius
            let data = (0 ..< rows * width).map { _ in rng.uniform() }
            var expectedRow = [Double](repeating: 0, count: n), expectedColumn = [Double](repeating: 0, count: width)
            for j in 0 ..< n { for t in 0 ..< k { expectedRow[j] += taps[t] * data[j + t] } }
            for j in 0 ..< width { for t in 0 ..< k { expectedColumn[j] += taps[t] * data[t * width + j] } }
            var outD = [Double](repeating: .nan, count: width), outF = [Float](repeating: .nan, count: width)
            let dataF = data.map { Float($0) }, tapsF = taps.map { Float($0) }
            data.withUnsafeBufferPointer { d in taps.withUnsafeBufferPointer { t in outD.withUnsafeMutableBufferPointer { o in
                Double.filterRow(d.baseAddress!, o.baseAddress!, count: n, taps: t.baseAddress!, radius: radius)
            } } }
            #expect(zip(outD.prefix(n), expectedRow).allSatisfy { abs($0 - $1) <= 1e-14 })
            data.withUnsafeBufferPointer { d in taps.withUnsafeBufferPointer { t in outD.withUnsafeMutableBufferPointer { o in
                Double.filterColumns(d.baseAddress!, stride: width, o.baseAddress!, count: width, taps: t.baseAddress!, radius: radius)
            } } }
            #expect(zip(outD, expectedColumn).allSatisfy { abs($0 - $1) <= 1e-14 })
            dataF.withUnsafeBufferPointer { d in tapsF.withUnsafeBufferPointer { t in outF.withUnsafeMutableBufferPointer { o in
                Float.filterRow(d.baseAddress!, o.baseAddress!, count: n, taps: t.baseAddress!, radius: radius)
            } } }
            #expect(zip(outF.prefix(n), expectedRow).allSatisfy { abs(Double($0) - $1) <= 1e-6 })
            dataF.withUnsafeBufferPointer { d in tapsF.withUnsafeBufferPointer { t in outF.withUnsafeMutableBufferPointer { o in
                Float.filterColumns(d.baseAddress!, stride: width, o.baseAddress!, count: width, taps: t.baseAddress!, radius: radius)
            } } }
            #expect(zip(outF, expectedColumn).allSatisfy { abs(Double($0) - $1) <= 1e-6 })
        }
    }

    @Test("SSIM (both windows) equals direct 2-D windows on odd sizes, including bands that end mid-image",
          arguments: [(23, 37), (11, 11), (75, 19)])
    func ssim(height: Int, width: Int) throws {
        let x = texturedImage(channels: 2, height: height, width: width, seed: 30)
        let y = noisy(x, sigma: 0.05, seed: 31)
        for window in SSIMWindow.allCases where window.size <= min(height, width) {
            var expected = 0.0
            for c in 0 ..< 2 {
                let s = naiveSSIM(plane(x, c), plane(y, c), height: height, width: width, taps: window.taps,
                                  c1: 1e-4, c2: 9e-4, covarianceNorm: window.covarianceNorm).ssim
                expected += s.reduce(0, +) / Double(s.count) / 2
            }
            #expect(abs(try SSIM(window: window).score(reference: x, test: y) - expected) <= 1e-6)
        }
    }

    @Test("the SSIM map equals direct windows on the half-sample-symmetric padded image; its interior mean is the score")
    func ssimMap() throws {
        let x = texturedImage(channels: 1, height: 29, width: 33, seed: 32), y = noisy(x, sigma: 0.08, seed: 33)
        let map = try SSIM().map(reference: x, test: y)
        let px = x.padded(by: 5, mode: .reflect), py = y.padded(by: 5, mode: .reflect)
        let expected = naiveSSIM(plane(px, 0), plane(py, 0), height: 39, width: 43, taps: SSIMWindow.gaussian.taps,
                                 c1: 1e-4, c2: 9e-4, covarianceNorm: 1).ssim
        #expect(map.height == 29 && map.width == 33)
        #expect(zip(map.pixels, expected).allSatisfy { abs(Double($0) - $1) <= 1e-5 })
        var interior = 0.0
        for r in 5 ..< 24 { for c in 5 ..< 28 { interior += Double(map[0, r, c]) } }
        #expect(abs(interior / Double(19 * 23) - (try SSIM().score(reference: x, test: y))) <= 1e-6)
    }

    @Test("MS-SSIM equals the composition of naive halving and naive SSIM (odd sizes 161×170)")
    func msssim() throws {
        let x = texturedImage(channels: 1, height: 161, width: 170, seed: 34), y = noisy(x, sigma: 0.05, seed: 35)
        var a = plane(x, 0), b = plane(y, 0), h = 161, w = 170
        var product = 1.0
        for (k, weight) in MSSSIM.weights.enumerated() {
            if k > 0 {
                let oh = (h + 1) / 2, ow = (w + 1) / 2
                func half(_ p: [Double]) -> [Double] {
                    var out = [Double]()
                    for r in 0 ..< oh {
                        for c in 0 ..< ow {
                            let r1 = min(2 * r + 1, h - 1), c1 = min(2 * c + 1, w - 1)
                            out.append(Double(Float((p[2 * r * w + 2 * c] + p[2 * r * w + c1] + p[r1 * w + 2 * c] + p[r1 * w + c1]) / 4)))
                        }
                    }
                    return out
                }
                a = half(a); b = half(b); h = oh; w = ow
            }
            let s = naiveSSIM(a, b, height: h, width: w, taps: SSIMConstants.gaussianWindow(), c1: 1e-4, c2: 9e-4, covarianceNorm: 1)
            let term = k == 4 ? s.ssim.reduce(0, +) / Double(s.ssim.count) : s.cs.reduce(0, +) / Double(s.cs.count)
            product *= pow(max(0, term), weight)
        }
        #expect(abs(try MSSSIM().score(reference: x, test: y) - product) <= 1e-6)
    }

    @Test("VIFp equals sewar's algorithm written literally (2-D windows), odd sizes and a flat region",
          arguments: [(45, 53), (41, 41), (60, 47)])
    func vif(height: Int, width: Int) throws {
        var x = texturedImage(channels: 1, height: height, width: width, seed: 36)
        for r in 0 ..< 15 { for c in 0 ..< 20 { x[0, r, c] = 1 } }   // saturated patch: σ² < ε branches
        let y = noisy(x, sigma: 0.03, seed: 37)
        let expected = naiveVIFp(plane(x, 0, scale: 255), plane(y, 0, scale: 255), height: height, width: width)
        #expect(abs(try VIF().score(reference: x, test: y) / expected - 1) <= 1e-10)
    }

    @Test("log2 of a product renormalises without losing digits (factors up to 2^120)")
    func productLog() {
        var rng = SeededRNG(seed: 40)
        let factors = (0 ..< 301).map { i in i % 50 == 0 ? 0x1p120 : 1 + 1000 * rng.uniform() }
        let expected = factors.reduce(0) { $0 + log2($1) }
        let value = factors.withUnsafeBufferPointer { log2OfProduct($0.baseAddress!, count: $0.count) }
        #expect(abs(value / expected - 1) <= 1e-13)
    }

    @Test("halving averages 2×2 blocks and repeats the last row/column of odd sides")
    func halving() {
        let image = Image(channels: 1, height: 3, width: 5, pixels: (0 ..< 15).map { Float($0) })
        let half = halved(image)
        #expect(half.height == 2 && half.width == 3)
        #expect(half.pixels == [3, 5, 6.5, 10.5, 12.5, 14])
    }
}

@Suite("Fused blur-pool against the Tensors operations")
struct BlurPoolTests {
    @Test("blurPool equals maxPool2d → pad2d(.reflect) → grouped conv2d [→ relu] on odd sizes",
          arguments: [(false, true, 9, 14), (true, false, 8, 11), (true, true, 23, 7), (false, false, 3, 3)])
    func matchesTensors(maxPoolFirst: Bool, reluAfter: Bool, height: Int, width: Int) {
        var rng = SeededRNG(seed: UInt64(height * width))
        let channels = 3
        let input = Tensor(shape: [2, channels, height + (maxPoolFirst ? 2 : 0), width + (maxPoolFirst ? 2 : 0)],
                           scalars: (0 ..< 2 * channels * (height + (maxPoolFirst ? 2 : 0)) * (width + (maxPoolFirst ? 2 : 0)))
                               .map { _ in Float(rng.uniform(in: -1 ... 1)) })
        let filter = Tensor(shape: [channels, 1, 3, 3], scalars: (0 ..< channels).flatMap { _ in [1, 2, 1, 2, 4, 2, 1, 2, 1].map { Float($0) / 16 } })
        var expected = maxPoolFirst ? maxPool2d(input, kernelSize: 3, stride: 1) : input
        expected = conv2d(pad2d(expected, top: 2, bottom: 2, left: 2, right: 2, mode: .reflect), weight: filter, stride: 2, groups: channels)
        if reluAfter { expected = relu(expected) }
        let fused = blurPool(input, maxPoolFirst: maxPoolFirst, reluAfter: reluAfter)
        #expect(fused.shape == expected.shape)
        #expect(fused.maxAbsDifference(expected) <= 1e-6)
    }
}
