import { validateConfigDocument } from './parse.js';
import type { KlaxonConfig } from './types.js';

/**
 * The configuration `klaxon serve` runs without `--config`: every GuardDuty and Security Hub
 * finding (ASFF and OCSF) is printed to the console once, with the default settings. It goes
 * through the same validation as a file, so it can never drift from the schema.
 */
export const builtinConfig: KlaxonConfig = validateConfigDocument({
  outputs: { console: { type: 'console' } },
  rules: [
    {
      name: 'all-findings',
      description: 'Every GuardDuty and Security Hub finding, announced once on the console.',
      pattern: {
        source: ['aws.guardduty', 'aws.securityhub'],
        'detail-type': ['GuardDuty Finding', 'Security Hub Findings - Imported', 'Findings Imported V2'],
      },
      notify: ['console'],
    },
  ],
});
