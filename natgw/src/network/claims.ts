import type { Migration, Transaction } from 'kysely';
import { uniqueViolation } from '../db/database.js';
import type { Schema } from '../db/schema.js';
import { natError } from '../errors.js';
import { lockKey } from '../gateways/operations.js';
import type { Services } from '../resources/kind.js';
import { firstFree } from './addresses.js';

/**
 * An address of a subnet held by a private NAT gateway (its `ngport_ip_address`) or a transit
 * IP. One table for both, with one unique key, so that the database decides who holds an
 * address whichever kind asks.
 */
export interface SubnetAddressRow {
  tenant_id: string;
  subnet_id: string;
  address: string;
  /** The kind holding it (`gateway`, `transit_ip`) and the holder's id. */
  holder: string;
  holder_id: string;
}

declare module '../db/schema.js' {
  interface Schema {
    subnet_addresses: SubnetAddressRow;
  }
}

/** The claims table, with the addresses gateways and transit IPs already hold (a gateway's first where both held one). */
export const claimMigrations: Record<string, Migration> = {
  '012-subnet-addresses': {
    async up(db) {
      await db.schema
        .createTable('subnet_addresses')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('subnet_id', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('holder_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('subnet_addresses_pk', ['tenant_id', 'subnet_id', 'address'])
        .execute();
      const claims = db as unknown as Transaction<Schema>;
      await claims
        .insertInto('subnet_addresses')
        .columns(['tenant_id', 'subnet_id', 'address', 'holder', 'holder_id'])
        .expression((eb) =>
          eb
            .selectFrom('private_nat_gateways')
            .select(['tenant_id', 'virsubnet_id', 'ngport_ip_address', eb.val('gateway').as('holder'), 'id'])
            .where('ngport_key', 'is not', null),
        )
        .execute();
      await claims
        .insertInto('subnet_addresses')
        .columns(['tenant_id', 'subnet_id', 'address', 'holder', 'holder_id'])
        .expression((eb) =>
          eb
            .selectFrom('transit_ips')
            .select(['tenant_id', 'virsubnet_id', 'ip_address', eb.val('transit_ip').as('holder'), 'id'])
            .where('address_key', 'is not', null),
        )
        .onConflict((conflict) => conflict.doNothing())
        .execute();
    },
  },
};

/** A subnet as the fixture has it. */
interface Subnet {
  id: string;
  cidr: string;
}

/**
 * The address a resource being created takes in a subnet, claimed in its creation's transaction:
 * the one asked for (already checked against the subnet's rule) or the lowest usable one that no
 * fixture port, gateway or transit IP holds, chosen under a lock on the subnet.
 */
export class AddressClaim {
  address: string | undefined;
  /** Whether a concurrent creation holds the address (the unique key said so). */
  raced = false;

  constructor(
    readonly services: Services,
    readonly tenant: string,
    readonly subnet: Subnet,
    readonly holder: string,
    readonly requested: string | undefined,
  ) {
    this.address = requested;
  }

  /** The fixture's ports in the subnet: they hold their addresses for good. */
  ports(): Set<string> {
    return new Set(
      this.services
        .network(this.tenant)
        .network.ports.filter((port) => port.network_id === this.subnet.id)
        .map((port) => port.ip),
    );
  }

  /** NAT.1403 for the address. */
  inUse() {
    return natError('NAT.1403', { 0: this.subnet.id, 1: this.address ?? '' });
  }

  /** Chooses the address when none was asked for (NAT.1404 when none is free); before the row is written. */
  async choose(trx: Transaction<Schema>): Promise<void> {
    if (this.requested !== undefined) return;
    const { engine } = this.services.database;
    await lockKey(trx, engine, `subnet-addresses:${this.tenant}/${this.subnet.id}`);
    const held = await trx
      .selectFrom('subnet_addresses')
      .select('address')
      .where('tenant_id', '=', this.tenant)
      .where('subnet_id', '=', this.subnet.id)
      .execute();
    this.address = firstFree(this.subnet.cidr, new Set([...this.ports(), ...held.map((row) => row.address)]));
    if (this.address === undefined) throw natError('NAT.1404', { 0: this.subnet.id });
  }

  /** Claims the address for `holderId`, after its row: NAT.1403 when another holds it. */
  async claim(trx: Transaction<Schema>, holderId: string): Promise<void> {
    await trx
      .insertInto('subnet_addresses')
      .values({
        tenant_id: this.tenant,
        subnet_id: this.subnet.id,
        address: this.address ?? '',
        holder: this.holder,
        holder_id: holderId,
      })
      .execute()
      .catch((error: unknown) => {
        throw uniqueViolation(error) === undefined ? error : this.conflict();
      });
  }

  /** The error for a unique key a concurrent creation holds (this one's or its row's). */
  conflict() {
    this.raced = true;
    return this.inUse();
  }
}

/** The most attempts of one allocation. */
const retries = 100;

/**
 * Creates a resource holding an address of `subnet` (`create` writes it with the claim): an
 * allocated address that a concurrent creation took first is tried again with the next free one
 * (each loss is another address held, so this ends, at the latest with NAT.1404); an address
 * asked for and taken is NAT.1403.
 */
export async function withAddress<T>(
  claim: () => AddressClaim,
  create: (claim: AddressClaim) => Promise<T>,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    const attempt = claim();
    try {
      return await create(attempt);
    } catch (error) {
      // Bounded all the same: a row whose own key disagrees with the claims must not loop forever.
      if (!(attempt.raced && attempt.requested === undefined) || tries >= retries) throw error;
    }
  }
}

/** Frees the address `holderId` holds, in its deletion's transaction. */
export async function releaseAddress(
  trx: Transaction<Schema>,
  tenant: string,
  holderId: string,
): Promise<void> {
  await trx
    .deleteFrom('subnet_addresses')
    .where('tenant_id', '=', tenant)
    .where('holder_id', '=', holderId)
    .execute();
}
