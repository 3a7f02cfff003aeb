/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): where the sampled time went, by module
 * (undici, Fastify, the statuskit plugin, the gateway's own files, Node's http and net, GC…) and
 * by function, self time and inclusive time (the time with the module anywhere on the stack).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  /** Milliseconds. */
  ms: number;
  /** Of the busy (non-idle) time. */
  share: number;
}

export interface FunctionShare extends Share {
  where: string;
  category: string;
}

export interface ProfileSummary {
  /** Busy (non-idle) milliseconds sampled in the window. */
  busyMs: number;
  idleMs: number;
  samples: number;
  /** `load run`: only the samples taken while the load ran; `whole process`: all of them. */
  window: 'load run' | 'whole process';
  /**
   * Self time by module; `charged`: the time charged to the module, that of Node and of native
   * code going to the nearest library or statuskit frame that called it (a socket write that
   * Fastify's reply made is Fastify's, one undici made is undici's); `inclusive`: the share with
   * the module anywhere on the stack (null for Node's own modules: they are on every stack).
   * Largest charged first.
   */
  categories: (Share & { charged: number; inclusive: number | null })[];
  /** The native functions with the most self time, and who called them (the charged module). */
  natives: (FunctionShare & { callers: Share[] })[];
  /** The functions with the most self time. */
  functions: FunctionShare[];
  /** statuskit's own functions (dist/) by inclusive time. */
  statuskit: FunctionShare[];
}

const packageNames: Record<string, string> = {
  undici: 'undici (client to natgw)',
  fastify: 'Fastify core',
  'find-my-way': 'find-my-way (router)',
  pino: 'pino (logging)',
  'sonic-boom': 'pino (logging)',
  'pino-std-serializers': 'pino (logging)',
  'fast-json-stringify': 'fast-json-stringify',
  avvio: 'avvio (Fastify boot)',
};

const statuskitFiles: Record<string, string> = {
  'gateway/app.js': 'gateway: Fastify route (app.js)',
  'gateway/lane.js': 'gateway: fast lane (lane.js)',
  'gateway/forward.js': 'gateway: forward and relay (forward.js)',
  'gateway/exchange.js': 'gateway: upstream exchange (exchange.js)',
  'gateway/headers.js': 'gateway: header filtering (headers.js)',
  'gateway/rewrite.js': 'gateway: status judge (rewrite.js)',
  'gateway/upstreams.js': 'gateway: upstream choice (upstreams.js)',
  'gateway/failures.js': 'gateway: failures (failures.js)',
};

const nodeHttp = 'Node http (server: requests, replies)';

/** The module a frame belongs to, as a readable name. */
export function categoryOf(frame: CallFrame): string {
  const { functionName: name, url } = frame;
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'V8 garbage collector';
  if (name === '(program)') return 'V8/native, unattributed (program)';
  if (name === '(root)') return 'root';
  if (url.startsWith('wasm://')) return 'undici: llhttp (WebAssembly)';
  if (url === '') return 'native built-ins (C++: sockets, buffers, strings)';
  const modules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules) {
    const pkg = modules[1] as string;
    return packageNames[pkg] ?? (pkg.startsWith('@fastify/') ? `${pkg}` : `npm: ${pkg}`);
  }
  const dist = /\/(?:dist|src)\/((\w+)\/[\w.-]+\.[jt]s)$/.exec(url);
  if (dist) {
    const file = (dist[1] as string).replace(/\.ts$/, '.js');
    const folder = dist[2] as string;
    if (statuskitFiles[file]) return statuskitFiles[file];
    if (folder === 'gateway') return `gateway: ${file}`;
    if (folder === 'fastify') return 'statuskit plugin (hooks, replies)';
    if (folder === 'http') return 'statuskit request ids, Accept-Language';
    return `statuskit ${folder}/`;
  }
  if (/^node:(_http_|internal\/http)/.test(url) || url === 'node:http') return nodeHttp;
  if (/^node:(net|internal\/net|internal\/stream_base_commons|internal\/dns)/.test(url))
    return 'Node net (sockets)';
  if (/^node:(stream|internal\/streams\/)/.test(url)) return 'Node streams';
  if (/^node:(timers|internal\/timers)/.test(url)) return 'Node timers';
  if (/^node:internal\/deps\/undici/.test(url)) return 'undici (client to natgw)';
  if (/^node:(events|internal\/event_target|internal\/abort_controller)/.test(url))
    return 'Node events, AbortSignal';
  if (/^node:(internal\/process\/task_queues|internal\/async_hooks|async_hooks)/.test(url))
    return 'Node microtasks, async hooks';
  if (/^node:(internal\/url|url)/.test(url)) return 'Node URL';
  if (/^node:(buffer|internal\/buffer)/.test(url)) return 'Node buffers';
  if (url.startsWith('node:')) return 'Node core (other)';
  return 'other';
}

/** Node's own modules, native code and V8: charged to the library or statuskit code that called them. */
function isNode(category: string): boolean {
  return /^(Node |native |V8|root$|other$)/.test(category);
}

function whereOf(frame: CallFrame): string {
  const file = frame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(dist|src)\//, '$1/');
  return file ? `${file}:${frame.lineNumber + 1}` : '(native)';
}

/**
 * Reads a `.cpuprofile` and sums its samples. With `window` (µs of the monotonic clock, as
 * `process.hrtime` gives), only the samples inside it count, when there are any: V8's timestamps
 * are on the same clock on Linux, so startup and shutdown stay out.
 */
