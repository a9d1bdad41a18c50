import { inRange, type ValueTest } from './operators.js';

/**
 * Numbers read from JSON text without always paying for an exact decimal-to-binary conversion.
 * `Number(text)` on a 17-digit coordinate costs several times more than walking its digits, and
 * most numeric tests are decided far from their bounds. So the digits are folded into an estimate
 * whose relative error is far below ESTIMATE_ERROR; a test is decided from the estimate when every
 * value within that error gets the same answer, and from the exact conversion otherwise. Numbers
 * with at most 15 significant digits and a small power of ten are converted exactly on the spot
 * (the quotient or product of two exactly represented doubles is correctly rounded).
 */

/** 10^0 … 10^308, each correctly rounded. */
const POW10: readonly number[] = Array.from({ length: 309 }, (_, k) => Number(`1e${k}`));

/**
 * Bound on the estimate's relative error: at most 40 digits folded (two roundings each) and one
 * scaling, under 1e-14; the margin keeps two orders of magnitude to spare.
 */
const ESTIMATE_ERROR = 1e-12;

/** A reusable reader of one JSON number at a time (no allocation per number). */
export class NumberText {
  /** The number's value when `exact`, else an estimate within ESTIMATE_ERROR (relative). */
  value = 0;
  exact = true;
  /** Where the number starts and ends in the text. */
  start = 0;
  end = 0;
  private text = '';

  /**
   * Reads the longest JSON number at `i` of `s` (what `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
   * matches); false when that would end inside a fraction or exponent, or nothing matches.
   */
  read(s: string, i: number): boolean {
    this.text = s;
    this.start = i;
    let negative = false;
    if (s.charCodeAt(i) === 45) {
      negative = true;
      i++;
    }
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    let c = s.charCodeAt(i);
    if (c === 48) {
      // A digit after a leading zero is not part of this number (the caller rejects it).
      c = s.charCodeAt(++i);
    } else if (c >= 49 && c <= 57) {
      while (c >= 48 && c <= 57) {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
        c = s.charCodeAt(++i);
      }
    } else {
      return false;
    }
    if (c === 46) {
      c = s.charCodeAt(++i);
      if (!(c >= 48 && c <= 57)) return false;
      while (c >= 48 && c <= 57) {
        mantissa = mantissa * 10 + (c - 48);
        if (mantissa !== 0) digits++;
        scale--;
        c = s.charCodeAt(++i);
      }
    }
    if (c === 101 || c === 69) {
      c = s.charCodeAt(++i);
      let exponentNegative = false;
      if (c === 43 || c === 45) {
        exponentNegative = c === 45;
        c = s.charCodeAt(++i);
      }
      if (!(c >= 48 && c <= 57)) return false;
      let exponent = 0;
      while (c >= 48 && c <= 57) {
        // Past a million the value is 0 or infinite either way; the exact path below says which.
        if (exponent < 1e6) exponent = exponent * 10 + (c - 48);
        c = s.charCodeAt(++i);
      }
      scale += exponentNegative ? -exponent : exponent;
    }
    this.end = i;
    if (mantissa === 0) {
      this.value = negative ? -0 : 0;
      this.exact = true;
      return true;
    }
    if (digits <= 15 && scale >= -22 && scale <= 22) {
      const v = scale < 0 ? mantissa / (POW10[-scale] as number) : mantissa * (POW10[scale] as number);
      this.value = negative ? -v : v;
      this.exact = true;
      return true;
    }
    if (digits <= 40 && scale > -290 && scale < 290) {
      const v = scale < 0 ? mantissa / (POW10[-scale] as number) : mantissa * (POW10[scale] as number);
      // Far from underflow and overflow, where the relative error bound holds.
      if (v > 1e-290 && v < 1e290) {
        this.value = negative ? -v : v;
        this.exact = false;
        return true;
      }
    }
    this.value = Number(s.slice(this.start, this.end));
    this.exact = true;
    return true;
  }

  /** How far the number just read may lie from `value` (0 when exact). */
  margin(): number {
    return this.exact ? 0 : Math.abs(this.value) * ESTIMATE_ERROR;
  }

  /** The exact value of the number just read. */
  exactValue(): number {
    if (!this.exact) {
      this.value = Number(this.text.slice(this.start, this.end));
      this.exact = true;
    }
    return this.value;
  }
}

