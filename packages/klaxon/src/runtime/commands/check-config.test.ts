// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are literal config text here
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { klaxon } from './testdata/run-cli.js';

const testdata = fileURLToPath(new URL('../../config/testdata/', import.meta.url));
const repo = fileURLToPath(new URL('../../../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'klaxon-check-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('klaxon check-config', () => {
  it('exits 0 and counts rules, outputs and silences for a good file', async () => {
    expect(await klaxon('check-config', `${testdata}good.yaml`)).toEqual({
      code: 0,
      stdout: 'ok: 5 rules, 4 outputs, 2 silences\n',
      stderr: '',
    });
  });

  it('keeps the summary wording fixed for scripts', async () => {
    const file = join(dir, 'one.yaml');
    writeFileSync(
      file,
      'outputs: { c: { type: console } }\nrules: [{ name: a, pattern: { source: [x] }, notify: [c] }]\n' +
        'silences: [{ pattern: { source: [y] }, until: 2030-01-01T00:00:00Z, reason: r }]\n',
    );
    expect((await klaxon('check-config', file)).stdout).toBe('ok: 1 rules, 1 outputs, 1 silences\n');
  });

  it('exits 1 with one line per problem, each naming its path', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      `outputs: { screen: { type: console } }
rules:
  - { name: a, pattern: { source: [aws.guardduty] }, notify: [screen, x] }
  - { name: b, pattern: { source: [aws.guardduty] }, notify: [screen] }
  - { name: c, pattern: { detail: { severity: [{ numeric: [">", "seven"] }] } }, notify: [screen] }
`,
    );
    const { code, stdout, stderr } = await klaxon('check-config', file);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      "rules[0].notify[1]: unknown output 'x'\n" +
        'rules[2].pattern: Event pattern is not valid. Reason: Value of > must be numeric\n',
    );
  });

  it('reports YAML syntax errors with line and column, exit 1', async () => {
    const { code, stdout } = await klaxon('check-config', `${testdata}bad.yaml-syntax.yaml`);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^.*bad\.yaml-syntax\.yaml:3:1: Flow map in block collection/);
  });

  it('exits 2 when the file cannot be read', async () => {
    const { code, stdout, stderr } = await klaxon('check-config', join(dir, 'missing.yaml'));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`klaxon check-config: cannot read ${join(dir, 'missing.yaml')}: ENOENT\n`);
  });

  it('exits 2 on bad usage', async () => {
    expect((await klaxon('check-config')).code).toBe(2);
    expect((await klaxon('check-config', 'a.yaml', 'b.yaml')).code).toBe(2);
    expect((await klaxon('check-config', '--frobnicate', 'a.yaml')).code).toBe(2);
    expect((await klaxon('check-config', '--help')).code).toBe(0);
  });

  it('--resolve looks secrets up and masks their values in messages', async () => {
    const file = join(dir, 'resolve.yaml');
    writeFileSync(file, 'settings: { server: { token: "${env:KLAXON_CHECK_TOKEN}" } }\n');
    const before = process.env.KLAXON_CHECK_TOKEN;
    try {
      delete process.env.KLAXON_CHECK_TOKEN;
      const missing = await klaxon('check-config', '--resolve', file);
      expect(missing).toMatchObject({
        code: 1,
        stdout: 'settings.server.token: environment variable KLAXON_CHECK_TOKEN is not set\n',
      });
      process.env.KLAXON_CHECK_TOKEN = 'a-token-that-is-long-enough';
      expect(await klaxon('check-config', '--resolve', file)).toMatchObject({ code: 0 });
      // Without --resolve, the reference is checked for syntax only.
      delete process.env.KLAXON_CHECK_TOKEN;
      expect(await klaxon('check-config', file)).toMatchObject({ code: 0 });
    } finally {
      if (before === undefined) delete process.env.KLAXON_CHECK_TOKEN;
      else process.env.KLAXON_CHECK_TOKEN = before;
    }
  });

  // Needs dist/: the README's test command (`npm test`) builds before it runs the tests.
  it('works from the built CLI with the documented exit codes', () => {
    const bin = join(repo, 'packages/klaxon/bin/klaxon.js');
    const good = spawnSync(process.execPath, [bin, 'check-config', `${testdata}good.yaml`], {
      encoding: 'utf8',
    });
    expect([good.status, good.stdout]).toEqual([0, 'ok: 5 rules, 4 outputs, 2 silences\n']);
    const bad = spawnSync(
      process.execPath,
      [bin, 'check-config', `${testdata}bad.rule-unknown-output.yaml`],
      {
        encoding: 'utf8',
      },
    );
    expect([bad.status, bad.stdout]).toEqual([1, "rules[0].notify[1]: unknown output 'x'\n"]);
    const missing = spawnSync(process.execPath, [bin, 'check-config', join(dir, 'nope.yaml')], {
      encoding: 'utf8',
    });
    expect(missing.status).toBe(2);
    const stdin = spawnSync(process.execPath, [bin, 'check-config', '-'], {
      encoding: 'utf8',
      input:
        'outputs: { c: { type: console } }\nrules: [{ name: a, pattern: { source: [x] }, notify: [c, d] }]\n',
    });
    expect([stdin.status, stdin.stdout]).toEqual([1, "rules[0].notify[1]: unknown output 'd'\n"]);
  });
});
