import Blur
import Foundation
import ImageCore
import Spectral
import Testing
@testable import Deconvolution

/// The TV objective λ/2‖Hx − y‖² + Σ‖∇x‖₂ with H given by its non-zero entries (circular forward differences).
struct TVProblem {
    let h: Int, w: Int
    let lambda: Double
    let y: [Double]
    let entries: [(row: Int, col: Int, value: Double)]   // H's non-zeros

    init(psf: PSF, y: Image, lambda: Double) {
        h = y.height; w = y.width
        self.lambda = lambda
        self.y = y.pixels.map(Double.init)
        let dense = circulantMatrix(psf, height: h, width: w)
        var e: [(Int, Int, Double)] = []
        for r in 0 ..< h * w { for c in 0 ..< h * w where dense[r][c] != 0 { e.append((r, c, dense[r][c])) } }
        entries = e
    }

    func blur(_ x: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: h * w)
        for e in entries { out[e.row] += e.value * x[e.col] }
        return out
    }

    func blurAdjoint(_ v: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: h * w)
        for e in entries { out[e.col] += e.value * v[e.row] }
        return out
    }

    func gradient(_ x: [Double]) -> ([Double], [Double]) {
        var gx = [Double](repeating: 0, count: h * w), gy = gx
        for r in 0 ..< h { for c in 0 ..< w {
            gx[r * w + c] = x[r * w + (c + 1) % w] - x[r * w + c]
            gy[r * w + c] = x[((r + 1) % h) * w + c] - x[r * w + c]
        } }
        return (gx, gy)
    }

    func gradientAdjoint(_ a: [Double], _ b: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: h * w)
        for r in 0 ..< h { for c in 0 ..< w {
            let i = r * w + c
            out[i] = a[r * w + (c + w - 1) % w] - a[i] + b[((r + h - 1) % h) * w + c] - b[i]
        } }
        return out
    }

    func objective(_ x: [Double]) -> Double {
        let residual = zip(blur(x), y).map { $0 - $1 }
        let (gx, gy) = gradient(x)
        return lambda / 2 * residual.map { $0 * $0 }.reduce(0, +) + zip(gx, gy).map { ($0 * $0 + $1 * $1).squareRoot() }.reduce(0, +)
    }

    /// The slow reference: Chambolle–Pock's primal–dual algorithm (2011) on K = [∇; H], in Double,
    /// with H applied from its matrix entries — no FFT, no splitting shared with the solver under test.
    func primalDual(iterations: Int) -> [Double] {
        let n = h * w, tau = 0.3, sigma = 0.3   // τσ‖K‖² ≤ 0.09 · (8 + 1) < 1
        var x = y, xBar = y
        var px = [Double](repeating: 0, count: n), py = px, q = px, hx = px, step = px
        for _ in 0 ..< iterations {
            for r in 0 ..< h {
                for c in 0 ..< w {
                    let i = r * w + c
                    let vx = px[i] + sigma * (xBar[r * w + (c + 1) % w] - xBar[i])
                    let vy = py[i] + sigma * (xBar[((r + 1) % h) * w + c] - xBar[i])
                    let norm = max(1, (vx * vx + vy * vy).squareRoot())
                    px[i] = vx / norm; py[i] = vy / norm
                }
            }
            for i in 0 ..< n { hx[i] = 0 }
            for e in entries { hx[e.row] += e.value * xBar[e.col] }
            for i in 0 ..< n { q[i] = (q[i] + sigma * (hx[i] - y[i])) / (1 + sigma / lambda) }
            for r in 0 ..< h {
                for c in 0 ..< w {
                    let i = r * w + c
                    step[i] = px[r * w + (c + w - 1) % w] - px[i] + py[((r + h - 1) % h) * w + c] - py[i]
                }
            }
            for e in entries { step[e.col] += e.value * q[e.row] }
            for i in 0 ..< n {
                let next = x[i] - tau * step[i]
                xBar[i] = 2 * next - x[i]
                x[i] = next
            }
        }
        return x
    }
}

