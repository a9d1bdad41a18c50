import {
  type Branch,
  CompiledPattern,
  type Condition,
  compilePattern,
  type PatternOptions,
} from './compile.js';
import { type EventField, flattenEvent, joinMembership, type Membership } from './event.js';
import {
  type EventLeaves,
  leavesOf,
  type SlotCache,
  SlotFields,
  scanEventText,
  type WantedTree,
  wantedTree,
} from './event-text.js';
import { numbersOnly } from './number-text.js';
import { foldCase, ipToHex, type Leaf, looksLikeIp, type Predicate, type ValueTest } from './operators.js';

/**
 * The multi-rule matcher is an index from (path, operand) to the rule branches anchored there.
 * Each branch is anchored on one of its indexed conditions (an operator whose operand few values
 * satisfy: exact values, case-folded values, prefixes, suffixes, exists) — the one whose operand
 * the fewest other branches share, since an operand many rules use (`source = aws.guardduty`) is
 * one most events carry. Matching an event reads only the event paths some rule mentions (from
 * JSON text, without building the rest of the event), looks each leaf up in hash maps (prefixes
 * and suffixes by length), and verifies only the branches whose anchor was hit: their other
 * conditions are tested on the leaves of their paths, then array consistency is checked. Branches
 * with no indexed condition (only anything-but, numeric, cidr, wildcard or exists:false) are
 * verified for every event. So the cost is one pass over the relevant leaves plus the branches
 * that nearly match, not a loop over rules. When a bucket grows, branches anchored in it that have
 * a rarer alternative move there (incrementally, a bucket at a time).
 */

/** A condition is indexed when it is required and all its operands are good hash keys. */
function isIndexed(condition: Condition): boolean {
  return !condition.absent && condition.tests.every((t) => INDEXABLE.has(t.kind));
}

/** A string naming an indexed operand, for counting how many branches use it. */
function operandKey(test: ValueTest): string {
  switch (test.kind) {
    case 'exact-string':
    case 'prefix':
    case 'suffix':
      return `${test.kind}:${test.value}`;
    case 'exact-number':
    case 'exact-literal':
      return `${test.kind}:${String(test.value)}`;
    case 'exact-ip':
      return `ip:${test.hex}`;
    case 'equals-ignore-case':
    case 'prefix-ignore-case':
    case 'suffix-ignore-case':
      return `${test.kind}:${test.folded}`;
    default:
      return test.kind;
  }
}

/** Operators whose operand is a good hash key (few values pass each). */
const INDEXABLE = new Set<ValueTest['kind']>([
  'exact-string',
  'exact-ip',
  'exact-number',
  'exact-literal',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'prefix-ignore-case',
  'suffix-ignore-case',
  'exists',
]);

interface Rule {
  readonly name: string;
  readonly order: number;
  branches: BranchState[];
  /** The event counter when the rule last matched: a per-event "already matched" flag without a Set. */
  matched: number;
}

/** Per-branch bookkeeping; the per-event part is reset lazily by comparing `stamp` with the event counter. */
interface BranchState {
  readonly rule: Rule;
  readonly branch: Branch;
  /** Index of the condition the branch is posted under, or -1 when it has no indexed condition. */
  anchor: number;
  /** The buckets holding this branch's hits, so it can be moved or removed. */
  postings: Hit[][];
  stamp: number;
  /** The anchor was hit by a leaf outside any array: verifying it again would find the same. */
  anchorHeld: boolean;
  /** Verification order for the deferred paths `planFor` (see `planOf`). */
  plan: number[];
  planFor: ReadonlySet<string> | undefined;
  /** For a branch in an ExclusionIndex: the last leaf that excluded it, and how many leaves of this event did. */
  excludedBy: number;
  excluded: number;
}

interface Hit {
  readonly state: BranchState;
  readonly condition: number;
  /** The branch's rule, and whether the branch is this one condition: a hit outside arrays then matches it outright. */
  readonly rule: Rule;
  readonly single: boolean;
  /**
   * For a branch of two required conditions, the test of the one that is not the anchor. A hit
   * outside arrays then decides the branch by testing this condition's leaves alone (see `match`).
   */
  readonly other: Predicate | undefined;
  /** The path of `other`, kept here so that deciding the branch loads no more objects. */
  readonly otherPath: string;
  /** The slot of `otherPath` in the slots `slotFor` numbers (see SlotFields.cachedSlot). */
  slot: number;
  slotFor: ReadonlyMap<string, number> | undefined;
  /**
   * For a branch of three or more conditions: its required conditions other than the anchor. Those
   * on paths the first pass read in full are tested before the branch is queued for `verify`.
   */
  readonly checks: readonly Check[] | undefined;
}

/** A required condition tested on the spot when its path was read in full (see Hit.checks). */
interface Check extends SlotCache {
  readonly path: string;
  readonly passes: Predicate;
}

/**
 * The hit lists one leaf produced: a reused array with its own count, since resetting an array's
 * length is a call into the runtime.
 */
class HitLists {
  readonly lists: Hit[][] = [];
  n = 0;

  add(hits: Hit[]): void {
    this.lists[this.n++] = hits;
  }
}

