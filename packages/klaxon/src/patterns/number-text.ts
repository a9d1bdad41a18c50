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

  /** Makes a number read earlier (see NumberList) the current one. */
  load(s: string, start: number, end: number, value: number, exact: boolean): void {
    this.text = s;
    this.start = start;
    this.end = end;
    this.value = value;
    this.exact = exact;
  }

  /** The exact value of the number just read. */
  exactValue(): number {
    if (!this.exact) {
      this.value = Number(this.text.slice(this.start, this.end));
      this.exact = true;
    }
    return this.value;
  }

  /**
   * Does the number just read pass one of `tests` (each `numeric` or `exact-number`)? Converts it
   * exactly only when the estimate is too close to an operand to tell.
   */
  passes(tests: readonly ValueTest[]): boolean {
    for (const test of tests) if (this.passesOne(test)) return true;
    return false;
  }

  private passesOne(test: ValueTest): boolean {
    if (!this.exact) {
      const v = this.value;
      const margin = Math.abs(v) * ESTIMATE_ERROR;
      if (test.kind === 'exact-number') {
        if (Math.abs(v - test.value) > margin) return false;
      } else if (test.kind === 'numeric') {
        if (v + margin < test.low || v - margin > test.high) return false;
        // Strictly inside: open or closed ends do not matter, and the value is finite.
        if (v - margin > test.low && v + margin < test.high) return true;
      }
    }
    const value = this.exactValue();
    if (test.kind === 'exact-number') return value === test.value;
    if (test.kind === 'numeric') return inRange(test, value);
    return false;
  }
}

/**
 * The numbers read from one text, kept as estimates (typed arrays, no object per number), so that
 * several tests can go over them without reading the text again.
 */
export class NumberList {
  private values = new Float64Array(64);
  private exact = new Uint8Array(64);
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  count = 0;

  /** Adds the number `reader` has just read. */
  push(reader: NumberText): void {
    if (this.count === this.values.length) this.grow();
    const j = this.count++;
    this.values[j] = reader.value;
    this.exact[j] = reader.exact ? 1 : 0;
    this.starts[j] = reader.start;
    this.ends[j] = reader.end;
  }

  /** Does one of the numbers (read from `text`) pass one of `tests`? `reader` does the deciding. */
  some(text: string, tests: readonly ValueTest[], reader: NumberText): boolean {
    const values = this.values;
    for (let j = 0; j < this.count; j++) {
      const exact = this.exact[j] === 1;
      // Most numbers are far outside every test: ruled out from the list alone, before the reader
      // is loaded (a test the estimate cannot rule out is left to `passes`, which decides exactly).
      const v = values[j] as number;
      const margin = exact ? 0 : Math.abs(v) * ESTIMATE_ERROR;
      let possible = false;
      for (let t = 0; t < tests.length; t++) {
        const test = tests[t] as ValueTest;
        if (test.kind === 'numeric') {
          if (v + margin < test.low || v - margin > test.high) continue;
        } else if (test.kind === 'exact-number') {
          if (Math.abs(v - test.value) > margin) continue;
        }
        possible = true;
        break;
      }
      if (!possible) continue;
      reader.load(text, this.starts[j] as number, this.ends[j] as number, this.values[j] as number, exact);
      const passed = reader.passes(tests);
      // An exact conversion is kept for the next test.
      if (!exact && reader.exact) {
        this.values[j] = reader.value;
        this.exact[j] = 1;
      }
      if (passed) return true;
    }
    return false;
  }

  private grow(): void {
    const size = this.values.length * 2;
    const values = new Float64Array(size);
    values.set(this.values);
    this.values = values;
    const exact = new Uint8Array(size);
    exact.set(this.exact);
    this.exact = exact;
    const starts = new Int32Array(size);
    starts.set(this.starts);
    this.starts = starts;
    const ends = new Int32Array(size);
    ends.set(this.ends);
    this.ends = ends;
  }
}

/** Can a leaf pass any of these tests only by being a number (so numbers in text suffice to decide)? */
export function numbersOnly(tests: readonly ValueTest[]): boolean {
  return tests.every((t) => t.kind === 'numeric' || t.kind === 'exact-number');
}
