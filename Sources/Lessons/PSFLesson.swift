import Blur
import Foundation
import ImageCore
import Metrics
import PSFEstimation

/// Lesson 5: estimating a motion PSF from the spectrum. A straight motion of length L along d
/// multiplies the spectrum by a sinc whose zeros lie on the lines f · d = k / L: dark parallel stripes,
/// perpendicular to the motion, 1/L apart. The student fits L and the angle by hand with the predicted
/// zero lines drawn over the spectrum, then asks the estimator (`estimatePSF(…, model: .motion)`).
public struct PSFLesson: Lesson {
    public let id = "psf"
    public let title = "Estimating the PSF"
    public let summary = "The spectrum of a motion-blurred photo with the sinc zeros of your guess overlaid: fit length and angle by hand, then see the estimator's answer."

    public let parameterNames = ["case", "length", "angle", "estimate"]

    public init() {}

    /// The hidden blurs, by `case` (length in px, angle in degrees counter-clockwise).
    public static let cases: [(length: Double, angle: Double)] = [(17, 35), (11, 120), (21, 70), (13, 160), (25, 10)]
    static let sigma = 0.005

    public var handoutSettings: [LessonParameters] {
        [["case": "0", "length": "9", "angle": "0"], ["case": "0", "length": "17", "angle": "35", "estimate": "1"]].map(LessonParameters.init)
    }

    func blurred(_ source: LessonSource, case index: Int) throws -> (Image, PSF) {
        let c = Self.cases[index]
        let psf = try PSF.motion(length: c.length, angle: c.angle)
        return (try honestlyDegraded(source, psf: psf, sigma: Self.sigma).blurred, psf)
    }

    /// The zero lines f · d = k / L (k = ±1, ±2, ±3) of a motion blur, as segments across an n × n
    /// spectrum picture whose zero frequency is at (n/2, n/2).
    public static func zeroLines(length: Double, angle: Double, side n: Int) -> [[Double]] {
        let a = angle * .pi / 180
        let d = (x: cos(a), y: -sin(a))         // image axes: rows grow downwards
        let c = Double(n / 2)
        return [-3, -2, -1, 1, 2, 3].map { k in
            let offset = Double(k) * Double(n) / length
            let p = (x: c + offset * d.x, y: c + offset * d.y)
            let t = Double(n)
            return [p.x - t * d.y, p.y + t * d.x, p.x + t * d.y, p.y - t * d.x]
        }
    }

    public func figure(_ p: LessonParameters, source: LessonSource) throws -> LessonFigure {
        let index = try p.integer("case", in: 0 ... Self.cases.count - 1, default: 0)
        let length = try p.number("length", in: 2 ... 60, default: 9)
        let angle = try p.number("angle", in: -180 ... 180, default: 0)
        let (image, _) = try blurred(source, case: index)
        let spectrum = try LessonCache.shared.value("spectrum|\(source.name)|\(index)") { try logSpectrumPicture(image) }
        let cepstrum = try LessonCache.shared.value("cepstrum|\(source.name)|\(index)") { try cepstrumPicture(image, radius: Self.cepstrumRadius) }
        var figure = LessonFigure(lesson: id, parameters: p.values)
        let sorted = spectrum.pixels.sorted()
        let lo = sorted[sorted.count / 100], hi = sorted[sorted.count * 998 / 1000]
        figure.pictures = [
            .display(name: "blurred", caption: "blurred by a hidden straight motion (case \(index)), noise σ = \(format(Self.sigma))", image: image),
            LessonPicture(name: "spectrum", caption: "log |spectrum| of the periodic component, zero frequency in the centre, with the zero lines of your guess",
                          image: Colormap.gray.apply(to: spectrum, range: lo ... hi)),
            LessonPicture(name: "cepstrum", caption: "real cepstrum, ±\(Self.cepstrumRadius) px around its origin (dark = negative): a motion of length L leaves dark dots at ±L along the motion (fainter ones at ±2L); rings mark your guess",
                          image: Colormap.gray.apply(to: cepstrum, range: Self.displayRange(cepstrum))),
        ]
        figure.overlays = [LessonOverlay(picture: "spectrum", label: String(format: "zeros of motion:%g,%g", length, angle),
                                         side: Double(spectrum.width), segments: Self.zeroLines(length: length, angle: angle, side: spectrum.width)),
                           LessonOverlay(picture: "cepstrum", label: String(format: "±L of motion:%g,%g", length, angle),
                                         side: Double(cepstrum.width), segments: Self.cepstrumMarks(length: length, angle: angle, side: cepstrum.width))]
        figure.numbers = ["length": length, "angle": angle, "spectrum_side": Double(spectrum.width)]
        if p["estimate"] == "1" {
            let estimate = try LessonCache.shared.value("psf-estimate|\(source.name)|\(index)") { try estimatePSF(image, model: .motion) }
            figure.numbers["estimated_length"] = estimate.length ?? 0
            figure.numbers["estimated_angle"] = estimate.angle ?? 0
            figure.numbers["estimate_confidence"] = estimate.confidence
            figure.overlays.append(LessonOverlay(picture: "spectrum", label: "estimator", side: Double(spectrum.width),
                                                 segments: Self.zeroLines(length: estimate.length ?? 1, angle: estimate.angle ?? 0, side: spectrum.width)))
        }
        return figure
    }

