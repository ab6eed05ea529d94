import Foundation
import Testing
@testable import WebApp

/// A multipart body written by hand, byte by byte, independent of the parser under test.
private func body(_ text: String) -> Data { Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }

@Suite struct MultipartTests {
    @Test func splitsFieldsAndFiles() throws {
        let data = body("""
        --XyZ
        Content-Disposition: form-data; name="methods"

        wiener,rl
        --XyZ
        Content-Disposition: form-data; name="image"; filename="a;b \\"c\\".png"
        Content-Type: image/png

        line1
        --XyZ-not-a-boundary
        --XyZ--

        """)
        let parts = try MultipartParser.parse(data, boundary: "XyZ")
        #expect(parts.count == 2)
        #expect(parts[0].name == "methods")
        #expect(parts[0].text == "wiener,rl")
        #expect(parts[0].filename == nil)
        #expect(parts[1].name == "image")
        #expect(parts[1].filename == "a;b \"c\".png")
        #expect(parts[1].contentType == "image/png")
        // A line that merely starts like the boundary belongs to the body.
        #expect(parts[1].text == "line1\r\n--XyZ-not-a-boundary")
    }

    @Test func keepsBinaryBytesAndSkipsThePreamble() throws {
        var data = body("preamble to ignore\n--b\nContent-Disposition: form-data; name=\"image\"\n\n")
        let binary: [UInt8] = [0, 13, 10, 45, 45, 98, 255, 13, 10, 13, 10]  // CR LF "--b" … inside the file
        data.append(contentsOf: binary)
        data.append(body("\n--b--"))
        let parts = try MultipartParser.parse(data, boundary: "b")
        #expect(parts.count == 1)
        #expect([UInt8](parts[0].body) == binary)
    }

    @Test func readsTheBoundaryFromTheContentType() throws {
        #expect(try MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=----WebKit123") == "----WebKit123")
        #expect(try MultipartParser.boundary(fromContentType: "Multipart/Form-Data;boundary=\"a b\"; charset=utf-8") == "a b")
        #expect(throws: MultipartError.missingBoundary) { try MultipartParser.boundary(fromContentType: "multipart/form-data") }
        #expect(throws: MultipartError.notMultipart(contentType: "image/png")) { try MultipartParser.boundary(fromContentType: "image/png") }
    }

    @Test func refusesMalformedBodies() {
        let open = "--b\nContent-Disposition: form-data; name=\"image\"\n\nabc"
        #expect(throws: MultipartError.unterminated) { try MultipartParser.parse(body(open), boundary: "b") }
        #expect(throws: MultipartError.noOpeningBoundary) { try MultipartParser.parse(body("just text"), boundary: "b") }
        let noName = "--b\nContent-Disposition: form-data\n\nabc\n--b--"
        #expect(throws: MultipartError.missingName) { try MultipartParser.parse(body(noName), boundary: "b") }
        let badHeader = "--b\nthis is not a header\n\nabc\n--b--"
        #expect(throws: MultipartError.malformedPartHeader("this is not a header")) { try MultipartParser.parse(body(badHeader), boundary: "b") }
        let twice = "--b\nContent-Disposition: form-data; name=\"x\"\n\n1\n--b\nContent-Disposition: form-data; name=\"x\"\n\n2\n--b--"
        #expect(throws: MultipartError.duplicateField("x")) { try MultipartParser.parse(body(twice), boundary: "b") }
        let many = (0 ..< 5).map { "--b\nContent-Disposition: form-data; name=\"f\($0)\"\n\nv\n" }.joined() + "--b--"
        #expect(throws: MultipartError.tooManyParts(limit: 4)) { try MultipartParser.parse(body(many), boundary: "b", maxParts: 4) }
    }

    @Test func searchMatchesANaiveScan() {
        // The byte search against the obvious definition, on a haystack with many near-misses.
        let haystack = Array("--a--ab--abc-abcd--abcd\r\n--abcd".utf8)
        for needle in ["--abcd", "\r\n--abcd", "abc", "x", "--a"].map({ Array($0.utf8) }) {
            for start in 0 ..< haystack.count {
                let naive = (start ... max(start, haystack.count - needle.count)).first {
                    $0 + needle.count <= haystack.count && Array(haystack[$0 ..< $0 + needle.count]) == needle
                }
                #expect(MultipartParser.find(needle, in: haystack, from: start) == naive)
            }
        }
    }
}
