import Blur
import Foundation
import ImageCore
import ImageIO

/// A request a lesson cannot answer, worded for the student who moved the slider.
public enum LessonError: LocalizedError, Equatable {
    case unknownLesson(String)
    case badParameter(name: String, value: String, expected: String)
    case missingParameter(String)
    case unknownImage(String)
    case imageTooSmall(width: Int, height: Int, minimum: Int)
    case unknownParameter(String, lesson: String, known: [String])

    public var errorDescription: String? {
        switch self {
        case let .unknownLesson(name):
            return "There is no lesson '\(name)'. The lessons are: \(LessonCatalog.all.map(\.id).joined(separator: ", "))."
        case let .badParameter(name, value, expected):
            return "The parameter '\(name)' is '\(value)'; it must be \(expected)."
        case let .missingParameter(name):
            return "The parameter '\(name)' is missing."
        case let .unknownImage(id):
            return "The uploaded image '\(id)' is not (or no longer) on this server; upload it again."
        case let .unknownParameter(name, lesson, known):
            return "The lesson '\(lesson)' has no parameter '\(name)'; its parameters are \(known.joined(separator: ", "))."
        case let .imageTooSmall(width, height, minimum):
            return "The image is \(width)×\(height) pixels; the lessons need at least \(minimum) pixels on each side."
        }
    }
}

