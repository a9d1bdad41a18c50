import { EventTextError } from './errors.js';
import { type ArrayPosition, type EventField, type FieldsByPath, flattenEvent } from './event.js';
import { NumberList, NumberSearch, NumberText } from './number-text.js';
import { type Leaf, passesAny, type ValueTest } from './operators.js';

/**
 * The paths patterns mention, as a tree keyed by event object keys: a node's children are reached
 * by every key that extends its path to another wanted path, dotted keys included ("b.c" from "a"
 * to "a.b.c"), so reading an event needs no string concatenation per key.
 */
export interface WantedNode {
  readonly path: string;
  readonly children: Map<string, WantedNode>;
  /**
   * The children's keys and nodes side by side (filled once the tree is built): an event key is
   * compared in place against these, so no key string is cut out of the text per event.
   */
  readonly keys: string[];
  readonly nodes: WantedNode[];
  /** Indexes into `keys` by the key's first character (ASCII only; other keys are in every list). */
  readonly byFirst: number[][];
  /** Few keys, none holding a character JSON must escape: keys are compared with the raw text. */
  plainKeys: boolean;
  /** Read only on demand: the first pass validates and skips the value and notes where it is. */
  readonly deferred: boolean;
  /** Where the leaves at this path go in an event's SlotFields (-1 for the root, which has none). */
  readonly slot: number;
}

/** The root of the tree, with the set of deferred paths. */
export interface WantedTree extends WantedNode {
  readonly deferredPaths: ReadonlySet<string>;
  /**
   * For each deferred path, in how many events it had to be read after all: deferring pays only
   * when most events never need the path, so the matcher reads often-needed ones eagerly instead.
   */
  readonly resolved: Map<string, number>;
  /**
   * For each deferred object, in how many events it had to be opened on the way to a path under
   * it. Reading an object at once costs little more than skipping it when its big parts stay
   * deferred, so the matcher reads even sometimes-opened objects eagerly.
   */
  readonly opened: Map<string, number>;
  /** The slot of each wanted path (see WantedNode.slot). */
  readonly slotOf: ReadonlyMap<string, number>;
  /**
   * For each deferred node's slot, the slots of the paths a value skipped there may hold leaves
   * for (its own and those under it): SlotFields.complete tells from them which paths the first
   * pass read in full.
   */
  readonly covers: readonly (readonly number[])[];
  /** Per slot, the last scan (see SlotFields.scan) that skipped a value able to hold leaves there. */
  readonly pending: Float64Array;
  /** One undefined per slot: SlotFields copies it, where filling a new array is a call into the runtime. */
  readonly noLeaves: readonly undefined[];
}

/**
 * Builds the tree from a set that holds every dot-prefix of every wanted path. With `eager`, the
 * paths outside it (and not leading to one in it) are deferred: the matcher needs them only for
 * branches whose indexed conditions all hit, which most events never produce.
 */
