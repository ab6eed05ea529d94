import Blur
import Datasets
import Foundation
import ImageCore
import ImageIO

extension CaseListing {
    /// Writes synthetic cases exactly as a comparison degrades them, in `deblur degrade`'s layout:
    /// `sharp/ID.png`, `blurred/ID.png` (8-bit, as degraded), `psf/ID.png` (16-bit weight / max) and
    /// `manifest.json` last (so a folder with a manifest is complete). Peers that read degrade folders
    /// (`scripts/bench/bm3d_peer.py deblur`) then run on the comparison's own cases.
    /// - Throws: `WorkbenchError.caseNotSynthetic` for cases read from disk (their files already
    ///   exist); image and write errors.
    public static func writeCaseFolder(_ specs: [CaseSpec], dataset: Dataset, to folder: URL, tool: String) throws {
        var items: [DegradationManifest.Item] = []
        for spec in specs {
            guard spec.blurredPath == nil, let seed = spec.degradationSeed else { throw WorkbenchError.caseNotSynthetic(spec.id) }
            let loaded = try spec.load()
            guard let psf = loaded.psf else { throw WorkbenchError.caseNotSynthetic(spec.id) }
            items.append(try writeDegradedCase(
                sharp: loaded.sharp, blurred: loaded.blurred, psf: psf, file: spec.id + ".png", to: folder,
                scene: spec.scene, split: .test, source: spec.sharpPath, noiseSigma: spec.noiseSigma, poissonPeak: nil,
                seed: seed, sceneTags: dataset.sceneTags[spec.scene].map { $0.sorted() }))
        }
        let manifest = DegradationManifest(tool: tool, source: dataset.root, layout: dataset.layout, seed: 0, trainFraction: 0.8,
                                           psf: "comparison cases", boundary: DegradationOptions(noiseSigma: 0).boundary.rawValue,
                                           splitWritten: "comparison", items: items)
        try manifest.write(to: folder.appendingPathComponent("manifest.json"))
    }
}
