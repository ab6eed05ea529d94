import ImageCore

/// Robust estimate of white Gaussian noise σ in an image: the median absolute value of the
/// finest Haar diagonal detail coefficients `(a − b − c + d)/2` over non-overlapping 2×2 blocks,
/// divided by 0.6745 (Donoho & Johnstone 1994). Edges barely affect the diagonal band, so the
/// estimate holds on blurred photographs. Multi-channel images use the mean over channels.
public func estimateNoiseSigma(_ image: Image) -> Double {
    var sigmas: [Double] = []
    for c in 0 ..< image.channels {
        var details: [Float] = []
        details.reserveCapacity(image.planeSize / 4)
        for y in stride(from: 0, to: image.height - 1, by: 2) {
            for x in stride(from: 0, to: image.width - 1, by: 2) {
                let a = image[c, y, x], b = image[c, y, x + 1], d0 = image[c, y + 1, x], e = image[c, y + 1, x + 1]
                details.append(abs(a - b - d0 + e) / 2)
            }
        }
        guard !details.isEmpty else { return 0 }
        details.sort()
        sigmas.append(Double(details[details.count / 2]) / 0.6745)
    }
    return sigmas.reduce(0, +) / Double(sigmas.count)
}
