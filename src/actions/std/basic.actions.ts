import { setTimeout as sleep } from 'node:timers/promises';
import { ActionFailure, ActionInputError, type ActionHandler } from '../action.types';

function seconds(value: unknown, parameter: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) {
    throw new ActionInputError(`${parameter} must be a number of seconds, 0 or more (got ${JSON.stringify(value)})`);
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

export const echoAction: ActionHandler = {
  name: 'std.echo',
  description: 'Returns `output` as its result, after `delay` seconds.',
  parameters: [{ name: 'output' }, { name: 'delay', default: 0 }],
  isIdempotent: () => true,
  isInstant: (input) => !input.delay,
  async run(input, context) {
    const delay = seconds(input.delay ?? 0, 'delay');
    if (delay > 0) await sleep(delay * 1000, undefined, { signal: context.signal });
    return input.output;
  },
};

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

export const sleepAction: ActionHandler = {
  name: 'std.sleep',
  description: 'Waits `seconds`, then succeeds with a null result.',
  parameters: [{ name: 'seconds', default: 1 }],
  isIdempotent: () => true,
  async run(input, context) {
    await sleep(seconds(input.seconds, 'seconds') * 1000, undefined, { signal: context.signal });
    return null;
  },
};
