// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are literal config text here
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

const ssm = mockClient(SSMClient);
const sm = mockClient(SecretsManagerClient);
const clients = {
  ssm: new SSMClient({ region: 'eu-west-1' }),
  secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'klaxon-config-'));
  await writeFile(join(dir, 'slack-token.txt'), 'xoxb-file-secret-123\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  ssm.reset();
  sm.reset();
});

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function loadError(path: string, options: Parameters<typeof loadConfig>[1]): Promise<ConfigError> {
  try {
    await loadConfig(path, options);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const CONFIG = `
outputs:
  soc: { type: webhook, url: "https://soc.example.com/hook?key=\${env:SOC_KEY}&tenant=\${ssm:/klaxon/tenant}" }
  archive: { type: file, path: "\${file:slack-token.txt}.jsonl" }
rules:
  - name: all
    pattern: { source: [aws.guardduty] }
    notify: [soc, archive]
    actions: [{ type: ec2-isolate, securityGroup: "\${secretsmanager:klaxon/forensic-sg}" }]
settings:
  server: { token: "\${env:KLAXON_TOKEN}" }
silences:
  - { pattern: { account: ["111122223333"] }, until: 2026-12-31T00:00:00Z, reason: "literal $\${env:NOPE} stays" }
`;

describe('loadConfig', () => {
  it('resolves env, file, SSM and Secrets Manager references, embedded or whole', async () => {
    ssm.on(GetParameterCommand, { Name: '/klaxon/tenant', WithDecryption: true }).resolves({
      Parameter: { Name: '/klaxon/tenant', Value: 'tenant-42' },
    });
    sm.on(GetSecretValueCommand, { SecretId: 'klaxon/forensic-sg' }).resolves({
      SecretString: 'sg-0123456789abcdef0',
    });
    const path = await write('klaxon.yaml', CONFIG);
    const { config, redactor, source } = await loadConfig('klaxon.yaml', {
      ...clients,
      cwd: dir,
      env: { SOC_KEY: 'k3y-value/with+chars', KLAXON_TOKEN: 'a-long-bearer-token-0123456789' },
    });
    expect(source).toBe(path);
    expect(config.outputs.soc?.url).toBe(
      'https://soc.example.com/hook?key=k3y-value/with+chars&tenant=tenant-42',
    );
    expect(config.outputs.archive?.path).toBe('xoxb-file-secret-123.jsonl');
    expect(config.rules[0]?.actions[0]).toEqual({
      type: 'ec2-isolate',
      securityGroup: 'sg-0123456789abcdef0',
      dryRun: true,
    });
    expect(config.settings.server.token).toBe('a-long-bearer-token-0123456789');
    expect(config.silences[0]?.reason).toBe('literal ${env:NOPE} stays');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    const line = `posting to ${config.outputs.soc?.url} with ${encodeURIComponent('k3y-value/with+chars')} and ${JSON.stringify({ t: config.settings.server.token })}`;
    const masked = redactor.redact(line);
    expect(masked).not.toContain('k3y-value');
    expect(masked).not.toContain('a-long-bearer-token');
    expect(masked).not.toContain('tenant-42');
    expect(masked).toContain('***');
  });

  it('looks each distinct reference up once', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'https://hooks.example.com/abc' } });
    await write(
      'twice.yaml',
      `outputs:
  a: { type: webhook, url: "\${ssm:/klaxon/url}" }
  b: { type: webhook, url: "\${ssm:/klaxon/url}" }
`,
    );
    const { config } = await loadConfig('twice.yaml', { ...clients, cwd: dir, env: {} });
    expect(config.outputs.a?.url).toBe('https://hooks.example.com/abc');
    expect(config.outputs.b?.url).toBe('https://hooks.example.com/abc');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('names what is missing by path and name, never by value, and reports every failure', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });
    await write('missing.yaml', CONFIG.replace('slack-token.txt', 'nope.txt'));
    const err = await loadError('missing.yaml', {
      ...clients,
      cwd: dir,
      env: { SOC_KEY: 'present-secret-value' },
    });
    expect(err.message).toBe(
      [
        "outputs.soc.url: cannot read SSM parameter '/klaxon/tenant': ParameterNotFound",
        "outputs.archive.path: cannot read secret file 'nope.txt': ENOENT",
        "rules[0].actions[0].securityGroup: secret 'klaxon/forensic-sg' has no SecretString (binary secrets are not supported)",
        'settings.server.token: environment variable KLAXON_TOKEN is not set',
      ].join('\n'),
    );
    expect(err.message).not.toContain('present-secret-value');
  });

  it('validates the file as written before fetching any secret', async () => {
    await write('typo.yaml', 'outputs:\n  soc: { type: webhook, url: "${ssm:/x}", hedaers: {} }\n');
    const err = await loadError('typo.yaml', { ...clients, cwd: dir, env: {} });
    expect(err.message).toBe("outputs.soc.hedaers: unknown key (did you mean 'headers'?)");
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('masks a resolved secret that fails validation after resolution', async () => {
    await write(
      'badsg.yaml',
      `rules:
  - name: a
    pattern: { source: [aws.guardduty] }
    actions: [{ type: ec2-isolate, securityGroup: "\${env:SG}" }]
settings: { server: { token: "\${env:TOKEN}" } }
`,
    );
    const err = await loadError('badsg.yaml', {
      ...clients,
      cwd: dir,
      env: { SG: 'not-a-group', TOKEN: 'short' },
    });
    expect(err.message).toBe(
      [
        'rules[0].actions[0].securityGroup: expected a security group id such as sg-0123456789abcdef0',
        'settings.server.token: must be at least 16 characters',
      ].join('\n'),
    );
    expect(err.message).not.toContain('not-a-group');
  });

  it('reads one field of a JSON secret with #key, fetching the secret once', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'klaxon/slack' }).resolves({
      SecretString: JSON.stringify({ token: 'xoxb-json-field-secret', channel: 'C0123456', n: 5 }),
    });
    await write(
      'json.yaml',
      `outputs:
  a: { type: webhook, url: "https://x.example/\${secretsmanager:klaxon/slack#channel}?t=\${secretsmanager:klaxon/slack#token}" }
  b: { type: webhook, url: "https://x.example/\${secretsmanager:klaxon/slack#n}" }
  c: { type: webhook, url: "https://x.example/\${secretsmanager:klaxon/slack#nope}" }
`,
    );
    const err = await loadError('json.yaml', { ...clients, cwd: dir, env: {} });
    expect(err.message).toBe(
      [
        "outputs.b.url: secret 'klaxon/slack' has no non-empty string field 'n'",
        "outputs.c.url: secret 'klaxon/slack' has no non-empty string field 'nope'",
      ].join('\n'),
    );
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    await write(
      'json-ok.yaml',
      'outputs:\n  a: { type: webhook, url: "https://x.example/${secretsmanager:klaxon/slack#channel}?t=${secretsmanager:klaxon/slack#token}" }\n',
    );
    const { config, redactor } = await loadConfig('json-ok.yaml', { ...clients, cwd: dir, env: {} });
    expect(config.outputs.a?.url).toBe('https://x.example/C0123456?t=xoxb-json-field-secret');
    expect(redactor.redact('xoxb-json-field-secret')).toBe('***');
  });

  it('treats an empty environment variable as missing', async () => {
    await write('empty.yaml', 'settings: { server: { token: "${env:KLAXON_TOKEN}" } }\n');
    const err = await loadError('empty.yaml', { ...clients, cwd: dir, env: { KLAXON_TOKEN: '' } });
    expect(err.message).toBe('settings.server.token: environment variable KLAXON_TOKEN is empty');
  });

  it('reports an unreadable file as a ConfigError naming it', async () => {
    const err = await loadError('does-not-exist.yaml', { cwd: dir, env: {} });
    expect(err.message).toBe('does-not-exist.yaml: cannot read the configuration file: ENOENT');
  });

  it('adds the secrets each output declares to the redactor, even when written inline', async () => {
    await write(
      'inline.yaml',
      'outputs:\n  soc: { type: webhook, url: "https://hooks.example.com/inline-secret-path" }\n',
    );
    const { redactor } = await loadConfig('inline.yaml', { cwd: dir, env: {} });
    expect(redactor.redact('failed: https://hooks.example.com/inline-secret-path')).not.toContain(
      'inline-secret-path',
    );
  });
});
