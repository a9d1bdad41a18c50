/**
 * Value-level tests: one per EventBridge operator form, and the reference predicate for each.
 * The multi-rule matcher indexes most of these, and tests the rest through `predicateOf`'s
 * closures; the reference evaluator calls `testValue` directly, and the property tests check that
 * all of them agree.
 */

/** A leaf value of an event: what a field can hold once objects and arrays are flattened away. */
export type Leaf = string | number | boolean | null;

/** One compiled operator from a pattern's value list. */
export type ValueTest =
  | { readonly kind: 'exact-string'; readonly value: string }
  | { readonly kind: 'exact-ip'; readonly hex: string; readonly value: string }
  | { readonly kind: 'exact-number'; readonly value: number }
  | { readonly kind: 'exact-literal'; readonly value: boolean | null }
  | { readonly kind: 'exists' }
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'suffix'; readonly value: string }
  | { readonly kind: 'equals-ignore-case'; readonly folded: string }
  | { readonly kind: 'prefix-ignore-case'; readonly folded: string }
  | { readonly kind: 'suffix-ignore-case'; readonly folded: string }
  | { readonly kind: 'wildcard'; readonly glob: Glob }
  | {
      readonly kind: 'anything-but';
      readonly strings: ReadonlySet<string>;
      readonly numbers: ReadonlySet<number>;
    }
  | { readonly kind: 'anything-but-prefix'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-suffix'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-ignore-case'; readonly folded: ReadonlySet<string> }
  | { readonly kind: 'anything-but-wildcard'; readonly globs: readonly Glob[] }
  | {
      readonly kind: 'numeric';
      readonly low: number;
      readonly lowOpen: boolean;
      readonly high: number;
      readonly highOpen: boolean;
    }
  | { readonly kind: 'cidr'; readonly low: string; readonly high: string };

/**
 * The same test as an object of one shape whatever its kind (absent operands are undefined).
 * `testValue` and the number readers read `kind` and operands of tests of every kind at the same
 * few places; objects of one hidden class keep the engine's property caches there monomorphic,
 * where fourteen shapes made them megamorphic (a measured cost in mixed rule sets).
 */
export function uniformTest(test: ValueTest): ValueTest {
  const t = test as unknown as Readonly<Record<string, unknown>>;
  const uniform = {
    kind: t.kind,
    value: t.value,
    hex: t.hex,
    folded: t.folded,
    glob: t.glob,
    strings: t.strings,
    numbers: t.numbers,
    values: t.values,
    globs: t.globs,
    low: t.low,
    lowOpen: t.lowOpen,
    high: t.high,
    highOpen: t.highOpen,
  };
  return uniform as unknown as ValueTest;
}

/** A wildcard pattern cut at its unescaped `*`: the value must start with the first part, end with the last, and contain the middle ones in order. */
export interface Glob {
  readonly parts: readonly string[];
}

/** Reference predicate: does one leaf value satisfy one operator? */
export function testValue(test: ValueTest, value: Leaf): boolean {
  switch (test.kind) {
    case 'exact-string':
      return value === test.value;
    case 'exact-ip':
      return typeof value === 'string' && ipToHex(value) === test.hex;
    case 'exact-number':
      return typeof value === 'number' && value === test.value;
    case 'exact-literal':
      return value === test.value;
    case 'exists':
      return true;
    case 'prefix':
      return typeof value === 'string' && value.startsWith(test.value);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(test.value);
    case 'equals-ignore-case':
      return typeof value === 'string' && foldCase(value) === test.folded;
    case 'prefix-ignore-case':
      return typeof value === 'string' && foldCase(value).startsWith(test.folded);
    case 'suffix-ignore-case':
      return typeof value === 'string' && foldCase(value).endsWith(test.folded);
    case 'wildcard':
      return typeof value === 'string' && globMatches(test.glob, value);
    case 'anything-but':
      if (typeof value === 'string') return !test.strings.has(value);
      if (typeof value === 'number') return !test.numbers.has(value);
      return true;
    // Loops rather than `some`: these run per candidate event, where a closure per call shows.
    case 'anything-but-prefix':
      if (typeof value !== 'string') return true;
      for (const prefix of test.values) if (value.startsWith(prefix)) return false;
      return true;
    case 'anything-but-suffix':
      if (typeof value !== 'string') return true;
      for (const suffix of test.values) if (value.endsWith(suffix)) return false;
      return true;
    case 'anything-but-ignore-case':
      return typeof value !== 'string' || !test.folded.has(foldCase(value));
    case 'anything-but-wildcard':
      if (typeof value !== 'string') return true;
      for (const glob of test.globs) if (globMatches(glob, value)) return false;
      return true;
    case 'numeric':
      return typeof value === 'number' && inRange(test, value);
    case 'cidr': {
      if (typeof value !== 'string') return false;
      const hex = ipToHex(value);
      return hex !== undefined && hex.length === test.low.length && hex >= test.low && hex <= test.high;
    }
  }
}