/** Fraction digits read before the rest of a long number is skipped (see NumberList.readArrays). */
const KEPT_FRACTION_DIGITS = 6;

/**
 * The numbers read from one text, kept as estimates with an error bound each (typed arrays, no
 * object per number), so that several tests can go over them without reading the text again.
 */
export class NumberList {
  private values = new Float64Array(64);
  /** How far the number may lie from its estimate (0: the value is exact). */
  private margins = new Float64Array(64);
  private starts = new Int32Array(64);
  count = 0;

  /** Adds the number `reader` has just read. */
  push(reader: NumberText): void {
    this.add(reader.value, reader.margin(), reader.start);
  }

  /**
   * Adds every number of the JSON arrays (nested or not) between `start` and `end` of `s`, text
   * already validated as JSON; false, with the list left incomplete, when it holds anything else
   * (strings, objects, literals). A number written with more than six fraction digits and no
   * exponent is kept as its first six (an estimate within 1e-6), and the rest of it is passed over
   * by a native search for the next comma: in a valid array only whitespace and `]` can stand
   * between a number and that comma. The exact value is read from the text only for a test the
   * estimate cannot decide. `exponents`: whether the arrays may hold a number with an exponent
   * (every number is then read in full); looked up in the text when not given.
   */
  readArrays(
    s: string,
    start: number,
    end: number,
    reader: NumberText,
    exponents = exponentIn(s, start, end),
  ): boolean {
    let i = start;
    while (i < end) {
      let c = s.charCodeAt(i);
      if (c === 91 || c === 93 || c === 44 || c === 32 || c === 10 || c === 13 || c === 9) {
        i++;
        continue;
      }
      if (c !== 45 && !(c >= 48 && c <= 57)) return false;
      if (exponents) {
        reader.read(s, i);
        this.push(reader);
        i = reader.end;
        continue;
      }
      const first = i;
      const negative = c === 45;
      if (negative) c = s.charCodeAt(++i);
      let mantissa = 0;
      let digits = 0;
      if (c === 48) c = s.charCodeAt(++i);
      else {
        while (c >= 48 && c <= 57) {
          mantissa = mantissa * 10 + (c - 48);
          digits++;
          c = s.charCodeAt(++i);
        }
      }
      let fraction = 0;
      if (c === 46) {
        c = s.charCodeAt(++i);
        while (c >= 48 && c <= 57 && fraction < KEPT_FRACTION_DIGITS) {
          mantissa = mantissa * 10 + (c - 48);
          fraction++;
          c = s.charCodeAt(++i);
        }
      }
      // Past 15 digits the mantissa is no longer exact: the full reader takes such a number.
      if (digits + fraction > 15) {
        reader.read(s, first);
        this.push(reader);
        i = reader.end;
        continue;
      }
      const truncated = fraction === KEPT_FRACTION_DIGITS && c >= 48 && c <= 57;
      const kept = mantissa / (POW10[fraction] as number);
      const value = negative ? -kept : kept;
      if (!truncated) {
        // At most 15 digits and 6 decimals: the quotient of two exact doubles is the exact value.
        this.add(value, 0, first);
        continue;
      }
      // The digits left out add less than 1e-6 (2e-6 keeps clear of how 1e-6 rounds); the division
      // rounds by at most half a unit, well under 1e-15 of the value.
      this.add(value, 2e-6 + Math.abs(value) * 1e-15, first);
      const comma = s.indexOf(',', i);
      i = comma < 0 || comma > end ? end : comma;
    }
    return true;
  }

  /**
   * Does one of the numbers (read from `text`) pass one of `tests` (each `numeric` or
   * `exact-number`)? A number is tested on its estimate where that decides, and converted
   * exactly from the text (by `reader`, kept for the next tests) where it does not.
   */
  some(text: string, tests: readonly ValueTest[], reader: NumberText): boolean {
    const values = this.values;
    const margins = this.margins;
    for (let j = 0; j < this.count; j++) {
      let v = values[j] as number;
      let margin = margins[j] as number;
      for (let t = 0; t < tests.length; t++) {
        const test = tests[t] as ValueTest;
        let answer = decide(test, v, margin);
        if (answer === UNDECIDED) {
          reader.read(text, this.starts[j] as number);
          v = reader.exactValue();
          margin = 0;
          values[j] = v;
          margins[j] = 0;
          answer = decide(test, v, 0);
        }
        if (answer === PASSES) return true;
      }
    }
    return false;
  }

