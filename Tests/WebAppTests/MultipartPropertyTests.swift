import Foundation
import PropertyBased
import Testing
@testable import WebApp

/// Property tests of the upload parser with random forms (each run draws new cases from a seeded generator; a failure is
/// shrunk to its smallest input and prints the `.fixedSeed(…)` that replays it). The
/// bodies are written here as RFC 7578 says a browser writes them, independently of the parser.
@Suite("multipart properties")
struct MultipartPropertyTests {
    struct Field: Sendable {
        var name: String
        var filename: String?
        var body: [UInt8]
    }

    static let boundaryCharacters = Array("abcXYZ0123456789'()+_,-./:=?")
    static let nameCharacters = Array("abcdefghij_-")
    static let filenameCharacters = Array("ab ;.\"\\é-")
    /// Bytes a file holds, weighted towards the ones that matter to a multipart parser.
    static let byte = Gen.oneOf(Gen.uint8(), Gen.element(of: Array("\r\n-".utf8)).map { $0! })

    static func encode(_ fields: [Field], boundary: String) -> [UInt8] {
        var out: [UInt8] = Array("preamble ignored\r\n".utf8)
        for f in fields {
            var disposition = "Content-Disposition: form-data; name=\"\(f.name)\""
            if let filename = f.filename {
                let escaped = filename.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                disposition += "; filename=\"\(escaped)\"\r\nContent-Type: application/octet-stream"
            }
            out += Array("--\(boundary)\r\n\(disposition)\r\n\r\n".utf8) + f.body + Array("\r\n".utf8)
        }
        return out + Array("--\(boundary)--\r\n".utf8)
    }

    static let form = zip(
        Gen.element(of: boundaryCharacters).map { $0! }.array(of: 1 ... 70),
        zip(Gen.element(of: filenameCharacters).map { $0! }.array(of: 1 ... 12).optional(valueRate: 0.5),
            byte.array(of: 0 ... 300)).array(of: 1 ... 6)
    ).map { boundaryChars, parts -> (String, [Field]) in
        let fields = parts.enumerated().map { i, part in
            Field(name: "f\(i)", filename: part.0.map { String($0) }, body: part.1)
        }
        return (String(boundaryChars), fields)
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0 ... haystack.count - needle.count).contains { Array(haystack[$0 ..< $0 + needle.count]) == needle }
    }

    @Test("a form written as a browser writes it parses back to the same fields, bytes and file names")
    func roundTrip() async {
        await propertyCheck(count: 300, input: Self.form) { boundary, fields in
            // A client picks a boundary that does not occur in the bodies (RFC 2046 §5.1.1).
            let delimiter = Array("\r\n--\(boundary)".utf8)
            guard !fields.contains(where: { Self.contains(Array("\r\n".utf8) + $0.body + Array("\r\n".utf8), delimiter) }) else { return }
            let parts = try MultipartParser.parse(Data(Self.encode(fields, boundary: boundary)), boundary: boundary)
            #expect(parts.map(\.name) == fields.map(\.name))
            #expect(parts.map { [UInt8]($0.body) } == fields.map(\.body))
            #expect(parts.map(\.filename) == fields.map(\.filename))
        }
    }

    @Test("an upload cut short anywhere before its closing boundary is refused as cut short")
    func truncatedUploads() async {
        await propertyCheck(count: 300, input: Self.form, Gen.double(in: 0 ... 1)) { form, fraction in
            let (boundary, fields) = form
            let bytes = Self.encode(fields, boundary: boundary)
            let closing = bytes.count - 2  // "--boundary--" complete at this length
            let cut = Int(fraction * Double(closing - 1))
            #expect(throws: MultipartError.self, "cut at \(cut) of \(bytes.count)") {
                _ = try MultipartParser.parse(Data(bytes[..<cut]), boundary: boundary)
            }
        }
    }

    @Test("a body with one byte changed parses or is refused with a MultipartError, never anything else")
    func mutatedBodies() async {
        await propertyCheck(count: 300, input: Self.form, Gen.double(in: 0 ..< 1), Gen.uint8()) { form, position, value in
            let (boundary, fields) = form
            var bytes = Self.encode(fields, boundary: boundary)
            bytes[Int(position * Double(bytes.count))] = value
            do {
                let parts = try MultipartParser.parse(Data(bytes), boundary: boundary)
                #expect(parts.count <= fields.count + 1)
                #expect(Set(parts.map(\.name)).count == parts.count, "duplicate field names were accepted")
            } catch {
                #expect(error is MultipartError, "unexpected \(type(of: error)): \(error)")
            }
        }
    }
}
