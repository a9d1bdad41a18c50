import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { ConfigIssue } from './errors.js';
import type { LocatedIssue } from './issues.js';
import { type ConfigPath, formatPath } from './path.js';

/** Where a secret reference takes its value from. */
export type SecretProvider = 'env' | 'file' | 'ssm' | 'secretsmanager';

/** One `${provider:argument}` reference found in a string value. */
export interface SecretReference {
  readonly provider: SecretProvider;
  readonly argument: string;
}

type Segment = string | SecretReference;

// What each provider accepts; checked before anything is looked up so typos fail `check-config`.
const ARGUMENT_RULES: Record<SecretProvider, { re: RegExp; what: string }> = {
  env: { re: /^[A-Za-z_][A-Za-z0-9_]*$/, what: 'an environment variable name ([A-Za-z_][A-Za-z0-9_]*)' },
  file: { re: /^[^\0\r\n]+$/, what: 'a file path' },
  ssm: { re: /^[A-Za-z0-9_.\-/:]{1,2048}$/, what: 'an SSM parameter name or ARN, e.g. /klaxon/slack-token' },
  secretsmanager: {
    // `#key` picks one string field of a JSON secret; `#` cannot occur in a secret's name or ARN.
    re: /^[A-Za-z0-9/_+=.@\-:]{1,2048}(?:#[^#\s]{1,256})?$/,
    what: 'a Secrets Manager secret name or ARN, optionally #key for one field of a JSON secret',
  },
};

const PROVIDERS = Object.keys(ARGUMENT_RULES) as SecretProvider[];

/**
 * Splits a string value into literal text and secret references. `$${` is a literal `${`.
 * Throws a message (without any resolved value: none exists yet) when a reference is malformed.
 */
export function parseSecretReferences(text: string): Segment[] {
  const segments: Segment[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      literal += text[i];
      i += 1;
      continue;
    }
    const end = text.indexOf('}', i + 2);
    if (end < 0) {
      throw new Error(
        `unterminated secret reference '${clip(text.slice(i))}' (write $\${ for a literal \${)`,
      );
    }
    const body = text.slice(i + 2, end);
    const colon = body.indexOf(':');
    const provider = colon < 0 ? body : body.slice(0, colon);
    if (colon < 0 || !PROVIDERS.includes(provider as SecretProvider)) {
      throw new Error(
        `unknown secret reference '\${${clip(body)}}': expected \${env:NAME}, \${file:path}, \${ssm:/name} or \${secretsmanager:id} (write $\${ for a literal \${)`,
      );
    }
    const argument = body.slice(colon + 1);
    const rule = ARGUMENT_RULES[provider as SecretProvider];
    if (!rule.re.test(argument)) {
      throw new Error(`invalid secret reference '\${${clip(body)}}': expected ${rule.what}`);
    }
    if (literal !== '') segments.push(literal);
    literal = '';
    segments.push({ provider: provider as SecretProvider, argument });
    i = end + 1;
  }
  if (literal !== '' || segments.length === 0) segments.push(literal);
  return segments;
}

/** Every malformed secret reference in a document, by path. */
export function checkSecretReferences(document: unknown): LocatedIssue[] {
  const issues: LocatedIssue[] = [];
  visitStrings(document, [], (text, path) => {
    try {
      parseSecretReferences(text);
    } catch (err) {
      issues.push({ path, message: (err as Error).message });
    }
    return text;
  });
  return issues;
}

/** Where secrets are read from; clients are created only when a reference needs them. */
export interface SecretSources {
  readonly env: NodeJS.ProcessEnv;
  /** Relative `${file:…}` paths are resolved against this directory. */
  readonly cwd: string;
  readonly ssm: () => SSMClient;
  readonly secretsManager: () => SecretsManagerClient;
}

/** A document with every reference replaced, the values that were secret, and what failed. */
export interface ResolvedSecrets {
  readonly document: unknown;
  readonly secrets: readonly string[];
  readonly issues: readonly ConfigIssue[];
}

/**
 * Replaces every `${…}` reference in the string values of `document` by its value. Each distinct
 * reference is looked up once. Failures are reported by config path and reference, never by value.
 */
