import Blur
import Foundation
import ImageCore
import Spectral
import Testing
@testable import Deconvolution

@Suite("Hyper-Laplacian deconvolution")
struct HyperLaplacianTests {
    /// The exact minimiser of |w|^α + β/2 (w − v)² checked against a brute-force search on a fine grid.
    @Test("the exact w-step has the lowest energy on a 2·10⁵-point grid (α = 1/2, 2/3, 1, 1.5; several β and v)")
    func shrinkIsTheMinimiser() {
        for alpha in [0.5, 2.0 / 3, 1, 1.5] {
            for beta in [1.0, 8, 181] {
                for v in [-0.9, -0.2, -0.03, 0.004, 0.05, 0.3, 1.7] {
                    let w = hyperLaplacianShrink(v, alpha: alpha, beta: beta)
                    func energy(_ u: Double) -> Double { pow(abs(u), alpha) + beta / 2 * (u - v) * (u - v) }
                    let steps = 200_000
                    let best = (0 ... steps).map { energy(v * Double($0) / Double(steps)) }.min()!
                    #expect(energy(w) <= best + 1e-9, "α \(alpha), β \(beta), v \(v): w \(w)")
                    #expect(abs(w) <= abs(v) + 1e-12 && (w == 0 || (w < 0) == (v < 0)))
                }
            }
        }
    }

    @Test("the look-up table matches the exact root to 1e-4 (α = 2/3 and 1/2, β over the schedule)")
    func tableMatchesExactRoot() {
        var rng = SeededRNG(seed: 3)
        for alpha in [2.0 / 3, 0.5] {
            for beta in HyperLaplacianOptions().betas {
                let table = ShrinkageTable(alpha: alpha, beta: beta)
                var worst = 0.0
                for _ in 0 ..< 2000 {
                    let v = rng.uniform(in: -1.2 ... 1.2)
                    worst = max(worst, abs(Double(table(Float(v))) - hyperLaplacianShrink(Double(Float(v)), alpha: alpha, beta: beta)))
                }
                #expect(worst <= 1e-4, "α \(alpha), β \(beta): \(worst)")
            }
        }
    }

    /// With α = 2 the w-step is w = β v / (β + 2), and the HQS fixed point at fixed β solves
    /// (λ HᵀH + 2β/(β + 2) DᵀD) x = λ Hᵀ y: Tikhonov with the gradient, checked by a dense solve.
    @Test("α = 2: the fixed point of the x- and w-steps is the Tikhonov closed form (dense solve on a 7×8 circular problem)")
    func alphaTwoIsTikhonov() throws {
        let psf = try PSF.parse("gaussian:0.8")
        let h = 7, w = 8, n = h * w
        let blur = try CirculantBlur(psf: psf, height: h, width: w)
        let y = texture(1, h, w)
        let yBuffer = RealBuffer(count: n)
        for i in 0 ..< n { yBuffer.pointer[i] = y.pixels[i] }
        let lambda = 50.0, beta = 8.0
        let step = GradientPriorStep(blur: blur, height: h, width: w)
        let table = ShrinkageTable(alpha: 2, beta: beta)
        var x = y
        for _ in 0 ..< 400 { step.solve(observation: yBuffer, estimate: &x, channel: 0, shrink: table, weight: Float(beta / lambda)) }

        let H = circulantMatrix(psf, height: h, width: w)
        var D = [[Double]](repeating: [Double](repeating: 0, count: n), count: 2 * n)   // forward differences, circular
        for r in 0 ..< h {
            for c in 0 ..< w {
                let i = r * w + c
                D[i][r * w + (c + 1) % w] += 1; D[i][i] -= 1
                D[n + i][((r + 1) % h) * w + c] += 1; D[n + i][i] -= 1
            }
        }
        let mu = 2 * beta / (beta + 2)
        var A = [[Double]](repeating: [Double](repeating: 0, count: n), count: n), b = [Double](repeating: 0, count: n)
        for i in 0 ..< n {
            for j in 0 ..< n {
                var hh = 0.0, dd = 0.0
                for k in 0 ..< n { hh += H[k][i] * H[k][j] }
                for k in 0 ..< 2 * n { dd += D[k][i] * D[k][j] }
                A[i][j] = lambda * hh + mu * dd
            }
            for k in 0 ..< n { b[i] += lambda * H[k][i] * Double(y.pixels[k]) }
        }
        let direct = solveDense(A, b)
        let err = zip(x.pixels, direct).map { abs(Double($0) - $1) }.max()!
        #expect(err < 2e-4, "max difference \(err)")
    }

    @Test("α ∉ (0, 2], λ ≤ 0, κ ≤ 0, a bad β schedule, non-finite input and a too-large PSF are named errors")
    func badParameters() throws {
        let img = texture(1, 20, 20), psf = try PSF.parse("gaussian:1")
        func options(_ edit: (inout HyperLaplacianOptions) -> Void) -> HyperLaplacianOptions { var o = HyperLaplacianOptions(); edit(&o); return o }
        for o in [options { $0.alpha = 0 }, options { $0.alpha = 2.5 }, options { $0.alpha = .nan }, options { $0.lambda = -1 },
                  options { $0.lambda = 0 }, options { $0.kappa = 0 }, options { $0.betaRate = 1 }, options { $0.betaMax = 0.5 }] {
            #expect(throws: DeconvolutionError.self) { try hyperLaplacian(img, psf: psf, options: o) }
        }
        var nan = img
        nan.pixels[7] = .nan
        #expect(throws: DeconvolutionError.nonFiniteInput(count: 1)) { try hyperLaplacian(nan, psf: psf) }
        #expect(throws: DeconvolutionError.self) { try hyperLaplacian(texture(1, 5, 5), psf: try PSF.parse("disk:4")) }
    }

    @Test("on a valid-blurred texture, the restoration is closer to the sharp image than the blurred input, in every channel")
    func restores() throws {
        let psf = try PSF.parse("motion:7,20")
        let sharp = texture(3, 48, 52)
        let d = try degrade(sharp, psf: psf, options: DegradationOptions(noiseSigma: 0.005), seed: 2)
        let x = try hyperLaplacian(d.blurred, psf: psf)
        for c in 0 ..< 3 {
            func mse(_ a: Image) -> Double {
                let p = a.planeSize
                return (0 ..< p).map { Double(a.pixels[c * p + $0] - d.sharp.pixels[c * p + $0]) }.map { $0 * $0 }.reduce(0, +) / Double(p)
            }
            #expect(mse(x) < 0.7 * mse(d.blurred), "channel \(c): \(mse(x)) vs \(mse(d.blurred))")
        }
    }
}