/** Prefix or suffix operands grouped by length: a value is looked up once per distinct length. */
class AffixIndex {
  private readonly byLength = new Map<number, Map<string, Hit[]>>();
  private lengths: number[] = [];
  /** The maps of `byLength`, in the order of `lengths`. */
  private maps: Map<string, Hit[]>[] = [];
  /**
   * A filter on the two characters at the operands' end (their start, or their end for suffixes),
   * hashed into PAIR_SLOTS flags: a value whose pair is not flagged has no operand of two or more
   * characters, so no substring is cut and no map consulted for those lengths. Created with the
   * first such operand; a removed operand's flag stays until `prune`.
   */
  private pairs: Uint8Array | undefined;

  /** `fromEnd`: the operands are suffixes. */
  constructor(private readonly fromEnd: boolean) {}

  private sortLengths(): void {
    this.lengths = [...this.byLength.keys()].sort((a, b) => a - b);
    this.maps = this.lengths.map((length) => this.byLength.get(length) as Map<string, Hit[]>);
  }

  get size(): number {
    return this.byLength.size;
  }

  /** The hit list for `key`, created when `create` is set. */
  bucket(key: string, create: boolean): Hit[] | undefined {
    let byKey = this.byLength.get(key.length);
    if (byKey === undefined) {
      if (!create) return undefined;
      byKey = new Map();
      this.byLength.set(key.length, byKey);
      this.sortLengths();
    }
    if (create) this.flag(key);
    return bucketOf(byKey, key, create);
  }

  prune(): void {
    this.pairs = undefined;
    for (const [length, bucket] of this.byLength) {
      for (const [key, hits] of bucket) {
        if (hits.length === 0) bucket.delete(key);
        else this.flag(key);
      }
      if (bucket.size === 0) this.byLength.delete(length);
    }
    this.sortLengths();
  }

  collect(value: string, out: HitLists): void {
    const lengths = this.lengths;
    const n = value.length;
    const pairs = this.pairs;
    for (let k = 0; k < lengths.length; k++) {
      const length = lengths[k] as number;
      if (length > n) return;
      if (length >= 2 && pairs !== undefined && pairs[this.pairOf(value)] === 0) return;
      const key = this.fromEnd ? value.slice(n - length) : value.slice(0, length);
      const hits = (this.maps[k] as Map<string, Hit[]>).get(key);
      if (hits !== undefined) out.add(hits);
    }
  }

  private flag(key: string): void {
    if (key.length < 2) return;
    this.pairs ??= new Uint8Array(PAIR_SLOTS);
    this.pairs[this.pairOf(key)] = 1;
  }

  /** The filter slot of a text of two or more characters. */
  private pairOf(text: string): number {
    const n = text.length;
    const a = this.fromEnd ? text.charCodeAt(n - 1) : text.charCodeAt(0);
    const b = this.fromEnd ? text.charCodeAt(n - 2) : text.charCodeAt(1);
    return (a * 31 + b) & (PAIR_SLOTS - 1);
  }
}

/** Flags in an AffixIndex's pair filter (a power of two). */
const PAIR_SLOTS = 1024;

function bucketOf<K>(map: Map<K, Hit[]>, key: K, create: boolean): Hit[] | undefined {
  let hits = map.get(key);
  if (hits === undefined && create) {
    hits = [];
    map.set(key, hits);
  }
  return hits;
}

/** Lookups between two judgements of a memo (see PathIndex.lookup). */
const MEMO_WINDOW = 4096;
/** Values a memo holds at most; values first met after that are looked up every time. */
const MEMO_MOST = 8192;
/** Longest text a memo keeps hits for. */
const MEMO_LONGEST = 256;
const NO_HITS: Hit[] = [];

// The operand kinds a PathIndex holds, as flags (see PathIndex.refresh).
const HAS_EXISTS = 1;
const HAS_STRINGS = 2;
const HAS_NUMBERS = 4;
const HAS_LITERALS = 8;
const HAS_IPS = 16;
const HAS_PREFIXES = 32;
const HAS_SUFFIXES = 64;
const HAS_FOLDED = 128;
const HAS_FOLDED_PREFIXES = 256;
const HAS_FOLDED_SUFFIXES = 512;
/** Kinds a leaf is looked up more than once for (a folded copy, or once per length): worth a memo. */
const NEEDS_SEVERAL_LOOKUPS =
  HAS_IPS | HAS_PREFIXES | HAS_SUFFIXES | HAS_FOLDED | HAS_FOLDED_PREFIXES | HAS_FOLDED_SUFFIXES;

/** Every operand used at one path, indexed by kind. */
class PathIndex {
  readonly strings = new Map<string, Hit[]>();
  readonly numbers = new Map<number, Hit[]>();
  readonly literals = new Map<boolean | null, Hit[]>();
  readonly ips = new Map<string, Hit[]>();
  readonly folded = new Map<string, Hit[]>();
  readonly prefixes = new AffixIndex(false);
  readonly suffixes = new AffixIndex(true);
  readonly foldedPrefixes = new AffixIndex(false);
  readonly foldedSuffixes = new AffixIndex(true);
  readonly exists: Hit[] = [];
  /** Conditions (of any kind) at this path: the index is dropped when none is left. */
  users = 0;
  /** Operands posted here by indexed conditions; a path without any is read from events lazily. */
  postings = 0;
  /** How many branches use each indexed operand (anchored here or not): how common it is. */
  readonly usage = new Map<string, number>();
  /**
   * The hits of each leaf value met lately, all lists in one (see `lookup`); kept for one
   * generation of the rule set, undefined when not worth keeping.
   */
  private memo: Map<Leaf, Hit[]> | undefined;
  /** The operand kinds held (HAS_* flags), for the generation `memoGeneration`. */
  private kinds = 0;
  private memoGeneration = -1;
  private memoLookups = 0;
  private memoMisses = 0;