/** Does the leaf pass any of a condition's tests? */
export function passesAny(tests: readonly ValueTest[], value: Leaf): boolean {
  for (const test of tests) if (testValue(test, value)) return true;
  return false;
}

/** A test compiled for one operand: the matcher's form of `testValue`, with the same answers. */
export type Predicate = (value: Leaf) => boolean;

/**
 * The test as a closure over its operands. The matcher tests conditions of every kind at the same
 * few places; there, a call of a closure that does only its own kind's work mispredicts fewer
 * branches than `testValue`'s walk down its cases to the kind, and runs faster (measured in the
 * seventh round, docs/PATTERNS.md). The property tests check these against `testValue`.
 */
export function predicateOf(test: ValueTest): Predicate {
  switch (test.kind) {
    case 'exact-string':
    case 'exact-number':
    case 'exact-literal': {
      // Equality with the operand already implies the leaf's type.
      const operand = test.value;
      return (value) => value === operand;
    }
    case 'exact-ip': {
      const hex = test.hex;
      return (value) => typeof value === 'string' && ipToHex(value) === hex;
    }
    case 'exists':
      return () => true;
    case 'prefix': {
      const operand = test.value;
      return (value) => typeof value === 'string' && value.startsWith(operand);
    }
    case 'suffix': {
      const operand = test.value;
      return (value) => typeof value === 'string' && value.endsWith(operand);
    }
    case 'equals-ignore-case': {
      const folded = test.folded;
      return (value) => typeof value === 'string' && foldCase(value) === folded;
    }
    case 'prefix-ignore-case': {
      const folded = test.folded;
      return (value) => typeof value === 'string' && foldCase(value).startsWith(folded);
    }
    case 'suffix-ignore-case': {
      const folded = test.folded;
      return (value) => typeof value === 'string' && foldCase(value).endsWith(folded);
    }
    case 'wildcard': {
      const glob = globPredicate(test.glob);
      return (value) => typeof value === 'string' && glob(value);
    }
    case 'anything-but': {
      const strings = test.strings;
      const numbers = test.numbers;
      return (value) =>
        typeof value === 'string'
          ? !strings.has(value)
          : typeof value === 'number'
            ? !numbers.has(value)
            : true;
    }
    case 'anything-but-prefix': {
      const prefixes = test.values;
      return (value) => {
        if (typeof value !== 'string') return true;
        for (let i = 0; i < prefixes.length; i++) if (value.startsWith(prefixes[i] as string)) return false;
        return true;
      };
    }
    case 'anything-but-suffix': {
      const suffixes = test.values;
      return (value) => {
        if (typeof value !== 'string') return true;
        for (let i = 0; i < suffixes.length; i++) if (value.endsWith(suffixes[i] as string)) return false;
        return true;
      };
    }
    case 'anything-but-ignore-case': {
      const folded = test.folded;
      return (value) => typeof value !== 'string' || !folded.has(foldCase(value));
    }
    case 'anything-but-wildcard': {
      const globs = test.globs.map(globPredicate);
      return (value) => {
        if (typeof value !== 'string') return true;
        for (let i = 0; i < globs.length; i++)
          if ((globs[i] as (text: string) => boolean)(value)) return false;
        return true;
      };
    }
    case 'numeric': {
      const { low, lowOpen, high, highOpen } = test;
      // Infinities (numbers beyond float64) lie in no range; NaN fails every comparison anyway.
      return (value) =>
        typeof value === 'number' &&
        value !== Number.POSITIVE_INFINITY &&
        value !== Number.NEGATIVE_INFINITY &&
        (lowOpen ? value > low : value >= low) &&
        (highOpen ? value < high : value <= high);
    }
    case 'cidr': {
      const { low, high } = test;
      return (value) => {
        if (typeof value !== 'string') return false;
        const hex = ipToHex(value);
        return hex !== undefined && hex.length === low.length && hex >= low && hex <= high;
      };
    }
  }
}

