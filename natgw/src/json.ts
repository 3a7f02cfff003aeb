import type { FastifyInstance } from 'fastify';
import { natError } from './errors.js';

/**
 * JSON request bodies as Fastify parses them (prototype poisoning refused), with the page's
 * code for a body that does not parse: NAT.1010. The message says where, never what was sent.
 */
export function jsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (error, value) => {
      if (!error) return done(null, value);
      const position = /position (\d+)/.exec(error.message)?.[1];
      const where = position === undefined ? '(not a JSON document)' : `at position ${position}`;
      done(natError('NAT.1010', where) as Error, undefined);
    });
  });
}
