import Blur
import Foundation
import ImageCore
import ImageIO
import Metrics

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
    let restorer: any Restorer
    let store: ResultStore
    let metrics: [any Metric]
    let skippedMetrics: [RestoreResponse.SkippedMetric]
    let maxPixels: Int

    func run(_ request: RestoreRequest, queueSeconds: Double) throws -> RestoreResponse {
        let start = Date()
        let id = ResultStore.newID()
        let image = try decode(request.image, field: "image", name: request.imageName)
        let reference = try request.reference.map { try decode($0, field: "reference", name: request.referenceName ?? "reference") }
        if let reference, reference.channels != image.channels || reference.width != image.width || reference.height != image.height {
            throw WebAppError.referenceMismatch(image: describe(image), reference: describe(reference))
        }

        let psf: PSF?
        var psfSource = "given"
        switch request.psf {
        case .none:
            psf = nil
        case let .spec(spec):
            // RestoreForm has already refused anything but the built-in families, so no file is ever read here.
            do {
                psf = try PSF.parse(spec)
            } catch let BlurError.invalidSpec(_, reason) {
                throw WebAppError.badPSFSpec(spec, reason: scrubPaths(reason))
            } catch {
                throw WebAppError.badPSFSpec(spec, reason: scrubPaths(error.localizedDescription))
            }
        case .estimate:
            guard restorer.canEstimatePSF else { throw WebAppError.estimationUnavailable }
            do {
                guard let estimated = try restorer.estimatePSF(image) else { throw WebAppError.estimationUnavailable }
                psf = estimated
                psfSource = "estimated"
            } catch let error as WebAppError {
                throw error
            } catch {
                throw WebAppError.estimationFailed(scrubPaths(error.localizedDescription))
            }
        }

        let imageName = try store.store(encodePNG(image), id: id, kind: "input", extension: "png")
        var referenceSummary: RestoreResponse.ImageSummary?
        if let reference {
            let name = try store.store(encodePNG(reference), id: id, kind: "reference", extension: "png")
            referenceSummary = summary(reference, name: name)
        }
        var psfSummary: RestoreResponse.PSFSummary?
        if let psf {
            let name = try store.store(encodePNG(psf.viewingImage(minimumSide: 128)), id: id, kind: "psf", extension: "png")
            psfSummary = .init(spec: psf.spec, source: psfSource, width: psf.width, height: psf.height, url: url(name))
        }

        var skipped = skippedMetrics
        var usable = reference == nil ? [] : metrics
        func scores(of test: Image) -> [String: Double] {
            guard let reference else { return [:] }
            var result: [String: Double] = [:]
            for metric in usable {
                do {
                    result[metric.id] = try metric.score(reference: reference, test: test)
                } catch {
                    // e.g. an image smaller than MS-SSIM's five scales need: drop the metric for this request.
                    skipped.append(.init(id: metric.id, reason: scrubPaths(error.localizedDescription)))
                    usable.removeAll { $0.id == metric.id }
                }
            }
            return result
        }
        let blurredScores = scores(of: image)

        var results: [RestoreResponse.MethodResult] = []
        for method in request.methods {
            let methodStart = Date()
            let restored: Image
            do {
                restored = try restorer.restore(image, method: method.name, psf: method.needsPSF ? psf : nil)
            } catch let error as WebAppError {
                throw error
            } catch let error as LocalizedError {
                throw WebAppError.restorationFailed(method: method.label, message: scrubPaths(error.localizedDescription))
            }
            let seconds = Date().timeIntervalSince(methodStart)
            guard restored.channels == image.channels, restored.width == image.width, restored.height == image.height else {
                throw WebAppError.restorationFailed(method: method.label, message: "it returned a \(describe(restored)) image for a \(describe(image)) input.")
            }
            let nonFinite = restored.pixels.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
            guard nonFinite == 0 else {
                throw WebAppError.restorationFailed(method: method.label, message: "it produced \(nonFinite) NaN or infinite values (the computation diverged). Try a milder PSF or another method.")
            }
            let clipped = restored.pixels.reduce(0) { $0 + ($1 < 0 || $1 > 1 ? 1 : 0) }
            let output = clipped > 0 ? restored.clamped(to: 0 ... 1) : restored
            let name = try store.store(encodePNG(output), id: id, kind: method.name, extension: "png")
            results.append(.init(method: method.name, label: method.label, url: url(name), downloadURL: url(name) + "?download=1",
                                 seconds: seconds, clippedValues: clipped, totalValues: output.pixels.count,
                                 scores: scores(of: output)))
        }
        // A metric dropped part-way must not leave scores for some rows only.
        let usableIDs = Set(usable.map(\.id))
        for i in results.indices { results[i].scores = results[i].scores.filter { usableIDs.contains($0.key) } }

        var response = RestoreResponse(
            id: id, image: summary(image, name: imageName), reference: referenceSummary, psf: psfSummary,
            metrics: usable.map { .init(id: $0.id, name: $0.displayName, variant: $0.description, higherIsBetter: $0.higherIsBetter) },
            skippedMetrics: reference == nil ? [] : skipped,
            blurredScores: blurredScores.filter { usableIDs.contains($0.key) }, results: results,
            queueSeconds: queueSeconds, totalSeconds: 0,
            scoredImageNote: "Scores compare the restored PNG (values clipped to [0, 1], as downloaded) with the reference; data range 1.0.")
        response.totalSeconds = Date().timeIntervalSince(start)
        try store.store(WebJSON.encode(response), id: id, kind: "result", extension: "json")
        return response
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
