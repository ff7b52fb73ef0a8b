// Offline tests of the typed layer: models, enums that accept unknown values,
// JSON, errors, config checks. No network.

import XCTest
@testable import FlowEngine

final class ModelTests: XCTestCase {
    func testUnknownEnumValuesDecode() throws {
        let json = #"{"id":"fn_1","name":"hello","runtime":"nodejs22","status":"hibernating","url":null}"#
        let f = try JSONDecoder().decode(Function.self, from: Data(json.utf8))
        XCTAssertEqual(f.id, "fn_1")
        XCTAssertEqual(f.runtime, .nodejs22)
        XCTAssertEqual(f.status.rawValue, "hibernating")
        XCTAssertFalse(Function.Status.known.contains(f.status))
        XCTAssertNil(f.url)
    }

    func testEnumsEncodeAsTheirRawValue() throws {
        let data = try JSONEncoder().encode([Runtime.python312, "go122"])
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"["python312","go122"]"#)
        let cpu = try JSONEncoder().encode(Cpu(integerLiteral: 2))
        XCTAssertEqual(String(decoding: cpu, as: UTF8.self), "2")
    }

    func testWireNamesComeFromCodingKeys() throws {
        let json = #"{"function_id":"fn_1","name":"n","vcpu_seconds":1.5,"gib_seconds":2,"requests":3,"cost_usd":0.01}"#
        let u = try JSONDecoder().decode(FunctionUsage.self, from: Data(json.utf8))
        XCTAssertEqual(u.functionId, "fn_1")
        let back = try JSONValue(encoding: u)
        XCTAssertEqual(back["function_id"], .string("fn_1"))
    }

