import Blur
import Foundation
import ImageCore
import Spectral

/// Knobs of `estimateBlindKernel`, with the published defaults of [1].
public struct BlindOptions: Sendable, Equatable {
    /// Odd kernel side at the finest scale.
    public var kernelSize: Int
    /// The estimation runs on the central crop of at most this many pixels per side (speed;
    /// a kernel is a global property, 384² px hold plenty of edges).
    public var maximumWorkingSide: Int = 384
    /// Alternations (latent, kernel) per scale.
    public var iterationsPerScale: Int = 5
    /// λ of the L0 gradient prior at the start of each scale (divided by 1.1 per iteration, ≥ 1e-4).
    public var gradientWeight: Double = 4e-3
    /// γ of the kernel's Tikhonov term `γ‖k‖²`. [1] uses 2; on the study's 384-px crops 20 met
    /// the error-ratio target more often (30 shakes: 83 % against 77 % with seed 0, 87 % both with seed 1).
    public var kernelWeight: Double = 20
    /// Kernel weights below this fraction of the largest are set to zero after each update.
    public var threshold: Double = 0.1
    /// The whole coarse-to-fine estimation runs once per gain g with λ and γ divided by g² (the
    /// objective of the image with its contrast multiplied by g) and the candidate that explains
    /// the most gradient energy under one common latent (`selectionGradientWeight`) is kept.
    /// An L0 prior is not contrast-invariant: λ = 4e-3 suits photographs of ordinary contrast and
    /// erases the real edges of a faint one (on `brick`, whole mortar lines), while a textured
    /// photograph (`grass`, `gravel`) goes wrong with a smaller λ because its texture then enters
    /// the latent. No single λ suits both; the ladder lets the data choose. (Scaling the image
    /// itself instead — the same objective, but the splitting's β then starts g² higher — did as
    /// well within the noise: 112 against 115 successes in the 126 study cases of seeds 0–2.)
    public var contrastGains: [Double] = [1, 2.0.squareRoot(), 2, 8.0.squareRoot()]
    /// λ of the common latent (one L0 restoration at the finest scale, with each candidate
    /// kernel) that ranks the candidates of `contrastGains`.
    public var selectionGradientWeight: Double = 1e-3
    /// σ of Pan et al. 2014's L0 intensity prior `σ‖x‖₀` in the latent step, beside the gradient
    /// prior (0: off). For documents — dark text on light paper — it snaps the ink to black, which
    /// keeps the latent two-toned; divided by gain² like λ.
    public var intensityWeight: Double = 0
    /// The `intensityWeight` of the document setting (`estimate-psf --document`): on a synthetic
    /// page blurred 25 px horizontally (along the lines, where the letter pitch repeats), σ = 4e-3
    /// (Pan et al.'s value) raised the kernel NCC from 0.42 to 0.60, 1e-2 to 0.98, 3e-2 to 0.99.
    public static let documentIntensityWeight = 1e-2
    /// Clamp the latent to the blurred image's range in every L0 step (see `l0Restore`).
    public var boundLatent = true
    /// Extra alternations at the finest scale after the coarse-to-fine pass, λ continuing from
    /// where the pass left it. On the study's training photographs (seeds 0 and 1: 52 shakes of the
    /// main sweep, 14 of the noise sweep) 3 raised the share of cases with error ratio ≤ 2 from 75 %
    /// to 85 % (noise sweep 86 → 93 %); 5 gave 83 % (100 %) in more time, 10 81 % (86 %); neither a
    /// smaller λ (79 %), a lower threshold (79 %) nor a smaller γ (83 %) for them did better, and 8
    /// alternations on every scale instead gave 77 % (71 %).
    public var finalIterations = 3
    /// Threads for the runs of `contrastGains` (they are independent; the result does not depend on it).
    public var threads: Int = workerThreadCount

    public init(kernelSize: Int) { self.kernelSize = kernelSize }
}

