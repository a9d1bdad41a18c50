import {
  type Branch,
  CompiledPattern,
  type Condition,
  compilePattern,
  type PatternOptions,
} from './compile.js';
import { type EventField, flattenEvent, joinMembership, type Membership } from './event.js';
import { type EventLeaves, leavesOf, scanEventText, type WantedTree, wantedTree } from './event-text.js';
import { foldCase, ipToHex, type Leaf, looksLikeIp, testValue, type ValueTest } from './operators.js';

/**
 * The multi-rule matcher is an index from (path, operand) to the rule branches that use it.
 * Matching an event reads only the event paths some rule mentions (from JSON text, without building
 * the rest of the event), looks each leaf up in hash maps (exact values, case-folded values,
 * prefixes and suffixes by length), and counts per branch how many of its indexed conditions were
 * hit. Only a branch whose every indexed condition was hit goes on: its other conditions (operators
 * that match most values and so make poor index keys: anything-but, numeric, cidr, wildcard, and
 * exists:false) are then tested on the leaves of their paths, followed by the array-consistency
 * check. So the cost is one pass over the relevant leaves plus the work of the branches that nearly
 * match, not a loop over rules; only branches with no indexable condition at all are tried on every
 * event.
 */

/** A condition is indexed when it is required and all its operands are good hash keys. */
function isIndexed(condition: Condition): boolean {
  return !condition.absent && condition.tests.every((t) => INDEXABLE.has(t.kind));
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
}

/** Per-branch bookkeeping; the per-event part is reset lazily by comparing `stamp` with the event counter. */
interface BranchState {
  readonly rule: Rule;
  readonly branch: Branch;
  /** Indexed conditions: each must be hit by some leaf for the branch to be considered. */
  readonly required: number;
  /** Every condition is indexed: index hits alone decide, unless arrays are involved. */
  readonly allIndexed: boolean;
  /** Some leaf that hit this branch in the current event sits inside an array. */
  positioned: boolean;
  /** Where this branch's hits are stored in the index, so removal can find them. */
  readonly postings: Hit[][];
  stamp: number;
  hitCount: number;
  /** Per condition, the event counter value when it was last hit: counts each condition once per event. */
  readonly conditionStamps: Float64Array;
}

interface Hit {
  readonly state: BranchState;
  readonly condition: number;
}

/** Prefix or suffix operands grouped by length: a value is looked up once per distinct length. */
class AffixIndex {
  private readonly byLength = new Map<number, Map<string, Hit[]>>();
  private lengths: number[] = [];

  get size(): number {
    return this.byLength.size;
  }

  add(key: string, hit: Hit): Hit[] {
    let bucket = this.byLength.get(key.length);
    if (bucket === undefined) {
      bucket = new Map();
      this.byLength.set(key.length, bucket);
      this.lengths = [...this.byLength.keys()].sort((a, b) => a - b);
    }
    return push(bucket, key, hit);
  }

  prune(): void {
    for (const [length, bucket] of this.byLength) {
      for (const [key, hits] of bucket) if (hits.length === 0) bucket.delete(key);
      if (bucket.size === 0) this.byLength.delete(length);
    }
    this.lengths = [...this.byLength.keys()].sort((a, b) => a - b);
  }

  collect(value: string, fromEnd: boolean, out: Hit[][]): void {
    for (const length of this.lengths) {
      if (length > value.length) return;
      const key = fromEnd ? value.slice(value.length - length) : value.slice(0, length);
      const hits = this.byLength.get(length)?.get(key);
      if (hits !== undefined) out.push(hits);
    }
  }
}

function push<K>(map: Map<K, Hit[]>, key: K, hit: Hit): Hit[] {
  let hits = map.get(key);
  if (hits === undefined) {
    hits = [];
    map.set(key, hits);
  }
  hits.push(hit);
  return hits;
}

/** Every operand used at one path, indexed by kind. */
class PathIndex {
  readonly strings = new Map<string, Hit[]>();
  readonly numbers = new Map<number, Hit[]>();
  readonly literals = new Map<boolean | null, Hit[]>();
  readonly ips = new Map<string, Hit[]>();
  readonly folded = new Map<string, Hit[]>();
  readonly prefixes = new AffixIndex();
  readonly suffixes = new AffixIndex();
  readonly foldedPrefixes = new AffixIndex();
  readonly foldedSuffixes = new AffixIndex();
  readonly exists: Hit[] = [];
  /** Conditions (of any kind) at this path: the index is dropped when none is left. */
  users = 0;
  /** Operands posted here by indexed conditions; a path without any is read from events lazily. */
  postings = 0;

