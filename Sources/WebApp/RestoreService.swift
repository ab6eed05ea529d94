import Blur
import Foundation
import ImageCore
import ImageIO
import Metrics
import Restoration

/// One validated restoration request, built from the form fields before any pixel is decoded.
public struct RestoreRequest: Sendable {
    public enum PSFChoice: Sendable, Equatable {
        case none
        case spec(String)
        case estimate
    }

    public var image: Data
    public var imageName: String
    public var reference: Data?
    public var referenceName: String?
    public var methods: [MethodInfo]
    public var psf: PSFChoice
}

/// The JSON answer of `POST /api/restore`. The page renders exactly this.
public struct RestoreResponse: Codable, Sendable {
    public struct ImageSummary: Codable, Sendable {
        public var width: Int
        public var height: Int
        public var channels: Int
        public var url: String
    }

    public struct PSFSummary: Codable, Sendable {
        /// The spec (`motion:15,30`) or, when estimated, the estimator's description.
        public var spec: String
        /// `given` or `estimated`.
        public var source: String
        public var width: Int
        public var height: Int
        /// The kernel for viewing, peak-normalised and enlarged (nearest neighbour).
        public var url: String
    }

    public struct MetricInfo: Codable, Sendable {
        public var id: String
        public var name: String
        /// The exact variant ("SSIM (Wang 2004, Gaussian 11×11 σ=1.5, …)").
        public var variant: String
        public var higherIsBetter: Bool
    }

    public struct SkippedMetric: Codable, Sendable {
        public var id: String
        public var reason: String
    }

    public struct MethodResult: Codable, Sendable {
        public var method: String
        public var label: String
        public var url: String
        /// The same PNG served with `Content-Disposition: attachment`.
        public var downloadURL: String
        /// Wall-clock seconds of the restoration alone (no decoding, encoding or scoring).
        public var seconds: Double
        /// Values outside [0, 1] clipped for the PNG (and for scoring); never silent.
        public var clippedValues: Int
        public var totalValues: Int
        /// Metric id → score of the clipped restoration against the reference (empty without a reference).
        public var scores: [String: Double]
    }

    public var id: String
    public var image: ImageSummary
    public var reference: ImageSummary?
    public var psf: PSFSummary?
    public var metrics: [MetricInfo]
    public var skippedMetrics: [SkippedMetric]
    /// Scores of the blurred upload itself against the reference: the baseline each method should beat.
    public var blurredScores: [String: Double]
    public var results: [MethodResult]
    /// Seconds the request waited for a free worker.
    public var queueSeconds: Double
    /// Seconds from the start of decoding to the end of scoring.
    public var totalSeconds: Double
    public var scoredImageNote: String
}

/// Does the work of one request on a worker thread: decode, estimate or build the PSF, restore with each
/// method, clip, encode, score and store. Throws only `WebAppError`s (or internal errors for the log).
struct RestoreService: Sendable {
    let methods: OfferedMethods
    let store: ResultStore
    let metrics: [any Metric]
    let skippedMetrics: [RestoreResponse.SkippedMetric]
    let maxPixels: Int

    func run(_ request: RestoreRequest, queueSeconds: Double) throws -> RestoreResponse {
        let start = Date()
        let id = ResultStore.newID()
        let image = try decode(request.image, field: "image", name: request.imageName)
        let reference = try decodeReference(request, matching: image)
        let (psf, psfSource) = try resolvePSF(request.psf, image: image)

        let imageName = try store.store(encodePNG(image), id: id, kind: "input", extension: "png")
        let referenceSummary = try reference.map { summary($0, name: try store.store(encodePNG($0), id: id, kind: "reference", extension: "png")) }
        let psfSummary = try psf.map { psf in
            let name = try store.store(encodePNG(psf.viewingImage(minimumSide: 128)), id: id, kind: "psf", extension: "png")
            return RestoreResponse.PSFSummary(spec: psf.spec, source: psfSource, width: psf.width, height: psf.height, url: url(name))
        }

        var scorer = Scorer(reference: reference, metrics: reference == nil ? [] : metrics, skipped: skippedMetrics)
        let blurredScores = scorer.scores(of: image)
        var results: [RestoreResponse.MethodResult] = []
        for method in request.methods {
            results.append(try restore(image, with: method, psf: psf, id: id, scorer: &scorer))
        }
        // A metric dropped part-way must not leave scores for some rows only.
        let usableIDs = Set(scorer.usable.map(\.id))
        for i in results.indices { results[i].scores = results[i].scores.filter { usableIDs.contains($0.key) } }

        var response = RestoreResponse(
            id: id, image: summary(image, name: imageName), reference: referenceSummary, psf: psfSummary,
            metrics: scorer.usable.map { .init(id: $0.id, name: $0.displayName, variant: $0.description, higherIsBetter: $0.higherIsBetter) },
            skippedMetrics: reference == nil ? [] : scorer.skipped,
            blurredScores: blurredScores.filter { usableIDs.contains($0.key) }, results: results,
            queueSeconds: queueSeconds, totalSeconds: 0,
            scoredImageNote: "Scores compare the restored PNG (values clipped to [0, 1], as downloaded) with the reference; data range 1.0.")
        response.totalSeconds = Date().timeIntervalSince(start)
        try store.store(WebJSON.encode(response), id: id, kind: "result", extension: "json")
        return response
    }

