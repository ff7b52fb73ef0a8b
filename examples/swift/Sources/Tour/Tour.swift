// A tour of the FlowEngine Swift SDK: create a function, deploy a folder with
// progress, set a secret, read the logs, chat (streamed and whole), and clean up.
//
//   FLOWENGINE_API_KEY=fe_... FLOWENGINE_BASE_URL=http://127.0.0.1:8787 swift run Tour [folder]
//
// Against a local sandbox: `cargo run -p flowengine-sandbox -- --memory` prints its URL and key.

import FlowEngine
import Foundation

@main
struct Tour {
    static func main() async {
        do {
            try await run()
        } catch let e as FlowEngineError {
            print("FlowEngine error: \(e)")
            exit(1)
        } catch {
            print("error: \(error)")
            exit(1)
        }
    }

    static func run() async throws {
        let fe = try FlowEngine(timeout: 30)
        let folder = CommandLine.arguments.dropFirst().first ?? "../hello"

        let user = try await fe.account.user()
        print("signed in as \(user.email ?? user.userId) (\(user.tier))")

        let check = try await fe.functions.packFolder(folder, dryRun: true)
        print("\(folder): \(check.summary.fileCount) files, \(check.summary.totalBytes) bytes")

        let fn = try await fe.functions.create(name: "tour-\(Int.random(in: 1000 ... 9999))", runtime: .nodejs22)
        print("created \(fn.name) (\(fn.id)), \(fn.status)")

        let outcome = try await fe.functions.deployFolder(fn.id, path: folder) { progress in
            switch progress {
            case let .packed(files, bytes, compressed): print("  packed \(files) files, \(bytes) -> \(compressed) bytes")
            case let .uploading(sent, total): print("  uploading \(sent)/\(total)")
            case let .triggered(deployment): print("  deploy \(deployment) triggered")
            case let .building(status): print("  \(status)…")
            case let .ready(url): print("  ready at \(url ?? "?")")
            case let .other(phase, _): print("  \(phase)")
            }
        }
        print("deployed: \(outcome.status), \(outcome.url ?? "no url")")

        _ = try await fe.functions.secrets.set(fn.id, name: "GREETING", value: "hello")
        let secrets = try await fe.functions.secrets.list(fn.id)
        print("secrets: \(secrets.secrets.map(\.name).joined(separator: ", "))")

        let logs = try await fe.functions.logs.list(fn.id)
        for entry in logs.logs.suffix(3) {
            print("  log: \(entry.message)")
        }

        print("chat: ", terminator: "")
        var conversation: String?
        for try await chunk in fe.chat.stream(message: "Create a calculator workflow", model: .regular) {
            print(chunk.content, terminator: "")
            conversation = chunk.conversationId ?? conversation
        }
        print()
        let reply = try await fe.chat.send(message: "Add a memory", model: .regular, conversationId: conversation)
        print("reply in \(reply.chunks) chunks, finish: \(reply.finishReason ?? "?")")

        do {
            _ = try await fe.functions.get("no-such-function")
        } catch FlowEngineError.notFound(let e) {
            print("as expected: \(e.message)")
        }

        _ = try await fe.functions.delete(fn.id)
        print("deleted \(fn.id)")
    }
}