/** One predicate for a condition's tests: a leaf passes when it passes any of them. */
export function anyPredicate(tests: readonly ValueTest[]): Predicate {
  if (tests.length === 1) return predicateOf(tests[0] as ValueTest);
  const each = tests.map(predicateOf);
  return (value) => {
    for (let i = 0; i < each.length; i++) if ((each[i] as Predicate)(value)) return true;
    return false;
  };
}

/** True when `value` lies in a numeric range; infinities (numbers beyond float64) never do. */
export function inRange(
  range: { low: number; lowOpen: boolean; high: number; highOpen: boolean },
  value: number,
): boolean {
  if (!Number.isFinite(value)) return false;
  if (range.lowOpen ? value <= range.low : value < range.low) return false;
  return range.highOpen ? value < range.high : value <= range.high;
}

// ---------------------------------------------------------------------------------------------
// Case folding

function foldCodePoint(ch: string): string {
  // One code point in, one out: a mapping that would change the length (ß → SS) keeps the
  // character as it is, which is also what a per-character comparison of upper/lower forms does.
  const upper = ch.toUpperCase();
  const base = [...upper].length === 1 ? upper : ch;
  const lower = base.toLowerCase();
  return [...lower].length === 1 ? lower : base;
}

/** Simple per-code-point case folding used by every equals-ignore-case form (ASCII takes the fast path). */
export function foldCase(s: string): string {
  // The same leaf is often folded several times for one event (the index's case-folded forms, then
  // each candidate's ignore-case test): the last answer is kept. Strings compare by identity first.
  if (s === lastFoldedFrom) return lastFolded;
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  let out = '';
  if (ascii) out = s.toLowerCase();
  else for (const ch of s) out += foldCodePoint(ch);
  lastFoldedFrom = s;
  lastFolded = out;
  return out;
}

let lastFoldedFrom = '';
let lastFolded = '';

// ---------------------------------------------------------------------------------------------
// Wildcards

/** Why a wildcard pattern text is rejected, with EventBridge's byte position (the quoted value's UTF-8 offset). */
export function wildcardProblem(text: string): string | undefined {
  const bytes = new TextEncoder().encode(`"${text}"`);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 42) {
      if (bytes[i + 1] === 42) return `Consecutive wildcard characters at pos ${i}`;
    } else if (b === 92) {
      const next = bytes[i + 1];
      if (next === 42 || next === 92) {
        i++;
        continue;
      }
      return `Invalid escape character at pos ${i}`;
    }
  }
  return undefined;
}

/** Splits a validated wildcard text at its unescaped stars, resolving `\*` and `\\`. */
export function compileGlob(text: string): Glob {
  const parts: string[] = [];
  let part = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === '\\') {
      part += text.charAt(i + 1);
      i++;
    } else if (ch === '*') {
      parts.push(part);
      part = '';
    } else {
      part += ch;
    }
  }
  parts.push(part);
  return { parts };
}