    func testIntegersStayIntegersOnTheWire() throws {
        var p = WireParams()
        try p.set("limit", 50)
        try p.set("ratio", 0.5)
        try p.set("missing", Optional<Int>.none)
        let text = try p.jsonText()
        XCTAssertTrue(text.contains(#""limit":50"#), text)
        XCTAssertFalse(text.contains("missing"), text)
        XCTAssertEqual(p.values["limit"], .int(50))
    }

    func testJSONValueLiteralsAndAccessors() throws {
        let v: JSONValue = ["a": [1, 2.5, "x", true, nil]]
        XCTAssertEqual(v["a"]?[0]?.intValue, 1)
        XCTAssertEqual(v["a"]?[1]?.doubleValue, 2.5)
        XCTAssertEqual(v["a"]?[2]?.stringValue, "x")
        XCTAssertEqual(v["a"]?[3]?.boolValue, true)
        XCTAssertEqual(v["a"]?[4]?.isNull, true)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(v.description.utf8))
        XCTAssertEqual(decoded, v)
    }

    func testStreamItemsDecode() throws {
        let chunk = try JSONDecoder().decode(ChatChunk.self, from: Data(#"{"content":"hé","finish_reason":"stop","conversation_id":"c1","id":null,"model":"m","raw":{}}"#.utf8))
        XCTAssertEqual(chunk.content, "hé")
        XCTAssertEqual(chunk.finishReason, "stop")
        XCTAssertEqual(chunk.conversationId, "c1")
        var reply = ChatReply()
        reply.append(chunk)
        XCTAssertEqual(reply.chunks, 1)
        let p = try JSONDecoder().decode(DeployProgress.self, from: Data(#"{"phase":"uploading","sent":10,"total":20}"#.utf8))
        XCTAssertEqual(p, .uploading(sent: 10, total: 20))
        let other = try JSONDecoder().decode(DeployProgress.self, from: Data(#"{"phase":"warming"}"#.utf8))
        if case let .other(phase, _) = other {
            XCTAssertEqual(phase, "warming")
        } else {
            XCTFail("an unknown phase should decode as .other")
        }
    }

    func testErrorsHaveACasePerKind() {
        let kinds = ["bad_request", "authentication", "payment_required", "permission_denied", "not_found", "conflict", "rate_limited",
                     "server", "connection", "timeout", "decode", "invalid_argument", "stream", "deploy_failed"]
        for kind in kinds {
            let e = FlowEngineError(ErrorDetails(kind: kind, status: 400, message: "m", field: "f"))
            XCTAssertEqual(e.kind, kind)
            XCTAssertEqual(e.field, "f")
        }
        let e = FlowEngineError(ErrorDetails(kind: "rate_limited", status: 429, message: "slow down", retryAfter: 7))
        guard case let .rateLimited(d) = e else { return XCTFail("\(e)") }
        XCTAssertEqual(d.retryAfter, 7)
        XCTAssertTrue(e.isStatusError)
        XCTAssertEqual(e.description, "rate_limited (429): slow down [retry after 7.0s]")
    }

    func testAKindFromANewerCoreGoesByItsStatus() {
        guard case .notFound = FlowEngineError(ErrorDetails(kind: "from_the_future", status: 404, message: "m")) else { return XCTFail("404") }
        guard case .server = FlowEngineError(ErrorDetails(kind: "from_the_future", status: 503, message: "m")) else { return XCTFail("503") }
        guard case .badRequest = FlowEngineError(ErrorDetails(kind: "from_the_future", status: 418, message: "m")) else { return XCTFail("418") }
        guard case .connection = FlowEngineError(ErrorDetails(kind: "from_the_future", message: "m")) else { return XCTFail("no status") }
    }

    func testConfigErrorsThrowAtConstruction() {
        XCTAssertThrowsError(try FlowEngine(apiKey: "fe_x", baseURL: "ftp://nowhere", configFile: "/nonexistent")) { error in
            guard case let FlowEngineError.invalidArgument(d) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(d.field, "base_url")
        }
        XCTAssertThrowsError(try FlowEngine(apiKey: "fe_x", timeout: 0, configFile: "/nonexistent"))
        XCTAssertThrowsError(try FlowEngine(apiKey: "fe_x", maxRetries: 11, configFile: "/nonexistent"))
    }

    func testBaseURLKeepsItsPrefix() throws {
        let fe = try FlowEngine(apiKey: "fe_x", baseURL: "https://proxy.test/fe/", configFile: "/nonexistent")
        XCTAssertEqual(fe.baseURL, "https://proxy.test/fe")
    }

    func testEveryOperationHasAPublicName() {
        XCTAssertEqual(FlowEngine.operations["functions.secrets.set"], "setFunctionSecret")
        XCTAssertEqual(FlowEngine.operations["chat.stream"], "chat")
        XCTAssertEqual(Set(FlowEngine.operations.values).count, 55)
    }

    func testPackFolderDryRun() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fe-pack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("exports.handler = () => 1;\n".utf8).write(to: dir.appendingPathComponent("index.js"))
        let dry = try await FlowEngine.packFolder(dir.path, dryRun: true)
        XCTAssertEqual(dry.summary.fileCount, 1)
        XCTAssertNil(dry.tarball)
        let packed = try await FlowEngine.packFolder(dir.path)
        XCTAssertEqual(packed.tarball?.prefix(2), Data([0x1f, 0x8b]))
    }

    func testFunctionsPackFolderIsTheStaticOne() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fe-pack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("exports.handler = () => 1;\n".utf8).write(to: dir.appendingPathComponent("index.js"))
        try Data("{}\n".utf8).write(to: dir.appendingPathComponent("package.json"))
        // No request is made: the client needs no reachable server.
        let fe = try FlowEngine(apiKey: "fe_x", baseURL: "http://127.0.0.1:9", configFile: "/nonexistent")
        let dry = try await fe.functions.packFolder(dir.path, dryRun: true)
        let staticDry = try await FlowEngine.packFolder(dir.path, dryRun: true)
        XCTAssertEqual(dry.summary.files.map(\.path), staticDry.summary.files.map(\.path))
        XCTAssertEqual(dry.summary.files.map(\.path), ["index.js", "package.json"])
        XCTAssertNil(dry.tarball)
        let ignored = try await fe.functions.packFolder(dir.path, dryRun: true, ignore: ["package.json"])
        XCTAssertEqual(ignored.summary.fileCount, 1)
        let packed = try await fe.functions.packFolder(dir.path)
        let staticPacked = try await FlowEngine.packFolder(dir.path)
        XCTAssertEqual(packed.tarball, staticPacked.tarball, "same folder, same bytes")
    }
}
