import Foundation
import Reporting

/// The web app's one page, laid out by `Templates/page.mustache` (HTML, CSS and the script that talks
/// to the JSON API) and filled in once at start-up with the server's limits and example PSFs.
enum WebPage {
    static let sourceTemplates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Templates")

    struct View {
        var maxUploadMB: String
        var maxMegapixels: String
        var psfExamples: [String]
    }

    /// - Throws: `TemplateError` when the templates are not installed beside the binary.
    static func render(_ configuration: WebAppConfiguration) throws -> String {
        let templates = try TemplateLibrary(module: "WebApp", sourceFolder: sourceTemplates)
        let view = View(maxUploadMB: decimal(Double(configuration.maxUploadBytes) / 1_048_576),
                        maxMegapixels: decimal(Double(configuration.maxPixels) / 1e6),
                        psfExamples: ["gaussian:2", "disk:4", "motion:15,30"])
        return try templates.render(view, template: "page")
    }

    /// 20 → "20", 0.5 → "0.5", 16.7772 → "16.8".
    static func decimal(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
    }
}
