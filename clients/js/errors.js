// The codes of the phonghop protocol and the error a client raises for them.
//
// ErrorCode and CloseCode are the contract's lists (GET /asyncapi.json:
// components.schemas.ErrorCode and info.x-close-codes, from protocol/errors.py);
// tests/browser/test_js_client.py fails when they differ from what the server publishes.
// Codes are never renamed or removed within a protocol version, only added: treat a code you
// do not know by its kind (a rejection carries the command's id; a protocol error closes).

export const ErrorCode = Object.freeze({
  // protocol errors (the frame itself is wrong)
  MALFORMED: "malformed",
  UNSUPPORTED_VERSION: "unsupported_version",
  UNKNOWN_TYPE: "unknown_type",
  UNKNOWN_KIND: "unknown_kind",
  BAD_FIELD: "bad_field",
  TOO_LARGE: "too_large",
  // authentication and authorisation
  UNAUTHENTICATED: "unauthenticated",
  BAD_TOKEN: "bad_token",
  TOKEN_EXPIRED: "token_expired",
  WRONG_MEETING: "wrong_meeting",
  FORBIDDEN: "forbidden",
  // rejections by the domain (well-formed, not allowed now)
  NOT_FOUND: "not_found",
  INVALID_STATE: "invalid_state",
  CONFLICT: "conflict",
  INVALID: "invalid",
  DUPLICATE: "duplicate",
  RATE_LIMITED: "rate_limited",
  // HTTP only: an uploaded file that cannot be taken (never on the WebSocket)
  INVALID_ROSTER: "invalid_roster",
  INVALID_AGENDA: "invalid_agenda",
  INVALID_DEFINITION: "invalid_definition",
  UNSUPPORTED_TYPE: "unsupported_type",
  TYPE_MISMATCH: "type_mismatch",
  EMPTY: "empty",
  CORRUPT: "corrupt",
  ENCRYPTED: "encrypted",
  // the server's own trouble: retry the same command id later
  UNAVAILABLE: "unavailable",
  INTERNAL: "internal",
});

// Codes this library gives a command that never got an answer from the server.
export const ClientCode = Object.freeze({
  OFFLINE: "offline", // not connected, and the kind is not safe to queue
  WITHDRAWN: "withdrawn", // taken out of the offline queue with unqueue()
  UNKNOWN_OUTCOME: "unknown_outcome", // in flight when the link dropped, and not re-sent
});

export const CloseCode = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  TRY_AGAIN_LATER: 1013,
  UNAUTHENTICATED: 4001,
  FORBIDDEN: 4003,
  SLOW_CONSUMER: 4008,
  HELLO_TIMEOUT: 4009,
  SESSION_LIMIT: 4029,
});

/**
 * An error of the phonghop protocol: `code` is an ErrorCode (or a ClientCode), `details`
 * the server's details map (e.g. `{reason, limit, window_ms}`).
 */
export class PhonghopError extends Error {
  constructor(code, message, details = {}) {
    super(message || code);
    this.name = "PhonghopError";
    this.code = code;
    this.details = details;
  }
}

/** A command that was refused (by the server: `error` with its id; or by this client). */
export class CommandError extends PhonghopError {
  constructor(code, message, details = {}) {
    super(code, message, details);
    this.name = "CommandError";
  }
}
