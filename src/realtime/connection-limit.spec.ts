import { ConnectionLimit } from './connection-limit';

describe('ConnectionLimit', () => {
  it('gives each user up to max places, and one back for each release, however often it is called', () => {
    const limit = new ConnectionLimit(2);
    const first = limit.take('alice');
    expect(first).toBeDefined();
    expect(limit.take('alice')).toBeDefined();
    expect(limit.take('alice')).toBeUndefined();
    expect(limit.take('bob')).toBeDefined(); // another user's places are their own

    first?.();
    first?.();
    expect(limit.take('alice')).toBeDefined();
    expect(limit.take('alice')).toBeUndefined();
  });

  it('keeps no entry for a user who holds nothing (users come and go for as long as the process runs)', () => {
    const limit = new ConnectionLimit(1);
    limit.take('carol')?.();
    expect((limit as unknown as { open: Map<string, number> }).open.size).toBe(0);
    expect(limit.take('carol')).toBeDefined();
  });

  it('with max 0 has no limit', () => {
    const limit = new ConnectionLimit(0);
    for (let i = 0; i < 1000; i++) expect(limit.take('dave')).toBeDefined();
  });
});
