import Blur
import Datasets
import Foundation
import ImageCore
import Metrics
import Models
import NN
import Reporting
import Tensors

/// Trains a registered network on patches drawn on the fly, with the habits of Keras's `fit`:
/// per-epoch validation (PSNR, SSIM on fixed patches of held-aside scenes), ReduceLROnPlateau on
/// validation PSNR, best-checkpoint saving (ModelCheckpoint `save_best_only`), and a resumable
/// last checkpoint written after every epoch.
///
/// Files, for `--out DIR/NAME.safetensors`:
/// - `NAME.safetensors`: the best weights (F16 by default) with the architecture, the training
///   configuration, data and validation figures in the header — what `deblur restore` loads;
/// - `NAME.last.safetensors`: F32 weights + optimiser moments (F32, or BF16 with `momentDType`) +
///   `TrainingState`, for `--resume`;
/// - `NAME.curves.csv`, `NAME.curves.svg`: one row / point per epoch.
///
/// Reproducibility: the network is initialised from `seed`, and training step `t` draws its batch
/// from `SeededRNG(seed: seed, stream: t)`, so a run resumed at an epoch boundary sees exactly the
/// batches an uninterrupted run would.
public final class Trainer {
    public private(set) var configuration: TrainingConfiguration
    public let network: any DeblurNetwork
    public let optimizer: AdamBase
    public private(set) var state: TrainingState
    let sampler: PatchSampler
    let validation: [PatchPair]
    let outURL: URL
    /// The perceptual term's network when the loss has one (`Data/weights/st-lpips-alex.safetensors`).
    let perceptual: PerceptualLoss?
    /// The adversarial option's discriminator and its optimiser (Adam, the generator's learning rate).
    public let discriminator: PatchDiscriminator?
    let discriminatorOptimizer: Adam?
    public var bestDType: SafeTensorsDType = .f16
    /// How the resume file stores the optimisers' moments: `.f32` (exact: a resumed run continues
    /// bit for bit) or `.bf16` (half the size of the moments, 8 significant bits; weights and the
    /// step count stay F32). A resumed run keeps what its file used unless this is set after `init`.
    public var momentDType: SafeTensorsDType = .f32
    /// Extra header entries for the best checkpoint (e.g. the exact command line).
    public var metadata: [String: String] = [:]
    /// Called with a one-line message per epoch and for notices.
    public var log: (String) -> Void = { print($0) }
    /// Called after every step with (step within epoch, steps per epoch, running loss).
    public var progress: ((Int, Int, Double) -> Void)? = nil
    /// Recorded in the session ledger: the machine (CPU and OpenBLAS core) and the worker threads.
    public var machine = "not recorded"
    public var threads = workerThreadCount
    /// With `configuration.initialWeights`: the parameters loaded from it, those left freshly
    /// initialised, and the file's tensors that matched nothing.
    public private(set) var initialisation: (loaded: [String], kept: [String], unused: [String])?
    /// With `configuration.initialWeights` holding a narrower network of this architecture and depth
    /// (`WidenableNetwork.loadWidened`): the parameters whose shape grew (all parameters are then loaded).
    public private(set) var widened: [String]?
    /// Options that differ from the resumed run's (`allowChanges`), recorded in the next session.
    public private(set) var changes: [String] = []

