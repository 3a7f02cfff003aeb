#!/usr/bin/env node
import { UsageError } from './args.js';
import { codes } from './codes.js';
import { docs } from './docs.js';

const help = `Usage: statuskit <command> [options]

The status-code contract of cloud REST APIs, from the pages themselves.

Commands:
  codes   print a profile's status codes (table or --json)
  docs    render a profile as md, rst, html or OpenAPI components

Run "statuskit <command> --help" for a command's options.`;

const commands: Record<string, (args: string[]) => string | Promise<string>> = { codes, docs };

/** Runs the CLI; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(`${help}\n`);
      return name === undefined ? 2 : 0;
    }
    const command = commands[name];
    if (!command)
      throw new UsageError(`unknown command "${name}" (known: ${Object.keys(commands).join(', ')})`);
    process.stdout.write(`${await command(args)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`statuskit: ${error.message}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