  /**
   * Appends to `out` the hits of a leaf value, like `collect`. A value seen before in the same
   * generation of the rule set (`generation`, which every change to the rules moves on) gets the
   * hits `collect` found for it then, in one list and one hash lookup, where `collect` looks it up
   * once per operator form (a case-folded copy, and once per length of prefixes and suffixes). Few
   * values recur at a path such as a street name or an event type, and those paths are the ones
   * many rules test in many ways; a path whose values rarely recur, or that has only exact
   * operands (one lookup already), is not memoized.
   */
  lookup(value: Leaf, generation: number, out: HitLists): void {
    if (this.memoGeneration !== generation) this.refresh(generation);
    const memo = this.memo;
    // Long texts (descriptions, say) are seldom values that recur, and would hold memory.
    if (memo === undefined || (typeof value === 'string' && value.length > MEMO_LONGEST)) {
      this.collect(value, out);
      return;
    }
    const known = memo.get(value);
    if (known !== undefined) {
      if (known.length > 0) out.add(known);
      if (++this.memoLookups === MEMO_WINDOW) this.judgeMemo();
      return;
    }
    const from = out.n;
    this.collect(value, out);
    let hits = NO_HITS;
    if (out.n > from) {
      hits = [];
      for (let k = from; k < out.n; k++) for (const hit of out.lists[k] as Hit[]) hits.push(hit);
    }
    if (memo.size < MEMO_MOST) memo.set(value, hits);
    this.memoMisses++;
    if (++this.memoLookups === MEMO_WINDOW) this.judgeMemo();
  }

  /** Once a window of lookups: the memo is dropped unless most of them found the value in it. */
  private judgeMemo(): void {
    if (this.memoMisses * 4 > MEMO_WINDOW) this.memo = undefined;
    this.memoLookups = 0;
    this.memoMisses = 0;
  }

  /** Takes in a new generation of the rule set: which operand kinds are held, and an empty memo. */
  private refresh(generation: number): void {
    this.memoGeneration = generation;
    this.memoLookups = 0;
    this.memoMisses = 0;
    let kinds = 0;
    if (this.exists.length > 0) kinds |= HAS_EXISTS;
    if (this.strings.size > 0) kinds |= HAS_STRINGS;
    if (this.numbers.size > 0) kinds |= HAS_NUMBERS;
    if (this.literals.size > 0) kinds |= HAS_LITERALS;
    if (this.ips.size > 0) kinds |= HAS_IPS;
    if (this.prefixes.size > 0) kinds |= HAS_PREFIXES;
    if (this.suffixes.size > 0) kinds |= HAS_SUFFIXES;
    if (this.folded.size > 0) kinds |= HAS_FOLDED;
    if (this.foldedPrefixes.size > 0) kinds |= HAS_FOLDED_PREFIXES;
    if (this.foldedSuffixes.size > 0) kinds |= HAS_FOLDED_SUFFIXES;
    this.kinds = kinds;
    this.memo = kinds & NEEDS_SEVERAL_LOOKUPS ? new Map() : undefined;
  }

  /** The hit list an operand posts into, created when `create` is set. */
  bucket(test: ValueTest, create: boolean): Hit[] | undefined {
    switch (test.kind) {
      case 'exact-string':
        return bucketOf(this.strings, test.value, create);
      case 'exact-number':
        return bucketOf(this.numbers, test.value, create);
      case 'exact-literal':
        return bucketOf(this.literals, test.value, create);
      case 'exact-ip':
        return bucketOf(this.ips, test.hex, create);
      case 'equals-ignore-case':
        return bucketOf(this.folded, test.folded, create);
      case 'prefix':
        return this.prefixes.bucket(test.value, create);
      case 'suffix':
        return this.suffixes.bucket(test.value, create);
      case 'prefix-ignore-case':
        return this.foldedPrefixes.bucket(test.folded, create);
      case 'suffix-ignore-case':
        return this.foldedSuffixes.bucket(test.folded, create);
      case 'exists':
        return this.exists;
      default:
        throw new Error(`operator ${test.kind} is not indexed`);
    }
  }

  prune(): void {
    for (const map of [this.strings, this.numbers, this.literals, this.ips, this.folded] as Map<
      unknown,
      Hit[]
    >[]) {
      for (const [key, hits] of map) if (hits.length === 0) map.delete(key);
    }
    this.prefixes.prune();
    this.suffixes.prune();
    this.foldedPrefixes.prune();
    this.foldedSuffixes.prune();
  }