export function wantedTree(paths: ReadonlySet<string>, eager?: ReadonlySet<string>): WantedTree {
  let needed: Set<string> | undefined;
  if (eager !== undefined) {
    needed = new Set();
    for (const path of eager) {
      for (let dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1))
        needed.add(path.slice(0, dot));
      needed.add(path);
    }
  }
  const deferredPaths = new Set<string>();
  const slotOf = new Map<string, number>();
  const root: WantedTree = {
    path: '',
    children: new Map(),
    keys: [],
    nodes: [],
    byFirst: [],
    plainKeys: true,
    deferred: false,
    slot: -1,
    deferredPaths,
    resolved: new Map(),
    opened: new Map(),
    slotOf,
    covers: [],
    pending: new Float64Array(0),
    noLeaves: [],
  };
  const nodes = new Map<string, WantedNode>();
  const node = (path: string): WantedNode => {
    let n = nodes.get(path);
    if (n === undefined) {
      n = {
        path,
        children: new Map(),
        keys: [],
        nodes: [],
        byFirst: [],
        plainKeys: true,
        deferred: needed !== undefined && !needed.has(path),
        slot: slotOf.size,
      };
      slotOf.set(path, n.slot);
      if (n.deferred) deferredPaths.add(path);
      nodes.set(path, n);
    }
    return n;
  };
  for (const path of paths) {
    const target = node(path);
    root.children.set(path, target);
    for (let dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1)) {
      const parent = path.slice(0, dot);
      if (paths.has(parent)) node(parent).children.set(path.slice(dot + 1), target);
    }
  }
  for (const n of [root, ...nodes.values()]) {
    for (const [key, child] of n.children) {
      n.keys.push(key);
      n.nodes.push(child);
      if (/["\\\u0000-\u001f]/.test(key)) n.plainKeys = false;
    }
    // Past a few keys, one hash lookup beats trying each key in turn.
    if (n.keys.length > 16) n.plainKeys = false;
    // The empty key is tried whatever the text's first character (there, the closing quote); a key
    // starting outside ASCII is met only by text keys that do too, for which every key is tried.
    const always: number[] = [];
    n.keys.forEach((key, k) => {
      if (key === '') always.push(k);
    });
    for (let c = 0; c < 128; c++) n.byFirst.push(always);
    n.keys.forEach((key, k) => {
      const first = key.charCodeAt(0);
      if (!(first < 128)) return;
      if (n.byFirst[first] === always) n.byFirst[first] = [...always];
      n.byFirst[first]?.push(k);
    });
  }
  const covers: number[][] = [];
  for (const n of nodes.values()) {
    covers[n.slot] = [];
    if (!n.deferred) continue;
    for (const m of nodes.values()) if (within(m.path, n.path)) covers[n.slot]?.push(m.slot);
  }
  return {
    ...root,
    covers,
    pending: new Float64Array(slotOf.size),
    noLeaves: Array.from({ length: slotOf.size }, () => undefined),
  };
}

// Well-formed JSON pieces, matched in one go when skipping; on a miss the character-level code
// below takes over and reports the error.
const NUM = '-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?';
const WS = '[ \\t\\n\\r]*';
const NUMBER_RE = new RegExp(NUM, 'y');
const PLAIN_STRING_RE = /"[^"\\\u0000-\u001f]*"/y;
const STRING_RE = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
// Arrays of numbers nested up to four deep (GeoJSON coordinates, matrices) in one match: each level
// is a list of numbers or of the level below. The first character decides between the two, so the
// expression never backtracks far.
const numberArrays = (depth: number, num: string): string => {
  const item = depth === 0 ? num : `(?:${num}|${numberArrays(depth - 1, num)})`;
  return `\\[${WS}(?:${item}${WS}(?:,${WS}${item}${WS})*)?\\]`;
};
const NUMBER_ARRAY_RE = new RegExp(numberArrays(3, NUM), 'y');
// The same without exponents: a deferred array it matches can be searched as text (NumberSearch).
const PLAIN_NUMBER_ARRAY_RE = new RegExp(numberArrays(3, '-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?'), 'y');

/**
 * Reads event JSON text straight into the leaves the matcher needs, without building the event
 * object. Parts of the event under paths no pattern mentions are only checked for well-formedness
 * and skipped: for a citylots-like event with rules on `properties`, the polygon's coordinates are
 * never turned into numbers and arrays. It accepts exactly what JSON.parse accepts (strict JSON) and
 * yields the same leaves as flattenEvent(JSON.parse(text), wanted). An object with a repeated key
 * (JSON.parse keeps the last) is rare enough to be handed to JSON.parse instead.
 */
export function scanEventText(
  text: string,
  wanted: WantedTree,
  wantedPaths: ReadonlySet<string>,
): EventLeaves {
  const scanner = new Scanner(text, wanted);
  try {
    scanner.run();
  } catch (err) {
    if (err === DUPLICATE_KEY) return leavesOf(flattenEvent(JSON.parse(text), wantedPaths));
    if (err instanceof SyntaxError)
      throw new EventTextError(`Event is not valid JSON: ${err.message}`, { cause: err });
    throw err;
  }
  if (!scanner.hasDeferred()) return leavesOf(scanner.fields);
  return new TextLeaves(scanner, text, wanted, wantedPaths);
}

/** An event's leaves by path; `fields` holds those read eagerly, `at` reads deferred parts as needed. */
export interface EventLeaves {
  readonly fields: FieldsByPath;
  /** Paths read only through `at`, on demand (costly: a second pass over part of the text). */
  readonly deferred: ReadonlySet<string>;
  at(path: string): EventField[] | undefined;
  /**
   * For tests only numbers can pass (see `numbersOnly`): 0 when no leaf at `path` passes, 1 when
   * one outside any array does, 2 when one inside an array does; undefined when this cannot be told
   * without reading the path with `at`. Deferred number arrays are tested straight from the text.
   */
  someNumber(path: string, tests: readonly ValueTest[]): 0 | 1 | 2 | undefined;
}

