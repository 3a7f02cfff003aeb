import { type ParseArgsConfig, parseArgs } from 'node:util';
import { getProfile, isLanguage, type Language, type Profile } from '../catalog/index.js';

/** Bad arguments: the CLI prints the message on one line and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
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

export function parse<O extends Options>(args: string[], options: O): Parsed<O> {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (error) {
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message);
    throw new UsageError(
      unknown ? `unknown option "${unknown[1]}"` : ((error as Error).message.split('\n')[0] ?? ''),
    );
  }
}

export function profileArg(name: string | undefined): Profile {
  try {
    return getProfile(name);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function languageArg(lang: string | undefined): Language {
  if (lang === undefined) return 'en';
  if (!isLanguage(lang)) throw new UsageError(`unknown language "${lang}" (known: en, zh-CN)`);
  return lang;
}
