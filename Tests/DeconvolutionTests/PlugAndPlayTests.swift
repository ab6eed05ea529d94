import Blur
import Foundation
import ImageCore
import Spectral
import Testing
@testable import Deconvolution

/// Dense Gaussian elimination with partial pivoting (Double), for tiny reference solves.
func solveDense(_ a: [[Double]], _ b: [Double]) -> [Double] {
    var a = a, b = b
    let n = b.count
    for col in 0 ..< n {
        let pivot = (col ..< n).max { abs(a[$0][col]) < abs(a[$1][col]) }!
        a.swapAt(col, pivot)
        b.swapAt(col, pivot)
        for row in col + 1 ..< n {
            let f = a[row][col] / a[col][col]
            for k in col ..< n { a[row][k] -= f * a[col][k] }
            b[row] -= f * b[col]
        }
    }
    var x = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
        var s = b[row]
        for k in row + 1 ..< n { s -= a[row][k] * x[k] }
        x[row] = s / a[row][row]
    }
    return x
}

/// The circulant blur of `psf` on an h×w grid as a dense matrix (row = output pixel), centre at the origin.
func circulantMatrix(_ psf: PSF, height h: Int, width w: Int) -> [[Double]] {
    var m = [[Double]](repeating: [Double](repeating: 0, count: h * w), count: h * w)
    let cy = psf.height / 2, cx = psf.width / 2
    for y in 0 ..< h {
        for x in 0 ..< w {
            for ky in 0 ..< psf.height {
                for kx in 0 ..< psf.width {
                    let sy = ((y - (ky - cy)) % h + h) % h, sx = ((x - (kx - cx)) % w + w) % w
                    m[y * w + x][sy * w + sx] += Double(psf.weights[0, ky, kx])
                }
            }
        }
    }
    return m
}

func texture(_ c: Int, _ h: Int, _ w: Int, seed: Int = 1) -> Image {
    var img = Image(channels: c, height: h, width: w)
    for i in img.pixels.indices { img.pixels[i] = Float(((i + seed) * 7919) % 89) / 88 }
    return img
}

@Suite("Plug-and-play HQS")
struct PlugAndPlayTests {
    @Test("the data step equals the direct solve of (HᵀH + ρI) x = Hᵀy + ρz on a tiny circular problem")
    func dataStepIsTheDirectSolve() throws {
        let psf = try PSF.parse("motion:3,30")
        let h = 9, w = 10
        let blur = try CirculantBlur(psf: psf, height: h, width: w)
        let y = texture(1, h, w), z = texture(1, h, w, seed: 5)
        let yBuffer = RealBuffer(count: h * w)
        for i in 0 ..< h * w { yBuffer.pointer[i] = y.pixels[i] }
        var x = Image(channels: 1, height: h, width: w)
        let rho: Float = 0.3
        HQSDataStep(blur: blur).solve(observation: yBuffer, prior: z, channel: 0, rho: rho, into: &x)

        let H = circulantMatrix(psf, height: h, width: w)
        let n = h * w
        var A = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        var b = [Double](repeating: 0, count: n)
        for i in 0 ..< n {
            for j in 0 ..< n {
                var s = 0.0
                for k in 0 ..< n { s += H[k][i] * H[k][j] }
                A[i][j] = s + (i == j ? Double(rho) : 0)
            }
            for k in 0 ..< n { b[i] += H[k][i] * Double(y.pixels[k]) }
            b[i] += Double(rho) * Double(z.pixels[i])
        }
        let direct = solveDense(A, b)
        let err = zip(x.pixels, direct).map { abs(Double($0) - $1) }.max()!
        #expect(err < 1e-4)
    }

    @Test("with a denoiser that returns its input and one iteration, pnp is the Tikhonov-to-z solution with z the mirror-padded image")
    func identityPriorIsTikhonovToZ() throws {
        let psf = try PSF.parse("gaussian:1")
        let y = texture(1, 12, 11)
        var o = PlugAndPlayOptions()
        o.iterations = 1
        o.noiseSigma = 0.02
        let out = try plugAndPlay(y, psf: psf, denoiser: { x, _ in x }, options: o)

        let grid = BoundaryGrid(imageHeight: 12, imageWidth: 11, psf: psf)
        let blur = try CirculantBlur(psf: psf, height: grid.height, width: grid.width)
        let z0 = grid.mirrorPadded(y)
        let adjusted = grid.boundaryAdjusted(y, channel: 0, estimate: z0, blur: blur)
        let rho = plugAndPlaySchedule(o, noiseSigma: 0.02)[0].rho
        let H = circulantMatrix(psf, height: grid.height, width: grid.width)
        let n = grid.height * grid.width
        var A = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        var b = [Double](repeating: 0, count: n)
        for i in 0 ..< n {
            for k in 0 ..< n where H[k][i] != 0 {
                for j in 0 ..< n where H[k][j] != 0 { A[i][j] += H[k][i] * H[k][j] }
                b[i] += H[k][i] * Double(adjusted.pointer[k])
            }
            A[i][i] += rho
            b[i] += rho * Double(z0.pixels[i])
        }
        let direct = solveDense(A, b)
        var maxErr = 0.0
        for yy in 0 ..< 12 {
            for xx in 0 ..< 11 {
                maxErr = max(maxErr, abs(Double(out.pixels[yy * 11 + xx]) - direct[(grid.top + yy) * grid.width + grid.left + xx]))
            }
        }
        #expect(maxErr < 1e-4)
    }

