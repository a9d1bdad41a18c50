import { KlaxonError } from '../errors.js';

/** One problem in a configuration, located by its path (`rules[2].pattern`, `outputs.slack.url`). */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** A configuration that cannot be used; `issues` lists every problem found, in document order. */
export class ConfigError extends KlaxonError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(issues.map(formatIssue).join('\n'), options);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** `path: message`, or the bare message for an issue about the document as a whole. */
export function formatIssue(issue: ConfigIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}