const NONE: ReadonlySet<string> = new Set();

/** Wraps fully read fields. */
export function leavesOf(fields: FieldsByPath): EventLeaves {
  return new ReadLeaves(fields);
}

// Classes rather than object literals with closures: one allocation per event instead of four.

/** Fully read fields. */
class ReadLeaves implements EventLeaves {
  readonly deferred = NONE;
  constructor(readonly fields: FieldsByPath) {}

  at(path: string): EventField[] | undefined {
    return this.fields.get(path);
  }

  someNumber(): undefined {
    return undefined;
  }
}

/** The leaves of event text with parts left deferred, read when asked for. */
class TextLeaves implements EventLeaves {
  readonly fields: FieldsByPath;
  readonly deferred: ReadonlySet<string>;
  /** The leaves looked up: the scanner's, or JSON.parse's once a deferred part repeated a key. */
  private current: FieldsByPath;
  private fallback = false;

  constructor(
    private readonly scanner: Scanner,
    private readonly text: string,
    private readonly wanted: WantedTree,
    private readonly wantedPaths: ReadonlySet<string>,
  ) {
    this.fields = scanner.fields;
    this.current = scanner.fields;
    this.deferred = wanted.deferredPaths;
  }

  someNumber(path: string, tests: readonly ValueTest[]): 0 | 1 | 2 | undefined {
    if (this.fallback) return undefined;
    // The text first: opening a deferred value above `path` may add leaves at `path`.
    let found: 0 | 2 | undefined;
    try {
      found = this.scanner.someNumber(path, tests);
    } catch (err) {
      this.fallBack(err);
      return undefined;
    }
    if (found !== 0) return found;
    for (const leaf of this.current.get(path) ?? []) {
      if (typeof leaf.value === 'number' && passesAny(tests, leaf.value))
        return leaf.position === null ? 1 : 2;
    }
    return 0;
  }

  at(path: string): EventField[] | undefined {
    const wanted = this.wanted;
    if (!this.fallback && wanted.deferredPaths.has(path)) {
      try {
        if (this.scanner.resolveDeferred(path))
          wanted.resolved.set(path, (wanted.resolved.get(path) ?? 0) + 1);
      } catch (err) {
        this.fallBack(err);
      }
    }
    return this.current.get(path);
  }

  /** A repeated key inside a deferred part: JSON.parse's answer (the last value wins) from then on. */
  private fallBack(err: unknown): void {
    if (err !== DUPLICATE_KEY) throw err;
    this.fallback = true;
    this.current = flattenEvent(JSON.parse(this.text), this.wantedPaths);
  }
}

/** One reader for every scanner: numbers are read one at a time, never concurrently. */
const NUMBER = new NumberText();

/** The numbers of the deferred arrays at one path of the event one scanner reads (see Scanner.someNumber). */
const LISTED: { scanner: Scanner | undefined; path: string; list: NumberList } = {
  scanner: undefined,
  path: '',
  list: new NumberList(),
};

const DUPLICATE_KEY = Symbol('duplicate key');

/**
 * Does `s` hold `key` at `at`? A loop over the key's characters: keys are short, and
 * `s.startsWith(key, at)` is a call into the runtime per key, which costs more than the comparing.
 */
function textAt(s: string, at: number, key: string): boolean {
  for (let j = 0; j < key.length; j++) if (s.charCodeAt(at + j) !== key.charCodeAt(j)) return false;
  return true;
}

/** Is `path` the dotted path `at` or under it? */
function within(path: string, at: string): boolean {
  return path.startsWith(at) && (path.length === at.length || path.charCodeAt(at.length) === 46);
}

/** Numbers the SlotFields made (scans of event text), across trees. */
let scans = 0;

/** A path's slot in one tree's numbering, kept by a caller (see SlotFields.cachedSlot). */
export interface SlotCache {
  slot: number;
  slotFor: ReadonlyMap<string, number> | undefined;
}

/**
 * The leaves read from one event's text, in an array indexed by the wanted tree's slots: filling
 * it costs one allocation per event, where a Map grows (and rehashes) as paths are added.
 */
