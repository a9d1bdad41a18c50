import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { outputTypes } from '../outputs/index.js';
import { ConfigError } from './errors.js';
import { parseConfigText, validateConfigDocument } from './parse.js';
import { Redactor } from './redactor.js';
import { checkSecretReferences, resolveSecretReferences } from './secrets.js';
import type { KlaxonConfig } from './types.js';

/** Where `loadConfig` reads secrets from; every field defaults to the process's own. */
export interface LoadConfigOptions {
  /** Environment for `${env:…}`. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Client for `${ssm:…}`. Default: a new SSMClient with the SDK's default region and credentials. */
  readonly ssm?: SSMClient;
  /** Client for `${secretsmanager:…}`. Default: a new SecretsManagerClient likewise. */
  readonly secretsManager?: SecretsManagerClient;
  /** Base of a relative config path and of relative `${file:…}` paths. Default `process.cwd()`. */
  readonly cwd?: string;
}

/** A configuration ready to run, and the redactor that masks every secret it holds. */
export interface LoadedConfig {
  readonly config: KlaxonConfig;
  readonly redactor: Redactor;
  /** Absolute path of the file read. */
  readonly source: string;
}

/**
 * Reads, validates and resolves a configuration file: the file is validated as written (so a
 * syntax error is reported even when secrets cannot be fetched), its secret references are then
 * resolved, and the resolved document is validated again. Every message of a ConfigError thrown
 * after resolution has passed through the redactor.
 */
export async function loadConfig(path: string, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const source = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError([{ path, message: `cannot read the configuration file: ${code}` }], { cause: err });
  }
  const document = parseConfigText(text, path);
  validateConfigDocument(document, checkSecretReferences(document));

  let ssm = options.ssm;
  let secretsManager = options.secretsManager;
  const resolved = await resolveSecretReferences(document, {
    env: options.env ?? process.env,
    cwd,
    ssm: () => {
      ssm ??= new SSMClient({});
      return ssm;
    },
    secretsManager: () => {
      secretsManager ??= new SecretsManagerClient({});
      return secretsManager;
    },
  });
  let redactor = new Redactor(resolved.secrets);
  if (resolved.issues.length > 0) throw redacted(new ConfigError(resolved.issues), redactor);

  let config: KlaxonConfig;
  try {
    config = validateConfigDocument(resolved.document);
  } catch (err) {
    if (err instanceof ConfigError) throw redacted(err, redactor);
    throw err;
  }
  redactor = redactor.with(outputSecrets(config));
  if (config.settings.server.token !== undefined) redactor = redactor.with([config.settings.server.token]);
  return { config, redactor, source };
}

/** Secrets each output declares in its own config (tokens, webhook URLs), written inline or resolved. */
function outputSecrets(config: KlaxonConfig): string[] {
  const secrets: string[] = [];
  for (const entry of Object.values(config.outputs)) {
    const type = outputTypes.find((t) => t.type === entry.type);
    if (type !== undefined) secrets.push(...type.secrets(entry));
  }
  return secrets;
}

function redacted(error: ConfigError, redactor: Redactor): ConfigError {
  return new ConfigError(
    error.issues.map((i) => ({ path: redactor.redact(i.path), message: redactor.redact(i.message) })),
  );
}
