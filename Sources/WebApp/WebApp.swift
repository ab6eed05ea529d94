import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Metrics
import Lessons

/// Settings of the web app; every limit has a safe default.
public struct WebAppConfiguration: Sendable {
    /// Address to listen on; loopback by default, so the app is not reachable from other machines.
    public var host = "127.0.0.1"
    public var port = 8080
    /// Largest accepted request body (image + reference + fields), in bytes.
    public var maxUploadBytes = 20 * 1024 * 1024
    /// Largest accepted width × height of either image, checked from the file header before decoding.
    public var maxPixels = 16_000_000
    /// Restorations running at once (each on its own thread).
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Restorations allowed to wait for a worker; more are refused with 503.
    public var maxQueued = 64
    /// Where results are kept; nil makes a private folder under the system's temporary directory.
    public var resultsFolder: URL?
    /// Results older than this many seconds are deleted.
    public var resultMaxAge: TimeInterval = 3600
    /// The results folder's size cap; the oldest files go first.
    public var resultsMaxBytes = 1 << 30
    /// How often the results folder is swept (also after every restoration).
    public var sweepInterval: TimeInterval = 60
    /// The metrics scored when a reference is given; nil means every metric in `MetricRegistry` whose
    /// weights are present (ST-LPIPS is skipped, with a note, when its weights are missing).
    public var metrics: [any Metric]?
    /// A connection that has not sent a complete request head within this many seconds (after it
    /// opens, or after its previous answer) is closed.
    public var headerTimeout: TimeInterval = 30
    /// An upload that sends nothing for this many seconds is closed (a slow but steady one goes on).
    public var bodyIdleTimeout: TimeInterval = 30
    /// Open connections beyond this are closed at once.
    public var maxConnections = 4096
    /// The picture of the lessons (`/learn`); nil uses `LessonSource.standard()` (the built-in astronaut
    /// in gray, or a drawn scene without the photographs).
    public var lessonSource: LessonSource?
    /// Lesson figures computed at once (their own pool, apart from restorations).
    public var lessonWorkers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Lesson requests allowed to wait for a worker; more get 503. Generous, because a waiting request that
    /// its page has superseded costs nothing: it is answered 409 the moment it reaches a worker.
    public var lessonMaxQueued = 1024

    public init() {}
}

/// The running parts of the app, shared by all requests.
public struct WebAppContext: Sendable {
    public let configuration: WebAppConfiguration
    public let methods: OfferedMethods
    public let store: ResultStore
    public let pool: WorkerPool
    let service: RestoreService
    /// The page served at `/`, rendered once from its template.
    let page: String
    /// The "Learn" pages by lesson id ("" = the index), and the lessons' computing.
    let lessonPages: [String: String]
    let lessons: LessonService

    /// - Throws: when the results folder cannot be created or the page's template is not installed.
    public init(configuration: WebAppConfiguration, methods: OfferedMethods) throws {
        self.configuration = configuration
        self.methods = methods
        page = try WebPage.render(configuration)
        lessonPages = try LessonPages.render()
        lessons = LessonService(standard: configuration.lessonSource ?? LessonSource.standard(), workers: configuration.lessonWorkers,
                                maxQueued: configuration.lessonMaxQueued)
        store = try ResultStore(folder: configuration.resultsFolder, maxAge: configuration.resultMaxAge,
                                maxBytes: configuration.resultsMaxBytes)
        pool = WorkerPool(workers: configuration.workers, maxQueued: configuration.maxQueued)
        var metrics = configuration.metrics ?? MetricRegistry.withoutWeights
        var skipped: [RestoreResponse.SkippedMetric] = []
        if configuration.metrics == nil {
            do {
                metrics.append(try MetricRegistry.metric("st_lpips"))
            } catch {
                skipped.append(.init(id: "st_lpips", reason: "ST-LPIPS weights are not installed on this server (scripts/fetch-weights.sh installs them)."))
            }
        }
        service = RestoreService(methods: methods, store: store, metrics: metrics, skippedMetrics: skipped,
                                 maxPixels: configuration.maxPixels)
    }
}

