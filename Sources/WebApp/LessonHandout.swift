import Foundation
import ImageCore
import ImageIO
import Lessons
import Reporting

/// `deblur lesson NAME -o DIR`: a static handout of a lesson for a course page or print — the lesson's
/// text and exercise (the same template partials as the live page), and its figure precomputed at the
/// lesson's `handoutSettings` (pictures as PNG files beside `index.html`, plots inline as SVG, the numbers
/// in tables and in `figures.json`).
public enum LessonHandout {
    struct Picture { var file: String; var caption: String }
    struct Number { var name: String; var value: String }
    struct Setting {
        var number: Int
        var label: String
        var pictures: [Picture]
        var plots: [String]
        var numbers: [Number]
    }
    struct View {
        var title: String
        var number: Int
        var text: String
        var exercise: String
        var source: String
        var settings: [Setting]
        var generated: String
    }

    /// Writes the handout of `lesson` on `source` into `folder` (created if needed) at `settings` (default: the
    /// lesson's `handoutSettings`); returns the files written.
    /// Every file is written atomically; `figures.json` holds each setting's parameters and numbers.
    /// - Throws: `LessonError` and the computations' errors; `TemplateError` when the templates are missing.
    @discardableResult
    public static func write(lesson id: String, source: LessonSource, to folder: URL, settings chosen: [LessonParameters]? = nil,
                             progress: (String) -> Void = { _ in }) throws -> [URL] {
        let lesson = try LessonCatalog.lesson(id)
        let handoutSettings = chosen ?? lesson.handoutSettings
        let number = (LessonCatalog.all.firstIndex { $0.id == id } ?? 0) + 1
        let templates = try TemplateLibrary(module: "WebApp", sourceFolder: WebPage.sourceTemplates)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var written: [URL] = []
        var settings: [Setting] = []
        var record: [[String: Any]] = []
        for (i, parameters) in handoutSettings.enumerated() {
            progress("setting \(i + 1) of \(handoutSettings.count): \(parameters.canonical)")
            let figure = try lesson.figure(parameters, source: source)
            var pictures: [Picture] = []
            var shown = figure.pictures
            // Iterates: the first, the best and the last frame of each sequence stand for the slider.
            for series in Set(figure.frames.map(\.series)).sorted() {
                let frames = figure.frames.filter { $0.series == series }
                func score(_ f: LessonFrame) -> Double? { figure.numbers[series.isEmpty ? "psnr_at_\(f.step)" : "psnr_\(series)_\(f.step)"] }
                let best = frames.max { (score($0) ?? -.infinity) < (score($1) ?? -.infinity) }!
                for f in [frames.first!, best, frames.last!] {
                    let name = (series.isEmpty ? "iteration" : series) + "-\(f.step)"
                    guard !shown.contains(where: { $0.name == name }) else { continue }
                    let what = series.isEmpty ? "" : "\(series) "
                    shown.append(LessonPicture(name: name, caption: String(format: "%@after %d iteration%@: PSNR %.2f dB", what, f.step, f.step == 1 ? "" : "s",
                                                                            score(f) ?? .nan), image: f.image))
                }
            }
            for p in shown {
                let file = "s\(i + 1)-\(p.name).png"
                let url = folder.appendingPathComponent(file)
                try writeAtomically(try encodeImage(p.image.clamped(to: 0 ... 1), format: .png), to: url)
                written.append(url)
                pictures.append(Picture(file: file, caption: p.caption))
            }
            let numbers = figure.numbers.keys.sorted().filter { !$0.hasPrefix("psnr_at_") }.map {
                Number(name: label($0, texts: figure.texts), value: String(format: "%.4g", figure.numbers[$0]!))
            }
            settings.append(Setting(number: i + 1, label: parameters.canonical.replacingOccurrences(of: "&", with: ", "),
                                    pictures: pictures, plots: figure.plots.map { $0.svg() }, numbers: numbers))
            record.append(["parameters": parameters.values, "numbers": figure.numbers])
        }
        let view = View(title: lesson.title, number: number, text: try templates.render([String: String](), template: "text-\(id)"),
                        exercise: try templates.render([String: String](), template: "exercise-\(id)"),
                        source: source.name, settings: settings,
                        generated: "deblur lesson \(id) · picture: \(source.name) (\(source.image.width)×\(source.image.height), gray)")
        let html = folder.appendingPathComponent("index.html")
        try writeAtomically(Data(try templates.render(view, template: "handout").utf8), to: html)
        let json = folder.appendingPathComponent("figures.json")
        let payload: [String: Any] = ["lesson": id, "title": lesson.title, "picture": source.name, "settings": record]
        try writeAtomically(try JSONSerialization.data(withJSONObject: payload, options: [.prettyPrinted, .sortedKeys]), to: json)
        return written + [html, json]
    }

    /// A number's name for people: "psnr_x_3" → "psnr x 3"; a row index named in the figure's texts
    /// ("psnr_1" with row_1 = "hyper-laplacian") → "psnr hyper-laplacian".
    static func label(_ key: String, texts: [String: String]) -> String {
        let parts = key.split(separator: "_").map(String.init)
        if parts.count == 2, Int(parts[1]) != nil, let row = texts["row_\(parts[1])"] { return "\(parts[0]) \(row)" }
        return parts.joined(separator: " ")
    }
}
