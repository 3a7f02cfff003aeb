import { type ParseArgsConfig, parseArgs } from 'node:util';
import { getProfile, type Language, languages, type Profile } from '../catalog/index.js';

/** Bad arguments: the CLI prints the message on one line and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A run that could not be done (a file not written, a port in use): one line, exit status 1. */
export class RunError extends Error {
  override readonly name = 'RunError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses a command's arguments; unknown flags and missing values are usage errors. */
type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{
    args: string[];
    options: O & { help: { type: 'boolean'; short: 'h' } };
    allowPositionals: true;
  }>
>;

/**
 * Parses a command's arguments: unknown options, missing values and more than `positionals`
 * words are usage errors. A value that looks like a negative number is taken as the value
 * (`--timeout -5`), so that the command can say what is wrong with it.
 */
export function parse<O extends Options>(args: string[], options: O, positionals = 0): Parsed<O> {
  const normalised: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    const name = /^--([\w-]+)$/.exec(arg)?.[1];
    const next = args[index + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      normalised.push(`${arg}=${next}`);
      index++;
    } else normalised.push(arg);
  }
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({
      args: normalised,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    const missing = /Option '(-\w, )?(--[\w-]+) <value>' argument missing/.exec(message);
    throw new UsageError(
      unknown
        ? `unknown option "${unknown[1]}"`
        : missing
          ? `${missing[2]} needs a value`
          : (message.split('\n')[0] ?? ''),
    );
  }
  const extra = parsed.positionals.slice(positionals);
  if (extra.length > 0 && !(parsed.values as { help?: boolean }).help)
    throw new UsageError(`unexpected argument "${extra[0]}"`);
  return parsed;
}

export function profileArg(name: string | undefined): Profile {
  try {
    return getProfile(name);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A language tag, compared without regard to case as RFC 5646 §2.1.1 says: `zh-cn` is `zh-CN`. */
export function languageArg(lang: string | undefined): Language {
  if (lang === undefined) return 'en';
  const known = languages.find((language) => language.toLowerCase() === lang.toLowerCase());
  if (!known) throw new UsageError(`unknown language "${lang}" (known: ${languages.join(', ')})`);
  return known;
}