@Suite("Total-variation deconvolution by ADMM")
struct TVADMMTests {
    @Test("on a circular 10×12 problem the ADMM minimum matches Chambolle–Pock's after 5,000 iterations to 1e-4 relative")
    func matchesPrimalDualReference() throws {
        let psf = try PSF.parse("gaussian:0.7")
        var y = texture(1, 10, 12)
        for i in y.pixels.indices { y.pixels[i] = 0.3 + 0.4 * y.pixels[i] }
        let lambda = 40.0
        let problem = TVProblem(psf: psf, y: y, lambda: lambda)
        var options = TVADMMOptions()
        options.lambda = lambda
        options.iterations = 5000
        options.tolerance = 1e-6
        let (solved, iterations) = try tvADMM(y, psf: psf, options: options, circular: true)
        let ours = problem.objective(solved.pixels.map(Double.init))
        let reference = problem.objective(problem.primalDual(iterations: 5_000))
        #expect(abs(ours - reference) <= 1e-4 * reference, "ADMM \(ours) (\(iterations[0]) iterations) vs primal–dual \(reference)")
        // And it is a minimum worth the name: well below the objective at the observation itself.
        #expect(ours < 0.9 * problem.objective(problem.y))
    }

    @Test("the default stopping rule ends long before the iteration cap on a natural-looking problem, near the minimum")
    func stopsEarly() throws {
        let psf = try PSF.parse("motion:5,30")
        let sharp = texture(1, 40, 44)
        // Circularly blurred, plus a deterministic ±0.01 pattern for noise.
        var y = sharp
        let blurred = TVProblem(psf: psf, y: sharp, lambda: 1).blur(sharp.pixels.map(Double.init))
        for i in y.pixels.indices { y.pixels[i] = Float(blurred[i]) + 0.01 * Float((i * 7919) % 13 - 6) / 6 }
        var options = TVADMMOptions()
        options.lambda = 300
        options.iterations = 2000
        let (loose, counts) = try tvADMM(y, psf: psf, options: options, circular: true)
        options.tolerance = 1e-6
        let (tight, _) = try tvADMM(y, psf: psf, options: options, circular: true)
        let problem = TVProblem(psf: psf, y: y, lambda: 300)
        let a = problem.objective(loose.pixels.map(Double.init)), b = problem.objective(tight.pixels.map(Double.init))
        #expect(counts[0] < 500, "\(counts[0]) iterations at tolerance 1e-3")
        #expect(a <= b * 1.01, "stopped at \(a), the minimum is \(b)")
    }

    @Test("λ ≤ 0 or non-finite, κ ≤ 0, iterations < 1, tolerance ≤ 0, non-finite input and a too-large PSF are named errors")
    func badParameters() throws {
        let img = texture(1, 20, 20), psf = try PSF.parse("gaussian:1")
        func options(_ edit: (inout TVADMMOptions) -> Void) -> TVADMMOptions { var o = TVADMMOptions(); edit(&o); return o }
        for o in [options { $0.lambda = 0 }, options { $0.lambda = -2 }, options { $0.lambda = .infinity }, options { $0.kappa = 0 },
                  options { $0.iterations = 0 }, options { $0.tolerance = 0 }, options { $0.rhoFraction = .nan }] {
            #expect(throws: DeconvolutionError.self) { try tvADMM(img, psf: psf, options: o) }
        }
        var nan = img
        nan.pixels[3] = .infinity
        #expect(throws: DeconvolutionError.nonFiniteInput(count: 1)) { try tvADMM(nan, psf: psf) }
        #expect(throws: DeconvolutionError.self) { try tvADMM(texture(1, 5, 5), psf: try PSF.parse("disk:4")) }
    }

    @Test("on a valid-blurred texture (honest borders), the restoration is closer to the sharp image than the input, in every channel")
    func restores() throws {
        let psf = try PSF.parse("motion:7,20")
        let sharp = texture(3, 48, 52)
        let d = try degrade(sharp, psf: psf, options: DegradationOptions(noiseSigma: 0.005), seed: 2)
        let x = try tvADMM(d.blurred, psf: psf)
        #expect(x.channels == 3 && x.height == d.blurred.height && x.width == d.blurred.width)
        for c in 0 ..< 3 {
            func mse(_ a: Image) -> Double {
                let p = a.planeSize
                return (0 ..< p).map { Double(a.pixels[c * p + $0] - d.sharp.pixels[c * p + $0]) }.map { $0 * $0 }.reduce(0, +) / Double(p)
            }
            #expect(mse(x) < 0.7 * mse(d.blurred), "channel \(c): \(mse(x)) vs \(mse(d.blurred))")
        }
    }
}
