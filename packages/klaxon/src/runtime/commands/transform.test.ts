import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { klaxon } from './testdata/run-cli.js';

const casesFile = fileURLToPath(
  new URL('../../../../../../shared/conformance/input-transformer.aws.json', import.meta.url),
);
const recorded = JSON.parse(readFileSync(casesFile, 'utf8')) as Array<{
  name: string;
  outcome: 'delivered' | 'not-delivered' | 'rejected';
  expected?: string;
  expectedJson?: unknown;
  error?: string;
}>;

const dir = mkdtempSync(join(tmpdir(), 'klaxon-transform-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('klaxon transform --cases', () => {
  it('prints one line per case that agrees with every AWS recording', async () => {
    const { code, stdout } = await klaxon('transform', '--cases', casesFile);
    expect(code).toBe(0);
    const lines = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; output?: string; error?: string });
    expect(lines.map((l) => l.name)).toEqual(recorded.map((c) => c.name));
    lines.forEach((line, i) => {
      const c = recorded[i]!;
      if (c.outcome === 'rejected') expect(line).toEqual({ name: c.name, error: `rejected: ${c.error}` });
      else if (c.outcome === 'not-delivered') expect(line.error).toMatch(/^not delivered: /);
      else if (c.expected !== undefined) expect(line).toEqual({ name: c.name, output: c.expected });
      else expect(JSON.parse(line.output!)).toEqual(c.expectedJson);
    });
  });

  it('exits 2 with a one-line reason for a file that is not a case list', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"not":"a list"}');
    const r = await klaxon('transform', '--cases', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`klaxon transform: --cases ${bad}: expected a JSON array of cases\n`);
  });
});

describe('klaxon transform (one event)', () => {
  const event = JSON.stringify({
    id: 'e-1',
    account: '111122223333',
    region: 'eu-west-1',
    time: '2026-03-04T05:06:07Z',
    detail: { severity: 8, type: 'Recon:EC2/PortProbeUnprotectedPort', payload: { a: 1 } },
  });

  it('prints the exact string-template output, reading @files, with context flags and defaults', async () => {
    const tpl = join(dir, 'tpl.txt');
    writeFileSync(
      tpl,
      '"<t> (<s>) by <aws.events.rule-name> at <aws.events.event.ingestion-time>\n<aws.events.rule-arn>"',
    );
    const map = join(dir, 'map.json');
    writeFileSync(map, '{"t":"$.detail.type","s":"$.detail.severity"}');
    const r = await klaxon(
      'transform',
      '--input-paths-map',
      `@${map}`,
      '--input-template',
      `@${tpl}`,
      '--event',
      event,
    );
    expect(r).toEqual({
      code: 0,
      stdout:
        '"Recon:EC2/PortProbeUnprotectedPort (8) by klaxon-rule at 2026-03-04T05:06:07Z\narn:aws:events:eu-west-1:111122223333:rule/klaxon-rule"\n',
      stderr: '',
    });
    const named = await klaxon(
      'transform',
      '--input-template',
      '"<aws.events.rule-name>|<aws.events.rule-arn>|<aws.events.event.ingestion-time>"',
      '--event',
      event,
      '--rule-name',
      'n',
      '--rule-arn',
      'arn:x',
      '--ingestion-time',
      'T',
    );
    expect(named.stdout).toBe('"n|arn:x|T"\n');
  });

  it('exits 1 with the reason when EventBridge would silently not deliver', async () => {
    const r = await klaxon(
      'transform',
      '--input-paths-map',
      '{"p":"$.detail.payload"}',
      '--input-template',
      '{"p":"<p>"}',
      '--event',
      event,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^klaxon transform: not delivered: placeholder <p> is inside a quoted JSON string/,
    );
  });

  it("exits 2 with AWS's message when EventBridge would refuse the target", async () => {
    const r = await klaxon('transform', '--input-template', '"<nope>"', '--event', event);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'klaxon transform: InputTemplate for target klaxon contains invalid placeholder nope.\n',
    );
    const both = await klaxon(
      'transform',
      '--input-template',
      '"x"',
      '--input-path',
      '$.detail',
      '--event',
      event,
    );
    expect(both.stderr).toBe(
      'klaxon transform: Only one of Input, InputPath, or InputTransformer must be provided for target klaxon.\n',
    );
  });

  it('applies an InputPath alone', async () => {
    expect((await klaxon('transform', '--input-path', '$.detail.payload', '--event', event)).stdout).toBe(
      '{"a":1}\n',
    );
  });

  it('exits 2 on bad usage: unknown flag, missing event, bad JSON, unreadable file', async () => {
    for (const args of [
      ['--bogus', 'x'],
      ['--input-template', '"x"'],
      ['--input-template', '"x"', '--event', '{nope'],
      ['--input-template', '"x"', '--event', `@${join(dir, 'missing.json')}`],
      ['--cases', casesFile, '--event', '{}'],
    ]) {
      const r = await klaxon('transform', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')).toHaveLength(2); // one line and its newline
    }
  });
});
