import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError } from './errors.js';
import { fileConfigSchema, fileDeliveryError, fileOutput, renderFile } from './file.js';
import { testFinding, testNotification } from './testdata/notifications.js';

const ctx = { accountAliases: { '884003976652': 'prod' } };
const send = { idempotencyKey: 'k', signal: new AbortController().signal, fetch };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'klaxon-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('file output', () => {
  it('has a strict schema with a required path', () => {
    expect(fileConfigSchema.safeParse({ type: 'file' }).success).toBe(false);
    expect(fileConfigSchema.safeParse({ type: 'file', path: '' }).success).toBe(false);
    expect(fileConfigSchema.safeParse({ type: 'file', path: 'x', mode: 1 }).success).toBe(false);
    expect(fileConfigSchema.safeParse({ type: 'file', path: 'a\0b' }).success).toBe(false);
    expect(fileConfigSchema.parse({ type: 'file', path: 'out.jsonl' })).toEqual({
      type: 'file',
      path: 'out.jsonl',
    });
  });

  it('renders the notification record deterministically, with events and without raw', () => {
    const n = testNotification({ template: 'T {{finding.type}}', transformed: '"x"' });
    const config = { type: 'file' as const, path: 'x' };
    const a = renderFile(n, config, ctx);
    expect(JSON.stringify(a)).toBe(JSON.stringify(renderFile(n, config, ctx)));
    const body = a.body as Record<string, unknown> & { findings: Record<string, unknown>[] };
    expect(Object.keys(body)).toEqual([
      'id',
      'createdAt',
      'kind',
      'rule',
      'output',
      'headline',
      'text',
      'transformed',
      'findings',
    ]);
    expect(body.headline).toBe('New finding');
    expect(body.text).toBe('T Recon:EC2/PortProbeUnprotectedPort');
    expect(body.findings[0]?.raw).toBeUndefined();
    expect(body.findings[0]?.accountAlias).toBe('prod');
    expect((body.findings[0]?.event as { id: string } | undefined)?.id).toBe(
      'bb9fb524-59ef-513a-8659-b12a3795ae8b',
    );
  });

  it('appends one JSON line per notification, creating the directory and the file (mode 0600)', async () => {
    const path = join(dir, 'nested', 'deeper', 'out.jsonl');
    const config = { type: 'file' as const, path };
    const sends = Array.from({ length: 20 }, (_, i) =>
      fileOutput.send(
        renderFile(
          testNotification({ id: `n${i}`, findings: [testFinding({ title: `t${i}\nsecond line` })] }),
          config,
          ctx,
        ),
        config,
        send,
      ),
    );
    await Promise.all(sends);
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(20);
    const ids = lines.map((line) => JSON.parse(line).id).sort();
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`).sort());
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('a directory in the way is a final error', async () => {
    const path = join(dir, 'a-directory');
    await mkdir(path);
    const failed = fileOutput.send({ body: {} }, { type: 'file', path }, send);
    await expect(failed).rejects.toBeInstanceOf(DeliveryError);
    await expect(failed).rejects.toMatchObject({
      retryable: false,
      message: `file ${path}: cannot append: EISDIR`,
    });
  });

  it('a full disk is retryable (ENOSPC from /dev/full)', async () => {
    const failed = fileOutput.send({ body: {} }, { type: 'file', path: '/dev/full' }, send);
    await expect(failed).rejects.toMatchObject({
      retryable: true,
      message: 'file /dev/full: cannot append: ENOSPC',
    });
  });

  it.each([
    ['EACCES', false],
    ['EPERM', false],
    ['EROFS', false],
    ['ENOTDIR', false],
    ['ENOSPC', true],
    ['EDQUOT', true],
    ['EMFILE', true],
    ['EIO', true],
    ['EAGAIN', true],
    ['ERR_INVALID_ARG_VALUE', false],
  ])('classifies %s as retryable=%s', (code, retryable) => {
    const err = fileDeliveryError(Object.assign(new Error(`${code}: x`), { code }), 'out.jsonl');
    expect(err.retryable).toBe(retryable);
    expect(err.message).toBe(`file out.jsonl: cannot append: ${code}`);
  });
});