export class SlotFields implements FieldsByPath {
  readonly slots: (EventField[] | undefined)[];
  /** This event's number among all scans, for `pending`. */
  readonly scan = ++scans;
  readonly slotOf: ReadonlyMap<string, number>;
  private readonly pending: Float64Array;

  constructor(tree: WantedTree) {
    this.slotOf = tree.slotOf;
    this.pending = tree.pending;
    this.slots = tree.noLeaves.slice();
  }

  /**
   * Whether the first pass read every leaf at the path of `slot`: no value that could hold some
   * was skipped (a value read later, on demand, does not make it so: this answer may say no
   * where yes would be right, never the reverse).
   */
  complete(slot: number): boolean {
    return this.pending[slot] !== this.scan;
  }

  /**
   * The slot of `path` (-1 if none), kept in `cache` for later events: looked up again only when
   * the cache was filled for another tree, whose numbering may differ.
   */
  cachedSlot(cache: SlotCache, path: string): number {
    if (cache.slotFor !== this.slotOf) {
      cache.slotFor = this.slotOf;
      cache.slot = this.slotOf.get(path) ?? -1;
    }
    return cache.slot;
  }

  get(path: string): EventField[] | undefined {
    const slot = this.slotOf.get(path);
    return slot === undefined ? undefined : this.slots[slot];
  }

  get size(): number {
    let n = 0;
    for (const list of this.slots) if (list !== undefined) n++;
    return n;
  }

  *[Symbol.iterator](): IterableIterator<[string, EventField[]]> {
    for (const [path, slot] of this.slotOf) {
      const list = this.slots[slot];
      if (list !== undefined) yield [path, list];
    }
  }
}

/** A value skipped on the first pass, to be read on demand. */
interface DeferredSpan {
  node: WantedNode;
  start: number;
  end: number;
  position: ArrayPosition | null;
  /** Nested arrays of numbers without exponents (see PLAIN_NUMBER_ARRAY_RE). */
  plain: boolean;
}

class Scanner {
  private i = 0;
  private nextArrayId = 0;
  /** The index in its parent's `nodes` of the child the last `key` call compared in place, else -1. */
  private keyIndex = -1;
  readonly fields: SlotFields;
  /** Values skipped on the first pass (undefined once read). */
  private readonly deferred: (DeferredSpan | undefined)[] = [];
  private resolving = false;
  /** The path being resolved: deferred parts beside it stay deferred (see `value`). */
  private target = '';
  /** Reading only the way down to `target`: the value at `target` itself stays deferred. */
  private opening = false;

  constructor(
    private readonly s: string,
    private readonly wanted: WantedTree,
  ) {
    this.fields = new SlotFields(wanted);
  }

  run(): void {
    const c = this.ws();
    if (c === 123) this.object(this.wanted, null);
    else this.skipValue();
    if (this.ws() !== -1) this.fail('Unexpected non-whitespace character after JSON');
  }

  hasDeferred(): boolean {
    return this.deferred.length > 0;
  }

  /**
   * Tests the numbers of the deferred values at exactly `path` (see EventLeaves.someNumber) without
   * turning them into leaves. A deferred value above `path` is read down to it first, leaving the
   * value at `path` deferred. Undefined when a deferred array at `path` holds anything but numbers
   * and arrays (such as objects, whose leaves sit at other paths): `at` reads those.
   */
  someNumber(path: string, tests: readonly ValueTest[]): 0 | 2 | undefined {
    // The numbers at `path` were read for an earlier test of this event: test them again.
    if (LISTED.scanner === this && LISTED.path === path)
      return LISTED.list.some(this.s, tests, NUMBER) ? 2 : 0;
    // Opening a value above `path` appends the parts under it: the loop visits them too.
    let arrays = 0;
    for (let k = 0; k < this.deferred.length; k++) {
      const span = this.deferred[k];
      if (span === undefined) continue;
      if (span.node.path !== path) {
        if (within(path, span.node.path)) {
          this.deferred[k] = undefined;
          this.noteOpened(span.start, span.node.path);
          this.resolving = true;
          this.opening = true;
          this.target = path;
          this.i = span.start;
          try {
            this.value(span.node, span.position);
          } finally {
            this.opening = false;
          }
        }
      } else if (this.s.charCodeAt(span.start) === 91) {
        // An object holds no leaves at its own path; an array holds its elements (and theirs).
        arrays++;
      }
    }
    if (arrays === 0) return 0;
    const s = this.s;
    // Narrow ranges find their few candidate numbers by a native search of the text.
    const searches = NumberSearch.forTests(tests);
    if (searches !== undefined && this.plainAt(path)) {
      for (const span of this.deferred) {
        if (!this.isArrayAt(span, path)) continue;
        for (const search of searches) if (search.find(s, span.start, span.end, NUMBER)) return 2;
      }
      return 0;
    }
    // Every number of the arrays at `path`, kept for the other tests of this event.
    const list = LISTED.list;
    list.count = 0;
    LISTED.scanner = undefined;
    for (const span of this.deferred) {
      if (!this.isArrayAt(span, path)) continue;
      if (!list.readArrays(s, span.start, span.end, NUMBER, !span.plain)) return undefined;
    }
    LISTED.scanner = this;
    LISTED.path = path;
    return list.some(s, tests, NUMBER) ? 2 : 0;
  }

