import { LookupAddress } from 'node:dns';
import { RefusedTargetError, resolveWebhookTarget, Resolver } from './webhook-target';

const answers = (...addresses: string[]): Resolver => async () =>
  addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));

/** What the pinned lookup answers Node's http client, in both of the forms it asks for. */
const pinned = (lookup: Awaited<ReturnType<typeof resolveWebhookTarget>>['lookup']) => {
  let all: unknown;
  let one: unknown;
  lookup('hooks.example.com', { all: true }, (_err, addresses) => (all = addresses));
  lookup('hooks.example.com', {}, (_err, address, family) => (one = [address, family]));
  return { all, one };
};

describe('resolveWebhookTarget', () => {
  test('a name resolving to public addresses is pinned to exactly those addresses', async () => {
    const target = await resolveWebhookTarget('https://hooks.example.com/in', false, answers('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'));
    expect(target.url.href).toBe('https://hooks.example.com/in');
    expect(pinned(target.lookup)).toEqual({
      all: [{ address: '93.184.215.14', family: 4 }, { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 }],
      one: ['93.184.215.14', 4],
    });
  });

  test.each([
    [['127.0.0.1'], /resolves to 127\.0\.0\.1, a loopback address/],
    [['93.184.215.14', '10.0.0.7'], /resolves to 10\.0\.0\.7, a private address/], // ANY forbidden address refuses
    [['::ffff:169.254.169.254'], /cloud metadata/],
    [['fe80::1%eth0'], /link-local/],
  ])('a name resolving to %j is refused', async (addresses, reason) => {
    await expect(resolveWebhookTarget('https://rebind.example.com/', false, answers(...addresses))).rejects.toThrow(reason);
  });

  test('a forbidden literal or loopback name is refused without a lookup', async () => {
    const resolve = jest.fn(answers('93.184.215.14'));
    for (const url of ['https://2130706433/', 'https://[::1]:8443/', 'https://api.localhost/']) {
      await expect(resolveWebhookTarget(url, false, resolve)).rejects.toBeInstanceOf(RefusedTargetError);
    }
    expect(resolve).not.toHaveBeenCalled();
  });

  test('an IPv6 literal is looked up without its brackets', async () => {
    const resolve = jest.fn(answers('2606:4700::1111'));
    await resolveWebhookTarget('https://[2606:4700::1111]/', false, resolve);
    expect(resolve).toHaveBeenCalledWith('2606:4700::1111');
  });

  test('WEBHOOK_ALLOW_PRIVATE lifts the refusal but still pins the checked address', async () => {
    const target = await resolveWebhookTarget('https://localhost:8443/', true, answers('127.0.0.1'));
    expect(pinned(target.lookup).one).toEqual(['127.0.0.1', 4]);
  });

  test('a name without addresses is an ordinary (retried) failure, not a refusal', async () => {
    const failure = resolveWebhookTarget('https://gone.example.com/', false, answers());
    await expect(failure).rejects.toThrow(/no address/);
    await expect(failure).rejects.not.toBeInstanceOf(RefusedTargetError);
  });
});