/// The router: the page, the JSON API, stored results and a health check.
public func buildRouter(_ app: WebAppContext) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: ErrorMiddleware())
    router.get("/") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache",
                                        .contentSecurityPolicy: pagePolicy, .xContentTypeOptions: "nosniff"],
                 body: .init(byteBuffer: ByteBuffer(string: app.page)))
    }
    addLessonRoutes(router, app)
    router.get("/healthz") { _, _ in
        let load = await app.pool.load
        return try jsonResponse(Health(status: "ok", running: load.running, queued: load.queued, workers: app.pool.workers))
    }
    router.get("/api/methods") { _, _ in
        try jsonResponse(MethodsResponse(methods: app.methods.infos, canEstimatePSF: app.methods.canEstimatePSF,
                                         maxUploadBytes: app.configuration.maxUploadBytes, maxPixels: app.configuration.maxPixels))
    }
    router.post("/api/restore") { request, context in
        try await restore(request, context: context, app: app)
    }
    router.get("/results/:name") { request, context in
        guard let name = context.parameters.get("name"), let data = app.store.data(named: name) else {
            throw HTTPError(.notFound, message: "This result does not exist or has expired; results are kept for \(Int(app.configuration.resultMaxAge / 60)) minutes. Run the restoration again.")
        }
        var headers: HTTPFields = [.contentType: name.hasSuffix(".png") ? "image/png" : "application/json",
                                   .cacheControl: "private, max-age=3600", .xContentTypeOptions: "nosniff"]
        if request.uri.queryParameters.get("download") == "1" {
            headers[.contentDisposition] = "attachment; filename=\"deblur-\(name.split(separator: "-", maxSplits: 1).last ?? "result")\""
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
    return router
}

/// The page loads nothing from elsewhere: its own inline style and script, images from this server and the
/// local previews (`blob:`) of the files being uploaded.
let pagePolicy = "default-src 'self'; img-src 'self' blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/// The application, listening on the configured host and port.
public func buildApplication(_ app: WebAppContext, logger: Logger? = nil,
                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "deblur-web")
    if logger.logLevel > .info { logger.logLevel = .info }
    let c = app.configuration
    let connections = ConnectionCount(limit: c.maxConnections)
    return Application(router: buildRouter(app),
                       server: .http1(configuration: .init(additionalChannelHandlers: [
                           SlowClientGuard(headerTimeout: .nanoseconds(Int64(c.headerTimeout * 1e9)),
                                           bodyIdleTimeout: .nanoseconds(Int64(c.bodyIdleTimeout * 1e9)), connections: connections),
                       ])),
                       // A backlog as deep as the connection limit (the kernel caps it at net.core.somaxconn), so a
                       // burst of clients waits to be accepted — and counted — instead of being dropped by the kernel.
                       configuration: .init(address: .hostname(app.configuration.host, port: app.configuration.port),
                                            serverName: "deblur", backlog: max(256, min(c.maxConnections, 4096))),
                       onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? app.configuration.port) },
                       logger: logger)
}

/// Runs the app until SIGINT/SIGTERM, sweeping old results every `sweepInterval` seconds, and removes the
/// results folder (when the app created it) on the way out.
public func runWebApp(_ app: WebAppContext, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
    let store = app.store
    let interval = app.configuration.sweepInterval
    let sweeper = Task.detached {
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(max(1, interval) * 1e9))
            store.sweep()
        }
    }
    defer {
        sweeper.cancel()
        store.removeAll()
    }
    try await buildApplication(app, onServerRunning: onServerRunning).runService()
}

private struct Health: Codable { var status: String; var running: Int; var queued: Int; var workers: Int }

private struct MethodsResponse: Codable {
    var methods: [MethodInfo]
    var canEstimatePSF: Bool
    var maxUploadBytes: Int
    var maxPixels: Int
}

