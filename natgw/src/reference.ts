import swaggerUi from '@fastify/swagger-ui';
import type {
  FastifyInstance,
  onRequestHookHandler,
  onSendHookHandler,
  RouteHandlerMethod,
  RouteOptions,
} from 'fastify';
import { type DocumentIn, documentLanguage, referenceTitles } from './openapi.js';

const prefix = '/docs';

/** What each route under `/docs` sends: the page, the document, and the page's assets. */
function producedAt(url: string): readonly string[] {
  if (url === prefix || url === `${prefix}/`) return ['text/html'];
  if (url === `${prefix}/json`) return ['application/json'];
  if (url === `${prefix}/yaml`) return ['application/x-yaml'];
  if (url === `${prefix}/static/index.html`) return ['text/html'];
  // Scripts, style sheets, images.
  return ['*/*'];
}

/**
 * The profile has no 304 (a browser revalidating an asset would get the fallback, 500): a
 * conditional request for the reference is answered in full.
 */
const unconditional: onRequestHookHandler = (request, _reply, done) => {
  delete request.raw.headers['if-none-match'];
  delete request.raw.headers['if-modified-since'];
  done();
};

/** Whether the route serves the page itself (at either of its URLs). */
const isPage = (url: string) =>
  url === prefix || url === `${prefix}/` || url === `${prefix}/static/index.html`;

/** The page in the language the request asks for: its title and its `lang`. */
const inLanguage: onSendHookHandler = (request, reply, payload, done) => {
  if (typeof payload !== 'string') return done(null, payload);
  const lang = documentLanguage(request, reply);
  const page = payload
    .replace(/<title>[^<]*<\/title>/, `<title>${referenceTitles[lang]}</title>`)
    .replace('<html lang="en">', `<html lang="${lang}">`);
  done(null, page);
};

/** A `..` segment, as the file server reads one (after a slash or a backslash). */
const upSegment = /(?:^|[\\/])\.\.(?:[\\/]|$)/;

/**
 * An asset path with a `..` segment names nothing: the router does not resolve dot segments
 * (a browser does, before sending), and the file server would refuse it with 403, which here
 * says a token lacks a permission. Answered as any unknown path is.
 */
const noUpSegments: onRequestHookHandler = (request, reply, done) => {
  const file = (request.params as { '*'?: string })['*'] ?? '';
  if (upSegment.test(file)) return reply.callNotFound();
  done();
};

/**
 * The hook (`onRoute`) that marks the reference's routes open to anyone, with the media types
 * they produce, and never answered with 304. Added before the statuskit plugin, whose own
 * `onRoute` hook reads the route's config when a route is added. The page speaks the language the
 * request asks for (its title; the document it loads, too). Swagger UI answers
 * `static/index.html` with a redirect (a status the profile lacks, and back to itself when the
 * URL has a query): that route serves the page itself, with links that hold from there.
 */
export function referenceRoutes(): (route: RouteOptions) => void {
  let page: RouteHandlerMethod | undefined;
  return (route) => {
    if (route.url !== prefix && !route.url.startsWith(`${prefix}/`)) return;
    route.config = { ...route.config, auth: false, produces: producedAt(route.url) };
    const own = route.url === `${prefix}/static/*` ? [unconditional, noUpSegments] : [unconditional];
    route.onRequest = [...own, ...(route.onRequest === undefined ? [] : [route.onRequest].flat())];
    if (isPage(route.url))
      route.onSend = [inLanguage, ...(route.onSend === undefined ? [] : [route.onSend].flat())];
    // The page's links are absolute unless its URL ends with a slash: they hold at `static/index.html`.
    if (route.url === prefix) page = route.handler;
    if (route.url === `${prefix}/static/index.html`) {
      if (page === undefined) throw new Error('Swagger UI added static/index.html before its page');
      route.handler = page;
    }
  };
}

/**
 * The API reference at `/docs`: Swagger UI on the OpenAPI document (its operations, and the
 * status-code page in its description), titled as natgw's, without Swagger UI's top bar (its
 * "Explore" box would load any other document), in English or in Chinese as the browser asks
 * (the document too: `documentIn`); every asset served from the installed package, and a
 * Content-Security-Policy that lets the page load nothing from anywhere else.
 */
export async function apiReference(app: FastifyInstance, documentIn: DocumentIn): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: prefix,
    theme: { title: referenceTitles.en },
    // The document in the language asked for, built once per language (never changed here).
    transformSpecification: (_english, request, reply) => documentIn(documentLanguage(request, reply)),
    transformSpecificationClone: false,
    // Swagger UI's own policy allows style sheets and fonts from any https host; this one, only here.
    staticCSP: {
      'default-src': ["'self'"],
      'base-uri': ["'self'"],
      'connect-src': ["'self'"],
      'font-src': ["'self'", 'data:'],
      'form-action': ["'self'"],
      'frame-ancestors': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'object-src': ["'none'"],
      'script-src': ["'self'"],
      'script-src-attr': ["'none'"],
      // Swagger UI sets style attributes from its scripts.
      'style-src': ["'self'", "'unsafe-inline'"],
    },
    uiConfig: {
      // The layout without the top bar.
      layout: 'BaseLayout',
      docExpansion: 'list',
      deepLinking: true,
      defaultModelsExpandDepth: 0,
      validatorUrl: null,
    },
  });
}
