// The typed API end to end against a FlowEngine sandbox. scripts/build-xcframework.sh
// starts one (target/debug/flowengine-sandbox --memory --port 0) and sets
// FLOWENGINE_SANDBOX_URL and FLOWENGINE_SANDBOX_KEY; without them these tests are skipped.

import Foundation
import XCTest
import FlowEngine

final class SandboxTests: XCTestCase {
    private func client(key: String? = nil) throws -> FlowEngine {
        let env = ProcessInfo.processInfo.environment
        guard let url = env["FLOWENGINE_SANDBOX_URL"], let sandboxKey = env["FLOWENGINE_SANDBOX_KEY"] else {
            throw XCTSkip("FLOWENGINE_SANDBOX_URL / FLOWENGINE_SANDBOX_KEY are not set (scripts/build-xcframework.sh sets them)")
        }
        return try FlowEngine(apiKey: key ?? sandboxKey, baseURL: url, timeout: 10, maxRetries: 0, configFile: "/nonexistent/config.json")
    }

    private func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UInt32.random(in: 0 ... UInt32.max))"
    }

    private var helloFolder: String {
        // Tests/FlowEngineTests/SandboxTests.swift -> the repository's examples/hello
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../../examples/hello").standardizedFileURL.path
    }

    func testFunctionsAndSecrets() async throws {
        let fe = try client()
        let created = try await fe.functions.create(name: uniqueName("swift"), runtime: .nodejs22)
        XCTAssertEqual(created.runtime, .nodejs22)
        let fetched = try await fe.functions.get(created.id)
        XCTAssertEqual(fetched.id, created.id)
        let list = try await fe.functions.list()
        XCTAssertTrue(list.functions.contains { $0.id == created.id })
        let secret = try await fe.functions.secrets.set(created.id, name: "API_TOKEN", value: "s3cret")
        XCTAssertEqual(secret.name, "API_TOKEN")
        let secrets = try await fe.functions.secrets.list(created.id)
        XCTAssertTrue(secrets.secrets.contains { $0.name == "API_TOKEN" })
        _ = try await fe.functions.secrets.delete(created.id, name: "API_TOKEN")
        _ = try await fe.functions.delete(created.id)
    }

    func testErrorsAreFlowEngineErrors() async throws {
        let fe = try client()
        do {
            _ = try await fe.functions.get("no-such-function")
            XCTFail("expected notFound")
        } catch FlowEngineError.notFound(let d) {
            XCTAssertEqual(d.status, 404)
        }
        do {
            _ = try await fe.functions.create(name: "x", runtime: "cobol")
            XCTFail("expected invalidArgument")
        } catch let e as FlowEngineError {
            XCTAssertEqual(e.kind, "invalid_argument")
            XCTAssertEqual(e.field, "runtime")
        }
        let bad = try client(key: "fe_0000000000000000000000000000000000000000")
        do {
            _ = try await bad.account.user()
            XCTFail("expected authentication")
        } catch let e as FlowEngineError {
            guard case .authentication = e else { return XCTFail("\(e)") }
            XCTAssertFalse(e.message.contains("fe_0000000000000000000000000000000000000000"))
        }
    }

    func testChatStreamsAndCollects() async throws {
        let fe = try client()
        var content = ""
        var finish: String?
        var conversation: String?
        for try await chunk in fe.chat.stream(message: "Create a calculator workflow", model: .regular) {
            content += chunk.content
            finish = chunk.finishReason ?? finish
            conversation = chunk.conversationId ?? conversation
        }
        XCTAssertFalse(content.isEmpty)
        XCTAssertEqual(finish, "stop")
        let reply = try await fe.chat.send(message: "and now with a memory", model: .regular, conversationId: conversation)
        XCTAssertEqual(reply.conversationId, conversation)
        XCTAssertGreaterThan(reply.chunks, 0)
    }

    func testLeavingAStreamEarlyAndCancellingATail() async throws {
        let fe = try client()
        for try await _ in fe.chat.stream(message: "hi", model: .regular) {
            break // closes the connection
        }
        let created = try await fe.functions.create(name: uniqueName("tail"), runtime: .nodejs22)
        // No deploy, so no log lines: the tail waits until its task is cancelled.
        let tail = Task<Int, Error> {
            var n = 0
            for try await _ in fe.functions.logs.tail(created.id) {
                n += 1
            }
            return n
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        let started = Date()
        tail.cancel()
        _ = try? await tail.value
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
    }

    func testDeployFolderReportsProgress() async throws {
        let fe = try client()
        let created = try await fe.functions.create(name: uniqueName("deploy"), runtime: .nodejs22)
        let phases = PhaseLog()
        let outcome = try await fe.functions.deployFolder(created.id, path: helloFolder, pollInterval: 0.05) { progress in
            phases.add(progress)
        }
        XCTAssertEqual(outcome.status, "ready")
        XCTAssertGreaterThan(outcome.files, 0)
        let seen = phases.all
        guard case .packed = seen.first else { return XCTFail("\(seen)") }
        guard case .ready = seen.last else { return XCTFail("\(seen)") }
        let logs = try await fe.functions.logs.list(created.id)
        XCTAssertFalse(logs.logs.isEmpty)
    }

    func testChatsPaginate() async throws {
        let fe = try client()
        for i in 0 ..< 3 {
            _ = try await fe.chats.create(title: "page \(i)")
        }
        let page = try await fe.chats.list(limit: 2)
        var count = 0
        for try await _ in fe.chats.listAll(pageSize: 2) {
            count += 1
        }
        XCTAssertEqual(count, page.total)
        XCTAssertGreaterThanOrEqual(count, 3)
    }

    func testRawCall() async throws {
        let fe = try client()
        let user = try await fe.call("getUser")
        XCTAssertNotNil(user["user_id"]?.stringValue)
    }
}

/// Progress steps, gathered from the core's threads.
final class PhaseLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [DeployProgress] = []

    func add(_ p: DeployProgress) {
        lock.lock()
        items.append(p)
        lock.unlock()
    }

    var all: [DeployProgress] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}
