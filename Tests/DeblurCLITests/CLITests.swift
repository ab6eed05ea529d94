import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdTesting
import ImageCore
import ImageIO
import Metrics
import Restoration
import Testing
import WebApp
import Workbench
@testable import deblur

/// Registers the test method once for the whole process (the registry is global).
let identityRegistered: Bool = {
    try! MethodRegistry.register(IdentityMethod.entry)   // the one registry line
    return true
}()

/// A scratch folder with a small textured PNG.
func scratch() throws -> (dir: URL, image: String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deblur-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    var img = Image(channels: 3, height: 37, width: 41)
    for i in img.pixels.indices { img.pixels[i] = Float((i * 7919) % 97) / 96 }
    let path = dir.appendingPathComponent("in.png").path
    try writeImage(img, to: path)
    return (dir, path)
}

/// The message ArgumentParser prints for an error thrown while parsing or running `arguments`.
func failure(_ arguments: [String]) -> String? {
    do {
        var command = try Deblur.parseAsRoot(arguments)
        try command.run()
        return nil
    } catch {
        return Deblur.message(for: error)
    }
}

@Suite("Adding a method: one file and one registry line", .serialized)
struct AddingAMethodTests {
    @Test("it appears in `deblur restore --help` with its parameter, and `restore` runs it")
    func restore() throws {
        #expect(identityRegistered)
        let help = Deblur.helpMessage(for: Restore.self)
        #expect(help.contains("identity"))
        #expect(help.contains("gain=0…2"))
        let (dir, input) = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out.png").path
        let command = try Restore.parse([input, "--method", "identity", "--psf", "gaussian:1", "--param", "gain=0.5", "-o", out])
        try command.run()
        let a = try readImage(at: input), b = try readImage(at: out)
        let expected = a.pixels.map { ($0 * 0.5 * 255).rounded() / 255 }
        #expect(zip(b.pixels, expected).allSatisfy { abs($0 - $1) <= 1.0 / 255 + 1e-6 })
    }

    @Test("`restore --psf estimate` estimates the kernel blindly first; an image too small to estimate from is a named error")
    func restoreWithAnEstimatedPSF() throws {
        #expect(identityRegistered)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deblur-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var img = Image(channels: 1, height: 96, width: 90)
        for y in 0 ..< 96 { for x in 0 ..< 90 { img[0, y, x] = ((x / 9 + y / 11) % 2 == 0) ? 0.8 : 0.2 } }
        let input = dir.appendingPathComponent("in.png").path, out = dir.appendingPathComponent("out.png").path
        try writeImage(img, to: input)
        try Restore.parse([input, "--method", "identity", "--psf", "estimate", "-o", out]).run()
        #expect(try readImage(at: out) == (try readImage(at: input)))
        let (small, tiny) = try scratch()
        defer { try? FileManager.default.removeItem(at: small) }
        let message = failure(["restore", tiny, "--method", "identity", "--psf", "estimate", "-o", small.appendingPathComponent("o.png").path])
        #expect(message?.contains("63") == true || message?.lowercased().contains("small") == true, "\(message ?? "no error")")
        #expect(!FileManager.default.fileExists(atPath: small.appendingPathComponent("o.png").path))
    }

    @Test("it appears in a comparison's rows")
    func compare() throws {
        #expect(identityRegistered)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deblur-cli-cmp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = ComparisonOptions()
        o.selection.limit = 1
        o.methods = .named(["identity"])
        o.metrics = .named(["psnr"])
        let p = try Comparison.prepare(o, out: dir)
        try p.runner.run()
        let rows = p.rows
        #expect(Set(rows.map(\.method)) == ["blurred", "identity"])
        // Identity with gain 1 scores exactly as the blurred input.
        let psnr = Dictionary(uniqueKeysWithValues: rows.map { ($0.method, $0.metrics["psnr"]!) })
        #expect(psnr["identity"] == psnr["blurred"])
    }

    @Test("it appears in GET /api/methods with its parameters, which the web form lists")
    func webApp() async throws {
        #expect(identityRegistered)
        var configuration = WebAppConfiguration()
        configuration.metrics = [PSNR()]
        let offered = OfferedMethods.loadAll()
        #expect(offered.infos.contains { $0.name == "identity" && $0.parameters.first?.name == "gain" })
        let app = try buildApplication(WebAppContext(configuration: configuration, methods: offered))
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/methods", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains("\"name\":\"identity\""))
                #expect(text.contains("Identity (test)"))
                #expect(text.contains(#"{"default":"1","help":"multiplies the output","kind":"real","label":"Gain","maximum":2,"minimum":0,"name":"gain"}"#))
            }
            // The page builds its method checkboxes from /api/methods.
            try await client.execute(uri: "/", method: .get) { response in
                #expect(String(buffer: response.body).contains("fetch(\"/api/methods\")"))
            }
        }
    }
}