  private add(value: number, margin: number, start: number): void {
    if (this.count === this.values.length) this.grow();
    const j = this.count++;
    this.values[j] = value;
    this.margins[j] = margin;
    this.starts[j] = start;
  }

  private grow(): void {
    const size = this.values.length * 2;
    const values = new Float64Array(size);
    values.set(this.values);
    this.values = values;
    const margins = new Float64Array(size);
    margins.set(this.margins);
    this.margins = margins;
    const starts = new Int32Array(size);
    starts.set(this.starts);
    this.starts = starts;
  }
}

const FAILS = 0;
const PASSES = 1;
const UNDECIDED = 2;

/**
 * What a number known to lie within `margin` of `v` does with a test (FAILS for kinds other than
 * `numeric` and `exact-number`): UNDECIDED when numbers within that margin disagree, so that the
 * exact value must be read. With margin 0 it always decides.
 */
function decide(test: ValueTest, v: number, margin: number): 0 | 1 | 2 {
  if (test.kind === 'numeric') {
    if (margin === 0) return inRange(test, v) ? PASSES : FAILS;
    if (v + margin < test.low || v - margin > test.high) return FAILS;
    // Strictly inside: open or closed ends do not matter, and the value is finite.
    return v - margin > test.low && v + margin < test.high ? PASSES : UNDECIDED;
  }
  if (test.kind === 'exact-number') {
    if (margin === 0) return v === test.value ? PASSES : FAILS;
    return Math.abs(v - test.value) > margin ? FAILS : UNDECIDED;
  }
  return FAILS;
}

/** Is there an `e` or `E` between `start` and `end` of `s` (in a number array: a number with an exponent)? */
function exponentIn(s: string, start: number, end: number): boolean {
  const e = s.indexOf('e', start);
  if (e >= 0 && e < end) return true;
  const E = s.indexOf('E', start);
  return E >= 0 && E < end;
}

/**
 * A native search for the numbers a test of a narrow range can pass. Written without an exponent,
 * every number whose value lies in a narrow range begins with the same characters: between
 * 37.7564 and 37.7664 each is written `37.75…` or `37.76…`. A RegExp finds those in a number
 * array, in native code and several times faster than reading each number in JavaScript, and only
 * they are read and tested. The range is first widened by ten times more than a decimal can move
 * when it is rounded to a double (2^-53 of its value), so a number written with more digits than
 * a double holds is found too.
 */
export class NumberSearch {
  private constructor(
    private readonly test: ValueTest,
    private readonly re: RegExp,
    /** Characters in a match: the number found starts this far back from `lastIndex`. */
    private readonly length: number,
  ) {}

  /**
   * The searches for tests (each `numeric` or `exact-number`), or undefined when one of them has
   * none (its range is unbounded, touches zero, or spans numbers of different lengths or first
   * digits). Kept per tests array.
   */
  static forTests(tests: readonly ValueTest[]): readonly NumberSearch[] | undefined {
    let searches = SEARCHES.get(tests);
    if (searches === undefined) {
      const built: NumberSearch[] = [];
      for (const test of tests) {
        const search = NumberSearch.build(test);
        if (search === undefined) break;
        built.push(search);
      }
      searches = built.length === tests.length ? built : null;
      SEARCHES.set(tests, searches);
    }
    return searches ?? undefined;
  }

  private static build(test: ValueTest): NumberSearch | undefined {
    const prefix =
      test.kind === 'numeric'
        ? numberPrefix(test.low, test.high)
        : test.kind === 'exact-number'
          ? numberPrefix(test.value, test.value)
          : undefined;
    if (prefix === undefined) return undefined;
    return new NumberSearch(test, new RegExp(prefix.source, 'g'), prefix.length);
  }

