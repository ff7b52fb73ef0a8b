// Error classes of the `flowengine` package (lib/errors.js). Every error the
// SDK raises is a FlowEngineError; `instanceof` works on each class.

/** The core's error kinds, the same in every language. */
export type ErrorKind =
  | 'bad_request'
  | 'authentication'
  | 'payment_required'
  | 'permission_denied'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'server'
  | 'connection'
  | 'timeout'
  | 'decode'
  | 'invalid_argument'
  | 'stream'
  | 'deploy_failed';

/** Base class of every error the SDK raises. Messages never contain the API key. */
export declare class FlowEngineError extends Error {
  /** The core's error kind, e.g. `not_found`. */
  readonly kind: ErrorKind;
  /** HTTP status, when a response was received. */
  readonly status?: number;
  /** A machine-readable reason, e.g. `no_eligible_sender`. */
  readonly code?: string;
  /** The offending parameter (its wire name, e.g. `webhook_url`). */
  readonly field?: string;
  /** Where to upgrade or add a payment method (403, 402). */
  readonly upgradeUrl?: string;
  /** How long the server asked to wait (429 `Retry-After`), in milliseconds. */
  readonly retryAfter?: number;
  readonly requestId?: string;
}

/** An HTTP error status from the API (`status`; a missing key is an AuthenticationError without one). */
export declare class APIStatusError extends FlowEngineError {}
/** 400 (and other 4xx without a class of their own); `field` names the parameter. */
export declare class BadRequestError extends APIStatusError {}
/** 401: the key is missing or invalid. */
export declare class AuthenticationError extends APIStatusError {}
/** 402: a payment method is needed. */
export declare class PaymentRequiredError extends APIStatusError {}
/** 403: a tier gate or a suspended account; `upgradeUrl` says where to upgrade. */
export declare class PermissionDeniedError extends APIStatusError {}
/** 404 */
export declare class NotFoundError extends APIStatusError {}
/** 409; `code` says which conflict (e.g. `no_eligible_sender`). */
export declare class ConflictError extends APIStatusError {}
/** 429; `retryAfter` is the server's hint, in ms. */
export declare class RateLimitError extends APIStatusError {}
/** 5xx. On chat it usually means the account is out of credits. */
export declare class InternalServerError extends APIStatusError {}
/** The request did not reach the API, or its answer did not come back. */
export declare class APIConnectionError extends FlowEngineError {}
/** No byte came within `timeout` (or the server answered 408). */
export declare class APITimeoutError extends APIConnectionError {}
/** An answer that is not what the spec says (e.g. not JSON); the message carries a snippet. */
export declare class APIDecodeError extends FlowEngineError {}
/** A stream broke after it started (a connection failure, as in Python: `instanceof APIConnectionError` holds). */
export declare class APIStreamError extends APIConnectionError {}
/** A bad argument, caught before anything was sent; `field` names it. */
export declare class InvalidArgumentError extends FlowEngineError {
  readonly field?: string;
}
/** A deploy reached `failed`; the message carries the build log's tail. */
export declare class DeployFailedError extends FlowEngineError {}