  /**
   * Appends to `out` every hit list whose operand the leaf satisfies. Only the maps of the kinds
   * held are looked at (`kinds`, one field): with many rules, the rest of this index's objects are
   * rarely in the CPU's cache, and asking each map its size cost a miss apiece (measured, eighth
   * round).
   */
  private collect(value: Leaf, out: HitLists): void {
    const kinds = this.kinds;
    if (kinds & HAS_EXISTS) out.add(this.exists);
    if (typeof value === 'string') {
      if (kinds & HAS_STRINGS) {
        const exact = this.strings.get(value);
        if (exact !== undefined) out.add(exact);
      }
      if (kinds & HAS_IPS && looksLikeIp(value)) {
        const hex = ipToHex(value);
        const ip = hex === undefined ? undefined : this.ips.get(hex);
        if (ip !== undefined) out.add(ip);
      }
      if (kinds & HAS_PREFIXES) this.prefixes.collect(value, out);
      if (kinds & HAS_SUFFIXES) this.suffixes.collect(value, out);
      if (kinds & (HAS_FOLDED | HAS_FOLDED_PREFIXES | HAS_FOLDED_SUFFIXES)) {
        const folded = foldCase(value);
        if (kinds & HAS_FOLDED) {
          const same = this.folded.get(folded);
          if (same !== undefined) out.add(same);
        }
        if (kinds & HAS_FOLDED_PREFIXES) this.foldedPrefixes.collect(folded, out);
        if (kinds & HAS_FOLDED_SUFFIXES) this.foldedSuffixes.collect(folded, out);
      }
    } else if (typeof value === 'number') {
      if (kinds & HAS_NUMBERS) {
        const exact = this.numbers.get(value);
        if (exact !== undefined) out.add(exact);
      }
    } else if (kinds & HAS_LITERALS) {
      const exact = this.literals.get(value);
      if (exact !== undefined) out.add(exact);
    }
  }
}

/** The anything-but forms an ExclusionIndex looks up by value (wildcards are tested one by one). */
type Exclusion = Extract<
  ValueTest,
  {
    kind:
      | 'anything-but'
      | 'anything-but-ignore-case'
      | 'anything-but-prefix'
      | 'anything-but-suffix'
      | 'anything-but-wildcard';
  }
>;

/** The one anything-but test of a branch that has nothing else, if it is one. */
function soleExclusion(branch: Branch): Exclusion | undefined {
  const condition = branch.length === 1 ? branch[0] : undefined;
  const test =
    condition !== undefined && !condition.absent && condition.tests.length === 1
      ? condition.tests[0]
      : undefined;
  switch (test?.kind) {
    case 'anything-but':
    case 'anything-but-ignore-case':
    case 'anything-but-prefix':
    case 'anything-but-suffix':
    case 'anything-but-wildcard':
      return test;
    default:
      return undefined;
  }
}

/**
 * Branches made of one anything-but condition at one path, indexed by the values they exclude.
 * Such a branch matches when some leaf at the path is not excluded, and most leaves are excluded
 * by none or few: so a leaf is looked up once (one hash lookup per exclusion form, prefixes and
 * suffixes by length) instead of every branch testing it, and each branch then costs a counter
 * comparison.
 */
class ExclusionIndex {
  readonly states: BranchState[] = [];
  private readonly strings = new Map<string, Hit[]>();
  private readonly numbers = new Map<number, Hit[]>();
  private readonly folded = new Map<string, Hit[]>();
  private readonly prefixes = new AffixIndex(false);
  private readonly suffixes = new AffixIndex(true);
  /** Wildcard exclusions, tested one by one. */
  private readonly direct: BranchState[] = [];
  private readonly scratch = new HitLists();

  add(state: BranchState, test: Exclusion): void {
    this.states.push(state);
    const hit: Hit = {
      state,
      condition: 0,
      rule: state.rule,
      single: true,
      other: undefined,
      otherPath: '',
      slot: -1,
      slotFor: undefined,
      checks: undefined,
    };
    switch (test.kind) {
      case 'anything-but':
        for (const value of test.strings) bucketOf(this.strings, value, true)?.push(hit);
        for (const value of test.numbers) bucketOf(this.numbers, value, true)?.push(hit);
        return;
      case 'anything-but-ignore-case':
        for (const value of test.folded) bucketOf(this.folded, value, true)?.push(hit);
        return;
      case 'anything-but-prefix':
        for (const value of test.values) this.prefixes.bucket(value, true)?.push(hit);
        return;
      case 'anything-but-suffix':
        for (const value of test.values) this.suffixes.bucket(value, true)?.push(hit);
        return;
      case 'anything-but-wildcard':
        this.direct.push(state);
        return;
    }
  }

  /** Appends to `matched` the rules of the branches some leaf at the path is not excluded from. */
  collect(leaves: EventField[] | undefined, stamp: number, matched: Rule[]): void {
    if (leaves === undefined || leaves.length === 0) return;
    const lists = this.scratch;
    for (const { value } of leaves) {
      const leaf = ++leavesSeen;
      if (typeof value === 'string') {
        const same = this.strings.get(value);
        if (same !== undefined) lists.add(same);
        if (this.folded.size > 0) {
          const folded = this.folded.get(foldCase(value));
          if (folded !== undefined) lists.add(folded);
        }
        if (this.prefixes.size > 0) this.prefixes.collect(value, lists);
        if (this.suffixes.size > 0) this.suffixes.collect(value, lists);
      } else if (typeof value === 'number') {
        const same = this.numbers.get(value);
        if (same !== undefined) lists.add(same);
      }
      for (let k = 0; k < lists.n; k++)
        for (const { state } of lists.lists[k] as Hit[]) exclude(state, leaf, stamp);
      lists.n = 0;
      for (const state of this.direct)
        if (!(state.branch[0] as Condition).passes(value)) exclude(state, leaf, stamp);
    }
    const count = leaves.length;
    for (const state of this.states) {
      if (state.stamp === stamp && state.excluded >= count) continue;
      const rule = state.rule;
      if (rule.matched !== stamp) {
        rule.matched = stamp;
        matched.push(rule);
      }
    }
  }
}