/// A lesson's parameters as they arrive (query string or command line), read with checks that name
/// the parameter and the accepted range.
public struct LessonParameters: Sendable, Equatable {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) { self.values = values }

    public subscript(_ name: String) -> String? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// A number in `range`; `fallback` when absent.
    public func number(_ name: String, in range: ClosedRange<Double>, default fallback: Double) throws -> Double {
        guard let text = values[name], !text.isEmpty else { return fallback }
        guard let v = Double(text), v.isFinite, range.contains(v) else {
            throw LessonError.badParameter(name: name, value: text, expected: "a number from \(format(range.lowerBound)) to \(format(range.upperBound))")
        }
        return v
    }

    /// A whole number in `range`; `fallback` when absent.
    public func integer(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let text = values[name], !text.isEmpty else { return fallback }
        guard let v = Int(text), range.contains(v) else {
            throw LessonError.badParameter(name: name, value: text, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    /// One of `choices`; `fallback` when absent.
    public func choice(_ name: String, _ choices: [String], default fallback: String) throws -> String {
        guard let text = values[name], !text.isEmpty else { return fallback }
        guard choices.contains(text) else {
            throw LessonError.badParameter(name: name, value: text, expected: "one of " + choices.joined(separator: ", "))
        }
        return text
    }

    /// The student's answer to the exercise.
    public func answer() throws -> String {
        guard let text = values["answer"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            throw LessonError.missingParameter("answer")
        }
        return text
    }

    /// `name=value&…` in a stable order (cache keys, handout file names).
    public var canonical: String {
        values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: "&")
    }
}

func format(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e9 { return String(Int(v)) }
    return String(format: "%g", v)
}

/// The picture a lesson works on: gray (BT.601 luma), at most `side` × `side`, cropped to a square.
public struct LessonSource: Sendable {
    public let name: String
    public let image: Image

    public static let side = 512
    public static let minimumSide = 96

    /// Luma of `image`, area-averaged by the smallest whole factor that brings its short side to at most
    /// `side`, then its central square.
    /// - Throws: `LessonError.imageTooSmall` below `minimumSide` pixels.
    public init(name: String, image: Image, side: Int = LessonSource.side) throws {
        guard min(image.width, image.height) >= Self.minimumSide else {
            throw LessonError.imageTooSmall(width: image.width, height: image.height, minimum: Self.minimumSide)
        }
        var gray = image.channels == 1 ? image : try image.luma()
        let factor = max(1, Int((Double(min(gray.width, gray.height)) / Double(side)).rounded(.up)))
        if factor > 1 {
            gray = try gray.resized(width: gray.width / factor, height: gray.height / factor, method: .area)
        }
        let s = min(gray.width, gray.height, side)
        self.name = name
        self.image = try gray.centerCropped(width: s, height: s)
    }
}

/// One picture of a lesson's figure.
public struct LessonPicture: Sendable {
    public var name: String
    public var caption: String
    public var image: Image

    public init(name: String, caption: String, image: Image) {
        self.name = name
        self.caption = caption
        self.image = image
    }

    /// A restored image shown on screen: clipped to [0, 1] for display, with the caption saying how
    /// much was clipped (the scores are computed before clipping).
    static func display(name: String, caption: String, image: Image) -> LessonPicture {
        let outside = image.pixels.reduce(0) { $0 + ($1 < 0 || $1 > 1 ? 1 : 0) }
        let note = outside == 0 ? "" : String(format: " (shown clipped to [0, 1]: %.1f %% of the pixels were outside; scores use the unclipped values)",
                                              100 * Double(outside) / Double(max(image.pixels.count, 1)))
        return LessonPicture(name: name, caption: caption + note, image: image)
    }
}

/// An image a slider scrubs through (Richardson–Lucy's iterates).
public struct LessonFrame: Sendable {
    public var step: Int
    public var image: Image
    /// Which sequence the frame belongs to when a figure has several ("x" and "z" of plug-and-play).
    public var series: String = ""
}

/// What a lesson computes for one set of parameters: numbers, pictures, plots and, for lessons
/// with precomputed sequences, frames. The web page and the handout show the same figure.
public struct LessonFigure: Sendable {
    public var lesson: String
    public var parameters: [String: String]
    public var numbers: [String: Double] = [:]
    public var texts: [String: String] = [:]
    public var pictures: [LessonPicture] = []
    public var plots: [LessonPlot] = []
    public var frames: [LessonFrame] = []
    /// Extra geometry for the page to draw over a picture (lesson 5's predicted spectral zeros).
    public var overlays: [LessonOverlay] = []

    public init(lesson: String, parameters: [String: String]) {
        self.lesson = lesson
        self.parameters = parameters
    }
}

/// Line segments in a picture's pixel coordinates, drawn over it.
public struct LessonOverlay: Sendable, Codable, Equatable {
    public var picture: String
    public var label: String
    /// The picture's side in pixels: the segments' coordinate frame.
    public var side: Double
    public var segments: [[Double]]   // [x0, y0, x1, y1]
}

/// The answer to an exercise: right or wrong, and why.
public struct LessonVerdict: Sendable, Codable, Equatable {
    public var correct: Bool
    public var message: String
}

/// A lesson: its parameters' defaults, its figure and its exercise.
public protocol Lesson: Sendable {
    var id: String { get }
    var title: String { get }
    var summary: String { get }
    /// The parameters the figure reads (the exercise also reads `answer`).
    var parameterNames: [String] { get }
    /// Slider positions the handout (`deblur lesson NAME`) precomputes.
    var handoutSettings: [LessonParameters] { get }
    func figure(_ parameters: LessonParameters, source: LessonSource) throws -> LessonFigure
    func check(_ parameters: LessonParameters, source: LessonSource) throws -> LessonVerdict
}

extension Lesson {
    /// - Throws: `LessonError.unknownParameter` for a name the lesson does not read (a typo would otherwise
    ///   silently give the default).
    public func checkNames(_ p: LessonParameters, answer: Bool = false) throws {
        for name in p.values.keys.sorted() where !parameterNames.contains(name) && !(answer && name == "answer") {
            throw LessonError.unknownParameter(String(name.prefix(32)), lesson: id, known: parameterNames)
        }
    }
}

/// The lessons, in teaching order.
public enum LessonCatalog {
    public static let all: [any Lesson] = [BlurLesson(), WienerLesson(), RichardsonLucyLesson(), BordersLesson(), PSFLesson(), VersusLesson()]

    /// - Throws: `LessonError.unknownLesson`.
    public static func lesson(_ id: String) throws -> any Lesson {
        guard let lesson = all.first(where: { $0.id == id }) else { throw LessonError.unknownLesson(id) }
        return lesson
    }
}

/// The PSF of the lessons' `family` / `size` / `angle` parameters (built here, never parsed from a
/// string, so a request cannot name a file).
func lessonPSF(_ p: LessonParameters, family defaultFamily: String = "disk", size defaultSize: Double = 7,
               angle defaultAngle: Double = 30) throws -> PSF {
    let family = try p.choice("family", ["gaussian", "disk", "motion"], default: defaultFamily)
    let size = try p.number("size", in: 1 ... 41, default: defaultSize)
    let angle = try p.number("angle", in: -180 ... 180, default: defaultAngle)
    switch family {
    case "gaussian": return try PSF.gaussian(sigma: max(0.1, size / 2))
    case "disk": return try PSF.disk(radius: max(0.1, size / 2))
    default: return try PSF.motion(length: max(1, size), angle: angle)
    }
}

/// Adds σ times a fixed field of standard normal noise (seed 0): the same pattern at every σ, so a
/// noise slider scales the noise and does not redraw it.
func addingNoise(_ image: Image, sigma: Double, seed: UInt64 = 0) -> Image {
    guard sigma > 0 else { return image }
    var out = image
    var rng = SeededRNG(seed: seed)
    for i in out.pixels.indices { out.pixels[i] += Float(sigma * rng.normal()) }
    return out
}

/// A small bounded cache for the expensive parts of figures (curves over a parameter grid,
/// precomputed iterates), shared by all requests; least recently used out first.
public final class LessonCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (value: Any, used: UInt64)] = [:]
    private var clock: UInt64 = 0
    public let capacity: Int

    public init(capacity: Int = 16) { self.capacity = max(1, capacity) }

    public static let shared = LessonCache()

    /// The cached value for `key`, or `make()`'s (computed outside the lock; two racing requests
    /// may both compute it, which is harmless).
    func value<T>(_ key: String, _ make: () throws -> T) rethrows -> T {
        lock.lock()
        clock += 1
        if let hit = entries[key], let value = hit.value as? T {
            entries[key] = (hit.value, clock)
            lock.unlock()
            return value
        }
        lock.unlock()
        let value = try make()
        lock.lock()
        clock += 1
        entries[key] = (value, clock)
        while entries.count > capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
            entries[oldest] = nil
        }
        lock.unlock()
        return value
    }
}

