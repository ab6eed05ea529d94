import Foundation
import ImageCore
import Tensors

/// The ST-LPIPS (alex) network of `stlpips-pytorch` 0.0.2 — `LPIPS(net="alex",
/// variant="shift_tolerant")` — with its weights: an AlexNet-shaped trunk trained from scratch on
/// BAPPS with anti-aliasing (Ghildyal & Liu 2022), read from the safetensors file that
/// `scripts/convert_stlpips.py` writes (PyTorch tensor names kept).
///
///     x ∈ [−1, 1] → (x − shift) / scale                                   scaling layer (v0.1)
///     relu1 = ReLU(blur(conv11×11(3→64, pad 2)))
///     relu2 = ReLU(conv5×5(64→192, pad 2)(blur(maxpool3/1(relu1))))
///     relu3 = ReLU(conv3×3(192→384, pad 1)(blur(maxpool3/1(relu2))))
///     relu4 = ReLU(conv3×3(384→256, pad 1)(relu3)),  relu5 = ReLU(conv3×3(256→256, pad 1)(relu4))
///     blur = reflection pad 2 (PyTorch ReflectionPad2d), depthwise [1,2,1]⊗[1,2,1]/16, stride 2 (`blurPool`)
///
/// Immutable after loading; shared between threads.
final class STLPIPSNetwork: Sendable {
    let shift: [Float]
    let scale: [Float]
    let convolutions: [(weight: Tensor, bias: Tensor)]
    let linear: [[Float]]
    let path: String

    /// Channels of the five tapped layers.
    static let channels = [64, 192, 384, 256, 256]

