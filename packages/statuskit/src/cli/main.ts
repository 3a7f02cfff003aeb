#!/usr/bin/env node
import { UsageError } from './args.js';

const help = `Usage: statuskit <command> [options]

The status-code contract of cloud REST APIs, from the pages themselves.

Commands:
  check   verify a live API against the contract (a battery of HTTP checks)
  codes   print a profile's status codes (table or --json)
  docs    render a profile as md, rst, html or OpenAPI components
  gateway run a reverse proxy that keeps every reply inside the contract

Run "statuskit <command> --help" for a command's options.`;

/** A command returns its output, or its output and exit status. */
type Command = (args: string[]) => string | Promise<string | { output: string; status: number }>;

/**
 * Each command is loaded when it runs: `codes` and `docs` need nothing beyond the catalog, while
 * `gateway` brings Fastify and undici, which a one-line table should not pay for.
 */
const commands: Record<string, () => Promise<Command>> = {
  check: async () => (await import('./check.js')).check,
  codes: async () => (await import('./codes.js')).codes,
  docs: async () => (await import('./docs.js')).docs,
  gateway: async () => (await import('./gateway.js')).gateway,
};

/** Runs the CLI; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(`${help}\n`);
      return name === undefined ? 2 : 0;
    }
    const load = commands[name];
    if (!load) throw new UsageError(`unknown command "${name}" (known: ${Object.keys(commands).join(', ')})`);
    const result = await (await load())(args);
    const { output, status } = typeof result === 'string' ? { output: result, status: 0 } : result;
    process.stdout.write(`${output}\n`);
    return status;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`statuskit: ${error.message}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
