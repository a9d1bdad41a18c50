// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are literal config text here
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { outputTypes } from '../outputs/index.js';
import { ConfigError, parseConfig } from './index.js';

const testdata = fileURLToPath(new URL('./testdata/', import.meta.url));
const read = (name: string) => readFileSync(`${testdata}${name}`, 'utf8');
const OUTPUT_TYPES = outputTypes.map((t) => t.type).join(', ');

/** Every failure fixture and the exact message check-config prints for it. */
const BAD: Record<string, string> = {
  'bad.config-unknown-key.yaml': "rule: unknown key (did you mean 'rules'?)",
  'bad.config-not-a-mapping.yaml':
    'bad.config-not-a-mapping.yaml: expected a mapping at the top level, got a list',
  'bad.yaml-syntax.yaml':
    'bad.yaml-syntax.yaml:3:1: Flow map in block collection must be sufficiently indented and end with a }',
  'bad.yaml-duplicate-key.yaml': 'bad.yaml-duplicate-key.yaml:3:3: Map keys must be unique',
  'bad.accounts-bad-id.yaml':
    'accounts.12345678901: account ids are 12 digits (quote them in YAML: a leading 0 is lost otherwise)',
  'bad.rule-unknown-key.yaml': "rules[0].notfiy: unknown key (did you mean 'notify'?)",
  'bad.rule-bad-pattern.yaml':
    'rules[2].pattern: Event pattern is not valid. Reason: Value of > must be numeric',
  'bad.rule-pattern-not-mapping.yaml': 'rules[0].pattern: expected an event pattern (a mapping)',
  'bad.rule-pattern-too-long.yaml':
    'rules[0].pattern: Event pattern is not valid. Reason: Event pattern is longer than 40 characters (64)',
  'bad.rule-pattern-numeric-account.yaml':
    "rules[0].pattern.account[1]: account ids are strings in events, so the number 444455556666 never matches; quote it: '444455556666'",
  'bad.rule-unknown-output.yaml': "rules[0].notify[1]: unknown output 'x'",
  'bad.rule-output-twice.yaml': "rules[0].notify[1]: output 'screen' is listed twice",
  'bad.rule-duplicate-name.yaml': "rules[1].name: duplicate rule name 'findings' (first used by rules[0])",
  'bad.rule-bad-name.yaml':
    'rules[0].name: expected 1–64 characters from A–Z a–z 0–9 . - _ (EventBridge rule names)',
  'bad.rule-missing-pattern.yaml': 'rules[0].pattern: required',
  'bad.rule-nothing-to-do.yaml': 'rules[0].notify: a rule must notify at least one output or have actions',
  'bad.rule-enabled-not-boolean.yaml': 'rules[0].enabled: expected true or false, got a string',
  'bad.renotify-bad-duration.yaml':
    'rules[0].renotify.every: expected a duration such as 500ms, 30s, 5m, 24h, 7d or 1h30m',
  'bad.renotify-number-duration.yaml':
    'rules[0].renotify.every: a duration needs a unit: write 24s, 24m or 24h, not a bare number',
  'bad.renotify-unknown-change.yaml':
    'rules[0].renotify.on[1]: expected one of: severity-increase, count-increase, resolved',
  'bad.group-unknown-label.yaml':
    'rules[0].group.by[1]: expected one of: account, region, type, severity, source, product, resource, rule, partition, ..., or a dotted event path such as detail.resource.resourceType',
  'bad.group-zero-interval.yaml': 'rules[0].group.interval: must be longer than 0',
  'bad.transform-bad-path.yaml':
    'rules[0].transform: InputPathsMap value for key "id" of target a "detail.id" is not a valid JSON path: it must start with "$".',
  'bad.transform-undefined-placeholder.yaml':
    'rules[0].transform: InputTemplate for target a contains invalid placeholder region.',
  'bad.transform-undeliverable-template.yaml':
    'rules[0].transform.inputTemplate: placeholder <detail> is inside a quoted JSON string but its value is an object or a list; EventBridge would silently drop every event (put it outside the quotes).',
  'bad.transform-both-forms.yaml':
    'rules[0].transform: use either inputPath, or inputPathsMap with inputTemplate, not both',
  'bad.transform-no-template.yaml': 'rules[0].transform.inputTemplate: required (or use inputPath)',
  'bad.template-not-notified.yaml':
    "rules[0].templates.archive: output 'archive' is not in this rule's notify list",
  'bad.template-bad-tag.yaml':
    'rules[0].templates.screen: tag "{{ finding.title | upper }}" at offset 0 is not a dotted path (letters, digits, _ and - separated by dots)',
  'bad.template-unknown-root.yaml':
    "rules[0].templates.screen: tag {{title}} names 'title', which templates do not have; use one of: id, kind, rule, output, createdAt, finding, findings, count, group, previous, action, transformed, accountAlias",
  'bad.action-unknown-type.yaml':
    "rules[0].actions[0].type: unknown action type 'lambda-invoke'; expected one of: securityhub-workflow, ec2-isolate, iam-deactivate-key",
  'bad.action-bad-security-group.yaml':
    'rules[0].actions[0].securityGroup: expected a security group id such as sg-0123456789abcdef0',
  'bad.action-bad-workflow-status.yaml':
    'rules[0].actions[0].status: expected one of: NEW, NOTIFIED, RESOLVED, SUPPRESSED',
  'bad.output-unknown-type.yaml': `outputs.pager.type: unknown output type 'opsgenie'; expected one of: ${OUTPUT_TYPES}`,
  'bad.output-missing-type.yaml': `outputs.pager.type: required; one of: ${OUTPUT_TYPES}`,
  'bad.output-unknown-key.yaml':
    'outputs.archive.rotate: unknown key; expected one of: type, path, rateLimit',
  'bad.output-bad-name.yaml':
    'outputs["sec ops"]: output names are 1–64 characters from A–Z a–z 0–9 . - _, starting with a letter or digit',
  'bad.output-bad-rate-limit.yaml':
    'outputs.screen.rateLimit.perSecond: must be a number greater than 0\noutputs.screen.rateLimit.burst: expected a whole number',
  'bad.silence-bad-until.yaml':
    'silences[0].until: expected an ISO-8601 time stamp with a zone, such as 2026-12-31T00:00:00Z',
  'bad.silence-impossible-date.yaml': 'silences[0].until: not a real date and time',
  'bad.silence-until-before-from.yaml':
    'silences[0].until: must be later than from (2026-12-31T00:00:00.000Z)',
  'bad.silence-missing-reason.yaml': 'silences[0].reason: required',
  'bad.silence-bad-pattern.yaml':
    'silences[0].pattern: Event pattern is not valid. Reason: Empty arrays are not allowed',
  'bad.secret-unknown-provider.yaml':
    "outputs.soc.url: unknown secret reference '${vault:soc/url}': expected ${env:NAME}, ${file:path}, ${ssm:/name} or ${secretsmanager:id} (write $${ for a literal ${)",
  'bad.secret-unterminated.yaml':
    "outputs.soc.url: unterminated secret reference '${env:SOC_KEY' (write $${ for a literal ${)",
  'bad.secret-bad-env-name.yaml':
    "settings.server.token: invalid secret reference '${env:KLAXON-TOKEN}': expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
  'bad.settings-unknown-key.yaml':
    'settings.server.hostname: unknown key; expected one of: host, port, token',
  'bad.settings-pattern-max-length.yaml':
    'settings.patterns.maxLength: at most 4096 (EventBridge quota ceiling)',
  'bad.settings-token-required.yaml':
    "settings.server.token: required when settings.server.host is not a loopback address (host is '0.0.0.0')",
  'bad.settings-short-token.yaml': 'settings.server.token: must be at least 16 characters',
  'bad.settings-backoff-order.yaml': 'settings.delivery.initialBackoff: must not be longer than maxBackoff',
  'bad.settings-bad-port.yaml': 'settings.server.port: expected a port number 0–65535',
  'bad.settings-bad-concurrency.yaml': 'settings.delivery.concurrency: must be at least 1',
};

