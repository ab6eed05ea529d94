import Blur
import Deconvolution
import Foundation
import Hummingbird
import HummingbirdTesting
import ImageCore
import ImageIO
import Lessons
import Metrics
import Restoration
import Testing
@testable import WebApp

/// The methods the tests offer: the registry's real Wiener filter, a stand-in "learned" model (identity, no PSF)
/// and a method that fails with a message holding a server path, which must never reach the client.
struct Failure: LocalizedError {
    var errorDescription: String? { "cannot open /srv/secret/weights.safetensors for reading" }
}

struct FakeNet: RestorationMethod {
    var name: String { "fake-net" }
    var family: MethodFamily { .learned }
    var needsPSF: Bool { false }
    var summary: String { "identity" }
    func restore(_ blurred: Image, psf: PSF?) throws -> Image { blurred }
}

struct Explode: RestorationMethod {
    var name: String { "explode" }
    var family: MethodFamily { .classical }
    var needsPSF: Bool { true }
    var summary: String { "throws" }
    func restore(_ blurred: Image, psf: PSF?) throws -> Image { throw Failure() }
}

func testMethods() throws -> OfferedMethods {
    let wiener = try MethodRegistry.entry("wiener")
    let fake = MethodEntry(name: "fake-net", label: "Fake net", family: .learned, needsPSF: false, help: "identity") { _ in FakeNet() }
    let explode = MethodEntry(name: "explode", label: "Explode", family: .classical, needsPSF: true, help: "throws") { _ in Explode() }
    return OfferedMethods([(wiener, try wiener.make()), (fake, FakeNet()), (explode, Explode())], estimator: nil)
}

/// A textured 72×72 RGB test scene (edges and smooth gradients), its blurred version (Gaussian σ=1.5, valid
/// centre, noise σ=0.005, 8-bit) and the matching sharp crop.
let scene: Degraded = {
    var sharp = Image(channels: 3, height: 84, width: 84)
    for c in 0 ..< 3 {
        for y in 0 ..< 84 {
            for x in 0 ..< 84 {
                let square: Float = (x / 12 + y / 12) % 2 == 0 ? 0.75 : 0.25
                let wave = 0.15 * Float(sin(Double(x) * 0.3 + Double(c)) * cos(Double(y) * 0.2))
                sharp.pixels[(c * 84 + y) * 84 + x] = square + wave
            }
        }
    }
    return try! degrade(sharp, psf: PSF.parse("gaussian:1.5"), options: DegradationOptions(noiseSigma: 0.005), seed: 3)
}()

func png(_ image: Image) -> Data { try! encodeImage(image, format: .png) }
func jpeg(_ image: Image) -> Data { try! encodeImage(image, format: .jpeg, jpegQuality: 95) }

/// A multipart/form-data body; files are (field, filename, bytes), fields (name, value).
func form(files: [(String, String, Data)] = [], fields: [(String, String)] = [], boundary: String = "TestBoundary7MA4YWxk") -> (ByteBuffer, HTTPFields) {
    var data = Data()
    for (name, value) in fields {
        data.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
    }
    for (name, filename, bytes) in files {
        data.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
        data.append(bytes)
        data.append(Data("\r\n".utf8))
    }
    data.append(Data("--\(boundary)--\r\n".utf8))
    return (ByteBuffer(bytes: data), [.contentType: "multipart/form-data; boundary=\(boundary)"])
}

func makeApp(_ adjust: (inout WebAppConfiguration) -> Void = { _ in }) throws -> WebAppContext {
    var configuration = WebAppConfiguration()
    configuration.metrics = [PSNR(), SSIM()]  // fast; the registry's full set is exercised by the CLI
    configuration.workers = 2
    configuration.lessonSource = LessonSource.drawnScene(side: 128)   // the same picture on every machine
    adjust(&configuration)
    return try WebAppContext(configuration: configuration, methods: testMethods())
}

struct ErrorBody: Decodable {
    struct Inner: Decodable { var message: String }
    var error: Inner
}

/// Posts a form and returns status and body.
func post(_ app: WebAppContext, _ form: (ByteBuffer, HTTPFields)) async throws -> (HTTPResponse.Status, ByteBuffer) {
    try await buildApplication(app).test(.router) { client in
        try await client.execute(uri: "/api/restore", method: .post, headers: form.1, body: form.0) { ($0.status, $0.body) }
    }
}

