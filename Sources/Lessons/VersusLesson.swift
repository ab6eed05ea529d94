import Blur
import Deconvolution
import Foundation
import ImageCore
import Metrics
import Restoration

/// Lesson 6: classical against learned. One honestly blurred picture restored by the strongest
/// classical row with the true PSF (`hyper-laplacian`), by plug-and-play (the same PSF, a learned
/// denoiser as the prior) and by the shipped blind U-Net (no PSF at all), side by side with their error
/// maps and scores; plug-and-play's iterates — the data step's x and the denoiser's z — stepped through.
public struct VersusLesson: Lesson {
    public let id = "versus"
    public let title = "Classical versus learned"
    public let summary = "The best classical method and the learned ones on the same picture, with error maps and scores; plug-and-play's iterates x and z stepped through."

    public let parameterNames = ["family", "size", "angle"]

    public init() {}

    static let sigma = 0.01

    public var handoutSettings: [LessonParameters] { [["family": "motion", "size": "15", "angle": "30"]] }

    /// The methods compared, as (row name, method); plug-and-play with FFDNet when its weights are
    /// installed, else with our own denoiser; rows whose weights are missing are left out (said in a note).
    struct Methods: @unchecked Sendable {
        var classical: any RestorationMethod
        var pnp: PlugAndPlayMethod?
        var blind: (any RestorationMethod)?
        var notes: [String]
    }

    static let methods: Result<Methods, any Error> = Result {
        var notes: [String] = []
        let classical = try MethodRegistry.entry("hyper-laplacian").make()
        var pnp: PlugAndPlayMethod?
        for name in ["pnp", "pnp-denoiser"] where pnp == nil {
            do { pnp = try MethodRegistry.entry(name).make() as? PlugAndPlayMethod } catch { notes.append("\(name): \(error.localizedDescription)") }
        }
        var blind: (any RestorationMethod)?
        do { blind = try MethodRegistry.entry("unet").make() } catch { notes.append("unet: \(error.localizedDescription)") }
        return Methods(classical: classical, pnp: pnp, blind: blind, notes: notes)
    }

    struct Run: Sendable {
        var sharp: Image
        var blurred: Image
        var rows: [(name: String, image: Image, psnr: Double, ssim: Double)]
        var iterates: [(x: Image, z: Image, psnrX: Double, psnrZ: Double)]
        var notes: [String]
    }

    func run(_ source: LessonSource, psf: PSF) throws -> Run {
        try LessonCache.shared.value("versus|\(source.name)|\(psf.spec)") {
            let m = try Self.methods.get()
            let d = try honestlyDegraded(source, psf: psf, sigma: Self.sigma)
            let psnr = PSNR(), ssim = SSIM()
            func row(_ name: String, _ image: Image) throws -> (String, Image, Double, Double) {
                (name, image, try psnr.score(reference: d.sharp, test: image), try ssim.score(reference: d.sharp, test: image))
            }
            var rows = [try row("blurred", d.blurred), try row(m.classical.name, m.classical.restore(d.blurred, psf: psf))]
            var iterates: [(Image, Image, Double, Double)] = []
            if let pnp = m.pnp {
                var steps: [(Image, Image)] = []
                let result = try pnp.restore(d.blurred, psf: psf) { _, x, z in steps.append((x, z)) }
                rows.append(try row(pnp.name, result))
                iterates = try steps.map { ($0.0, $0.1, try psnr.score(reference: d.sharp, test: $0.0), try psnr.score(reference: d.sharp, test: $0.1)) }
            }
            if let blind = m.blind { rows.append(try row(blind.name + " (blind)", blind.restore(d.blurred, psf: nil))) }
            return Run(sharp: d.sharp, blurred: d.blurred, rows: rows, iterates: iterates, notes: m.notes)
        }
    }

