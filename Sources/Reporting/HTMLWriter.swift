import Foundation

/// Escapes text for HTML and XML (text and attribute values): `& < > " '`. The SVG charts use it;
/// pages are laid out by Mustache templates whose `{{value}}` escapes the same five characters.
public func escapeHTML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for ch in s {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(ch)
        }
    }
    return out
}

/// Lays a `Document` out as one self-contained HTML page: stylesheet inline, pictures embedded as
/// data URIs, charts inline SVG, no scripts. Swift prepares the data (the view types below);
/// the templates in `Sources/Reporting/Templates` (`report`, `block`, `table`, `inline`) lay it out.
public enum HTMLWriter {
    /// The Reporting module's templates, loaded once.
    static let templates = Result { try TemplateLibrary(module: "Reporting", sourceFolder: sourceTemplates) }
    static let sourceTemplates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Templates")

    /// The whole page.
    /// - Throws: `TemplateError` if the templates are not installed beside the binary.
    public static func page(_ document: Document) throws -> String {
        try templates.get().render(PageView(document), template: "report")
    }

    /// One table, as it appears in a page: a header row of `<th>` (none when the header is empty), then rows of `<td>`.
    public static func table(_ t: Table) throws -> String {
        try templates.get().render(TableView(t), template: "table")
    }

    /// A PNG (by extension) or JPEG file as a `data:` URI; nil when it cannot be read.
    public static func dataURI(_ url: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let mime = url.pathExtension == "png" ? "image/png" : "image/jpeg"
        return "data:\(mime);base64," + data.base64EncodedString()
    }
}

// MARK: - What the templates read
//
// One optional member per kind of block or inline run: a template section `{{#.table}}…{{/.table}}`
// renders only for the member that is set. Templates look optional members up with a leading dot
// (`{{#.cssClass}}`), so an unset one never picks up a same-named value of an enclosing object.

struct PageView {
    var title: String
    var heading: String
    var stylesheet: String
    var blocks: [BlockView]

    init(_ d: Document) {
        title = d.title
        heading = d.heading
        stylesheet = d.stylesheet
        blocks = d.blocks.map(BlockView.init)
    }
}

struct BlockView {
    struct Heading { var level: Int; var content: [InlineView] }
    struct Paragraph { var cssClass: String?; var content: [InlineView] }
    struct Item { var content: [InlineView] }
    struct List { var items: [Item] }
    struct Charts { var cssClass: String?; var svgs: [String] }
    struct Figures { var containerClass: String; var figureClass: String; var style: String?; var items: [Item] }

    var heading: Heading?
    var paragraph: Paragraph?
    var table: TableView?
    var list: List?
    var charts: Charts?
    var figures: Figures?

    init(_ block: Block) {
        switch block {
        case let .heading(level, content):
            heading = Heading(level: level, content: InlineView.all(content))
        case let .paragraph(content, cssClass):
            paragraph = Paragraph(cssClass: cssClass, content: InlineView.all(content))
        case let .table(t):
            table = TableView(t)
        case let .list(items):
            list = List(items: items.map { Item(content: InlineView.all($0)) })
        case let .charts(svgs, cssClass):
            charts = Charts(cssClass: cssClass, svgs: svgs)
        case let .figures(figures, containerClass, figureClass, style):
            self.figures = Figures(containerClass: containerClass, figureClass: figureClass, style: style,
                                   items: figures.map { Item(content: InlineView.all($0)) })
        }
    }
}

struct TableView {
    struct CellView {
        var cssClass: String?
        var style: String?
        var content: [InlineView]
        init(_ c: Cell) {
            let classes = [c.isBest ? "best" : nil, c.cssClass].compactMap { $0 }.joined(separator: " ")
            cssClass = classes.isEmpty ? nil : classes
            style = c.style
            content = InlineView.all(c.content)
        }
    }
    struct RowView { var cssClass: String?; var cells: [CellView] }

    var caption: String?
    var hasHeader: Bool
    var header: [CellView]
    var rows: [RowView]

    init(_ t: Table) {
        caption = t.caption
        hasHeader = !t.header.isEmpty
        header = t.header.map(CellView.init)
        rows = t.rows.map { RowView(cssClass: $0.cssClass, cells: $0.cells.map(CellView.init)) }
    }
}

struct InlineView {
    struct Span { var cssClass: String; var content: [InlineView] }
    struct PictureView { var missing: Bool; var cssClass: String; var uri: String; var alt: String }

    var text: String?
    var code: String?
    var bold: String?
    var italic: String?
    var lineBreak = false
    var span: Span?
    var picture: PictureView?

    static func all(_ content: [Inline]) -> [InlineView] { content.map(InlineView.init) }

    init(_ part: Inline) {
        switch part {
        case let .text(s): text = s
        case let .code(s): code = s
        case let .bold(s): bold = s
        case let .italic(s): italic = s
        case .lineBreak: lineBreak = true
        case let .span(cssClass, inner): span = Span(cssClass: cssClass, content: InlineView.all(inner))
        case let .picture(p):
            let uri: String?
            switch p.source {
            case let .uri(u): uri = u
            case let .file(url): uri = HTMLWriter.dataURI(url)
            }
            picture = PictureView(missing: uri == nil, cssClass: p.cssClass, uri: uri ?? "", alt: p.alt)
        }
    }
}
