"""HTTP errors with a stable JSON shape: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from protocol.errors import ErrorCode


class ApiError(Exception):
    def __init__(
        self, status: int, code: ErrorCode, message: str, details: dict[str, Any] | None = None,
        **more: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code: ErrorCode = code
        self.message = message
        self.details = {**(details or {}), **more}


def error_response(
    status: int, code: ErrorCode, message: str, details: dict[str, Any] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status)


async def api_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.details)


# Seconds a client is asked to wait when the store is down: the embedded Redis is restarted
# within about a second (server/embedded_redis.py), an external one is the operator's.
RETRY_AFTER_SECONDS = 5


async def store_unavailable_handler(_request: Request, exc: Exception) -> JSONResponse:
    """Redis did not answer: 503 ``unavailable`` with ``Retry-After`` rather than a 500, so
    that a client knows to send the same request again later."""
    response = error_response(
        503, ErrorCode.UNAVAILABLE, f"the store is unavailable ({type(exc).__name__}); retry"
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
