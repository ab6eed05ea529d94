import Foundation
import HTTPTypes
import Hummingbird
import ImageCore
import ImageIO
import Lessons
import NIOCore

/// The "Learn" section's addresses:
///   GET  /learn, /learn/NAME              the pages
///   GET  /api/lessons                     the lessons (id, title, summary)
///   GET  /api/lessons/NAME?…              a figure for these parameters (JSON; `client` + `seq` for latest-wins,
///                                         `image` = `default` or an uploaded picture's id)
///   GET  /api/lessons/NAME/check?answer=… the exercise's verdict
///   POST /api/lessons/image               upload a picture (multipart field `image`) → its id
func addLessonRoutes(_ router: Router<BasicRequestContext>, _ app: WebAppContext) {
    router.get("/learn") { _, _ in htmlPage(app.lessonPages[""]!) }
    router.get("/learn/:name") { _, context in
        guard let name = context.parameters.get("name"), let page = app.lessonPages[name] else {
            throw HTTPError(.notFound, message: "There is no such lesson. The lessons are listed at /learn.")
        }
        return htmlPage(page)
    }
    router.get("/api/lessons") { _, _ in
        try jsonResponse(LessonCatalog.all.map { ["id": $0.id, "title": $0.title, "summary": $0.summary] })
    }
    router.get("/api/lessons/:name") { request, context in
        let lesson = try lessonNamed(context)
        let query = try LessonQuery(request)
        try lessonCall { try lesson.checkNames(query.parameters) }
        let source = try lessonCall { try app.lessons.source(named: query.image) }
        let answer = try await lessonCallAsync {
            try await app.lessons.run(client: query.client, seq: query.seq) {
                let started = Date()
                let figure = try lesson.figure(query.parameters, source: source)
                return try LessonFigureResponse(figure, image: source.name, seconds: Date().timeIntervalSince(started))
            }
        }
        guard let answer else { return try superseded() }
        return try jsonResponse(answer)
    }
    router.get("/api/lessons/:name/check") { request, context in
        let lesson = try lessonNamed(context)
        let query = try LessonQuery(request)
        try lessonCall { try lesson.checkNames(query.parameters, answer: true) }
        let source = try lessonCall { try app.lessons.source(named: query.image) }
        let verdict = try await lessonCallAsync {
            try await app.lessons.run(client: nil, seq: nil) { try lesson.check(query.parameters, source: source) }
        }
        return try jsonResponse(verdict!)
    }
    router.post("/api/lessons/image") { request, _ in
        let parts = try await multipartParts(of: request, limit: app.configuration.maxUploadBytes)
        guard let part = parts.first(where: { $0.name == "image" }) else { throw WebAppError.missingField("image") }
        guard !part.body.isEmpty else { throw WebAppError.badImage(field: "image", message: "the file is empty (0 bytes). Choose the picture again.") }
        let source = try await lessonCallAsync {
            try await app.lessons.run(client: nil, seq: nil) { () throws -> LessonSource in
                let image: Image
                do {
                    image = try decodeImage(part.body, name: part.filename ?? "image", maxPixels: app.configuration.maxPixels)
                } catch let ImageIOError.tooManyPixels(_, width, height, limit) {
                    throw WebAppError.tooManyPixels(field: "image", width: width, height: height, limit: limit)
                } catch {
                    throw WebAppError.badImage(field: "image", message: scrubPaths(error.localizedDescription))
                }
                return try app.lessons.store(image)
            }
        }!
        return try jsonResponse(UploadAnswer(id: source.name, width: source.image.width, height: source.image.height))
    }
}

private struct UploadAnswer: Codable { var id: String; var width: Int; var height: Int }

private func htmlPage(_ page: String) -> Response {
    Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache",
                                    .contentSecurityPolicy: lessonPagePolicy, .xContentTypeOptions: "nosniff"],
             body: .init(byteBuffer: ByteBuffer(string: page)))
}

private func lessonNamed(_ context: BasicRequestContext) throws -> any Lesson {
    try lessonCall { try LessonCatalog.lesson(context.parameters.get("name") ?? "") }
}

/// 409 for a request its page has replaced by a newer one (the page ignores it).
private func superseded() throws -> Response {
    struct Body: Codable { var superseded = true; var error: [String: String] }
    return try jsonResponse(Body(error: ["message": "A newer request from the same page replaced this one."]), status: .conflict)
}

/// Lesson errors are the student's (a parameter out of range, an expired upload): 400 with the sentence
/// (404 for an unknown lesson). Other errors of a figure's computation (a PSF too large for the picture …)
/// are 422 with their description; the web app's own errors pass through.
private func lessonCallAsync<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        throw lessonHTTPError(error)
    }
}

private func lessonCall<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw lessonHTTPError(error)
    }
}

private func lessonHTTPError(_ error: any Error) -> any Error {
    switch error {
    case let error as LessonError:
        if case .unknownLesson = error { return HTTPError(.notFound, message: error.errorDescription ?? "No such lesson.") }
        return HTTPError(.badRequest, message: error.errorDescription ?? "Bad request.")
    case is WebAppError, is HTTPError:
        return error
    case let error as LocalizedError:
        return HTTPError(.unprocessableContent, message: scrubPaths(error.errorDescription ?? "The figure could not be computed for these parameters."))
    default:
        return error
    }
}

/// A lesson request's query: the lesson's own parameters, and the page's id, sequence number and picture.
struct LessonQuery: Sendable {
    var parameters = LessonParameters()
    var client: String?
    var seq: Int?
    var image: String?

    static let maxParameters = 24

    init(_ request: Request) throws {
        var count = 0
        for (key, value) in request.uri.queryParameters {
            count += 1
            guard count <= Self.maxParameters, key.count <= 32, value.count <= 200 else {
                throw HTTPError(.badRequest, message: "Too many or too long query parameters for a lesson.")
            }
            let k = String(key), v = String(value)
            switch k {
            case "client": client = v
            case "seq":
                guard let n = Int(v) else { throw HTTPError(.badRequest, message: "The parameter 'seq' is '\(v.prefix(20))'; it must be a whole number.") }
                seq = n
            case "image": image = v
            default: parameters[k] = v
            }
        }
    }
}
