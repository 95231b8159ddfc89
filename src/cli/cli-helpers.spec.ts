import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadCliConfig, normaliseSiroccoUrl } from './cli-config';
import { collectKeyValue, sinceTime } from './cli-inputs';
import { patternInWords } from '../triggers/schedule/pattern-words';
import { definitionProblems } from './workflow-files';

describe('the CLI settings', () => {
  it('reads OS_* as the openstack CLI does; no credentials means noauth', () => {
    expect(loadCliConfig({}).credentials).toBeUndefined();
    expect(loadCliConfig({ OS_AUTH_URL: 'http://ks:5000/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_PROJECT_NAME: 'proj' }).credentials).toMatchObject({
      kind: 'password',
      username: 'u',
      projectName: 'proj',
    });
    expect(loadCliConfig({ OS_TOKEN: 't' }).credentials).toEqual({ kind: 'token', token: 't', authUrl: undefined });
    expect(() => loadCliConfig({ OS_USERNAME: 'u', OS_PASSWORD: 'p' })).toThrow('OS_AUTH_URL is not set');
  });

  it('reads OS_CLOUD from clouds.yaml with secure.yaml beside it; OS_* win', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sirocco-clouds-'));
    mkdirSync(path.join(dir, 'etc'));
    writeFileSync(path.join(dir, 'etc/clouds.yaml'), 'clouds:\n  prod:\n    region_name: RegionOne\n    auth:\n      auth_url: http://ks/v3\n      username: ops\n      project_name: infra\n');
    writeFileSync(path.join(dir, 'etc/secure.yaml'), 'clouds:\n  prod:\n    auth:\n      password: from-secure\n');
    const config = loadCliConfig({ OS_CLOUD: 'prod', OS_CLIENT_CONFIG_FILE: path.join(dir, 'etc/clouds.yaml'), OS_PROJECT_NAME: 'other' }, dir);
    expect(config.credentials).toMatchObject({ kind: 'password', username: 'ops', password: 'from-secure', projectName: 'other' });
    expect(config.regionName).toBe('RegionOne');
  });

  it('takes the API root with or without /v2', () => {
    expect(normaliseSiroccoUrl('http://h:8989/v2/')).toBe('http://h:8989');
    expect(() => normaliseSiroccoUrl('ftp://h')).toThrow('must be http(s)');
  });
});

describe('the CLI helpers', () => {
  it('reads --input values as JSON when they are JSON', () => {
    expect(collectKeyValue('n=3', collectKeyValue('s=abc'))).toEqual({ s: 'abc', n: 3 });
    expect(collectKeyValue('list=["a"]')).toEqual({ list: ['a'] });
    expect(() => collectKeyValue('novalue')).toThrow('expected key=value');
  });

  it('turns --since into a UTC time', () => {
    expect(sinceTime('1d', new Date('2026-12-02T10:00:00Z'))).toBe('2026-12-01 10:00:00');
    expect(sinceTime('2026-11-30T08:00:00Z')).toBe('2026-11-30 08:00:00');
  });

  it('says a pattern in words, seconds last as Sirocco reads them, in its zone', () => {
    expect(patternInWords('0 5 * * *', 'Europe/Zurich')).toBe('Every day at 05:00 (Europe/Zurich)');
    expect(patternInWords('0 5 * * * 30', 'UTC')).toBe('Every day at 05:00:30 (UTC)');
    expect(patternInWords('@daily')).toBe('Every day at 00:00');
    expect(patternInWords('0 5 * * 1-5')).toBe('At 05:00, Monday through Friday');
    expect(patternInWords('not a pattern')).toBe('not a pattern');
  });

  it("reads the validate endpoint's errors with their line and column", () => {
    expect(definitionProblems('Invalid DSL: line 6, column 19: broken.tasks.t.on-success: no task nowhere\nline 2, column 1: broken: oops')).toEqual([
      { line: 6, column: 19, message: 'broken.tasks.t.on-success: no task nowhere' },
      { line: 2, column: 1, message: 'broken: oops' },
    ]);
    expect(definitionProblems('Definition is empty')).toEqual([{ message: 'Definition is empty' }]);
  });
});