  /** Is a deferred span an array at exactly `path`? */
  private isArrayAt(span: DeferredSpan | undefined, path: string): span is DeferredSpan {
    return span !== undefined && span.node.path === path && this.s.charCodeAt(span.start) === 91;
  }

  /** Are the deferred arrays at exactly `path` all plain number arrays (see PLAIN_NUMBER_ARRAY_RE)? */
  private plainAt(path: string): boolean {
    for (const span of this.deferred) {
      if (!this.isArrayAt(span, path)) continue;
      if (!span.plain) return false;
    }
    return true;
  }

  /** Second pass over the deferred values (already validated) that hold `path`, adding their leaves; false when none was left. */
  resolveDeferred(path: string): boolean {
    this.resolving = true;
    this.target = path;
    let read = false;
    for (let k = 0; k < this.deferred.length; k++) {
      const span = this.deferred[k];
      if (span === undefined) continue;
      if (!within(path, span.node.path)) continue;
      this.deferred[k] = undefined;
      if (span.node.path !== path) this.noteOpened(span.start, span.node.path);
      this.i = span.start;
      this.value(span.node, span.position);
      read = true;
    }
    return read;
  }

  /** Counts an object read on the way to a path under it (see WantedTree.opened). */
  private noteOpened(start: number, path: string): void {
    if (this.s.charCodeAt(start) === 123)
      this.wanted.opened.set(path, (this.wanted.opened.get(path) ?? 0) + 1);
  }

  private fail(message: string): never {
    throw new SyntaxError(`${message} at position ${this.i}`);
  }

