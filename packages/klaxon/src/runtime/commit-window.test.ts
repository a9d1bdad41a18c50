import { describe, expect, it } from 'vitest';
import type { CommitBatch } from '../store/ports.js';
import { CommitWindow } from './commit-window.js';

const batch = (id: string): CommitBatch => ({
  audit: [
    {
      id,
      at: '2026-03-01T00:00:00.000Z',
      actor: 't',
      action: 'a',
      target: id,
      dryRun: false,
      result: 'planned',
      detail: {},
    },
  ],
});

describe('CommitWindow', () => {
  it('issues the commits of one window together, in order, and resolves each after its own commit', async () => {
    const issued: { id: string; turn: number }[] = [];
    let turn = 0;
    const tick = setInterval(() => turn++, 0);
    const window = new CommitWindow({
      commit: async (b) => {
        issued.push({ id: b.audit?.[0]?.id ?? '', turn });
      },
    });
    await Promise.all(['a', 'b', 'c'].map((id) => window.commit(batch(id))));
    clearInterval(tick);
    expect(issued.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(new Set(issued.map((i) => i.turn)).size).toBe(1);
  });

  it('does not resolve before the store commit resolves, and passes each failure to its own caller', async () => {
    let release!: () => void;
    const window = new CommitWindow({
      commit: (b) =>
        b.audit?.[0]?.id === 'bad'
          ? Promise.reject(new Error('constraint'))
          : new Promise<void>((r) => {
              release = r;
            }),
    });
    let done = false;
    const ok = window.commit(batch('ok')).then(() => {
      done = true;
    });
    const bad = window.commit(batch('bad'));
    await expect(bad).rejects.toThrow('constraint');
    expect(done).toBe(false);
    release();
    await ok;
    expect(done).toBe(true);
  });
});
