import { forbiddenAddressReason, forbiddenHostReason } from './network-policy';

describe('forbiddenAddressReason', () => {
  test.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.0.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fdff:ffff::1', 'unique-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['2001:db8::1', 'reserved'],
  ])('%s is %s', (address, reason) => {
    expect(forbiddenAddressReason(address)).toContain(reason);
  });

  test.each([
    ['::ffff:127.0.0.1', 'loopback'], // IPv4-mapped, dotted
    ['::ffff:7f00:1', 'loopback'], // IPv4-mapped, hex (how URL writes it)
    ['0:0:0:0:0:ffff:a00:1', 'private'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['::127.0.0.1', 'loopback'], // IPv4-compatible
    ['::a9fe:a9fe', 'cloud metadata'],
    ['::ffff:0:7f00:1', 'loopback'], // SIIT
    ['64:ff9b::7f00:1', 'loopback'], // NAT64
    ['64:ff9b::10.1.2.3', 'private'],
    ['2002:7f00:1::', 'loopback'], // 6to4
    ['2002:c0a8:101::1', 'private'],
  ])('%s (an IPv4 address inside IPv6) is %s', (address, reason) => {
    expect(forbiddenAddressReason(address)).toContain(reason);
  });

  test.each(['8.8.8.8', '1.1.1.1', '93.184.215.14', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::'])(
    '%s is public',
    (address) => expect(forbiddenAddressReason(address)).toBeUndefined(),
  );

  test('anything that is not an IP address is refused', () => {
    expect(forbiddenAddressReason('example.com')).toBe('not an IP address');
    expect(forbiddenAddressReason('')).toBe('not an IP address');
  });
});

describe('forbiddenHostReason', () => {
  test.each([
    ['https://127.0.0.1:8443/hook', 'loopback'],
    ['https://[::1]/', 'loopback'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://[0:0:0:0:0:ffff:7f00:1]/', 'loopback'],
    ['https://2130706433/', 'loopback'], // decimal
    ['https://0177.0.0.1/', 'loopback'], // octal
    ['https://0x7f.1/', 'loopback'], // hexadecimal, short
    ['https://127.1/', 'loopback'], // short
    ['https://127.0.0.1./', 'loopback'],
    ['https://%31%32%37.0.0.1/', 'loopback'], // percent-encoded
    ['https://0/', 'unspecified'],
    ['https://0xa9fea9fe/', 'cloud metadata'],
    ['https://169.254.169.254/latest/meta-data/', 'cloud metadata'],
    ['https://[fd00:ec2::254]/', 'cloud metadata'],
    ['https://10.1.2.3/', 'private'],
    ['https://localhost/', 'loopback name'],
    ['https://LOCALHOST./', 'loopback name'],
    ['https://hooks.localhost/', 'loopback name'],
  ])('%s is refused (%s)', (url, reason) => {
    expect(forbiddenHostReason(url)).toContain(reason);
  });

  test.each(['https://example.com/hook', 'https://8.8.8.8/', 'https://[2606:4700::1111]/', 'https://notlocalhost.example/', 'https://localhost.example.com/'])(
    '%s is left to the check at delivery',
    (url) => expect(forbiddenHostReason(url)).toBeUndefined(),
  );

  test('an unparsable URL is refused', () => {
    expect(forbiddenHostReason('https://[::1/')).toBe('not a URL');
  });
});
