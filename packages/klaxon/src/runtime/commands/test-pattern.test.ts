import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { klaxon } from './testdata/run-cli.js';

const conformance = (file: string) =>
  fileURLToPath(new URL(`../../../../../../shared/conformance/${file}`, import.meta.url));

interface Case {
  name: string;
  expected: 'match' | 'no-match' | 'invalid';
  error?: string;
  oracleError?: string;
}

// The one AWS recording Klaxon knowingly differs from (see patterns/conformance.test.ts):
// AWS's wildcard-complexity limit is not reproduced, so the pattern is accepted and evaluated.
const ACCEPTED_THOUGH_AWS_REJECTS = new Set(['content_wildcard_complex_EXC']);

const dir = mkdtempSync(join(tmpdir(), 'klaxon-test-pattern-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('klaxon test-pattern --cases', () => {
  for (const [file, errorField] of [
    ['eventbridge-patterns.aws.json', 'error'],
    ['eventbridge-patterns.event-ruler.json', 'oracleError'],
  ] as const) {
    it(`prints one line per case of ${file}, agreeing with every expected result and error text`, async () => {
      const path = conformance(file);
      const cases = JSON.parse(readFileSync(path, 'utf8')) as Case[];
      const { code, stdout, stderr } = await klaxon('test-pattern', '--cases', path);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const lines = stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { name: string; result: string; error?: string });
      expect(lines.map((l) => l.name)).toEqual(cases.map((c) => c.name));
      lines.forEach((line, i) => {
        const c = cases[i] as Case;
        if (ACCEPTED_THOUGH_AWS_REJECTS.has(c.name)) {
          expect(line.result).not.toBe('invalid');
        } else if (c.expected === 'invalid') {
          expect(line).toEqual({ name: c.name, result: 'invalid', error: c[errorField] });
        } else {
          expect(line).toEqual({ name: c.name, result: c.expected });
        }
      });
    });
  }

  it('rejects a cases file that is not an array of named cases, naming the problem', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ pattern: { a: ['x'] }, event: {} }]));
    const r = await klaxon('test-pattern', '--cases', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`klaxon test-pattern: --cases ${bad}: case [0] has no "name"\n`);
  });
});

describe('klaxon test-pattern --event-pattern --event', () => {
  it('prints {"Result":true} or {"Result":false}', async () => {
    const pattern = JSON.stringify({ detail: { severity: [{ numeric: ['>=', 7] }] } });
    expect(
      await klaxon('test-pattern', '--event-pattern', pattern, '--event', '{"detail":{"severity":8.5}}'),
    ).toEqual({
      code: 0,
      stdout: '{"Result":true}\n',
      stderr: '',
    });
    expect(
      (await klaxon('test-pattern', '--event-pattern', pattern, '--event', '{"detail":{"severity":2}}'))
        .stdout,
    ).toBe('{"Result":false}\n');
  });

  it('reads @files and keeps the pattern text exact (duplicate keys: last wins)', async () => {
    const p = join(dir, 'p.json');
    const e = join(dir, 'e.json');
    writeFileSync(p, '{"a": ["x"], "a": ["y"]}');
    writeFileSync(e, '{"a": "y"}');
    expect((await klaxon('test-pattern', '--event-pattern', `@${p}`, '--event', `@${e}`)).stdout).toBe(
      '{"Result":true}\n',
    );
  });

  it('an invalid pattern: EventBridge message on stderr, exit 2, nothing on stdout', async () => {
    const r = await klaxon('test-pattern', '--event-pattern', '{"a": []}', '--event', '{}');
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'klaxon test-pattern: Event pattern is not valid. Reason: Empty arrays are not allowed\n',
    });
  });

  it('bad usage exits 2 with a one-line reason', async () => {
    expect((await klaxon('test-pattern', '--event', '{}')).code).toBe(2);
    const r = await klaxon('test-pattern', '--event-pattern', '{"a":["x"]}', '--event', '{"a":');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^klaxon test-pattern: --event: Event is not valid JSON: .*\n$/);
    const missing = await klaxon('test-pattern', '--event-pattern', '@/nonexistent/p.json', '--event', '{}');
    expect(missing.stderr).toBe(
      'klaxon test-pattern: --event-pattern: cannot read /nonexistent/p.json: ENOENT\n',
    );
    expect((await klaxon('test-pattern', '--cases', 'x', '--event', '{}')).code).toBe(2);
    expect((await klaxon('test-pattern', '--max-length', '5000', '--cases', 'x')).code).toBe(2);
  });

  it('honours --max-length', async () => {
    const r = await klaxon(
      'test-pattern',
      '--max-length',
      '8',
      '--event-pattern',
      '{"a":["x"]}',
      '--event',
      '{}',
    );
    expect(r.stderr).toBe(
      'klaxon test-pattern: Event pattern is not valid. Reason: Event pattern is longer than 8 characters (11)\n',
    );
  });
});

describe('the installed bin', () => {
  const bin = fileURLToPath(new URL('../../../bin/klaxon.js', import.meta.url));
  const built = fileURLToPath(new URL('../../../dist/runtime/commands/test-pattern.js', import.meta.url));
  it('runs test-pattern from dist/ (npm test builds first)', () => {
    expect(existsSync(built)).toBe(true);
    const ok = spawnSync(
      process.execPath,
      [bin, 'test-pattern', '--event-pattern', '{"a":["x"]}', '--event', '{"a":"x"}'],
      {
        encoding: 'utf8',
      },
    );
    expect({ status: ok.status, stdout: ok.stdout }).toEqual({ status: 0, stdout: '{"Result":true}\n' });
    const bad = spawnSync(process.execPath, [bin, 'test-pattern', '--event-pattern', '[]', '--event', '{}'], {
      encoding: 'utf8',
    });
    expect({ status: bad.status, stdout: bad.stdout, stderr: bad.stderr }).toEqual({
      status: 2,
      stdout: '',
      stderr: 'klaxon test-pattern: Event pattern is not valid. Reason: Filter is not an object\n',
    });
  });
});
