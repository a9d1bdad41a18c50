import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePattern, matchesPattern } from '../patterns/index.js';
import { applyInputTransformer } from '../transform/index.js';
import { parseConfig } from './index.js';

const examples = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const samples = fileURLToPath(new URL('../../../../../shared/samples/', import.meta.url));
const files = readdirSync(examples).filter((f) => /^s[1-6]-.*\.yaml$/.test(f));
const load = (file: string) => parseConfig(readFileSync(`${examples}${file}`, 'utf8'), file);
const sample = (path: string) =>
  JSON.parse(readFileSync(`${samples}${path}`, 'utf8')) as Record<string, unknown>;

/** Rule `index` of the example whose name starts with `prefix`, with its compiled pattern. */
function ruleOf(prefix: string, index = 0) {
  const file = files.find((f) => f.startsWith(prefix));
  const rule = file === undefined ? undefined : load(file).rules[index];
  if (rule === undefined) throw new Error(`no rule ${index} in example ${prefix}`);
  return { rule, pattern: compilePattern(rule.pattern) };
}

describe('examples/ (one config per system of DESIGN.md)', () => {
  it('has one file for each of S1–S6', () => {
    expect(files.map((f) => f.slice(0, 2)).sort()).toEqual(['s1', 's2', 's3', 's4', 's5', 's6']);
  });

  it.each(files)('%s is a valid configuration', (file) => {
    expect(() => load(file)).not.toThrow();
  });

  it('S1, S2: every GuardDuty finding, and only GuardDuty findings', () => {
    for (const prefix of ['s1-', 's2-']) {
      const { pattern } = ruleOf(prefix);
      expect(matchesPattern(pattern, sample('guardduty/Backdoor_EC2-CCActivity.B_DNS.json'))).toBe(true);
      expect(matchesPattern(pattern, sample('securityhub/asr--cis-1.2.0_1.3--MEDIUM_FAILED_NEW.json'))).toBe(
        false,
      );
    }
  });

  it('S3: severity ≥ 4 only, and the transformer gives a readable text with a console link', () => {
    const { rule, pattern } = ruleOf('s3-');
    const event = sample('guardduty/Backdoor_EC2-CCActivity.B_DNS.json');
    const detail = event.detail as { severity: number; id: string };
    expect(matchesPattern(pattern, { ...event, detail: { ...detail, severity: 3.9 } })).toBe(false);
    expect(matchesPattern(pattern, { ...event, detail: { ...detail, severity: 4 } })).toBe(true);
    const transform = rule.transform as { inputPathsMap: Record<string, string>; inputTemplate: string };
    const result = applyInputTransformer(event, transform, {
      ruleName: rule.name,
      ruleArn: `arn:aws:events:us-east-1:123456789012:rule/${rule.name}`,
      ingestionTime: '2025-01-01T00:00:00Z',
    });
    expect(result.delivered).toBe(true);
    const body = (result as { body: string }).body;
    expect(body).toContain('GuardDuty finding Backdoor:EC2/C&CActivity.B!DNS');
    expect(body).toContain(`#/findings?macros=current&fId=${detail.id}`);
  });

  it('S4: the EC2 rule takes the EC2 threat-list and C&C findings, the IAM rule the IAM threat-list one', () => {
    const ec2 = ruleOf('s4-', 0);
    const iam = ruleOf('s4-', 1);
    const backdoor = sample('guardduty/Backdoor_EC2-CCActivity.B_DNS.json');
    const iamCaller = sample('guardduty/Recon_IAMUser-MaliciousIPCaller.Custom.json');
    expect([matchesPattern(ec2.pattern, backdoor), matchesPattern(ec2.pattern, iamCaller)]).toEqual([
      true,
      false,
    ]);
    expect([matchesPattern(iam.pattern, backdoor), matchesPattern(iam.pattern, iamCaller)]).toEqual([
      false,
      true,
    ]);
  });

  it('S5: failed, new, high or critical control findings only', () => {
    const { pattern } = ruleOf('s5-');
    const hub = readdirSync(`${samples}securityhub`).map((f) => ({ f, e: sample(`securityhub/${f}`) }));
    const matched = hub.filter(({ e }) => matchesPattern(pattern, e)).map(({ f }) => f);
    for (const f of matched) expect(f).toMatch(/(HIGH|CRITICAL)_FAILED_NEW/);
    expect(matched.length).toBeGreaterThan(0);
  });
});
