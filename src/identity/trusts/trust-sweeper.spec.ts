import type { DatabaseHealth } from '../../database/database-health';
import { ExecutionLookupRegistry, type ExecutionLookup } from './execution-lookup';
import { NoTrustCredentials, type TrustCredentials } from './trust-credentials';
import { TrustSweeper } from './trust-sweeper';
import type { TrustsRepository } from './trusts.repository';

/** Trust tables in memory, with the repository's methods the sweeper uses. */
function tables(triggerTrusts: Array<{ trigger_id: string; trust_id: string }>, executionTrusts: Array<{ execution_id: string; trust_id: string | null }>) {
  const repository = {
    triggerTrustsToDelete: async () => [...triggerTrusts],
    deleteTriggerTrust: async (id: string) => void triggerTrusts.splice(triggerTrusts.findIndex((row) => row.trigger_id === id), 1),
    executionTrustsAfter: async (after: string | null, limit: number) =>
      [...executionTrusts].sort((a, b) => a.execution_id.localeCompare(b.execution_id)).filter((row) => after === null || row.execution_id > after).slice(0, limit),
    deleteExecutionTrust: async (id: string) => void executionTrusts.splice(executionTrusts.findIndex((row) => row.execution_id === id), 1),
  };
  return repository as unknown as TrustsRepository;
}

const health = { isAvailable: true, reportFailure: () => false } as unknown as DatabaseHealth;

function keystone(deleted: string[]): TrustCredentials {
  return Object.assign(new NoTrustCredentials(), { supportsTrusts: true, deleteTrust: async (id: string) => void deleted.push(id) });
}

function lookup(liveTriggers: string[], released: string[]): ExecutionLookupRegistry {
  const registry = new ExecutionLookupRegistry();
  const answers: ExecutionLookup = {
    originOf: async () => null,
    releasedExecutions: async (ids) => ids.filter((id) => released.includes(id)),
    triggersWithLiveExecutions: async (ids) => ids.filter((id) => liveTriggers.includes(id)),
  };
  registry.register(answers);
  return registry;
}

describe('TrustSweeper', () => {
  it("deletes a deleted trigger's trust once none of its executions runs, and an ended execution's trust", async () => {
    const triggerTrusts = [
      { trigger_id: 't-running', trust_id: 'trust-1' },
      { trigger_id: 't-idle', trust_id: 'trust-2' },
    ];
    const executionTrusts = [
      { execution_id: 'e-ended', trust_id: 'trust-3' },
      { execution_id: 'e-running', trust_id: 'trust-4' },
      { execution_id: 'e-no-trust', trust_id: null },
    ];
    const deleted: string[] = [];
    const sweeper = new TrustSweeper(tables(triggerTrusts, executionTrusts), lookup(['t-running'], ['e-ended', 'e-no-trust']), health, keystone(deleted));
    await sweeper.sweep();
    expect(deleted.sort()).toEqual(['trust-2', 'trust-3']);
    expect(triggerTrusts.map((row) => row.trigger_id)).toEqual(['t-running']);
    expect(executionTrusts.map((row) => row.execution_id)).toEqual(['e-running']);
  });

  it('finds released execution trusts past the first page', async () => {
    const executionTrusts = Array.from({ length: 1200 }, (_, index) => ({ execution_id: `e-${String(index).padStart(5, '0')}`, trust_id: `trust-${index}` }));
    const deleted: string[] = [];
    const sweeper = new TrustSweeper(tables([], executionTrusts), lookup([], ['e-01100']), health, keystone(deleted));
    await sweeper.sweep();
    expect(deleted).toEqual(['trust-1100']);
  });

  it('leaves execution trusts alone in noauth mode, which makes none', async () => {
    const executionTrusts = [{ execution_id: 'e-ended', trust_id: 'trust-3' }];
    const sweeper = new TrustSweeper(tables([], executionTrusts), lookup([], ['e-ended']), health, new NoTrustCredentials());
    await sweeper.sweep();
    expect(executionTrusts).toHaveLength(1);
  });

  it('asked while a round runs, runs one more round after it', async () => {
    const triggerTrusts: Array<{ trigger_id: string; trust_id: string }> = [];
    const deleted: string[] = [];
    const sweeper = new TrustSweeper(tables(triggerTrusts, []), lookup([], []), health, keystone(deleted));
    const first = sweeper.sweep();
    triggerTrusts.push({ trigger_id: 't-late', trust_id: 'trust-late' }); // requested after the first round read the table
    await Promise.all([first, sweeper.sweep()]);
    expect(deleted).toEqual(['trust-late']);
  });
});