    /// - Parameters:
    ///   - resume: continue from `NAME.last.safetensors` next to `out`.
    ///   - allowChanges: with `resume`, accept a configuration that differs from the saved one
    ///     (besides `epochs` and `minutes`) and record the differences; without it they are refused.
    public init(configuration c: TrainingConfiguration, train: [TrainingImage], validation valImages: [TrainingImage],
                out: URL, resume: Bool, allowChanges: Bool = false) throws {
        guard c.patch >= 16, c.batch >= 1, c.epochs >= 1, c.stepsPerEpoch >= 1 else {
            throw TrainingError.invalidOption("--patch ≥ 16, --batch ≥ 1, --epochs ≥ 1 and --steps-per-epoch ≥ 1 are required")
        }
        guard c.learningRate > 0, c.learningRate.isFinite else { throw TrainingError.invalidOption("--lr must be a positive number, got \(c.learningRate)") }
        guard let psfSampler = PSFSampler(name: c.blur) else {
            throw TrainingError.invalidOption("--blur must be \(PSFSampler.acceptedNames), got '\(c.blur)'")
        }
        guard c.noiseMin >= 0, c.noiseMax >= c.noiseMin else { throw TrainingError.invalidOption("noise range must satisfy 0 ≤ min ≤ max") }
        let fraction = c.syntheticScenes ?? 0
        guard (0 ... 1).contains(fraction) else { throw TrainingError.invalidOption("--synthetic-scenes must be a fraction in [0, 1], got \(fraction)") }
        let grayFraction = c.grayPatches ?? 0, zoomFraction = c.zoomPatches ?? 0
        guard (0 ... 1).contains(grayFraction), grayFraction == 0 || c.resolvedTask == .denoise else {
            throw TrainingError.invalidOption("--gray-patches must be a fraction in [0, 1] and applies to --task denoise, got \(grayFraction)")
        }
        guard (0 ... 1).contains(zoomFraction), zoomFraction == 0 || c.resolvedTask == .denoise else {
            throw TrainingError.invalidOption("--zoom-patches must be a fraction in [0, 1] and applies to --task denoise, got \(zoomFraction)")
        }
        guard c.validationPatches >= 1, c.plateauPatience >= 1 else {
            throw TrainingError.invalidOption("--validation-patches and --patience must be at least 1")
        }
        configuration = c
        var scenes: DeadLeaves? = nil
        if fraction > 0 {
            var prng = SeededRNG(seed: c.seed, stream: 0x6c65_6176_6573)   // "leaves"
            scenes = DeadLeaves(palette: DeadLeaves.palette(from: train.map(\.sharp), count: 4096, rng: &prng))
        }
        sampler = try PatchSampler(images: train, patch: c.patch, psfSampler: psfSampler, noise: c.noiseMin ... c.noiseMax,
                                   scenes: scenes, syntheticFraction: fraction, grayFraction: grayFraction,
                                   zoomFraction: zoomFraction)
        let valSigma = c.validationSigma
        let valSampler = try PatchSampler(images: valImages, patch: c.patch, psfSampler: psfSampler, noise: valSigma ... valSigma)
        var vrng = SeededRNG(seed: c.seed, stream: 0x5641_4c00)
        validation = try (0 ..< c.validationPatches).map { _ in
            c.resolvedTask == .denoise ? try valSampler.denoisingSample(&vrng, noiseSigma: valSigma) : try valSampler.sample(&vrng, noiseSigma: valSigma)
        }
        outURL = out
        if c.loss.usesPerceptual {
            let path = STLPIPS.defaultWeightsPath()
            guard FileManager.default.fileExists(atPath: path) else {
                throw TrainingError.invalidOption("--loss \(c.loss.rawValue): the perceptual term needs the ST-LPIPS weights, \(path), which are missing; scripts/fetch-weights.sh installs them")
            }
            guard c.patch >= PerceptualLoss.minimumSide, c.resolvedTask == .deblur else {
                throw TrainingError.invalidOption("--loss \(c.loss.rawValue): the perceptual term needs RGB deblurring patches of at least \(PerceptualLoss.minimumSide) px")
            }
            do { perceptual = try PerceptualLoss(weightsAt: URL(fileURLWithPath: path)) } catch {
                throw TrainingError.invalidOption("--loss \(c.loss.rawValue): \(path) could not be read as the ST-LPIPS weights (\(error.localizedDescription)); scripts/fetch-weights.sh installs them again")
            }
        } else {
            perceptual = nil
        }
        if let w = c.adversarial {
            guard w > 0, w.isFinite, c.resolvedTask == .deblur else {
                throw TrainingError.invalidOption("--adversarial must be a positive weight (e.g. 0.01) and applies to deblurring networks, got \(w)")
            }
            let d = PatchDiscriminator(seed: c.seed)
            discriminator = d
            discriminatorOptimizer = Adam(parameters: d.parameters, learningRate: Float(c.learningRate))
        } else {
            discriminator = nil
            discriminatorOptimizer = nil
        }
        guard ModelRegistry.task(of: c.model) == c.resolvedTask else {
            throw TrainingError.invalidOption("model '\(c.model)' is a \(ModelRegistry.task(of: c.model)?.rawValue ?? "unknown") network; "
                + "train it with --task \(ModelRegistry.task(of: c.model)?.rawValue ?? "deblur"), or choose a \(c.resolvedTask.rawValue) model ("
                + ModelRegistry.entries.filter { $0.task == c.resolvedTask }.map(\.name).joined(separator: ", ") + ")")
        }
        network = try ModelRegistry.make(c.model, configuration: c.modelConfiguration, seed: c.seed)
        switch c.optimizer {
        case .adam: optimizer = Adam(parameters: network.parameters, learningRate: Float(c.learningRate), weightDecay: Float(c.weightDecay))
        case .adamw: optimizer = AdamW(parameters: network.parameters, learningRate: Float(c.learningRate), weightDecay: Float(c.weightDecay))
        }
        state = TrainingState(configuration: c,
                              scheduler: ReduceLROnPlateau(factor: c.plateauFactor, patience: c.plateauPatience,
                                                           minLearningRate: c.minLearningRate, minDelta: 0.01, mode: .max),
                              learningRate: c.learningRate)
        if let freezeEpochs = c.freezeEpochs, freezeEpochs < 0 { throw TrainingError.invalidOption("--freeze-epochs must be ≥ 0, got \(freezeEpochs)") }
        if resume {
            try loadLast(allowChanges: allowChanges)
        } else if let path = c.initialWeights {
            try initialise(from: URL(fileURLWithPath: path))
        }
        if c.identityStart == true {
            guard !resume, c.initialWeights == nil else {
                throw TrainingError.invalidOption("--identity-start begins a new run from the identity map; it does not combine with --resume or --init")
            }
            guard let autoencoder = network as? PaperAutoencoder else {
                throw TrainingError.invalidOption("--identity-start applies to the autoencoder (the other networks have skip connections or a residual output already), not '\(c.model)'")
            }
            do { try autoencoder.startAsIdentity() } catch { throw TrainingError.invalidOption("--identity-start: \(error.localizedDescription)") }
        }
        if let w = c.warmupSteps, w < 1 { throw TrainingError.invalidOption("--warmup-steps must be ≥ 1, got \(w)") }
    }

