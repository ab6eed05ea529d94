import Blur
import Deconvolution
import Foundation
import ImageCore
import Lessons
import Metrics
import PSFEstimation
import Spectral
import Testing

@Suite struct LessonParameterTests {
    @Test func badParametersNameTheParameterAndTheRange() throws {
        let p: LessonParameters = ["sigma": "2", "family": "box", "iterations": "3.5"]
        #expect(throws: LessonError.badParameter(name: "sigma", value: "2", expected: "a number from 0 to 0.1")) {
            try p.number("sigma", in: 0 ... 0.1, default: 0)
        }
        #expect(throws: LessonError.badParameter(name: "family", value: "box", expected: "one of gaussian, disk, motion")) {
            try p.choice("family", ["gaussian", "disk", "motion"], default: "disk")
        }
        #expect(throws: LessonError.badParameter(name: "iterations", value: "3.5", expected: "a whole number from 5 to 200")) {
            try p.integer("iterations", in: 5 ... 200, default: 100)
        }
        #expect(try p.number("nsr", in: 0 ... 1, default: 0.25) == 0.25)
        #expect(throws: LessonError.missingParameter("answer")) { try p.answer() }
        #expect(throws: LessonError.unknownLesson("fourier")) { try LessonCatalog.lesson("fourier") }
    }

    @Test func theLessonSourceIsGrayAreaDownscaledAndSquare() throws {
        var rgb = Image(channels: 3, height: 1100, width: 1500)
        for i in rgb.pixels.indices { rgb.pixels[i] = Float(i % 7) / 7 }
        let source = try LessonSource(name: "big", image: rgb)
        // 1100 / 512 → factor 3: 366 × 500, central square 366.
        #expect(source.image.channels == 1)
        #expect(source.image.width == 366 && source.image.height == 366)
        #expect(throws: LessonError.imageTooSmall(width: 80, height: 300, minimum: 96)) {
            try LessonSource(name: "thin", image: Image(channels: 1, height: 300, width: 80))
        }
    }

    @Test func thePlotDrawsEverySeriesAndMark() {
        let plot = LessonPlot(name: "t", title: "A < B", xLabel: "x", yLabel: "y", logX: true,
                              series: [.init(label: "one", x: [1e-3, 1e-2, 1e-1], y: [1, 3, 2], colour: "#000"),
                                       .init(label: "two", x: [1e-3, 1e-1], y: [0, 1], colour: "#f00")],
                              marks: [.init(label: "best", x: 1e-2, y: 3, colour: "#0f0")])
        let svg = plot.svg()
        #expect(svg.components(separatedBy: "<polyline").count == 3)
        #expect(svg.components(separatedBy: "data-mark=\"best\"").count == 2)
        #expect(svg.contains("A &lt; B"))
        #expect(svg.contains("10^-2"))
    }
}

@Suite struct LessonFigureTests {
    static let source = LessonSource.drawnScene(side: 160)

    @Test func theOTFMagnitudeMatchesANaiveDFTOnAnOddGrid() throws {
        let psf = try PSF.motion(length: 5, angle: 30)
        let side = 15
        let fast = try lessonOTFMagnitude(psf, side: side)
        // Naive: the PSF centred at the origin (wrapped), every frequency summed directly.
        let k = psf.weights, ch = k.height / 2, cw = k.width / 2
        for u in 0 ..< side {
            for v in 0 ..< side {
                var re = 0.0, im = 0.0
                for y in 0 ..< k.height {
                    for x in 0 ..< k.width {
                        let w = Double(k.pixels[y * k.width + x])
                        let phase = -2 * Double.pi * (Double(u * (y - ch)) / Double(side) + Double(v * (x - cw)) / Double(side))
                        re += w * cos(phase); im += w * sin(phase)
                    }
                }
                // Centre-shifted picture: frequency (u, v) sits at ((u + side/2) % side, (v + side/2) % side).
                let shown = fast.pixels[((u + side / 2) % side) * side + (v + side / 2) % side]
                #expect(abs(Double(shown) - (re * re + im * im).squareRoot()) < 1e-5, "(\(u), \(v))")
            }
        }
        #expect(abs(fast.pixels[(side / 2) * side + side / 2] - 1) < 1e-6)
    }

