import ArgumentParser
import Foundation
import Fuzzing
import ImageCore
import ImageIO
import Models
import Testing
@testable import deblur

/// Each subcommand parsed and run on tiny inputs (in-process; the same code paths as the tool),
/// with its output checked, and a bad argument of each refused by a sentence naming it.
@Suite("Subcommands on tiny inputs", .serialized)
struct SubcommandTests {
    func run(_ arguments: [String]) throws {
        var command = try Deblur.parseAsRoot(arguments)
        try command.run()
    }

    @Test("psf writes a viewing image and the exact weights; a bad spec is named")
    func psf() throws {
        let (dir, _) = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = dir.appendingPathComponent("k.png").path
        try run(["psf", "motion:7,0", "--raw", "-o", raw])
        let k = try readImage(at: raw)
        #expect(k.height == 7 || k.width == 7)
        #expect(k.pixels.max() == 1)   // weight / max
        #expect(failure(["psf", "motion:7", "-o", raw]) != nil)
    }

    @Test("score prints every requested metric; images of different sizes are refused")
    func score() throws {
        let (dir, input) = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try run(["score", input, input, "--metrics", "psnr,ssim", "--json"])
        var small = Image(channels: 3, height: 20, width: 20)
        for i in small.pixels.indices { small.pixels[i] = 0.5 }
        let other = dir.appendingPathComponent("small.png").path
        try writeImage(small, to: other)
        #expect(failure(["score", input, other, "--metrics", "psnr"]) != nil)
        #expect(failure(["score", input, input, "--metrics", "fid"])?.contains("fid") == true)
    }

