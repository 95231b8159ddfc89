import { HttpStatus } from '@nestjs/common';

/**
 * A user-visible failure with its HTTP status. The message becomes Mistral's `faultstring`, so it
 * must say what is wrong and where, and never carry secrets.
 */
export class ApiError extends Error {
  constructor(
    readonly status: HttpStatus,
    message: string,
    /** Extra machine-readable details added to the error body (e.g. definition errors). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  static badRequest(message: string, details?: Record<string, unknown>): ApiError {
    return new ApiError(HttpStatus.BAD_REQUEST, message, details);
  }

  static forbidden(message: string): ApiError {
    return new ApiError(HttpStatus.FORBIDDEN, message);
  }

  static notFound(message: string): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, message);
  }

  static conflict(message: string): ApiError {
    return new ApiError(HttpStatus.CONFLICT, message);
  }

  static serviceUnavailable(message: string): ApiError {
    return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, message);
  }
}
