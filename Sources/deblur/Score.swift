import ArgumentParser
import Foundation
import ImageCore
import ImageIO
import Metrics

/// `deblur score REFERENCE TEST`: full-reference quality of TEST against REFERENCE, each metric
/// printed with the exact variant that produced it.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a test image against its reference with PSNR, SSIM, MS-SSIM, VIF and ST-LPIPS (alex).",
        discussion: """
        Images are read as values in [0, 1] (data range 1.0) and must have the same size and channel count.
        Metrics (default: all, in this order; without --metrics, ST-LPIPS is left out with a note when its
        weights are not installed — named in --metrics, its missing weights are an error):
          psnr      PSNR in dB, MSE pooled over all channels
          ssim      SSIM, Gaussian 11×11 σ=1.5, mean of per-channel SSIM (= scikit-image gaussian_weights=True)
          ms-ssim   MS-SSIM, 5 scales (= tf.image.ssim_multiscale); needs sides ≥ 161
          vif       VIFp on luma, 4 scales, σn²=2 (= sewar vifp on luma); needs sides ≥ 41
          st-lpips  ST-LPIPS (alex), shift-tolerant LPIPS; lower is better (weights: scripts/fetch-weights.sh)
        --json prints exactly one JSON object with the requested keys (psnr, ssim, ms_ssim, vif, st_lpips).
        PSNR of identical images is infinite: printed as "inf" in text and as the JSON string "inf".

        Examples:
          deblur score sharp.png restored.png
          deblur score sharp.png restored.png --metrics psnr,ssim --json
          deblur score sharp.png restored.png --diff-map diff.png --ssim-map ssim.png
        """)

    @Argument(help: "The reference (sharp) image, PNG or JPEG.")
    var reference: String

    @Argument(help: "The image to score (e.g. a restoration), same size and channels.")
    var test: String

    @OptionGroup var pixelLimit: PixelLimitOption

    @Option(help: "Comma-separated metrics: psnr, ssim, ms-ssim, vif, st-lpips. (default: all)")
    var metrics: String?

    static let allMetrics = "psnr,ssim,ms-ssim,vif,st-lpips"

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(name: .customLong("ssim-map"), help: "Write the local-SSIM heat map (viridis, 0 … 1) to this .png/.jpg file.")
    var ssimMap: String?

    @Option(name: .customLong("diff-map"), help: "Write the |reference − test| heat map (inferno) to this .png/.jpg file.")
    var diffMap: String?

    @Option(name: .customLong("diff-max"), help: "Difference shown brightest in --diff-map (default: the 99th percentile).")
    var diffMax: Float?

    /// Canonical metric identifiers, in the order given.
    var requested: [String] {
        (metrics ?? Score.allMetrics).split(separator: ",").map { MetricRegistry.canonicalIdentifier($0.trimmingCharacters(in: .whitespaces)) }
    }

    func validate() throws {
        let ids = requested
        guard !ids.isEmpty else { throw ValidationError("--metrics is empty; choose from psnr, ssim, ms-ssim, vif, st-lpips.") }
        for id in ids where !MetricRegistry.identifiers.contains(id) {
            throw ValidationError("Unknown metric '\(id)' in --metrics; choose from psnr, ssim, ms-ssim, vif, st-lpips.")
        }
        guard Set(ids).count == ids.count else { throw ValidationError("--metrics names a metric twice: \(metrics ?? "").") }
        for (flag, path) in [("--ssim-map", ssimMap), ("--diff-map", diffMap)] {
            if let path, ImageFormat(fileExtensionOf: path) == nil {
                throw ValidationError("\(flag) must end in .png, .jpg or .jpeg (got '\(path)').")
            }
        }
        if let diffMax, !(diffMax > 0 && diffMax.isFinite) {
            throw ValidationError("--diff-max must be a positive number (got \(diffMax)).")
        }
    }

    func run() throws {
        let referenceImage = try pixelLimit.read(reference)
        let testImage = try pixelLimit.read(test)
        var chosen: [any Metric] = []
        for id in requested {
            do {
                chosen.append(try MetricRegistry.metric(id))
            } catch let error as MetricsError where metrics == nil {
                // The default list: a metric that needs downloaded weights is skipped, not fatal.
                guard case .weightsMissing = error else { throw error }
                FileHandle.standardError.write(Data("note: \(id) left out — \(error.localizedDescription)\n".utf8))
            }
        }
        var scores: [(metric: any Metric, value: Double)] = []
        for metric in chosen {
            scores.append((metric, try metric.score(reference: referenceImage, test: testImage)))
        }
        if let ssimMap {
            try writeImage(try ssimHeatMap(reference: referenceImage, test: testImage).image, to: ssimMap)
        }
        if let diffMap {
            try writeImage(try differenceHeatMap(reference: referenceImage, test: testImage, maximum: diffMax).image, to: diffMap)
        }
        if json {
            let fields = scores.map { "\"\($0.metric.id)\": \(Score.jsonNumber($0.value))" }
            print("{\(fields.joined(separator: ", "))}")
            return
        }
        print("reference \(reference) (\(referenceImage.shapeDescription)), test \(test)")
        for (metric, value) in scores {
            let number = value.isInfinite ? (value > 0 ? "inf" : "-inf") : String(format: "%.6f", value)
            let unit = metric.id == "psnr" ? " dB" : ""
            let direction = metric.higherIsBetter ? "↑" : "↓"
            print("\(metric.displayName.padding(toLength: 16, withPad: " ", startingAt: 0)) \((number + unit).padding(toLength: 13, withPad: " ", startingAt: 0)) \(direction)  \(metric.description)")
        }
    }

    /// JSON for a score: the number, or the string "inf" for PSNR of identical images.
    static func jsonNumber(_ value: Double) -> String {
        if value.isFinite { return "\(value)" }
        return value.isNaN ? "null" : (value > 0 ? "\"inf\"" : "\"-inf\"")
    }
}