/** Numbers the leaves ExclusionIndex.collect looks at, across matchers and rebuilt indexes. */
let leavesSeen = 0;

/** Counts one leaf (once) against a branch of an ExclusionIndex. */
function exclude(state: BranchState, leaf: number, stamp: number): void {
  if (state.excludedBy === leaf) return;
  state.excludedBy = leaf;
  if (state.stamp !== stamp) {
    state.stamp = stamp;
    state.excluded = 0;
  }
  state.excluded++;
}

/**
 * One compiled matcher for many named patterns. Patterns can be added, replaced and removed at any
 * time; `match` returns the names of the matching patterns in the order they were first added.
 */
export class PatternMatcher {
  private readonly rules = new Map<string, Rule>();
  private readonly paths = new Map<string, PathIndex>();
  /** Every dot-prefix of every indexed path, with a count of users, to skip unneeded event parts. */
  private readonly prefixes = new Map<string, number>();
  /** Branches with no indexed condition: verified on every event. */
  private readonly alwaysCandidates = new Set<BranchState>();
  /** Branches of one anything-but condition, by path (rebuilt for a path when one is removed). */
  private readonly exclusions = new Map<string, ExclusionIndex>();
  private readonly options: PatternOptions;
  private stamp = 0;
  private order = 0;
  /** Moved on by every change to the rules: what PathIndex memos were filled under (see `lookup`). */
  private generation = 0;
  private pruneDebt = 0;

  /** `options` apply to patterns given as text or values (not to already compiled ones). */
  constructor(options: PatternOptions = {}) {
    this.options = options;
  }

  /** Number of patterns held. */
  get size(): number {
    return this.rules.size;
  }

  /** True if a pattern with this name is held. */
  has(name: string): boolean {
    return this.rules.has(name);
  }

  /** Adds a pattern under `name`, replacing (in place, keeping its position) one of the same name. Throws PatternError. */
  add(name: string, pattern: unknown): void {
    const compiled = pattern instanceof CompiledPattern ? pattern : compilePattern(pattern, this.options);
    const existing = this.rules.get(name);
    if (existing !== undefined) this.unindex(existing);
    const rule: Rule = existing ?? { name, order: this.order++, branches: [], matched: -1 };
    rule.branches = compiled.branches.map((branch) => this.index(rule, branch));
    this.rules.set(name, rule);
  }

  /** Removes a pattern; false when there was none of that name. */
  remove(name: string): boolean {
    const rule = this.rules.get(name);
    if (rule === undefined) return false;
    this.unindex(rule);
    this.rules.delete(name);
    return true;
  }

  private index(rule: Rule, branch: Branch): BranchState {
    this.changed();
    const state: BranchState = {
      rule,
      branch,
      anchor: -1,
      postings: [],
      stamp: -1,
      anchorHeld: false,
      plan: [],
      planFor: undefined,
      excludedBy: -1,
      excluded: 0,
    };
    const grown: { path: PathIndex; test: ValueTest }[] = [];
    for (const condition of branch) {
      const path = this.pathIndex(condition.path);
      path.users++;
      if (!isIndexed(condition)) continue;
      for (const test of condition.tests) {
        const key = operandKey(test);
        const uses = (path.usage.get(key) ?? 0) + 1;
        path.usage.set(key, uses);
        // Checked at powers of two, so moving branches costs O(n log n) over n additions.
        if (uses >= 8 && (uses & (uses - 1)) === 0) grown.push({ path, test });
      }
    }
    const anchor = this.rarestCondition(state, -1);
    const exclusion = anchor < 0 ? soleExclusion(branch) : undefined;
    if (exclusion !== undefined) {
      const path = (branch[0] as Condition).path;
      let index = this.exclusions.get(path);
      if (index === undefined) {
        index = new ExclusionIndex();
        this.exclusions.set(path, index);
      }
      index.add(state, exclusion);
    } else if (anchor < 0) this.alwaysCandidates.add(state);
    else this.post(state, anchor);
    for (const { path, test } of grown) {
      const bucket = path.bucket(test, false);
      if (bucket !== undefined) this.rebalance(bucket, path.usage.get(operandKey(test)) ?? 0);
    }
    return state;
  }

  /** How many branches use the most common operand of a condition. */
  private commonness(condition: Condition): number {
    const path = this.paths.get(condition.path);
    let uses = 0;
    for (const test of condition.tests) uses = Math.max(uses, path?.usage.get(operandKey(test)) ?? 0);
    return uses;
  }

  /** The indexed condition of a branch whose operands the fewest branches use (ignoring `except`). */
  private rarestCondition(state: BranchState, except: number): number {
    let best = -1;
    let bestUses = Number.POSITIVE_INFINITY;
    state.branch.forEach((condition, i) => {
      if (i === except || !isIndexed(condition)) return;
      const uses = this.commonness(condition);
      if (uses < bestUses) {
        best = i;
        bestUses = uses;
      }
    });
    return best;
  }

