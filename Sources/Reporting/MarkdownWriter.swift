/// Lays a sequence of blocks out as Markdown (GitHub tables): each block ends with a newline and
/// blocks are separated by a blank line. Text is written as it is (Markdown is not escaped);
/// pictures become their alt text and charts are left out.
public enum MarkdownWriter {
    public static func document(_ blocks: [Block]) -> String {
        blocks.map(block).filter { !$0.isEmpty }.joined(separator: "\n")
    }

    public static func block(_ block: Block) -> String {
        switch block {
        case let .heading(level, content): return String(repeating: "#", count: level) + " " + inline(content) + "\n"
        case let .paragraph(content, _): return inline(content) + "\n"
        case let .table(t): return table(t)
        case let .list(items): return items.map { "- " + inline($0) + "\n" }.joined()
        case .charts: return ""
        case let .figures(figures, _, _, _): return figures.map { inline($0) + "\n" }.joined()
        }
    }

    /// The one Markdown table writer: `| a | b |` rows under a `|---|` rule (an empty header
    /// becomes blank header cells, since Markdown tables need one).
    public static func table(_ t: Table) -> String {
        func row(_ cells: [Cell]) -> String { "| " + cells.map(cell).joined(separator: " | ") + " |\n" }
        let header = t.header.isEmpty ? [Cell](repeating: "", count: t.rows.first?.cells.count ?? 1) : t.header
        let caption = t.caption.map { $0 + "\n\n" } ?? ""
        return caption + row(header) + "|" + String(repeating: "---|", count: header.count) + "\n" + t.rows.map { row($0.cells) }.joined()
    }

    static func cell(_ c: Cell) -> String {
        let text = inline(c.content)
        return c.isBest ? "**\(text)**" : text
    }

    public static func inline(_ content: [Inline]) -> String {
        content.map { part in
            switch part {
            case let .text(s): return s
            case let .code(s): return "`\(s)`"
            case let .bold(s): return "**\(s)**"
            case let .italic(s): return "*\(s)*"
            case .lineBreak: return " "
            case let .span(_, inner): return inline(inner)
            case let .picture(p): return p.alt
            }
        }.joined()
    }
}
