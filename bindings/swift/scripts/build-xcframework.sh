#!/usr/bin/env bash
# macOS: builds build/FlowEngineFFI.xcframework from the Rust sources, then
# runs `swift test` against a local sandbox.
#
#   bindings/swift/scripts/build-xcframework.sh              release build of every Apple target, then swift test
#   bindings/swift/scripts/build-xcframework.sh --no-test    only the XCFramework
#   bindings/swift/scripts/build-xcframework.sh --macos-only a faster loop: the host's macOS slices only
#   bindings/swift/scripts/build-xcframework.sh --zip        also build/FlowEngineFFI.xcframework.zip and its
#                                                            SwiftPM checksum (for Package.swift's releaseURL)
#
# Needs: Xcode (xcodebuild, lipo, swift), rustup + cargo, python3 (Xcode's).
# Steps: rustup target add; cargo build --release --lib for each Apple target;
# lipo the macOS and simulator slices into universal libraries; check that the
# committed uniffi Swift and header match this library (uniffi-bindgen,
# scripts/generate-native.sh --check); xcodebuild -create-xcframework with the
# header and module map; then a sandbox on a free port and `swift test`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
CARGO="${CARGO:-cargo}"
test=1
macos_only=0
zip=0
for arg in "$@"; do
    case "$arg" in
        --no-test) test=0 ;;
        --macos-only) macos_only=1 ;;
        --zip) zip=1 ;;
        *) echo "unknown option $arg" >&2; exit 2 ;;
    esac
done

if [[ "$(uname -s)" != Darwin ]]; then
    echo "build-xcframework.sh runs on macOS (xcodebuild, lipo). On Linux, bindings/swift/test.sh checks the package." >&2
    exit 1
fi
for tool in xcodebuild lipo swift rustup "$CARGO" python3; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

mac_targets=(aarch64-apple-darwin x86_64-apple-darwin)
ios_targets=(aarch64-apple-ios)
sim_targets=(aarch64-apple-ios-sim x86_64-apple-ios)
if [[ $macos_only == 1 ]]; then
    ios_targets=()
    sim_targets=()
fi
all_targets=("${mac_targets[@]}" "${ios_targets[@]}" "${sim_targets[@]}")

echo "==> rustup target add ${all_targets[*]}"
rustup target add "${all_targets[@]}"

target_dir="$("$CARGO" metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
export MACOSX_DEPLOYMENT_TARGET=12.0 IPHONEOS_DEPLOYMENT_TARGET=15.0
for t in "${all_targets[@]}"; do
    echo "==> cargo build --release -p flowengine-swift --lib --target $t"
    "$CARGO" build --release --manifest-path "$root/Cargo.toml" -p flowengine-swift --lib --target "$t"
done

out="$here/build"
rm -rf "$out/FlowEngineFFI.xcframework" "$out/lib" "$out/include"
mkdir -p "$out/lib" "$out/include"
lib() { echo "$target_dir/$1/release/libflowengine_ffi.a"; }

args=()
universal() { # name target...
    local name="$1"; shift
    local inputs=()
    for t in "$@"; do inputs+=("$(lib "$t")"); done
    mkdir -p "$out/lib/$name"
    lipo -create "${inputs[@]}" -output "$out/lib/$name/libflowengine_ffi.a"
    args+=(-library "$out/lib/$name/libflowengine_ffi.a" -headers "$out/include")
}
echo "==> lipo"
universal macos "${mac_targets[@]}"
if [[ $macos_only == 0 ]]; then
    universal ios "${ios_targets[@]}"
    universal ios-simulator "${sim_targets[@]}"
fi

echo "==> uniffi-bindgen: the committed Swift and header must match this library"
LIB="$(lib aarch64-apple-darwin)" CARGO="$CARGO" bash "$here/scripts/generate-native.sh" --check
cp "$here/ffi/include/FlowEngineFFI.h" "$here/ffi/include/module.modulemap" "$out/include/"

echo "==> xcodebuild -create-xcframework"
xcodebuild -create-xcframework "${args[@]}" -output "$out/FlowEngineFFI.xcframework"

if [[ $zip == 1 ]]; then
    (cd "$out" && rm -f FlowEngineFFI.xcframework.zip && ditto -c -k --sequesterRsrc --keepParent FlowEngineFFI.xcframework FlowEngineFFI.xcframework.zip)
    echo "==> $out/FlowEngineFFI.xcframework.zip, checksum $(cd "$here" && swift package compute-checksum "$out/FlowEngineFFI.xcframework.zip")"
fi

if [[ $test == 0 ]]; then
    echo "==> built $out/FlowEngineFFI.xcframework"
    exit 0
fi

echo "==> sandbox"
"$CARGO" build --quiet --manifest-path "$root/Cargo.toml" -p flowengine-sandbox
sandbox_log="$(mktemp)"
"$target_dir/debug/flowengine-sandbox" --memory --port 0 --log-poll-ms 50 --build-step-ms 30 --domain-verify-ms 200 \
    --instance-boot-ms 100 --backup-ms 100 --whatsapp-connect-ms 200 >"$sandbox_log" 2>&1 &
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null || true; rm -f "$sandbox_log"' EXIT
for _ in $(seq 1 100); do
    [[ -s $sandbox_log ]] && head -n 1 "$sandbox_log" | grep -q '"url"' && break
    sleep 0.1
done
first="$(head -n 1 "$sandbox_log")"
FLOWENGINE_SANDBOX_URL="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["url"])' "$first")"
FLOWENGINE_SANDBOX_KEY="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$first")"
export FLOWENGINE_SANDBOX_URL FLOWENGINE_SANDBOX_KEY FLOWENGINE_LOCAL_FFI=1

echo "==> swift test (sandbox at $FLOWENGINE_SANDBOX_URL)"
(cd "$here" && swift test)
echo "==> swift build of examples/swift"
(cd "$root/examples/swift" && swift build)