  /**
   * Does a number of the JSON arrays between `start` and `end` of `s` (text validated as JSON,
   * holding numbers without exponents and arrays only) pass the test?
   */
  find(s: string, start: number, end: number, reader: NumberText): boolean {
    const re = this.re;
    re.lastIndex = start;
    while (re.test(s)) {
      const at = re.lastIndex - this.length;
      if (at >= end) return false;
      reader.read(s, at);
      let answer = decide(this.test, reader.value, reader.margin());
      if (answer === UNDECIDED) answer = decide(this.test, reader.exactValue(), 0);
      if (answer === PASSES) return true;
      re.lastIndex = reader.end;
    }
    return false;
  }
}

const SEARCHES = new WeakMap<readonly ValueTest[], readonly NumberSearch[] | null>();

/**
 * The RegExp source matching the start of every number (without exponent) whose value lies between
 * `low` and `high`, and the length of its matches; undefined when that start is shorter than two
 * characters after the sign, or the range is unbounded or holds zero.
 */
export function numberPrefix(low: number, high: number): { source: string; length: number } | undefined {
  if (!Number.isFinite(low) || !Number.isFinite(high) || !(low <= high)) return undefined;
  // A decimal within 2^-53 of a value in the range (what rounds into it) lies in [from, to]; the
  // texts below are within a unit in the last place of these bounds, far inside that margin.
  const widen = Math.max(Math.abs(low), Math.abs(high)) * 1e-15;
  const from = low - widen;
  const to = high + widen;
  if (from <= 0 && to >= 0) return undefined;
  const negative = to < 0;
  const least = String(negative ? -to : from);
  const most = String(negative ? -from : to);
  if (least.includes('e') || most.includes('e')) return undefined;
  const [leastInt = '', leastFraction = ''] = least.split('.');
  const [mostInt = '', mostFraction = ''] = most.split('.');
  // Numbers with the same count of integer digits (none has a leading zero) and digits between
  // those of the bounds, compared position by position.
  if (leastInt.length !== mostInt.length) return undefined;
  const width = Math.max(leastFraction.length, mostFraction.length, 1);
  const a = `${leastInt}.${leastFraction.padEnd(width, '0')}`;
  const b = `${mostInt}.${mostFraction.padEnd(width, '0')}`;
  let p = 0;
  while (p < a.length && a[p] === b[p]) p++;
  if (p === a.length) return undefined;
  let literal = a.slice(0, p);
  const lowDigit = a.charCodeAt(p) - 48;
  const highDigit = b.charCodeAt(p) - 48;
  // One character after the common ones, with a look at the next digit where there is one (so
  // that 37.7564…37.7664 finds 37.756–37.766, not all of 37.75–37.76).
  let digits = `[${lowDigit}-${highDigit}]`;
  if (p > leastInt.length && lowDigit === 0) {
    // The number at the low end may stop right there ("37.7" for 37.70…): it is written with the
    // common digits up to their last non-zero one, and maybe no point.
    literal = literal.replace(/0+$/, '').replace(/\.$/, '');
    digits = '';
  } else if (p + 1 < a.length && a[p + 1] !== '.') {
    // The low digit when the next is at least the low bound's next one; the high digit when the
    // next is at most the high bound's next one, or none (the number may end there).
    const next = a.charCodeAt(p + 1) - 48;
    const last = b.charCodeAt(p + 1) - 48;
    const choices = [next === 0 ? `${lowDigit}` : `${lowDigit}(?=[${next}-9])`];
    if (highDigit - lowDigit >= 2) choices.push(`[${lowDigit + 1}-${highDigit - 1}]`);
    choices.push(last === 9 ? `${highDigit}` : `${highDigit}(?![${last + 1}-9])`);
    digits = `(?:${choices.join('|')})`;
  }
  if (literal.length < 2) return undefined;
  const escaped = literal.replace('.', '\\.');
  // In a number array without exponents a minus sign always starts a number; a positive number
  // starts after a character that is no part of a number.
  return negative
    ? { source: `-${escaped}${digits}`, length: 1 + literal.length + (digits === '' ? 0 : 1) }
    : { source: `(?<![-.0-9])${escaped}${digits}`, length: literal.length + (digits === '' ? 0 : 1) };
}

/** Can a leaf pass any of these tests only by being a number (so numbers in text suffice to decide)? */
export function numbersOnly(tests: readonly ValueTest[]): boolean {
  return tests.every((t) => t.kind === 'numeric' || t.kind === 'exact-number');
}