export function summariseProfile(
  file: string,
  window?: { from: number; to: number },
  top = 15,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map<number, ProfileNode>();
  const parents = new Map<number, number>();
  for (const node of profile.nodes) {
    nodes.set(node.id, node);
    for (const child of node.children ?? []) parents.set(child, node.id);
  }
  // Sample i lasts until sample i + 1 is taken.
  const stamps: number[] = [];
  let time = profile.startTime;
  for (const delta of profile.timeDeltas) {
    time += delta;
    stamps.push(time);
  }
  const inWindow = (i: number) =>
    window === undefined || ((stamps[i] as number) >= window.from && (stamps[i] as number) <= window.to);
  let useWindow = window !== undefined;
  if (useWindow && !profile.samples.some((_, i) => inWindow(i))) useWindow = false;

  const self = new Map<string, number>();
  const charged = new Map<string, number>();
  const nativeCallers = new Map<string, Map<string, number>>();
  const inclusive = new Map<string, number>();
  const functionSelf = new Map<string, { frame: CallFrame; ms: number }>();
  const functionInclusive = new Map<string, { frame: CallFrame; ms: number }>();
  let busy = 0;
  let idle = 0;
  let counted = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (useWindow && !inWindow(i)) continue;
    const next = stamps[i + 1];
    const ms = next === undefined ? 0 : (next - (stamps[i] as number)) / 1000;
    const node = nodes.get(profile.samples[i] as number);
    if (!node) continue;
    counted++;
    const category = categoryOf(node.callFrame);
    if (category === 'idle') {
      idle += ms;
      continue;
    }
    busy += ms;
    self.set(category, (self.get(category) ?? 0) + ms);
    const key = `${node.callFrame.functionName}@${node.callFrame.url}:${node.callFrame.lineNumber}`;
    const entry = functionSelf.get(key) ?? { frame: node.callFrame, ms: 0 };
    entry.ms += ms;
    functionSelf.set(key, entry);
    // Charged: the first frame up the stack that is a library's or statuskit's; else Node's http
    // server where it is on the stack (the reply's socket write, uncorked on a later tick, has no
    // library frame above it); else the leaf's module.
    let owner: string | undefined;
    let http = false;
    for (let id: number | undefined = node.id; id !== undefined; id = parents.get(id)) {
      const frameCategory = categoryOf((nodes.get(id) as ProfileNode).callFrame);
      if (!isNode(frameCategory)) {
        owner = frameCategory;
        break;
      }
      if (frameCategory === nodeHttp) http = true;
    }
    owner ??= http ? nodeHttp : category;
    charged.set(owner, (charged.get(owner) ?? 0) + ms);
    if (node.callFrame.url === '' && !node.callFrame.functionName.startsWith('(')) {
      const callers = nativeCallers.get(key) ?? new Map<string, number>();
      callers.set(owner, (callers.get(owner) ?? 0) + ms);
      nativeCallers.set(key, callers);
    }
    const seenCategories = new Set<string>();
    const seenFunctions = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parents.get(id)) {
      const frame = (nodes.get(id) as ProfileNode).callFrame;
      const frameCategory = categoryOf(frame);
      if (!seenCategories.has(frameCategory)) {
        seenCategories.add(frameCategory);
        inclusive.set(frameCategory, (inclusive.get(frameCategory) ?? 0) + ms);
      }
      if (/\/(dist|src)\/\w+\//.test(frame.url) && !frame.url.includes('/node_modules/')) {
        const functionKey = `${frame.functionName}@${frame.url}:${frame.lineNumber}`;
        if (!seenFunctions.has(functionKey)) {
          seenFunctions.add(functionKey);
          const total = functionInclusive.get(functionKey) ?? { frame, ms: 0 };
          total.ms += ms;
          functionInclusive.set(functionKey, total);
        }
      }
    }
  }
  const share = (ms: number) => (busy > 0 ? Math.round((ms / busy) * 1000) / 1000 : 0);
  const rounded = (ms: number) => Math.round(ms * 10) / 10;
  const asFunction = ({ frame, ms }: { frame: CallFrame; ms: number }): FunctionShare => ({
    name: frame.functionName || '(anonymous)',
    where: whereOf(frame),
    category: categoryOf(frame),
    ms: rounded(ms),
    share: share(ms),
  });
  return {
    busyMs: rounded(busy),
    idleMs: rounded(idle),
    samples: counted,
    window: useWindow ? 'load run' : 'whole process',
    categories: [...new Set([...self.keys(), ...charged.keys()])]
      .map((name) => ({
        name,
        ms: rounded(self.get(name) ?? 0),
        share: share(self.get(name) ?? 0),
        charged: share(charged.get(name) ?? 0),
        inclusive: isNode(name) ? null : share(inclusive.get(name) ?? 0),
      }))
      .sort((a, b) => b.charged - a.charged || b.share - a.share),
    natives: [...nativeCallers]
      .map(([key, callers]) => ({
        ...asFunction(functionSelf.get(key) as { frame: CallFrame; ms: number }),
        callers: [...callers]
          .sort((a, b) => b[1] - a[1])
          .map(([name, ms]) => ({ name, ms: rounded(ms), share: share(ms) })),
      }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5),
    functions: [...functionSelf.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map(asFunction),
    statuskit: [...functionInclusive.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map(asFunction),
  };
}
