import type { WorkflowSpec } from '../../workflows/language';
import { SpecCache } from './spec-cache';

/** A spec with `n` tasks: the cache weighs specs by their tasks. */
function specOf(n: number): WorkflowSpec {
  return { tasks: Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, {}])) } as unknown as WorkflowSpec;
}

describe('the spec cache (by spec id)', () => {
  it('gives back the spec stored under an id, and nothing for another', () => {
    const cache = new SpecCache();
    const spec = specOf(3);
    cache.set('a', spec);
    expect(cache.get('a')).toBe(spec);
    expect(cache.get('b')).toBeUndefined();
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
  });

  it('lets the least recently used specs go once it holds 100,000 tasks', () => {
    const cache = new SpecCache();
    for (const id of ['a', 'b', 'c']) cache.set(id, specOf(25_000));
    cache.get('a'); // used: 'b' is now the least recently used
    cache.set('d', specOf(25_000));
    expect(cache.get('b')).toBeUndefined();
    for (const id of ['a', 'c', 'd']) expect(cache.get(id)).toBeDefined();
  });

  it('does not keep a spec larger than the whole cache', () => {
    const cache = new SpecCache();
    cache.set('small', specOf(10));
    cache.set('huge', specOf(200_000));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('small')).toBeDefined();
  });
});
