import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ApiError } from './api-error';

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

/** Turns every error into Mistral's `{"faultstring": ...}` shape with the right status. */
@Catch()
export class MistralErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.describe(error);
    if (status >= 500) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    response.status(status).json(body);
  }

  private describe(error: unknown): { status: number; body: MistralErrorBody } {
    if (error instanceof ApiError) {
      return { status: error.status, body: { ...mistralErrorBody(error.status, error.message), ...error.details } };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      return { status, body: mistralErrorBody(status, httpExceptionMessage(error)) };
    }
    // body-parser errors (malformed JSON, too large) carry a status but are not HttpExceptions
    const parserStatus = (error as { status?: unknown; type?: unknown })?.status;
    if (typeof parserStatus === 'number' && parserStatus >= 400 && parserStatus < 500) {
      const message = (error as Error).message || 'Bad request';
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
