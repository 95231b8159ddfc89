import { ActionCatalog, type ScopedActionHandler } from './action-catalog';
import type { ActionHandler } from './action.types';

const system: ActionHandler = { name: 'std.noop', description: '', parameters: [], isIdempotent: () => true, run: async () => null };

function adhoc(name: string, projectId: string, scope: 'private' | 'public', result: string): ScopedActionHandler {
  return { name, projectId, scope, description: '', parameters: [], isIdempotent: () => true, run: async () => result };
}

describe('ActionCatalog: which action a name means to a project', () => {
  const catalog = new ActionCatalog([system]);
  catalog.replaceAdhocActions([
    adhoc('mine', 'p1', 'private', 'p1 private'),
    adhoc('shared', 'p2', 'public', 'p2 public'),
    adhoc('shared', 'p1', 'private', 'p1 own'),
    adhoc('hidden', 'p2', 'private', 'p2 private'),
  ]);
  const run = (name: string, projectId: string) => catalog.get(name, projectId)?.run({}, { actionExecutionId: 'x', signal: new AbortController().signal });

  it('a project sees system actions, its own ad-hoc actions first, then public ones; never private ones of others', async () => {
    expect(catalog.get('std.noop', 'p3')).toBe(system);
    await expect(run('mine', 'p1')).resolves.toBe('p1 private');
    expect(catalog.has('mine', 'p2')).toBe(false);
    await expect(run('shared', 'p1')).resolves.toBe('p1 own');
    await expect(run('shared', 'p3')).resolves.toBe('p2 public');
    expect(catalog.has('hidden', 'p1')).toBe(false);
    expect([...catalog.forProject('p1').names()].sort()).toEqual(['mine', 'shared', 'std.noop']);
  });

  it('system actions are told apart; replacing the ad-hoc actions forgets the old ones', () => {
    expect(catalog.isSystem('std.noop')).toBe(true);
    expect(catalog.isSystem('mine')).toBe(false);
    const other = new ActionCatalog([system]);
    other.replaceAdhocActions([adhoc('gone', 'p1', 'private', '')]);
    other.replaceAdhocActions([]);
    expect(other.has('gone', 'p1')).toBe(false);
    expect(other.list().map((action) => action.name)).toEqual(['std.noop']);
  });
});
