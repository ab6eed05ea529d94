import Foundation
import Testing
@testable import Reporting

@Suite("Report writers")
struct WriterTests {
    @Test("one escape for text and attributes")
    func escaping() {
        #expect(escapeHTML("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
        #expect(escapeHTML("σ = 0.01 · ±") == "σ = 0.01 · ±")
    }

    @Test("CSV fields are quoted only when they hold a comma, a quote or a newline (RFC 4180)")
    func csvQuoting() {
        #expect(csvField("motion:15,30") == "\"motion:15,30\"")
        #expect(csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(csvField("two\nlines") == "\"two\nlines\"")
        #expect(csvField("plain") == "plain")
        #expect(csvDocument(header: ["a", "b"], rows: [["1", "x,y"], ["", "z"]]) == "a,b\n1,\"x,y\"\n,z\n")
    }

    @Test("HTML tables: header of th, best and classed cells, row classes, no header row when it is empty")
    func htmlTable() throws {
        var t = Table(header: ["method", "PSNR ↑"])
        t.append(["blurred", Cell("20.00", isBest: false)], cssClass: "input")
        t.append(["wiener <x>", Cell("25.00", isBest: true), Cell("67%", cssClass: "w", style: "background:rgb(1,2,3)")])
        #expect(try HTMLWriter.table(t) == "<table><tr><th>method</th><th>PSNR ↑</th></tr><tr class=\"input\"><td>blurred</td><td>20.00</td></tr>"
            + "<tr><td>wiener &lt;x&gt;</td><td class=\"best\">25.00</td><td class=\"w\" style=\"background:rgb(1,2,3)\">67%</td></tr></table>")
        var headless = Table(header: [])
        headless.append(["git commit", Cell([.code("abc")], style: "text-align:left")])
        #expect(try HTMLWriter.table(headless) == "<table><tr><td>git commit</td><td style=\"text-align:left\"><code>abc</code></td></tr></table>")
    }

    @Test("Markdown: best cells bold, a rule under the header, a blank line between blocks")
    func markdown() {
        var t = Table(header: ["method", "PSNR ↑"])
        t.append(["wiener", Cell("25.00", isBest: true)])
        let md = MarkdownWriter.document([.paragraph([.text("Mean; "), .bold("bold"), .text(" = best.")]), .table(t), .charts(["<svg/>"]),
                                          .paragraph([.text("after")])])
        #expect(md == "Mean; **bold** = best.\n\n| method | PSNR ↑ |\n|---|---|\n| wiener | **25.00** |\n\nafter\n")
    }

    @Test("a page: escaped title and heading, pictures embedded as data URIs, a missing file says so")
    func page() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reporting-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let png = dir.appendingPathComponent("a.png")
        try Data([1, 2, 3]).write(to: png)
        let doc = Document(title: "A & B", heading: "<h>", stylesheet: "p{}", blocks: [
            .figures([[.bold("t"), .picture(Picture(.file(png), cssClass: "thumb", alt: "x\"y")), .lineBreak,
                       .picture(Picture(.file(dir.appendingPathComponent("none.jpg")), cssClass: "", alt: ""))]],
                     containerClass: "grid", figureClass: "cell", style: "gap:1px"),
        ])
        let html = try HTMLWriter.page(doc)
        #expect(html.contains("<title>A &amp; B</title><style>\np{}\n</style></head><body>\n<h1>&lt;h&gt;</h1>\n"))
        #expect(html.contains("<div class=\"grid\" style=\"gap:1px\"><div class=\"cell\"><b>t</b><img class=\"thumb\" src=\"data:image/png;base64,AQID\" alt=\"x&quot;y\"><br>"
            + "<div class=\"missing\">(no image)</div></div></div>"))
        #expect(html.hasSuffix("</body></html>\n"))
    }

    @Test("bar charts: the axis starts below the minimum for dB scores, bars with no value leave their row empty")
    func bars() {
        let bars = [SVG.Bar(label: "a", value: 20.4, halfWidth: 0.5, colour: "#111", tooltip: "a: 20.40 ± 0.50"),
                    SVG.Bar(label: "b", value: .nan, halfWidth: nil, colour: "#222", tooltip: "b")]
        let svg = SVG.barChart(title: "PSNR (higher is better)", bars: bars, axisStart: .belowMinimum)
        #expect(svg.contains(">18</text>"))   // the axis starts at floor(19.9 − 1) = 18, a tick
        #expect(svg.contains("<title>a: 20.40 ± 0.50</title>"))
        #expect(!svg.contains("fill=\"#222\""))
        #expect(SVG.barChart(title: "t", bars: [bars[1]], axisStart: .zero) == "")
    }
}

@Suite("templates")
struct TemplateTests {
    @Test("Mustache's {{value}} escapes exactly the five characters escapeHTML does, so pages and charts share one rule")
    func oneEscapingRule() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "{{text}}|{{{text}}}\n".write(to: folder.appendingPathComponent("t.mustache"), atomically: true, encoding: .utf8)
        let library = try TemplateLibrary(folder: folder)
        struct View { var text: String }
        let text = "a<b & \"c\" 'd'> σ ±"
        // The final newline of a template file is the file's, not the template's.
        #expect(try library.render(View(text: text), template: "t") == escapeHTML(text) + "|" + text)
        #expect(throws: TemplateError.self) { try library.render(View(text: text), template: "none") }
    }

    @Test("a folder without templates and a template that does not parse are named")
    func namedErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: TemplateError.self) { try TemplateLibrary(folder: folder) }
        try "{{#open}} never closed".write(to: folder.appendingPathComponent("bad.mustache"), atomically: true, encoding: .utf8)
        do {
            _ = try TemplateLibrary(folder: folder)
            Issue.record("a broken template was accepted")
        } catch let error as TemplateError {
            #expect(error.localizedDescription.contains("bad.mustache"))
        }
    }
}
