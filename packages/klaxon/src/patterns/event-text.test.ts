import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventTextError } from './errors.js';
import { type FieldsByPath, flattenEvent } from './event.js';
import { scanEventText, wantedTree } from './event-text.js';

/** Every dot-prefix of every path in a flattened event: the widest `wanted` set for that event. */
function allPaths(value: unknown): Set<string> {
  const out = new Set<string>();
  for (const path of flattenEvent(value).keys()) {
    let dot = -1;
    do {
      dot = path.indexOf('.', dot + 1);
      out.add(dot < 0 ? path : path.slice(0, dot));
    } while (dot >= 0);
  }
  return out;
}

const depth = (p: { outer: unknown } | null): number =>
  p === null ? 0 : 1 + depth(p.outer as { outer: unknown } | null);
const scan = (text: string, wanted: Set<string>) => scanEventText(text, wantedTree(wanted), wanted).fields;
/** Reads every wanted path through `at`, with only `eager` read in the first pass. */
const scanDeferred = (text: string, wanted: Set<string>, eager: Set<string>) => {
  const leaves = scanEventText(text, wantedTree(wanted, eager), wanted);
  const out = new Map<string, NonNullable<ReturnType<typeof leaves.at>>>();
  for (const path of wanted) {
    const found = leaves.at(path);
    if (found !== undefined && found.length > 0) out.set(path, found);
  }
  return out;
};

const plain = (fields: FieldsByPath) =>
  [...fields]
    .map(([path, leaves]) => [
      path,
      leaves.map((l) => [Object.is(l.value, -0) ? 0 : l.value, depth(l.position)]),
    ])
    .sort();

describe('scanEventText', () => {
  it('yields the same leaves as JSON.parse + flattenEvent for any JSON text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const wanted = allPaths(value);
        expect(plain(scan(text, wanted))).toEqual(plain(flattenEvent(JSON.parse(text), wanted)));
      }),
      { numRuns: 1000 },
    );
  });

  it('reading some paths only on demand yields the same leaves', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.func(fc.boolean()), (value, pick) => {
        const text = JSON.stringify(value);
        const wanted = allPaths(value);
        const eager = new Set([...wanted].filter((p) => pick(p)));
        const full = new Map([...flattenEvent(JSON.parse(text), wanted)].filter(([, l]) => l.length > 0));
        expect(plain(scanDeferred(text, wanted, eager))).toEqual(plain(full));
      }),
      { numRuns: 1000 },
    );
    // A repeated key inside a deferred part is found on demand, and JSON.parse's answer (last wins) used.
    const wanted = new Set(['a', 'a.b', 'c']);
    expect(
      scanDeferred('{"c": 1, "a": {"b": 1, "b": 2}}', wanted, new Set(['c']))
        .get('a.b')
        ?.map((l) => l.value),
    ).toEqual([2]);
  });

  it('rejects exactly the texts JSON.parse rejects', () => {
    const nearJson = fc
      .tuple(
        fc.json(),
        fc.nat(),
        fc.constantFrom('', '"', '\\', ',', '}', ']', '{', '[', '-', '0', 'e', ' ', '\u0001', 'x'),
      )
      .map(([json, at, ch]) => {
        const i = json.length === 0 ? 0 : at % json.length;
        return json.slice(0, i) + ch + json.slice(i + 1);
      });
    fc.assert(
      fc.property(fc.oneof(fc.string(), nearJson), (text) => {
        let parseOk = true;
        try {
          JSON.parse(text);
        } catch {
          parseOk = false;
        }
        let scanOk = true;
        try {
          scan(text, new Set(['a', 'a.b']));
        } catch (err) {
          expect(err).toBeInstanceOf(EventTextError);
          scanOk = false;
        }
        expect(scanOk).toBe(parseOk);
      }),
      { numRuns: 3000 },
    );
  });

  it('a repeated key keeps the last value, as JSON.parse does', () => {
    const fields = scan('{"a": 1, "a": 2, "b": [3]}', new Set(['a', 'b']));
    expect(fields.get('a')?.map((l) => l.value)).toEqual([2]);
    expect(fields.get('b')?.map((l) => l.value)).toEqual([3]);
    // The same key once in place and once with escapes is a repeat too, in either order.
    for (const text of ['{"a": 1, "b": 0, "\\u0061": 2}', '{"\\u0061": 1, "b": 0, "a": 2}']) {
      expect(
        scan(text, new Set(['a', 'b']))
          .get('a')
          ?.map((l) => l.value),
      ).toEqual([2]);
    }
  });

  it('finds wanted keys however they are written, and keys that need escapes', () => {
    // Keys are compared with the raw text first; escaped spellings must still be recognised.
    const fields = scan(
      '{"\\u0061": 1, "ab": 2, "a\\"b": 3, "c\\\\": 4, "\\u0062": {"c": 5}}',
      new Set(['a', 'a"b', 'c\\', 'b', 'b.c']),
    );
    expect(fields.get('a')?.map((l) => l.value)).toEqual([1]);
    expect(fields.get('a"b')?.map((l) => l.value)).toEqual([3]);
    expect(fields.get('c\\')?.map((l) => l.value)).toEqual([4]);
    expect(fields.get('b.c')?.map((l) => l.value)).toEqual([5]);
    expect(fields.get('ab')).toBeUndefined();
    // Only plain wanted keys: the in-place comparison path, with an escaped spelling of one.
    const plainOnly = scan('{"ab": 0, "\\u0061": 1, "b": {"\\u0063": 2}}', new Set(['a', 'b', 'b.c']));
    expect(plainOnly.get('a')?.map((l) => l.value)).toEqual([1]);
    expect(plainOnly.get('b.c')?.map((l) => l.value)).toEqual([2]);
  });

  it('finds empty keys and keys that start outside ASCII among many keys', () => {
    // Wanted keys are tried by their first character: the empty key always, one starting outside
    // ASCII when the text key does too.
    const fields = scan(
      '{"b": 0, "": 1, "éa": 2, "a": 3, "ab": 4, "é": 5, "\u00e9a": 6}',
      new Set(['', 'éa', 'a', 'b', 'é']),
    );
    expect(fields.get('')?.map((l) => l.value)).toEqual([1]);
    expect(fields.get('a')?.map((l) => l.value)).toEqual([3]);
    expect(fields.get('b')?.map((l) => l.value)).toEqual([0]);
    expect(fields.get('é')?.map((l) => l.value)).toEqual([5]);
    expect(fields.get('ab')).toBeUndefined();
    // "éa" twice (once escaped): JSON.parse keeps the last.
    expect(fields.get('éa')?.map((l) => l.value)).toEqual([6]);
  });

  it('skips unwanted parts but still validates them', () => {
    expect(scan('{"a": "x", "z": {"deep": [1, 2, {"q": "\\u00e9"}]}}', new Set(['a'])).size).toBe(1);
    expect(() => scan('{"a": "x", "z": [1, 2,]}', new Set(['a']))).toThrow(EventTextError);
  });
});
