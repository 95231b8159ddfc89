import { sleepLong } from '../../common/long-timer';
import { ActionFailure, ActionInputError, type ActionHandler } from '../action.types';

function seconds(value: unknown, parameter: string, maxSeconds: number): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) {
    throw new ActionInputError(`${parameter} must be a number of seconds, 0 or more (got ${JSON.stringify(value)})`);
  }
  if (number > maxSeconds) {
    throw new ActionInputError(`${parameter}: ${number} seconds is more than the limit of ${maxSeconds} seconds (SIROCCO_MAX_DURATION_SECONDS)`);
  }
  return number;
}

export const noopAction: ActionHandler = {
  name: 'std.noop',
  description: 'Does nothing; its result is null.',
  parameters: [],
  isIdempotent: () => true,
  isInstant: () => true,
  run: async () => null,
};

export const asyncNoopAction: ActionHandler = {
  name: 'std.async_noop',
  description: 'Starts nothing and waits: it ends when its result is given with PUT /v2/action_executions/{id}.',
  parameters: [],
  isIdempotent: () => true,
  isAsync: () => true,
  run: async () => null,
};

export const echoAction = (maxSeconds: number): ActionHandler => ({
  name: 'std.echo',
  description: 'Returns `output` as its result, after `delay` seconds.',
  parameters: [{ name: 'output' }, { name: 'delay', default: 0 }],
  isIdempotent: () => true,
  isInstant: (input) => !input.delay,
  async run(input, context) {
    const delay = seconds(input.delay ?? 0, 'delay', maxSeconds);
    if (delay > 0) await sleepLong(delay * 1000, context.signal);
    return input.output;
  },
});

export const failAction: ActionHandler = {
  name: 'std.fail',
  description: 'Always fails; `error_data` becomes the error result.',
  parameters: [{ name: 'error_data', default: null }],
  isIdempotent: () => true,
  isInstant: () => true,
  async run(input) {
    const data = input.error_data ?? null;
    const message = data === null ? 'Fail action expected exception.' : typeof data === 'string' ? data : JSON.stringify(data);
    throw new ActionFailure(message, data ?? message);
  },
};

export const sleepAction = (maxSeconds: number): ActionHandler => ({
  name: 'std.sleep',
  description: 'Waits `seconds`, then succeeds with a null result.',
  parameters: [{ name: 'seconds', default: 1 }],
  isIdempotent: () => true,
  async run(input, context) {
    await sleepLong(seconds(input.seconds, 'seconds', maxSeconds) * 1000, context.signal);
    return null;
  },
});
