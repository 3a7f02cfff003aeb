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
  writeFileSync(values.out, text);
  return `wrote ${values.out}`;
}
