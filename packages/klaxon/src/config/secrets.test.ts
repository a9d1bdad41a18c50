// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are literal config text here
import { describe, expect, it } from 'vitest';
import { checkSecretReferences, parseSecretReferences } from './secrets.js';

describe('secret reference syntax', () => {
  it('splits text into literals and references', () => {
    expect(parseSecretReferences('plain')).toEqual(['plain']);
    expect(parseSecretReferences('')).toEqual(['']);
    expect(parseSecretReferences('${env:A}')).toEqual([{ provider: 'env', argument: 'A' }]);
    expect(
      parseSecretReferences(
        'https://x/${ssm:/a/b}?k=${secretsmanager:arn:aws:secretsmanager:eu-west-1:1:secret:x}',
      ),
    ).toEqual([
      'https://x/',
      { provider: 'ssm', argument: '/a/b' },
      '?k=',
      { provider: 'secretsmanager', argument: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' },
    ]);
    expect(parseSecretReferences('${secretsmanager:klaxon/slack#token}')).toEqual([
      { provider: 'secretsmanager', argument: 'klaxon/slack#token' },
    ]);
    expect(() => parseSecretReferences('${secretsmanager:a#b#c}')).toThrow('invalid secret reference');
    expect(parseSecretReferences('${file:./secrets/token.txt}')).toEqual([
      { provider: 'file', argument: './secrets/token.txt' },
    ]);
  });

  it('reads $${ as a literal ${ and a lone $ as a $', () => {
    expect(parseSecretReferences('cost $5, $${env:X} stays')).toEqual(['cost $5, ${env:X} stays']);
  });

  it.each([
    [
      '${env:}',
      "invalid secret reference '${env:}': expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
    ],
    ['${ENV:X}', "unknown secret reference '${ENV:X}'"],
    ['${X}', "unknown secret reference '${X}'"],
    [
      '${ssm:}',
      "invalid secret reference '${ssm:}': expected an SSM parameter name or ARN, e.g. /klaxon/slack-token",
    ],
    ['${ssm:a b}', "invalid secret reference '${ssm:a b}'"],
    ['${secretsmanager:}', "invalid secret reference '${secretsmanager:}'"],
    ['${file:}', "invalid secret reference '${file:}': expected a file path"],
    ['x ${env:A', "unterminated secret reference '${env:A'"],
  ])('rejects %j', (text, message) => {
    expect(() => parseSecretReferences(text)).toThrow(message);
  });

  it('checks every string of a document, by path, and never keys', () => {
    const issues = checkSecretReferences({
      '${env:KEY_NAMES_ARE_NOT_CHECKED': 1,
      outputs: { a: { url: '${nope:x}' } },
      list: ['ok', '${env:'],
    });
    expect(issues.map((i) => i.path)).toEqual([
      ['outputs', 'a', 'url'],
      ['list', 1],
    ]);
  });
});