    @Test func withoutNoiseTheInverseFilterUndoesACircularBlurAndNoiseWrecksIt() throws {
        let lesson = BlurLesson()
        let clean = try lesson.figure(["family": "gaussian", "size": "1", "sigma": "0"], source: Self.source)
        let noisy = try lesson.figure(["family": "gaussian", "size": "1", "sigma": "0.03"], source: Self.source)
        #expect(clean.numbers["psnr_inverse"]! > 60)
        #expect(noisy.numbers["psnr_inverse"]! < noisy.numbers["psnr_blurred"]!)
        // A disk has exact zeros in its OTF, a Gaussian none.
        let disk = try lesson.figure(["family": "disk", "size": "9", "sigma": "0"], source: Self.source)
        #expect(disk.numbers["otf_min"]! < 0.01)
        #expect(clean.numbers["otf_min"]! > 0.05)
        #expect(disk.pictures.map(\.name) == ["psf", "sharp", "blurred", "otf", "inverse"])
    }

    @Test func theBlurExerciseFindsTheCrossingNoiseLevel() throws {
        let lesson = BlurLesson()
        let threshold = try lesson.exerciseThreshold(source: Self.source)
        #expect(threshold > 0.0005 && threshold < 0.05)
        for (sigma, inverseWins) in [(threshold * 0.7, true), (threshold * 1.4, false)] {
            let f = try lesson.figure(["family": "gaussian", "size": "1", "sigma": String(sigma)], source: Self.source)
            #expect((f.numbers["psnr_inverse"]! > f.numbers["psnr_blurred"]!) == inverseWins, "σ = \(sigma)")
        }
        #expect(try lesson.check(["answer": String(threshold + 0.0005)], source: Self.source).correct)
        #expect(try !lesson.check(["answer": String(threshold + 0.005)], source: Self.source).correct)
        #expect(throws: LessonError.self) { try lesson.check(["answer": "lots"], source: Self.source) }
    }

    @Test func wienersCurvePeaksAtTheMarkedOptimum() throws {
        let lesson = WienerLesson()
        let p: LessonParameters = ["family": "motion", "size": "9", "angle": "30", "sigma": "0.01"]
        let f = try lesson.figure(p, source: Self.source)
        let best = f.numbers["psnr_best"]!
        let plot = try #require(f.plots.first)
        #expect(plot.series[0].y.allSatisfy { $0 <= best + 1e-9 })
        #expect(best > f.numbers["psnr_blurred"]! + 1)
        // The figure's own NSR (default) scores what the curve says the default scores.
        #expect(abs(f.numbers["psnr_restored"]! - f.numbers["psnr_default"]!) < 1e-9)
        var answer = p
        answer["answer"] = String(f.numbers["nsr_best"]!)
        #expect(try lesson.check(answer, source: Self.source).correct)
        answer["answer"] = "0.0001"
        let wrong = try lesson.check(answer, source: Self.source)
        #expect(!wrong.correct && wrong.message.contains("More regularisation"))
    }

    @Test func richardsonLucyPeaksSoonerAtHigherNoise() throws {
        let lesson = RichardsonLucyLesson()
        let p: LessonParameters = ["family": "disk", "size": "7", "iterations": "60"]
        let f = try lesson.figure(p, source: Self.source)
        let early = f.numbers["peak_iteration_0.02"]!, late = f.numbers["peak_iteration_0.005"]!
        #expect(early < late)
        #expect(early < 60, "semi-convergence: the PSNR at σ = 0.02 falls again before iteration 60")
        #expect(f.frames.map(\.step) == [Int](1 ... 20) + [22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 45, 50, 55, 60])
        var answer = p
        answer["answer"] = String(Int(early))
        #expect(try lesson.check(answer, source: Self.source).correct)
        answer["answer"] = "60"
        #expect(try !lesson.check(answer, source: Self.source).correct)
    }

    @Test func theInverseCrimeFlattersAndBordersMatterOnlyOnHonestBlur() throws {
        let lesson = BordersLesson()
        let f = try lesson.figure(["method": "wiener", "family": "motion", "size": "9"], source: Self.source)
        let n = f.numbers
        #expect(n["psnr_circular_none"]! > n["psnr_valid_none"]! + 3, "circular blur restored circularly is the inverse crime")
        #expect(n["psnr_valid_reflect"]! > n["psnr_valid_none"]!)
        let best = BordersLesson.borders.max { n["psnr_valid_\($0)"]! < n["psnr_valid_\($1)"]! }!
        #expect(try lesson.check(["method": "wiener", "family": "motion", "size": "9", "answer": best], source: Self.source).correct)
        #expect(try !lesson.check(["method": "wiener", "family": "motion", "size": "9", "answer": "none"], source: Self.source).correct)
    }