    /// The reference image, when one was sent; it must have the blurred image's size and channels.
    private func decodeReference(_ request: RestoreRequest, matching image: Image) throws -> Image? {
        guard let data = request.reference else { return nil }
        let reference = try decode(data, field: "reference", name: request.referenceName ?? "reference")
        guard reference.channels == image.channels, reference.width == image.width, reference.height == image.height else {
            throw WebAppError.referenceMismatch(image: describe(image), reference: describe(reference))
        }
        return reference
    }

    /// The PSF the request asks for (none, a spec, or estimated) and its source (`given`/`estimated`).
    private func resolvePSF(_ choice: RestoreRequest.PSFChoice, image: Image) throws -> (PSF?, String) {
        switch choice {
        case .none:
            return (nil, "given")
        case let .spec(spec):
            // RestoreForm has already refused anything but the built-in families, so no file is ever read here.
            do {
                return (try PSF.parse(spec), "given")
            } catch let BlurError.invalidSpec(_, reason) {
                throw WebAppError.badPSFSpec(spec, reason: scrubPaths(reason))
            } catch {
                throw WebAppError.badPSFSpec(spec, reason: scrubPaths(error.localizedDescription))
            }
        case .estimate:
            guard let estimator = methods.estimator else { throw WebAppError.estimationUnavailable }
            do {
                return (try estimator.estimate(image), "estimated")
            } catch {
                throw WebAppError.estimationFailed(scrubPaths(error.localizedDescription))
            }
        }
    }

    /// Restores with one method, clips by the workbench's rule (`ClippedRestoration`), stores the PNG
    /// and scores it.
    private func restore(_ image: Image, with method: MethodInfo, psf: PSF?, id: String,
                         scorer: inout Scorer) throws -> RestoreResponse.MethodResult {
        let start = Date()
        let clipped: ClippedRestoration
        do {
            let restored = try methods.restore(image, method: method.name, psf: method.needsPSF ? psf : nil)
            guard restored.channels == image.channels, restored.width == image.width, restored.height == image.height else {
                throw WebAppError.restorationFailed(method: method.label, message: "it returned a \(describe(restored)) image for a \(describe(image)) input.")
            }
            clipped = try ClippedRestoration(restored, method: method.label)
        } catch let error as WebAppError {
            throw error
        } catch RestorationError.nonFinite {
            throw WebAppError.restorationFailed(method: method.label, message: "it produced NaN or infinite values (the computation diverged). Try a milder PSF or another method.")
        } catch let error as LocalizedError {
            throw WebAppError.restorationFailed(method: method.label, message: scrubPaths(error.localizedDescription))
        }
        let seconds = Date().timeIntervalSince(start)
        let name = try store.store(encodePNG(clipped.image), id: id, kind: method.name, extension: "png")
        return .init(method: method.name, label: method.label, url: url(name), downloadURL: url(name) + "?download=1",
                     seconds: seconds, clippedValues: clipped.clippedValues, totalValues: clipped.totalValues,
                     scores: scorer.scores(of: clipped.image))
    }

    private func decode(_ data: Data, field: String, name: String) throws -> Image {
        do {
            return try decodeImage(data, name: name, maxPixels: maxPixels)
        } catch let ImageIOError.tooManyPixels(_, width, height, limit) {
            throw WebAppError.tooManyPixels(field: field, width: width, height: height, limit: limit)
        } catch {
            throw WebAppError.badImage(field: field, message: scrubPaths(error.localizedDescription))
        }
    }

    private func encodePNG(_ image: Image) throws -> Data {
        try encodeImage(image, format: .png)
    }

    private func summary(_ image: Image, name: String) -> RestoreResponse.ImageSummary {
        .init(width: image.width, height: image.height, channels: image.channels, url: url(name))
    }

    private func url(_ name: String) -> String { "/results/\(name)" }

    private func describe(_ image: Image) -> String {
        "\(image.width)×\(image.height), \(image.channels == 1 ? "gray" : "\(image.channels) channels")"
    }
}

/// JSON encoding shared by the API and the stored result files: sorted keys, infinite scores (PSNR of
/// identical images) as the strings "Infinity" / "-Infinity".
enum WebJSON {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try encoder.encode(value)
    }
}

/// Scores images against a request's reference with every usable metric; a metric that fails on
/// this image (e.g. too small for MS-SSIM's five scales) is dropped for the whole request.
struct Scorer {
    let reference: Image?
    private(set) var usable: [any Metric]
    private(set) var skipped: [RestoreResponse.SkippedMetric]

    init(reference: Image?, metrics: [any Metric], skipped: [RestoreResponse.SkippedMetric]) {
        self.reference = reference
        usable = metrics
        self.skipped = skipped
    }

    mutating func scores(of test: Image) -> [String: Double] {
        guard let reference else { return [:] }
        var result: [String: Double] = [:]
        for metric in usable {
            do {
                result[metric.id] = try metric.score(reference: reference, test: test)
            } catch {
                skipped.append(.init(id: metric.id, reason: scrubPaths(error.localizedDescription)))
                usable.removeAll { $0.id == metric.id }
            }
        }
        return result
    }
}
