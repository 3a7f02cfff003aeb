/**
 * Whether a request target is the asterisk form (RFC 9112 §3.2.4): `OPTIONS *`, a question
 * about the server as a whole, for no resource. It is never routed as a path: a catch-all route
 * (a proxy's) would take it for `/*` and forward it.
 */
export function isAsteriskForm(url: string | undefined): boolean {
  return url === '*';
}
