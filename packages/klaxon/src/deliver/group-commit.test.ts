import { describe, expect, it } from 'vitest';
import type { CommitBatch } from '../store/ports.js';
import { GroupCommitter, mergeBatches } from './group-commit.js';

const audit = (id: string) => ({
  id,
  at: '2026-03-01T00:00:00.000Z',
  actor: 't',
  action: 'a',
  target: id,
  dryRun: false,
  result: 'planned' as const,
  detail: {},
});

describe('GroupCommitter', () => {
  it('merges concurrent batches into one commit and resolves each after it', async () => {
    const commits: CommitBatch[] = [];
    const gc = new GroupCommitter(async (b) => {
      commits.push(b);
    });
    await Promise.all(Array.from({ length: 50 }, (_, i) => gc.commit({ audit: [audit(`a${i}`)] })));
    expect(commits.length).toBeLessThan(5);
    expect(commits.flatMap((c) => c.audit ?? []).map((a) => a.id)).toEqual(
      Array.from({ length: 50 }, (_, i) => `a${i}`),
    );
  });

  it('does not resolve before the commit holding the batch resolved', async () => {
    let release!: () => void;
    const gc = new GroupCommitter(
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    let done = false;
    const p = gc.commit({ audit: [audit('x')] }).then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(false);
    release();
    await p;
    expect(done).toBe(true);
  });

  it('isolates a failing batch: its neighbours still commit', async () => {
    const committed: string[] = [];
    const gc = new GroupCommitter(async (b) => {
      const ids = (b.audit ?? []).map((a) => a.id);
      if (ids.includes('poison')) throw new Error('constraint failed');
      committed.push(...ids);
    });
    const results = await Promise.allSettled(
      ['ok1', 'poison', 'ok2'].map((id) => gc.commit({ audit: [audit(id)] })),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committed.sort()).toEqual(['ok1', 'ok2']);
  });

  it('mergeBatches keeps every row in order', () => {
    const m = mergeBatches([{ audit: [audit('1')] }, { audit: [audit('2')], states: [] }]);
    expect(m.audit?.map((a) => a.id)).toEqual(['1', '2']);
  });
});
