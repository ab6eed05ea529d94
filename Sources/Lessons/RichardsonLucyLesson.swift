import Blur
import Deconvolution
import Foundation
import ImageCore
import Metrics

/// Lesson 3: Richardson–Lucy's semi-convergence. Its iterates first sharpen the image, then, as they
/// go on fitting the data, fit the noise too: PSNR rises, peaks and falls — sooner at higher noise.
/// Every iterate up to `iterations` is computed once per setting; the page scrubs through frames.
public struct RichardsonLucyLesson: Lesson {
    public let id = "rl"
    public let title = "Richardson–Lucy semi-convergence"
    public let summary = "An iterations slider over precomputed iterates, the PSNR-versus-iteration curve at two noise levels, and damping and total variation as toggles."

    public let parameterNames = ["family", "size", "angle", "variant", "iterations", "level"]

    public init() {}

    /// The two noise levels of the curve.
    public static let levels = [0.005, 0.02]

    public var handoutSettings: [LessonParameters] {
        [["variant": "plain", "level": "0.02"], ["variant": "tv", "level": "0.02"], ["variant": "plain", "level": "0.005"]].map(LessonParameters.init)
    }

    /// Iterations shown as frames: every one up to 20, then every 2nd to 40, every 5th to 100, every 10th after.
    static func frameSchedule(_ n: Int) -> [Int] {
        (1 ... n).filter { $0 <= 20 || ($0 <= 40 ? $0 % 2 == 0 : $0 <= 100 ? $0 % 5 == 0 : $0 % 10 == 0) || $0 == n }
    }

    struct Run: Sendable {
        var psnr: [Double]            // after iteration 1 … n
        var frames: [Int: Image]      // at frameSchedule(n) (only for the level shown)
        var psnrBlurred: Double
    }

    static let iterateCache = LessonCache(capacity: 4)

    struct Setting {
        var psf: PSF
        var variant: String
        var iterations: Int
        var level: Double
    }

    func setting(_ p: LessonParameters) throws -> Setting {
        let psf = try lessonPSF(p, family: "disk", size: 7)
        let variant = try p.choice("variant", ["plain", "damped", "tv"], default: "plain")
        let iterations = try p.integer("iterations", in: 5 ... 200, default: 100)
        let level = try p.choice("level", Self.levels.map { format($0) }, default: format(Self.levels[1]))
        return Setting(psf: psf, variant: variant, iterations: iterations, level: Double(level)!)
    }

    func run(_ source: LessonSource, _ s: Setting, level: Double, frames: Bool) throws -> Run {
        let key = "rl|\(source.name)|\(s.psf.spec)|\(s.variant)|\(s.iterations)|\(level)|\(frames)"
        return try Self.iterateCache.value(key) {
            let d = try honestlyDegraded(source, psf: s.psf, sigma: level)
            let variant: RichardsonLucyVariant = switch s.variant {
            case "damped": .damped(threshold: 3 * max(estimateNoiseSigma(d.blurred), 1e-4))
            case "tv": .totalVariation(weight: 0.002)
            default: .plain
            }
            // A flat start (the data's mean): the first iterates are smooth, so the whole path from
            // blurry to noisy is visible.
            let mean = d.blurred.pixels.reduce(0, +) / Float(max(d.blurred.pixels.count, 1))
            let iterates = try richardsonLucyIterates(d.blurred, psf: s.psf, iterations: s.iterations, recording: Set(1 ... s.iterations),
                                                      variant: variant, start: .constant(max(mean, 1e-3)))
            let psnr = PSNR()
            let curve = try (1 ... s.iterations).map { try psnr.score(reference: d.sharp, test: iterates[$0]!) }
            let shown = frames ? Dictionary(uniqueKeysWithValues: Self.frameSchedule(s.iterations).map { ($0, iterates[$0]!) }) : [:]
            return Run(psnr: curve, frames: shown, psnrBlurred: try psnr.score(reference: d.sharp, test: d.blurred))
        }
    }

    public func figure(_ p: LessonParameters, source: LessonSource) throws -> LessonFigure {
        let s = try setting(p)
        let runs = try Self.levels.map { try run(source, s, level: $0, frames: $0 == s.level) }
        let shown = runs[Self.levels.firstIndex(of: s.level)!]
        var figure = LessonFigure(lesson: id, parameters: p.values)
        let steps = Array(1 ... s.iterations).map(Double.init)
        var marks: [LessonPlot.Mark] = []
        for (level, r) in zip(Self.levels, runs) {
            let k = r.psnr.indices.max { r.psnr[$0] < r.psnr[$1] }!
            figure.numbers["peak_iteration_\(format(level))"] = Double(k + 1)
            figure.numbers["peak_psnr_\(format(level))"] = r.psnr[k]
            figure.numbers["final_psnr_\(format(level))"] = r.psnr.last!
            marks.append(.init(label: "peak \(k + 1)", x: Double(k + 1), y: r.psnr[k], colour: level == Self.levels[0] ? LessonPlot.palette[0] : LessonPlot.palette[1]))
        }
        figure.numbers["psnr_blurred"] = shown.psnrBlurred
        figure.texts["psf"] = s.psf.spec
        figure.plots = [LessonPlot(
            name: "psnr-vs-iteration", title: "PSNR of RL (\(s.variant)) after each iteration", xLabel: "iteration", yLabel: "PSNR (dB)", logX: false,
            series: zip(Self.levels, runs).enumerated().map { i, lr in .init(label: "σ = \(format(lr.0))", x: steps, y: lr.1.psnr, colour: LessonPlot.palette[i]) },
            marks: marks)]
        figure.frames = shown.frames.keys.sorted().map { LessonFrame(step: $0, image: shown.frames[$0]!) }
        figure.pictures = [.display(name: "blurred", caption: String(format: "blurred (%@), noise σ = %g", s.psf.spec, s.level),
                                    image: try honestlyDegraded(source, psf: s.psf, sigma: s.level).blurred)]
        // Per-frame PSNR for the page's caption (frames share one list with the curve).
        for f in figure.frames { figure.numbers["psnr_at_\(f.step)"] = shown.psnr[f.step - 1] }
        return figure
    }

    public func check(_ p: LessonParameters, source: LessonSource) throws -> LessonVerdict {
        let text = try p.answer()
        var s = try setting(p)
        guard let answer = Int(text), (1 ... s.iterations).contains(answer) else {
            throw LessonError.badParameter(name: "answer", value: text, expected: "an iteration from 1 to \(s.iterations)")
        }
        s.variant = "plain"
        let r = try run(source, s, level: Self.levels[1], frames: false)
        let k = r.psnr.indices.max { r.psnr[$0] < r.psnr[$1] }!
        let short = r.psnr[k] - r.psnr[answer - 1]
        if short <= 0.05 {
            return LessonVerdict(correct: true, message: String(format: "Right: plain RL at σ = 0.02 peaks at iteration %d (%.2f dB); at %d it is within %.2f dB. Stopping there is the regularisation.", k + 1, r.psnr[k], answer, short))
        }
        return LessonVerdict(correct: false, message: String(format: "Not yet: iteration %d is %.2f dB below the peak. %@", answer, short,
                                                             answer < k + 1 ? "Keep iterating: the image is still sharpening." : "Stop earlier: by then RL is fitting the noise."))
    }
}
