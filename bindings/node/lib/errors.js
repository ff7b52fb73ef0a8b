'use strict';
// The error classes of the SDK. The native addon rejects with an Error whose
// message is the core's one error as JSON; `fromNative` turns it into the
// class of its kind. Names follow the Python SDK's.

/** Base class of every error the SDK raises. */
class FlowEngineError extends Error {
  constructor(message, details) {
    super(message);
    const d = details || {};
    /** The core's error kind, e.g. `not_found` (the same in every language). */
    this.kind = d.kind || 'unknown';
    /** HTTP status, when a response was received. */
    this.status = d.status == null ? undefined : d.status;
    /** A machine-readable reason, e.g. `no_eligible_sender`. */
    this.code = d.code == null ? undefined : d.code;
    /** The offending parameter (its wire name), on 400s and client-side checks. */
    this.field = d.field == null ? undefined : d.field;
    /** Where to upgrade or add a payment method (403, 402). */
    this.upgradeUrl = d.upgrade_url == null ? undefined : d.upgrade_url;
    /** How long the server asked to wait (429 `Retry-After`), in ms like every duration in JS. */
    this.retryAfter = d.retry_after == null ? undefined : Math.round(d.retry_after * 1000);
    this.requestId = d.request_id == null ? undefined : d.request_id;
  }

  get name() {
    return this.constructor.name;
  }
}

/** An HTTP error status from the API. */
class APIStatusError extends FlowEngineError {}
class BadRequestError extends APIStatusError {}
class AuthenticationError extends APIStatusError {}
class PaymentRequiredError extends APIStatusError {}
class PermissionDeniedError extends APIStatusError {}
class NotFoundError extends APIStatusError {}
class ConflictError extends APIStatusError {}
class RateLimitError extends APIStatusError {}
class InternalServerError extends APIStatusError {}
/** The request did not reach the API, or its answer did not come back. */
class APIConnectionError extends FlowEngineError {}
class APITimeoutError extends APIConnectionError {}
/** An answer that is not what the spec says (e.g. not JSON). */
class APIDecodeError extends FlowEngineError {}
/** A stream broke after it started (a connection failure, as in Python: `instanceof APIConnectionError` holds). */
class APIStreamError extends APIConnectionError {}
/** A bad argument, caught before anything was sent; `field` names it. */
class InvalidArgumentError extends FlowEngineError {}
/** A deploy reached `failed`; the message carries the build log's tail. */
class DeployFailedError extends FlowEngineError {}

const BY_KIND = {
  bad_request: BadRequestError,
  authentication: AuthenticationError,
  payment_required: PaymentRequiredError,
  permission_denied: PermissionDeniedError,
  not_found: NotFoundError,
  conflict: ConflictError,
  rate_limited: RateLimitError,
  server: InternalServerError,
  connection: APIConnectionError,
  timeout: APITimeoutError,
  decode: APIDecodeError,
  invalid_argument: InvalidArgumentError,
  stream: APIStreamError,
  deploy_failed: DeployFailedError,
};

/**
 * The error of a core error object (`{kind, status, message, ...}`). A kind
 * this package does not know (a newer core) is an APIStatusError when it has
 * a status, as in Python.
 */
function fromDetails(d) {
  const Class = BY_KIND[d.kind] || (d.status != null ? APIStatusError : FlowEngineError);
  return new Class(d.message || d.kind || 'unknown error', d);
}

/** The SDK error for whatever the addon threw or rejected with. */
function fromNative(e) {
  if (e instanceof FlowEngineError) return e;
  const text = e && typeof e.message === 'string' ? e.message : String(e);
  if (text.charCodeAt(0) === 123 /* { */) {
    try {
      return fromDetails(JSON.parse(text));
    } catch (_) {
      // not ours: fall through
    }
  }
  // Node-API's own argument conversion errors ("Failed to convert ...").
  return new InvalidArgumentError(text, { kind: 'invalid_argument' });
}

function invalidArgument(field, message) {
  return new InvalidArgumentError(message, { kind: 'invalid_argument', field });
}

module.exports = {
  FlowEngineError,
  APIStatusError,
  BadRequestError,
  AuthenticationError,
  PaymentRequiredError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  APITimeoutError,
  APIDecodeError,
  APIStreamError,
  InvalidArgumentError,
  DeployFailedError,
  fromNative,
  fromDetails,
  invalidArgument,
  ERROR_CLASSES: BY_KIND,
};
