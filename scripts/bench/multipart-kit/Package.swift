// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "mpbench",
    dependencies: [.package(url: "https://github.com/vapor/multipart-kit", exact: "4.7.1")],
    targets: [.executableTarget(name: "mpbench", dependencies: [.product(name: "MultipartKit", package: "multipart-kit")],
        swiftSettings: [.swiftLanguageMode(.v5)])]
)
