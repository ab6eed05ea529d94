import ArgumentParser
import Foundation
import Lessons
import WebApp

/// `deblur lesson NAME -o DIR`: a lesson of the web app's "Learn" section as a static handout.
struct LessonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson",
        abstract: "Write a teaching lesson as a static handout (HTML + PNG figures at a few slider positions).",
        discussion: """
        The lessons (the same as /learn in `deblur serve`):
        \(LessonCatalog.all.enumerated().map { "  \($0.element.id.padding(toLength: 9, withPad: " ", startingAt: 0))\($0.offset + 1). \($0.element.title)" }.joined(separator: "\n"))

        DIR/index.html holds the lesson's text, its figure precomputed at a few parameter settings (pictures as
        PNG files beside it, plots as inline SVG, the numbers in tables) and the exercise; DIR/figures.json the
        parameters and numbers of every setting — the same numbers `GET /api/lessons/NAME?…` answers.

        Examples:
          deblur lesson wiener -o handouts/wiener
          deblur lesson rl --image my-photo.jpg -o handouts/rl
          deblur lesson wiener --setting 'nsr=0.001' --setting 'nsr=0.03&sigma=0.02' -o handouts/wiener
        """)

    @Argument(help: "The lesson: \(LessonCatalog.all.map(\.id).joined(separator: ", ")).")
    var name: String

    @Option(name: [.short, .customLong("output")], help: "Folder to write the handout into (created if needed).")
    var output: String

    @Option(help: "The picture (PNG or JPEG; made gray, at most 512 × 512). Default: the built-in astronaut (Data/builtin), or a drawn scene without it.")
    var image: String?

    @Option(name: .customLong("setting"), help: ArgumentHelp(
        "A slider position to precompute, as the page's query: e.g. 'nsr=0.01&sigma=0.02' (repeat for several; default: the lesson's own few).",
        valueName: "QUERY"))
    var settings: [String] = []

    @OptionGroup var pixelLimit: PixelLimitOption

    func validate() throws {
        guard LessonCatalog.all.contains(where: { $0.id == name }) else {
            throw ValidationError("There is no lesson '\(name)'. The lessons are: \(LessonCatalog.all.map(\.id).joined(separator: ", ")).")
        }
    }

    func run() throws {
        let source: LessonSource
        if let image {
            do {
                source = try LessonSource(name: URL(fileURLWithPath: image).lastPathComponent, image: try pixelLimit.read(image))
            } catch let error as LessonError {
                throw ValidationError("--image \(image): \(error.localizedDescription)")
            }
        } else {
            source = LessonSource.standard()
        }
        let started = Date()
        var chosen: [LessonParameters]?
        if !settings.isEmpty {
            chosen = try settings.map { query in
                var p = LessonParameters()
                for pair in query.split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    guard kv.count == 2, !kv[0].isEmpty else {
                        throw ValidationError("--setting '\(query)': each part must be NAME=VALUE, joined by &, e.g. nsr=0.01&sigma=0.02.")
                    }
                    p[kv[0]] = kv[1]
                }
                // Checked now, so a typo is reported before anything is written.
                do {
                    let lesson = try LessonCatalog.lesson(name)
                    try lesson.checkNames(p)
                    _ = try lesson.figure(p, source: source)
                } catch let error as LessonError {
                    throw ValidationError("--setting '\(query)': \(error.localizedDescription)")
                }
                return p
            }
        }
        let files = try LessonHandout.write(lesson: name, source: source, to: URL(fileURLWithPath: output), settings: chosen) { print($0) }
        print(String(format: "wrote %d files to %@ in %.1f s (picture: %@)", files.count, output, Date().timeIntervalSince(started), source.name))
    }
}
