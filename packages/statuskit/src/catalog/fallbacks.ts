/**
 * Where a code outside a profile goes. Data, not logic: a code the profile lacks follows `to`
 * until it lands on a code the profile has; a code without an entry goes to its class default.
 * Every profile must hold the class defaults, which makes the mapping total for 100..599.
 */
export const fallbacks = {
  201: { to: 200, why: 'the resource was made; plain success says so without Created' },
  202: { to: 200, why: 'accepted work told as plain success; the body still carries the job' },
  203: { to: 200, why: 'a transformed success is still a success' },
  205: { to: 204, why: 'nothing to send back, like No Content' },
  206: { to: 200, why: 'partial content told as the whole success' },
  304: { to: 500, why: 'the contract has no redirection; sending one is a server fault' },
  405: { to: 404, why: 'no route serves this method here' },
  407: { to: 401, why: 'credentials are missing, if for the proxy' },
  408: { to: 400, why: 'the request could not be read in full' },
  410: { to: 404, why: 'gone is a lasting not found' },
  411: { to: 400, why: 'the request lacks its length' },
  412: { to: 409, why: 'a precondition on the current state failed' },
  413: { to: 400, why: 'the body is over the size the service takes' },
  414: { to: 400, why: 'the URI is over the length the service takes' },
  415: { to: 400, why: 'the body is in a media type the service does not read' },
  416: { to: 400, why: 'the range cannot be served' },
  417: { to: 400, why: 'the expectation cannot be met' },
  421: { to: 404, why: 'this server does not serve the target' },
  422: { to: 400, why: 'the body is well-formed but invalid' },
  423: { to: 409, why: 'the resource is locked by its current state' },
  424: { to: 409, why: 'a request it depends on failed' },
  428: { to: 409, why: 'the update needs a precondition against concurrent changes' },
  429: { to: 503, why: 'too many requests: the service is unavailable to this caller for now' },
  431: { to: 400, why: 'the header fields are over the size the service takes' },
  451: { to: 403, why: 'access is refused' },
  501: { to: 500, why: 'the function is not there: a server-side answer' },
  502: { to: 503, why: 'an upstream failed: the service is unavailable for now' },
  504: { to: 503, why: 'an upstream was too slow: the service is unavailable for now' },
  505: { to: 500, why: 'the HTTP version is not served' },
  507: { to: 503, why: 'out of storage for now' },
} as const satisfies Record<number, { to: number; why: string }>;

/** The code a class lands on when nothing closer is in the profile. */
export const classDefaults = {
  1: { to: 500, why: 'an interim code as a final answer is a server fault' },
  2: { to: 200, why: 'success' },
  3: { to: 500, why: 'the contract has no redirection; sending one is a server fault' },
  4: { to: 400, why: 'the request is at fault' },
  5: { to: 500, why: 'the server is at fault' },
} as const;
