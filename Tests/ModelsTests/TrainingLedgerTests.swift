import Foundation
import ImageCore
import Models
import NN
import Tensors
import Testing
@testable import Training

/// Training that accumulates across runs and machines: the session ledger, resuming with changed
/// options, damaged resume files, transfer learning (`--init`) and frozen layers (`--freeze`).
@Suite(.serialized) struct TrainingLedgerTests {
    func trainer(_ c: TrainingConfiguration, _ out: URL, resume: Bool = false, allowChanges: Bool = false) throws -> Trainer {
        let t = try Trainer(configuration: c, train: tinyImages(), validation: tinyImages(), out: out, resume: resume, allowChanges: allowChanges)
        t.log = { _ in }
        return t
    }

    /// A finished run of `epochs` tiny epochs writing `name` in a fresh folder (the caller removes `dir`).
    func trainedRun(epochs: Int, name: String) throws -> (dir: URL, out: URL, trainer: Trainer) {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent(name)
        let t = try trainer(tinyConfiguration(epochs: epochs), out)
        try t.run()
        return (dir, out, t)
    }

    /// Writes `source`'s tensors under its header as changed by `edit` to `destination` (by default, in place).
    func rewriteHeader(_ source: URL, to destination: URL? = nil, _ edit: (inout [String: String]) throws -> Void) throws {
        let file = try SafeTensorsFile(contentsOf: source)
        var metadata = file.metadata
        try edit(&metadata)
        try SafeTensorsFile(tensors: file.tensors, metadata: metadata).write(to: destination ?? source)
    }

