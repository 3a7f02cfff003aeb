import { createRequire } from 'node:module';
import type { Localize } from 'ajv-i18n/localize/types.js';
import type { FastifyError } from 'fastify';
import { BadRequestError, type ContractError, type Language } from '../index.js';
import { messages } from '../texts/index.js';

type AjvError = NonNullable<FastifyError['validation']>[number];

// A CommonJS module whose typings declare a default export it does not have: required as it is.
const localizeZh: Localize = createRequire(import.meta.url)('ajv-i18n/localize/zh');

/** Ajv's errors with their messages in Chinese (ajv-i18n rewrites them in place: copies, then). */
function inChinese(errors: readonly AjvError[]): AjvError[] {
  const copies = errors.map((error) => ({ ...error }));
  localizeZh(copies as Parameters<Localize>[0]);
  return copies;
}

/** The field an Ajv error is about, as a dotted path: `nat_gateway.name`, `query.limit`. */
function fieldOf(error: AjvError, context: string | undefined): string {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  if (missing !== undefined) path.push(missing);
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  if (extra !== undefined) path.push(extra);
  return (
    [context === 'body' ? undefined : context, ...path].filter(Boolean).join('.') || (context ?? 'request')
  );
}

/**
 * A schema violation as a 400 that names the field and the rule broken, from Ajv's own error,
 * in the language asked for (Ajv's messages in Chinese from `ajv-i18n`):
 * `Invalid input for nat_gateway.spec: must be equal to one of the allowed values (enum).`
 */
export function validationError(error: FastifyError, lang: Language): ContractError {
  const found = error.validation ?? [];
  const told = lang === 'zh-CN' ? inChinese(found) : found;
  const problems = told.map((problem) => ({
    field: fieldOf(problem, error.validationContext),
    rule: problem.keyword,
    message: problem.message ?? 'is invalid',
  }));
  const [first] = problems;
  if (!first) return new BadRequestError(error.message, { cause: error });
  const message = messages.invalidInput({ field: first.field, problem: first.message, rule: first.rule });
  // One language only: the problems quoted in it are in that language.
  return new BadRequestError({ [lang]: message[lang] }, { details: problems, cause: error });
}
