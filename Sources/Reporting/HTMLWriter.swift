import Foundation

/// Escapes text for HTML and XML (text and attribute values): `& < > " '`. The one escape of
/// every report and chart.
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
/// data URIs, charts inline SVG, no scripts. Blocks follow each other without separators.
public enum HTMLWriter {
    public static func page(_ document: Document) -> String {
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            + "<title>\(escapeHTML(document.title))</title><style>\n\(document.stylesheet)\n</style></head><body>\n"
            + "<h1>\(escapeHTML(document.heading))</h1>\n"
            + document.blocks.map(block).joined()
            + "</body></html>\n"
    }

    public static func block(_ block: Block) -> String {
        switch block {
        case let .heading(level, content):
            return "<h\(level)>\(inline(content))</h\(level)>"
        case let .paragraph(content, cssClass):
            return "<p\(attribute("class", cssClass))>\(inline(content))</p>"
        case let .table(t):
            return table(t)
        case let .list(items):
            return "<ul>" + items.map { "<li>\(inline($0))</li>" }.joined() + "</ul>"
        case let .charts(svgs, cssClass):
            return "<div\(attribute("class", cssClass))>" + svgs.joined() + "</div>"
        case let .figures(figures, containerClass, figureClass, style):
            return "<div class=\"\(containerClass)\"\(attribute("style", style))>"
                + figures.map { "<div class=\"\(figureClass)\">\(inline($0))</div>" }.joined() + "</div>"
        }
    }

    /// The one HTML table writer: a header row of `<th>` (none when the header is empty), then
    /// rows of `<td>`.
    public static func table(_ t: Table) -> String {
        var out = "<table>"
        if let caption = t.caption { out += "<caption>\(escapeHTML(caption))</caption>" }
        if !t.header.isEmpty { out += "<tr>" + t.header.map { cell($0, tag: "th") }.joined() + "</tr>" }
        for row in t.rows {
            out += "<tr\(attribute("class", row.cssClass))>" + row.cells.map { cell($0, tag: "td") }.joined() + "</tr>"
        }
        return out + "</table>"
    }

    static func cell(_ c: Cell, tag: String) -> String {
        let classes = ([c.isBest ? "best" : nil, c.cssClass].compactMap { $0 }).joined(separator: " ")
        return "<\(tag)\(attribute("class", classes.isEmpty ? nil : classes))\(attribute("style", c.style))>\(inline(c.content))</\(tag)>"
    }

    public static func inline(_ content: [Inline]) -> String {
        content.map { part in
            switch part {
            case let .text(s): return escapeHTML(s)
            case let .code(s): return "<code>\(escapeHTML(s))</code>"
            case let .bold(s): return "<b>\(escapeHTML(s))</b>"
            case let .italic(s): return "<i>\(escapeHTML(s))</i>"
            case .lineBreak: return "<br>"
            case let .span(cssClass, inner): return "<span class=\"\(cssClass)\">\(inline(inner))</span>"
            case let .picture(p): return picture(p)
            }
        }.joined()
    }

    static func picture(_ p: Picture) -> String {
        let uri: String
        switch p.source {
        case let .uri(u): uri = u
        case let .file(url):
            guard let data = dataURI(url) else { return "<div class=\"missing\">(no image)</div>" }
            uri = data
        }
        return "<img class=\"\(p.cssClass)\" src=\"\(uri)\" alt=\"\(escapeHTML(p.alt))\">"
    }

    /// A PNG (by extension) or JPEG file as a `data:` URI; nil when it cannot be read.
    public static func dataURI(_ url: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let mime = url.pathExtension == "png" ? "image/png" : "image/jpeg"
        return "data:\(mime);base64," + data.base64EncodedString()
    }

    static func attribute(_ name: String, _ value: String?) -> String {
        value.map { " \(name)=\"\($0)\"" } ?? ""
    }
}
