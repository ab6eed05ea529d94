import Foundation

// The report model: plain data that Workbench and PSFEstimation build from their own types, and
// that the writers in this module lay out (`HTMLWriter`, `MarkdownWriter`). Nothing here knows
// about restoration methods or PSFs; nothing in the writers knows about them either, so a
// template engine can replace a writer without touching the code that prepares the data.

/// A run of inline content: text (escaped by the writer), with a little markup.
public enum Inline: Sendable, Equatable {
    case text(String)
    case code(String)
    case bold(String)
    case italic(String)
    case lineBreak
    /// Inline content in a `<span class="…">` (HTML); plain in Markdown.
    case span(cssClass: String, [Inline])
    case picture(Picture)
}

/// An image placed in a report: a file embedded as a data URI when the page is written, or a URI
/// given as it is.
public struct Picture: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// A PNG (`.png`) or JPEG file, embedded as a `data:` URI; a missing file is shown as "(no image)".
        case file(URL)
        /// A URI used as it is (`data:…`, a relative path).
        case uri(String)
    }
    public var source: Source
    public var cssClass: String
    public var alt: String

    public init(_ source: Source, cssClass: String, alt: String) {
        self.source = source
        self.cssClass = cssClass
        self.alt = alt
    }
}

/// One table cell.
public struct Cell: Sendable, Equatable {
    public var content: [Inline]
    /// The best value of its column: `class="best"` in HTML, bold in Markdown.
    public var isBest: Bool
    public var cssClass: String?
    /// An inline CSS declaration (HTML only), e.g. a background colour.
    public var style: String?

    public init(_ content: [Inline], isBest: Bool = false, cssClass: String? = nil, style: String? = nil) {
        self.content = content
        self.isBest = isBest
        self.cssClass = cssClass
        self.style = style
    }

    /// A cell holding plain text.
    public init(_ text: String, isBest: Bool = false, cssClass: String? = nil, style: String? = nil) {
        self.init([.text(text)], isBest: isBest, cssClass: cssClass, style: style)
    }
}

extension Cell: ExpressibleByStringLiteral {
    public init(stringLiteral text: String) { self.init(text) }
}

/// A table: one header row, then rows of cells (the first cell names the row).
public struct Table: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var cells: [Cell]
        public var cssClass: String?
        public init(_ cells: [Cell], cssClass: String? = nil) {
            self.cells = cells
            self.cssClass = cssClass
        }
    }
    public var header: [Cell]
    public var rows: [Row]
    /// Shown above the table (`<caption>` in HTML, a line before it in Markdown); none by default.
    public var caption: String?

    public init(header: [Cell], rows: [Row] = [], caption: String? = nil) {
        self.header = header
        self.rows = rows
        self.caption = caption
    }

    public mutating func append(_ cells: [Cell], cssClass: String? = nil) { rows.append(Row(cells, cssClass: cssClass)) }
}

/// A block of a report, in reading order.
public enum Block: Sendable, Equatable {
    case heading(level: Int, [Inline])
    case paragraph([Inline], cssClass: String? = nil)
    case table(Table)
    case list([[Inline]])
    /// Complete `<svg>` charts (from `SVG`) side by side, in a `<div>` with an optional class.
    case charts([String], cssClass: String? = nil)
    /// Figures side by side in a `<div class="containerClass">` (with an optional inline style),
    /// each figure a `<div class="figureClass">` of inline content (pictures and captions).
    case figures([[Inline]], containerClass: String, figureClass: String, style: String? = nil)
}

/// A whole report page: its `<title>`, the `<h1>` heading, the stylesheet (CSS, layout only) and
/// the blocks below the heading.
public struct Document: Sendable, Equatable {
    public var title: String
    public var heading: String
    public var stylesheet: String
    public var blocks: [Block]

    public init(title: String, heading: String? = nil, stylesheet: String = "", blocks: [Block] = []) {
        self.title = title
        self.heading = heading ?? title
        self.stylesheet = stylesheet
        self.blocks = blocks
    }
}