/** `globMatches` for one glob, with the common shapes (no star, one star) taken apart ahead. */
function globPredicate(glob: Glob): (text: string) => boolean {
  const parts = glob.parts;
  const first = parts[0] ?? '';
  if (parts.length === 1) return (text) => text === first;
  const last = parts[parts.length - 1] ?? '';
  const least = first.length + last.length;
  if (parts.length === 2)
    return (text) => text.length >= least && text.startsWith(first) && text.endsWith(last);
  return (text) => globMatches(glob, text);
}

/** Does a string match a glob? Leftmost placement of each middle part is enough: a star absorbs any gap. */
export function globMatches(glob: Glob, value: string): boolean {
  const parts = glob.parts;
  const first = parts[0] ?? '';
  if (parts.length === 1) return value === first;
  const last = parts[parts.length - 1] ?? '';
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] ?? '';
    const found = value.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// IP addresses

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/** Does the text have the shape EventBridge tries to read as an IP address (dotted quad, or hex and colons)? */
export function looksLikeIp(text: string): boolean {
  return IPV4_SHAPE.test(text) || IPV6_SHAPE.test(text);
}

function hexByte(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

function parseIpv4(text: string): number[] | undefined {
  if (!IPV4_SHAPE.test(text)) return undefined;
  const bytes = text.split('.').map(Number);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  if (!IPV6_SHAPE.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (g.length === 0 || g.length > 4) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const words =
    halves.length === 2
      ? head.length + tail.length > 7
        ? undefined
        : [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail]
      : head.length === 8
        ? head
        : undefined;
  if (words === undefined) return undefined;
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is read as the IPv4 address, as Java's InetAddress does.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return bytes.slice(12);
  return bytes;
}

/** The address as upper-case hex (8 digits for IPv4, 32 for IPv6), or undefined when it is not an IP literal. */
export function ipToHex(text: string): string | undefined {
  // Every IP literal has a dot or a colon: most other strings are turned away without a regex.
  if (text.indexOf('.') < 0 && text.indexOf(':') < 0) return undefined;
  const bytes = parseIpv4(text) ?? parseIpv6(text);
  return bytes === undefined ? undefined : bytes.map(hexByte).join('');
}

/** Java's String.split drops trailing empty strings; CIDR validation counts parts the same way. */
function javaSplitSlash(text: string): string[] {
  const parts = text.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Compiles a `cidr` operand, or returns EventBridge's reason for rejecting it. */
export function compileCidr(text: string): ValueTest | string {
  const parts = javaSplitSlash(text);
  if (parts.length !== 2) return "Malformed CIDR, one '/' required";
  const [address = '', bitsText = ''] = parts;
  if (!/^[+-]?[0-9]+$/.test(bitsText) || Math.abs(Number(bitsText)) > 2147483647) {
    return 'Malformed CIDR, mask bits must be an integer';
  }
  const bits = Number(bitsText);
  if (bits < 0) return 'Malformed CIDR, mask bits must not be negative';
  if (!looksLikeIp(address)) return `Nonstandard IP address: ${address}`;
  const hex = ipToHex(address);
  if (hex === undefined) return `Invalid IP address: ${address}`;
  const bytes = hex.match(/../g)?.map((h) => Number.parseInt(h, 16)) ?? [];
  if (bytes.length === 4 && bits > 31) return 'IPv4 mask bits must be < 32';
  if (bytes.length === 16 && bits > 127) return 'IPv6 mask bits must be < 128';
  // EventBridge's range starts at the address as written (host bits are not cleared) and ends
  // with every host bit set; both ends are kept exactly so.
  let free = bytes.length * 8 - bits;
  const top = [...bytes];
  for (let i = top.length - 1; i >= 0; i--) {
    if (free >= 8) top[i] = 0xff;
    else if (free > 0) top[i] = (top[i] ?? 0) | ((1 << free) - 1);
    free -= 8;
  }
  return { kind: 'cidr', low: hex, high: top.map(hexByte).join('') };
}