  private post(state: BranchState, anchor: number): void {
    const condition = state.branch[anchor] as Condition;
    const path = this.pathIndex(condition.path, false);
    const other = state.branch.length === 2 ? state.branch[1 - anchor] : undefined;
    const hit: Hit = {
      state,
      condition: anchor,
      rule: state.rule,
      single: state.branch.length === 1,
      other: other?.absent === false ? other.passes : undefined,
      otherPath: other?.path ?? '',
      slot: -1,
      slotFor: undefined,
      checks:
        state.branch.length > 2
          ? state.branch
              .filter((c, i) => i !== anchor && !c.absent)
              .map((c) => ({ path: c.path, passes: c.passes, slot: -1, slotFor: undefined }))
          : undefined,
    };
    state.anchor = anchor;
    path.postings += condition.tests.length;
    for (const test of condition.tests) {
      const bucket = path.bucket(test, true) as Hit[];
      bucket.push(hit);
      state.postings.push(bucket);
    }
  }

  private unpost(state: BranchState): void {
    const condition = state.branch[state.anchor];
    if (condition === undefined) return;
    for (const bucket of state.postings) {
      for (let i = bucket.length - 1; i >= 0; i--) if (bucket[i]?.state === state) bucket.splice(i, 1);
    }
    const path = this.paths.get(condition.path);
    if (path !== undefined) path.postings -= condition.tests.length;
    this.pruneDebt += state.postings.length;
    state.postings = [];
    state.anchor = -1;
  }

  /** Moves the branches anchored on an operand `uses` branches share to a much rarer condition of theirs. */
  private rebalance(bucket: Hit[], uses: number): void {
    for (const { state } of [...bucket]) {
      const alternative = this.rarestCondition(state, state.anchor);
      if (alternative < 0) continue;
      if (this.commonness(state.branch[alternative] as Condition) * 2 >= uses) continue;
      this.unpost(state);
      this.post(state, alternative);
    }
    this.changed();
  }

  private changed(): void {
    this.generation++;
    this.postedCache = undefined;
    this.candidates.length = 0;
    this.wantedCache = undefined;
    this.wantedTreeCache = undefined;
    this.hotPaths.clear();
    this.scanned = 0;
  }

  /** The index of a path, created (and its prefixes counted as used) when `use` is set. */
  private pathIndex(path: string, use = true): PathIndex {
    let index = this.paths.get(path);
    if (index === undefined) {
      index = new PathIndex();
      this.paths.set(path, index);
    }
    if (!use) return index;
    let dot = -1;
    do {
      dot = path.indexOf('.', dot + 1);
      const prefix = dot < 0 ? path : path.slice(0, dot);
      this.prefixes.set(prefix, (this.prefixes.get(prefix) ?? 0) + 1);
    } while (dot >= 0);
    return index;
  }

  private unindex(rule: Rule): void {
    this.changed();
    for (const state of rule.branches) {
      this.unpost(state);
      this.alwaysCandidates.delete(state);
      this.removeExclusion(state);
      for (const condition of state.branch) {
        const path = this.paths.get(condition.path);
        if (path === undefined) continue;
        path.users--;
        if (isIndexed(condition)) {
          for (const test of condition.tests) {
            const key = operandKey(test);
            const uses = (path.usage.get(key) ?? 1) - 1;
            if (uses === 0) path.usage.delete(key);
            else path.usage.set(key, uses);
          }
        }
        if (path.users === 0) this.paths.delete(condition.path);
        let dot = -1;
        do {
          dot = condition.path.indexOf('.', dot + 1);
          const prefix = dot < 0 ? condition.path : condition.path.slice(0, dot);
          const count = (this.prefixes.get(prefix) ?? 1) - 1;
          if (count === 0) this.prefixes.delete(prefix);
          else this.prefixes.set(prefix, count);
        } while (dot >= 0);
      }
    }
    // Emptied buckets are harmless but cost lookups; sweep them once enough have accumulated.
    if (this.pruneDebt > 1024) {
      this.pruneDebt = 0;
      for (const path of this.paths.values()) path.prune();
    }
  }

  private removeExclusion(state: BranchState): void {
    const exclusion = soleExclusion(state.branch);
    if (exclusion === undefined) return;
    const path = (state.branch[0] as Condition).path;
    const old = this.exclusions.get(path);
    if (old === undefined || !old.states.includes(state)) return;
    this.exclusions.delete(path);
    const rest = old.states.filter((s) => s !== state);
    if (rest.length === 0) return;
    const index = new ExclusionIndex();
    for (const s of rest) index.add(s, soleExclusion(s.branch) as Exclusion);
    this.exclusions.set(path, index);
  }