    /// Transfer learning: starts the network from the tensors of `url` that match a parameter by name
    /// and shape (a best checkpoint, or a `.last` file whose `model.` tensors are used) — or, when `url`
    /// holds a narrower network of this architecture and depth, from all of them widened (the output
    /// unchanged; `WidenableNetwork`).
    func initialise(from url: URL) throws {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(contentsOf: url) } catch {
            throw TrainingError.invalidOption("--init: \(error.localizedDescription)")
        }
        let tensors = Checkpoint.networkTensors(file)
        if let widenable = network as? any WidenableNetwork, let grown = widenable.loadWidened(tensors) {
            initialisation = (network.namedParameters.map(\.name), [], [])   // the same names, every one loaded
            widened = grown
            return
        }
        let result = network.loadMatching(tensors)
        guard !result.loaded.isEmpty else {
            throw TrainingError.invalidOption("--init: no tensor of \(url.path) matches a parameter of \(configuration.model) by name and shape")
        }
        initialisation = result
    }

    // MARK: Files

    public var lastURL: URL { sibling("last.safetensors") }
    public var csvURL: URL { sibling("curves.csv") }
    public var svgURL: URL { sibling("curves.svg") }

    func sibling(_ suffix: String) -> URL {
        let stem = outURL.deletingPathExtension().lastPathComponent
        return outURL.deletingLastPathComponent().appendingPathComponent("\(stem).\(suffix)")
    }

    func saveLast() throws {
        var tensors: [String: Tensor] = [:]
        for (name, v) in network.namedParameters { tensors[Checkpoint.resumeModelPrefix + name] = v.value }
        for (name, t) in optimizer.state() { tensors["optimizer." + name] = t }
        if let discriminator, let discriminatorOptimizer {
            for (name, v) in discriminator.namedParameters { tensors["discriminator." + name] = v.value }
            for (name, t) in discriminatorOptimizer.state() { tensors["discriminator_optimizer." + name] = t }
        }
        let stateJSON = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        let meta = [CheckpointKey.architecture: network.architecture, CheckpointKey.configuration: Checkpoint.encode(network.configuration),
                    Checkpoint.resumeStateKey: stateJSON]
        let moments = momentDType
        try SafeTensorsFile(tensors: tensors, metadata: meta).write(to: lastURL) { name in
            Trainer.isMoment(name) ? moments : .f32
        }
    }

    /// Whether a resume-file tensor is an optimiser moment (`optimizer.m.3`, `discriminator_optimizer.v.0`).
    static func isMoment(_ name: String) -> Bool {
        for prefix in ["optimizer.", "discriminator_optimizer."] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            return rest.hasPrefix("m.") || rest.hasPrefix("v.")
        }
        return false
    }

    func loadLast(allowChanges: Bool) throws {
        guard FileManager.default.fileExists(atPath: lastURL.path) else {
            throw TrainingError.noCheckpoint("--resume: \(lastURL.path) does not exist; start without --resume")
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(contentsOf: lastURL) } catch {
            throw TrainingError.noCheckpoint("--resume: the resume file is damaged and cannot be used (\(error.localizedDescription)); "
                + "restore it from version control or start without --resume")
        }
        guard let json = file.metadata[Checkpoint.resumeStateKey],
              let saved = try? JSONDecoder().decode(TrainingState.self, from: Data(json.utf8)) else {
            throw TrainingError.noCheckpoint("--resume: \(lastURL.path) has no training state; it is not a last checkpoint of `deblur train`")
        }
        let differences = saved.configuration.differences(from: configuration)
        if !differences.isEmpty {
            guard allowChanges else {
                throw TrainingError.resumeMismatch("--resume: \(lastURL.path) was trained with other options ("
                    + differences.joined(separator: "; ") + "); resume with the same options (only --epochs and --minutes may change), "
                    + "or add --allow-changes to continue with the new ones (recorded in the checkpoint)")
            }
            changes = differences
        }
        var model: [String: Tensor] = [:], optim: [String: Tensor] = [:], critic: [String: Tensor] = [:], criticOptim: [String: Tensor] = [:]
        for (k, t) in file.tensors {
            if k.hasPrefix(Checkpoint.resumeModelPrefix) { model[String(k.dropFirst(Checkpoint.resumeModelPrefix.count))] = t } else if k.hasPrefix("optimizer.") { optim[String(k.dropFirst(10))] = t }
            else if k.hasPrefix("discriminator.") { critic[String(k.dropFirst(14))] = t }
            else if k.hasPrefix("discriminator_optimizer.") { criticOptim[String(k.dropFirst(24))] = t }
        }
        try network.loadStateDict(model, source: lastURL.path)
        try optimizer.loadState(optim)
        if file.storedDTypes.contains(where: { Trainer.isMoment($0.key) && $0.value == .bf16 }) { momentDType = .bf16 }
        // The discriminator continues where it was; a run that turns the option on (--allow-changes) starts a fresh one.
        if let discriminator, let discriminatorOptimizer, !critic.isEmpty {
            try discriminator.loadStateDict(critic, source: lastURL.path)
            try discriminatorOptimizer.loadState(criticOptim)
        }
        state = saved
        // A resumed run keeps the record of how it started (--init, --identity-start are not repeated).
        configuration.initialWeights = saved.configuration.initialWeights
        configuration.identityStart = saved.configuration.identityStart
        if state.sessions == nil, saved.completedEpochs > 0 {
            // Epochs trained before the ledger existed: one session of unknown machine and threads.
            state.sessions = [TrainingSession(started: "", machine: "not recorded", threads: 0, firstEpoch: 1,
                                              lastEpoch: saved.completedEpochs, steps: saved.totalSteps, seconds: saved.seconds)]
        }
        state.steps = saved.totalSteps
        state.configuration = configuration
        optimizer.learningRate = Float(saved.learningRate)
        if saved.configuration.learningRate != configuration.learningRate {
            // A new --lr restarts the schedule from it, with the plateau's patience counted afresh
            // (the best validation score so far stays the one to beat).
            optimizer.learningRate = Float(configuration.learningRate)
            state.learningRate = configuration.learningRate
            state.scheduler.restartWaiting()
        }
        state.scheduler.patience = configuration.plateauPatience
        state.scheduler.factor = configuration.plateauFactor
        state.scheduler.minLearningRate = configuration.minLearningRate
    }

    func saveBest(_ record: EpochRecord) throws {
        var meta = metadata
        meta["training_configuration"] = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
        meta["epoch"] = String(record.epoch)
        meta["validation_psnr"] = String(format: "%.3f", record.validationPSNR)
        meta["validation_ssim"] = String(format: "%.4f", record.validationSSIM)
        meta["validation_input_psnr"] = state.baselinePSNR.map { String(format: "%.3f", $0) } ?? ""
        meta["seed"] = String(configuration.seed)
        meta["training_seconds"] = String(format: "%.0f", state.seconds)
        meta["training_core_seconds"] = String(format: "%.0f", state.coreSeconds)
        meta["training_steps"] = String(state.totalSteps)
        meta["training_sessions"] = String(decoding: try JSONEncoder().encode(state.sessions ?? []), as: UTF8.self)
        try network.saveCheckpoint(to: outURL, metadata: meta, dtype: bestDType)
    }

    func writeCurves() throws {
        var csv = "epoch,train_loss,validation_loss,validation_psnr,validation_ssim,learning_rate,seconds\n"
        for r in state.history {
            csv += String(format: "%d,%.6g,%.6g,%.4f,%.5f,%.3g,%.1f\n", r.epoch, r.trainLoss, r.validationLoss,
                          r.validationPSNR, r.validationSSIM, r.learningRate, r.seconds)
        }
        try writeAtomically(Data(csv.utf8), to: csvURL)
        let h = state.history
        let loss = SVG.lineChart(title: "\(configuration.model): loss (\(configuration.loss.rawValue))", xLabel: "epoch", yLabel: "loss",
                                 series: [SVG.Series(name: "train", points: h.map { (Double($0.epoch), $0.trainLoss) }),
                                          SVG.Series(name: "validation", points: h.map { (Double($0.epoch), $0.validationLoss) })],
                                 logY: true)
        var psnrSeries = [SVG.Series(name: "validation PSNR", points: h.map { (Double($0.epoch), $0.validationPSNR) })]
        if let b = state.baselinePSNR, let first = h.first, let last = h.last {
            // The validation input is the degraded patch: noisy for a denoiser, blurred (and noisy) otherwise.
            let input = configuration.resolvedTask == .denoise ? "noisy input" : "blurred input"
            psnrSeries.append(SVG.Series(name: input, points: [(Double(first.epoch), b), (Double(last.epoch), b)]))
        }
        let psnr = SVG.lineChart(title: "validation PSNR (dB)", xLabel: "epoch", yLabel: "PSNR (dB)", series: psnrSeries)
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"980\" height=\"300\">"
            + "<g>\(loss)</g><g transform=\"translate(500,0)\">\(psnr)</g></svg>"
        try writeAtomically(Data(svg.utf8), to: svgURL)
    }

    // MARK: Loop

    func lossVariable(_ prediction: Variable, _ target: Tensor) -> Variable {
        var total: Variable?
        for part in configuration.loss.parts {
            let term: Variable
            switch part.term {
            case .mse: term = mseLoss(prediction, target: target)
            case .l1: term = l1Loss(prediction, target: target)
            case .charbonnier: term = charbonnierLoss(prediction, target: target)
            case .ssim: term = ssimLoss(prediction, target: target)
            case .perceptual: term = perceptual!(prediction, target: target)
            }
            let weighted = part.weight == 1 ? term : Float(part.weight) * term
            total = total.map { $0 + weighted } ?? weighted
        }
        return total!
    }

    /// Validation loss and mean PSNR / SSIM of the output clipped to [0, 1] (as a written PNG would be).
    public func validate() throws -> (loss: Double, psnr: Double, ssim: Double) {
        var loss = 0.0, psnr = 0.0, ssim = 0.0
        let chunk = max(configuration.batch, 1)
        for start in stride(from: 0, to: validation.count, by: chunk) {
            let part = Array(validation[start ..< min(start + chunk, validation.count)])
            let out = network(Variable(Tensor(stacking: part.map(\.blurred))))
            loss += Double(lossVariable(out, Tensor(stacking: part.map(\.sharp))).value[0]) * Double(part.count)
            for (i, p) in part.enumerated() {
                let restored = out.value.image(at: i).clamped()
                psnr += try PSNR().score(reference: p.sharp, test: restored)
                ssim += try SSIM().score(reference: p.sharp, test: restored)
            }
        }
        let n = Double(validation.count)
        return (loss / n, psnr / n, ssim / n)
    }

    /// Runs until `epochs` epochs are complete or the time budget would be exceeded.
    /// - Returns: the epochs completed in this call.
    @discardableResult
    public func run() throws -> Int {
        let c = configuration
        if state.baselinePSNR == nil {
            state.baselinePSNR = try validation.map { try PSNR().score(reference: $0.sharp, test: $0.observed) }.reduce(0, +) / Double(validation.count)
        }
        let started = Date()
        var lastEpochSeconds = 0.0
        var done = 0
        let session = TrainingSession(started: ISO8601DateFormatter().string(from: started), machine: machine, threads: threads,
                                      firstEpoch: state.completedEpochs + 1, lastEpoch: state.completedEpochs, steps: 0, seconds: 0,
                                      changes: changes.isEmpty ? nil : changes)
        let sessions = state.sessions ?? []
        let stepsAtStart = state.totalSteps
        let frozen = Set(network.namedParameters.filter { p in (c.freeze ?? []).contains { p.name.hasPrefix($0) } }.map { ObjectIdentifier($0.variable) })
        while state.completedEpochs < c.epochs {
            if let minutes = c.minutes, Date().timeIntervalSince(started) + lastEpochSeconds > minutes * 60 {
                log("time budget of \(minutes) min reached; resume with --resume")
                break
            }
            let epoch = state.completedEpochs + 1
            let epochStart = Date()
            var lossSum = 0.0, discriminatorLossSum = 0.0
            let stepsBefore = state.totalSteps
            let freezing = !frozen.isEmpty && epoch <= (c.freezeEpochs ?? 0)
            for step in 0 ..< c.stepsPerEpoch {
                // Batch t of the run comes from stream t, so a resumed run sees the batches an
                // uninterrupted one would.
                var rng = SeededRNG(seed: c.seed, stream: UInt64(stepsBefore + step))
                let (input, target) = try sampler.batch(c.batch, &rng, task: c.resolvedTask)
                let tape = Tape()
                let prediction = network(tape.input(input))
                var loss = lossVariable(prediction, target)
                if let discriminator, let w = c.adversarial {
                    // The generator's adversarial term; the discriminator's gradients from it are discarded below.
                    loss = loss + Float(w) * leastSquaresGANLoss(discriminator(prediction), label: 1)
                }
                optimizer.zeroGrad()
                tape.backward(from: loss)
                if freezing {
                    // No gradient: the optimiser leaves these parameters and their moments alone.
                    for p in optimizer.parameters where frozen.contains(ObjectIdentifier(p)) { p.grad = nil }
                }
                if c.clipNorm > 0 { clipGradientNorm(optimizer.parameters, maxNorm: Float(c.clipNorm)) }
                if let w = c.warmupSteps {
                    let t = stepsBefore + step
                    optimizer.learningRate = Float(state.learningRate) * Float(min(t + 1, w)) / Float(w)
                }
                optimizer.step()
                if let discriminator, let discriminatorOptimizer {
                    discriminatorLossSum += Double(discriminatorStep(discriminator, optimizer: discriminatorOptimizer, real: target, restored: prediction.value))
                }
                let l = loss.value[0]
                guard l.isFinite else {
                    throw TrainingError.invalidOption("the loss became \(l) at epoch \(epoch), step \(step + 1); lower --lr")
                }
                lossSum += Double(l)
                progress?(step + 1, c.stepsPerEpoch, lossSum / Double(step + 1))
            }
            // The warm-up scales single steps; the scheduler below sees the run's rate.
            if c.warmupSteps != nil { optimizer.learningRate = Float(state.learningRate) }
            let v = try validate()
            let seconds = Date().timeIntervalSince(epochStart)
            lastEpochSeconds = seconds
            let record = EpochRecord(epoch: epoch, trainLoss: lossSum / Double(c.stepsPerEpoch), validationLoss: v.loss,
                                     validationPSNR: v.psnr, validationSSIM: v.ssim, learningRate: Double(optimizer.learningRate),
                                     seconds: seconds)
            state.history.append(record)
            state.completedEpochs = epoch
            state.seconds += seconds
            state.steps = stepsBefore + c.stepsPerEpoch
            var current = session
            current.lastEpoch = epoch
            current.steps = state.totalSteps - stepsAtStart
            current.seconds = state.history.suffix(epoch - session.firstEpoch + 1).reduce(0) { $0 + $1.seconds }
            state.sessions = sessions + [current]
            var note = discriminator == nil ? "" : String(format: "  (discriminator loss %.4f)", discriminatorLossSum / Double(c.stepsPerEpoch))
            if state.bestPSNR.map({ v.psnr > $0 }) ?? true {
                note += state.bestPSNR.map { String(format: " — improved from %.2f dB, saved %@", $0, outURL.lastPathComponent) }
                    ?? String(format: " — best so far, saved %@", outURL.lastPathComponent)
                state.bestPSNR = v.psnr
                state.bestEpoch = epoch
                try saveBest(record)
            }
            let newLR = state.scheduler.update(metric: v.psnr, learningRate: optimizer.learningRate)
            if newLR != optimizer.learningRate { note += String(format: "; learning rate → %.2g", Double(newLR)) }
            optimizer.learningRate = newLR
            state.learningRate = Double(newLR)
            try saveLast()
            try writeCurves()
            log(String(format: "epoch %d/%d  loss %.5f  val loss %.5f  val PSNR %.2f dB (input %.2f)  SSIM %.4f  %.0f s%@",
                       epoch, c.epochs, record.trainLoss, v.loss, v.psnr, state.baselinePSNR ?? .nan, v.ssim, seconds, note))
            done += 1
        }
        return done
    }
}
