import { SharedReads } from './shared-reads';

/** A load whose answer the test gives: what a database read looks like to the caller. */
function controlledLoads() {
  const sent: Array<{ resolve(value: string): void; reject(error: unknown): void }> = [];
  const load = () => new Promise<string>((resolve, reject) => sent.push({ resolve, reject }));
  return { sent, load };
}

describe('SharedReads', () => {
  it('sends the first read at once and never lets a later caller share a read sent before it asked', async () => {
    const reads = new SharedReads<string>();
    const { sent, load } = controlledLoads();
    const first = reads.read('k', load);
    expect(sent).toHaveLength(1);
    // these came while the first read was out: they share the next one, sent once it is back
    const second = reads.read('k', load);
    const third = reads.read('k', load);
    expect(sent).toHaveLength(1);
    sent[0].resolve('before');
    await expect(first).resolves.toBe('before');
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(2);
    sent[1].resolve('after');
    await expect(second).resolves.toBe('after');
    await expect(third).resolves.toBe('after');
  });

  it('keeps keys apart and gives a failed read to its own callers only', async () => {
    const reads = new SharedReads<string>();
    const { sent, load } = controlledLoads();
    const a = reads.read('a', load);
    const b = reads.read('b', load);
    expect(sent).toHaveLength(2);
    sent[0].reject(new Error('no such workflow'));
    sent[1].resolve('b');
    await expect(a).rejects.toThrow('no such workflow');
    await expect(b).resolves.toBe('b');
    // a new read of a after the failure is sent afresh
    const again = reads.read('a', load);
    expect(sent).toHaveLength(3);
    sent[2].resolve('a');
    await expect(again).resolves.toBe('a');
  });
});
