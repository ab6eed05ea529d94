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
            do {
                // Half an upload, then the connection closes (RawConnection's deinit), as a cancelled browser upload does.
                let connection = try RawConnection(port: port)
                connection.send(Array(head.utf8) + [UInt8](repeating: 7, count: 500))
            }
            // The server notices the closed connection; then it still serves the next client.
            try await Task.sleep(for: .milliseconds(500))
            try await client.execute(uri: "/healthz", method: .get) { response in #expect(response.status == .ok) }
        }
        let entries = logs.all
        #expect(!entries.contains { $0.level >= .error }, "\(entries.filter { $0.level >= .error }.map(\.text))")
        #expect(entries.contains { $0.text.contains("client disconnected before the request was complete") }, "\(entries.map(\.text))")
    }
}
