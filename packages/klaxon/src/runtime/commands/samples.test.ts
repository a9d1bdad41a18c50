import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseFindings } from '../../findings/parse.js';
import { klaxon } from './testdata/run-cli.js';

const lines = (stdout: string) => stdout.trimEnd().split('\n');

describe('klaxon samples', () => {
  it('prints one parseable event per line: 194 GuardDuty types and 11 Security Hub events', async () => {
    const { code, stdout, stderr } = await klaxon('samples');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const events = lines(stdout).map((line) => JSON.parse(line) as { 'detail-type': string });
    expect(events.length).toBe(205);
    expect(events.filter((e) => e['detail-type'] === 'GuardDuty Finding').length).toBe(194);
    for (const event of events) expect(parseFindings(event).length).toBeGreaterThan(0);
  });

  it('filters by --source and --type and is stable for --seed', async () => {
    const hub = await klaxon('samples', '--source', 'securityhub');
    expect(lines(hub.stdout).length).toBe(11);
    const one = await klaxon('samples', '--type', 'Recon:EC2/PortProbeUnprotectedPort', '--seed', '9');
    expect(lines(one.stdout).length).toBe(1);
    expect(JSON.parse(one.stdout).detail.type).toBe('Recon:EC2/PortProbeUnprotectedPort');
    const again = await klaxon('samples', '--type', 'Recon:EC2/PortProbeUnprotectedPort', '--seed', '9');
    expect(again.stdout).toBe(one.stdout);
    const other = await klaxon('samples', '--type', 'Recon:EC2/PortProbeUnprotectedPort', '--seed', '10');
    expect(other.stdout).not.toBe(one.stdout);
  });

  it.each([
    [['--source', 'macie'], "klaxon samples: --source must be guardduty or securityhub, got 'macie'\n"],
    [['--seed', 'abc'], "klaxon samples: --seed must be an integer, got 'abc'\n"],
    [['--type', 'No:Such/Type'], "klaxon samples: no sample of type 'No:Such/Type'\n"],
    [
      ['--type', 'S3.8', '--source', 'guardduty'],
      "klaxon samples: no sample of type 'S3.8' from guardduty\n",
    ],
  ])('exits 2 with a one-line reason for %j', async (args, message) => {
    const { code, stdout, stderr } = await klaxon('samples', ...args);
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: message });
  });

  it('rejects unknown flags with exit code 2', async () => {
    const { code, stderr } = await klaxon('samples', '--bogus');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^klaxon samples: Unknown option '--bogus'/);
  });

  it('runs from the built CLI', () => {
    const bin = fileURLToPath(new URL('../../../bin/klaxon.js', import.meta.url));
    const built = fileURLToPath(new URL('../../../dist/runtime/commands/samples.js', import.meta.url));
    expect(existsSync(built), 'dist is built (npm test runs the build first)').toBe(true);
    const result = spawnSync(process.execPath, [bin, 'samples', '--type', 'S3.8'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).detail.findings[0].Compliance.SecurityControlId).toBe('S3.8');
  });

  it('ends quietly when the reader closes the pipe early (klaxon samples | head -1)', () => {
    const bin = fileURLToPath(new URL('../../../bin/klaxon.js', import.meta.url));
    const result = spawnSync(
      'bash',
      ['-c', `set -o pipefail; "${process.execPath}" "${bin}" samples | head -c 1 >/dev/null`],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(0);
    expect(result.stderr).not.toMatch(/EPIPE|Unhandled/);
  });
});
