import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError } from './api-error';
import { databaseUnavailableReason, isDatabaseUnavailable } from './database-unavailable';

/** Seconds a client is told to wait before trying again while the database is away. */
const RETRY_AFTER_SECONDS = 5;

/** Mistral's error body, which python-mistralclient reads `faultstring` from. */
export interface MistralErrorBody {
  faultcode: 'Client' | 'Server';
  faultstring: string;
  debuginfo: null;
  [detail: string]: unknown;
}

export function mistralErrorBody(status: number, message: string): MistralErrorBody {
  return { faultcode: status < 500 ? 'Client' : 'Server', faultstring: message, debuginfo: null };
}

/** The answer to a request no route took (see root/unmatched-routes.ts). */
export type UnmatchedRouteAnswer = (method: string, path: string) => { error: ApiError; headers?: Record<string, string> };

/** Turns every error into Mistral's `{"faultstring": ...}` shape with the right status. */
@Catch()
export class MistralErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(private readonly unmatchedRoute?: UnmatchedRouteAnswer) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const request = host.switchToHttp().getRequest<Request>();
    // Nest's own 404 for a path no route takes: `Cannot GET /v2/workbooks`
    if (this.unmatchedRoute && error instanceof NotFoundException && error.message === `Cannot ${request.method} ${request.originalUrl}`) {
      const answer = this.unmatchedRoute(request.method, request.path);
      for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
      error = answer.error;
    }
    if (!(error instanceof ApiError) && !(error instanceof HttpException) && isDatabaseUnavailable(error)) {
      // a lost or frozen database is not a bug: a short warning, and a 503 clients may retry
      const message = `The database is unavailable: ${databaseUnavailableReason(error)}`;
      this.logger.warn(message);
      response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      response.status(HttpStatus.SERVICE_UNAVAILABLE).json(mistralErrorBody(HttpStatus.SERVICE_UNAVAILABLE, message));
      return;
    }
    const { status, body } = this.describe(error);
    // 501 is a client asking for a Mistral feature Sirocco lacks (see root/unmatched-routes.ts), not a fault
    if (status >= 500 && status !== HttpStatus.NOT_IMPLEMENTED) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (status === HttpStatus.SERVICE_UNAVAILABLE) response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    response.status(status).json(body);
  }

  private describe(error: unknown): { status: number; body: MistralErrorBody } {
    if (error instanceof ApiError) {
      return { status: error.status, body: { ...mistralErrorBody(error.status, error.message), ...error.details } };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const message = httpExceptionMessage(error);
      // a malformed JSON body (Nest rethrows the parser's error): Mistral's words, and where it broke
      if (status === 400 && isJsonSyntaxError(error)) {
        return { status, body: mistralErrorBody(status, `Request is not in valid JSON format: ${message}`) };
      }
      return { status, body: mistralErrorBody(status, message) };
    }
    // body-parser errors (malformed JSON, too large) carry a status but are not HttpExceptions
    const parserStatus = (error as { status?: unknown; type?: unknown })?.status;
    if (typeof parserStatus === 'number' && parserStatus >= 400 && parserStatus < 500) {
      const message = (error as Error).message || 'Bad request';
      if ((error as { type?: unknown }).type === 'entity.parse.failed') {
        return { status: parserStatus, body: mistralErrorBody(parserStatus, `Request is not in valid JSON format: ${message}`) };
      }
      return { status: parserStatus, body: mistralErrorBody(parserStatus, `Invalid request body: ${message}`) };
    }
    const status = HttpStatus.INTERNAL_SERVER_ERROR;
    return { status, body: mistralErrorBody(status, 'Internal server error') };
  }
}

function httpExceptionMessage(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  return error.message;
}

function isJsonSyntaxError(error: HttpException): boolean {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof SyntaxError || /JSON/.test(httpExceptionMessage(error));
}
