import Foundation
import ImageCore

extension PSF {
    /// A random camera-shake kernel in the style of Boracchi & Foi (2012) [1].
    ///
    /// A trajectory of 2000 points is drawn as a random walk in the plane whose velocity has
    /// constant speed and is perturbed by Gaussian jitter, a centripetal pull back towards the
    /// start, and rare abrupt turns ("big shakes"); its total length is `length` pixels. The
    /// camera spends equal time at every point, so the kernel is the trajectory splatted onto
    /// the pixel grid with bilinear weights, centred on its centroid, on the smallest odd square
    /// grid that holds it. Everything is drawn from `SeededRNG(seed:)`, so a seed names a kernel.
    ///
    /// The model follows [1]'s `createTrajectory` (anxiety, centripetal pull, Gaussian term, big
    /// shakes), but with weaker jitter (≤ 0.7 instead of ≤ 10), a pull scaled by the trajectory
    /// length and big shakes ten times rarer: with the published constants and 2000 steps the
    /// path curls into a blob of 3–5 px whatever its length, which is not what camera shake looks
    /// like. With these, a 10–30 px trajectory gives kernels of roughly 7–25 px.
    ///
    /// - Parameters:
    ///   - seed: the random seed.
    ///   - length: total trajectory length in pixels; nil draws it uniformly from [10, 30).
    ///
    /// [1] G. Boracchi and A. Foi, "Modeling the performance of image restoration from motion
    ///     blur", IEEE Trans. Image Processing 21(8), 2012.
    public static func shake(seed: UInt64, length: Double? = nil) throws -> PSF {
        var rng = SeededRNG(seed: seed)
        let total = length ?? rng.uniform(in: 10 ... 30)
        guard total > 0, total <= 200 else {
            // Name the length as given: "shake:1,-5" must not come back as "shake:1".
            throw BlurError.invalidSpec(PSFKind.shake(seed: seed, length: length).spec, reason: "the length must be in (0, 200] px, got \(total)")
        }
        let steps = 2000
        let anxiety = 0.1 * rng.uniform()
        let centripetal = 0.7 * rng.uniform()
        let bigShake = 0.2 * rng.uniform()
        let jitter = 0.7 * rng.uniform()
        let angle = 2 * Double.pi * rng.uniform()
        let stepLength = total / Double(steps - 1)
        var vx = cos(angle) * stepLength, vy = sin(angle) * stepLength
        var xs = [Double](repeating: 0, count: steps), ys = [Double](repeating: 0, count: steps)
        for t in 0 ..< steps - 1 {
            var nx = 0.0, ny = 0.0
            if rng.uniform() < bigShake * anxiety * 0.1 {   // about one abrupt turn per trajectory at most
                // An abrupt turn: twice the velocity, pointing roughly backwards.
                let turn = Double.pi + (rng.uniform() - 0.5)
                nx = 2 * (vx * cos(turn) - vy * sin(turn))
                ny = 2 * (vx * sin(turn) + vy * cos(turn))
            }
            let gx = rng.normal(), gy = rng.normal()
            vx += nx + anxiety * (jitter * gx - centripetal * xs[t] / total) * stepLength
            vy += ny + anxiety * (jitter * gy - centripetal * ys[t] / total) * stepLength
            let speed = (vx * vx + vy * vy).squareRoot()
            if speed > 0 { vx *= stepLength / speed; vy *= stepLength / speed }
            xs[t + 1] = xs[t] + vx
            ys[t + 1] = ys[t] + vy
        }
        let cx = xs.reduce(0, +) / Double(steps), cy = ys.reduce(0, +) / Double(steps)
        var reach = 0.0
        for i in 0 ..< steps { reach = max(reach, abs(xs[i] - cx), abs(ys[i] - cy)) }
        let r = Int(reach.rounded(.up)) + 1
        let n = 2 * r + 1
        var w = Image(channels: 1, height: n, width: n)
        for i in 0 ..< steps {
            let px = xs[i] - cx + Double(r), py = ys[i] - cy + Double(r)
            let x0 = Int(px.rounded(.down)), y0 = Int(py.rounded(.down))
            let fx = Float(px - Double(x0)), fy = Float(py - Double(y0))
            w[0, y0, x0] += (1 - fx) * (1 - fy)
            w[0, y0, x0 + 1] += fx * (1 - fy)
            w[0, y0 + 1, x0] += (1 - fx) * fy
            w[0, y0 + 1, x0 + 1] += fx * fy
        }
        return try PSF(weights: w, kind: .shake(seed: seed, length: length))
    }
}
