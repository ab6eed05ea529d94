import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import WebApp

/// Log entries kept in memory, for tests of what the server logs.
final class LogCapture: @unchecked Sendable {
    // @unchecked Sendable: `entries` is only touched under `lock`.
    private let lock = NSLock()
    private var entries: [(level: Logger.Level, text: String)] = []

    func append(_ level: Logger.Level, _ text: String) {
        lock.lock()
        entries.append((level, text))
        lock.unlock()
    }

    var all: [(level: Logger.Level, text: String)] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }

    var logger: Logger {
        var logger = Logger(label: "test") { _ in CapturingHandler(capture: self) }
        logger.logLevel = .debug
        return logger
    }
}

struct CapturingHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.append(event.level, "\(event.message) \(event.metadata ?? [:])")
    }
}

/// Sends raw bytes to 127.0.0.1:`port` over a plain TCP socket and closes it — what a browser does
/// when its user cancels an upload.
func sendRaw(_ bytes: [UInt8], port: Int) throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
}

@Suite("Client disconnects", .serialized)
struct ClientDisconnectTests {
    @Test("an upload cut off by the client is logged as a disconnect, not as a server error")
    func cancelledUpload() async throws {
        let app = try makeApp { $0.port = 0 }
        defer { app.store.removeAll() }
        let logs = LogCapture()
        try await buildApplication(app, logger: logs.logger).test(.live) { client in
            let port = try #require(client.port)
            let head = "POST /api/restore HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                + "Content-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\n"
            try sendRaw(Array(head.utf8) + [UInt8](repeating: 7, count: 500), port: port)
            // The server notices the closed connection; then it still serves the next client.
            try await Task.sleep(for: .milliseconds(500))
            try await client.execute(uri: "/healthz", method: .get) { response in #expect(response.status == .ok) }
        }
        let entries = logs.all
        #expect(!entries.contains { $0.level >= .error }, "\(entries.filter { $0.level >= .error }.map(\.text))")
        #expect(entries.contains { $0.text.contains("client disconnected before the request was complete") }, "\(entries.map(\.text))")
    }
}
