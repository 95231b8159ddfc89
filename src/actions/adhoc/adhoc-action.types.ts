import type { ActionParameter } from '../action.types';

/** One ad-hoc action of a definition, normalised: what runs it and what the API shows of it. */
export interface AdhocActionSpec {
  name: string;
  /** the action it runs (system or ad-hoc) */
  base: string;
  /** the base action's input; expressions see the ad-hoc action's own input as `$` */
  baseInput: Record<string, unknown>;
  /** its own parameters, in order, with their defaults */
  input: ActionParameter[];
  /** turns the base action's result (`$`) into its own; absent: the base's result as is */
  output?: unknown;
  description: string | null;
  tags: string[];
}

export type AdhocScope = 'private' | 'public';

/** The longest chain of ad-hoc actions over ad-hoc actions (A on B on ... on a system action). */
export const MAX_ADHOC_CHAIN = 10;
