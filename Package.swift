// swift-tools-version: 6.0
// Deblur Workbench — classical deconvolution and learned CNNs, scored honestly.
// Targets and their one-way dependencies are described in README.md ("Layout").
import Foundation
import PackageDescription

/// Hot numeric modules are compiled with exclusivity checks off in every configuration;
/// bounds and overflow checks stay on except where a kernel opts out with `&+`/unsafe buffers.
/// They are also compiled for the building machine's own CPU (`-target-cpu native`, as `-march=native`):
/// the tool is built from source where it runs, and the baseline x86-64 target has no AVX or FMA, so
/// SIMD8/SIMD16 code would run as SSE pairs. Set DEBLUR_PORTABLE_BUILD=1 for a binary to copy elsewhere.
let nativeCPU = ProcessInfo.processInfo.environment["DEBLUR_PORTABLE_BUILD"].map { $0.isEmpty || $0 == "0" } ?? true
let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"] + (nativeCPU ? ["-target-cpu", "native"] : [])),
] + (nativeCPU ? [.define("DEBLUR_NATIVE_CPU")] : [])

/// Property-based tests (seeded generators with shrinking) for the parsers and codecs that face users.
let propertyBased: Target.Dependency = .product(name: "PropertyBased", package: "swift-property-based")

let package = Package(
    name: "DeblurWorkbench",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "deblur", targets: ["deblur"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // System libraries, found with pkg-config (apt: libfftw3-dev libopenblas-dev libpng-dev libturbojpeg0-dev).
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f",
                       providers: [.apt(["libfftw3-dev"]), .brew(["fftw"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"]), .brew(["jpeg-turbo"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),

        // Libraries, lowest first.
        .target(name: "ImageCore", swiftSettings: numericSettings),
        .target(name: "ImageIO", dependencies: ["ImageCore", "CPNG", "CTurboJPEG"]),
        .target(name: "Spectral", dependencies: ["ImageCore", "CFFTW"], swiftSettings: numericSettings),
        .target(name: "Blur", dependencies: ["ImageCore", "Spectral", "ImageIO"], swiftSettings: numericSettings),
        .target(name: "Deconvolution", dependencies: ["ImageCore", "Spectral", "Blur"], swiftSettings: numericSettings),
        .target(name: "Tensors", dependencies: ["ImageCore", "CBLAS"], swiftSettings: numericSettings),
        .target(name: "Metrics", dependencies: ["ImageCore", "Tensors"], swiftSettings: numericSettings),
        .target(name: "NN", dependencies: ["ImageCore", "Tensors", "Metrics", "CBLAS"], swiftSettings: numericSettings),
        .target(name: "Datasets", dependencies: ["ImageCore", "ImageIO", "Spectral", "Blur", "CZlib"]),
        // The seeded mutation fuzzer behind `deblur fuzz` (issue #28).
        .target(name: "Fuzzing", dependencies: ["ImageCore"]),
        .target(name: "FuzzTargets", dependencies: ["Fuzzing", "Blur", "Datasets", "ImageIO", "Tensors", "WebApp"]),
        .executableTarget(name: "deblur-libfuzzer", dependencies: ["FuzzTargets", "Fuzzing"]),
        .target(name: "Reporting", dependencies: ["ImageCore", .product(name: "Mustache", package: "swift-mustache")],
                resources: [.copy("Templates")]),
        .target(name: "Models", dependencies: ["ImageCore", "Tensors", "NN"], swiftSettings: numericSettings),
        .target(name: "PSFEstimation", dependencies: ["ImageCore", "ImageIO", "Spectral", "Blur", "Deconvolution", "Datasets", "Reporting"],
                swiftSettings: numericSettings),
        // The one method registry (classical, learned, PSF estimators) every surface reads.
        .target(name: "Restoration", dependencies: ["ImageCore", "Blur", "Deconvolution", "Models", "Metrics", "Datasets", "PSFEstimation"]),
        .target(name: "Workbench", dependencies: ["ImageCore", "ImageIO", "Blur", "Restoration", "Metrics", "Datasets", "Reporting"]),
        .target(name: "Training", dependencies: ["ImageCore", "ImageIO", "Tensors", "NN", "Models", "Metrics", "Blur", "Datasets", "Reporting"]),
        // The teaching lessons' figures and exercises (served by the web app, written as handouts by the CLI).
        .target(name: "Lessons", dependencies: ["ImageCore", "ImageIO", "Spectral", "Blur", "Deconvolution", "Metrics", "PSFEstimation", "Restoration"]),
        .target(name: "WebApp", dependencies: [
            "ImageCore", "ImageIO", "Blur", "Metrics", "Restoration", "Reporting", "Lessons",
            .product(name: "Hummingbird", package: "hummingbird", moduleAliases: ["Metrics": "SwiftMetrics"]),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        ], resources: [.copy("Templates")]),

        // The command-line tool: one file per subcommand.
        .executableTarget(name: "deblur", dependencies: [
            "ImageCore", "ImageIO", "Spectral", "Blur", "Deconvolution", "Tensors", "NN", "Metrics", "Datasets", "Reporting",
            "Models", "Training", "Restoration", "Workbench", "WebApp", "Lessons", "PSFEstimation", "Fuzzing", "FuzzTargets", "CFFTW", "CBLAS", "CPNG", "CTurboJPEG",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Tests (Swift Testing). Fixtures live beside each test target and are found through #filePath.
        .testTarget(name: "ImageCoreTests", dependencies: ["ImageCore"]),
        .testTarget(name: "ImageIOTests", dependencies: [propertyBased, "ImageCore", "ImageIO"], exclude: ["Fixtures"]),
        .testTarget(name: "SpectralTests", dependencies: ["ImageCore", "Spectral"]),
        .testTarget(name: "BlurTests", dependencies: [propertyBased, "ImageCore", "Spectral", "Blur"], exclude: ["Fixtures"]),
        .testTarget(name: "DeconvolutionTests", dependencies: ["ImageCore", "Spectral", "Blur", "Deconvolution", "ImageIO"], exclude: ["Fixtures"]),
        .testTarget(name: "NNTests", dependencies: [propertyBased, "ImageCore", "Tensors", "NN"], exclude: ["Fixtures"]),
        .testTarget(name: "MetricsTests", dependencies: ["ImageCore", "ImageIO", "Metrics", "Tensors", "NN"], exclude: ["Fixtures"]),
        .testTarget(name: "DatasetsTests", dependencies: [propertyBased, "ImageCore", "ImageIO", "Blur", "Datasets"], exclude: ["Fixtures"]),
        .testTarget(name: "ReportingTests", dependencies: ["ImageCore", "Reporting"]),
        .testTarget(name: "WorkbenchTests", dependencies: ["ImageCore", "ImageIO", "Blur", "Models", "Metrics", "Datasets", "Reporting", "Workbench"], exclude: ["Fixtures"]),
        .testTarget(name: "ModelsTests", dependencies: ["ImageCore", "ImageIO", "Tensors", "NN", "Models", "Training", "Blur", "Datasets", "Metrics"], exclude: ["Fixtures"]),
        .testTarget(name: "WebAppTests", dependencies: [propertyBased, "ImageCore", "ImageIO", "Blur", "Deconvolution", "Metrics", "Restoration", "WebApp", "Lessons",
            .product(name: "Hummingbird", package: "hummingbird", moduleAliases: ["Metrics": "SwiftMetrics"]),
            .product(name: "HummingbirdTesting", package: "hummingbird", moduleAliases: ["Metrics": "SwiftMetrics"]),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        ]),
        .testTarget(name: "RestorationTests", dependencies: ["ImageCore", "ImageIO", "Blur", "Deconvolution", "Metrics", "Models", "Restoration"]),
        .testTarget(name: "DeblurCLITests", dependencies: [
            "deblur", "ImageCore", "ImageIO", "Metrics", "Restoration", "Workbench", "WebApp", "Fuzzing",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird", moduleAliases: ["Metrics": "SwiftMetrics"]),
            .product(name: "HummingbirdTesting", package: "hummingbird", moduleAliases: ["Metrics": "SwiftMetrics"]),
        ]),
        .testTarget(name: "LessonsTests", dependencies: ["ImageCore", "ImageIO", "Spectral", "Blur", "Deconvolution", "Metrics", "PSFEstimation", "Lessons"]),
        .testTarget(name: "PSFEstimationTests", dependencies: ["ImageCore", "ImageIO", "Spectral", "Blur", "Deconvolution", "Datasets", "PSFEstimation"]),
    ]
)