    @Test("degrade writes sharp/blurred/psf triplets and a manifest from a folder of photos")
    func degrade() throws {
        let (dir, input) = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let photos = dir.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: input, toPath: photos.appendingPathComponent("a.png").path)
        let out = dir.appendingPathComponent("deg")
        try run(["degrade", photos.path, "--psf", "gaussian:1", "--seed", "3", "-o", out.path])
        for sub in ["sharp/a.png", "blurred/a.png", "psf/a.png", "manifest.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(sub).path))
        }
        #expect(failure(["degrade", photos.path, "--psf", "gaussian:0x10", "-o", out.path]) != nil)
    }

    @Test("estimate-psf writes a kernel for a parametric model; an even blind size is refused")
    func estimate() throws {
        let (dir, input) = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("est.png").path
        try run(["estimate-psf", input, "--model", "gaussian", "-o", out])
        #expect(FileManager.default.fileExists(atPath: out))
        #expect(failure(["estimate-psf", input, "--model", "blind", "--size", "30", "-o", out]) != nil)
        #expect(failure(["estimate-psf", input, "--model", "motion", "--document", "-o", out])?
            .contains("--document applies to --model blind only (got --model motion)") == true)
    }

    @Test("psf-study refuses an unknown --kernel-orientation by name")
    func studyOrientation() throws {
        let message = failure(["psf-study", "--kernel-orientation", "sideways", "-o", "/tmp/never-written"])
        #expect(message?.contains("--kernel-orientation must be auto, stored or rotated (got 'sideways')") == true)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written"))
    }

    @Test("models describes the shipped networks: the widened denoiser with its own count and the default's beside it")
    func modelsDescribeShippedCheckpoints() throws {
        let rows = try ModelsCommand.rows()
        let denoiser = try #require(rows.first { $0["name"] as? String == "denoiser" })
        let shipped = try Checkpoint.load(URL(fileURLWithPath: try #require(denoiser["weights"] as? String))).network
        #expect(denoiser["parameters"] as? Int == shipped.parameterCount)
        #expect(denoiser["configuration"] as? [String: String] == shipped.configuration)
        let standard = try ModelRegistry.make("denoiser")
        if shipped.configuration != standard.configuration {
            #expect(denoiser["default_parameters"] as? Int == standard.parameterCount)
        } else {
            #expect(denoiser["default_parameters"] == nil)
        }
        // The U-Net ships at its default configuration: no second count.
        let unet = try #require(rows.first { $0["name"] as? String == "unet" })
        #expect(unet["default_parameters"] == nil && unet["parameters"] as? Int == 1_083_675)
    }

    @Test("models, info and the help of every subcommand run; an unknown subcommand is named")
    func listings() throws {
        try run(["models", "--json"])
        try run(["info"])
        for sub in ["psf", "degrade", "restore", "denoise", "train", "compare", "merge", "models", "score", "bench", "serve",
                    "estimate-psf", "psf-study", "info"] {
            #expect(!Deblur.helpMessage(for: try #require(Deblur.configuration.subcommands.first { $0._commandName == sub })).isEmpty)
        }
        #expect(failure(["deconvolve"])?.contains("deconvolve") == true)
    }

    @Test("denoise refuses a σ outside the prior's range (ffdnet 1…75, denoiser 1…50) with a sentence, before reading anything")
    func denoise() throws {
        let (dir, input) = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("d.png").path
        #expect(failure(["denoise", input, "--prior", "ffdnet", "--sigma", "0.1", "-o", out])?.contains("outside 1…75") == true)
        #expect(failure(["denoise", input, "--prior", "ffdnet", "--sigma", "200", "-o", out])?.contains("outside 1…75") == true)
        // 60 is in FFDNet's range but above our denoiser's: refused at parse time, naming the prior.
        #expect(failure(["denoise", input, "--prior", "denoiser", "--sigma", "60", "-o", out])?
            .contains("outside 1…50, the range the denoiser prior was trained on") == true)
        for bad in ["0", "9"] {
            #expect(failure(["denoise", input, "--sigma", "25", "--ensemble", bad, "-o", out])?.contains("--ensemble \(bad) is outside 1…8") == true)
        }
        #expect(failure(["denoise", input, "--prior", "denoiser", "--sigma", "25", "--colour", "lab", "-o", out])?.contains("--colour") == true)
        #expect(!FileManager.default.fileExists(atPath: out))
        let help = Deblur.helpMessage(for: Denoise.self, columns: 400)
        #expect(help.contains("ffdnet 1…75") && help.contains("denoiser 1…50"))
    }

    @Test("a negative number after a long option is its value (`--sigma -3` reaches the range check); nothing else is joined")
    func negativeValues() throws {
        let join = Deblur.joiningNegativeValues
        #expect(join(["denoise", "a.png", "--sigma", "-3", "-o", "b.png"]) == ["denoise", "a.png", "--sigma=-3", "-o", "b.png"])
        #expect(join(["x", "--lr", "-1e-4", "--noise", "-.5"]) == ["x", "--lr=-1e-4", "--noise=-.5"])
        // Not joined: a short option, an option already given its value, a non-number, anything after `--`.
        for unchanged in [["-o", "-3"], ["--sigma=2", "-3"], ["--psf", "-x"], ["--sigma", "3"], ["--", "--sigma", "-3"], ["--sigma"]] {
            #expect(join(unchanged) == unchanged)
        }
        let (dir, input) = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("d.png").path
        let message = failure(join(["denoise", input, "--prior", "ffdnet", "--sigma", "-3", "-o", out]))
        #expect(message?.contains("--sigma -3.0 is outside 1…75") == true)
        #expect(failure(["denoise", input, "--prior", "ffdnet", "--sigma", "-3", "-o", out])?.contains("Missing value") == true)
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("denoise --weights: another checkpoint gives the default's result when it is the same file; a missing file and a deblurring network are named")
    func denoiseWeights() throws {
        let (dir, input) = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let shipped = "Baselines/models/denoiser.safetensors"
        let copy = dir.appendingPathComponent("other.safetensors").path
        try FileManager.default.copyItem(atPath: shipped, toPath: copy)
        let a = dir.appendingPathComponent("a.png").path, b = dir.appendingPathComponent("b.png").path
        try run(["denoise", input, "--prior", "denoiser", "--sigma", "25", "-o", a])
        try run(["denoise", input, "--prior", "denoiser", "--weights", copy, "--sigma", "25", "-o", b])
        #expect(try readImage(at: a).pixels == readImage(at: b).pixels)
        let missing = dir.appendingPathComponent("none.safetensors").path
        #expect(failure(["denoise", input, "--prior", "denoiser", "--weights", missing, "--sigma", "25", "-o", a])?.contains(missing) == true)
        let wrong = failure(["denoise", input, "--prior", "denoiser", "--weights", "Baselines/models/unet.safetensors", "--sigma", "25", "-o", b])
        #expect(wrong?.contains("holds a 'unet' network") == true, "\(wrong ?? "no error")")
    }
}

@Suite("Pixel limit on the command line")
struct PixelLimitTests {
    @Test("restore, score and estimate-psf (and denoise, the same option) refuse an image over --max-megapixels and say how to raise it")
    func overTheLimit() throws {
        let (dir, input) = try scratch()   // 41×37 = 0.0015 megapixels
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out.png").path
        for arguments in [["restore", input, "--psf", "gaussian:1", "--method", "wiener", "-o", out],
                          ["score", input, input, "--metrics", "psnr"],
                          ["estimate-psf", input, "--model", "gaussian", "-o", out]] {
            let text = failure(arguments + ["--max-megapixels", "0.001"]) ?? "accepted"
            #expect(text.contains("41×37") && text.contains("--max-megapixels 0.1"), "\(arguments[0]): \(text)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(failure(["score", input, input, "--metrics", "psnr", "--max-megapixels", "0"])?.contains("--max-megapixels") == true)
    }
}

/// The short, bounded fuzzing run of every `make test` (`make fuzz` runs a million inputs per target).
@Suite("Fuzzing (short run)")
struct FuzzShortRunTests {
    @Test("every target takes 1,500 mutated inputs from its seed corpus: accepted or refused with its own named error, none slow", arguments: Fuzz.targets)
    func shortRun(target: String) throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/\(target)")
        let seeds = try Fuzz.seeds(corpus)
        #expect(seeds.count >= 2)
        let report = Fuzz.run(target, seeds: seeds, seed: 20261206, executions: 1500, seconds: 60, hangLimit: 5)
        #expect(report.executions == 1500)
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.hangs.isEmpty)
        #expect(report.accepted > 0 && report.accepted < report.executions, "\(report.accepted) of \(report.executions) accepted")
    }
}

@Suite("Fuzzing: the mutator")
struct MutatorTests {
    @Test("the same seed gives the same mutations; PNG checksums are repaired to what zlib's CRC-32 gives")
    func deterministicAndRepairing() throws {
        var a = Mutator(seed: 9), b = Mutator(seed: 9)
        let input = Array("gaussian:2".utf8)
        for _ in 0 ..< 50 { #expect(a.mutate(input, corpus: [input]) == b.mutate(input, corpus: [input])) }
        // CRC-32 check value of "123456789" (ISO 3309 / zlib): 0xCBF43926.
        #expect(crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        let png = [UInt8](try encodeImage(Image(channels: 1, height: 3, width: 4, value: 0.5), format: .png))
        var damaged = png
        damaged[png.count - 1] ^= 0xFF   // the IEND chunk's CRC
        damaged[29] ^= 0x5A              // the IHDR chunk's CRC (8-byte signature, length, type, 13 data bytes)
        #expect(damaged != png)
        repairPNGChecksums(&damaged)
        #expect(damaged == png)
    }
}
