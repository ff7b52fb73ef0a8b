// The hand-written value types of the package: stream items, deploy
// progress and outcome, pack summaries.

import Foundation

/// One chunk of a streamed chat reply.
public struct ChatChunk: Codable, Hashable, Sendable {
    /// The delta of the reply's text (may be empty).
    public var content: String
    /// Why the reply ended (`stop`), on the last chunk.
    public var finishReason: String?
    /// The conversation the reply belongs to (pass it back to continue it).
    public var conversationId: String?
    public var id: String?
    public var model: String?
    /// The chunk as the service sent it.
    public var raw: JSONValue?

    public init(content: String, finishReason: String? = nil, conversationId: String? = nil, id: String? = nil, model: String? = nil, raw: JSONValue? = nil) {
        self.content = content
        self.finishReason = finishReason
        self.conversationId = conversationId
        self.id = id
        self.model = model
        self.raw = raw
    }

    enum CodingKeys: String, CodingKey {
        case content
        case finishReason = "finish_reason"
        case conversationId = "conversation_id"
        case id
        case model
        case raw
    }
}

/// A whole chat reply, collected from its stream (`fe.chat.send`).
public struct ChatReply: Codable, Hashable, Sendable {
    public var content: String
    public var finishReason: String?
    public var conversationId: String?
    /// How many chunks the reply came in.
    public var chunks: Int

    public init(content: String = "", finishReason: String? = nil, conversationId: String? = nil, chunks: Int = 0) {
        self.content = content
        self.finishReason = finishReason
        self.conversationId = conversationId
        self.chunks = chunks
    }

    mutating func append(_ chunk: ChatChunk) {
        content += chunk.content
        chunks += 1
        if let f = chunk.finishReason { finishReason = f }
        if let c = chunk.conversationId { conversationId = c }
    }

    enum CodingKeys: String, CodingKey {
        case content
        case finishReason = "finish_reason"
        case conversationId = "conversation_id"
        case chunks
    }
}

/// Where a deploy stands (`fe.functions.deployFolder(..., onProgress:)`).
public enum DeployProgress: Decodable, Hashable, Sendable {
    /// The folder was checked: what will be uploaded.
    case packed(files: Int, bytes: Int, compressedBytes: Int)
    /// Bytes of the tarball sent to the storage host so far.
    case uploading(sent: Int, total: Int)
    /// The build was triggered.
    case triggered(deploymentId: String)
    /// The function's status while waiting.
    case building(status: String)
    case ready(url: String?)
    /// A step this version does not know.
    case other(phase: String, raw: JSONValue)

    public init(from decoder: Decoder) throws {
        let raw = try JSONValue(from: decoder)
        let int = { (k: String) in raw[k]?.intValue ?? 0 }
        switch raw["phase"]?.stringValue ?? "" {
        case "packed": self = .packed(files: int("files"), bytes: int("bytes"), compressedBytes: int("compressed_bytes"))
        case "uploading": self = .uploading(sent: int("sent"), total: int("total"))
        case "triggered": self = .triggered(deploymentId: raw["deployment_id"]?.stringValue ?? "")
        case "building": self = .building(status: raw["status"]?.stringValue ?? "")
        case "ready": self = .ready(url: raw["url"]?.stringValue)
        case let phase: self = .other(phase: phase, raw: raw)
        }
    }
}

/// What a finished `deployFolder` returns.
public struct DeployOutcome: Codable, Hashable, Sendable {
    public var functionId: String
    public var deploymentId: String
    /// `building`/`creating` when not waiting; `ready` after a wait.
    public var status: String
    public var url: String?
    public var files: Int
    public var bytes: Int
    public var compressedBytes: Int

    enum CodingKeys: String, CodingKey {
        case functionId = "function_id"
        case deploymentId = "deployment_id"
        case status
        case url
        case files
        case bytes
        case compressedBytes = "compressed_bytes"
    }
}

/// One file of a packed folder.
public struct PackedFile: Codable, Hashable, Sendable {
    /// Relative, `/`-separated.
    public var path: String
    public var size: Int
    public var executable: Bool
    /// Stored from a symlink inside the folder (as a regular file).
    public var symlink: Bool
}

/// What `FlowEngine.packFolder` checked (and packed).
public struct PackSummary: Codable, Hashable, Sendable {
    /// The folder, canonicalised.
    public var root: String
    public var fileCount: Int
    /// Sum of the file sizes, uncompressed.
    public var totalBytes: Int
    /// Size of the archive, once written (`nil` for a dry run).
    public var compressedBytes: Int?
    /// Every file, in archive order.
    public var files: [PackedFile]
    /// Entries left out without an ignore rule (`path`, `reason`): show them as warnings.
    public var skipped: [JSONValue]

    enum CodingKeys: String, CodingKey {
        case root
        case fileCount = "file_count"
        case totalBytes = "total_bytes"
        case compressedBytes = "compressed_bytes"
        case files
        case skipped
    }
}

/// A packed folder: the summary and, when packed into memory, the .tar.gz bytes.
public struct PackedFolder: Hashable, Sendable {
    public var summary: PackSummary
    public var tarball: Data?
}
