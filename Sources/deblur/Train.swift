import ArgumentParser
import Blur
import Datasets
import Foundation
import Models
import Tensors
import Training

/// `deblur train`: train a registered network on patches drawn on the fly from the training scenes.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a deblurring network (autoencoder, unet, resnet) on synthetic or real blurred pairs, or the plug-and-play denoiser (--task denoise).",
        discussion: """
        Patches are drawn on the fly from the training scenes of the seeded 80/20 scene split (the test \
        scenes are never read): a random crop, flip and quarter turn, a fresh PSF from --blur and fresh \
        Gaussian noise (σ uniform in [0, 0.02]), blurred by valid convolution. A fraction of the training \
        scenes is held aside for validation (fixed patches, σ = 0.01) after every epoch.

        With --task denoise (model `denoiser`, the prior of `pnp --prior denoiser`): clean crops of the \
        same photographs (and --synthetic-scenes dead-leaves scenes; --zoom-patches of the photograph \
        crops cut smaller and enlarged; --gray-patches made gray, with one noise field in all three \
        channels) plus Gaussian noise with σ uniform in [0, 50/255], the σ map given as an input \
        channel; validation at σ = 25/255.

        Files written next to --out (e.g. Baselines/models/unet.safetensors):
          unet.safetensors        best weights so far (validation PSNR), F16 unless --dtype f32
          unet.last.safetensors   weights, optimiser moments and state after the last epoch (--resume)
          unet.curves.csv / .svg  training and validation curves

        Training accumulates across runs and machines: every run that trains adds a session (start, CPU and \
        OpenBLAS core, threads, epochs, steps, seconds) to the resume file, and the best checkpoint's header \
        carries the totals (training_seconds, training_core_seconds, training_steps, training_sessions). \
        Resuming with other options is refused unless --allow-changes is given; the changes are recorded.

        Examples:
          deblur train --model unet --data builtin --epochs 30 --out Baselines/models/unet.safetensors
          deblur train --model unet --data builtin --epochs 40 --out Baselines/models/unet.safetensors --resume
          deblur train --model resnet --data ~/GoPro --pairs real --minutes 60 --out models/resnet-gopro.safetensors
          deblur train --task denoise --model denoiser --patch 64 --loss mse --epochs 60 --out Baselines/models/denoiser.safetensors
          deblur train --model unet --init models/unet-motion.safetensors --freeze enc0,enc1 --freeze-epochs 2 --epochs 20 --out models/unet-ft.safetensors
          deblur train … --resume --allow-changes --lr 2e-4      # continue with a lower learning rate
        """)

    @Option(help: "Architecture: \(ModelRegistry.names.joined(separator: ", ")).")
    var model: String

    @Option(help: "deblur (blurred → sharp) or denoise (noisy + σ map → clean; model `denoiser`).")
    var task = "deblur"

    @Option(help: "builtin or a dataset folder (sharp images, Kaggle, GoPro, good/bad frames, blurred/ + sharp/).")
    var data = "builtin"

    @Option(help: "Synthetic blur: \(PSFSampler.acceptedNames); leaving one family out tests on a held-out family.")
    var blur = "mixed"

    @Option(help: "synthetic (blur the sharp images) or real (the dataset's own blurred images; GoPro and paired folders).")
    var pairs = "synthetic"

    @Option(help: "Patch side in pixels.")
    var patch = 128

    @Option(help: "Patches per step.")
    var batch = 16

    @Option(help: "Epochs to train in total (a resumed run continues up to this number).")
    var epochs = 10

    @Option(help: "Training steps per epoch (the data never runs out; an epoch is a checkpoint interval).")
    var stepsPerEpoch = 100

    @Option(help: "Stop before an epoch that would exceed this many minutes (this invocation).")
    var minutes: Double?

    @Option(help: "Loss: a sum of weighted terms from mse, l1, charbonnier, ssim (1 − SSIM) and perceptual (the ST-LPIPS alex feature distance), e.g. l1+0.1*perceptual+0.2*ssim; l1+ssim is 0.16·L1 + 0.84·(1 − SSIM).")
    var loss = "l1"

    @Option(help: "Optimiser: adam or adamw.")
    var optimizer = "adam"

    @Option(help: "Initial learning rate (ReduceLROnPlateau halves it after --patience epochs without a 0.01 dB gain).")
    var lr = 1e-3

    @Option(help: "Weight decay (adamw: decoupled; adam: L2).")
    var weightDecay = 0.0

    @Option(help: "Fraction of patches drawn from dead-leaves scenes (synthetic, coloured from the training photos) instead of the photos; 0 = photos only.")
    var syntheticScenes = 0.0

    @Option(help: "With --task denoise: fraction of patches made gray (luma in all three channels, one noise field shared by them), how gray images reach the RGB denoiser; 0 = none.")
    var grayPatches = 0.0

    @Option(help: "With --task denoise: fraction of photograph patches cut from a region 1.5–4× smaller and enlarged to the patch (the scenes seen closer: large smooth areas); 0 = none.")
    var zoomPatches = 0.0

    @Option(help: "ReduceLROnPlateau: halve the learning rate after this many epochs without a 0.01 dB validation gain.")
    var patience = 3

    @Option(help: "Fixed validation patches drawn from the held-aside scenes (σ = 0.01).")
    var validationPatches = 16

    @Option(help: "Seed of initialisation and patch sampling.")
    var seed: UInt64 = 0

    @Option(help: "Architecture hyper-parameter overrides, e.g. width=16,levels=4.")
    var modelConfig: String?

    @Option(name: .customLong("out"), help: "Best checkpoint path (.safetensors).")
    var out: String

    @Option(help: "Storage of the best checkpoint: f16 (half the size) or f32.")
    var dtype = "f16"

    @Option(help: "Storage of the optimiser moments in the resume file: f32 (exact resume) or bf16 (a third smaller file for Adam; resumed runs then differ from uninterrupted ones by rounding). Default: f32, or what the resumed file used.")
    var moments: String?

    @Flag(help: "Continue from OUT's .last.safetensors (same options; --epochs and --minutes may change).")
    var resume = false

    @Flag(help: "With --resume: continue even though other options changed (e.g. --lr, --loss, --data); the changes are recorded in the checkpoint.")
    var allowChanges = false

    @Option(name: .customLong("init"), help: "Transfer learning: start from this checkpoint's tensors that match a layer by name and shape (the others are initialised afresh and listed). A narrower U-Net or denoiser of the same depth (e.g. --init unet.safetensors --model-config width=32) is widened: its output starts unchanged.")
    var initFrom: String?

    @Flag(help: "Start the autoencoder as the identity map (space-to-depth copies through the bottleneck, a piecewise-linear logit before the sigmoid) instead of random weights; a new run only.")
    var identityStart = false

    @Option(help: "Raise the learning rate linearly over the run's first N steps (0 = no warm-up).")
    var warmupSteps = 0

    @Option(help: "Comma-separated parameter-name prefixes kept fixed for the first --freeze-epochs epochs (e.g. enc0,enc1 of the U-Net).")
    var freeze: String?

    @Option(help: "Epochs during which the --freeze layers are not updated.")
    var freezeEpochs = 0

    @Option(help: "Adversarial training (DeblurGAN-style): add W × the least-squares GAN loss of a PatchGAN discriminator trained alongside (e.g. 0.01); its state lives in the resume file.")
    var adversarial: Double?

    func validate() throws {
        guard ModelRegistry.names.contains(model) else {
            throw ValidationError("--model '\(model)' is not one of \(ModelRegistry.names.joined(separator: ", ")).")
        }
        guard let kind = NetworkTask(rawValue: task) else { throw ValidationError("--task must be deblur or denoise (got '\(task)').") }
        guard ModelRegistry.task(of: model) == kind else {
            let fitting = ModelRegistry.entries.filter { $0.task == kind }.map(\.name).joined(separator: ", ")
            throw ValidationError("--model '\(model)' is not a \(task) network; with --task \(task) choose \(fitting).")
        }
        guard kind == .deblur || pairs == "synthetic" else { throw ValidationError("--task denoise draws its own noise: drop --pairs real.") }
        guard TrainingLoss(rawValue: loss) != nil else { throw ValidationError("--loss must be \(TrainingLoss.syntax) (got '\(loss)').") }
        guard TrainingOptimizer(rawValue: optimizer) != nil else { throw ValidationError("--optimizer must be adam or adamw (got '\(optimizer)').") }
        guard ["synthetic", "real"].contains(pairs) else { throw ValidationError("--pairs must be synthetic or real (got '\(pairs)').") }
        guard out.hasSuffix(".safetensors") else { throw ValidationError("--out must end in .safetensors (got '\(out)').") }
        if let moments, !["f32", "bf16"].contains(moments) { throw ValidationError("--moments must be f32 or bf16 (got '\(moments)').") }
        guard ["f16", "f32"].contains(dtype) else { throw ValidationError("--dtype must be f16 or f32.") }
        if let minutes, !(minutes > 0) { throw ValidationError("--minutes must be > 0.") }
        guard (0 ... 1).contains(syntheticScenes) else { throw ValidationError("--synthetic-scenes must be a fraction in [0, 1] (got \(syntheticScenes)).") }
        guard (0 ... 1).contains(grayPatches) else { throw ValidationError("--gray-patches must be a fraction in [0, 1] (got \(grayPatches)).") }
        guard (0 ... 1).contains(zoomPatches) else { throw ValidationError("--zoom-patches must be a fraction in [0, 1] (got \(zoomPatches)).") }
        guard (grayPatches == 0 && zoomPatches == 0) || task == NetworkTask.denoise.rawValue else {
            throw ValidationError("--gray-patches and --zoom-patches apply to --task denoise only.")
        }
        guard patience >= 1, validationPatches >= 1 else { throw ValidationError("--patience and --validation-patches must be at least 1.") }
        guard !allowChanges || resume else { throw ValidationError("--allow-changes only applies with --resume.") }
        if let initFrom {
            guard !resume else { throw ValidationError("--init starts a new run; with --resume the run continues from its own weights (drop --init: the run remembers how it started).") }
            guard FileManager.default.fileExists(atPath: initFrom) else { throw ValidationError("--init: no file at '\(initFrom)'.") }
        }
        if let adversarial { guard adversarial > 0, adversarial.isFinite else { throw ValidationError("--adversarial must be a positive weight such as 0.01 (got \(adversarial)).") } }
        guard warmupSteps >= 0 else { throw ValidationError("--warmup-steps must be ≥ 0 (got \(warmupSteps)).") }
        if identityStart {
            guard model == "autoencoder" else { throw ValidationError("--identity-start applies to --model autoencoder only (got '\(model)').") }
            guard !resume, initFrom == nil else { throw ValidationError("--identity-start begins a new run: drop --init, or drop --identity-start when resuming (the run remembers how it started).") }
        }
        guard freezeEpochs >= 0 else { throw ValidationError("--freeze-epochs must be ≥ 0.") }
        guard (freeze == nil) == (freezeEpochs == 0) else { throw ValidationError("--freeze and --freeze-epochs go together (layers to fix, and for how many epochs).") }
    }

    func run() throws {
        var c = TrainingConfiguration(model: model)
        if NetworkTask(rawValue: task) == .denoise {
            c.task = .denoise
            c.noiseMin = 0
            c.noiseMax = 50.0 / 255
        }
        c.data = data
        c.blur = blur
        c.realPairs = pairs == "real"
        c.patch = patch
        c.batch = batch
        c.epochs = epochs
        c.stepsPerEpoch = stepsPerEpoch
        c.minutes = minutes
        c.loss = TrainingLoss(rawValue: loss)!
        c.optimizer = TrainingOptimizer(rawValue: optimizer)!
        c.learningRate = lr
        c.weightDecay = weightDecay
        c.seed = seed
        c.syntheticScenes = syntheticScenes > 0 ? syntheticScenes : nil
        c.grayPatches = grayPatches > 0 ? grayPatches : nil
        c.zoomPatches = zoomPatches > 0 ? zoomPatches : nil
        c.plateauPatience = patience
        c.validationPatches = validationPatches
        c.initialWeights = initFrom
        c.identityStart = identityStart ? true : nil
        c.warmupSteps = warmupSteps > 0 ? warmupSteps : nil
        c.adversarial = adversarial
        if let freeze {
            c.freeze = freeze.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            c.freezeEpochs = freezeEpochs
        }
        if let modelConfig {
            for pair in modelConfig.split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2 else { throw ValidationError("--model-config entries are KEY=VALUE (got '\(pair)').") }
                c.modelConfiguration[kv[0]] = kv[1]
            }
        }
        let dataset = try BuiltinData.resolve(data)
        for w in dataset.warnings { print("warning: \(w)") }
        let (train, validation) = try TrainingData.load(dataset, configuration: c) { print("note: \($0)") }
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let trainer = try Trainer(configuration: c, train: train, validation: validation, out: outURL, resume: resume,
                                  allowChanges: allowChanges)
        trainer.bestDType = dtype == "f32" ? .f32 : .f16
        if let moments { trainer.momentDType = moments == "bf16" ? .bf16 : .f32 }
        trainer.machine = "\(CPUDescription.current.summary); OpenBLAS \(BLASKernels.coreName)"
        for change in trainer.changes { print("note: continuing with a changed option: \(change)") }
        if let grown = trainer.widened {
            print("init: \(trainer.initialisation?.loaded.count ?? 0) tensors loaded from \(initFrom ?? ""), a narrower \(c.model): "
                + "\(grown.count) widened (old channels first; the new ones read with zero weights, so the output starts unchanged)")
        } else if let i = trainer.initialisation {
            print("init: \(i.loaded.count) tensors loaded from \(initFrom ?? "")"
                + (i.kept.isEmpty ? "" : "; initialised afresh: " + i.kept.joined(separator: ", "))
                + (i.unused.isEmpty ? "" : "; unused from the file: " + i.unused.joined(separator: ", ")))
        }
        trainer.metadata = [
            "command": CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "),
            "training_scenes": Array(Set(train.map(\.scene))).sorted().joined(separator: ","),
            "validation_scenes": Array(Set(validation.map(\.scene))).sorted().joined(separator: ","),
        ]
        if isatty(2) == 1 {
            let bar = ProgressBar()
            trainer.progress = { step, total, loss in
                if step == 1 { bar.restart() }
                ProgressBar.write("\r  epoch \(trainer.state.completedEpochs + 1) "
                    + bar.line(step, of: total, detail: String(format: "loss %.5f", loss)) + " ")
                if step == total { ProgressBar.write("\r\u{1B}[K") }
            }
        }
        trainer.log = { print($0); fflush(nil) }
        let network = trainer.network
        print("\(model): \(network.parameterCount) parameters; \(train.count) training images (\(Set(train.map(\.scene)).count) scenes), "
            + "\(validation.count) validation images; \(c.stepsPerEpoch) steps × \(c.batch) patches of \(c.patch) px per epoch"
            + (resume ? "; resuming after epoch \(trainer.state.completedEpochs)" : ""))
        fflush(nil)
        let start = Date()
        try trainer.run()
        let s = trainer.state
        print(String(format: "done: %d epochs, best validation PSNR %.2f dB at epoch %d (input %.2f dB); %.1f min this run, "
                     + "%.1f min in all (%d steps, %.2f thread-hours, %d session(s))",
                     s.completedEpochs, s.bestPSNR ?? .nan, s.bestEpoch ?? 0, s.baselinePSNR ?? .nan,
                     Date().timeIntervalSince(start) / 60, s.seconds / 60, s.totalSteps, s.coreSeconds / 3600, s.sessions?.count ?? 0))
        print("best: \(out)\nresume: \(trainer.lastURL.path)\ncurves: \(trainer.csvURL.path), \(trainer.svgURL.path)")
    }
}
