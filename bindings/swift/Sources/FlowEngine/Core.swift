// The behaviour behind every generated method, written once: calls, streams,
// pagination, the folder helpers, cancellation and errors, over the narrow
// waist that libflowengine_ffi exports through uniffi (module FlowEngineNative).

import Foundation
import FlowEngineNative

/// The user agent part this package adds (the core adds `flowengine-swift/<version>`).
let packageVersion = nativeVersion()

/// The client every group shares: the native client and the code that turns
/// typed calls into `call(operation, paramsJson)` and back.
final class Core: @unchecked Sendable {
    // @unchecked: `native` is a uniffi object (thread-safe, `Sendable` in Swift 6 mode) and nothing here mutates.
    let native: FlowEngineClient
    let baseURL: String

    init(apiKey: String?, baseURL: String?, timeout: TimeInterval?, maxRetries: Int?, totalTimeout: TimeInterval?, configFile: String?, userAgent: String?) throws {
        var retries: UInt32? = nil
        if let m = maxRetries {
            guard m >= 0 && m <= 10 else {
                throw FlowEngineError.invalid(field: "max_retries", "max_retries must be between 0 and 10, got \(m)")
            }
            retries = UInt32(m)
        }
        let config = ClientConfig(apiKey: apiKey, baseUrl: baseURL, timeout: timeout, totalTimeout: totalTimeout, maxRetries: retries, configFile: configFile, userAgent: userAgent)
        do {
            native = try FlowEngineClient(config: config)
        } catch {
            throw Core.mapError(error)
        }
        self.baseURL = native.baseUrl()
    }

    // ------------------------------------------------------------- errors

    /// Any error from the native layer as the package's: `NativeError` ->
    /// `FlowEngineError`; cancellation stays `CancellationError`.
    static func mapError(_ error: Error, cancelled: Bool = false) -> Error {
        if cancelled || error is CancellationError {
            return CancellationError()
        }
        if let e = error as? FlowEngineError {
            return e
        }
        if let e = error as? NativeError {
            switch e {
            case let .Failure(kind: kind, status: status, code: code, message: message, field: field, upgradeUrl: upgradeUrl, retryAfter: retryAfter, requestId: requestId):
                return FlowEngineError(ErrorDetails(kind: kind, status: status.map { Int($0) }, code: code, message: message, field: field, upgradeUrl: upgradeUrl, retryAfter: retryAfter, requestId: requestId))
            }
        }
        // uniffi's own errors (a panic, a broken buffer): a bug in the SDK, never the caller's.
        return FlowEngineError(ErrorDetails(kind: "connection", message: "internal error (a bug in the SDK): \(error)"))
    }

    /// Runs one native call with a cancel token that the task's cancellation triggers.
    static func run<R>(_ body: (CancelToken) async throws -> R) async throws -> R {
        try Task.checkCancellation()
        let token = CancelToken()
        do {
            return try await withTaskCancellationHandler {
                try await body(token)
            } onCancel: {
                token.cancel()
            }
        } catch {
            throw mapError(error, cancelled: token.isCancelled())
        }
    }