/// The blind estimate: the kernel, a confidence and the final latent (sharp) estimate of the working crop.
public struct BlindResult: Sendable {
    public let psf: PSF
    public let confidence: Double
    public let latent: Image
}

/// Blind kernel estimation for camera shake: multi-scale alternating minimisation with an L0
/// gradient prior, in the class of Xu et al. 2013 and Pan et al. 2014/2016 [1, 2].
///
/// Model: `y = k ∗ x + n`, `k ≥ 0`, `Σk = 1`. From the coarsest scale (kernel ≈ 5 px, image
/// scaled by the same factor, steps of √½) to the finest, alternate
/// 1. latent: `min_x ‖k ∗ x − y‖² + λ‖∇x‖₀` by half-quadratic splitting (β doubling from 2λ to
///    10⁵, each step a hard threshold of ∇x and one FFT solve) — the L0 prior keeps only salient
///    edges, which is what makes the kernel step well posed;
/// 2. kernel: `min_k ‖∇x ∗ k − ∇y‖² + γ‖k‖²` over the K×K support, solved by 20 conjugate-gradient
///    steps on the normal equations (gradient autocorrelations computed once by FFT), then
///    negatives and weights below 10 % of the peak zeroed (5 % in [1]; 10 % removed the noise
///    speckles our 160–384 px crops left), 8-connected pieces holding < 10 % of the
///    mass dropped, normalised and re-centred on the centroid.
/// The image is mirror-padded by the kernel size and its outer band blended to the mean so the
/// FFT domain wraps smoothly; only gradients inside the image enter the kernel step, so the
/// padding never becomes data. The kernel found at one scale is upsampled to start the next, and
/// `finalIterations` more alternations refine it at the finest scale. A document setting
/// (`intensityWeight` > 0) adds [1]'s L0 intensity prior to the latent step.
///
/// Each run above is repeated for every gain of `options.contrastGains` (λ and γ divided by
/// gain²), with the latent clamped to the blurred image's range; the kernel kept is the one whose
/// common latent (one L0 restoration at λ = `selectionGradientWeight`) explains the most of the
/// blurred image's gradient energy. On the built-in study (30 shakes, seeds 0/1/2) the ladder and
/// the clamp raised the error-ratio success from 83/87/83 % to 90/90/87 % (with the noise sweep,
/// 36/36/34 → 39/38/38 of 42 cases), at four times the run time.
///
/// Confidence: that fraction of gradient energy, `1 − ‖∇y − k ∗ ∇x‖² / ‖∇y‖²` over the image,
/// clamped to [0, 1] (a fit measure, not a probability). The returned latent is that common latent.
///
/// Tried and not kept (2026-12-06, the 33 shake cases of the study's training photographs per seed,
/// seeds 0/1/2, error ratio ≤ 2 in 28/29/29 cases with the code as it is): Cho & Lee's salient-edge
/// selection for the kernel step (each of four orientation bins keeping its N·K strongest latent
/// gradients, the threshold ÷ 1.1 per alternation) — at every scale, N = 20/50/100: 26/–/–,
/// 29/26/–, 29/–/– (it fixed the textured grass, moss and picos but broke faint ones: dune,
/// fallen_leaf, leaf_veins); at the coarse scales only, N = 20/50/100: 28/28/–, 30/28/29, 28/25/–;
/// both settings as eight candidates under the explained-energy choice: 29/29 (twice the time);
/// choosing the candidate most like the others (sum of kernel NCC) instead: 26/25; Xu & Jia 2010's
/// r-map (edge consistency over 5×5 windows) keeping only the most consistent half of the pixels in
/// the kernel step: 24/20, or weighting them by r: 21/18 (it drops the fine edges the kernel's
/// detail needs). The salient-edge settings are within ±1–2 cases of the current code — the failures (brick, lake_dawn, leaf_veins, dandelions) need a
/// better latent prior or a better way to choose among candidates, not this.
/// Later the same day: the choice among the gains is not the bottleneck — each gain run alone,
/// the best of the four for every case (an oracle) succeeds in 31/29/30 cases, the explained-energy
/// choice in 28/29/29 (adding gains 1/√2 and 4: oracle 32/30/31, the choice 27/30/27); the L0
/// objective `‖k ∗ x − y‖² + λ′‖∇x‖₀` of the common latent as the choice (λ′ = 1e-3 … 3e-2) gave
/// 27–28/28–29/28–29, the sparsest common latent 27/28/27. Pan et al. 2016's dark-channel prior
/// `μ‖D(x)‖₀` (35-px windows, the splitting weight up to 8) in the latent step: μ = 4e-3 gave 25
/// cases (seed 0), μ = 1e-3 with the window scaled per level 27,
/// both at 2.3× the time (the estimation runs on luma, and few of these photographs have dark regions).
/// 2026-12-07 (seed 0, AMD EPYC family 25 model 1): boundary adjustment in the latent step (before each
/// splitting solve, the padding refilled with the current latent re-blurred, so only the image's own
/// pixels are data — what made plug-and-play work at borders) gave ≤ 2 in 25 of 30 shakes as before
/// (moss 2.26 → 1.26 and picos 2.20 → 1.61 fixed, lamp_bird 1.99 → 2.36 and rocket 1.71 → 2.26 lost),
/// 8 instead of 10 of 12 in the noise sweep, median 1.27 → 1.42, at ≈ 2× the latent step's time.
/// Later that day (the 33 shake cases of the training photographs, seed 0, same machine, one thread):
/// a smoothness term `η‖∇k‖²` in the kernel step (the estimates of the failing cases are speckled,
/// the true shakes continuous curves), η = 5 / 20 / 60 (γ = 20 for scale): ≤ 2 in 26 / 26 / 23 of
/// 33 cases against 28 without it, ≤ 1.5 in 23 / 20 / 20 against 22. Kernel NCC rose in most cases
/// (picos 0.85 → 0.95, clock 0.65 → 0.84) and moss and picos were fixed, but leaf_veins (1.41 → 2.92
/// at η = 20), fallen_leaf, lamp_bird and seeds were lost: the cases near ratio 2 move both ways
/// with any small change — the best of η = 0 and 20 per case would reach 30 of 33, which again
/// points at choosing among candidates. But the choice among the four gains is already close to
/// its best (each gain run alone, seeds 0/1/2: oracle 31/29/30, the explained-energy choice
/// 28/29/29), and the wrong picks win by < 1 % of the score, always for a higher gain; choosing the
/// lowest gain within a tolerance of the best score gave, relative 0.5/1/2/5 %: 29/29/29, 29/29/28,
/// 28/28/29, 28/27/29; absolute 0.002–0.02 and relative to the unexplained energy: 24–29 — noise.
/// Later still (seed 0, same 33 cases and machine): Xu & Jia 2010's iterative support detection as
/// three more alternations at the finest scale, the kernel step's γ per weight — γ·0.1 on the current
/// support dilated by 1 px and γ·10 off it, or γ and γ·100 (a support restriction only): ≤ 2 in 27 and
/// 26 of 33 against 28, ≤ 1.5 in 22 both times, median 1.27 → 1.31 / 1.35. And the four gains each
/// run with η = 0 and with η = 20 (eight candidates under the explained-energy choice, twice the time):
/// ≤ 2 in 28 of 33 as before (picos 2.20 → 1.18 fixed, fallen_leaf 1.99 → 2.09 lost), ≤ 1.5 in 23 (22).
///
/// `seed` perturbs the initial 3×3 kernel slightly (weights in [0, 0.05)), so a different seed
/// gives a different start; seed 0 starts from the symmetric blob of [1].
///
/// [1] J. Pan, Z. Hu, Z. Su, M.-H. Yang, "Deblurring text images via L0-regularized intensity and
///     gradient prior", CVPR 2014 (and its L0-gradient kernel estimation code).
/// [2] L. Xu, S. Zheng, J. Jia, "Unnatural L0 sparse representation for natural image deblurring", CVPR 2013.
/// [3] S. Cho, S. Lee, "Fast motion deblurring", SIGGRAPH Asia 2009 (multi-scale, gradient-domain kernel step).
public func estimateBlindKernel(_ image: Image, options: BlindOptions, seed: UInt64 = 0) throws -> BlindResult {
    let size = options.kernelSize
    guard size >= 3, size % 2 == 1 else {
        throw PSFEstimationError.invalidKernelSize(size, reason: "the blind kernel side must be odd and at least 3")
    }
    let minimumSide = max(minimumParametricSide, 2 * size + 1)
    let gray = try validatedGray(image, minimumSide: minimumSide)
    // Central working crop.
    let cropH = min(gray.height, options.maximumWorkingSide), cropW = min(gray.width, options.maximumWorkingSide)
    let crop = try gray.image().cropped(x: (gray.width - cropW) / 2, y: (gray.height - cropH) / 2, width: cropW, height: cropH)

    guard !options.contrastGains.isEmpty, options.contrastGains.allSatisfy({ $0 > 0 && $0.isFinite }) else {
        throw PSFEstimationError.invalidParameter(name: "contrastGains", value: "\(options.contrastGains)",
                                                  expected: "at least one positive, finite gain")
    }
    let fine = SmoothDomain(crop, pad: size)
    // The gains are independent runs: one per worker thread, each writing only its own slot.
    let gains = options.contrastGains
    var slots = [Result<(kernel: Image, score: Double, latent: [Float]), Error>?](repeating: nil, count: gains.count)
    slots.withUnsafeMutableBufferPointer { buffer in
        let out = UncheckedSendable(buffer)
        parallelFor(gains.count, threads: options.threads) { i in
            out.value[i] = Result {
                let kernel = try estimateAtGain(crop, options: options, gain: gains[i], seed: seed)
                let x = l0Restore(domain: fine, kernel: kernel, lambda: options.selectionGradientWeight, bounded: options.boundLatent)
                return (kernel, explainedGradientEnergy(domain: fine, latent: x, kernel: kernel), x)
            }
        }
    }
    var best: (kernel: Image, score: Double, latent: [Float])?
    for slot in slots {
        let candidate = try slot!.get()
        if best == nil || candidate.score > best!.score { best = candidate }   // ties: the lower gain
    }
    let chosen = best!
    let psf = try PSF(weights: chosen.kernel, kind: .custom)
    return BlindResult(psf: psf, confidence: max(0, min(1, chosen.score)), latent: fine.extract(chosen.latent))
}

