import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testFinding, testNotification } from '../testdata/notifications.js';
import { TemplateError } from './errors.js';
import { lookupPath, parseTemplate, renderTemplate } from './template.js';

const id = (s: string) => s;

describe('renderTemplate', () => {
  it('substitutes finding fields, nested paths and list indexes', () => {
    const n = testNotification();
    const out = renderTemplate(
      '[{{finding.severity.label}}] {{ finding.title }} on {{finding.resources.0.id}} ({{rule}}, {{kind}}, x{{finding.count}})',
      n,
      { escape: id },
    );
    expect(out).toBe(
      '[HIGH] Unprotected port on EC2 instance i-0618726e20846a8dc is being probed. on i-0618726e20846a8dc (guardduty-high, new, x3)',
    );
  });

  it('renders missing values, objects and lists as the empty string', () => {
    const n = testNotification();
    expect(
      renderTemplate('a{{finding.nope}}b{{finding.resources}}c{{finding.resources.9.id}}d{{finding}}e', n, {
        escape: id,
      }),
    ).toBe('abcde');
  });

  it('reads the account alias from the render context', () => {
    const n = testNotification();
    expect(
      renderTemplate('{{accountAlias}}/{{finding.account}}', n, {
        escape: id,
        accountAliases: { '884003976652': 'prod' },
      }),
    ).toBe('prod/884003976652');
  });

  it('applies escape to substituted values only, never to the template text', () => {
    const n = testNotification({ findings: [testFinding({ title: '<b>x</b>' })] });
    const out = renderTemplate('<i>{{finding.title}}</i>', n, { escape: (s) => s.replaceAll('<', '&lt;') });
    expect(out).toBe('<i>&lt;b>x&lt;/b></i>');
  });

  it('does not re-expand tags found inside substituted values', () => {
    const n = testNotification({ findings: [testFinding({ title: '{{rule}}' })] });
    expect(renderTemplate('{{finding.title}}', n, { escape: id })).toBe('{{rule}}');
  });

  it('never walks prototypes or constructors', () => {
    const raw = JSON.parse('{"__proto__":{"polluted":"yes"},"a":{"b":"c"}}');
    const n = testNotification({ findings: [testFinding({ raw })] });
    expect(
      renderTemplate(
        '{{finding.raw.a.b}}|{{finding.raw.__proto__.polluted}}|{{finding.constructor.name}}|{{finding.title.length}}|{{finding.toString}}',
        n,
        { escape: id },
      ),
    ).toBe('c||||');
    expect(lookupPath({}, ['hasOwnProperty'])).toBeUndefined();
  });

  it('renders a malformed template literally (escaped) instead of throwing', () => {
    const n = testNotification();
    expect(renderTemplate('hi {{ finding.title | upper }}', n, { escape: (s) => s.toUpperCase() })).toBe(
      'HI {{ FINDING.TITLE | UPPER }}',
    );
  });

  it('is total: any template string renders without throwing', () => {
    const n = testNotification();
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (t) => {
        expect(typeof renderTemplate(t, n, { escape: id })).toBe('string');
      }),
    );
  });
});

describe('parseTemplate', () => {
  it('splits text and tags', () => {
    expect(parseTemplate('a {{x.y}} b')).toEqual([
      { text: 'a ' },
      { path: ['x', 'y'], tag: '{{x.y}}' },
      { text: ' b' },
    ]);
  });

  it('names the bad tag and its offset', () => {
    expect(() => parseTemplate('ok {{ finding.title() }}')).toThrow(TemplateError);
    expect(() => parseTemplate('ok {{ finding.title() }}')).toThrow(
      /tag "\{\{ finding.title\(\) \}\}" at offset 3/,
    );
    expect(() => parseTemplate('{{}}')).toThrow(/offset 0/);
  });
});
