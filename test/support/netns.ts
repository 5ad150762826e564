import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Runs `ip` and returns its output; throws with its stderr. */
function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `ip` where a missing device or namespace is fine (teardown of something half made or already gone). */
function ipQuietly(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}

/** Every process running inside a network namespace (none once it is gone). */
function pidsIn(netns: string): number[] {
  try {
    return ip('netns', 'pids', netns).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** SIGKILL to every process in a network namespace; returns what each one was (`<pid> <command>`). */
function killAll(netns: string): string[] {
  const named = pidsIn(netns).map((pid) => {
    try {
      return { pid, name: `${pid} ${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}` };
    } catch {
      return { pid, name: `${pid} (exited)` };
    }
  });
  for (const { pid } of named) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  return named.map(({ name }) => name);
}

/** The names of this machine's network links. */
const links = () => ip('-o', 'link', 'show').split('\n').flatMap((line) => line.split(':')[1]?.trim().split('@')[0] ?? []);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Why this machine cannot give a test hosts of their own (root, `ip`, and a network namespace that can really be
 * made), or undefined when it can.
 */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = `vgs-probe-${process.pid}`;
  try {
    ip('netns', 'add', probe);
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: string };
    return err.code === 'ENOENT' ? '`ip` (iproute2) is not installed' : `\`ip netns add\` failed: ${String(err.stderr ?? err.message).trim()}`;
  }
  ipQuietly('netns', 'del', probe);
  return undefined;
}

export interface TestHost {
  name: string;
  /** The network namespace: the host's own loopback, interfaces and routes. */
  netns: string;
  /** Its address on the test network. */
  address: string;
  /** Runs a command inside the host. */
  wrapper: string[];
}

/**
 * Test hosts on one machine: each a network namespace with a veth pair to a bridge in the root namespace, all in
 * one /24 that no interface here uses yet. The root namespace has `gateway` on the bridge, so servers bound there
 * (and on 127.0.0.1) serve both the root namespace and the hosts; nothing is routed anywhere else.
 * Every name carries this process's pid, so a run killed before its teardown is cleaned up by the next one.
 */
export class TestNetwork {
  private constructor(
    /** Every name this network has starts with it and a hyphen. */
    private readonly tag: string,
    readonly gateway: string,
    readonly hosts: TestHost[],
  ) {}

  private get bridge(): string {
    return `${this.tag}-br`;
  }

  private veth(index: number): string {
    return `${this.tag}-v${index}`;
  }

  static create(names: string[]): TestNetwork {
    removeLeftovers();
    const tag = `vgs${process.pid}`;
    const subnet = freeSubnet();
    const network = new TestNetwork(
      tag,
      `${subnet}.1`,
      names.map((name, i) => ({ name, netns: `${tag}-${name}`, address: `${subnet}.${i + 2}`, wrapper: ['ip', 'netns', 'exec', `${tag}-${name}`] })),
    );
    try {
      ip('link', 'add', network.bridge, 'type', 'bridge');
      ip('addr', 'add', `${network.gateway}/24`, 'dev', network.bridge);
      ip('link', 'set', network.bridge, 'up');
      network.hosts.forEach((host, i) => {
        const veth = network.veth(i);
        ip('netns', 'add', host.netns);
        ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns);
        ip('link', 'set', veth, 'master', network.bridge);
        ip('link', 'set', veth, 'up');
        ip('-n', host.netns, 'link', 'set', 'lo', 'up');
        ip('-n', host.netns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
        ip('-n', host.netns, 'link', 'set', 'eth0', 'up');
      });
    } catch (error) {
      network.destroy();
      throw error;
    }
    return network;
  }

  host(name: string): TestHost {
    const host = this.hosts.find((h) => h.name === name);
    if (!host) throw new Error(`no test host ${name}`);
    return host;
  }

  /** The host dies: SIGKILL to every process in it at once (its service and any encoder it started). */
  kill(host: TestHost): string[] {
    return killAll(host.netns);
  }

  /** Kills every process in the hosts, then removes the namespaces, veths and bridge; safe to call again. */
  destroy(): void {
    for (const host of this.hosts) this.kill(host);
    const deadline = Date.now() + 5000;
    while (this.hosts.some((host) => pidsIn(host.netns).length > 0) && Date.now() < deadline) execFileSync('sleep', ['0.05']);
    for (const host of this.hosts) ipQuietly('netns', 'del', host.netns); // its end of the veth pair goes with it
    this.hosts.forEach((_, i) => ipQuietly('link', 'del', this.veth(i)));
    ipQuietly('link', 'del', this.bridge);
  }

  /** What of this network still exists: namespaces, links and processes (empty after destroy()). */
  leftovers(): string[] {
    const namespaces = ip('netns', 'list').split('\n').filter((line) => line.startsWith(`${this.tag}-`));
    const processes = this.hosts.flatMap((host) => pidsIn(host.netns).map((pid) => `pid ${pid} in ${host.netns}`));
    return [...namespaces, ...links().filter((name) => name.startsWith(`${this.tag}-`)), ...processes];
  }
}

/** The first 10.213.x.0/24 that no address or route on this machine is in. */
function freeSubnet(): string {
  const used = ip('-4', '-o', 'addr', 'show') + ip('-4', 'route', 'show');
  for (let third = 0; third < 256; third++) {
    const subnet = `10.213.${(process.pid + third) % 256}`;
    if (!used.includes(`${subnet}.`)) return subnet;
  }
  throw new Error('no free 10.213.x.0/24 for test hosts');
}

/** Namespaces, veths and bridges of earlier runs whose process is gone (killed before its teardown). */
function removeLeftovers(): void {
  const owner = (name: string) => /^vgs(\d+)-/.exec(name)?.[1];
  const stale = (name: string) => owner(name) !== undefined && !alive(Number(owner(name)));
  for (const netns of ip('netns', 'list').split('\n').map((line) => line.split(' ')[0])) {
    if (!netns || !stale(netns)) continue;
    killAll(netns);
    ipQuietly('netns', 'del', netns);
  }
  for (const name of links().filter(stale)) ipQuietly('link', 'del', name);
}