    @Test func thePredictedZeroLinesLieOnTheSpectrumsDarkStripes() throws {
        // White noise blurred by a long motion: its spectrum is |H|² times a constant, so the zero lines are clear.
        var noise = Image(channels: 1, height: 256, width: 256)
        var rng = SeededRNG(seed: 3)
        for i in noise.pixels.indices { noise.pixels[i] = Float(0.5 + 0.2 * rng.normal()) }
        let blurred = try convolve(noise, kernel: PSF.motion(length: 16, angle: 30).weights, boundary: .periodic)
        let spectrum = try logSpectrumPicture(blurred)
        let n = spectrum.width
        func meanAlong(_ segments: [[Double]]) -> Double {
            var sum = 0.0, count = 0.0
            for s in segments {
                for t in stride(from: 0.0, through: 1.0, by: 0.002) {
                    let x = Int((s[0] + t * (s[2] - s[0])).rounded()), y = Int((s[1] + t * (s[3] - s[1])).rounded())
                    guard (0 ..< n).contains(x), (0 ..< n).contains(y) else { continue }
                    sum += Double(spectrum.pixels[y * n + x]); count += 1
                }
            }
            return sum / count
        }
        let right = meanAlong(PSFLesson.zeroLines(length: 16, angle: 30, side: n))
        let mirrored = meanAlong(PSFLesson.zeroLines(length: 16, angle: -30, side: n))
        let turned = meanAlong(PSFLesson.zeroLines(length: 16, angle: 120, side: n))
        let average = spectrum.pixels.reduce(0.0) { $0 + Double($1) } / Double(spectrum.pixels.count)
        #expect(right < mirrored - 0.5 && right < turned - 0.5 && right < average - 0.5, "\(right) \(mirrored) \(turned) \(average)")
    }

    @Test func theCepstrumIsDarkestWhereTheGuessMarksTheMotion() throws {
        var noise = Image(channels: 1, height: 256, width: 256)
        var rng = SeededRNG(seed: 4)
        for i in noise.pixels.indices { noise.pixels[i] = Float(0.5 + 0.2 * rng.normal()) }
        let blurred = try convolve(noise, kernel: PSF.motion(length: 16, angle: 30).weights, boundary: .periodic)
        let c = try cepstrumPicture(blurred, radius: 40)
        #expect(c.width == 81 && c.height == 81)
        func value(near centres: [(x: Double, y: Double)]) -> Float {
            // The darkest pixel within 1 px of each ring's centre; the mean over both rings.
            centres.map { p in
                var best = Float.infinity
                for dy in -1 ... 1 { for dx in -1 ... 1 { best = min(best, c.pixels[(Int(p.y.rounded()) + dy) * 81 + Int(p.x.rounded()) + dx]) } }
                return best
            }.reduce(0, +) / Float(centres.count)
        }
        let right = value(near: PSFLesson.cepstrumMarkCentres(length: 16, angle: 30, side: 81))
        let mirrored = value(near: PSFLesson.cepstrumMarkCentres(length: 16, angle: -30, side: 81))
        let shorter = value(near: PSFLesson.cepstrumMarkCentres(length: 9, angle: 30, side: 81))
        let double = value(near: PSFLesson.cepstrumMarkCentres(length: 32, angle: 30, side: 81))
        #expect(right < double, "the first cepstral dip (±L) is deeper than the second (±2L)")
        let rings = PSFLesson.cepstrumMarks(length: 16, angle: 30, side: 81)
        #expect(rings.count == 16 && rings.allSatisfy { s in hypot(s[0] - (40 + 16 * cos(Double.pi / 6)), s[1] - (40 - 16 * sin(Double.pi / 6))) < 3.01 || hypot(s[0] - (40 - 16 * cos(Double.pi / 6)), s[1] - (40 + 16 * sin(Double.pi / 6))) < 3.01 })
        #expect(right < mirrored && right < shorter, "\(right) \(mirrored) \(shorter)")
        #expect(right < 0)
    }

