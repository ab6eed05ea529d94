import Blur
import Deconvolution
import Foundation
import ImageCore
import Metrics
import Spectral

/// Lesson 1: blur is a convolution, a product in the frequency domain; where |H| is small the naive
/// inverse filter divides the noise by almost nothing.
///
/// The blur here is circular (periodic convolution) and the inverse filter runs on the same periodic
/// domain (`border: .none`), so without noise the inverse is exact wherever H ≠ 0: only noise and the
/// OTF's zeros are on stage. Lesson 4 shows what honest borders change.
public struct BlurLesson: Lesson {
    public let id = "blur"
    public let title = "Blur is convolution"
    public let summary = "A PSF you can change, the blurred image, |H| on a log scale with its zeros, and the naive inverse filter exploding as noise grows."

    public let parameterNames = ["family", "size", "angle", "sigma"]

    public init() {}

    public var handoutSettings: [LessonParameters] {
        [["family": "disk", "size": "7", "sigma": "0"], ["family": "disk", "size": "7", "sigma": "0.001"],
         ["family": "gaussian", "size": "1", "sigma": "0.002"], ["family": "gaussian", "size": "1", "sigma": "0.01"],
         ["family": "motion", "size": "15", "angle": "30", "sigma": "0.005"]].map(LessonParameters.init)
    }

    /// The exercise's blur: a mild Gaussian (σ = 0.5 px), the only kind the inverse filter survives at all.
    static let exercise: LessonParameters = ["family": "gaussian", "size": "1"]

    public func figure(_ p: LessonParameters, source: LessonSource) throws -> LessonFigure {
        let psf = try lessonPSF(p, family: "disk", size: 7)
        let sigma = try p.number("sigma", in: 0 ... 0.1, default: 0.005)
        let (sharp, blurred, inverse) = try run(psf: psf, sigma: sigma, source: source)
        var figure = LessonFigure(lesson: id, parameters: p.values)
        let psnr = PSNR()
        figure.numbers["psnr_blurred"] = try psnr.score(reference: sharp, test: blurred)
        figure.numbers["psnr_inverse"] = try psnr.score(reference: sharp, test: inverse)
        let spectrum = try lessonOTFMagnitude(psf, side: sharp.width)
        let magnitudes = spectrum.pixels
        figure.numbers["otf_min"] = Double(magnitudes.min() ?? 0)
        figure.numbers["otf_below_1_percent"] = 100 * Double(magnitudes.filter { $0 < 0.01 }.count) / Double(magnitudes.count)
        figure.numbers["noise_sigma"] = sigma
        figure.texts["psf"] = psf.spec
        figure.pictures = [
            LessonPicture(name: "psf", caption: "PSF \(psf.spec) (\(psf.width)×\(psf.height) px, enlarged, brightest = 1)",
                          image: psf.viewingImage(minimumSide: 128).clamped(to: 0 ... 1)),
            LessonPicture(name: "sharp", caption: "sharp (\(source.name))", image: sharp),
            .display(name: "blurred", caption: String(format: "blurred, circular, noise σ = %g", sigma), image: blurred),
            LessonPicture(name: "otf", caption: "|H| on a log scale, zero frequency in the centre (inferno: black ≤ 10⁻⁴, yellow = 1)",
                          image: Colormap.inferno.apply(to: spectrum.mapPixels { log10(max($0, 1e-6)) }, range: -4 ... 0)),
            .display(name: "inverse", caption: "naive inverse filter Y / H (0 where H = 0)", image: inverse),
        ]
        return figure
    }

    /// Sharp, blurred (+ noise) and inverse-filtered images; the noiseless blur is cached.
    func run(psf: PSF, sigma: Double, source: LessonSource) throws -> (Image, Image, Image) {
        let sharp = source.image
        let clean = try LessonCache.shared.value("blur|\(source.name)|\(psf.spec)") {
            try convolve(sharp, kernel: psf.weights, boundary: .periodic)
        }
        let blurred = addingNoise(clean, sigma: sigma)
        let inverse = try wiener(blurred, psf: psf, noiseToSignal: 0, border: .none)
        return (sharp, blurred, inverse)
    }

    /// The largest noise σ at which the inverse filter of the exercise's blur still scores above the
    /// blurred input (bisection on [0, 0.05] to 10⁻⁵; the PSNR gap falls as σ grows).
    public func exerciseThreshold(source: LessonSource) throws -> Double {
        try LessonCache.shared.value("blur-threshold|\(source.name)") {
            let psf = try lessonPSF(Self.exercise)
            let psnr = PSNR()
            func gap(_ s: Double) throws -> Double {
                let (sharp, blurred, inverse) = try run(psf: psf, sigma: s, source: source)
                return try psnr.score(reference: sharp, test: inverse) - psnr.score(reference: sharp, test: blurred)
            }
            var lo = 0.0, hi = 0.05
            guard try gap(hi) < 0 else { return hi }
            while hi - lo > 1e-5 {
                let mid = (lo + hi) / 2
                if try gap(mid) > 0 { lo = mid } else { hi = mid }
            }
            return (lo + hi) / 2
        }
    }

    public func check(_ p: LessonParameters, source: LessonSource) throws -> LessonVerdict {
        let text = try p.answer()
        guard let answer = Double(text), answer.isFinite, answer >= 0 else {
            throw LessonError.badParameter(name: "answer", value: text, expected: "a noise level σ such as 0.004")
        }
        let best = try exerciseThreshold(source: source)
        if abs(answer - best) <= 0.001 {
            return LessonVerdict(correct: true, message: String(format: "Right: up to σ ≈ %.4f the inverse filter still beats the blurred input; beyond, the noise divided by the small |H| at high frequencies wins.", best))
        }
        return LessonVerdict(correct: false, message: answer < best
            ? "Not yet: at that noise level the inverse filter still wins. Move the noise slider further right."
            : "Not yet: at that noise level the inverse filter already scores below the blurred input. Move the noise slider left.")
    }
}

/// |H| of `psf` on a `side` × `side` grid, zero frequency in the centre (full spectrum, not half).
public func lessonOTFMagnitude(_ psf: PSF, side: Int) throws -> Image {
    let otf = try psfToOTF(psf.weights, height: side, width: side)
    let cw = side / 2 + 1
    var out = Image(channels: 1, height: side, width: side)
    for q in 0 ..< side {
        for r in 0 ..< side {
            // Conjugate symmetry: H(q, r) = conj H(−q, −r) for the columns the half spectrum omits.
            let (qq, rr) = r < cw ? (q, r) : ((side - q) % side, side - r)
            let k = qq * cw + rr
            let re = otf.floats[2 * k], im = otf.floats[2 * k + 1]
            out.pixels[((q + side / 2) % side) * side + (r + side / 2) % side] = (re * re + im * im).squareRoot()
        }
    }
    return out
}

extension Image {
    func mapPixels(_ transform: (Float) -> Float) -> Image {
        var out = self
        for i in out.pixels.indices { out.pixels[i] = transform(out.pixels[i]) }
        return out
    }
}
