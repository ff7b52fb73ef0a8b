// swift-tools-version:5.10
// The tour of the FlowEngine Swift SDK: `swift run Tour` (after
// bindings/swift/scripts/build-xcframework.sh has built the XCFramework).
import PackageDescription

let package = Package(
    name: "FlowEngineTour",
    platforms: [.macOS(.v12)],
    dependencies: [
        .package(name: "FlowEngine", path: "../../bindings/swift"),
    ],
    targets: [
        .executableTarget(
            name: "Tour",
            dependencies: [.product(name: "FlowEngine", package: "FlowEngine")],
            path: "Sources/Tour"
        ),
    ]
)