    static let cepstrumRadius = 40

    /// Rings (octagons of radius 3 px, open in the middle so the dot inside stays visible) at ±L·d around
    /// the centre of a `side` × `side` cepstrum picture: 8 segments per ring, the first ring at +L·d.
    public static func cepstrumMarks(length: Double, angle: Double, side: Int) -> [[Double]] {
        let a = angle * .pi / 180, c = Double(side / 2), r = 3.0
        return [1.0, -1.0].flatMap { s -> [[Double]] in
            let x = c + s * length * cos(a), y = c - s * length * sin(a)
            return (0 ..< 8).map { k in
                let t0 = Double(k) * .pi / 4, t1 = Double(k + 1) * .pi / 4
                return [x + r * cos(t0), y + r * sin(t0), x + r * cos(t1), y + r * sin(t1)]
            }
        }
    }

    /// The centres of the rings `cepstrumMarks` draws (+L·d first).
    public static func cepstrumMarkCentres(length: Double, angle: Double, side: Int) -> [(x: Double, y: Double)] {
        let a = angle * .pi / 180, c = Double(side / 2)
        return [1.0, -1.0].map { s in (c + s * length * cos(a), c - s * length * sin(a)) }
    }

    /// A display range for the cepstrum: ±3 robust standard deviations around its median.
    static func displayRange(_ image: Image) -> ClosedRange<Float> {
        let sorted = image.pixels.sorted()
        let median = sorted[sorted.count / 2]
        let spread = max(sorted[sorted.count * 84 / 100] - sorted[sorted.count * 16 / 100], 1e-6)
        return (median - 1.5 * spread) ... (median + 1.5 * spread)
    }

    /// The angle difference of two line directions, in degrees (0 … 90; a line at θ is the line at θ + 180).
    static func angleDifference(_ a: Double, _ b: Double) -> Double {
        let d = abs((a - b).truncatingRemainder(dividingBy: 180))
        return min(d, 180 - d)
    }

    public func check(_ p: LessonParameters, source: LessonSource) throws -> LessonVerdict {
        let text = try p.answer()
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let length = parts[0], let angle = parts[1], length > 0, angle.isFinite else {
            throw LessonError.badParameter(name: "answer", value: text, expected: "length and angle, e.g. 15,30")
        }
        let index = try p.integer("case", in: 0 ... Self.cases.count - 1, default: 0)
        let truth = Self.cases[index]
        let dl = abs(length - truth.length), da = Self.angleDifference(angle, truth.angle)
        if dl <= 1.5 && da <= 5 {
            return LessonVerdict(correct: true, message: String(format: "Right: the hidden blur is motion:%g,%g (you are %.1f px and %.1f° off).", truth.length, truth.angle, dl, da))
        }
        var hints: [String] = []
        if da > 5 { hints.append("the stripes run perpendicular to the motion: turn the angle until your lines lie along the dark stripes") }
        if dl > 1.5 { hints.append(length < truth.length ? "your lines are too far apart: a longer motion puts its zeros closer together" : "your lines are too close together: a shorter motion spreads its zeros") }
        return LessonVerdict(correct: false, message: "Not yet: " + hints.joined(separator: "; ") + ".")
    }
}
