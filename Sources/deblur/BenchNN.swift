import ArgumentParser
import CBLAS
import Foundation
import ImageCore
import Models
import NN
import Tensors

/// `deblur bench nn`: training and inference speed of the neural engine on the two reference
/// architectures, the sgemm peak measured in the same run, each convolution layer's GFLOP/s, and
/// peak memory. `scripts/bench/keras_reference.py` runs the same architectures in TensorFlow.
struct BenchNN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nn",
        abstract: "Time training and inference of the paper's autoencoder and a 3-level U-Net (compare: scripts/bench/keras_reference.py).")

    @Option(help: "Timed training steps per architecture (after one warm-up step); the median step is reported (0 skips training).")
    var steps = 6

    @Option(help: "Timed inference runs (after one warm-up run); the median is reported (0 skips inference).")
    var runs = 5

    @Flag(help: "Print only the JSON summary.")
    var json = false

    @Flag(help: "Skip the per-layer GFLOP/s table.")
    var noLayers = false

    @Option(help: "Run only one architecture (autoencoder or unet), e.g. for profiling.")
    var only: String?

    func validate() throws {
        guard steps >= 0 else { throw ValidationError("--steps must be 0 or more, got \(steps)") }
        guard runs >= 0 else { throw ValidationError("--runs must be 0 or more, got \(runs)") }
        if let only, only != "autoencoder" && only != "unet" {
            throw ValidationError("--only must be autoencoder or unet, got '\(only)'")
        }
    }

    func run() throws {
        let sgemm = Self.sgemmPeak()
        let none = Result(train: .nan, infer: .nan, trainMB: .nan, inferMB: .nan)
        let ae = only == nil || only == "autoencoder" ? Self.measureAutoencoder(steps: steps, runs: runs) : none
        let unet = only == nil || only == "unet" ? Self.measureUNet(steps: steps, runs: runs) : none
        if json {
            print("{\"autoencoder\": {\"train_images_per_second\": \(Self.f(ae.train)), \"infer_images_per_second\": \(Self.f(ae.infer))}, "
                + "\"unet\": {\"train_images_per_second\": \(Self.f(unet.train)), \"infer_512_seconds\": \(Self.f(unet.infer, 4))}, "
                + "\"sgemm_gflops\": \(Self.f(sgemm)), \(BLASStartup.machineJSONFields)}")
            return
        }
        print("Neural engine, \(BLASThreads.count) threads (OpenBLAS \(BLASKernels.coreName) kernels); median of \(steps) training steps / \(runs) inference runs")
        print("CPU: \(CPUDescription.current.summary); OpenBLAS core \(BLASKernels.coreName): \(BLASStartup.reason)")
        if let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], CPUDescription.current.hasAVX512,
           !["skylakex", "cooperlake", "sapphirerapids"].contains(forced.lowercased()) {
            print("note: OPENBLAS_CORETYPE=\(forced) in the environment forces these kernels; this CPU has AVX-512,"
                + " which OpenBLAS uses when the variable is unset")
        }
        print(String(format: "sgemm 2048³ peak: %.1f GFLOP/s", sgemm))
        print("model         train img/s   inference                 peak RSS train / infer")
        print(String(format: "autoencoder   %10.1f   %8.1f img/s (b32)       %5.0f MB / %5.0f MB", ae.train, ae.infer, ae.trainMB, ae.inferMB))
        print(String(format: "unet          %10.1f   %8.3f s (1×512²)        %5.0f MB / %5.0f MB", unet.train, unet.infer, unet.trainMB, unet.inferMB))
        if !noLayers {
            Self.layerTable(sgemm: sgemm)
            Self.layerTable(sgemm: sgemm, inference: true)
        }
    }

    static func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }

    // MARK: Architectures (the same as scripts/bench/keras_reference.py)
    // (a) the paper's autoencoder, `Models.PaperAutoencoder` (1,331,459 parameters);
    // (b) a 3-level U-Net (32-64-128), `Models.UNet(levels: 3, width: 32)` (466,595 parameters):
    //     two 3×3 conv+ReLU per level, 2×2 max-pool down, 2×2 stride-2 transposed conv up, skip
    //     concatenation, 1×1 output conv, residual output.

    // MARK: Measurements

    struct Result { var train: Double; var infer: Double; var trainMB: Double; var inferMB: Double }

    static func measureAutoencoder(steps: Int, runs: Int) -> Result {
        let model = PaperAutoencoder(seed: 1)
        precondition(model.parameterCount == 1_331_459, "autoencoder has \(model.parameterCount) parameters")
        let batch = randomBatch([32, 3, 128, 128], seed: 2)
        return measure(model: { model($0) }, parameters: model.parameters, batch: batch, target: batch,
                       inferenceInput: batch, steps: steps, runs: runs, inferenceIsThroughput: true)
    }

    static func measureUNet(steps: Int, runs: Int) -> Result {
        let model = UNet(levels: 3, width: 32, seed: 1)
        precondition(model.parameterCount == 466_595, "U-Net has \(model.parameterCount) parameters")
        let batch = randomBatch([16, 3, 64, 64], seed: 3), target = randomBatch([16, 3, 64, 64], seed: 4)
        return measure(model: { model($0) }, parameters: model.parameters, batch: batch, target: target,
                       inferenceInput: randomBatch([1, 3, 512, 512], seed: 5), steps: steps, runs: runs, inferenceIsThroughput: false)
    }

    static func measure(model: (Variable) -> Variable, parameters: [Variable], batch: Tensor, target: Tensor,
                        inferenceInput: Tensor, steps: Int, runs: Int, inferenceIsThroughput: Bool) -> Result {
        let optimizer = Adam(parameters: parameters, learningRate: 1e-3)
        TensorStorage.drainRecycled()
        resetPeakMemory()
        let stepTime = steps == 0 ? Double.nan : median(steps + 1, skipFirst: true) {
            let tape = Tape()
            let loss = mseLoss(model(tape.input(batch)), target: target)
            optimizer.zeroGrad()
            tape.backward(from: loss)
            optimizer.step()
        }
        let trainMB = peakMemoryMB()
        optimizer.zeroGrad()
        TensorStorage.drainRecycled()
        resetPeakMemory()
        let inferTime = runs == 0 ? Double.nan : median(runs + 1, skipFirst: true) { _ = model(Variable(inferenceInput)) }
        let inferMB = runs == 0 ? Double.nan : peakMemoryMB()
        TensorStorage.drainRecycled()
        let n = Double(batch.shape[0])
        return Result(train: n / stepTime,
                      infer: inferenceIsThroughput ? Double(inferenceInput.shape[0]) / inferTime : inferTime,
                      trainMB: trainMB, inferMB: inferMB)
    }

    static func randomBatch(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededRNG(seed: seed)
        return Tensor(shape: shape, scalars: (0 ..< shape.reduce(1, *)).map { _ in Float(rng.uniform()) })
    }

    /// Median wall time in seconds of `count` runs of `body` (the first dropped as warm-up when asked).
    static func median(_ count: Int, skipFirst: Bool = false, _ body: () -> Void) -> Double {
        var times: [Double] = []
        for i in 0 ..< count {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            if !(skipFirst && i == 0) { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        return times.sorted()[times.count / 2]
    }

    /// Resets the kernel's peak-RSS counter (VmHWM) by writing 5 to /proc/self/clear_refs.
    static func resetPeakMemory() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// Peak resident memory since the last reset, from VmHWM in /proc/self/status, in MB.
    static func peakMemoryMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
        return kb / 1024
    }

    /// Best of three 2048³ sgemm calls on OpenBLAS's threads, in GFLOP/s.
    static func sgemmPeak() -> Double {
        let n = 2048
        let a = randomBatch([n, n], seed: 6), b = randomBatch([n, n], seed: 7)
        var c = Tensor(shape: [n, n])
        BLASThreads.set(BLASThreads.count)
        var best = Double.infinity
        for _ in 0 ..< 4 {
            let start = DispatchTime.now().uptimeNanoseconds
            withExtendedLifetime((a, b)) {
                sgemm(m: n, n: n, k: n, a: a.unsafePointer, lda: n, b: b.unsafePointer, ldb: n, c: c.unsafeMutablePointer(), ldc: n)
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(n * n * n) / best / 1e9
    }
}

// MARK: Per-layer GFLOP/s under both thread schedules

extension BenchNN {
    struct LayerSpec {
        var name: String
        var geometry: Conv2dGeometry
        var transposed: Bool
    }

    static func layerSpecs(inference: Bool = false) -> [LayerSpec] {
        func c(_ name: String, _ n: Int, _ ci: Int, _ size: Int, _ co: Int, k: Int = 3, s: Int = 1, p: Int = 1) -> LayerSpec {
            LayerSpec(name: name, geometry: Conv2dGeometry(batch: n, inputChannels: ci, inputHeight: size, inputWidth: size,
                                                          outputChannels: co, kernelSize: k, stride: s, padding: p), transposed: false)
        }
        func t(_ name: String, _ n: Int, _ ci: Int, _ size: Int, _ co: Int, k: Int, p: Int, op: Int) -> LayerSpec {
            LayerSpec(name: name, geometry: .transposed(batch: n, inputChannels: ci, inputHeight: size, inputWidth: size,
                                                        outputChannels: co, kernelSize: k, stride: 2, padding: p, outputPadding: op),
                      transposed: true)
        }
        if inference {  // the U-Net on one 512×512 image
            return [
                c("unet e1a 3→32 512²", 1, 3, 512, 32), c("unet e1b 32→32 512²", 1, 32, 512, 32),
                c("unet e2a 32→64 256²", 1, 32, 256, 64), c("unet e2b 64→64 256²", 1, 64, 256, 64),
                c("unet b1 64→128 128²", 1, 64, 128, 128), c("unet b2 128→128 128²", 1, 128, 128, 128),
                t("unet up2 128→64 128²×2", 1, 128, 128, 64, k: 2, p: 0, op: 0), c("unet d2a 128→64 256²", 1, 128, 256, 64),
                c("unet d2b 64→64 256²", 1, 64, 256, 64), t("unet up1 64→32 256²×2", 1, 64, 256, 32, k: 2, p: 0, op: 0),
                c("unet d1a 64→32 512²", 1, 64, 512, 32), c("unet d1b 32→32 512²", 1, 32, 512, 32),
                c("unet out 32→3 512² 1×1", 1, 32, 512, 3, k: 1, p: 0),
            ]
        }
        return [
            c("ae conv1 3→64 128²/2", 32, 3, 128, 64, s: 2), c("ae conv2 64→128 64²/2", 32, 64, 64, 128, s: 2),
            c("ae conv3 128→256 32²/2", 32, 128, 32, 256, s: 2),
            t("ae convT1 256→256 16²×2", 32, 256, 16, 256, k: 3, p: 1, op: 1), t("ae convT2 256→128 32²×2", 32, 256, 32, 128, k: 3, p: 1, op: 1),
            t("ae convT3 128→64 64²×2", 32, 128, 64, 64, k: 3, p: 1, op: 1), c("ae out 64→3 128²", 32, 64, 128, 3),
            c("unet e1a 3→32 64²", 16, 3, 64, 32), c("unet e1b 32→32 64²", 16, 32, 64, 32),
            c("unet e2a 32→64 32²", 16, 32, 32, 64), c("unet e2b 64→64 32²", 16, 64, 32, 64),
            c("unet b1 64→128 16²", 16, 64, 16, 128), c("unet b2 128→128 16²", 16, 128, 16, 128),
            t("unet up2 128→64 16²×2", 16, 128, 16, 64, k: 2, p: 0, op: 0), c("unet d2a 128→64 32²", 16, 128, 32, 64),
            c("unet d2b 64→64 32²", 16, 64, 32, 64), t("unet up1 64→32 32²×2", 16, 64, 32, 32, k: 2, p: 0, op: 0),
            c("unet d1a 64→32 64²", 16, 64, 64, 32), c("unet d1b 32→32 64²", 16, 32, 64, 32),
            c("unet out 32→3 64² 1×1", 16, 32, 64, 3, k: 1, p: 0),
        ]
    }

    /// Forward and backward time of one layer's kernels, in seconds (median of 3 after a warm-up).
    static func timeLayer(_ spec: LayerSpec, parallelOverBatch: Bool) -> (forward: Double, backward: Double) {
        let g = spec.geometry
        let bigShape = [g.batch, g.inputChannels, g.inputHeight, g.inputWidth]
        let smallShape = [g.batch, g.outputChannels, g.outputHeight, g.outputWidth]
        let x = randomBatch(spec.transposed ? smallShape : bigShape, seed: 8)
        var y = Tensor(shape: spec.transposed ? bigShape : smallShape)
        let w = randomBatch([g.outputChannels, g.inputChannels / g.groups, g.kernelHeight, g.kernelWidth], seed: 9)
        let b = randomBatch([spec.transposed ? g.inputChannels : g.outputChannels], seed: 10)
        var dx = Tensor(shape: x.shape), dw = Tensor(shape: w.shape), db = Tensor(shape: b.shape)
        let dy = randomBatch(y.shape, seed: 11)
        let forward = median(4, skipFirst: true) {
            withExtendedLifetime((x, w, b)) {
                if spec.transposed {
                    convTranspose2dForward(input: x.unsafePointer, weight: w.unsafePointer, bias: b.unsafePointer, output: y.unsafeMutablePointer(),
                                           geometry: g, activation: .relu, parallelOverBatch: parallelOverBatch)
                } else {
                    conv2dForward(input: x.unsafePointer, weight: w.unsafePointer, bias: b.unsafePointer, output: y.unsafeMutablePointer(),
                                  geometry: g, activation: .relu, parallelOverBatch: parallelOverBatch)
                }
            }
        }
        let backward = median(4, skipFirst: true) {
            withExtendedLifetime((x, w, dy)) {
                if spec.transposed {
                    convTranspose2dBackward(input: x.unsafePointer, weight: w.unsafePointer, dOutput: dy.unsafePointer,
                                            dInput: dx.unsafeMutablePointer(), dWeight: dw.unsafeMutablePointer(), dBias: db.unsafeMutablePointer(),
                                            geometry: g, parallelOverBatch: parallelOverBatch)
                } else {
                    conv2dBackward(input: x.unsafePointer, weight: w.unsafePointer, dOutput: dy.unsafePointer,
                                   dInput: dx.unsafeMutablePointer(), dWeight: dw.unsafeMutablePointer(), dBias: db.unsafeMutablePointer(),
                                   geometry: g, parallelOverBatch: parallelOverBatch)
                }
            }
        }
        return (forward, backward)
    }

    static func layerTable(sgemm: Double, inference: Bool = false) {
        print(inference ? "\nU-Net convolution layers on one 512×512 image (forward is what inference runs)"
                        : "\nConvolution layers at the training batch: GFLOP/s (% of sgemm peak) with OpenBLAS threads (blas)")
        print("and with parallelFor over the batch + 1-thread sgemm (batch); * = the schedule ConvolutionSchedule picks.")
        print("GFLOP/s count the direct convolution's 2·MACs; 3×3 stride-1 layers with ≥ 8 channels run Winograd F(2×2,3×3)")
        print("(forward and input gradient: 2.25× fewer multiplies, so they can pass 100%), ≤ 4-output layers a direct kernel.")
        print("layer                          fwd blas         fwd batch        bwd blas         bwd batch")
        var totalFlops = 0.0, totalChosen = 0.0
        var totalForward = 0.0
        for spec in layerSpecs(inference: inference) {
            let flops = 2 * Double(spec.geometry.multiplyAdds)
            let blas = timeLayer(spec, parallelOverBatch: false), batch = timeLayer(spec, parallelOverBatch: true)
            let chosen = ConvolutionSchedule.parallelOverBatch(spec.geometry)
            func cell(_ f: Double, _ t: Double, _ mark: Bool) -> String {
                String(format: "%6.1f (%3.0f%%)%@", f / t / 1e9, 100 * f / t / 1e9 / sgemm, mark ? "*" : " ")
            }
            print(spec.name.padding(toLength: 28, withPad: " ", startingAt: 0) + "  "
                + [cell(flops, blas.forward, !chosen), cell(flops, batch.forward, chosen),
                   cell(2 * flops, blas.backward, !chosen), cell(2 * flops, batch.backward, chosen)].joined(separator: "   "))
            totalFlops += 3 * flops
            totalForward += chosen ? batch.forward : blas.forward
            totalChosen += chosen ? batch.forward + batch.backward : blas.forward + blas.backward
        }
        print(String(format: "all layers, chosen schedule: %.1f GFLOP/s (%.0f%% of sgemm); forward passes alone take %.3f s",
                     totalFlops / totalChosen / 1e9, 100 * totalFlops / totalChosen / 1e9 / sgemm, totalForward))
    }
}
