import { readFile } from 'node:fs/promises';
import { builtinConfig, ConfigError, parseConfig } from '../../config/index.js';
import { UsageError } from '../../errors.js';

/**
 * The database an operator command opens: `--db`, else `settings.db` of `--config` (read without
 * resolving secrets: only the path is needed), else the default `serve` uses.
 */
export async function databasePath(values: {
  db?: string | undefined;
  config?: string | undefined;
}): Promise<string> {
  if (values.db !== undefined) return values.db;
  if (values.config === undefined) return builtinConfig.settings.db;
  const file = values.config;
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`${file}: cannot read (${err.code ?? 'error'})`);
  });
  try {
    return parseConfig(text, file).settings.db;
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}
