import { writeFileSync } from 'node:fs';
import { profileNames } from '../catalog/index.js';
import { dialectNames } from '../dialects/index.js';
import { docFormats, renderDocs } from '../docs/index.js';
import { languageArg, parse, profileArg, UsageError } from './args.js';

export const docsHelp = `Usage: statuskit docs [--profile P] [--lang en|zh-CN] [--format F] [--dialect D] [--out FILE]

Renders a profile as the page it came from, or as OpenAPI response components.

Options:
  --profile P   ${profileNames.join(', ')} (default: nat)
  --lang L      en or zh-CN (default: en)
  --format F    ${docFormats.join(', ')} (default: md)
  --dialect D   error body dialect for openapi: ${dialectNames.join(', ')} (default: error)
  --out FILE    write to FILE instead of standard output
  -h, --help    this text

Examples:
  statuskit docs --profile dcaas --format rst
  statuskit docs --profile nat --lang zh-CN --format html --out status-codes.html`;

export function docs(args: string[]): string {
  const { values } = parse(args, {
    profile: { type: 'string' },
    lang: { type: 'string' },
    format: { type: 'string' },
    dialect: { type: 'string' },
    out: { type: 'string' },
  });
  if (values.help) return docsHelp;
  const profile = profileArg(values.profile);
  const lang = languageArg(values.lang);
  const format = values.format ?? 'md';
  if (!(docFormats as readonly string[]).includes(format)) {
    throw new UsageError(`unknown format "${format}" (known: ${docFormats.join(', ')})`);
  }
  const dialect = values.dialect ?? 'error';
  if (!(dialectNames as readonly string[]).includes(dialect)) {
    throw new UsageError(`unknown dialect "${dialect}" (known: ${dialectNames.join(', ')})`);
  }
  const text = renderDocs(profile, lang, format as (typeof docFormats)[number], {
    dialect: dialect as (typeof dialectNames)[number],
  });
  if (!values.out) return text;
  try {
    writeFileSync(values.out, text);
  } catch (error) {
    throw new UsageError(`cannot write ${values.out}: ${reason(error as NodeJS.ErrnoException)}`);
  }
  return `wrote ${values.out}`;
}

/** A file-system error in words, without the stack or the call that raised it. */
function reason(error: NodeJS.ErrnoException): string {
  const known: Record<string, string> = {
    ENOENT: 'no such directory',
    EISDIR: 'it is a directory',
    EACCES: 'permission denied',
    ENOTDIR: 'a part of the path is not a directory',
    EROFS: 'read-only file system',
  };
  return (error.code && known[error.code]) ?? error.message;
}
