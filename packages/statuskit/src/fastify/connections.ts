import { readFileSync } from 'node:fs';

/**
 * The soft limit on open file descriptors (RLIMIT_NOFILE) of this process, read from
 * `/proc/self/limits`: Node has no getrlimit, and reading the file once at start costs less and
 * says more than spawning `ulimit -n`. `undefined` where there is no such file (not Linux), or
 * the limit is unlimited.
 * @example descriptorLimit('Max open files            1024                 4096                 files') // 1024
 */
export function descriptorLimit(limits?: string): number | undefined {
  let text = limits;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const soft = /^Max open files\s+(\d+)\s/m.exec(text)?.[1];
  return soft === undefined ? undefined : Number(soft);
}

/**
 * How many client connections a server holds at once with `limit` descriptors, `share` of what is
 * left after a reserve for everything else the process opens (standard streams, the listening
 * socket, files, database and upstream connections): an eighth of the limit, at least 64. Past
 * it a new connection is closed as soon as it is accepted, as nginx's `accept4() failed (24)`
 * leaves it, instead of running the process out of descriptors. 0 (no cap) when the limit is
 * unknown.
 * @example connectionCap(1024) // 896
 * @example connectionCap(1024, 0.5) // 448: the gateway keeps the other half for its upstreams
 */
export function connectionCap(limit: number | undefined, share = 1): number {
  if (limit === undefined) return 0;
  const reserve = Math.max(64, Math.floor(limit / 8));
  return Math.max(1, Math.floor((limit - reserve) * share));
}
