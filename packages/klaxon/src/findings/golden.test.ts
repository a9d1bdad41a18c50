/**
 * Every real event under ../shared/samples parses into Findings whose key fields equal a committed
 * golden file (testdata/golden/<file>.json). Goldens are reviewed like code; regenerate them with
 * `UPDATE_GOLDEN=1 npx vitest run packages/klaxon/src/findings/golden.test.ts` and read the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FindingError } from './errors.js';
import type { Finding } from './finding.js';
import { parseFindings } from './parse.js';

const SAMPLES = fileURLToPath(new URL('../../../../../shared/samples/', import.meta.url));
const GOLDEN = fileURLToPath(new URL('./testdata/golden/', import.meta.url));
const FOLDERS = ['guardduty', 'securityhub', 'securityhub-v2', 'securityhub-extra'] as const;
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** The fields a golden file pins (everything except raw and event, which are the input itself). */
function keyFields(f: Finding) {
  return {
    key: f.key,
    source: f.source,
    product: f.product,
    type: f.type,
    title: f.title,
    severity: f.severity,
    account: f.account,
    region: f.region,
    partition: f.partition,
    firstSeen: f.firstSeen ?? null,
    lastSeen: f.lastSeen ?? null,
    count: f.count,
    workflowStatus: f.workflowStatus ?? null,
    recordState: f.recordState ?? null,
    complianceStatus: f.complianceStatus ?? null,
    consoleUrl: f.consoleUrl ?? null,
    sample: f.sample,
    resources: f.resources,
    actor: f.actor ?? null,
  };
}

function outcome(event: unknown) {
  try {
    return { findings: parseFindings(event).map(keyFields) };
  } catch (err) {
    if (err instanceof FindingError) return { error: { path: err.path, message: err.message } };
    throw err;
  }
}

const files = FOLDERS.flatMap((folder) =>
  readdirSync(`${SAMPLES}${folder}`)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ folder, name })),
);

describe('real sample events against golden files', () => {
  it('finds every sample folder and unique file names', () => {
    for (const folder of FOLDERS) expect(files.some((f) => f.folder === folder)).toBe(true);
    expect(new Set(files.map((f) => f.name)).size).toBe(files.length);
    expect(files.length).toBe(21 + 41 + 1 + 12);
  });

  it.each(files)('$folder/$name', ({ folder, name }) => {
    const event: unknown = JSON.parse(readFileSync(`${SAMPLES}${folder}/${name}`, 'utf8'));
    const actual = outcome(event);
    const goldenPath = `${GOLDEN}${name}`;
    if (UPDATE) writeFileSync(goldenPath, `${JSON.stringify(actual, null, 2)}\n`);
    expect(existsSync(goldenPath), `missing golden ${goldenPath}; run with UPDATE_GOLDEN=1`).toBe(true);
    expect(actual).toEqual(JSON.parse(readFileSync(goldenPath, 'utf8')));
  });

  it('has no stale golden files', () => {
    const names = new Set(files.map((f) => f.name));
    for (const golden of readdirSync(GOLDEN)) expect(names.has(golden), golden).toBe(true);
  });
});