describe('config fixtures', () => {
  it('every bad.<area>-<problem>.yaml fixture has an expected message, and every message a fixture', () => {
    const files = readdirSync(testdata).filter((f) => f.startsWith('bad.'));
    expect(files.sort()).toEqual(Object.keys(BAD).sort());
    for (const f of files) expect(f).toMatch(/^bad\.[a-z]+-[a-z0-9-]+\.yaml$/);
  });

  it.each(Object.entries(BAD))('%s', (file, message) => {
    let error: unknown;
    try {
      parseConfig(read(file), file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(message);
    expect(
      (error as ConfigError).issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)),
    ).toEqual(message.split('\n'));
  });

  it('good.yaml parses with every default applied and durations in milliseconds', () => {
    const config = parseConfig(read('good.yaml'), 'good.yaml');
    expect(config.accounts).toEqual({ '111122223333': 'prod', '012345678901': 'sandbox' });
    expect(Object.keys(config.outputs)).toEqual(['screen', 'screen-json', 'archive', 'soc']);
    expect(config.outputs.screen).toEqual({ type: 'console', format: 'text' });
    expect(config.outputs.soc).toMatchObject({
      type: 'webhook',
      url: 'https://soc.example.com/hooks/klaxon?key=${env:SOC_HOOK_KEY}',
      rateLimit: { perSecond: 4, burst: 8 },
    });
    expect(config.rules.map((r) => r.name)).toEqual([
      'guardduty-high',
      'securityhub-failed-critical',
      'malicious-ip-caller',
      'findings-to-archive',
      'isolate-only',
    ]);
    const [high, hub, malicious, archive, isolate] = config.rules;
    expect(high?.enabled).toBe(true);
    expect(high?.renotify).toEqual({
      on: ['severity-increase', 'count-increase'],
      every: 86_400_000,
      cooldown: 5_400_000,
    });
    expect(high?.actions).toEqual([]);
    expect(hub?.group).toEqual({ by: ['account', 'type'], wait: 30_000, interval: 300_000 });
    expect(hub?.actions).toEqual([
      { type: 'securityhub-workflow', status: 'NOTIFIED', note: 'Announced by Klaxon', dryRun: true },
    ]);
    expect(malicious?.enabled).toBe(false);
    expect(malicious?.actions).toEqual([
      { type: 'ec2-isolate', securityGroup: 'sg-0123456789abcdef0', dryRun: true },
      { type: 'iam-deactivate-key', dryRun: false },
    ]);
    expect(archive?.transform).toEqual({ inputPath: '$.detail' });
    expect(isolate?.notify).toEqual([]);
    expect(config.silences[1]).toEqual({
      pattern: { detail: { type: [{ prefix: 'Recon:' }] } },
      from: '2026-11-01T07:00:00.000Z',
      until: '2026-11-30T17:00:00.000Z',
      reason: 'penetration test, literal $${not-a-reference}',
    });
    expect(config.settings).toEqual({
      server: { host: '127.0.0.1', port: 8787, token: '${env:KLAXON_TOKEN}' },
      db: '.klaxon/test.db',
      delivery: {
        concurrency: 4,
        backlog: 64,
        maxAttempts: 12,
        initialBackoff: 500,
        maxBackoff: 600_000,
        leaseTime: 120_000,
      },
      retention: {
        events: 604_800_000,
        deliveries: 1_209_600_000,
        audit: 34_560_000_000,
        findingStates: 2_592_000_000,
      },
      patterns: { maxLength: 4096 },
    });
  });

  it('reads JSON as well as YAML', () => {
    const json = JSON.stringify({
      outputs: { screen: { type: 'console' } },
      rules: [{ name: 'a', pattern: { source: ['aws.guardduty'] }, notify: ['screen'] }],
    });
    const config = parseConfig(json, 'klaxon.json');
    expect(config.rules[0]?.notify).toEqual(['screen']);
    expect(config.settings.server.port).toBe(8787);
  });

  it('an empty file is an error, a minimal one gets every default', () => {
    expect(() => parseConfig('', 'empty.yaml')).toThrow('empty.yaml: the configuration is empty');
    const config = parseConfig('outputs: {}', 'min.yaml');
    expect(config).toEqual({
      accounts: {},
      outputs: {},
      rules: [],
      silences: [],
      settings: {
        server: { host: '127.0.0.1', port: 8787 },
        db: '.klaxon/klaxon.db',
        delivery: {
          concurrency: 8,
          backlog: 64,
          maxAttempts: 10,
          initialBackoff: 1000,
          maxBackoff: 300_000,
          leaseTime: 60_000,
        },
        retention: {
          events: 2_592_000_000,
          deliveries: 2_592_000_000,
          audit: 31_536_000_000,
          findingStates: 7_776_000_000,
        },
        patterns: { maxLength: 2048 },
      },
    });
  });

  it('reports every problem of a file at once, in document order', () => {
    const text = `
outputs:
  screen: { type: console, formt: json }
rules:
  - name: a
    notfiy: [screen]
    pattern: { source: [aws.guardduty] }
    group: { by: [acount], wait: 30 }
settings: { server: { port: -1 } }
`;
    expect(() => parseConfig(text, 'x.yaml')).toThrow(
      [
        "outputs.screen.formt: unknown key (did you mean 'format'?)",
        "rules[0].notfiy: unknown key (did you mean 'notify'?)",
        'rules[0].group.by[0]: expected one of: account, region, type, severity, source, product, resource, rule, partition, ..., or a dotted event path such as detail.resource.resourceType',
        'rules[0].group.wait: a duration needs a unit: write 30s, 30m or 30h, not a bare number',
        'settings.server.port: expected a port number 0–65535',
      ].join('\n'),
    );
  });

  it('puts cross-check problems in document order too, whatever the order of the sections', () => {
    const text = `
settings: { server: { host: 0.0.0.0 } }
silences:
  - { pattern: { source: [x] }, from: 2027-01-01T00:00:00Z, until: 2026-01-01T00:00:00Z, reason: r }
outputs: { s: { type: console } }
rules:
  - { name: a, pattern: { source: [x] }, notify: [s, nope] }
`;
    expect(() => parseConfig(text, 'o.yaml')).toThrow(
      [
        "settings.server.token: required when settings.server.host is not a loopback address (host is '0.0.0.0')",
        'silences[0].until: must be later than from (2027-01-01T00:00:00.000Z)',
        "rules[0].notify[1]: unknown output 'nope'",
      ].join('\n'),
    );
  });

  it('groups by finding labels, `...`, or dotted event paths, never through __proto__', () => {
    const rule = (by: string) =>
      `outputs: { s: { type: console } }\nrules: [{ name: a, pattern: { source: [x] }, notify: [s], group: { by: [${by}] } }]`;
    expect(
      parseConfig(rule('account, "...", detail.resource.resourceType'), 'g.yaml').rules[0]?.group,
    ).toEqual({
      by: ['account', '...', 'detail.resource.resourceType'],
      wait: 30_000,
      interval: 300_000,
    });
    expect(() => parseConfig(rule('detail.__proto__.polluted'), 'g.yaml')).toThrow(
      /^rules\[0\]\.group\.by\[0\]: expected one of: account, /,
    );
  });

  it('merges `<<: *anchor` blocks, so rules can share a fragment', () => {
    const text = `
outputs: { s: { type: console } }
rules:
  - &base
    name: a
    pattern: { source: [aws.guardduty] }
    notify: [s]
    renotify: { on: [severity-increase] }
  - { <<: *base, name: b }
`;
    const [a, b] = parseConfig(text, 'm.yaml').rules;
    expect(b).toEqual({ ...a, name: 'b' });
    expect(b?.renotify?.on).toEqual(['severity-increase']);
  });

  it('rejects a group label listed twice', () => {
    expect(() =>
      parseConfig(
        'outputs: { s: { type: console } }\nrules: [{ name: a, pattern: { source: [x] }, notify: [s], group: { by: [type, type] } }]',
        'g.yaml',
      ),
    ).toThrow("rules[0].group.by[1]: label 'type' is listed twice");
  });

  it('rejects a __proto__ key instead of letting it touch a prototype', () => {
    expect(() => parseConfig('__proto__: { polluted: true }\noutputs: {}', 'p.yaml')).toThrow(ConfigError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not echo a string value that sits in the wrong place', () => {
    const err = (() => {
      try {
        parseConfig(
          'outputs: { soc: { type: webhook, url: 12 } }\nsettings: { db: [s3cr3t-value] }',
          'x.yaml',
        );
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.message).toContain('settings.db: expected a string, got a list');
    expect(err?.message).not.toContain('s3cr3t-value');
  });
});
