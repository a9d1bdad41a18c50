/**
 * The router's CLI commands, run as the user runs them (`node bin/klaxon.js …` on the built dist):
 * route, send, silences, deliveries.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardDuty, sample } from '../../route/testdata/samples.js';
import { SqliteStore } from '../../store/sqlite.js';
import { ensureBuilt, startKlaxon, startSink } from '../testdata/klaxon-process.js';

const BIN = fileURLToPath(new URL('../../../bin/klaxon.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'klaxon-router-cli-'));
beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function klaxon(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const CONFIG = file(
  'route.yaml',
  `outputs:
  hook: { type: webhook, url: "\${env:HOOK_URL}", headers: { Authorization: "Bearer \${env:HOOK_TOKEN}" } }
  screen: { type: console }
rules:
  - name: gd-high
    pattern: { source: [aws.guardduty], detail: { severity: [{ numeric: [">=", 7] }] } }
    notify: [hook, screen]
    transform:
      inputPathsMap: { type: "$.detail.type", sev: "$.detail.severity" }
      inputTemplate: '{"text": "GuardDuty <type> severity <sev>"}'
    actions: [{ type: ec2-isolate, securityGroup: sg-0123456789abcdef0 }]
  - name: sh-digest
    pattern: { source: [aws.securityhub] }
    notify: [screen]
    group: { by: [account], wait: 30s, interval: 5m }
silences:
  - { pattern: { account: ["000000000000"] }, until: "2099-01-01T00:00:00Z", reason: test }
`,
);

describe('klaxon route', { timeout: 90_000 }, () => {
  it('--dry-run prints matched rules, rendered payloads and planned actions', async () => {
    const event = file('high.json', JSON.stringify(guardDuty({ severity: 8.5 })));
    const { code, stdout, stderr } = await klaxon([
      'route',
      '--config',
      CONFIG,
      '--event',
      event,
      '--dry-run',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line.matched).toEqual(['gd-high']);
    expect(line.silenced).toBe(false);
    expect(line.finding.severity).toEqual({ score: 8.5, label: 'HIGH' });
    expect(line.finding.raw).toBeUndefined();
    expect(line.notifications.map((n: { output: string; kind: string }) => [n.output, n.kind])).toEqual([
      ['hook', 'new'],
      ['screen', 'new'],
    ]);
    expect(line.notifications[0].meta).toEqual({ kind: 'new', rule: 'gd-high' });
    expect(line.notifications[0].payload).toBe(
      '{"text": "GuardDuty Recon:EC2/PortProbeUnprotectedPort severity 8.5"}',
    );
    expect(line.actions).toEqual([
      { rule: 'gd-high', type: 'ec2-isolate', plan: { securityGroup: 'sg-0123456789abcdef0', dryRun: true } },
    ]);
  });

  it('prints one line per finding and shows the digest a grouped rule would send', async () => {
    const event = file(
      'sh.json',
      JSON.stringify(sample('securityhub/asr--fsbp_EC2.1--CRITICAL_FAILED_NEW.json')),
    );
    const { code, stdout } = await klaxon(['route', '--config', CONFIG, '--event', event, '--dry-run']);
    expect(code).toBe(0);
    const [line] = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(line.matched).toEqual(['sh-digest']);
    expect(line.notifications.map((n: { kind: string }) => n.kind)).toEqual(['digest']);
    // An event carrying two ASFF findings gives two lines.
    const two = file(
      'two.json',
      JSON.stringify(sample('securityhub-extra/custom-action--CIS_1-6-multi-select.json')),
    );
    const both = await klaxon(['route', '--config', CONFIG, '--event', two, '--dry-run']);
    const keys = both.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).finding.key);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(2);
  });

  it('reads JSON lines from stdin and reports silenced findings', async () => {
    const silenced = { ...guardDuty({ severity: 9 }), account: '000000000000' };
    const stdin = `${JSON.stringify(guardDuty({ severity: 2 }))}\n${JSON.stringify(silenced)}\n`;
    const { code, stdout } = await klaxon(['route', '--config', CONFIG, '--event', '-', '--dry-run'], {
      stdin,
    });
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.matched, l.silenced, l.notifications.length])).toEqual([
      [[], false, 0],
      [['gd-high'], true, 0],
    ]);
  });

  it('without --dry-run sends for real, resolving and masking secrets', async () => {
    const hook = await startSink();
    try {
      const event = file('send.json', JSON.stringify(guardDuty({ severity: 7.5 })));
      const { code, stdout } = await klaxon(['route', '--config', CONFIG, '--event', event], {
        env: { HOOK_URL: hook.url, HOOK_TOKEN: 'tok-secret-value-123' },
      });
      expect(code).toBe(0);
      expect(hook.requests).toHaveLength(1);
      // The console output prints its own line to stdout too; the route report is the JSON line.
      const [line] = stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{"finding"'))
        .map((l) => JSON.parse(l));
      expect(line.notifications.map((n: { state: string }) => n.state)).toEqual(['sent', 'sent']);
      expect(stdout).not.toContain('tok-secret-value-123');
    } finally {
      await hook.close();
    }
  });

  it('exits 2 with a one-line reason for an event it cannot read', async () => {
    const bad = file('bad.json', '{"hello": "world"}');
    const { code, stderr } = await klaxon(['route', '--config', CONFIG, '--event', bad, '--dry-run']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^klaxon route: .*bad\.json.*\n$/);
  });
});

describe('klaxon send', { timeout: 90_000 }, () => {
  it('klaxon samples | klaxon send - posts every sample and exits 0', async () => {
    const cfg = file('send.yaml', 'outputs: { screen: { type: console } }\nrules: []\n');
    const server = await startKlaxon(cfg, join(dir, 'send.db'));
    try {
      const samples = await klaxon(['samples', '--source', 'guardduty']);
      expect(samples.code).toBe(0);
      const count = samples.stdout.trim().split('\n').length;
      const sent = await klaxon(['send', '--url', server.url, '-'], { stdin: samples.stdout });
      expect(sent.stderr).toBe('');
      expect(sent.code).toBe(0);
      const lines = sent.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toHaveLength(count);
      expect(lines.every((l) => l.status === 202)).toBe(true);
      const bad = await klaxon(['send', '--url', server.url, '-'], { stdin: '{"not":"an event"}' });
      expect(bad.code).toBe(1);
      expect(JSON.parse(bad.stdout).status).toBe(422);
    } finally {
      await server.stop();
    }
  });

  it('exits 2 when the server cannot be reached or the input is not JSON', async () => {
    const unreachable = await klaxon(['send', '--url', 'http://127.0.0.1:9', '-'], { stdin: '{}' });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/cannot reach/);
    const notJson = await klaxon(['send', '-'], { stdin: 'not json\n' });
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/\(stdin\):1: not JSON/);
  });
});

describe('klaxon silences and deliveries', { timeout: 90_000 }, () => {
  it('adds, lists and removes a silence', async () => {
    const db = join(dir, 'ops.db');
    const added = await klaxon([
      'silences',
      'add',
      '--db',
      db,
      '--pattern',
      '{"account":["111122223333"]}',
      '--until',
      '2099-01-01T00:00:00Z',
      '--reason',
      'sandbox',
    ]);
    expect(added.code).toBe(0);
    const { id } = JSON.parse(added.stdout);
    const listed = await klaxon(['silences', '--db', db]);
    expect(JSON.parse(listed.stdout)).toMatchObject({ id, reason: 'sandbox', active: true, origin: 'api' });
    const bad = await klaxon([
      'silences',
      'add',
      '--db',
      db,
      '--pattern',
      '{"a":1}',
      '--until',
      '2099-01-01',
      '--reason',
      'x',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/pattern: Event pattern is not valid/);
    expect((await klaxon(['silences', 'rm', id, '--db', db])).code).toBe(0);
    expect((await klaxon(['silences', 'rm', id, '--db', db])).code).toBe(1);
    expect((await klaxon(['silences', '--db', db])).stdout).toBe('');
  });

  it('lists dead letters and retries one', async () => {
    const db = join(dir, 'dead.db');
    const store = SqliteStore.open(db);
    const now = '2026-03-01T00:00:00.000Z';
    const finding = (await import('../../findings/index.js')).parseFindings(guardDuty({}))[0]!;
    await store.commit({
      deliveries: [
        {
          id: 'dead-one',
          output: 'hook',
          rule: 'gd',
          findingKey: finding.key,
          notification: {
            id: 'dead-one',
            kind: 'new',
            rule: 'gd',
            output: 'hook',
            findings: [finding],
            createdAt: now,
          },
          state: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
          updatedAt: now,
        },
      ],
    });
    await store.claimDeliveries(now, 1, 1000);
    await store.recordOutcome('dead-one', { kind: 'dead', at: now, error: 'HTTP 404' });
    await store.close();
    const dead = await klaxon(['deliveries', '--dead', '--db', db]);
    expect(JSON.parse(dead.stdout)).toMatchObject({ id: 'dead-one', state: 'dead', lastError: 'HTTP 404' });
    expect((await klaxon(['deliveries', '--retry', 'dead-one', '--db', db])).code).toBe(0);
    expect((await klaxon(['deliveries', '--dead', '--db', db])).stdout).toBe('');
    expect(JSON.parse((await klaxon(['deliveries', '--db', db])).stdout).state).toBe('pending');
    expect((await klaxon(['deliveries', '--retry', 'nope', '--db', db])).code).toBe(1);
  });
});
