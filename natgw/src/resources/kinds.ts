import { dnatRules } from '../dnat/kind.js';
import { gateways } from '../gateways/kind.js';
import { privateDnatRules } from '../private-dnat/kind.js';
import { privateGateways } from '../private-gateways/kind.js';
import { privateSnatRules } from '../private-snat/kind.js';
import { snatRules } from '../snat/kind.js';
import { transitIps } from '../transit-ips/kind.js';
import type { ResourceKind } from './kind.js';

/**
 * The resource kinds natgw serves, one line each, in the order their routes are registered in
 * each form: a parent before its children.
 */
export const kinds: readonly ResourceKind[] = [
  gateways,
  snatRules,
  dnatRules,
  privateGateways,
  privateSnatRules,
  privateDnatRules,
  transitIps,
] as readonly ResourceKind[];
