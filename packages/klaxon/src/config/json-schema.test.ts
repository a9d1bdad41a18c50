import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { outputTypes } from '../outputs/index.js';
import { configJsonSchema } from './index.js';

const committed = new URL('../../schema/klaxon.schema.json', import.meta.url);

describe('configJsonSchema', () => {
  it('matches the committed packages/klaxon/schema/klaxon.schema.json (run `npm run schema` when this fails)', () => {
    const onDisk = JSON.parse(readFileSync(committed, 'utf8'));
    expect(onDisk, 'packages/klaxon/schema/klaxon.schema.json is stale: run `npm run schema`').toEqual(
      configJsonSchema(),
    );
  });

  it('describes the file as written: strict objects, text durations, one branch per output type', () => {
    const schema = configJsonSchema() as {
      additionalProperties: boolean;
      properties: Record<
        string,
        { additionalProperties?: { oneOf?: { properties: { type: { const: string } } }[] } }
      >;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual([
      '$schema',
      'accounts',
      'outputs',
      'rules',
      'silences',
      'settings',
    ]);
    const branches = schema.properties.outputs?.additionalProperties?.oneOf ?? [];
    expect(branches.map((b) => b.properties.type.const)).toEqual(outputTypes.map((t) => t.type));
    const text = JSON.stringify(schema);
    expect(text).toContain('"pattern":"^(?:\\\\d+(?:\\\\.\\\\d+)?(?:ms|s|m|h|d|w))+$"');
    // Every object with named properties is closed, so editors flag typos as the loader does.
    const open: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if ('properties' in n && n.additionalProperties !== false) open.push(at);
      for (const [k, v] of Object.entries(n)) walk(v, `${at}/${k}`);
    };
    walk(schema, '#');
    expect(open).toEqual([]);
  });

  it('keeps the documented defaults visible to editors', () => {
    const text = JSON.stringify(configJsonSchema());
    for (const d of [
      '"default":"127.0.0.1"',
      '"default":8787',
      '"default":"30s"',
      '"default":"5m"',
      '"default":true',
    ]) {
      expect(text).toContain(d);
    }
  });

  it('accepts good.yaml and every example, as an editor would', () => {
    const validate = new Ajv2020({ allErrors: true }).compile(configJsonSchema());
    const examples = new URL('../../../../examples/', import.meta.url);
    const files = [
      new URL('./testdata/good.yaml', import.meta.url),
      ...readdirSync(examples)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => new URL(f, examples)),
    ];
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const file of files) {
      const ok = validate(parse(readFileSync(file, 'utf8')));
      expect(ok ? [] : validate.errors, file.pathname).toEqual([]);
    }
  });

  it.each([
    ['bad.rule-unknown-key.yaml', '/rules/0'],
    ['bad.output-unknown-type.yaml', '/outputs/pager'],
    ['bad.renotify-bad-duration.yaml', '/rules/0/renotify/every'],
    ['bad.group-unknown-label.yaml', '/rules/0/group/by/1'],
    ['bad.silence-bad-until.yaml', '/silences/0/until'],
    ['bad.settings-pattern-max-length.yaml', '/settings/patterns/maxLength'],
    ['bad.action-bad-security-group.yaml', '/rules/0/actions/0'],
  ])('flags the shape error of %s at %s, as an editor would', (file, at) => {
    const validate = new Ajv2020({ allErrors: true }).compile(configJsonSchema());
    expect(validate(parse(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')))).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain(at);
  });

  it('has every field outside the per-type output fields documented in docs/configuration.md', () => {
    const doc = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
    const names = new Set<string>();
    const walk = (node: unknown, underOutputs: boolean): void => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.properties !== null && typeof n.properties === 'object') {
        for (const [name, child] of Object.entries(n.properties)) {
          // Output types document their own fields (docs/outputs/*.md); only the common ones are here.
          if (!underOutputs || name === 'rateLimit' || name === 'perSecond' || name === 'burst')
            names.add(name);
          walk(child, underOutputs || name === 'outputs');
        }
      }
      for (const [key, child] of Object.entries(n)) if (key !== 'properties') walk(child, underOutputs);
    };
    walk(configJsonSchema(), false);
    expect(names.size).toBeGreaterThan(40);
    const missing = [...names].filter((name) => !doc.includes(`\`${name}\``) && !doc.includes(`.${name}\``));
    expect(missing).toEqual([]);
  });

  it('is plain JSON that a YAML language server can load', () => {
    expect(parse(JSON.stringify(configJsonSchema()))).toEqual(configJsonSchema());
  });
});
