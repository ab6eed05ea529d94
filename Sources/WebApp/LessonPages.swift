import Foundation
import Lessons
import Reporting

/// The "Learn" pages, rendered once at start-up from `Templates/learn.mustache` and
/// `Templates/lesson-NAME.mustache` (which share the style, header, upload and script partials and the
/// lesson's text, `text-NAME.mustache`, with the handout `deblur lesson` writes).
enum LessonPages {
    struct Entry { var id: String; var number: Int; var title: String; var summary: String; var here: Bool }
    struct View { var lessons: [Entry]; var index: Bool; var title: String }

    /// Index page and one page per lesson, by lesson id ("" for the index).
    /// - Throws: `TemplateError` when the templates are not installed beside the binary.
    static func render() throws -> [String: String] {
        let templates = try TemplateLibrary(module: "WebApp", sourceFolder: WebPage.sourceTemplates)
        func entries(current: String?) -> [Entry] {
            LessonCatalog.all.enumerated().map { i, l in Entry(id: l.id, number: i + 1, title: l.title, summary: l.summary, here: l.id == current) }
        }
        var pages = ["": try templates.render(View(lessons: entries(current: nil), index: true, title: "Learn"), template: "learn")]
        for lesson in LessonCatalog.all {
            pages[lesson.id] = try templates.render(View(lessons: entries(current: lesson.id), index: false, title: lesson.title),
                                                    template: "lesson-\(lesson.id)")
        }
        return pages
    }
}

/// The lessons' pages: as the main page, plus `data:` images (the figures arrive inline in the JSON).
let lessonPagePolicy = "default-src 'self'; img-src 'self' data: blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
