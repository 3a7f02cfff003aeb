import type { FastifyError } from 'fastify';
import { BadRequestError, type ContractError } from '../index.js';

type AjvError = NonNullable<FastifyError['validation']>[number];

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
 * A schema violation as a 400 that names the field and the rule broken, from Ajv's own error:
 * `Invalid input for nat_gateway.spec: must be equal to one of the allowed values (enum).`
 */
export function validationError(error: FastifyError): ContractError {
  const problems = (error.validation ?? []).map((problem) => ({
    field: fieldOf(problem, error.validationContext),
    rule: problem.keyword,
    message: problem.message ?? 'is invalid',
  }));
  const [first] = problems;
  const message = first
    ? `Invalid input for ${first.field}: ${first.message} (${first.rule}).`
    : error.message;
  return new BadRequestError(message, { details: problems, cause: error });
}
