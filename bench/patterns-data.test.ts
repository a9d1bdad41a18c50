import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { compilePattern, matchesPattern } from '../packages/klaxon/src/patterns/index.js';
// @ts-expect-error plain JavaScript module without type declarations
import { citylot, mixedRules, readEvents, ruleFamilies, writeRules } from './patterns-data.js';

const dir = mkdtempSync(join(tmpdir(), 'klaxon-bench-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench data and rules', () => {
  it('reads each JSON line as an event of its own, plain or gzipped, skipping empty lines', () => {
    const lines = ['{"a":1}', '', '{"b":"é"}', '{"c":[1,2]}'];
    const files = mkdtempSync(join(dir, 'events-'));
    const plain = join(files, 'events.jsonl');
    writeFileSync(plain, `${lines.join('\n')}\n`);
    const gz = join(files, 'events.jsonl.gz');
    writeFileSync(gz, gzipSync(lines.join('\n')));
    const want = ['{"a":1}', '{"b":"é"}', '{"c":[1,2]}'];
    expect(readEvents(plain)).toEqual(want);
    expect(readEvents(gz)).toEqual(want);
    expect(readEvents(plain, 2)).toEqual(want.slice(0, 2));
  });

  it('the committed rule files are exactly what the generator writes', () => {
    const committed = fileURLToPath(new URL('./patterns-rules', import.meta.url));
    const rulesDir = join(dir, 'rules');
    writeRules(rulesDir);
    const names = readdirSync(committed).sort();
    expect(readdirSync(rulesDir).sort()).toEqual(names);
    for (const name of names) {
      expect(readFileSync(join(committed, name), 'utf8')).toBe(readFileSync(join(rulesDir, name), 'utf8'));
    }
  });

  it('events are deterministic, citylots2-sized, and every rule is a valid pattern', () => {
    expect(JSON.stringify(citylot(12345))).toBe(JSON.stringify(citylot(12345)));
    const sample = Array.from({ length: 500 }, (_, i) => citylot(i * 400));
    const bytes = sample.reduce((n, e) => n + JSON.stringify(e).length, 0) / sample.length;
    expect(bytes).toBeGreaterThan(800);
    expect(bytes).toBeLessThan(1000);
    const families = { ...ruleFamilies(), 'mixed-1000': mixedRules(1000) } as Record<
      string,
      Record<string, unknown>
    >;
    for (const [family, rules] of Object.entries(families)) {
      const compiled = Object.values(rules).map((p) => compilePattern(p, { maxLength: 4096 }));
      expect(compiled.length, family).toBe(family === 'mixed-1000' ? 1000 : 5);
      // Every family except cidr (the data holds no IP addresses) matches some of the sample.
      const hits = sample.filter((e) => compiled.some((p) => matchesPattern(p, e))).length;
      if (family === 'cidr') expect(hits, family).toBe(0);
      else expect(hits, family).toBeGreaterThan(0);
    }
  });
});