export async function resolveSecretReferences(
  document: unknown,
  sources: SecretSources,
): Promise<ResolvedSecrets> {
  const lookups = new Map<string, Promise<string>>();
  const lookup = (ref: SecretReference): Promise<string> => {
    const id = `${ref.provider}:${ref.argument}`;
    let pending = lookups.get(id);
    if (pending === undefined) {
      const hash = ref.provider === 'secretsmanager' ? ref.argument.indexOf('#') : -1;
      pending =
        hash < 0
          ? lookUp(ref, sources)
          : // The secret is fetched once however many of its keys are used.
            lookup({ provider: ref.provider, argument: ref.argument.slice(0, hash) }).then((text) =>
              jsonField(text, ref.argument.slice(0, hash), ref.argument.slice(hash + 1)),
            );
      // Failures are read per use below; this keeps an unread rejection from being reported twice.
      pending.catch(() => undefined);
      lookups.set(id, pending);
    }
    return pending;
  };

  // First pass: start every lookup, so they run concurrently.
  const uses: { path: ConfigPath; segments: Segment[] }[] = [];
  visitStrings(document, [], (text, path) => {
    const segments = parseSecretReferences(text);
    if (segments.some((s) => typeof s !== 'string')) {
      uses.push({ path, segments });
      for (const s of segments) if (typeof s !== 'string') void lookup(s);
    }
    return text;
  });

  const values = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  const secrets = new Set<string>();
  for (const use of uses) {
    let joined = '';
    let failed = false;
    for (const segment of use.segments) {
      if (typeof segment === 'string') {
        joined += segment;
        continue;
      }
      try {
        const value = await lookup(segment);
        secrets.add(value);
        joined += value;
      } catch (err) {
        failed = true;
        issues.push({ path: formatPath(use.path), message: (err as Error).message });
      }
    }
    if (!failed) values.set(JSON.stringify(use.path), joined);
  }

  const resolved = visitStrings(document, [], (text, path) => {
    const value = values.get(JSON.stringify(path));
    // Strings without references still need `$${` unescaped.
    return value ?? unescapeLiteral(text);
  });
  return { document: resolved, secrets: [...secrets], issues };
}

/** One string field of a JSON secret (Secrets Manager's key/value secrets are stored that way). */
function jsonField(text: string, id: string, key: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`secret '${id}' is not JSON, so '#${key}' cannot be read from it`);
  }
  const value =
    parsed !== null && typeof parsed === 'object' && Object.hasOwn(parsed, key)
      ? (parsed as Record<string, unknown>)[key]
      : undefined;
  if (typeof value !== 'string' || value === '') {
    throw new Error(`secret '${id}' has no non-empty string field '${key}'`);
  }
  return value;
}

function unescapeLiteral(text: string): string {
  try {
    return parseSecretReferences(text)
      .map((s) => (typeof s === 'string' ? s : ''))
      .join('');
  } catch {
    return text;
  }
}

async function lookUp(ref: SecretReference, sources: SecretSources): Promise<string> {
  const { provider, argument } = ref;
  switch (provider) {
    case 'env': {
      const value = sources.env[argument];
      if (value === undefined) throw new Error(`environment variable ${argument} is not set`);
      if (value === '') throw new Error(`environment variable ${argument} is empty`);
      return value;
    }
    case 'file': {
      const path = isAbsolute(argument) ? argument : resolve(sources.cwd, argument);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        throw new Error(`cannot read secret file '${argument}': ${errorCode(err)}`);
      }
      // `echo token > file` leaves a newline that is never part of the secret.
      const value = text.replace(/\r?\n$/, '');
      if (value === '') throw new Error(`secret file '${argument}' is empty`);
      return value;
    }
    case 'ssm': {
      let value: string | undefined;
      try {
        const out = await sources
          .ssm()
          .send(new GetParameterCommand({ Name: argument, WithDecryption: true }));
        value = out.Parameter?.Value;
      } catch (err) {
        throw new Error(`cannot read SSM parameter '${argument}': ${errorCode(err)}`);
      }
      if (value === undefined || value === '') throw new Error(`SSM parameter '${argument}' has no value`);
      return value;
    }
    case 'secretsmanager': {
      let value: string | undefined;
      try {
        const out = await sources.secretsManager().send(new GetSecretValueCommand({ SecretId: argument }));
        value = out.SecretString;
      } catch (err) {
        throw new Error(`cannot read secret '${argument}' from Secrets Manager: ${errorCode(err)}`);
      }
      if (value === undefined || value === '') {
        throw new Error(`secret '${argument}' has no SecretString (binary secrets are not supported)`);
      }
      return value;
    }
  }
}

/**
 * `ParameterNotFound`, `ENOENT`, `CredentialsProviderError: Could not load credentials…`: the error's
 * name or code, and for SDK/setup errors their first line (they name parameters, regions and
 * providers, never a secret value: none has been read when a lookup fails).
 */
function errorCode(err: unknown): string {
  if (err === null || typeof err !== 'object') return 'unknown error';
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof e.code === 'string') return e.code;
  const name = typeof e.name === 'string' && e.name !== '' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? clip(e.message.split('\n', 1)[0] ?? '', 160) : '';
  // AWS service exceptions are fully named by their type (ParameterNotFound, AccessDeniedException…).
  if (name !== 'Error' && /(?:Exception|NotFound|Fault)$/.test(name)) return name;
  return message === '' ? name : `${name}: ${message}`;
}

function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Rebuilds `value` with every string replaced by `fn(string, path)`; keys are left alone. */
function visitStrings(
  value: unknown,
  path: ConfigPath,
  fn: (text: string, path: ConfigPath) => string,
): unknown {
  if (typeof value === 'string') return fn(value, path);
  if (Array.isArray(value)) return value.map((item, i) => visitStrings(item, [...path, i], fn));
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties, so a `__proto__` key stays data and never sets a prototype.
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, visitStrings(item, [...path, key], fn)]),
    );
  }
  return value;
}
