/**
 * Errors that stay outside workflows. Each has an HTTP status and a stable
 * snake_case code; one middleware renders them in the API's envelope.
 */

export interface FieldProblem {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Thrown by request validation; names every failing field. */
export class ValidationError extends AppError {
  constructor(readonly problems: FieldProblem[]) {
    super(400, 'invalid_request', `invalid ${problems.map((p) => p.field).join(', ')}`, problems);
  }
}

/** Thrown by auth when the credential is missing, unknown, expired or revoked. */
export class UnauthenticatedError extends AppError {
  constructor(message = 'a valid credential is required') {
    super(401, 'unauthenticated', message);
  }
}

/** Thrown when a valid credential is of the wrong kind or lacks a scope. */
export class ForbiddenError extends AppError {
  constructor(message = 'this credential may not do that') {
    super(403, 'forbidden', message);
  }
}

/** Thrown for missing resources, and for resources of another tenant. */
export class NotFoundError extends AppError {
  constructor(resource: string) {
    super(404, 'not_found', `${resource} not found`);
  }
}

/** Thrown when an idempotency key is reused with another request body. */
export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

/** Thrown when input is valid but a business rule refuses it. */
export class BusinessRuleError extends AppError {
  constructor(code: string, message: string) {
    super(422, code, message);
  }
}

/** Thrown before reading a body larger than the route accepts. */
export class PayloadTooLargeError extends AppError {
  constructor(readonly maxBytes: number) {
    super(413, 'payload_too_large', `the request body is larger than ${maxBytes} bytes`);
  }
}

/** Thrown when a limit is exceeded; carries the Retry-After seconds. */
export class RateLimitError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSec: number,
  ) {
    super(429, 'rate_limited', message);
  }
}

/** Thrown when a dependency (database, Temporal) is unavailable. */
export class DependencyUnavailableError extends AppError {
  constructor(
    readonly dependency: 'database' | 'temporal' | 'telephony',
    options?: { cause?: unknown },
    readonly retryAfterSec = 2,
  ) {
    super(
      503,
      'dependency_unavailable',
      `${dependency} is unavailable, retry shortly`,
      undefined,
      options,
    );
  }
}
