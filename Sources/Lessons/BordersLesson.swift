import Blur
import Deconvolution
import Foundation
import ImageCore
import Metrics
import Spectral

/// Lesson 4: borders and the inverse crime. A blur simulated circularly matches the FFT's model
/// exactly, so every method looks better on it than it will on a photograph, whose borders see the
/// scene beyond the frame (valid convolution). The same method is scored both ways with each
/// border handling.
public struct BordersLesson: Lesson {
    public let id = "borders"
    public let title = "Borders and the inverse crime"
    public let summary = "Circular against valid (honest) blur × border handling none, reflect, taper: the same method scored six ways."

    public let parameterNames = ["family", "size", "angle", "method", "blur", "border"]

    public init() {}

    public static let blurs = ["circular", "valid"]
    public static let borders = ["none", "reflect", "taper"]
    static let sigma = 0.005

    public var handoutSettings: [LessonParameters] {
        Self.blurs.flatMap { b in Self.borders.map { ["method": "wiener", "blur": b, "border": $0] } }
    }

    func degraded(_ source: LessonSource, psf: PSF, blur: String) throws -> (sharp: Image, blurred: Image) {
        if blur == "valid" {
            let d = try honestlyDegraded(source, psf: psf, sigma: Self.sigma)
            return (d.sharp, d.blurred)
        }
        let circular = try LessonCache.shared.value("circular|\(source.name)|\(psf.spec)") {
            addingNoise(try convolve(source.image, kernel: psf.weights, boundary: .periodic), sigma: Self.sigma)
        }
        return (source.image, circular)
    }

    func restore(_ blurred: Image, psf: PSF, method: String, border: String) throws -> Image {
        let handling = BorderHandling(rawValue: border)!
        return method == "rl"
            ? try richardsonLucy(blurred, psf: psf, iterations: 30, border: handling)
            : try wiener(blurred, psf: psf, noiseToSignal: defaultNoiseToSignal(blurred), border: handling)
    }

    /// PSNR of every (blur, border) pair for one method and PSF, row-major in `blurs` × `borders`.
    func table(_ source: LessonSource, psf: PSF, method: String) throws -> [[Double]] {
        try LessonCache.shared.value("borders-table|\(source.name)|\(psf.spec)|\(method)") {
            try Self.blurs.map { blur in
                let d = try degraded(source, psf: psf, blur: blur)
                return try Self.borders.map { try PSNR().score(reference: d.sharp, test: restore(d.blurred, psf: psf, method: method, border: $0)) }
            }
        }
    }

    public func figure(_ p: LessonParameters, source: LessonSource) throws -> LessonFigure {
        let psf = try lessonPSF(p, family: "motion", size: 15)
        let method = try p.choice("method", ["wiener", "rl"], default: "wiener")
        let blur = try p.choice("blur", Self.blurs, default: "valid")
        let border = try p.choice("border", Self.borders, default: "none")
        let d = try degraded(source, psf: psf, blur: blur)
        let restored = try restore(d.blurred, psf: psf, method: method, border: border)
        let t = try table(source, psf: psf, method: method)
        var figure = LessonFigure(lesson: id, parameters: p.values)
        figure.numbers["psnr_restored"] = try PSNR().score(reference: d.sharp, test: restored)
        figure.numbers["psnr_blurred"] = try PSNR().score(reference: d.sharp, test: d.blurred)
        for (i, b) in Self.blurs.enumerated() {
            for (j, h) in Self.borders.enumerated() { figure.numbers["psnr_\(b)_\(h)"] = t[i][j] }
        }
        figure.texts["psf"] = psf.spec
        let error = try differenceHeatMap(reference: d.sharp, test: restored, maximum: 0.2)
        figure.pictures = [
            .display(name: "blurred", caption: "\(blur == "valid" ? "valid (honest)" : "circular") blur \(psf.spec), noise σ = \(format(Self.sigma))", image: d.blurred),
            .display(name: "restored", caption: "\(method == "rl" ? "Richardson–Lucy, 30 iterations" : "Wiener, default NSR"), border \(border)", image: restored),
            LessonPicture(name: "error", caption: "|restored − sharp| (inferno, black = 0, yellow ≥ 0.2)", image: error.image),
        ]
        return figure
    }

    public func check(_ p: LessonParameters, source: LessonSource) throws -> LessonVerdict {
        let answer = try p.answer()
        guard Self.borders.contains(answer) else {
            throw LessonError.badParameter(name: "answer", value: answer, expected: "one of " + Self.borders.joined(separator: ", "))
        }
        let psf = try lessonPSF(p, family: "motion", size: 15)
        let method = try p.choice("method", ["wiener", "rl"], default: "wiener")
        let valid = try table(source, psf: psf, method: method)[1]
        let best = valid.indices.max { valid[$0] < valid[$1] }!
        let chosen = Self.borders.firstIndex(of: answer)!
        // Within 0.1 dB of the best counts: two handlings can tie (reflect and taper often do).
        if valid[chosen] >= valid[best] - 0.1 {
            let tie = Self.borders.indices.filter { $0 != chosen && valid[$0] >= valid[best] - 0.1 }.map { Self.borders[$0] }
            return LessonVerdict(correct: true, message: String(format: "Right: on honest blur, border %@ scores %.2f dB%@ (none: %.2f dB).", answer, valid[chosen],
                                                                tie.isEmpty ? ", the best of the three" : ", level with " + tie.joined(separator: " and "), valid[0]))
        }
        return LessonVerdict(correct: false, message: String(format: "Not this one: border %@ scores %.2f dB on valid blur, %.2f dB below the best. Compare the three with the blur set to valid.", answer, valid[chosen], valid[best] - valid[chosen]))
    }
}
