import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';

/** A `JSON|@F` flag value: `@F` reads file F (`@-` standard input); anything else is the value itself. */
export function readArg(value: string, flag: string): string {
  if (!value.startsWith('@')) return value;
  const file = value.slice(1);
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `${flag}: cannot read ${file === '-' ? 'standard input' : file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}