func jsonResponse<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
    Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
             body: .init(byteBuffer: ByteBuffer(bytes: try WebJSON.encode(value))))
}

/// `POST /api/restore`: bounded body → multipart → validated request → worker pool → JSON.
private func restore(_ request: Request, context: BasicRequestContext, app: WebAppContext) async throws -> Response {
    let limit = app.configuration.maxUploadBytes
    let parts = try await multipartParts(of: request, limit: limit)
    let restoreRequest = try RestoreForm.request(from: parts, methods: app.methods.infos, maxUploadBytes: limit)
    let queued = Date()
    let response = try await app.pool.run {
        try app.service.run(restoreRequest, queueSeconds: Date().timeIntervalSince(queued))
    }
    app.store.sweep()
    context.logger.info("restored", metadata: ["id": .string(response.id), "methods": .string(response.results.map(\.method).joined(separator: ",")),
                                               "seconds": .string(String(format: "%.3f", response.totalSeconds))])
    return try jsonResponse(response)
}

/// The parts of a multipart upload of at most `limit` bytes of files (plus room for the small fields):
/// refused from `Content-Length` or while reading when larger, and when empty or not a valid form.
func multipartParts(of request: Request, limit: Int) async throws -> [MultipartPart] {
    let formOverhead = 64 * 1024  // field headers, boundaries and the small text fields
    if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit + formOverhead {
        throw WebAppError.uploadTooLarge(limitBytes: limit)
    }
    var request = request
    let body: ByteBuffer
    do {
        body = try await request.collectBody(upTo: limit + formOverhead)
    } catch let error as HTTPResponseError where error.status == .contentTooLarge {
        throw WebAppError.uploadTooLarge(limitBytes: limit)
    }
    guard body.readableBytes > 0 else { throw WebAppError.emptyBody }
    do {
        let boundary = try MultipartParser.boundary(fromContentType: request.headers[.contentType] ?? "")
        return try MultipartParser.parse(Data(body.readableBytesView), boundary: boundary)
    } catch let error as MultipartError {
        throw WebAppError.badForm(error.errorDescription ?? "The upload is not a valid multipart form.")
    }
}

/// Maps every error to a JSON answer a person can read: `WebAppError`s with their status and message,
/// Hummingbird's own HTTP errors as they are, anything else to a 500 whose detail goes to the log only.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as WebAppError {
            context.logger.info("refused", metadata: ["status": .stringConvertible(error.status.code), "reason": .string(error.errorDescription ?? "")])
            throw error.httpError
        } catch let error as HTTPError {
            if error.status == .notFound, error.body == nil {
                throw HTTPError(.notFound, message: "There is nothing at this address. The page is at /, the API at POST /api/restore.")
            }
            throw HTTPError(error.status, message: scrubPaths(error.body ?? error.status.reasonPhrase))
        } catch HTTPParserError.invalidEOFState {
            // The client closed the connection before sending the whole request (a cancelled upload,
            // a closed tab): routine, not a server error. No one is left to read the answer.
            context.logger.debug("client disconnected before the request was complete", metadata: ["path": .string(request.uri.path)])
            throw HTTPError(.badRequest, message: "The request ended before its body was complete.")
        } catch let error as ChannelError {
            // The connection was closed under the request (a client that went away, or one closed for
            // stalling): routine, not a server error.
            context.logger.debug("connection closed during the request", metadata: ["error": .string("\(error)")])
            throw HTTPError(.badRequest, message: "The connection closed before the request was complete.")
        } catch let error as HTTPResponseError {
            throw HTTPError(error.status, message: error.status == .contentTooLarge
                ? "The upload is larger than this server accepts. Send a smaller or more compressed image." : error.status.reasonPhrase)
        } catch {
            context.logger.error("internal error", metadata: ["error": .string(String(reflecting: error))])
            throw HTTPError(.internalServerError, message: "Something went wrong on the server while handling this request. It has been logged; please try again or with another image.")
        }
    }
}