/// Posts a form that must be refused; returns the status and the message.
func refusal(_ app: WebAppContext, _ form: (ByteBuffer, HTTPFields)) async throws -> (HTTPResponse.Status, String) {
    let (status, body) = try await post(app, form)
    let message = try JSONDecoder().decode(ErrorBody.self, from: Data(body.readableBytesView)).error.message
    return (status, message)
}

func decodeResponse(_ body: ByteBuffer) throws -> RestoreResponse {
    try JSONDecoder().decode(RestoreResponse.self, from: Data(body.readableBytesView))
}

@Suite struct WebAppTests {
    @Test func pageAndHealthLoad() async throws {
        let app = try makeApp()
        defer { app.store.removeAll() }
        try await buildApplication(app).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                let html = String(buffer: response.body)
                #expect(html.contains("<title>Deblur Workbench</title>"))
                #expect(html.contains("/api/restore"))
                #expect(html.contains("<a href=\"/learn\">"))   // the lessons are one click away
                // Laid out by Templates/page.mustache: starts with the doctype (the template's leading
                // comment leaves no line behind), the server's limits filled in, no tag left unrendered.
                #expect(html.hasPrefix("<!doctype html>\n"))
                #expect(html.contains("up to \(app.configuration.maxUploadBytes / 1_048_576) MB and "))
                #expect(html.contains("data-psf=\"motion:15,30\">motion:15,30</button>"))
                #expect(!html.contains("{{") && !html.contains("}}"))
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"status\":\"ok\""))
            }
            try await client.execute(uri: "/api/methods", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("\"fake-net\"") && text.contains("\"isLearned\":true"))
            }
        }
    }

    @Test(arguments: ["png", "jpeg"])
    func uploadReturnsResultsThatCanBeFetched(format: String) async throws {
        let app = try makeApp()
        defer { app.store.removeAll() }
        let bytes = format == "png" ? png(scene.blurred) : jpeg(scene.blurred)
        try await buildApplication(app).test(.router) { client in
            let (body, headers) = form(files: [("image", "blurred.\(format)", bytes)], fields: [("methods", "wiener, fake-net"), ("psf", "gaussian:1.5")])
            let result = try await client.execute(uri: "/api/restore", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
                return try decodeResponse(response.body)
            }
            #expect(result.results.map(\.method) == ["wiener", "fake-net"])
            #expect(result.image.width == scene.blurred.width && result.image.height == scene.blurred.height)
            #expect(result.psf?.spec == "gaussian:1.5")
            #expect(result.metrics.isEmpty && result.results.allSatisfy { $0.scores.isEmpty })  // no reference
            for url in [result.results[0].url, result.results[1].url, result.psf!.url] {
                try await client.execute(uri: url, method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "image/png")
                    let image = try decodeImage(Data(response.body.readableBytesView), name: "result")
                    if url != result.psf!.url { #expect(image.width == scene.blurred.width && image.channels == 3) }
                }
            }
            try await client.execute(uri: result.results[0].downloadURL, method: .get) { response in
                #expect(response.headers[.contentDisposition]?.hasPrefix("attachment") == true)
            }
        }
    }

    @Test func referenceUploadReturnsMetricsWithVariants() async throws {
        let app = try makeApp()
        defer { app.store.removeAll() }
        let (status, body) = try await post(app, form(files: [("image", "b.png", png(scene.blurred)), ("reference", "s.png", png(scene.sharp))],
                                                      fields: [("methods", "wiener,fake-net"), ("psf", "gaussian:1.5")]))
        #expect(status == .ok)
        let result = try decodeResponse(body)
        #expect(result.metrics.map(\.id) == ["psnr", "ssim"])
        #expect(result.metrics.allSatisfy { $0.variant.contains("data range 1") })
        let wiener = try #require(result.results.first { $0.method == "wiener" })
        let identity = try #require(result.results.first { $0.method == "fake-net" })
        // The identity "model" scores exactly like the blurred input; Wiener with the true PSF beats both.
        #expect(identity.scores["psnr"] == result.blurredScores["psnr"])
        #expect(try #require(wiener.scores["psnr"]) > result.blurredScores["psnr"]! + 1)
        #expect(try #require(wiener.scores["ssim"]) > result.blurredScores["ssim"]!)
        // The blurred baseline's PSNR recomputed independently of the app.
        let expected = try PSNR().score(reference: try decodeImage(png(scene.sharp), name: "s"),
                                        test: try decodeImage(png(scene.blurred), name: "b"))
        #expect(abs(result.blurredScores["psnr"]! - expected) < 1e-9)
    }

    @Test func badUploadsGetAMessage() async throws {
        let app = try makeApp { $0.maxUploadBytes = 40_000 }
        defer { app.store.removeAll() }
        let fields = [("methods", "wiener"), ("psf", "gaussian:1.5")]
        let validPNG = png(scene.blurred)

        // Empty body.
        let (emptyStatus, emptyMessage) = try await refusal(app, (ByteBuffer(), [.contentType: "multipart/form-data; boundary=x"]))
        #expect(emptyStatus == .badRequest && emptyMessage.contains("empty"))

        // A text file renamed .png.
        let text = try await refusal(app, form(files: [("image", "notes.png", Data("hello, this is text\n".utf8))], fields: fields))
        #expect(text.0 == .badRequest && text.1.contains("neither a PNG nor a JPEG"))

        // A truncated PNG.
        let truncated = try await refusal(app, form(files: [("image", "cut.png", validPNG.prefix(validPNG.count / 2))], fields: fields))
        #expect(truncated.0 == .badRequest)
        #expect(truncated.1.contains("truncated") || truncated.1.contains("damaged"))

        // Larger than the configured upload limit.
        let big = try await refusal(app, form(files: [("image", "big.png", Data(repeating: 7, count: 50_000))], fields: fields))
        #expect(big.0 == .contentTooLarge && big.1.contains("larger than"))

        // A PNG header declaring 60000×60000 pixels (a decompression bomb) is refused from the header.
        let bomb = try await refusal(app, form(files: [("image", "bomb.png", pngHeader(width: 60000, height: 60000))], fields: fields))
        #expect(bomb.0 == .contentTooLarge && bomb.1.contains("60000×60000"))

        // No image field, and a body that is not multipart at all.
        let missing = try await refusal(app, form(fields: fields))
        #expect(missing.0 == .badRequest && missing.1.contains("'image'"))
        let json = try await refusal(app, (ByteBuffer(string: "{}"), [.contentType: "application/json"]))
        #expect(json.0 == .badRequest && json.1.contains("multipart/form-data"))
    }

    @Test func unknownMethodsAndBadPSFsAre400() async throws {
        let app = try makeApp()
        defer { app.store.removeAll() }
        let image = [("image", "b.png", png(scene.blurred))]
        let unknown = try await refusal(app, form(files: image, fields: [("methods", "wiener,deblurgan"), ("psf", "gaussian:2")]))
        #expect(unknown.0 == .badRequest && unknown.1.contains("deblurgan") && unknown.1.contains("fake-net"))
        let none = try await refusal(app, form(files: image, fields: [("methods", " , "), ("psf", "gaussian:2")]))
        #expect(none.0 == .badRequest && none.1.contains("No method"))
        let noPSF = try await refusal(app, form(files: image, fields: [("methods", "wiener")]))
        #expect(noPSF.0 == .badRequest && noPSF.1.contains("need a blur kernel"))
        let badSpec = try await refusal(app, form(files: image, fields: [("methods", "wiener"), ("psf", "motion:abc,3")]))
        #expect(badSpec.0 == .badRequest && badSpec.1.contains("'abc' is not a decimal number"))
        let huge = try await refusal(app, form(files: image, fields: [("methods", "wiener"), ("psf", "gaussian:5000")]))
        #expect(huge.0 == .badRequest && huge.1.contains("above 50"))
        // A path is never opened as a kernel file, and it is not echoed back either.
        let path = try await refusal(app, form(files: image, fields: [("methods", "wiener"), ("psf", "/etc/passwd")]))
        #expect(path.0 == .badRequest && !path.1.contains("/etc/passwd"))
        let estimate = try await refusal(app, form(files: image, fields: [("methods", "wiener"), ("psf", "estimate")]))
        #expect(estimate.0 == .badRequest && estimate.1.contains("not available"))
        // A learned method alone needs no PSF.
        let (status, _) = try await post(app, form(files: image, fields: [("methods", "fake-net")]))
        #expect(status == .ok)
    }

    @Test func failuresNeverLeakPaths() async throws {
        let app = try makeApp()
        defer { app.store.removeAll() }
        let (status, message) = try await refusal(app, form(files: [("image", "b.png", png(scene.blurred))], fields: [("methods", "explode"), ("psf", "disk:2")]))
        #expect(status == .unprocessableContent)
        #expect(message.contains("Explode failed") && !message.contains("/srv/secret"))
        try await buildApplication(app).test(.router) { client in
            for uri in ["/results/..%2F..%2Fetc%2Fpasswd", "/results/passwd", "/results/0123456789abcdef0123456789abcdef-wiener.png"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound)
                    #expect(!String(buffer: response.body).contains(app.store.folder.path))
                }
            }
        }
    }

    @Test func resultsAreRemovedAfterTheConfiguredAge() async throws {
        // An hour, so a loaded machine (the request itself taking a minute) cannot age the files early.
        let app = try makeApp { $0.resultMaxAge = 3600 }
        defer { app.store.removeAll() }
        try await buildApplication(app).test(.router) { client in
            let (body, headers) = form(files: [("image", "b.png", png(scene.blurred))], fields: [("methods", "fake-net")])
            let result = try await client.execute(uri: "/api/restore", method: .post, headers: headers, body: body) { try decodeResponse($0.body) }
            let url = result.results[0].url
            #expect(app.store.sweep(now: Date().addingTimeInterval(60)) == 0)  // younger than the age: kept
            try await client.execute(uri: url, method: .get) { #expect($0.status == .ok) }
            // input, restored image and the stored JSON answer are all removed once older than the age.
            #expect(app.store.sweep(now: Date().addingTimeInterval(3601)) == 3)
            try await client.execute(uri: url, method: .get) { #expect($0.status == .notFound) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: app.store.folder.path).isEmpty)
        }
    }

    @Test func sizeCapRemovesTheOldestFirst() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("webapp-cap-\(ResultStore.newID().prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ResultStore(folder: folder, maxAge: 3600, maxBytes: 2500)
        var names: [String] = []
        for i in 0 ..< 3 {
            let name = try store.store(Data(repeating: UInt8(i), count: 1000), id: ResultStore.newID(), kind: "x", extension: "png")
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(Double(i - 10))],
                                                  ofItemAtPath: folder.appendingPathComponent(name).path)
            names.append(name)
        }
        #expect(store.sweep() == 1)
        #expect(store.data(named: names[0]) == nil && store.data(named: names[1]) != nil && store.data(named: names[2]) != nil)
        #expect(!ResultStore.isValidName("../" + names[1]) && !ResultStore.isValidName(names[1] + "/x"))
    }

    @Test func workerPoolBoundsConcurrencyAndRefusesWhenFull() async throws {
        let pool = WorkerPool(workers: 1, maxQueued: 1)
        let gate = DispatchSemaphore(value: 0)
        let first = Task { try await pool.run { gate.wait(); return 1 } }
        while await pool.load.running == 0 { try await Task.sleep(nanoseconds: 1_000_000) }
        let second = Task { try await pool.run { 2 } }
        while await pool.load.queued == 0 { try await Task.sleep(nanoseconds: 1_000_000) }
        #expect(await pool.load.running == 1)  // the second waits; it does not run beside the first
        await #expect(throws: WebAppError.busy(queued: 1)) { try await pool.run { 3 } }
        gate.signal()
        #expect(try await first.value == 1)
        #expect(try await second.value == 2)
        #expect(await pool.load.running == 0)
    }

    @Test func pathsAreScrubbedFromMessages() {
        #expect(scrubPaths("cannot open /tmp/deblur-web-1/x.png now") == "cannot open … now")
        #expect(scrubPaths("expected multipart/form-data and motion:15,30") == "expected multipart/form-data and motion:15,30")
    }
}

/// A small, structurally complete PNG (IHDR, one tiny IDAT, IEND, correct CRCs) whose header declares the
/// given size, 8-bit RGB: a decoder that allocated from the header would try width × height × 3 bytes.
func pngHeader(width: UInt32, height: UInt32) -> Data {
    func chunk(_ type: String, _ payload: [UInt8]) -> Data {
        let body = Data(type.utf8) + Data(payload)
        return Data(withUnsafeBytes(of: UInt32(payload.count).bigEndian) { Array($0) }) + body
            + Data(withUnsafeBytes(of: crc32(body).bigEndian) { Array($0) })
    }
    var ihdr: [UInt8] = []
    for v in [width, height] { ihdr += withUnsafeBytes(of: v.bigEndian) { Array($0) } }
    ihdr += [8, 2, 0, 0, 0]
    let idat: [UInt8] = [0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01]  // an empty stored zlib block
    return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + chunk("IHDR", ihdr) + chunk("IDAT", idat) + chunk("IEND", [])
}

/// CRC-32 (IEEE 802.3, reflected, as in PNG), bit by bit.
func crc32(_ data: Data) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data {
        crc ^= UInt32(byte)
        for _ in 0 ..< 8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}
