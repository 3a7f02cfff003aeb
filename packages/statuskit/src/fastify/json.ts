import type { FastifyInstance } from 'fastify';

/**
 * Replaces Fastify's JSON parser with one for which an empty body is no body. Many clients
 * (axios, and Huawei Cloud's SDK on it) send `Content-Type: application/json` on every request,
 * a bodiless DELETE or GET included; Fastify's own parser answers those with 400 ("Body cannot
 * be empty"). RFC 9110 §8.6: a `Content-Length` of 0 (or an empty chunked body) is a request
 * without content, whatever its `Content-Type` says. A route that needs a body still gets the
 * 400 of its schema, which finds none.
 */
export function emptyBodyIsNoBody(app: FastifyInstance): void {
  // An app that takes no JSON keeps it that way.
  if (!app.hasContentTypeParser('application/json')) return;
  const { onProtoPoisoning = 'error', onConstructorPoisoning = 'error' } = app.initialConfig;
  const parse = app.getDefaultJsonParser(onProtoPoisoning, onConstructorPoisoning);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    return parse(request, String(body), done);
  });
}
