import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './errors.js';
import { inDocumentOrder, kindOf, type LocatedIssue, toConfigIssues } from './issues.js';
import { buildConfigSchema } from './schema.js';
import { checkSecretReferences } from './secrets.js';
import type { KlaxonConfig } from './types.js';
import { checkConfigSemantics } from './validate.js';

// Built lazily: output types register themselves in outputs/index.ts, which may load after this file.
let schema: ReturnType<typeof buildConfigSchema> | undefined;

/** The zod schema of a whole configuration file, built from the output registry. */
export function configSchema(): ReturnType<typeof buildConfigSchema> {
  schema ??= buildConfigSchema();
  return schema;
}

/**
 * Parses configuration text (YAML, or JSON — YAML 1.2 reads JSON too) and validates it without
 * resolving secret references (they stay as `${…}` text, checked for syntax only). Throws
 * ConfigError listing every problem, each with its path.
 */
export function parseConfig(text: string, sourceName: string): KlaxonConfig {
  const document = parseConfigText(text, sourceName);
  return validateConfigDocument(document, checkSecretReferences(document));
}

/** YAML/JSON text → plain data; syntax errors become ConfigError issues located by line and column. */
export function parseConfigText(text: string, sourceName: string): unknown {
  let doc: ReturnType<typeof parseDocument>;
  try {
    // `merge` enables `<<: *anchor`, the usual way to share a block between rules.
    doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, strict: true, merge: true });
  } catch (err) {
    // No `cause`: the parser's message quotes the offending line, which may hold an inline secret.
    throw new ConfigError([{ path: sourceName, message: firstLine(String((err as Error).message)) }]);
  }
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    throw new ConfigError(
      problems.map((p) => {
        const at = p.linePos?.[0];
        const message = firstLine(p.message).replace(/ at line \d+, column \d+:?$/, '');
        return { path: at === undefined ? sourceName : `${sourceName}:${at.line}:${at.col}`, message };
      }),
    );
  }
  let value: unknown;
  try {
    // The alias cap stops "billion laughs" documents from expanding without bound.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // No `cause`: the parser's message quotes the offending line, which may hold an inline secret.
    throw new ConfigError([{ path: sourceName, message: firstLine(String((err as Error).message)) }]);
  }
  if (value === null || value === undefined) {
    throw new ConfigError([{ path: sourceName, message: 'the configuration is empty' }]);
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([
      { path: sourceName, message: `expected a mapping at the top level, got ${kindOf(value)}` },
    ]);
  }
  return value;
}

/**
 * Validates plain data as a configuration: shape and defaults (zod), then the cross-references
 * and EventBridge checks. `earlier` problems (e.g. secret reference syntax) are reported with them,
 * everything in the order of the document.
 */
export function validateConfigDocument(
  document: unknown,
  earlier: readonly LocatedIssue[] = [],
): KlaxonConfig {
  const result = configSchema().safeParse(document);
  const issues = result.success
    ? [...earlier, ...checkConfigSemantics(result.data as KlaxonConfig)]
    : [...earlier, ...toConfigIssues(result.error, document, configSchema() as z.ZodType)];
  if (issues.length > 0) throw new ConfigError(inDocumentOrder(document, issues));
  return result.data as KlaxonConfig;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]?.trim() ?? '';
}
