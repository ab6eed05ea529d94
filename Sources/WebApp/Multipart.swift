import Foundation

/// One part of a `multipart/form-data` body (RFC 7578): a form field or an uploaded file.
public struct MultipartPart: Sendable, Equatable {
    /// The field name from `Content-Disposition: form-data; name="…"`.
    public var name: String
    /// The client's file name, if the part is a file. Shown in messages only, never used as a path.
    public var filename: String?
    /// The part's `Content-Type`, if given (browsers send `application/octet-stream` for unknown files).
    public var contentType: String?
    /// The part's bytes, exactly as sent.
    public var body: Data

    public init(name: String, filename: String? = nil, contentType: String? = nil, body: Data) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
        self.body = body
    }

    /// The body as UTF-8 text (form fields), `nil` if it is not valid UTF-8.
    public var text: String? { String(data: body, encoding: .utf8) }
}

/// Why a `multipart/form-data` body could not be parsed. Messages say what the client should send.
public enum MultipartError: LocalizedError, Equatable {
    case notMultipart(contentType: String)
    case missingBoundary
    case noOpeningBoundary
    case unterminated
    case malformedPartHeader(String)
    case missingName
    case duplicateField(String)
    case tooManyParts(limit: Int)

    public var errorDescription: String? {
        switch self {
        case let .notMultipart(contentType):
            return "Expected a multipart/form-data upload but the request's Content-Type is '\(contentType.prefix(80))'. "
                + "Send the form with enctype=\"multipart/form-data\" (curl: -F image=@photo.png)."
        case .missingBoundary:
            return "The multipart/form-data Content-Type has no boundary parameter; the request cannot be split into fields."
        case .noOpeningBoundary:
            return "The upload does not start with the multipart boundary named in its Content-Type; it is not a valid form upload."
        case .unterminated:
            return "The multipart upload ends before its closing boundary: the request was cut short. Send it again."
        case let .malformedPartHeader(line):
            return "A part of the multipart upload has a malformed header ('\(line.prefix(80))')."
        case .missingName:
            return "A part of the multipart upload has no Content-Disposition name; every field needs one."
        case let .duplicateField(name):
            return "The field '\(name.prefix(40))' appears more than once in the upload; send it once."
        case let .tooManyParts(limit):
            return "The upload has more than \(limit) fields; this form takes image, reference, methods and psf."
        }
    }
}

