// The one error type of the FlowEngine package: a case per kind of the core's
// error (the same kinds, with the same fields, in every language).

import Foundation

/// What went wrong, with every field the API or the core gave.
public struct ErrorDetails: Hashable, Sendable {
    /// The core's error kind in snake_case, e.g. `not_found` (the same in every language).
    public var kind: String
    /// The HTTP status, when a response was received.
    public var status: Int?
    /// A machine-readable reason, e.g. `no_eligible_sender`.
    public var code: String?
    public var message: String
    /// The offending parameter (its wire name), on 400s and client-side checks.
    public var field: String?
    /// Where to upgrade or add a payment method (403, 402).
    public var upgradeUrl: String?
    /// How long the server asked to wait, in seconds (429 `Retry-After`).
    public var retryAfter: TimeInterval?
    public var requestId: String?

    public init(kind: String, status: Int? = nil, code: String? = nil, message: String, field: String? = nil, upgradeUrl: String? = nil, retryAfter: TimeInterval? = nil, requestId: String? = nil) {
        self.kind = kind
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.upgradeUrl = upgradeUrl
        self.retryAfter = retryAfter
        self.requestId = requestId
    }
}

/// Every failure of the SDK. Messages never contain the API key or a signed URL.
///
/// ```swift
/// do {
///     _ = try await fe.functions.get("fn_1")
/// } catch FlowEngineError.notFound(let e) {
///     print("no such function:", e.message)
/// } catch let e as FlowEngineError where e.status == 429 {
///     print("retry after", e.retryAfter ?? 1, "s")
/// }
/// ```
///
/// Cancelling the task that awaits a call throws `CancellationError` instead.
public enum FlowEngineError: Error, Hashable, Sendable {
    /// HTTP 400 (and other 4xx a request caused); `field` names the parameter.
    case badRequest(ErrorDetails)
    /// HTTP 401: a missing, wrong or revoked API key.
    case authentication(ErrorDetails)
    /// HTTP 402.
    case paymentRequired(ErrorDetails)
    /// HTTP 403, e.g. a tier cap; `upgradeUrl` says where to upgrade.
    case permissionDenied(ErrorDetails)
    /// HTTP 404 (an HTML page included).
    case notFound(ErrorDetails)
    /// HTTP 409; `code` says why (e.g. `no_eligible_sender`).
    case conflict(ErrorDetails)
    /// HTTP 429; `retryAfter` is the server's `Retry-After` in seconds.
    case rateLimited(ErrorDetails)
    /// HTTP 5xx (on chat: likely out of credits).
    case server(ErrorDetails)
    /// The request did not reach the API, or its answer did not come back.
    case connection(ErrorDetails)
    /// Nothing arrived within `timeout` seconds (connecting, the response head, or a gap in a body or stream).
    case timeout(ErrorDetails)
    /// An answer that is not what the spec says (e.g. not JSON); the message carries a snippet.
    case decode(ErrorDetails)
    /// A bad argument, caught before anything was sent; `field` names it.
    case invalidArgument(ErrorDetails)
    /// A stream broke after it started.
    case stream(ErrorDetails)
    /// A deploy reached `failed`; the message carries the build log's tail.
    case deployFailed(ErrorDetails)

    /// The error of a core error kind (`not_found` -> `.notFound`). A kind
    /// this package does not know (a newer core) goes by its HTTP status, as
    /// the other languages' `APIStatusError` does, and is a `.connection`
    /// without one.
    public init(_ details: ErrorDetails) {
        switch details.kind {
        case "bad_request": self = .badRequest(details)
        case "authentication": self = .authentication(details)
        case "payment_required": self = .paymentRequired(details)
        case "permission_denied": self = .permissionDenied(details)
        case "not_found": self = .notFound(details)
        case "conflict": self = .conflict(details)
        case "rate_limited": self = .rateLimited(details)
        case "server": self = .server(details)
        case "connection": self = .connection(details)
        case "timeout": self = .timeout(details)
        case "decode": self = .decode(details)
        case "invalid_argument": self = .invalidArgument(details)
        case "stream": self = .stream(details)
        case "deploy_failed": self = .deployFailed(details)
        default: self = FlowEngineError.byStatus(details)
        }
    }

    private static func byStatus(_ d: ErrorDetails) -> FlowEngineError {
        switch d.status {
        case .none: return .connection(d)
        case 401?: return .authentication(d)
        case 402?: return .paymentRequired(d)
        case 403?: return .permissionDenied(d)
        case 404?: return .notFound(d)
        case 409?: return .conflict(d)
        case 429?: return .rateLimited(d)
        case let s? where s >= 500: return .server(d)
        default: return .badRequest(d)
        }
    }

    public var details: ErrorDetails {
        switch self {
        case let .badRequest(d), let .authentication(d), let .paymentRequired(d), let .permissionDenied(d), let .notFound(d),
            let .conflict(d), let .rateLimited(d), let .server(d), let .connection(d), let .timeout(d), let .decode(d),
            let .invalidArgument(d), let .stream(d), let .deployFailed(d):
            return d
        }
    }

    public var kind: String { details.kind }
    public var status: Int? { details.status }
    public var code: String? { details.code }
    public var message: String { details.message }
    public var field: String? { details.field }
    public var upgradeUrl: String? { details.upgradeUrl }
    public var retryAfter: TimeInterval? { details.retryAfter }
    public var requestId: String? { details.requestId }

    /// An HTTP error status from the API (the `APIStatusError`s of the other languages).
    public var isStatusError: Bool {
        switch self {
        case .badRequest, .authentication, .paymentRequired, .permissionDenied, .notFound, .conflict, .rateLimited, .server:
            return true
        default:
            return false
        }
    }

    static func invalid(field: String, _ message: String) -> FlowEngineError {
        .invalidArgument(ErrorDetails(kind: "invalid_argument", message: message, field: field))
    }
}

extension FlowEngineError: CustomStringConvertible, LocalizedError {
    /// `not_found (404): Function not found [request id: ...]`, as the core prints it.
    public var description: String {
        let d = details
        var text = d.status.map { "\(d.kind) (\($0)): \(d.message)" } ?? "\(d.kind): \(d.message)"
        if let f = d.field { text += " [field: \(f)]" }
        if let c = d.code { text += " [code: \(c)]" }
        if let u = d.upgradeUrl { text += " [upgrade: \(u)]" }
        if let r = d.retryAfter { text += " [retry after \(r)s]" }
        if let id = d.requestId { text += " [request id: \(id)]" }
        return text
    }

    public var errorDescription: String? { description }
}
