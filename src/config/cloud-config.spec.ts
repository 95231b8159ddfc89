import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readCloudConfig } from './cloud-config';

describe('readCloudConfig: the cloud noauth mode acts on, as openstackclient reads it', () => {
  let dir: string;
  let file: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sirocco-clouds-'));
    file = path.join(dir, 'clouds.yaml');
    writeFileSync(
      file,
      `clouds:
  prod:
    auth:
      auth_url: https://keystone.example.org:5000/v3
      username: ops
      password: s3cret
      project_name: backups
      user_domain_name: Default
      project_domain_id: default
    region_name: RegionTwo
    interface: internal
  broken:
    auth:
      auth_url: https://keystone.example.org:5000/v3
      username: ops
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the cloud OS_CLOUD names from clouds.yaml', () => {
    const cloud = readCloudConfig({ OS_CLOUD: 'prod', OS_CLIENT_CONFIG_FILE: file })!;
    expect(cloud).toMatchObject({ authUrl: 'https://keystone.example.org:5000/v3', region: 'RegionTwo', interface: 'internal' });
    expect(cloud.credentials).toMatchObject({ username: 'ops', password: 's3cret', project: 'backups', userDomainName: 'Default', projectDomain: 'default' });
    expect(cloud.source).toContain("cloud 'prod'");
  });

  it('reads the OS_* variables when no OS_CLOUD is set, and nothing when neither is', () => {
    const cloud = readCloudConfig({
      OS_AUTH_URL: 'http://k:5000/v3',
      OS_USERNAME: 'demo',
      OS_PASSWORD: 'pw',
      OS_PROJECT_NAME: 'demo',
      OS_USER_DOMAIN_ID: 'default',
      OS_REGION_NAME: 'RegionOne',
    })!;
    expect(cloud).toMatchObject({ authUrl: 'http://k:5000/v3', region: 'RegionOne', interface: 'public', source: 'OS_* variables' });
    expect(cloud.credentials).toMatchObject({ username: 'demo', project: 'demo', userDomain: 'default' });
    expect(readCloudConfig({})).toBeNull();
  });

  it.each([
    [{ OS_CLOUD: 'nope' }, "has no cloud of that name (it has: prod, broken)"],
    [{ OS_CLOUD: 'broken' }, 'username and password are required'],
    [{ OS_AUTH_URL: 'http://k:5000/v3', OS_USERNAME: 'x' }, 'OS_* variables: username and password are required'],
  ])('explains what is wrong: %p', (env, message) => {
    expect(() => readCloudConfig({ OS_CLIENT_CONFIG_FILE: file, ...env })).toThrow(message);
  });

  it('says where it looked when there is no clouds.yaml', () => {
    expect(() => readCloudConfig({ OS_CLOUD: 'prod', OS_CLIENT_CONFIG_FILE: path.join(dir, 'missing.yaml'), HOME: dir })).toThrow(
      "OS_CLOUD is 'prod' but no clouds.yaml was found",
    );
  });
});
