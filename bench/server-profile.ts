/**
 * Bare Fastify and Fastify with the statuskit plugin under `node --cpu-prof`, route by route,
 * under the bench's load: where the CPU of one answer goes, in µs, so that what the plugin adds
 * can be read function by function rather than guessed from the req/s.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ProfileSummary, summariseProfile } from './profile.js';

export interface ServerProfile {
  server: string;
  route: string;
  /** Answers during the profiled run, and the sampled busy CPU per answer (µs). */
  answers: number;
  busyUs: number;
  /** The busy µs per answer charged to each module (see profile.ts), largest first. */
  modules: { name: string; us: number }[];
  /** statuskit's own functions by self time, µs per answer. */
  statuskit: { name: string; where: string; us: number }[];
}

/** A server started with extra node flags; the bench's own start and measure do the rest. */
export interface ProfileContext<Server> {
  start(name: string, nodeFlags: string[]): Promise<Server>;
  /** One load run of `seconds`; the answers it got. */
  load(server: Server, route: string, seconds: number): Promise<number>;
  /** SIGTERM: the bench servers exit on it, and node writes the profile as they do. */
  stop(server: Server): Promise<void>;
  log(line: string): void;
  scratch: string;
}

const perAnswer = (ms: number, answers: number) => Math.round(((ms * 1000) / answers) * 100) / 100;

export async function profileServers<Server>(
  context: ProfileContext<Server>,
  cells: { server: string; route: string }[],
  seconds: number,
  warmup: number,
): Promise<ServerProfile[]> {
  const profiles: ServerProfile[] = [];
  for (const { server: name, route } of cells) {
    const dir = join(context.scratch, `profile-${name}-${route}`);
    mkdirSync(dir, { recursive: true });
    const server = await context.start(name, ['--cpu-prof', '--cpu-prof-dir', dir]);
    let answers: number;
    let window: { from: number; to: number };
    try {
      await context.load(server, route, Math.max(1, warmup));
      const from = Number(process.hrtime.bigint() / 1000n);
      answers = await context.load(server, route, seconds);
      window = { from, to: Number(process.hrtime.bigint() / 1000n) };
    } finally {
      await context.stop(server);
    }
    // tsx's loader runs in a thread of its own, with a profile of its own: the main thread's is the largest.
    const file = readdirSync(dir)
      .map((entry) => join(dir, entry))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0];
    if (file === undefined) throw new Error(`${name} wrote no profile`);
    profiles.push(summarise(name, route, summariseProfile(file, window, 200), answers));
    context.log(`profile: ${name}/${route}, ${answers} answers`);
  }
  return profiles;
}

function summarise(server: string, route: string, summary: ProfileSummary, answers: number): ServerProfile {
  const busy = summary.busyMs;
  return {
    server,
    route,
    answers,
    busyUs: perAnswer(busy, answers),
    modules: summary.categories
      .filter((category) => category.charged > 0)
      .map((category) => ({ name: category.name, us: perAnswer(category.charged * busy, answers) })),
    statuskit: summary.functions
      .filter((fn) => fn.category.startsWith('statuskit'))
      .map((fn) => ({ name: fn.name, where: fn.where, us: perAnswer(fn.ms, answers) })),
  };
}

/** The text report: per cell the busy µs per answer, the modules over 0.5 µs, statuskit's functions. */
export function serverProfileText(profiles: ServerProfile[]): string {
  const lines = [
    'profile (node --cpu-prof; µs of sampled CPU per answer, charged to the module that asked):',
  ];
  for (const profile of profiles) {
    const modules = profile.modules
      .filter((module) => module.us >= 0.5)
      .map((module) => `${module.name} ${module.us.toFixed(1)}`)
      .join(', ');
    lines.push(`  ${profile.server}/${profile.route}: ${profile.busyUs.toFixed(1)} µs; ${modules}`);
    const own = profile.statuskit
      .slice(0, 8)
      .map((fn) => `${fn.name || '(anonymous)'} ${fn.us.toFixed(2)}`)
      .join(', ');
    if (own) lines.push(`    statuskit's own functions, self: ${own}`);
  }
  return lines.join('\n');
}