  private ws(): number {
    const s = this.s;
    let i = this.i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) {
        this.i = i;
        return c;
      }
      i++;
    }
    this.i = i;
    return -1;
  }

  private add(node: WantedNode, value: Leaf, position: ArrayPosition | null): void {
    const field: EventField = { value, position };
    const slots = this.fields.slots;
    const list = slots[node.slot];
    if (list === undefined) slots[node.slot] = [field];
    else list.push(field);
  }

  /** A value whose path some pattern mentions (or an element of an array at such a path). */
  private value(node: WantedNode, position: ArrayPosition | null): void {
    const c = this.ws();
    // A deferred part is skipped and noted; on a second pass, parts on the way to the asked path
    // (and all under it) are read, and the ones beside it are noted again, so asking for
    // geometry.firstCoordinates.x does not turn geometry.coordinates into numbers.
    // A scalar costs about as much to read as to skip and note, so only objects and arrays wait.
    if (
      node.deferred &&
      (c === 123 || c === 91) &&
      !(
        this.resolving &&
        (this.opening
          ? node.path !== this.target && within(this.target, node.path)
          : within(this.target, node.path) || within(node.path, this.target))
      )
    ) {
      const start = this.i;
      let plain = false;
      if (c === 91) {
        PLAIN_NUMBER_ARRAY_RE.lastIndex = start;
        plain = PLAIN_NUMBER_ARRAY_RE.test(this.s);
      }
      if (plain) this.i = PLAIN_NUMBER_ARRAY_RE.lastIndex;
      else this.skipValue();
      this.deferred.push({ node, start, end: this.i, position, plain });
      const pending = this.wanted.pending;
      for (const slot of this.wanted.covers[node.slot] as number[]) pending[slot] = this.fields.scan;
      return;
    }
    switch (c) {
      case 123:
        this.object(node, position);
        return;
      case 91: {
        this.i++;
        const id = this.nextArrayId++;
        if (this.ws() === 93) {
          this.i++;
          return;
        }
        for (let index = 0; ; index++) {
          this.value(node, { array: id, index, outer: position });
          const d = this.ws();
          this.i++;
          if (d === 44) continue;
          if (d === 93) return;
          this.i--;
          this.fail("Expected ',' or ']' after array element");
        }
      }
      case 34:
        this.add(node, this.string(), position);
        return;
      case 116:
        this.literal('true');
        this.add(node, true, position);
        return;
      case 102:
        this.literal('false');
        this.add(node, false, position);
        return;
      case 110:
        this.literal('null');
        this.add(node, null, position);
        return;
      default: {
        const start = this.i;
        this.skipNumber();
        this.add(node, Number(this.s.slice(start, this.i)), position);
      }
    }
  }

  private object(node: WantedNode, position: ArrayPosition | null): void {
    this.i++;
    if (this.ws() === 125) {
      this.i++;
      return;
    }
    // Distinct keys of one object lead to distinct nodes, so a repeated node is a repeated key. A
    // node with plain keys has at most 16: the children met are bits of an integer (no allocation).
    let seen: WantedNode[] | undefined;
    let seenBits = 0;
    for (;;) {
      if (this.ws() !== 34) this.fail('Expected double-quoted property name');
      const child = this.key(node);
      if (this.ws() !== 58) this.fail("Expected ':' after property name");
      this.i++;
      if (child !== undefined) {
        if (node.plainKeys) {
          const bit = 1 << (this.keyIndex >= 0 ? this.keyIndex : node.nodes.indexOf(child));
          if (seenBits & bit) throw DUPLICATE_KEY;
          seenBits |= bit;
        } else {
          seen ??= [];
          if (seen.includes(child)) throw DUPLICATE_KEY;
          seen.push(child);
        }
        this.value(child, position);
      } else {
        this.skipValue();
      }
      const d = this.ws();
      this.i++;
      if (d === 44) continue;
      if (d === 125) return;
      this.i--;
      this.fail("Expected ',' or '}' after property value");
    }
  }

  /**
   * Reads the property name at `this.i` (a `"`) and returns the child of `node` it leads to, if any.
   * The wanted keys are tried in place against the text (a key written with escapes, or a wanted
   * key with characters that need them, goes through decoding), so no key string is cut out of the
   * text per event.
   */
  private key(node: WantedNode): WantedNode | undefined {
    this.keyIndex = -1;
    if (!node.plainKeys) return node.children.get(this.string());
    const s = this.s;
    const start = this.i + 1;
    const keys = node.keys;
    const first = s.charCodeAt(start);
    // Only the keys that start with the text's first character (all of them past ASCII).
    const tried = first < 128 ? (node.byFirst[first] as number[]) : undefined;
    const count = tried === undefined ? keys.length : tried.length;
    for (let t = 0; t < count; t++) {
      const k = tried === undefined ? t : (tried[t] as number);
      const key = keys[k] as string;
      if (s.charCodeAt(start + key.length) === 34 && textAt(s, start, key)) {
        this.i = start + key.length + 1;
        this.keyIndex = k;
        return node.nodes[k];
      }
    }
    // Not a wanted key unless it is written with escapes, which are decoded to be sure.
    PLAIN_STRING_RE.lastIndex = this.i;
    if (PLAIN_STRING_RE.test(s)) {
      this.i = PLAIN_STRING_RE.lastIndex;
      return undefined;
    }
    return node.children.get(this.string());
  }

  /** Validates and passes over a value nobody looks at. */
  private skipValue(): void {
    const c = this.ws();
    switch (c) {
      case 123: {
        this.i++;
        if (this.ws() === 125) {
          this.i++;
          return;
        }
        for (;;) {
          if (this.ws() !== 34) this.fail('Expected double-quoted property name');
          this.skipString();
          if (this.ws() !== 58) this.fail("Expected ':' after property name");
          this.i++;
          this.skipValue();
          const d = this.ws();
          this.i++;
          if (d === 44) continue;
          if (d === 125) return;
          this.i--;
          this.fail("Expected ',' or '}' after property value");
        }
      }
      case 91: {
        NUMBER_ARRAY_RE.lastIndex = this.i;
        if (NUMBER_ARRAY_RE.test(this.s)) {
          this.i = NUMBER_ARRAY_RE.lastIndex;
          return;
        }
        this.i++;
        if (this.ws() === 93) {
          this.i++;
          return;
        }
        for (;;) {
          this.skipValue();
          const d = this.ws();
          this.i++;
          if (d === 44) continue;
          if (d === 93) return;
          this.i--;
          this.fail("Expected ',' or ']' after array element");
        }
      }
      case 34:
        this.skipString();
        return;
      case 116:
        this.literal('true');
        return;
      case 102:
        this.literal('false');
        return;
      case 110:
        this.literal('null');
        return;
      default:
        this.skipNumber();
    }
  }

  private skipNumber(): void {
    NUMBER_RE.lastIndex = this.i;
    if (NUMBER_RE.test(this.s)) this.i = NUMBER_RE.lastIndex;
    else this.number();
  }

  private literal(word: string): void {
    if (!this.s.startsWith(word, this.i)) this.fail('Unexpected token');
    this.i += word.length;
  }

  private digits(): number {
    const s = this.s;
    const start = this.i;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c < 48 || c > 57) break;
      this.i++;
    }
    return this.i - start;
  }

  private number(): void {
    const s = this.s;
    if (s.charCodeAt(this.i) === 45) this.i++;
    const first = s.charCodeAt(this.i);
    if (first === 48) this.i++;
    else if (first >= 49 && first <= 57) this.digits();
    else this.fail(this.i >= s.length ? 'Unexpected end of JSON input' : 'Unexpected token');
    if (s.charCodeAt(this.i) === 46) {
      this.i++;
      if (this.digits() === 0) this.fail('Unterminated fractional number');
    }
    const e = s.charCodeAt(this.i);
    if (e === 101 || e === 69) {
      this.i++;
      const sign = s.charCodeAt(this.i);
      if (sign === 43 || sign === 45) this.i++;
      if (this.digits() === 0) this.fail('Exponent part is missing a number');
    }
  }

  private skipString(): void {
    STRING_RE.lastIndex = this.i;
    if (STRING_RE.test(this.s)) {
      this.i = STRING_RE.lastIndex;
      return;
    }
    const s = this.s;
    let i = this.i + 1;
    for (;;) {
      if (i >= s.length) {
        this.i = i;
        this.fail('Unterminated string in JSON');
      }
      const c = s.charCodeAt(i);
      if (c === 34) break;
      if (c < 32) {
        this.i = i;
        this.fail('Bad control character in string literal');
      }
      if (c === 92) {
        this.i = i;
        this.escape();
        i = this.i;
        continue;
      }
      i++;
    }
    this.i = i + 1;
  }

  private string(): string {
    const s = this.s;
    const start = this.i + 1;
    let i = start;
    // Fast path: no escapes, the value is a slice of the text.
    for (;;) {
      if (i >= s.length) {
        this.i = i;
        this.fail('Unterminated string in JSON');
      }
      const c = s.charCodeAt(i);
      if (c === 34) {
        this.i = i + 1;
        return s.slice(start, i);
      }
      if (c === 92) break;
      if (c < 32) {
        this.i = i;
        this.fail('Bad control character in string literal');
      }
      i++;
    }
    let out = s.slice(start, i);
    this.i = i;
    for (;;) {
      if (this.i >= s.length) this.fail('Unterminated string in JSON');
      const c = s.charCodeAt(this.i);
      if (c === 34) {
        this.i++;
        return out;
      }
      if (c < 32) this.fail('Bad control character in string literal');
      if (c === 92) out += this.escape();
      else {
        out += s.charAt(this.i);
        this.i++;
      }
    }
  }

  /** Reads one escape sequence starting at the backslash; returns what it stands for. */
  private escape(): string {
    const s = this.s;
    const e = s.charCodeAt(this.i + 1);
    this.i += 2;
    switch (e) {
      case 34:
        return '"';
      case 92:
        return '\\';
      case 47:
        return '/';
      case 98:
        return '\b';
      case 102:
        return '\f';
      case 110:
        return '\n';
      case 114:
        return '\r';
      case 116:
        return '\t';
      case 117: {
        const hex = s.slice(this.i, this.i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('Bad Unicode escape in JSON');
        this.i += 4;
        return String.fromCharCode(Number.parseInt(hex, 16));
      }
      default:
        this.i--;
        this.fail('Bad escaped character in JSON');
    }
  }
}