    @Test("every run that trains adds a session; steps, seconds and thread-seconds add up and reach the best checkpoint's header")
    func ledgerAccumulates() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("l.safetensors")
        let first = try trainer(tinyConfiguration(epochs: 2), out)
        first.machine = "machine A"
        first.threads = 2
        try first.run()
        let second = try trainer(tinyConfiguration(epochs: 3), out, resume: true)
        second.machine = "machine B"
        second.threads = 1
        try second.run()
        let s = second.state
        let sessions = try #require(s.sessions)
        #expect(sessions.map(\.machine) == ["machine A", "machine B"])
        #expect(sessions.map(\.threads) == [2, 1])
        #expect(sessions.map(\.firstEpoch) == [1, 3] && sessions.map(\.lastEpoch) == [2, 3])
        #expect(sessions.map(\.steps) == [6, 3] && s.totalSteps == 9)
        #expect(abs(sessions.reduce(0) { $0 + $1.seconds } - s.seconds) < 1e-9)
        #expect(abs(s.coreSeconds - (2 * sessions[0].seconds + sessions[1].seconds)) < 1e-9)
        #expect(sessions.allSatisfy { $0.changes == nil })
        // The resume file carries the ledger; the best checkpoint's header the totals.
        let last = try SafeTensorsFile(contentsOf: second.lastURL)
        let saved = try JSONDecoder().decode(TrainingState.self, from: Data(last.metadata["training_state"]!.utf8))
        #expect(saved.sessions == sessions)
        let best = try SafeTensorsFile(contentsOf: out)
        if s.bestEpoch == 3 {
            #expect(best.metadata["training_steps"] == "9")
            let header = try JSONDecoder().decode([TrainingSession].self, from: Data(best.metadata["training_sessions"]!.utf8))
            #expect(header.count == 2)
        } else {
            #expect(best.metadata["training_steps"] == String(s.bestEpoch! * 3))
        }
    }

    @Test("a resume file restores like a weights file: the run's latest weights under its own configuration; without the configuration a named error")
    func resumeFileLoadsAsWeights() throws {
        let (dir, _, t) = try trainedRun(epochs: 2, name: "r.safetensors")
        defer { try? FileManager.default.removeItem(at: dir) }
        // levels 2, width 4: not the U-Net's defaults, so the header's configuration is what builds it.
        let (network, metadata) = try Checkpoint.load(t.lastURL, expecting: "unet")
        #expect(metadata["training_state"] != nil)
        // The latest weights (F32), not the best ones (F16): equal to the trainer's to the bit.
        let trained = Dictionary(uniqueKeysWithValues: t.network.namedParameters.map { ($0.0, $0.1.value.scalars) })
        let loaded = network.namedParameters
        #expect(loaded.count == trained.count && loaded.allSatisfy { trained[$0.0] == $0.1.value.scalars })
        // A resume file from before its header held the configuration: the defaults do not fit, named.
        let old = dir.appendingPathComponent("old.last.safetensors")
        try rewriteHeader(t.lastURL, to: old) { $0[CheckpointKey.configuration] = nil }
        #expect(throws: (any Error).self) { try Checkpoint.load(old, expecting: "unet") }
        do { _ = try Checkpoint.load(old, expecting: "unet") } catch { #expect(error.localizedDescription.contains(old.path)) }
    }

    @Test("resuming with other options is refused with the differences named, and accepted and recorded with allowChanges")
    func changedOptions() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("c.safetensors")
        try trainer(tinyConfiguration(epochs: 1), out).run()
        var changed = tinyConfiguration(epochs: 2)
        changed.learningRate = 1e-4
        changed.loss = .charbonnier
        do {
            _ = try trainer(changed, out, resume: true)
            Issue.record("a changed run was resumed without allowChanges")
        } catch let error as TrainingError {
            let message = error.localizedDescription
            #expect(message.contains("learningRate: 0.003 → 0.0001"), "\(message)")
            #expect(message.contains("loss: \"l1\" → \"charbonnier\""), "\(message)")
            #expect(message.contains("--allow-changes"))
        }
        let resumed = try trainer(changed, out, resume: true, allowChanges: true)
        #expect(resumed.optimizer.learningRate == Float(1e-4))
        try resumed.run()
        let sessions = try #require(resumed.state.sessions)
        #expect(sessions.count == 2)
        #expect(sessions[0].changes == nil)
        #expect(sessions[1].changes == ["learningRate: 0.003 → 0.0001", "loss: \"l1\" → \"charbonnier\""])
        // The changed options are now the run's: resuming with them again needs no flag.
        var more = changed
        more.epochs = 3
        #expect(try trainer(more, out, resume: true).state.completedEpochs == 2)
    }

    @Test("a run started with --init or --identity-start resumes without repeating them, and keeps the record of its start")
    func startOptionsAreNotRepeatedOnResume() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let donor = dir.appendingPathComponent("donor.safetensors")
        try trainer(tinyConfiguration(epochs: 1), donor).run()
        let out = dir.appendingPathComponent("started.safetensors")
        var started = tinyConfiguration(epochs: 1)
        started.initialWeights = donor.path
        try trainer(started, out).run()
        // Resumed as the README says: the same command without --init.
        let resumed = try trainer(tinyConfiguration(epochs: 2), out, resume: true)
        #expect(resumed.changes.isEmpty)
        #expect(resumed.configuration.initialWeights == donor.path)
        try resumed.run()
        let best = try SafeTensorsFile(contentsOf: resumed.lastURL)
        #expect(best.metadata["training_state"]?.contains("donor.safetensors") == true)
        // The identity start is likewise not an option of the continuation; other options still are.
        var identity = tinyConfiguration(epochs: 1)
        identity.identityStart = true
        #expect(identity.differences(from: tinyConfiguration(epochs: 1)).isEmpty)
        var other = tinyConfiguration(epochs: 1)
        other.warmupSteps = 10
        #expect(identity.differences(from: other) == ["warmupSteps: unset → 10"])
    }

    @Test("a new --lr on resume gets the plateau's full patience before its first cut (the wait of the old rate is not carried over)")
    func newRateRestartsThePatience() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("p.safetensors")
        // A rate so small that no epoch after the first improves by the 0.01 dB the plateau asks.
        var c = tinyConfiguration(epochs: 3)
        c.learningRate = 1e-9
        c.minLearningRate = 0
        c.plateauPatience = 3
        try trainer(c, out).run()
        let waited = try trainer(c, out, resume: true).state.scheduler.wait
        #expect(waited == 2, "epochs 2 and 3 did not improve")
        var changed = c
        changed.epochs = 4
        changed.learningRate = 2e-9
        let resumed = try trainer(changed, out, resume: true, allowChanges: true)
        #expect(resumed.state.scheduler.wait == 0)
        try resumed.run()
        // Epoch 4 did not improve either: one epoch of waiting at the new rate, no cut (the old count would have cut it).
        #expect(resumed.state.scheduler.wait == 1)
        #expect(resumed.optimizer.learningRate == Float(2e-9))
    }

    @Test("a resume file written before the ledger existed continues, its epochs kept as one unrecorded session")
    func stateWithoutLedger() throws {
        let (dir, out, first) = try trainedRun(epochs: 2, name: "o.safetensors")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Rewrite the state as an older build wrote it: no "steps", no "sessions".
        try rewriteHeader(first.lastURL) { metadata in
            var object = try JSONSerialization.jsonObject(with: Data(metadata["training_state"]!.utf8)) as! [String: Any]
            object["steps"] = nil
            object["sessions"] = nil
            metadata["training_state"] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }

        let resumed = try trainer(tinyConfiguration(epochs: 3), out, resume: true)
        try resumed.run()
        let sessions = try #require(resumed.state.sessions)
        #expect(sessions.count == 2)
        #expect(sessions[0].machine == "not recorded" && sessions[0].threads == 0 && sessions[0].lastEpoch == 2 && sessions[0].steps == 6)
        #expect(sessions[1].firstEpoch == 3 && resumed.state.totalSteps == 9)
    }

    @Test("a torn resume file is refused by name, with what to do")
    func tornResumeFile() throws {
        let (dir, out, first) = try trainedRun(epochs: 1, name: "t.safetensors")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = try Data(contentsOf: first.lastURL)
        try bytes.prefix(bytes.count / 2).write(to: first.lastURL)
        do {
            _ = try trainer(tinyConfiguration(epochs: 2), out, resume: true)
            Issue.record("a torn resume file was accepted")
        } catch let error as TrainingError {
            #expect(error.localizedDescription.contains(first.lastURL.path))
            #expect(error.localizedDescription.contains("damaged"))
        }
    }

    @Test("--init loads exactly the tensors that match by name and shape; the rest keep their fresh initialisation")
    func transferInitialisation() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A donor with another width at the last level: the first level's tensors match, deeper ones do not.
        let donor = try ModelRegistry.make("unet", configuration: ["levels": "2", "width": "4"], seed: 99)
        var tensors = donor.stateDict()
        tensors["out.weight"] = Tensor(shape: [1, 1, 1, 1], scalars: [5])   // wrong shape: not loaded
        tensors["extra.bias"] = Tensor(shape: [2], scalars: [1, 2])        // matches nothing
        let donorURL = dir.appendingPathComponent("donor.safetensors")
        try SafeTensorsFile(tensors: tensors).write(to: donorURL)

        var c = tinyConfiguration(epochs: 1)
        c.initialWeights = donorURL.path
        let t = try trainer(c, dir.appendingPathComponent("i.safetensors"))
        let fresh = try ModelRegistry.make("unet", configuration: ["levels": "2", "width": "4"], seed: c.seed)
        let report = try #require(t.initialisation)
        #expect(report.unused == ["extra.bias"])
        #expect(report.kept.count == 1 && report.kept[0].hasPrefix("out.weight (shape"))
        #expect(report.loaded.count == t.network.namedParameters.count - 1)
        let freshValues = fresh.stateDict()
        for (name, v) in t.network.namedParameters {
            if name == "out.weight" {
                #expect(v.value == freshValues[name], "\(name) should keep its fresh initialisation")
            } else {
                #expect(v.value == tensors[name], "\(name) should come from the donor")
            }
        }
    }

    @Test("--freeze keeps the named layers fixed for --freeze-epochs epochs, then trains them")
    func frozenLayers() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = tinyConfiguration(epochs: 1)
        c.freeze = ["enc0"]
        c.freezeEpochs = 1
        let out = dir.appendingPathComponent("f.safetensors")
        let t = try trainer(c, out)
        let before = t.network.stateDict()
        try t.run()
        let after = t.network.stateDict()
        let frozenNames = before.keys.filter { $0.hasPrefix("enc0") }
        #expect(!frozenNames.isEmpty)
        for name in before.keys {
            if name.hasPrefix("enc0") { #expect(after[name] == before[name], "\(name) moved while frozen") } else { #expect(after[name] != before[name], "\(name) did not train") }
        }
        var next = c
        next.epochs = 2
        let resumed = try trainer(next, out, resume: true)
        try resumed.run()
        for name in frozenNames { #expect(resumed.network.stateDict()[name] != after[name], "\(name) stayed frozen after --freeze-epochs") }
    }
}

@Suite("Training determinism", .serialized)
struct TrainingDeterminismTests {
    @Test("with deterministic scheduling two runs on several threads give identical weights bit for bit")
    func deterministicScheduling() throws {
        guard workerThreadCount > 1 else { return }   // one thread is deterministic anyway
        BLASThreads.deterministic = true
        defer { BLASThreads.deterministic = ["1", "true", "yes"].contains(ProcessInfo.processInfo.environment["DEBLUR_DETERMINISTIC"]?.lowercased() ?? "") }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var weights: [[String: Tensor]] = []
        for run in 0 ..< 2 {
            var c = tinyConfiguration(epochs: 1)
            c.batch = 4
            c.stepsPerEpoch = 4
            let t = try Trainer(configuration: c, train: tinyImages(), validation: tinyImages(),
                                out: dir.appendingPathComponent("d\(run).safetensors"), resume: false)
            t.log = { _ in }
            try t.run()
            weights.append(t.network.stateDict())
        }
        #expect(weights[0] == weights[1])
    }
}
