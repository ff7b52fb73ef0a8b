"""The error classes of the SDK (written once, by hand).

The core has one error type with a ``kind``; this module maps each kind to an
idiomatic exception class and registers the mapping with the native module,
which then raises these classes directly::

    APIError
    ├── APIStatusError            (the service answered with an error status)
    │   ├── BadRequestError           400 (``field`` names the parameter)
    │   ├── AuthenticationError       401
    │   ├── PaymentRequiredError      402
    │   ├── PermissionDeniedError     403 (``upgrade_url``)
    │   ├── NotFoundError             404
    │   ├── ConflictError             409 (``code``, e.g. ``no_eligible_sender``)
    │   ├── RateLimitError            429 (``retry_after``)
    │   └── InternalServerError       5xx (on chat: likely out of credits)
    ├── APIConnectionError        (no usable answer)
    │   ├── APITimeoutError           (nothing arrived within ``timeout``)
    │   └── APIStreamError            (a running stream broke off)
    ├── APIDecodeError            (an answer that is not what the spec says)
    ├── InvalidArgumentError      (caught before any request; also a ValueError)
    └── DeployFailedError         (a deploy reached ``failed``; carries the build log's tail)

No message or repr ever contains the API key: the core leaves it out of every
message it builds.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Type

from . import _native

__all__ = [
    "APIError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "InternalServerError",
    "APIConnectionError",
    "APITimeoutError",
    "APIStreamError",
    "APIDecodeError",
    "InvalidArgumentError",
    "DeployFailedError",
]


class APIError(Exception):
    """Any failure of a FlowEngine call.

    Attributes:
        kind: the core's error kind (``not_found``, ``timeout``, ...).
        message: a human-readable explanation.
        status_code: the HTTP status, when a response was received.
        code: a machine-readable reason from the error body (``no_eligible_sender``).
        field: the offending parameter (400, or a client-side check).
        upgrade_url: where to upgrade or add a payment method (402, 403).
        retry_after: seconds the service asked to wait (429).
        request_id: the service's request id, for support.
    """

    kind: str
    message: str
    status_code: Optional[int]
    code: Optional[str]
    field: Optional[str]
    upgrade_url: Optional[str]
    retry_after: Optional[float]
    request_id: Optional[str]

    def __init__(
        self,
        message: str,
        *,
        kind: str = "unknown",
        status_code: Optional[int] = None,
        code: Optional[str] = None,
        field: Optional[str] = None,
        upgrade_url: Optional[str] = None,
        retry_after: Optional[float] = None,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status_code = status_code
        self.code = code
        self.field = field
        self.upgrade_url = upgrade_url
        self.retry_after = retry_after
        self.request_id = request_id

    def __str__(self) -> str:
        text = self.message if self.status_code is None else f"{self.message} (HTTP {self.status_code})"
        extras = [
            f"{name}: {value}"
            for name, value in (
                ("field", self.field),
                ("code", self.code),
                ("upgrade", self.upgrade_url),
                ("retry after", None if self.retry_after is None else f"{self.retry_after:g}s"),
                ("request id", self.request_id),
            )
            if value is not None
        ]
        return text + "".join(f" [{e}]" for e in extras)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, kind={self.kind!r}, status_code={self.status_code!r})"

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        # Picklable (multiprocessing, concurrent.futures) with every attribute.
        return (
            _rebuild,
            (
                type(self),
                self.message,
                self.kind,
                self.status_code,
                self.code,
                self.field,
                self.upgrade_url,
                self.retry_after,
                self.request_id,
            ),
        )


def _rebuild(
    cls: Type[APIError],
    message: str,
    kind: str,
    status_code: Optional[int],
    code: Optional[str],
    field: Optional[str],
    upgrade_url: Optional[str],
    retry_after: Optional[float],
    request_id: Optional[str],
) -> APIError:
    return cls(
        message,
        kind=kind,
        status_code=status_code,
        code=code,
        field=field,
        upgrade_url=upgrade_url,
        retry_after=retry_after,
        request_id=request_id,
    )


class APIStatusError(APIError):
    """The service answered with an error status (``status_code``)."""


class BadRequestError(APIStatusError):
    """400: the service rejected a parameter (``field`` names it)."""


class AuthenticationError(APIStatusError):
    """401: the ``fe_`` key is missing or invalid (also raised, without a
    status, when no key was configured at all)."""


class PaymentRequiredError(APIStatusError):
    """402: the action needs a payment method on file."""


class PermissionDeniedError(APIStatusError):
    """403: a tier gate or a suspended account (``upgrade_url`` says where to upgrade)."""


class NotFoundError(APIStatusError):
    """404: the resource does not exist or is not the caller's."""


class ConflictError(APIStatusError):
    """409: a conflict with existing state (``code`` says which)."""


class RateLimitError(APIStatusError):
    """429: too many requests or in-flight deploys (``retry_after`` seconds, when given)."""


class InternalServerError(APIStatusError):
    """5xx: a server failure; on chat it usually means the account is out of credits."""


class APIConnectionError(APIError):
    """No usable answer: the connection failed or dropped."""


class APITimeoutError(APIConnectionError):
    """Nothing arrived within ``timeout`` seconds (or the service answered 408)."""


class APIStreamError(APIConnectionError):
    """A stream that was running broke off (dropped, or ended before its last chunk)."""


class APIDecodeError(APIError):
    """An answer that does not match the spec (``message`` quotes a snippet of it)."""


class InvalidArgumentError(APIError, ValueError):
    """A bad argument, caught before any request was sent (``field`` names it)."""


class DeployFailedError(APIError):
    """A deploy reached ``failed``; ``message`` carries the reason and the build log's tail."""


_BY_KIND: Dict[str, Type[APIError]] = {
    "bad_request": BadRequestError,
    "authentication": AuthenticationError,
    "payment_required": PaymentRequiredError,
    "permission_denied": PermissionDeniedError,
    "not_found": NotFoundError,
    "conflict": ConflictError,
    "rate_limited": RateLimitError,
    "server": InternalServerError,
    "connection": APIConnectionError,
    "timeout": APITimeoutError,
    "stream": APIStreamError,
    "decode": APIDecodeError,
    "invalid_argument": InvalidArgumentError,
    "deploy_failed": DeployFailedError,
}


def error_class(kind: str, status_code: Optional[int] = None) -> Type[APIError]:
    """The class an error of this kind is raised as."""
    cls = _BY_KIND.get(kind)
    if cls is not None:
        return cls
    return APIStatusError if status_code is not None else APIError


def _from_native(
    kind: str,
    message: str,
    status: Optional[int],
    code: Optional[str],
    field: Optional[str],
    upgrade_url: Optional[str],
    retry_after: Optional[float],
    request_id: Optional[str],
) -> APIError:
    cls = error_class(kind, status)
    return cls(
        message,
        kind=kind,
        status_code=status,
        code=code,
        field=field,
        upgrade_url=upgrade_url,
        retry_after=retry_after,
        request_id=request_id,
    )


_native.set_error_factory(_from_native)
