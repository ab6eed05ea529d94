import ArgumentParser
import Blur
import Foundation
import ImageCore
import Models
import WebApp
import Workbench

/// `deblur serve`: the upload-and-compare web app.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the web app: upload a blurred photo, restore it with several methods, compare.",
        discussion: """
        Open http://HOST:PORT/ in a browser. The JSON API behind the page:
          POST /api/restore   multipart fields image, reference (optional), methods (comma-separated),
                              psf (a PSF spec or 'estimate') → result URLs, metrics and timings
          GET  /api/methods   the methods on offer
          GET  /healthz       liveness and worker-pool load
        Loopback only by default; results live in a private temporary folder and are deleted after \
        --result-minutes or when the folder exceeds --results-mb.

        Example:
          deblur serve --port 8080
          curl -F image=@blurred.png -F reference=@sharp.png -F methods=wiener,rl-accel -F psf=gaussian:2 \\
               http://127.0.0.1:8080/api/restore
        """)

    @Option(help: "Address to listen on (127.0.0.1 keeps the app private to this machine; 0.0.0.0 exposes it).")
    var host = "127.0.0.1"

    @Option(help: "TCP port (0 picks a free one and prints it).")
    var port = 8080

    @Option(help: "Largest upload in megabytes (image and reference together).")
    var maxUploadMb = 20

    @Option(help: "Largest image in megapixels (checked from the file header before decoding).")
    var maxMegapixels = 16.0

    @Option(help: "Restorations running at once (default: the number of cores).")
    var workers: Int?

    @Option(help: "Restorations allowed to wait for a worker; more get 503 Busy.")
    var maxQueued = 64

    @Option(help: "Minutes a result is kept.")
    var resultMinutes = 60.0

    @Option(help: "Size cap of the results folder in megabytes (the oldest results go first).")
    var resultsMb = 1024

    @Option(help: "Seconds a client may take to send a request's headers, or stay silent while uploading, before its connection is closed.")
    var requestTimeout = 30.0

    @Option(help: "Open connections beyond this are closed at once.")
    var maxConnections = 4096

    func validate() throws {
        guard (0 ... 65535).contains(port) else { throw ValidationError("--port must be 0…65535 (got \(port)).") }
        guard maxUploadMb >= 1 else { throw ValidationError("--max-upload-mb must be at least 1 (got \(maxUploadMb)).") }
        guard maxMegapixels > 0 else { throw ValidationError("--max-megapixels must be positive (got \(maxMegapixels)).") }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1 (got \(workers)).") }
        guard maxQueued >= 0 else { throw ValidationError("--max-queued must be ≥ 0 (got \(maxQueued)).") }
        guard resultMinutes > 0 else { throw ValidationError("--result-minutes must be positive (got \(resultMinutes)).") }
        guard resultsMb >= 1 else { throw ValidationError("--results-mb must be at least 1 (got \(resultsMb)).") }
        guard requestTimeout > 0, requestTimeout.isFinite else { throw ValidationError("--request-timeout must be a positive number of seconds (got \(requestTimeout)).") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1 (got \(maxConnections)).") }
    }

    func run() async throws {
        var configuration = WebAppConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.maxUploadBytes = maxUploadMb << 20
        configuration.maxPixels = Int(maxMegapixels * 1e6)
        if let workers { configuration.workers = workers }
        configuration.maxQueued = maxQueued
        configuration.resultMaxAge = resultMinutes * 60
        configuration.resultsMaxBytes = resultsMb << 20
        configuration.headerTimeout = requestTimeout
        configuration.bodyIdleTimeout = requestTimeout
        configuration.maxConnections = maxConnections
        // Each connection is a file handle: --max-connections, not the handle limit, decides.
        raiseOpenFileLimit()
        let app = try WebAppContext(configuration: configuration, methods: OfferedMethods.loadAll(note: { print("note: \($0)") }))
        let host = self.host
        if !["127.0.0.1", "localhost", "::1"].contains(host) {
            print("note: listening on \(host), not loopback: anyone who can reach this machine can upload images and use its CPU.")
        }
        try await runWebApp(app) { port in
            print("deblur web app: http://\(host.contains(":") ? "[\(host)]" : host):\(port)/  (Ctrl-C stops it)")
            fflushStandardOutput()
        }
    }
}

/// Flushes standard output, so scripts waiting for the "http://…" line see it at once.
private func fflushStandardOutput() {
    fflush(nil)
}