  /** Names of the patterns the event (JSON text or parsed value) matches, in the order they were added. */
  match(event: unknown): string[] {
    if (this.rules.size === 0) return [];
    const wanted = this.wantedPaths();
    let leaves: EventLeaves;
    if (typeof event === 'string') {
      const tree = this.wantedTreeCache ?? this.buildTree(wanted);
      leaves = scanEventText(event, tree, wanted);
      if (++this.scanned === REVIEW_EVERY) this.review(tree);
    } else {
      leaves = leavesOf(flattenEvent(event, wanted));
    }
    const stamp = ++this.stamp;
    const fields = leaves.fields;
    // Leaves read from text are held by slot (found without hashing their path); asked once here.
    const slotted = fields instanceof SlotFields ? fields : undefined;
    // Reused between events (match never runs inside another match); counted, not truncated.
    const candidates = this.candidates;
    let count = 0;
    const lists = this.scratch;
    const matched: Rule[] = [];
    // Only paths with posted operands have anything to look up (the others are read to verify).
    this.postedCache ??= [...this.paths]
      .filter(([, index]) => index.postings > 0)
      .map(([path, index]) => ({ path, index, slot: -1, slotFor: undefined }));
    for (const posted of this.postedCache) {
      const index = posted.index;
      let atPath: EventField[] | undefined;
      if (slotted !== undefined) {
        const slot = slotted.cachedSlot(posted, posted.path);
        atPath = slot < 0 ? undefined : slotted.slots[slot];
      } else atPath = fields.get(posted.path);
      if (atPath === undefined) continue;
      for (const leaf of atPath) {
        index.lookup(leaf.value, this.generation, lists);
        if (lists.n === 0) continue;
        const outside = leaf.position === null;
        for (let k = 0; k < lists.n; k++) {
          for (const hit of lists.lists[k] as Hit[]) {
            // The index is exact for the operators it holds: a one-condition branch hit by a leaf
            // outside any array matches without further check (and without touching its state).
            if (outside && hit.single) {
              const rule = hit.rule;
              if (rule.matched !== stamp) {
                rule.matched = stamp;
                matched.push(rule);
              }
              continue;
            }
            // A two-condition branch whose anchor holds outside arrays matches exactly when a leaf
            // at the other path passes (a leaf outside arrays agrees with any): when that path was
            // read in the first pass, this is decided here, without the branch's state or plan.
            if (outside && hit.other !== undefined) {
              let found: EventField[] | undefined | null = null;
              if (slotted !== undefined) {
                const slot = slotted.cachedSlot(hit, hit.otherPath);
                if (slot >= 0 && slotted.complete(slot)) found = slotted.slots[slot];
              } else if (!leaves.deferred.has(hit.otherPath)) found = fields.get(hit.otherPath);
              if (found !== null) {
                // The test first: most fail, and then the rule's object is never loaded.
                if (firstPassing(hit.other, found) !== undefined) {
                  const rule = hit.rule;
                  if (rule.matched !== stamp) {
                    rule.matched = stamp;
                    matched.push(rule);
                  }
                }
                continue;
              }
            }
            const state = hit.state;
            if (state.stamp !== stamp) {
              // A branch failing a condition on a path already read in full needs no verify.
              if (hit.checks !== undefined && slotted !== undefined && failsOnRead(hit.checks, slotted))
                continue;
              state.stamp = stamp;
              state.anchorHeld = false;
              candidates[count++] = state;
            }
            // A longer branch hit outside arrays needs no second look at its anchor.
            if (outside) state.anchorHeld = true;
          }
        }
        lists.n = 0;
      }
    }
    for (let i = 0; i < count; i++) {
      const state = candidates[i] as BranchState;
      const rule = state.rule;
      if (rule.matched !== stamp && verify(state, leaves, state.anchorHeld)) {
        rule.matched = stamp;
        matched.push(rule);
      }
    }
    for (const [path, index] of this.exclusions) index.collect(leaves.at(path), stamp, matched);
    for (const state of this.alwaysCandidates) {
      const rule = state.rule;
      if (rule.matched !== stamp && verify(state, leaves, false)) {
        rule.matched = stamp;
        matched.push(rule);
      }
    }
    sortByOrder(matched);
    const names: string[] = new Array(matched.length);
    for (let i = 0; i < matched.length; i++) names[i] = (matched[i] as Rule).name;
    return names;
  }

  private readonly scratch = new HitLists();
  private readonly candidates: BranchState[] = [];
  private postedCache: Posted[] | undefined;
  /** Deferred paths most events turned out to need: read eagerly (see `review`). */
  private readonly hotPaths = new Set<string>();
  /** Events read from text since the last review. */
  private scanned = 0;
  private wantedCache: ReadonlySet<string> | undefined;
  private wantedTreeCache: WantedTree | undefined;

  private wantedPaths(): ReadonlySet<string> {
    // Rebuilt on the first match after the rule set changed.
    this.wantedCache ??= new Set(this.prefixes.keys());
    return this.wantedCache;
  }

  /**
   * Every REVIEW_EVERY events read from text: a deferred path that most of them needed after all is
   * read eagerly from then on (a second pass over it costs more than reading it at once), and so is
   * an object opened on the way to a path under it in more than 1/8 of them (its big parts stay
   * deferred), until the rule set changes. Only what is read when changes, never the answers.
   */
  private review(tree: WantedTree): void {
    this.scanned = 0;
    let grown = false;
    for (const [path, events] of tree.resolved) {
      if (events * 4 > REVIEW_EVERY * 3 && !this.hotPaths.has(path)) {
        this.hotPaths.add(path);
        grown = true;
      }
    }
    tree.resolved.clear();
    for (const [path, events] of tree.opened) {
      if (events * 8 > REVIEW_EVERY && !this.hotPaths.has(path)) {
        this.hotPaths.add(path);
        grown = true;
      }
    }
    tree.opened.clear();
    if (grown) this.wantedTreeCache = undefined;
  }

  private buildTree(paths: ReadonlySet<string>): WantedTree {
    // Paths the counting pass reads are read at once; the rest only when a candidate needs them.
    const eager = new Set<string>();
    for (const [path, index] of this.paths) if (index.postings > 0) eager.add(path);
    for (const state of this.alwaysCandidates) for (const c of state.branch) eager.add(c.path);
    for (const path of this.exclusions.keys()) eager.add(path);
    for (const path of this.hotPaths) eager.add(path);
    this.wantedTreeCache = wantedTree(paths, eager);
    return this.wantedTreeCache;
  }
}