  add(test: ValueTest, hit: Hit): Hit[] {
    switch (test.kind) {
      case 'exact-string':
        return push(this.strings, test.value, hit);
      case 'exact-number':
        return push(this.numbers, test.value, hit);
      case 'exact-literal':
        return push(this.literals, test.value, hit);
      case 'exact-ip':
        return push(this.ips, test.hex, hit);
      case 'equals-ignore-case':
        return push(this.folded, test.folded, hit);
      case 'prefix':
        return this.prefixes.add(test.value, hit);
      case 'suffix':
        return this.suffixes.add(test.value, hit);
      case 'prefix-ignore-case':
        return this.foldedPrefixes.add(test.folded, hit);
      case 'suffix-ignore-case':
        return this.foldedSuffixes.add(test.folded, hit);
      case 'exists':
        this.exists.push(hit);
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

  /** Appends to `out` every hit list whose operand the leaf satisfies. */
  collect(value: Leaf, out: Hit[][]): void {
    if (this.exists.length > 0) out.push(this.exists);
    if (typeof value === 'string') {
      const exact = this.strings.get(value);
      if (exact !== undefined) out.push(exact);
      if (this.ips.size > 0 && looksLikeIp(value)) {
        const hex = ipToHex(value);
        const ip = hex === undefined ? undefined : this.ips.get(hex);
        if (ip !== undefined) out.push(ip);
      }
      if (this.prefixes.size > 0) this.prefixes.collect(value, false, out);
      if (this.suffixes.size > 0) this.suffixes.collect(value, true, out);
      if (this.folded.size > 0 || this.foldedPrefixes.size > 0 || this.foldedSuffixes.size > 0) {
        const folded = foldCase(value);
        const same = this.folded.get(folded);
        if (same !== undefined) out.push(same);
        if (this.foldedPrefixes.size > 0) this.foldedPrefixes.collect(folded, false, out);
        if (this.foldedSuffixes.size > 0) this.foldedSuffixes.collect(folded, true, out);
      }
    } else if (typeof value === 'number') {
      const exact = this.numbers.get(value);
      if (exact !== undefined) out.push(exact);
    } else {
      const exact = this.literals.get(value);
      if (exact !== undefined) out.push(exact);
    }
  }
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
  private readonly options: PatternOptions;
  private stamp = 0;
  private order = 0;
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
    const rule: Rule = existing ?? { name, order: this.order++, branches: [] };
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
    this.wantedCache = undefined;
    this.wantedTreeCache = undefined;
    const indexed = branch.map(isIndexed);
    const state: BranchState = {
      rule,
      branch,
      required: indexed.filter(Boolean).length,
      allIndexed: indexed.every(Boolean),
      positioned: false,
      postings: [],
      stamp: -1,
      hitCount: 0,
      conditionStamps: new Float64Array(branch.length).fill(-1),
    };
    branch.forEach((condition, i) => {
      const path = this.pathIndex(condition.path);
      path.users++;
      if (!indexed[i]) return;
      path.postings += condition.tests.length;
      const hit: Hit = { state, condition: i };
      for (const test of condition.tests) state.postings.push(path.add(test, hit));
    });
    if (state.required === 0) this.alwaysCandidates.add(state);
    return state;
  }

  private pathIndex(path: string): PathIndex {
    let index = this.paths.get(path);
    if (index === undefined) {
      index = new PathIndex();
      this.paths.set(path, index);
    }
    let dot = -1;
    do {
      dot = path.indexOf('.', dot + 1);
      const prefix = dot < 0 ? path : path.slice(0, dot);
      this.prefixes.set(prefix, (this.prefixes.get(prefix) ?? 0) + 1);
    } while (dot >= 0);
    return index;
  }

  private unindex(rule: Rule): void {
    this.wantedCache = undefined;
    this.wantedTreeCache = undefined;
    for (const state of rule.branches) {
      for (const postings of state.postings) {
        for (let i = postings.length - 1; i >= 0; i--)
          if (postings[i]?.state === state) postings.splice(i, 1);
      }
      this.alwaysCandidates.delete(state);
      for (const condition of state.branch) {
        const path = this.paths.get(condition.path);
        if (path === undefined) continue;
        path.users--;
        if (isIndexed(condition)) path.postings -= condition.tests.length;
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
      this.pruneDebt += state.postings.length;
    }
    // Emptied buckets are harmless but cost lookups; sweep them once enough have accumulated.
    if (this.pruneDebt > 1024) {
      this.pruneDebt = 0;
      for (const path of this.paths.values()) path.prune();
    }
  }

  /** Names of the patterns the event (JSON text or parsed value) matches, in the order they were added. */
  match(event: unknown): string[] {
    if (this.rules.size === 0) return [];
    const wanted = this.wantedPaths();
    const leaves =
      typeof event === 'string'
        ? scanEventText(event, this.wantedTreeCache ?? this.buildTree(wanted), wanted)
        : leavesOf(flattenEvent(event, wanted));
    const stamp = ++this.stamp;
    // Counting pass: no allocation per branch, so the many branches that share one common operand
    // (say geometry.type = Polygon) but miss another condition cost a few integer operations each.
    const touched: BranchState[] = [];
    const lists = this.scratch;
    for (const [path, atPath] of leaves.fields) {
      const index = this.paths.get(path);
      if (index === undefined) continue;
      for (const leaf of atPath) {
        index.collect(leaf.value, lists);
        for (const hits of lists) {
          for (const hit of hits) {
            const state = hit.state;
            if (state.stamp !== stamp) {
              state.stamp = stamp;
              state.hitCount = 0;
              state.positioned = false;
              touched.push(state);
            }
            if (leaf.position !== null) state.positioned = true;
            if (state.conditionStamps[hit.condition] !== stamp) {
              state.conditionStamps[hit.condition] = stamp;
              state.hitCount++;
            }
          }
        }
        lists.length = 0;
      }
    }
    const matched = new Set<Rule>();
    for (const state of touched) {
      if (state.hitCount !== state.required || matched.has(state.rule)) continue;
      // The index is exact for the operators it holds, so a branch made only of indexed conditions,
      // all hit by leaves outside arrays, needs no further check.
      if ((state.allIndexed && !state.positioned) || verify(state.branch, leaves)) matched.add(state.rule);
    }
    for (const state of this.alwaysCandidates) {
      if (!matched.has(state.rule) && verify(state.branch, leaves)) matched.add(state.rule);
    }
    if (matched.size === 0) return [];
    return [...matched].sort((a, b) => a.order - b.order).map((r) => r.name);
  }

  private readonly scratch: Hit[][] = [];
  private wantedCache: ReadonlySet<string> | undefined;
  private wantedTreeCache: WantedTree | undefined;

  private wantedPaths(): ReadonlySet<string> {
    // Rebuilt on the first match after the rule set changed.
    this.wantedCache ??= new Set(this.prefixes.keys());
    return this.wantedCache;
  }

  private buildTree(paths: ReadonlySet<string>): WantedTree {
    // Paths the counting pass reads are read at once; the rest only when a candidate needs them.
    const eager = new Set<string>();
    for (const [path, index] of this.paths) if (index.postings > 0) eager.add(path);
    for (const state of this.alwaysCandidates) for (const c of state.branch) eager.add(c.path);
    this.wantedTreeCache = wantedTree(paths, eager);
    return this.wantedTreeCache;
  }
}

// Completes a candidate: finds, for every condition, the leaves at its path that pass it (the
// index only said that some leaf hit each indexed condition), then runs the array-consistency
// search over them. Same search as evaluate.ts; kept separate so the reference stays plain.
function verify(branch: Branch, event: EventLeaves): boolean {
  // Common case first, without allocating: no exists:false and no arrays above the leaves
  // involved, so the branch holds when every condition has a passing leaf.
  let simple = true;
  for (const condition of branch) {
    if (condition.absent) {
      simple = false;
      break;
    }
    let found = false;
    for (const leaf of event.at(condition.path) ?? []) {
      if (leaf.position !== null) simple = false;
      if (!found && passes(condition.tests, leaf.value)) found = true;
    }
    if (!found) return false;
    if (!simple) break;
  }
  if (simple) return true;
  const passing: EventField[][] = [];
  for (const condition of branch) {
    const leaves: EventField[] = [];
    for (const leaf of event.at(condition.path) ?? [])
      if (passes(condition.tests, leaf.value)) leaves.push(leaf);
    if (leaves.length === 0 && !condition.absent) return false;
    passing.push(leaves);
  }
  return search(branch, passing, 0, [], event);
}

function passes(tests: readonly ValueTest[], value: Leaf): boolean {
  for (const test of tests) if (testValue(test, value)) return true;
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
