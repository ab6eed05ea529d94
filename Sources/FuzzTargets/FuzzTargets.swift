import Blur
import Datasets
import Foundation
import Fuzzing
import ImageIO
import Tensors
import WebApp

/// The parsers and decoders that read users' input, as fuzz targets: what each calls, and which
/// refusals are right. One definition for both drivers — `deblur fuzz` (the seeded mutation driver,
/// in every `make test`) and `deblur-libfuzzer` (libFuzzer's coverage-guided engine, `make libfuzzer`).
public enum FuzzTarget: String, CaseIterable, Sendable {
    case png, jpeg, psfSpec = "psf-spec", multipart, safetensors, mat

    /// Applied to a mutated input before it is run: PNG chunk checksums are recomputed, so that
    /// mutations reach libpng's parsing instead of stopping at its CRC check.
    public func repair(_ input: inout [UInt8]) {
        if self == .png { repairPNGChecksums(&input) }
    }

    /// Runs one input: true when it was accepted, false when it was refused as it should be (with the
    /// target's own error type, the message naming the input); throws `FuzzFailure` for anything else.
    public func check(_ input: [UInt8]) throws -> Bool {
        func expectNamed(_ error: Error, _ label: String) throws {
            guard error.localizedDescription.contains(label) else { throw FuzzFailure("message does not name '\(label)': \(error.localizedDescription)") }
        }
        switch self {
        case .png, .jpeg:
            let label = self == .png ? "fuzz.png" : "fuzz.jpg"
            do {
                let image = try decodeImage(Data(input), name: label, maxPixels: 4_000_000)
                guard image.pixels.count == image.channels * image.height * image.width, image.pixels.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
                    throw FuzzFailure("a decoded image is malformed or outside [0, 1]")
                }
                return true
            } catch let error as ImageIOError {
                try expectNamed(error, label)
                return false
            } catch let error as FuzzFailure {
                throw error
            } catch {
                throw FuzzFailure("unexpected \(type(of: error)): \(error)")
            }
        case .psfSpec:
            // Specs only: inputs with a path separator would read files of this machine.
            let spec = String(decoding: input, as: UTF8.self)
            guard !spec.contains("/") else { return false }
            do {
                let psf = try PSF.parse(spec)
                guard try PSF.parse(psf.spec).weights == psf.weights else { throw FuzzFailure("'\(spec)' → '\(psf.spec)' does not rebuild its kernel") }
                return true
            } catch let error as FuzzFailure {
                throw error
            } catch {
                if error.localizedDescription.isEmpty || error.localizedDescription.contains("Optional(") {
                    throw FuzzFailure("unhelpful message: \(error.localizedDescription)")
                }
                return false
            }
        case .multipart:
            do {
                _ = try MultipartParser.parse(Data(input), boundary: "b")
                return true
            } catch is MultipartError {
                return false
            } catch {
                throw FuzzFailure("unexpected \(type(of: error)): \(error)")
            }
        case .safetensors:
            do {
                let file = try SafeTensorsFile(data: Data(input), source: "fuzz.safetensors")
                for n in file.names where try file.tensor(named: n).scalars.count != file.tensor(named: n).shape.reduce(1, *) {
                    throw FuzzFailure("tensor \(n) has a shape that does not match its values")
                }
                return true
            } catch let error as TensorsError {
                try expectNamed(error, "fuzz.safetensors")
                return false
            } catch let error as FuzzFailure {
                throw error
            } catch {
                throw FuzzFailure("unexpected \(type(of: error)): \(error)")
            }
        case .mat:
            do {
                _ = try parseMAT(Data(input), path: "fuzz.mat")
                return true
            } catch let error as BenchmarkDataError {
                try expectNamed(error, "fuzz.mat")
                return false
            } catch {
                throw FuzzFailure("unexpected \(type(of: error)): \(error)")
            }
        }
    }
}
