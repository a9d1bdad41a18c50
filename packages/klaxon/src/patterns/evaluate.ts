import type { Branch, CompiledPattern } from './compile.js';
import { type EventFields, flattenEvent, joinMembership, type Membership, readEvent } from './event.js';
import { testValue } from './operators.js';

/**
 * Reference evaluator: does one compiled pattern match one event (JSON text or parsed value)?
 * Deliberately plain — every leaf against every operator — so that the indexed PatternMatcher
 * can be checked against it.
 */
export function matchesPattern(pattern: CompiledPattern, event: unknown): boolean {
  const fields = flattenEvent(readEvent(event));
  return pattern.branches.some((branch) => satisfies(branch, 0, [], fields));
}

// Conditions are taken in path order; each picks a leaf that passes it and agrees with the array
// elements picked so far, backtracking over the alternatives. exists:false holds when no leaf at
// the path agrees with the elements picked so far.
function satisfies(branch: Branch, i: number, membership: Membership, fields: EventFields): boolean {
  const condition = branch[i];
  if (condition === undefined) return true;
  const leaves = fields.get(condition.path) ?? [];
  for (const leaf of leaves) {
    if (!condition.tests.some((t) => testValue(t, leaf.value))) continue;
    const joined = joinMembership(membership, leaf.position);
    if (joined !== undefined && satisfies(branch, i + 1, joined, fields)) return true;
  }
  if (condition.absent && !leaves.some((leaf) => joinMembership(membership, leaf.position) !== undefined)) {
    return satisfies(branch, i + 1, membership, fields);
  }
  return false;
}
