import { ConnectionLimit } from './connection-limit';

describe('ConnectionLimit', () => {
  it('gives each user up to max places, and one back for each release, however often it is called', () => {
    const limit = new ConnectionLimit(2);
    const first = limit.take('alice');
    const second = limit.take('alice');
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(limit.take('alice')).toBeUndefined();
    expect(limit.take('bob')).toBeDefined(); // another user's places are their own

    first?.();
    first?.();
    expect(limit.held('alice')).toBe(1);
    expect(limit.take('alice')).toBeDefined();
    expect(limit.take('alice')).toBeUndefined();
  });

  it('forgets a user who holds nothing', () => {
    const limit = new ConnectionLimit(1);
    limit.take('carol')?.();
    expect(limit.held('carol')).toBe(0);
    expect((limit as unknown as { open: Map<string, number> }).open.size).toBe(0);
  });

  it('with max 0 counts without limit', () => {
    const limit = new ConnectionLimit(0);
    for (let i = 0; i < 1000; i++) expect(limit.take('dave')).toBeDefined();
    expect(limit.held('dave')).toBe(1000);
  });
});
