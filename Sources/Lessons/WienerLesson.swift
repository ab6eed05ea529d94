import Blur
import Deconvolution
import Foundation
import ImageCore
import Metrics

/// The honest degradation every lesson but the first uses: valid convolution (the border pixels of
/// the blurred image see the scene beyond the crop, as in a camera), Gaussian noise σ (seed 0), not
/// quantised, nothing clipped. Cached per source, PSF and σ.
func honestlyDegraded(_ source: LessonSource, psf: PSF, sigma: Double) throws -> Degraded {
    try LessonCache.shared.value("valid|\(source.name)|\(psf.spec)|\(sigma)") {
        try degrade(source.image, psf: psf, options: DegradationOptions(noiseSigma: sigma, quantize: false, boundary: .valid), seed: 0)
    }
}

/// Lesson 2: Wiener's trade-off between noise amplification and blur left in, set by one number.
public struct WienerLesson: Lesson {
    public let id = "wiener"
    public let title = "Wiener's trade-off"
    public let summary = "The noise-to-signal ratio on a slider: the restored image, its PSNR, and the PSNR-versus-NSR curve with the optimum and the noise-based default marked."

    public let parameterNames = ["family", "size", "angle", "sigma", "nsr"]

    public init() {}

    public var handoutSettings: [LessonParameters] {
        ["0.0001", "0.003", "0.03", "0.3"].map { ["family": "motion", "size": "15", "angle": "30", "sigma": "0.01", "nsr": $0] }
    }

    /// The NSR grid of the curve: 10⁻⁴ … 1, eight points a decade.
    static let grid: [Double] = (0 ... 32).map { pow(10, -4 + Double($0) / 8) }

    struct Curve: Sendable {
        var nsr: [Double]
        var psnr: [Double]
        var bestNSR: Double
        var bestPSNR: Double
        var defaultNSR: Double
        var defaultPSNR: Double
    }

    func setting(_ p: LessonParameters) throws -> (PSF, Double) {
        (try lessonPSF(p, family: "motion", size: 15), try p.number("sigma", in: 0 ... 0.1, default: 0.01))
    }

    func curve(_ source: LessonSource, psf: PSF, sigma: Double) throws -> Curve {
        try LessonCache.shared.value("wiener-curve|\(source.name)|\(psf.spec)|\(sigma)") {
            let d = try honestlyDegraded(source, psf: psf, sigma: sigma)
            let psnr = PSNR()
            func score(_ nsr: Double) throws -> Double {
                try psnr.score(reference: d.sharp, test: wiener(d.blurred, psf: psf, noiseToSignal: nsr))
            }
            let values = try Self.grid.map(score)
            let i = values.indices.max { values[$0] < values[$1] }!
            // Golden-section search in log10(NSR) between the best grid point's neighbours.
            var a = log10(Self.grid[max(i - 1, 0)]), b = log10(Self.grid[min(i + 1, Self.grid.count - 1)])
            let g = (5.0.squareRoot() - 1) / 2
            var c = b - g * (b - a), e = a + g * (b - a)
            var fc = try score(pow(10, c)), fe = try score(pow(10, e))
            for _ in 0 ..< 14 {
                if fc > fe { b = e; e = c; fe = fc; c = b - g * (b - a); fc = try score(pow(10, c)) }
                else { a = c; c = e; fc = fe; e = a + g * (b - a); fe = try score(pow(10, e)) }
            }
            var bestNSR = Self.grid[i], bestPSNR = values[i]
            if max(fc, fe) > bestPSNR { (bestNSR, bestPSNR) = fc > fe ? (pow(10, c), fc) : (pow(10, e), fe) }
            let defaultNSR = defaultNoiseToSignal(d.blurred)
            return Curve(nsr: Self.grid, psnr: values, bestNSR: bestNSR, bestPSNR: bestPSNR,
                         defaultNSR: defaultNSR, defaultPSNR: try score(defaultNSR))
        }
    }

    public func figure(_ p: LessonParameters, source: LessonSource) throws -> LessonFigure {
        let (psf, sigma) = try setting(p)
        let d = try honestlyDegraded(source, psf: psf, sigma: sigma)
        let c = try curve(source, psf: psf, sigma: sigma)
        let nsr = try p.number("nsr", in: 1e-6 ... 10, default: c.defaultNSR)
        let restored = try wiener(d.blurred, psf: psf, noiseToSignal: nsr)
        let psnr = PSNR()
        var figure = LessonFigure(lesson: id, parameters: p.values)
        figure.numbers = ["nsr": nsr, "psnr_blurred": try psnr.score(reference: d.sharp, test: d.blurred),
                          "psnr_restored": try psnr.score(reference: d.sharp, test: restored),
                          "nsr_best": c.bestNSR, "psnr_best": c.bestPSNR, "nsr_default": c.defaultNSR, "psnr_default": c.defaultPSNR,
                          "noise_sigma": sigma]
        figure.texts["psf"] = psf.spec
        figure.pictures = [
            .display(name: "blurred", caption: String(format: "blurred (valid convolution, %@), noise σ = %.3f", psf.spec, sigma), image: d.blurred),
            .display(name: "restored", caption: String(format: "Wiener, NSR = %.2g, reflect border", nsr), image: restored),
        ]
        figure.plots = [LessonPlot(
            name: "psnr-vs-nsr", title: "PSNR of the Wiener filter against its NSR", xLabel: "NSR (log scale)", yLabel: "PSNR (dB)", logX: true,
            series: [.init(label: "Wiener", x: c.nsr, y: c.psnr, colour: LessonPlot.palette[0])],
            marks: [.init(label: String(format: "best %.2g", c.bestNSR), x: c.bestNSR, y: c.bestPSNR, colour: "#2ca02c"),
                    .init(label: String(format: "default σ̂+0.01 = %.2g", c.defaultNSR), x: c.defaultNSR, y: c.defaultPSNR, colour: "#9467bd"),
                    .init(label: "yours", x: nsr, y: figure.numbers["psnr_restored"]!, colour: "#d62728")])]
        return figure
    }

    public func check(_ p: LessonParameters, source: LessonSource) throws -> LessonVerdict {
        let text = try p.answer()
        guard let answer = Double(text), answer > 0, answer.isFinite else {
            throw LessonError.badParameter(name: "answer", value: text, expected: "a positive NSR such as 0.02")
        }
        let (psf, sigma) = try setting(p)
        let c = try curve(source, psf: psf, sigma: sigma)
        let d = try honestlyDegraded(source, psf: psf, sigma: sigma)
        let score = try PSNR().score(reference: d.sharp, test: wiener(d.blurred, psf: psf, noiseToSignal: answer))
        let short = c.bestPSNR - score
        if short <= 0.1 {
            return LessonVerdict(correct: true, message: String(format: "Right: NSR %.3g gives %.2f dB, within 0.1 dB of the best (%.2f dB at NSR %.3g).", answer, score, c.bestPSNR, c.bestNSR))
        }
        return LessonVerdict(correct: false, message: String(format: "Not yet: NSR %.3g gives %.2f dB, %.2f dB below the best. %@", answer, score, short,
                                                             answer < c.bestNSR ? "More regularisation: the noise is still amplified." : "Less regularisation: too much blur is left."))
    }
}
