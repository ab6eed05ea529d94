import Foundation
import Mustache

/// A folder of Mustache templates shipped as a module's resources (`resources: [.copy("Templates")]`
/// in Package.swift): every `NAME.mustache` is registered as `NAME`, so templates include each other as
/// partials (`{{>NAME}}`). The one escaping rule of every page is Mustache's `{{value}}`: `& < > " '`
/// become entities (the same five as `escapeHTML`, which the SVG charts use); `{{{value}}}` inserts
/// markup that Swift code built itself (charts, stylesheets).
///
/// A template file's final newline belongs to the file, not to the template (so one-line partials
/// add no stray line breaks); a page that ends with a newline ends its file with an empty line.
public struct TemplateLibrary: Sendable {
    public let library: MustacheLibrary
    /// Where the templates were read from (for messages).
    public let folder: URL

    /// Loads the templates of `module` (e.g. "Reporting"): from the resource bundle SwiftPM places
    /// next to the executable (`DeblurWorkbench_MODULE.resources/Templates`), else from the source
    /// folder the binary was built from (`sourceFolder`), so a copied binary on the building machine
    /// still finds them.
    /// - Throws: `TemplateError` naming the folders searched, or the template that does not parse.
    public init(module: String, sourceFolder: URL) throws {
        let bundled = Bundle.main.bundleURL.appendingPathComponent("DeblurWorkbench_\(module).resources/Templates")
        let candidates = [bundled, sourceFolder]
        guard let folder = candidates.first(where: { url in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) && isFolder.boolValue
        }) else {
            throw TemplateError.notFound(module: module, searched: candidates.map(\.path))
        }
        try self.init(folder: folder)
    }

    /// Loads every `*.mustache` file of `folder`.
    public init(folder: URL) throws {
        self.folder = folder
        var library = MustacheLibrary()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names.sorted() where name.hasSuffix(".mustache") {
            let url = folder.appendingPathComponent(name)
            guard var text = try? String(contentsOf: url, encoding: .utf8) else { throw TemplateError.unreadable(url.path) }
            if text.hasSuffix("\n") { text.removeLast() }
            do {
                try library.register(text, named: String(name.dropLast(".mustache".count)))
            } catch {
                throw TemplateError.invalid(url.path, "\(error)")
            }
        }
        guard !names.isEmpty else { throw TemplateError.notFound(module: folder.lastPathComponent, searched: [folder.path]) }
        self.library = library
    }

    /// Renders `object` (structs are read by reflection, arrays are repeated sections) with the
    /// template `name`.
    /// - Throws: `TemplateError.missing` if no such template was loaded.
    public func render(_ object: Any, template name: String) throws -> String {
        guard let text = library.render(object, withTemplate: name) else {
            throw TemplateError.missing(name, folder: folder.path)
        }
        return text
    }
}

/// Why a page could not be laid out. Each names the files involved: these are installation faults
/// (a binary separated from its resources), never the user's input.
public enum TemplateError: LocalizedError, Equatable {
    case notFound(module: String, searched: [String])
    case unreadable(String)
    case invalid(String, String)
    case missing(String, folder: String)

    public var errorDescription: String? {
        switch self {
        case let .notFound(module, searched):
            return "The HTML templates of \(module) were not found (looked in \(searched.joined(separator: " and "))). "
                + "Run the deblur binary from its build folder (.build/release/deblur), where SwiftPM puts its resources."
        case let .unreadable(path):
            return "The HTML template \(path) cannot be read as UTF-8 text."
        case let .invalid(path, reason):
            return "The HTML template \(path) does not parse: \(reason)."
        case let .missing(name, folder):
            return "No HTML template named '\(name)' in \(folder)."
        }
    }
}