    /// Loads and checks the weights.
    /// - Throws: `MetricsError.weightsMissing` / `.weightsInvalid` (names the file and how to refetch).
    init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw MetricsError.weightsMissing(path: path) }
        self.path = path
        do {
            let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path))
            shift = try file.tensor(named: "scaling_layer.shift", shape: [1, 3, 1, 1]).scalars
            scale = try file.tensor(named: "scaling_layer.scale", shape: [1, 3, 1, 1]).scalars
            let convs: [(String, [Int])] = [
                ("net.slice1.0", [64, 3, 11, 11]), ("net.slice2.5", [192, 64, 5, 5]),
                ("net.slice3.9", [384, 192, 3, 3]), ("net.slice4.11", [256, 384, 3, 3]),
                ("net.slice5.13", [256, 256, 3, 3]),
            ]
            convolutions = try convs.map { name, shape in
                (try file.tensor(named: name + ".weight", shape: shape),
                 try file.tensor(named: name + ".bias", shape: [shape[0]]))
            }
            // The blur-pool filters are fixed buffers; `blurPool` applies them as the separable
            // [1,2,1]/4 ⊗ [1,2,1]/4, so check that the file holds exactly that.
            let binomial: [Float] = [1, 2, 1, 2, 4, 2, 1, 2, 1].map { $0 / 16 }
            for (name, channels) in [("net.slice1.1.filt", 64), ("net.slice2.4.filt", 64), ("net.slice3.8.filt", 192)] {
                let filter = try file.tensor(named: name, shape: [channels, 1, 3, 3]).scalars
                guard (0 ..< filter.count).allSatisfy({ abs(filter[$0] - binomial[$0 % 9]) <= 1e-7 }) else {
                    throw MetricsError.weightsInvalid(path: path, reason: "\(name) is not the [1,2,1]⊗[1,2,1]/16 blur filter")
                }
            }
            linear = try STLPIPSNetwork.channels.enumerated().map { k, c in
                try file.tensor(named: "lin\(k).model.1.weight", shape: [1, c, 1, 1]).scalars
            }
        } catch let error as TensorsError {
            throw MetricsError.weightsInvalid(path: path, reason: error.localizedDescription)
        }
        guard scale.allSatisfy({ $0 > 0 }), linear.allSatisfy({ $0.allSatisfy { $0 >= 0 && $0.isFinite } }) else {
            throw MetricsError.weightsInvalid(path: path, reason: "the scaling layer or the linear heads hold invalid values")
        }
    }

    /// The smallest image side the trunk accepts (21): every reflection pad must be narrower than
    /// its input (as PyTorch requires) and every layer at least one pixel wide.
    static let minimumSide: Int = (1 ... 1000).first { side in
        var s = side + 4 - 10                    // conv 11×11, pad 2
        for stage in 0 ..< 3 {
            if stage > 0 { s -= 2 }              // maxpool 3, stride 1
            guard s > 2 else { return false }    // reflection pad 2
            s = (s + 4 - 3) / 2 + 1              // blur 3×3, stride 2
        }
        return s >= 1
    }!

    /// The five ReLU feature maps of a batch `(N, 3, H, W)` with values in [0, 1].
    func features(_ images: Tensor) -> [Tensor] {
        // Scaling layer on 2x − 1:  (2x − 1 − shift) / scale  =  x · (2/scale) − (1 + shift)/scale.
        var x = images
        let plane = images.shape[2] * images.shape[3]
        x.withUnsafeMutableBufferPointer { p in
            for n in 0 ..< images.shape[0] {
                for c in 0 ..< 3 {
                    let a = 2 / scale[c], b = -(1 + shift[c]) / scale[c]
                    let start = (n * 3 + c) * plane
                    for i in start ..< start + plane { p[i] = p[i] * a + b }
                }
            }
        }
        let (w1, b1) = convolutions[0], (w2, b2) = convolutions[1], (w3, b3) = convolutions[2]
        let (w4, b4) = convolutions[3], (w5, b5) = convolutions[4]
        let relu1 = blurPool(conv2d(x, weight: w1, bias: b1, padding: 2), maxPoolFirst: false, reluAfter: true)
        let relu2 = conv2d(blurPool(relu1, maxPoolFirst: true, reluAfter: false),
                           weight: w2, bias: b2, padding: 2, activation: .relu)
        let relu3 = conv2d(blurPool(relu2, maxPoolFirst: true, reluAfter: false),
                           weight: w3, bias: b3, padding: 1, activation: .relu)
        let relu4 = conv2d(relu3, weight: w4, bias: b4, padding: 1, activation: .relu)
        let relu5 = conv2d(relu4, weight: w5, bias: b5, padding: 1, activation: .relu)
        return [relu1, relu2, relu3, relu4, relu5]
    }

    /// Per-layer distances between image 0 and image 1 of a feature batch:
    /// mean over positions of Σ_c w_c (f̂0 − f̂1)², f̂ = f / (‖f‖_channels + 1e-10).
    func layerDistances(_ features: [Tensor]) -> [Double] {
        features.enumerated().map { k, f in
            let c = f.shape[1], plane = f.shape[2] * f.shape[3]
            return f.withUnsafeBufferPointer { p -> Double in
                let a = p.baseAddress!, b = a + c * plane
                var inverseA = [Float](repeating: 0, count: plane), inverseB = [Float](repeating: 0, count: plane)
                var sumsA = [Double](repeating: 0, count: plane), sumsB = [Double](repeating: 0, count: plane)
                for ch in 0 ..< c {
                    let ra = a + ch * plane, rb = b + ch * plane
                    for i in 0 ..< plane {
                        sumsA[i] += Double(ra[i] * ra[i]); sumsB[i] += Double(rb[i] * rb[i])
                    }
                }
                for i in 0 ..< plane {
                    inverseA[i] = Float(1 / (sumsA[i].squareRoot() + 1e-10))
                    inverseB[i] = Float(1 / (sumsB[i].squareRoot() + 1e-10))
                }
                var distance = [Double](repeating: 0, count: plane)
                for ch in 0 ..< c {
                    let w = Double(linear[k][ch])
                    let ra = a + ch * plane, rb = b + ch * plane
                    for i in 0 ..< plane {
                        let d = Double(ra[i] * inverseA[i] - rb[i] * inverseB[i])
                        distance[i] += w * d * d
                    }
                }
                return distance.reduce(0, +) / Double(plane)
            }
        }
    }
}
