import ArgumentParser
import Blur
import CBLAS
import Foundation
import ImageCore
import Spectral

/// `deblur bench fft`: FFT convolution against direct convolution, and the raw FFT speed.
struct BenchFFT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fft",
        abstract: "Time FFT convolution against direct convolution (512² and 1024², 31×31 PSF) and the 1024² r2c FFT.")

    @Option(help: "Repetitions per measurement (the median is reported).")
    var repeats = 5

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        // Steady-state speed: plans measured once per size before timing (see BenchClassical).
        setenv("DEBLUR_FFTW_PLANNER", ProcessInfo.processInfo.environment["DEBLUR_FFTW_PLANNER"] ?? "measure", 1)
        let psf = try PSF.parse("disk:15")   // 31×31
        var rows: [(String, Double, Double)] = []
        for side in [512, 1024] {
            var rng = SeededRNG(seed: 1)
            var img = Image(channels: 1, height: side, width: side)
            for i in img.pixels.indices { img.pixels[i] = Float(rng.uniform()) }
            _ = try convolve(img, kernel: psf.weights, boundary: .reflect)   // plan once
            let fft = try median(repeats) { _ = try convolve(img, kernel: psf.weights, boundary: .reflect) }
            let direct = median(max(1, repeats / 2)) { _ = directConvolve(img, kernel: psf.weights) }
            rows.append(("\(side)²", fft, direct))
        }
        let plan = RealFFT2D.plan(height: 1024, width: 1024)
        let input = RealBuffer(count: plan.realCount), spectrum = ComplexBuffer(count: plan.spectrumCount)
        for i in 0 ..< plan.realCount { input.pointer[i] = Float(i % 251) / 251 }
        let r2c = median(max(repeats, 20)) { plan.forward(input, spectrum) }
        if json {
            let sizes = rows.map { "\"\($0.0.dropLast())\": {\"fft_ms\": \(ms($0.1)), \"direct_ms\": \(ms($0.2)), \"speedup\": \(String(format: "%.1f", $0.2 / $0.1))}" }
            print("{\(sizes.joined(separator: ", ")), \"r2c_1024_ms\": \(ms(r2c)), \"threads\": \(workerThreadCount), \(BLASStartup.machineJSONFields)}")
            return
        }
        print("FFT vs direct convolution, gray image, 31×31 PSF (disk:15), reflect borders; median of \(repeats)")
        print("threads: \(workerThreadCount) (direct: rows in parallel; FFT: FFTW threads for transforms ≥ \(multithreadedFFTThreshold) points)")
        print("size     FFT (ms)   direct (ms)   direct / FFT")
        for (name, f, d) in rows {
            print(name.padding(toLength: 8, withPad: " ", startingAt: 0) + String(format: " %8.2f   %11.2f   %10.1f×", f * 1000, d * 1000, d / f))
        }
        print(String(format: "FFTW r2c 1024² (%d thread(s), plans: %@): %.2f ms", plan.isMultithreaded ? workerThreadCount : 1,
                     fftwPlannerName, r2c * 1000))
    }

    func ms(_ seconds: Double) -> String { String(format: "%.3f", seconds * 1000) }
}

/// Median wall time of `body` over `count` runs, in seconds.
func median(_ count: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0 ..< max(1, count) {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
}

/// Direct (spatial) convolution with reflect borders: a reasonably tuned baseline — rows in
/// parallel, the padded image read through unsafe pointers, inner loop over kernel columns.
func directConvolve(_ image: Image, kernel: Image) -> Image {
    let kh = kernel.height, kw = kernel.width
    let padded = image.padded(top: kh / 2, bottom: kh / 2, left: kw / 2, right: kw / 2, mode: .reflect)
    let pw = padded.width, h = image.height, w = image.width
    var out = Image(channels: 1, height: h, width: w)
    let flipped = kernel.flipped()
    padded.pixels.withUnsafeBufferPointer { src in
        flipped.pixels.withUnsafeBufferPointer { k in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                parallelFor(h) { y in
                    for a in 0 ..< kh {
                        let row = (y &+ a) &* pw
                        for b in 0 ..< kw {
                            let weight = k[a &* kw &+ b]
                            let base = row &+ b
                            for x in 0 ..< w { dst[y &* w &+ x] += weight * src[base &+ x] }
                        }
                    }
                }
            }
        }
    }
    return out
}
