import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePattern, matchesPattern } from '../patterns/index.js';
import { builtinConfig, parseConfig } from './index.js';

const samples = fileURLToPath(new URL('../../../../../shared/samples/', import.meta.url));

function events(folder: string): { file: string; event: Record<string, unknown> }[] {
  return readdirSync(`${samples}${folder}`)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, event: JSON.parse(readFileSync(`${samples}${folder}/${file}`, 'utf8')) }))
    .filter(({ event }) => typeof event === 'object' && event !== null && 'detail-type' in event);
}

describe('builtinConfig', () => {
  it('is a valid configuration: one console output, one rule, default settings', () => {
    expect(Object.keys(builtinConfig.outputs)).toEqual(['console']);
    expect(builtinConfig.rules.map((r) => [r.name, r.notify])).toEqual([['all-findings', ['console']]]);
    expect(builtinConfig.settings.server).toEqual({ host: '127.0.0.1', port: 8787 });
    // Defaults are the ones a file with no settings gets.
    expect(builtinConfig.settings).toEqual(parseConfig('outputs: {}', 'empty.yaml').settings);
  });

  it('matches every GuardDuty and Security Hub finding event in the shared samples, and nothing else', () => {
    const pattern = compilePattern(builtinConfig.rules[0]?.pattern);
    const all = [...events('guardduty'), ...events('securityhub'), ...events('securityhub-v2')];
    expect(all.length).toBeGreaterThan(20);
    for (const { file, event } of all) {
      const finding = [
        'GuardDuty Finding',
        'Security Hub Findings - Imported',
        'Findings Imported V2',
      ].includes(event['detail-type'] as string);
      expect(matchesPattern(pattern, event), file).toBe(finding);
    }
    expect(
      matchesPattern(pattern, { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification' }),
    ).toBe(false);
  });
});
