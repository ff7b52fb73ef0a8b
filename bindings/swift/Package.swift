// swift-tools-version:5.10
// The FlowEngine Swift package: `import FlowEngine`, then `try FlowEngine(apiKey:)`.
//
// Three targets:
//   FlowEngineFFI     the Rust core (libflowengine_ffi, a static library per Apple
//                     platform) and its C header, as an XCFramework;
//   FlowEngineNative  uniffi's generated Swift over that C ABI (not re-exported);
//   FlowEngine        the typed API (generated from the spec) and the hand-written
//                     runtime: errors, streams, pagination, cancellation.
//
// Development (this checkout): scripts/build-xcframework.sh builds
// build/FlowEngineFFI.xcframework from the Rust sources, then runs `swift test`.
// Release: the release job uploads the zipped XCFramework and fills in
// `releaseURL` / `releaseChecksum` (`swift package compute-checksum`) in the
// tagged commit, so that a dependent package downloads it instead of building Rust.
// FLOWENGINE_LOCAL_FFI=1 uses the local build even when a release URL is set.
import Foundation
import PackageDescription

let releaseURL: String? = nil
let releaseChecksum = ""

let useLocalFFI = releaseURL == nil || ProcessInfo.processInfo.environment["FLOWENGINE_LOCAL_FFI"] != nil

let ffiTarget: Target = useLocalFFI
    ? .binaryTarget(name: "FlowEngineFFI", path: "build/FlowEngineFFI.xcframework")
    : .binaryTarget(name: "FlowEngineFFI", url: releaseURL ?? "", checksum: releaseChecksum)

let package = Package(
    name: "FlowEngine",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "FlowEngine", targets: ["FlowEngine"]),
    ],
    targets: [
        ffiTarget,
        .target(
            name: "FlowEngineNative",
            dependencies: ["FlowEngineFFI"],
            path: "Sources/FlowEngineNative",
            // The Rust core verifies TLS with the platform's trust store.
            linkerSettings: [.linkedFramework("Security"), .linkedFramework("CoreFoundation")]
        ),
        .target(
            name: "FlowEngine",
            dependencies: ["FlowEngineNative"],
            path: "Sources/FlowEngine"
        ),
        .testTarget(
            name: "FlowEngineTests",
            dependencies: ["FlowEngine"],
            path: "Tests/FlowEngineTests"
        ),
    ]
)
