import type { Generated } from 'kysely';

/**
 * Rows as stored. A row's status is not stored: `pending` and `pending_until` (epoch ms) say
 * which PENDING_* state it is in until when, so every instance sharing the database derives the
 * same status from the clock. A row whose PENDING_DELETE has passed is gone.
 */
interface Lifecycle {
  created_at: string;
  pending: string | null;
  pending_until: number;
}

export interface NatGatewayRow extends Lifecycle {
  id: string;
  tenant_id: string;
  name: string;
  /** Unused: names were once unique per project; the pages do not say so. Always null. */
  name_key: string | null;
  description: string;
  spec: string;
  router_id: string;
  internal_network_id: string;
  admin_state_up: number;
  /** '0' (the default enterprise project) or an enterprise project's id. */
  enterprise_project_id: string;
  /** Its address in its internal network ('' in rows older than the column). */
  ngport_ip_address: string;
}

export interface SnatRuleRow extends Lifecycle {
  id: string;
  tenant_id: string;
  nat_gateway_id: string;
  network_id: string;
  cidr: string;
  source_type: number;
  floating_ip_id: string;
  floating_ip_address: string;
  description: string;
  admin_state_up: number;
  /** `network:<id>` while the rule lives (one rule per network on a gateway), `cidr:<id>` for a cidr rule. */
  source_key: string | null;
  /** The block the rule translates: its cidr, or its subnet's (null in rows older than the column). */
  source_block: string | null;
}

export interface DnatRuleRow extends Lifecycle {
  id: string;
  tenant_id: string;
  nat_gateway_id: string;
  port_id: string;
  private_ip: string;
  internal_service_port: number;
  floating_ip_id: string;
  floating_ip_address: string;
  external_service_port: number;
  protocol: string;
  description: string;
  admin_state_up: number;
  /** `<floating ip>:<port>:<protocol>` while the rule lives: unique. */
  external_key: string | null;
  /** `<port or ip>:<port>:<protocol>` while the rule lives: unique. */
  internal_key: string | null;
}

/** A transit IP address of private NAT (transit-ips/kind.ts). */
export interface TransitIpRow extends Lifecycle {
  id: string;
  tenant_id: string;
  virsubnet_id: string;
  ip_address: string;
  network_interface_id: string;
  /** The private NAT gateway whose rules use it; '' until one does. */
  gateway_id: string;
  enterprise_project_id: string;
  /** The address while it is assigned (unique in its subnet); null once released. */
  address_key: string | null;
}

/** A tag of a transit IP address. */
export interface TransitIpTagRow {
  transit_ip_id: string;
  tenant_id: string;
  key: string;
  value: string;
  position: Generated<number>;
}

/** The gateway whose rules use an EIP (one gateway per EIP); `kind` and `rule_id` name the first rule. */
export interface EipClaimRow {
  floating_ip_id: string;
  tenant_id: string;
  nat_gateway_id: string | null;
  kind: 'snat' | 'dnat';
  rule_id: string;
}

/** A row locked to count against a limit: `vpc:<tenant>:<router>`, `network:<tenant>:<network>`. */
export interface LockRow {
  key: string;
}

export interface TagRow {
  nat_gateway_id: string;
  tenant_id: string;
  key: string;
  value: string;
  position: Generated<number>;
}

/** A project's network as JSON (network/fixture.ts's `Network`), and how often it was replaced. */
export interface ProjectNetworkRow {
  tenant_id: string;
  document: string;
  version: number;
}

export interface SettingRow {
  key: string;
  value: string;
}

/** A token revoked before it expires; `token_id` is the token's own id claim. */
export interface RevokedTokenRow {
  token_id: string;
  expires_at: number;
}

/** Login attempts for one user from one address, counted while `last_at` is recent. */
export interface LoginFailureRow {
  user_key: string;
  address: string;
  failures: number;
  last_at: number;
}

export interface Schema {
  nat_gateways: NatGatewayRow;
  snat_rules: SnatRuleRow;
  dnat_rules: DnatRuleRow;
  eip_claims: EipClaimRow;
  locks: LockRow;
  tags: TagRow;
  transit_ips: TransitIpRow;
  transit_ip_tags: TransitIpTagRow;
  settings: SettingRow;
  project_networks: ProjectNetworkRow;
  revoked_tokens: RevokedTokenRow;
  login_failures: LoginFailureRow;
}
