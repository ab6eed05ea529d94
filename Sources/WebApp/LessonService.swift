import Foundation
import ImageCore
import ImageIO
import Lessons

/// The "Learn" section's server side: lesson figures and exercise checks computed by the `Lessons`
/// module on a small worker pool of their own (so slider traffic never queues behind restorations),
/// the students' uploaded pictures, and the latest-wins rule that makes a burst of slider moves cheap.
///
/// Latest wins: every live request names its page (`client`, a random id the page draws) and a
/// sequence number (`seq`). A request whose page has since sent a newer one is answered 409 without
/// computing — while it waits for a worker, and again just before it would start — so a tab that
/// sends twenty slider positions in a second costs at most the one running and the newest waiting.
final class LessonService: @unchecked Sendable {
    let standard: LessonSource
    let pool: WorkerPool
    private let lock = NSLock()
    private var uploads: [String: (source: LessonSource, used: UInt64)] = [:]
    private var latest: [String: (seq: Int, used: UInt64)] = [:]
    private var clock: UInt64 = 0
    static let maxUploads = 32
    static let maxClients = 4096

    init(standard: LessonSource, workers: Int, maxQueued: Int) {
        self.standard = standard
        pool = WorkerPool(workers: workers, maxQueued: maxQueued)
    }

    /// The picture a request names: `default` (or nothing) or an uploaded picture's id.
    func source(named id: String?) throws -> LessonSource {
        guard let id, !id.isEmpty, id != "default" else { return standard }
        lock.lock(); defer { lock.unlock() }
        guard let entry = uploads[id] else { throw LessonError.unknownImage(String(id.prefix(64))) }
        clock += 1
        uploads[id] = (entry.source, clock)
        return entry.source
    }

    /// Keeps an uploaded picture (gray, ≤ 512², the oldest of more than `maxUploads` dropped); returns its id.
    func store(_ image: Image) throws -> LessonSource {
        let id = "u" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let source = try LessonSource(name: id, image: image)
        lock.lock(); defer { lock.unlock() }
        clock += 1
        uploads[id] = (source, clock)
        while uploads.count > Self.maxUploads, let oldest = uploads.min(by: { $0.value.used < $1.value.used })?.key { uploads[oldest] = nil }
        return source
    }

    /// Records `seq` as the page's newest request; false when a newer one has already arrived.
    func admit(client: String?, seq: Int?) -> Bool {
        guard let client, let seq else { return true }
        lock.lock(); defer { lock.unlock() }
        clock += 1
        if let known = latest[client], known.seq > seq { return false }
        latest[client] = (seq, clock)
        if latest.count > Self.maxClients, let oldest = latest.min(by: { $0.value.used < $1.value.used })?.key { latest[oldest] = nil }
        return true
    }

    /// Whether `seq` is still the page's newest request.
    func isCurrent(client: String?, seq: Int?) -> Bool {
        guard let client, let seq else { return true }
        lock.lock(); defer { lock.unlock() }
        return (latest[client]?.seq ?? seq) <= seq
    }

    /// Runs `job` on the lessons' pool unless superseded first; nil when superseded.
    func run<T: Sendable>(client: String?, seq: Int?, _ job: @escaping @Sendable () throws -> T) async throws -> T? {
        guard admit(client: client, seq: seq) else { return nil }
        return try await pool.run { [self] () throws -> T? in
            guard isCurrent(client: client, seq: seq) else { return nil }
            return try job()
        }
    }
}

/// A lesson figure as the page receives it: pictures and frames as `data:` URLs (JPEG), plots as SVG.
struct LessonFigureResponse: Codable, Sendable {
    struct Picture: Codable, Sendable { var name: String; var caption: String; var src: String }
    struct Plot: Codable, Sendable { var name: String; var svg: String }
    struct Frame: Codable, Sendable { var step: Int; var series: String; var src: String }
    var lesson: String
    var image: String
    var parameters: [String: String]
    var numbers: [String: Double]
    var texts: [String: String]
    var pictures: [Picture]
    var plots: [Plot]
    var frames: [Frame]
    var overlays: [LessonOverlay]
    var seconds: Double

    init(_ f: LessonFigure, image: String, seconds: Double) throws {
        lesson = f.lesson
        self.image = image
        parameters = f.parameters
        numbers = f.numbers
        texts = f.texts
        pictures = try f.pictures.map { Picture(name: $0.name, caption: $0.caption, src: try dataURL($0.image)) }
        plots = f.plots.map { Plot(name: $0.name, svg: $0.svg()) }
        frames = try f.frames.map { Frame(step: $0.step, series: $0.series, src: try dataURL($0.image)) }
        overlays = f.overlays
        self.seconds = seconds
    }
}

/// A picture for the page: clipped to [0, 1] for display (the figure's caption says when that clipped
/// anything), 8-bit JPEG quality 92 as a `data:` URL.
func dataURL(_ image: Image) throws -> String {
    "data:image/jpeg;base64," + (try encodeImage(image.clamped(to: 0 ... 1), format: .jpeg, jpegQuality: 92)).base64EncodedString()
}