    static func decode<T: Decodable>(_ text: String, as type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            let snippet = text.count > 200 ? String(text.prefix(200)) + "… (\(text.utf8.count) bytes in all)" : text
            throw FlowEngineError(ErrorDetails(kind: "decode", message: "the response did not decode as \(T.self) (\(error)): \(snippet)"))
        }
    }

    // -------------------------------------------------------------- calls

    func call<T: Decodable>(_ operation: String, _ params: WireParams, as type: T.Type) async throws -> T {
        let text = try params.jsonText()
        let native = self.native
        let body = try await Core.run { token in
            try await native.call(operation: operation, paramsJson: text, cancel: token)
        }
        return try Core.decode(body, as: T.self)
    }

    // ------------------------------------------------------------ streams

    /// A stream operation as an `AsyncThrowingStream`: opened at once, read
    /// item by item; leaving the loop or cancelling the task closes the
    /// connection (`onTermination`).
    func stream<Item: Decodable & Sendable>(_ operation: String, as type: Item.Type, params build: (inout WireParams) throws -> Void) -> AsyncThrowingStream<Item, Error> {
        var params = WireParams()
        do {
            try build(&params)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: Core.mapError(error)) }
        }
        return openStream(operation, params, as: Item.self)
    }

    func openStream<Item: Decodable & Sendable>(_ operation: String, _ params: WireParams, as type: Item.Type) -> AsyncThrowingStream<Item, Error> {
        let text: String
        do {
            text = try params.jsonText()
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: Core.mapError(error)) }
        }
        let native = self.native
        return AsyncThrowingStream { continuation in
            let token = CancelToken()
            let holder = StreamHolder()
            let task = Task {
                do {
                    let events = try await native.stream(operation: operation, paramsJson: text, cancel: token)
                    guard holder.attach(events) else { return }
                    while true {
                        let next = try await events.next()
                        guard let item = next else { break }
                        continuation.yield(try Core.decode(item, as: Item.self))
                    }
                    continuation.finish()
                } catch {
                    holder.close()
                    continuation.finish(throwing: Core.mapError(error, cancelled: token.isCancelled()))
                }
            }
            continuation.onTermination = { @Sendable _ in
                token.cancel()
                holder.close()
                task.cancel()
            }
        }
    }

    /// The whole chat reply, collected from the stream.
    func collectChat(_ operation: String, _ params: WireParams) async throws -> ChatReply {
        var reply = ChatReply()
        for try await chunk in openStream(operation, params, as: ChatChunk.self) {
            reply.append(chunk)
        }
        // An AsyncThrowingStream ends quietly when its task is cancelled: do not return half a reply.
        try Task.checkCancellation()
        return reply
    }

    /// Every item of an offset-paginated list, page after page.
    func paginate<Page: Decodable & Sendable, Item: Sendable>(
        _ operation: String, limitKey: String, offsetKey: String, pageSize: Int, as type: Page.Type,
        page build: (inout WireParams) throws -> Void, items: @escaping @Sendable (Page) -> ([Item], Int?)
    ) -> AsyncThrowingStream<Item, Error> {
        var base = WireParams()
        do {
            try build(&base)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: Core.mapError(error)) }
        }
        let size = max(1, pageSize)
        let params = base
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var offset = 0
                    while true {
                        var p = params
                        p.set(limitKey, json: .int(size))
                        p.set(offsetKey, json: .int(offset))
                        let page = try await self.call(operation, p, as: Page.self)
                        let (list, total) = items(page)
                        for item in list {
                            continuation.yield(item)
                        }
                        offset += list.count
                        if list.isEmpty || offset >= (total ?? (list.count < size ? offset : Int.max)) {
                            break
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { @Sendable _ in task.cancel() }
        }
    }

    // ------------------------------------------------------------ folders

    func deployFolder(functionId: String, path: String, wait: Bool, pollInterval: TimeInterval?, waitTimeout: TimeInterval?, ignore: [String], onProgress: (@Sendable (DeployProgress) -> Void)?) async throws -> DeployOutcome {
        let native = self.native
        let options = DeployFolderOptions(wait: wait, pollInterval: pollInterval, waitTimeout: waitTimeout, ignore: ignore)
        let listener = onProgress.map { ProgressRelay($0) }
        let text = try await Core.run { token in
            try await native.deployFolder(functionId: functionId, path: path, options: options, progress: listener, cancel: token)
        }
        return try Core.decode(text, as: DeployOutcome.self)
    }

    func uploadFolder<T: Decodable>(path: String, name: String?, runtime: String?, ignore: [String], as type: T.Type) async throws -> T {
        let native = self.native
        let text = try await Core.run { token in
            try await native.uploadFolder(path: path, name: name, runtime: runtime, ignore: ignore, cancel: token)
        }
        return try Core.decode(text, as: T.self)
    }
}

/// The native stream of an `AsyncThrowingStream`, closed whichever comes
/// first: the consumer leaving or the stream opening.
final class StreamHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var events: EventStream?
    private var closed = false

    /// Keeps the opened stream; `false` (and closes it) when already terminated.
    func attach(_ s: EventStream) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if closed {
            s.close()
            return false
        }
        events = s
        return true
    }

    func close() {
        lock.lock()
        let s = events
        events = nil
        closed = true
        lock.unlock()
        s?.close()
    }
}

/// Hands each deploy step to the caller's closure (called from the core's threads).
final class ProgressRelay: DeployProgressListener, @unchecked Sendable {
    let handler: @Sendable (DeployProgress) -> Void

    init(_ handler: @escaping @Sendable (DeployProgress) -> Void) {
        self.handler = handler
    }

    func onProgress(progressJson: String) {
        if let p = try? JSONDecoder().decode(DeployProgress.self, from: Data(progressJson.utf8)) {
            handler(p)
        }
    }
}

extension FlowEngine {
    /// The package's version (the native library's).
    public static var version: String { packageVersion }

    /// Checks a folder against the upload limits (`dryRun`), or packs it into a
    /// deterministic .tar.gz: into `output` when given, else into memory
    /// (`tarball`). Honours `.gitignore` and `.feignore`; needs no client or key.
    public static func packFolder(_ path: String, dryRun: Bool = false, output: String? = nil, ignore: [String] = []) async throws -> PackedFolder {
        let result = try await Core.run { token in
            try await FlowEngineNative.packFolder(path: path, dryRun: dryRun, output: output, ignore: ignore, cancel: token)
        }
        return PackedFolder(summary: try Core.decode(result.summaryJson, as: PackSummary.self), tarball: result.tarball)
    }

    /// `FlowEngine.packFolder`, from a client.
    public func packFolder(_ path: String, dryRun: Bool = false, output: String? = nil, ignore: [String] = []) async throws -> PackedFolder {
        try await FlowEngine.packFolder(path, dryRun: dryRun, output: output, ignore: ignore)
    }
}