extension LessonParameters: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { _, b in b }))
    }
}

extension LessonSource {
    /// The picture of the lessons when no photograph is given: the built-in `astronaut` (a test-split
    /// scene, `scripts/setup.sh` installs it) if `Data/builtin` holds it, else a drawn stand-in scene.
    public static func standard(dataFolder: URL = URL(fileURLWithPath: "Data/builtin")) -> LessonSource {
        let photo = dataFolder.appendingPathComponent("astronaut.png")
        if let image = try? readImage(at: photo.path), let source = try? LessonSource(name: "astronaut", image: image) {
            return source
        }
        return drawnScene()
    }

    /// A deterministic drawn scene (shaded background, overlapping disks and squares with sharp edges,
    /// a patch of fine stripes), `side` pixels square — for tests and machines without the photographs.
    public static func drawnScene(side: Int = 384) -> LessonSource {
        var image = Image(channels: 1, height: side, width: side)
        var rng = SeededRNG(seed: 1)
        for y in 0 ..< side {
            for x in 0 ..< side { image.pixels[y * side + x] = 0.3 + 0.3 * Float(x + y) / Float(2 * side) }
        }
        for _ in 0 ..< side / 10 {
            let cx = Int(rng.next() % UInt64(side)), cy = Int(rng.next() % UInt64(side)), r = 4 + Int(rng.next() % UInt64(side / 8))
            let value = 0.1 + 0.8 * Float(rng.next() % 1000) / 1000
            let disk = rng.next() % 2 == 0
            for y in max(0, cy - r) ..< min(side, cy + r) {
                for x in max(0, cx - r) ..< min(side, cx + r) where !disk || (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r {
                    image.pixels[y * side + x] = value
                }
            }
        }
        for y in side / 8 ..< side / 3 {
            for x in side / 2 ..< side * 3 / 4 { image.pixels[y * side + x] = 0.5 + 0.3 * sin(Float(x + 2 * y) * 0.9) }
        }
        return try! LessonSource(name: "drawn scene \(side)", image: image)
    }
}