/// One coarse-to-fine run with the L0 and kernel weights divided by `gain²`.
func estimateAtGain(_ crop: Image, options: BlindOptions, gain: Double, seed: UInt64) throws -> Image {
    let size = options.kernelSize
    // Scales: factors √½^i while the kernel stays ≥ 5 px.
    var factors = [1.0]
    while true {
        let next = factors.last! * 0.5.squareRoot()
        if Double(size) * next < 5 { break }
        factors.append(next)
    }
    factors.reverse()
    func oddSize(_ f: Double) -> Int {
        var k = Int((Double(size) * f).rounded(.up))
        if k % 2 == 0 { k += 1 }
        return max(3, min(size, k))
    }

    var rng = SeededRNG(seed: seed, stream: 0xB11D)
    var kernel = Image(channels: 1, height: 3, width: 3)
    kernel[0, 1, 1] = 1
    kernel[0, 1, 0] = 0.5; kernel[0, 1, 2] = 0.5; kernel[0, 0, 1] = 0.5; kernel[0, 2, 1] = 0.5
    if seed != 0 { for i in 0 ..< 9 { kernel.pixels[i] += Float(0.05 * rng.uniform()) } }
    normalise(&kernel)

    let g2 = gain * gain
    for (level, factor) in factors.enumerated() {
        let k = oddSize(factor)
        let h = max(8, Int((Double(crop.height) * factor).rounded())), w = max(8, Int((Double(crop.width) * factor).rounded()))
        let y = level == factors.count - 1 ? crop : try crop.resized(width: w, height: h, method: .area)
        if kernel.width != k {
            kernel = try kernel.resized(width: k, height: k, method: .bilinear)
            for i in kernel.pixels.indices { kernel.pixels[i] = max(0, kernel.pixels[i]) }
            normalise(&kernel)
        }
        let domain = SmoothDomain(y, pad: k)
        var lambda = options.gradientWeight / g2
        // The finest scale also runs the refining alternations, λ continuing.
        let iterations = options.iterationsPerScale + (level == factors.count - 1 ? options.finalIterations : 0)
        for _ in 0 ..< iterations {
            let x = l0Restore(domain: domain, kernel: kernel, lambda: lambda, bounded: options.boundLatent,
                              intensityWeight: options.intensityWeight / g2)
            let update = solveKernel(domain: domain, latent: x, previous: kernel, gamma: options.kernelWeight / g2)
            kernel = cleanKernel(update, threshold: Float(options.threshold))
            lambda = max(lambda / 1.1, 1e-4 / g2)
        }
    }
    return kernel
}