    @Test("the unobserved border is refilled with the re-blurred estimate; the observed part is the observation")
    func boundaryAdjustment() throws {
        let psf = try PSF.parse("disk:2")
        let y = texture(1, 14, 13)
        let grid = BoundaryGrid(imageHeight: 14, imageWidth: 13, psf: psf)
        #expect(grid.top >= psf.height && grid.left >= psf.width)
        let blur = try CirculantBlur(psf: psf, height: grid.height, width: grid.width)
        let estimate = texture(1, grid.height, grid.width, seed: 3)
        let adjusted = grid.boundaryAdjusted(y, channel: 0, estimate: estimate, blur: blur)
        let reblurred = RealBuffer(count: grid.height * grid.width)
        for i in 0 ..< estimate.pixels.count { reblurred.pointer[i] = estimate.pixels[i] }
        blur.apply(reblurred, into: reblurred)
        for yy in 0 ..< grid.height {
            for xx in 0 ..< grid.width {
                let inside = (grid.top ..< grid.top + 14).contains(yy) && (grid.left ..< grid.left + 13).contains(xx)
                let v = adjusted.pointer[yy * grid.width + xx]
                let expected = inside ? y.pixels[(yy - grid.top) * 13 + xx - grid.left] : reblurred.pointer[yy * grid.width + xx]
                #expect(abs(v - expected) < 1e-6)
            }
        }
    }

    @Test("the schedule: σ falls log-linearly from 49/255 to σₙ, ρ = λσₙ²/σ²")
    func schedule() {
        let s = plugAndPlaySchedule(PlugAndPlayOptions(), noiseSigma: 0.01)
        #expect(s.count == 8)
        #expect(abs(s[0].sigma - 49.0 / 255) < 1e-12 && abs(s[7].sigma - 0.01) < 1e-12)
        let ratio = s[1].sigma / s[0].sigma
        for i in 1 ..< 8 { #expect(abs(s[i].sigma / s[i - 1].sigma - ratio) < 1e-9) }
        #expect(abs(s[7].rho - 0.23) < 1e-12)
    }

    @Test("kernel error adds to the noise level in variance: the denoiser is called at the schedule of √(σₙ² + σₖₑ²)")
    func kernelErrorRaisesTheLevels() throws {
        let y = texture(1, 24, 20), psf = try PSF.parse("gaussian:1")
        func levels(_ kernelError: Double) throws -> [Double] {
            var o = PlugAndPlayOptions()
            o.noiseSigma = 0.01
            o.kernelErrorSigma = kernelError
            var seen: [Double] = []
            _ = try plugAndPlay(y, psf: psf, denoiser: { x, sigma in seen.append(sigma); return x }, options: o)
            return seen
        }
        let plain = try levels(0), widened = try levels(0.02)
        #expect(plain.map { $0 } == plugAndPlaySchedule(PlugAndPlayOptions(), noiseSigma: 0.01).map(\.sigma))
        let expected = plugAndPlaySchedule(PlugAndPlayOptions(), noiseSigma: (0.01 * 0.01 + 0.02 * 0.02).squareRoot()).map(\.sigma)
        #expect(zip(widened, expected).allSatisfy { abs($0 - $1) < 1e-12 } && widened.count == 8)
        #expect(abs(widened.last! - 0.0223607) < 1e-6)
        var bad = PlugAndPlayOptions()
        bad.kernelErrorSigma = -0.1
        #expect(throws: DeconvolutionError.self) { try plugAndPlay(y, psf: psf, denoiser: { x, _ in x }, options: bad) }
    }

    @Test("bad options, a PSF larger than the image, non-finite input and a denoiser of the wrong shape are named errors")
    func errors() throws {
        let y = texture(1, 12, 12), psf = try PSF.parse("gaussian:1")
        var o = PlugAndPlayOptions()
        o.iterations = 0
        #expect(throws: DeconvolutionError.invalidIterations(0)) { try plugAndPlay(y, psf: psf, denoiser: { x, _ in x }, options: o) }
        o = PlugAndPlayOptions()
        o.noiseSigma = .nan
        #expect(throws: DeconvolutionError.self) { try plugAndPlay(y, psf: psf, denoiser: { x, _ in x }, options: o) }
        o = PlugAndPlayOptions()
        o.lambda = -1
        #expect(throws: DeconvolutionError.self) { try plugAndPlay(y, psf: psf, denoiser: { x, _ in x }, options: o) }
        #expect(throws: DeconvolutionError.self) { try plugAndPlay(texture(1, 4, 4), psf: try PSF.parse("disk:4"), denoiser: { x, _ in x }) }
        var nanImage = y
        nanImage.pixels[3] = .nan
        #expect(throws: DeconvolutionError.nonFiniteInput(count: 1)) { try plugAndPlay(nanImage, psf: psf, denoiser: { x, _ in x }) }
        #expect(throws: DeconvolutionError.self) { try plugAndPlay(y, psf: psf, denoiser: { _, _ in texture(1, 3, 3) }) }
    }
}