    @Test func thePSFExerciseAcceptsTheHiddenBlurWithinItsTolerance() throws {
        let lesson = PSFLesson()
        #expect(try lesson.check(["case": "0", "answer": "18,38"], source: Self.source).correct)
        #expect(try lesson.check(["case": "0", "answer": "17,215"], source: Self.source).correct)   // a line at θ is the line at θ + 180
        #expect(try !lesson.check(["case": "0", "answer": "17,125"], source: Self.source).correct)
        #expect(try !lesson.check(["case": "0", "answer": "12,35"], source: Self.source).correct)
        let f = try lesson.figure(["case": "1", "length": "11", "angle": "120", "estimate": "1"], source: Self.source)
        #expect(f.overlays.map(\.picture) == ["spectrum", "cepstrum", "spectrum"] && f.overlays[0].segments.count == 6)
        #expect(f.overlays[1].segments.count == 16 && f.overlays[1].side == 81)
        #expect(f.numbers["estimated_length"] != nil)
    }
}

@Suite struct RichardsonLucyIteratesTests {
    @Test func theRecordedIteratesAreTheEstimatesOfShorterRuns() throws {
        // Odd sizes, RGB, a damped variant: every recorded iterate equals a run stopped there.
        var image = Image(channels: 3, height: 37, width: 41)
        var rng = SeededRNG(seed: 9)
        for i in image.pixels.indices { image.pixels[i] = Float(0.2 + 0.6 * rng.uniform()) }
        let psf = try PSF.gaussian(sigma: 1.3)
        let blurred = try convolve(image, kernel: psf.weights, boundary: .reflect)
        for variant in [RichardsonLucyVariant.plain, .damped(threshold: 0.01), .totalVariation(weight: 0.002)] {
            let iterates = try richardsonLucyIterates(blurred, psf: psf, iterations: 7, recording: [1, 4, 7, 9], variant: variant)
            #expect(iterates.keys.sorted() == [1, 4, 7])
            for k in [1, 4, 7] {
                let direct = try richardsonLucy(blurred, psf: psf, iterations: k, variant: variant)
                #expect(iterates[k]! == direct, "\(variant) at \(k)")
            }
        }
        #expect(throws: DeconvolutionError.self) { try richardsonLucyIterates(blurred, psf: psf, iterations: 0, recording: [1]) }
    }
}

@Suite struct VersusLessonTests {
    @Test func theRowsAndThePlugAndPlayIteratesAgree() throws {
        let lesson = VersusLesson()
        let source = LessonSource.drawnScene(side: 128)
        let p: LessonParameters = ["family": "motion", "size": "9", "angle": "30"]
        let f = try lesson.figure(p, source: source)
        let rows = try #require(f.texts["rows"]).split(separator: ",").map(String.init)
        #expect(rows.first == "blurred" && rows[1] == "hyper-laplacian" && rows.contains("unet (blind)"))
        let pnp = try #require(rows.firstIndex { $0.hasPrefix("pnp") }, "a plug-and-play prior is committed (Baselines/models/denoiser.safetensors)")
        // The last denoised iterate is the method's result.
        let steps = f.frames.filter { $0.series == "z" }.count
        #expect(steps == 8 && f.frames.filter { $0.series == "x" }.count == 8)
        #expect(abs(f.numbers["psnr_z_\(steps)"]! - f.numbers["psnr_\(pnp)"]!) < 1e-9)
        // Every restoration that knows the PSF beats the blurred input.
        #expect(f.numbers["psnr_1"]! > f.numbers["psnr_0"]! + 1 && f.numbers["psnr_\(pnp)"]! > f.numbers["psnr_0"]! + 1)
        let overtake = (1 ... steps).first { f.numbers["psnr_z_\($0)"]! > f.numbers["psnr_1"]! }
        var answer = p
        answer["answer"] = overtake.map(String.init) ?? "never"
        #expect(try lesson.check(answer, source: source).correct)
        answer["answer"] = overtake == 1 ? "never" : "1"
        #expect(try !lesson.check(answer, source: source).correct)
        answer["answer"] = "99"
        #expect(throws: LessonError.self) { try lesson.check(answer, source: source) }
    }
}