/// `estimateBlindKernel` with default options for `kernelSize`.
public func estimateBlindKernel(_ image: Image, kernelSize: Int, seed: UInt64 = 0) throws -> BlindResult {
    try estimateBlindKernel(image, options: BlindOptions(kernelSize: kernelSize), seed: seed)
}

func normalise(_ kernel: inout Image) {
    let total = kernel.sum
    if total > 0 {
        for i in kernel.pixels.indices { kernel.pixels[i] = Float(Double(kernel.pixels[i]) / total) }
    } else {
        for i in kernel.pixels.indices { kernel.pixels[i] = 0 }
        kernel[0, kernel.height / 2, kernel.width / 2] = 1
    }
}

/// The blurred image on a periodic FFT domain: mirror-padded by `pad` on every side (to a fast
/// size), with the outer half of the padding blended linearly to the image mean so the domain
/// wraps without a jump. `mask` is 1 on the image's interior (where gradients are data).
struct SmoothDomain {
    let height: Int, width: Int
    let top: Int, left: Int
    let imageHeight: Int, imageWidth: Int
    let values: [Float]
    let mask: [Float]

    init(_ image: Image, pad: Int) {
        imageHeight = image.height
        imageWidth = image.width
        height = fastFFTSize(image.height + 2 * pad)
        width = fastFFTSize(image.width + 2 * pad)
        top = pad
        left = pad
        let padded = image.padded(top: pad, bottom: height - image.height - pad, left: pad, right: width - image.width - pad, mode: .reflect)
        let mean = Float(image.sum / Double(image.planeSize))
        var v = padded.pixels
        let band = Float(max(1, pad / 2 + 1))
        for yy in 0 ..< height {
            let dy = Float(min(yy, height - 1 - yy))
            for xx in 0 ..< width {
                let d = min(dy, Float(min(xx, width - 1 - xx)))
                if d < band {
                    let t = d / band
                    v[yy * width + xx] = t * v[yy * width + xx] + (1 - t) * mean
                }
            }
        }
        values = v
        var m = [Float](repeating: 0, count: height * width)
        for yy in pad + 1 ..< pad + image.height - 1 {
            for xx in pad + 1 ..< pad + image.width - 1 { m[yy * width + xx] = 1 }
        }
        mask = m
    }

    func extract(_ plane: [Float]) -> Image {
        var out = Image(channels: 1, height: imageHeight, width: imageWidth)
        for yy in 0 ..< imageHeight {
            for xx in 0 ..< imageWidth { out.pixels[yy * imageWidth + xx] = plane[(top + yy) * width + left + xx] }
        }
        return out
    }
}