    public func figure(_ p: LessonParameters, source: LessonSource) throws -> LessonFigure {
        let psf = try lessonPSF(p, family: "motion", size: 15)
        let r = try run(source, psf: psf)
        var figure = LessonFigure(lesson: id, parameters: p.values)
        figure.texts["psf"] = psf.spec
        figure.texts["notes"] = r.notes.joined(separator: " ")
        figure.texts["rows"] = r.rows.map(\.name).joined(separator: ",")
        for (i, row) in r.rows.enumerated() {
            figure.numbers["psnr_\(i)"] = row.psnr
            figure.numbers["ssim_\(i)"] = row.ssim
            figure.texts["row_\(i)"] = row.name
            figure.pictures.append(.display(name: "row-\(i)", caption: String(format: "%@: PSNR %.2f dB, SSIM %.3f", row.name, row.psnr, row.ssim), image: row.image))
            if i > 0 {
                let map = try differenceHeatMap(reference: r.sharp, test: row.image, maximum: 0.15)
                figure.pictures.append(LessonPicture(name: "error-\(i)", caption: "|\(row.name) − sharp| (black = 0, yellow ≥ 0.15)", image: map.image))
            }
        }
        for (k, it) in r.iterates.enumerated() {
            figure.frames.append(LessonFrame(step: k + 1, image: it.x, series: "x"))
            figure.frames.append(LessonFrame(step: k + 1, image: it.z, series: "z"))
            figure.numbers["psnr_x_\(k + 1)"] = it.psnrX
            figure.numbers["psnr_z_\(k + 1)"] = it.psnrZ
        }
        if !r.iterates.isEmpty {
            let steps = (1 ... r.iterates.count).map(Double.init)
            figure.plots = [LessonPlot(
                name: "pnp-iterates", title: "Plug-and-play: PSNR of x and z per iteration", xLabel: "iteration", yLabel: "PSNR (dB)",
                logX: false,
                series: [.init(label: "x (data step)", x: steps, y: r.iterates.map(\.psnrX), colour: LessonPlot.palette[0]),
                         .init(label: "z (denoised)", x: steps, y: r.iterates.map(\.psnrZ), colour: LessonPlot.palette[1]),
                         .init(label: r.rows[1].name, x: [1, Double(r.iterates.count)], y: [r.rows[1].psnr, r.rows[1].psnr], colour: "#777")],
                marks: [])]
        }
        return figure
    }

    /// The first plug-and-play iteration whose denoised z scores above the classical row; nil if none does.
    func firstOvertake(_ r: Run) -> Int? {
        r.iterates.firstIndex { $0.psnrZ > r.rows[1].psnr }.map { $0 + 1 }
    }

    public func check(_ p: LessonParameters, source: LessonSource) throws -> LessonVerdict {
        let text = try p.answer().lowercased()
        let psf = try lessonPSF(p, family: "motion", size: 15)
        let r = try run(source, psf: psf)
        guard !r.iterates.isEmpty else {
            return LessonVerdict(correct: false, message: "This server has no plug-and-play prior installed (\(r.notes.joined(separator: " "))), so there is nothing to step through.")
        }
        let expected = firstOvertake(r)
        let answer: Int?
        if text == "never" { answer = nil } else {
            guard let n = Int(text), (1 ... r.iterates.count).contains(n) else {
                throw LessonError.badParameter(name: "answer", value: text, expected: "an iteration from 1 to \(r.iterates.count), or never")
            }
            answer = n
        }
        if answer == expected {
            return LessonVerdict(correct: true, message: expected.map { String(format: "Right: after iteration %d the denoised estimate (%.2f dB) is already better than %@ (%.2f dB) — a prior learned from images, inside the same physics.", $0, r.iterates[$0 - 1].psnrZ, r.rows[1].name, r.rows[1].psnr) }
                ?? "Right: here plug-and-play never overtakes the classical method.")
        }
        return LessonVerdict(correct: false, message: "Not this one: step through the iterates and compare each z's PSNR with \(r.rows[1].name)'s \(String(format: "%.2f", r.rows[1].psnr)) dB.")
    }
}