/// A small, strict `multipart/form-data` parser for bodies already collected in memory (the caller bounds
/// their size). It follows RFC 2046 §5.1.1: an optional preamble, `--boundary CRLF` before each part, part
/// headers up to an empty line, the body up to `CRLF--boundary`, and `--boundary--` at the end.
public enum MultipartParser {
    /// The boundary parameter of a `multipart/form-data` Content-Type header (quoted or not).
    /// - Throws: `MultipartError.notMultipart` or `.missingBoundary`.
    public static func boundary(fromContentType contentType: String) throws -> String {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = pieces.first, first.lowercased() == "multipart/form-data" else {
            throw MultipartError.notMultipart(contentType: contentType)
        }
        for piece in pieces.dropFirst() {
            guard let eq = piece.firstIndex(of: "=") else { continue }
            let key = piece[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var value = piece[piece.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            if key == "boundary", !value.isEmpty, value.utf8.count <= 70 { return value }
        }
        throw MultipartError.missingBoundary
    }

    /// Splits `body` into its parts.
    /// - Parameters:
    ///   - body: the whole request body.
    ///   - boundary: from `boundary(fromContentType:)`.
    ///   - maxParts: more parts than this is an error (a form has a handful of fields).
    /// - Throws: `MultipartError`.
    public static func parse(_ body: Data, boundary: String, maxParts: Int = 16) throws -> [MultipartPart] {
        let bytes = [UInt8](body)
        let dash = Array("--\(boundary)".utf8)
        let delimiter = Array("\r\n--\(boundary)".utf8)
        // The first boundary may start the body (no preamble) or follow a preamble and CRLF.
        var position: Int
        if bytes.starts(with: dash) {
            position = dash.count
        } else if let found = find(delimiter, in: bytes, from: 0) {
            position = found + delimiter.count
        } else {
            throw MultipartError.noOpeningBoundary
        }
        var parts: [MultipartPart] = []
        while true {
            // After a boundary: "--" closes the body, CRLF opens a part (transport padding allowed).
            if bytes.count >= position + 2, bytes[position] == UInt8(ascii: "-"), bytes[position + 1] == UInt8(ascii: "-") {
                return parts
            }
            while position < bytes.count, bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t") {
                position += 1
            }
            guard bytes.count >= position + 2, bytes[position] == 13, bytes[position + 1] == 10 else {
                throw MultipartError.unterminated
            }
            position += 2
            let headerEnd: Int
            if bytes[position...].starts(with: [13, 10]) {
                headerEnd = position - 2  // a part without headers (it is then refused for having no name)
            } else if let end = find(Array("\r\n\r\n".utf8), in: bytes, from: position, limit: 16 * 1024) {
                headerEnd = end
            } else {
                throw MultipartError.unterminated
            }
            let headerText = String(decoding: bytes[position ..< max(position, headerEnd)], as: UTF8.self)
            let bodyStart = headerEnd + 4
            guard bodyStart <= bytes.count, let bodyEnd = nextDelimiter(delimiter, in: bytes, from: bodyStart) else {
                throw MultipartError.unterminated
            }
            var part = try parseHeaders(headerText)
            part.body = Data(bytes[bodyStart ..< bodyEnd])
            guard parts.count < maxParts else { throw MultipartError.tooManyParts(limit: maxParts) }
            if parts.contains(where: { $0.name == part.name }) { throw MultipartError.duplicateField(part.name) }
            parts.append(part)
            position = bodyEnd + delimiter.count
        }
    }

    /// The next real delimiter: `CRLF--boundary` followed by `--` or (optional blanks and) CRLF. A line
    /// that merely starts with the boundary text belongs to the body.
    static func nextDelimiter(_ delimiter: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        var from = start
        while let found = find(delimiter, in: bytes, from: from) {
            var after = found + delimiter.count
            if bytes.count >= after + 2, bytes[after] == UInt8(ascii: "-"), bytes[after + 1] == UInt8(ascii: "-") { return found }
            while after < bytes.count, bytes[after] == UInt8(ascii: " ") || bytes[after] == UInt8(ascii: "\t") { after += 1 }
            if bytes.count >= after + 2, bytes[after] == 13, bytes[after + 1] == 10 { return found }
            from = found + 1
        }
        return nil
    }

    /// Parses the header lines of one part into a part with an empty body.
    static func parseHeaders(_ text: String) throws -> MultipartPart {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in text.components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw MultipartError.malformedPartHeader(line) }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch field {
            case "content-disposition":
                let parameters = dispositionParameters(value)
                name = parameters["name"]
                filename = parameters["filename"]
            case "content-type":
                contentType = value
            default:
                continue
            }
        }
        guard let name, !name.isEmpty else { throw MultipartError.missingName }
        return MultipartPart(name: name, filename: filename, contentType: contentType, body: Data())
    }

    /// `form-data; name="image"; filename="a;b.png"` → ["name": "image", "filename": "a;b.png"].
    /// Quoted values may contain `;` and escaped quotes (`\"`).
    static func dispositionParameters(_ value: String) -> [String: String] {
        var result: [String: String] = [:]
        var chars = Substring(value)
        // Skip the disposition type ("form-data").
        if let semicolon = chars.firstIndex(of: ";") { chars = chars[chars.index(after: semicolon)...] } else { return result }
        while !chars.isEmpty {
            chars = chars.drop { $0 == " " || $0 == "\t" || $0 == ";" }
            guard let eq = chars.firstIndex(of: "=") else { break }
            let key = chars[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            chars = chars[chars.index(after: eq)...].drop { $0 == " " }
            var parsed = ""
            if chars.first == "\"" {
                chars = chars.dropFirst()
                var escaped = false
                while let c = chars.first {
                    chars = chars.dropFirst()
                    if escaped { parsed.append(c); escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { break } else { parsed.append(c) }
                }
                chars = chars.drop { $0 != ";" }
            } else {
                let end = chars.firstIndex(of: ";") ?? chars.endIndex
                parsed = chars[..<end].trimmingCharacters(in: .whitespaces)
                chars = chars[end...]
            }
            if result[key] == nil { result[key] = parsed }
        }
        return result
    }

    /// The first index at or after `start` where `needle` occurs in `haystack`, looking at most `limit` bytes.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int, limit: Int = .max) -> Int? {
        guard !needle.isEmpty, start >= 0 else { return nil }
        let last = min(haystack.count - needle.count, limit == .max ? .max : start + limit)
        guard start <= last else { return nil }
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                let first = n[0]
                var i = start
                while i <= last {
                    if h[i] == first {
                        var j = 1
                        while j < n.count, h[i + j] == n[j] { j += 1 }
                        if j == n.count { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }
}
