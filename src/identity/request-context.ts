import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Who is calling: the project every stored object is scoped to. */
export interface RequestContext {
  projectId: string;
  userId: string | null;
  roles: string[];
  isAdmin: boolean;
  /** keystone mode: the caller's token (a secret), used to create trusts on the caller's behalf */
  authToken?: string;
}

/** Mistral's project id when authentication is off. */
export const DEFAULT_PROJECT_ID = '<default-project>';

/** noauth: one project, and the caller may do everything in it. */
export const NOAUTH_CONTEXT: RequestContext = Object.freeze({
  projectId: DEFAULT_PROJECT_ID,
  userId: null,
  roles: ['admin'],
  isAdmin: true,
}) as RequestContext;

export interface RequestWithContext extends Request {
  siroccoContext?: RequestContext;
}

/** The caller's context, set by the auth guard (noauth when none ran). */
export const CallerContext = createParamDecorator((_: unknown, host: ExecutionContext): RequestContext => {
  return host.switchToHttp().getRequest<RequestWithContext>().siroccoContext ?? NOAUTH_CONTEXT;
});
