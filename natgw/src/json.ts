import type { FastifyInstance } from 'fastify';
import { natError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Bytes of JSON the route parses; a longer body is read (and dropped) but not parsed: 400.
     * Read rather than refused by `bodyLimit`: an answer sent while the client is still sending
     * holds the connection in a lingering close, and a client or proxy waits on it.
     */
    jsonBytes?: number;
  }
}

/**
 * How deeply a JSON body's arrays and objects nest, stopping as soon as it passes `limit`: one
 * pass over the text, no recursion. Brackets inside strings do not count.
 */
export function nestingPast(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index++; // a backslash: the next character is escaped
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > limit) return true;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return false;
}

/**
 * Fastify's own JSON parser (which refuses `__proto__` and `constructor.prototype`), behind a
 * bound on nesting: V8 takes about 2 s of the event loop to parse 1 MB of `[[[[…`, while no
 * request of this API nests deeper than 6 levels. A body that does not parse is the page's
 * NAT.1010; its message says where, never what was sent.
 */
export function boundedJson(app: FastifyInstance, maxDepth: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    // As statuskit's own parser, which this one replaces: an empty body is no body.
    if (text.length === 0) return done(null, undefined);
    const limit = request.routeOptions.config.jsonBytes;
    if (limit !== undefined && Buffer.byteLength(text) > limit) {
      const message = `must be at most ${limit} bytes`;
      return done(
        natError('NAT.0002', {}, { details: [{ field: 'body', rule: 'size', message }] }),
        undefined,
      );
    }
    if (nestingPast(text, maxDepth)) {
      const message = `must not nest arrays and objects deeper than ${maxDepth} levels`;
      return done(
        natError('NAT.0002', {}, { details: [{ field: 'body', rule: 'depth', message }] }),
        undefined,
      );
    }
    parse(request, text, (error, value) => {
      if (!error) return done(null, value);
      const position = /position (\d+)/.exec(error.message)?.[1];
      const where = position === undefined ? '(not a JSON document)' : `at position ${position}`;
      done(natError('NAT.1010', where), undefined);
    });
  });
}
