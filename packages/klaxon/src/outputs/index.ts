import { consoleOutput } from './console.js';
import { emailOutput } from './email.js';
import { fileOutput } from './file.js';
import type { OutputType } from './output.js';
import { pagerDutyOutput } from './pagerduty.js';
import { slackOutput } from './slack.js';
import { snsOutput } from './sns.js';
import { teamsOutput } from './teams.js';
import { webhookOutput } from './webhook.js';

/**
 * Every built-in output type. Registering a new one is one line here; config/ builds the
 * `outputs:` schema from this list and deliver/ looks senders up by `type`.
 */
// biome-ignore lint/suspicious/noExplicitAny: each entry has its own config type
export const outputTypes: readonly OutputType<any>[] = [
  consoleOutput,
  fileOutput,
  emailOutput,
  pagerDutyOutput,
  snsOutput,
  webhookOutput,
  slackOutput,
  teamsOutput,
];
