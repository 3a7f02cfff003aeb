import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/** `scrypt$<salt>$<hash>`, both base64url. */
export function hashPassword(password: string, salt = randomBytes(16)): string {
  return `scrypt$${salt.toString('base64url')}$${scryptSync(password, salt, 32).toString('base64url')}`;
}

/** Compares in constant time; a malformed stored hash never matches. */
export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = scryptSync(password, Buffer.from(salt, 'base64url'), expected.length);
  return expected.length > 0 && timingSafeEqual(actual, expected);
}