@Suite("Command line")
struct CommandLineTests {
    @Test("a parameter the method does not have is refused with a sentence naming it")
    func wrongParameter() throws {
        let (dir, input) = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("o.png").path
        let m = failure(["restore", input, "--method", "rl", "--psf", "gaussian:1", "--nsr", "0.1", "-o", out])
        #expect(m?.contains("rl has no parameter nsr") == true)
        #expect(!FileManager.default.fileExists(atPath: out))
        let n = failure(["restore", input, "--method", "rl", "--psf", "gaussian:1", "--iterations", "100000000", "-o", out])
        #expect(n?.contains("iterations=100000000 is refused: it must lie in 1…10000") == true)
        let u = failure(["restore", input, "--method", "magic", "-o", out])
        #expect(u?.contains("unknown method 'magic'") == true)
        let p = failure(["restore", input, "--method", "wiener", "-o", out])
        #expect(p?.contains("--psf is required") == true)
        let q = failure(["restore", input, "--method", "wiener", "--psf", "gaussian:1", "--param", "nsr", "-o", out])
        #expect(q?.contains("--param takes NAME=VALUE") == true)
    }

    @Test("--scenes keeps only the named scenes of the split; an unknown scene is named with the split's scenes")
    func scenes() throws {
        let c = try Compare.parse(["--scenes", "astronaut, hubble_deep_field", "-o", "/tmp/x"])
        #expect(c.scenes == "astronaut, hubble_deep_field")
        var s = CaseSelection()
        s.scenes = ["astronaut", "hubble_deep_field"]
        let (specs, _) = try CaseListing.list(s)
        #expect(specs.count == 8 && Set(specs.map(\.scene)) == ["astronaut", "hubble_deep_field"])
        s.scenes = ["astronaut", "nosuch"]
        #expect {
            try CaseListing.list(s)
        } throws: { error in
            guard case let WorkbenchError.unknownScenes(names, split, known)? = error as? WorkbenchError else { return false }
            return names == ["nosuch"] && split == .test && known.contains("astronaut")
        }
    }

    @Test("restore with the registry's defaults writes the same image as the library call")
    func restoreRuns() throws {
        let (dir, input) = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("w.png").path
        let command = try Restore.parse([input, "--method", "wiener", "--psf", "gaussian:1", "--nsr", "0.01", "-o", out])
        try command.run()
        let expected = try ClippedRestoration(
            try MethodRegistry.entry("wiener").make(settings: ["nsr": "0.01"]).restore(try readImage(at: input), psf: .parse("gaussian:1")),
            method: "wiener").image
        let written = try readImage(at: out)
        #expect(zip(written.pixels, expected.pixels).allSatisfy { abs($0 - ($1 * 255).rounded() / 255) < 1e-6 })
    }

    @Test("shared options: --noise and --seed and -o parse the same in degrade and compare; bad values are refused")
    func sharedOptions() throws {
        let c = try Compare.parse(["--noise", "0.02", "--seed", "5", "-o", "/tmp/x", "--psf", "both", "--split", "train"])
        #expect(c.degradation.noise == 0.02 && c.degradation.seed == 5 && c.out.output == "/tmp/x" && c.psf == .both && c.split == .train)
        let d = try Degrade.parse(["builtin", "--noise", "0.02", "--seed", "5", "-o", "/tmp/y"])
        #expect(d.degradation.noise == 0.02 && d.degradation.seed == 5 && d.out.output == "/tmp/y")
        #expect(failure(["compare", "--noise=-1", "-o", "/tmp/x"])?.contains("--noise must be ≥ 0") == true)
        #expect(failure(["compare", "--psf", "guess", "-o", "/tmp/x"])?.contains("guess") == true)
        #expect(failure(["compare", "--shard", "3/2", "-o", "/tmp/x"])?.contains("--shard must be I/N") == true)
        #expect(failure(["compare", "--weights", "wiener=x.safetensors", "-o", "/tmp/x"])?.contains("not a learned method") == true)
        #expect(failure(["merge", "-o", "/tmp/x"]) != nil)
    }

    @Test("compare --param METHOD:NAME=VALUE reaches that method's settings (with --weights); bad ones are refused by name")
    func methodParameters() throws {
        let c = try Compare.parse(["-o", "/tmp/x", "--param", "wiener:nsr=0.05", "--param", "unet:ensemble=8",
                                   "--weights", "unet=Baselines/models/unet.safetensors"])
        let settings = try c.methodSettings()
        #expect(settings["wiener"]?.real("nsr") == 0.05)
        #expect(settings["unet"]?.integer("ensemble") == 8 && settings["unet"]?.text("weights") == "Baselines/models/unet.safetensors")
        #expect(failure(["compare", "--param", "ensemble=8", "-o", "/tmp/x"])?.contains("--param takes METHOD:NAME=VALUE") == true)
        #expect(failure(["compare", "--param", "unet:ensemble=9", "-o", "/tmp/x"])?.contains("ensemble=9") == true)
        #expect(failure(["compare", "--param", "unet:colour=red", "-o", "/tmp/x"])?.contains("colour") == true)
        #expect(failure(["compare", "--param", "deconvolve:nsr=1", "-o", "/tmp/x"])?.contains("deconvolve") == true)
    }
}