/** A path with posted operands, with its slot (see SlotFields.cachedSlot). */
interface Posted extends SlotCache {
  readonly path: string;
  readonly index: PathIndex;
}

/** How many events from text between two looks at which deferred paths were needed. */
const REVIEW_EVERY = 4096;

/**
 * Sorts rules by the order they were added. An insertion sort: the list is short (the rules one
 * event matches) and often already in order (always-verified branches are kept in insertion order),
 * where Array.prototype.sort pays a call into the comparator per comparison.
 */
function sortByOrder(rules: Rule[]): void {
  for (let i = 1; i < rules.length; i++) {
    const rule = rules[i] as Rule;
    let j = i - 1;
    while (j >= 0 && (rules[j] as Rule).order > rule.order) {
      rules[j + 1] = rules[j] as Rule;
      j--;
    }
    rules[j + 1] = rule;
  }
}

/** A step of a verification plan that tests a number-only condition on the text (see `someNumber`). */
const ON_TEXT = 1 << 16;
/** A step of a verification plan whose path is read in the first pass (its leaves are all in `fields`). */
const EAGER = 1 << 17;

/**
 * The order in which a branch's required conditions are verified, for one set of deferred paths:
 * conditions on paths read at once first, then those on paths read on demand, and last the
 * number-only ones on such paths, which are tested on the text (a polygon's coordinates are then
 * looked at only for branches that pass all the others). A step is a condition index, plus
 * ON_TEXT for the last kind. exists:false conditions only matter to the array-consistency search.
 */
function planOf(branch: Branch, deferred: ReadonlySet<string>): number[] {
  const eager: number[] = [];
  const later: number[] = [];
  const onText: number[] = [];
  branch.forEach((condition, c) => {
    if (condition.absent) return;
    if (!deferred.has(condition.path)) eager.push(c | EAGER);
    else if (numbersOnly(condition.tests)) onText.push(c | ON_TEXT);
    else later.push(c);
  });
  return [...eager, ...later, ...onText];
}

// Completes a candidate: finds, for every condition, the leaves at its path that pass it (the
// index only said that some leaf hit each indexed condition), then runs the array-consistency
// search over them. Same search as evaluate.ts; kept separate so the reference stays plain.
// `anchorHeld`: the anchor condition is known to hold through a leaf outside any array.
function verify(state: BranchState, event: EventLeaves, anchorHeld: boolean): boolean {
  const branch = state.branch;
  if (state.planFor !== event.deferred) {
    state.plan = planOf(branch, event.deferred);
    state.planFor = event.deferred;
  }
  // Necessary, and without allocating: every required condition has a passing leaf.
  const plan = state.plan;
  const skip = anchorHeld ? state.anchor : -1;
  let constrained = 0;
  for (let k = 0; k < plan.length; k++) {
    const step = plan[k] as number;
    const c = step & (ON_TEXT - 1);
    if (c === skip) continue;
    const condition = branch[c] as Condition;
    const found = step & ON_TEXT ? event.someNumber(condition.path, condition.tests) : undefined;
    if (found === undefined) {
      const leaves = step & EAGER ? event.fields.get(condition.path) : event.at(condition.path);
      const leaf = firstPassing(condition.passes, leaves);
      if (leaf === undefined) return false;
      if (leaf.position !== null) constrained++;
    } else if (found === 0) return false;
    else if (found === 2) constrained++;
  }
  // Array consistency can only fail between two conditions whose leaves sit in arrays (a leaf
  // outside any array agrees with every other) or through an exists:false condition: otherwise
  // the passing leaves found above, one per condition, already form a consistent match.
  if (constrained <= 1 && plan.length === branch.length) return true;
  const passing: EventField[][] = [];
  for (const condition of branch) {
    const leaves: EventField[] = [];
    for (const leaf of event.at(condition.path) ?? []) if (condition.passes(leaf.value)) leaves.push(leaf);
    if (leaves.length === 0 && !condition.absent) return false;
    passing.push(leaves);
  }
  return search(branch, passing, 0, [], event);
}

function firstPassing(passes: Predicate, leaves: EventField[] | undefined): EventField | undefined {
  if (leaves === undefined) return undefined;
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i] as EventField;
    if (passes(leaf.value)) return leaf;
  }
  return undefined;
}

/** Does a required condition on a path the first pass read in full have no passing leaf? */
function failsOnRead(checks: readonly Check[], fields: SlotFields): boolean {
  for (const check of checks) {
    const slot = fields.cachedSlot(check, check.path);
    if (slot >= 0 && fields.complete(slot) && firstPassing(check.passes, fields.slots[slot]) === undefined)
      return true;
  }
  return false;
}

function search(
  branch: Branch,
  passing: EventField[][],
  i: number,
  membership: Membership,
  event: EventLeaves,
): boolean {
  const condition = branch[i];
  if (condition === undefined) return true;
  for (const leaf of passing[i] ?? []) {
    const joined = joinMembership(membership, leaf.position);
    if (joined !== undefined && search(branch, passing, i + 1, joined, event)) return true;
  }
  if (!condition.absent) return false;
  const leaves = event.at(condition.path);
  if (leaves !== undefined) {
    for (const leaf of leaves) if (joinMembership(membership, leaf.position) !== undefined) return false;
  }
  return search(branch, passing, i + 1, membership, event);
}
