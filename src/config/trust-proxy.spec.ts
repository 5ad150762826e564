import { parseTrustProxy } from './trust-proxy';

describe('parseTrustProxy', () => {
  it('reads off, any, a hop count and lists of addresses, ranges and names', () => {
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('TRUE')).toBe(true);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('loopback')).toEqual(['loopback']);
    expect(parseTrustProxy(' loopback, 10.0.0.0/8 ,fd00::/8,192.0.2.1')).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.1']);
  });

  it('names the entry it cannot read', () => {
    for (const [value, entry] of [['localhost', 'localhost'], ['10.0.0.0/33', '10.0.0.0/33'], ['loopback,', ''], ['1.2.3.4/8/8', '1.2.3.4/8/8'], ['-1', '-1']]) {
      expect(() => parseTrustProxy(value)).toThrow(`"${entry}" is not an IP`);
    }
  });
});
