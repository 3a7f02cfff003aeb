import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { openDatabase } from '../src/db/database.js';
import { kinds } from '../src/resources/kinds.js';
import { kindMigrations } from '../src/resources/registry.js';
import { assertError, engines, freshPostgres, project, startService, type TestService } from './harness.js';

const gateways = `/v3/${project}/private-nat/gateways`;
const transitIps = `/v3/${project}/private-nat/transit-ips`;
/** A numbered subnet of the served VPC: 10.100.n.0/24, a fixture port at .10. */
const served = (n: number) => `b1000100-0000-4000-8000-${String(n).padStart(12, '0')}`;
const network = (n: number) => `10.100.${n}`;

for (const engine of engines()) {
  describe(`one address rule and one holder per address for gateways and transit IPs on ${engine}`, () => {
    let service: TestService;
    before(async () => {
      service = await startService(engine);
    });
    after(() => service.close());

    const gateway = (subnet: string, address?: string, name = 'addressed') =>
      service.as('demo', {
        method: 'POST',
        url: gateways,
        payload: {
          gateway: {
            name,
            downlink_vpcs: [
              address === undefined
                ? { virsubnet_id: subnet }
                : { virsubnet_id: subnet, ngport_ip_address: address },
            ],
          },
        },
      });
    const transitIp = (subnet: string, address?: string) =>
      service.as('demo', {
        method: 'POST',
        url: transitIps,
        payload: {
          transit_ip:
            address === undefined ? { virsubnet_id: subnet } : { virsubnet_id: subnet, ip_address: address },
        },
      });
    const gatewayAddress = (response: {
      json(): { gateway: { downlink_vpcs: { ngport_ip_address: string }[] } };
    }) => response.json().gateway.downlink_vpcs[0]?.ngport_ip_address;
    const removeGateway = (id: string) => service.as('demo', { method: 'DELETE', url: `${gateways}/${id}` });
    const release = (id: string) => service.as('demo', { method: 'DELETE', url: `${transitIps}/${id}` });

    test('both keep the network address, .1, .253, .254 and the broadcast address (NAT.1405), and take .2 and .252', async () => {
      const subnet = served(1);
      for (const host of [0, 1, 253, 254, 255]) {
        assertError(await gateway(subnet, `${network(1)}.${host}`), 400, 'NAT.1405');
        assertError(await transitIp(subnet, `${network(1)}.${host}`), 400, 'NAT.1405');
      }
      const first = await gateway(subnet, `${network(1)}.2`);
      assert.equal(first.statusCode, 201, first.body);
      const last = await transitIp(subnet, `${network(1)}.252`);
      assert.equal(last.statusCode, 201, last.body);
      assert.equal((await removeGateway(first.json().gateway.id)).statusCode, 204);
      assert.equal((await release(last.json().transit_ip.id)).statusCode, 204);
    });

    test("a transit IP cannot take a gateway's address, nor a gateway a transit IP's (NAT.1403), each free again once released", async () => {
      const subnet = served(2);
      const address = `${network(2)}.20`;
      const held = await gateway(subnet, address);
      assert.equal(held.statusCode, 201, held.body);
      const taken = await transitIp(subnet, address);
      assertError(taken, 409, 'NAT.1403');
      assert.equal(
        taken.json().error.message,
        `Unable to complete operation for subnet ${subnet}. The IP address ${address} is in use.`,
      );
      assert.equal((await removeGateway(held.json().gateway.id)).statusCode, 204);
      const assigned = await transitIp(subnet, address);
      assert.equal(assigned.statusCode, 201, assigned.body);
      assertError(await gateway(subnet, address), 409, 'NAT.1403');
      assert.equal((await release(assigned.json().transit_ip.id)).statusCode, 204);
      const again = await gateway(subnet, address);
      assert.equal(again.statusCode, 201, again.body);
      assert.equal((await removeGateway(again.json().gateway.id)).statusCode, 204);
    });

    test('allocation passes over the addresses the other kind holds', async () => {
      const subnet = served(3);
      const first = await transitIp(subnet);
      assert.equal(first.json().transit_ip.ip_address, `${network(3)}.2`);
      const second = await gateway(subnet);
      assert.equal(gatewayAddress(second), `${network(3)}.3`);
      const third = await transitIp(subnet);
      assert.equal(third.json().transit_ip.ip_address, `${network(3)}.4`);
      assert.equal((await release(first.json().transit_ip.id)).statusCode, 204);
      assert.equal((await release(third.json().transit_ip.id)).statusCode, 204);
      assert.equal((await removeGateway(second.json().gateway.id)).statusCode, 204);
    });

    test('20 concurrent claims of one address by gateways and transit IPs mixed: one 201, 19 NAT.1403', async () => {
      const subnet = served(4);
      const address = `${network(4)}.50`;
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          n % 2 === 0 ? gateway(subnet, address, `race${n}`) : transitIp(subnet, address),
        ),
      );
      const won = responses.filter((response) => response.statusCode === 201);
      assert.equal(won.length, 1, responses.map((response) => response.body).join('\n'));
      for (const response of responses)
        if (response.statusCode !== 201) assertError(response, 409, 'NAT.1403');
      const winner = won[0]?.json();
      if (winner.gateway) assert.equal((await removeGateway(winner.gateway.id)).statusCode, 204);
      else assert.equal((await release(winner.transit_ip.id)).statusCode, 204);
    });

    test('20 concurrent allocations by gateways and transit IPs mixed get 20 different addresses', async () => {
      const subnet = served(5);
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          n % 2 === 0 ? gateway(subnet, undefined, `alloc${n}`) : transitIp(subnet),
        ),
      );
      for (const response of responses) assert.equal(response.statusCode, 201, response.body);
      const addresses = responses.map((response) => {
        const body = response.json();
        return body.gateway ? gatewayAddress(response) : body.transit_ip.ip_address;
      });
      assert.equal(new Set(addresses).size, 20);
      assert.ok(!addresses.includes(`${network(5)}.10`), 'the fixture port keeps its address');
    });
  });

  describe(`addresses held before the claims table, on ${engine}`, () => {
    test('are claimed by the migration: a gateway keeps its address, a transit IP on it stays but claims nothing', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'natgw-claims-migration-'));
      const postgres = engine === 'postgres' ? await freshPostgres() : undefined;
      const sqliteFile = join(dir, 'natgw.sqlite');
      const location = postgres ? { databaseUrl: postgres.url } : { sqliteFile };
      try {
        const earlier = Object.fromEntries(
          Object.entries(kindMigrations(kinds)).filter(([name]) => name < '012-subnet-addresses'),
        );
        const old = await openDatabase({ sqliteFile, ...location, migrations: earlier });
        const db = old.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
        const subnet = served(6);
        const stamp = '2026-01-02 03:04:05.000000';
        const lifecycle = { created_at: stamp, pending: null, pending_until: 0 };
        await db
          .insertInto('private_nat_gateways')
          .values({
            id: 'c1a10000-0000-4000-8000-000000000001',
            tenant_id: project,
            name: 'before',
            description: '',
            spec: 'Small',
            vpc_id: 'a0000100-0000-4000-8000-000000000000',
            virsubnet_id: subnet,
            ngport_ip_address: `${network(6)}.2`,
            ngport_key: `${subnet}/${network(6)}.2`,
            enterprise_project_id: '0',
            updated_at: stamp,
            ...lifecycle,
          })
          .execute();
        for (const [n, host] of [
          [2, 2],
          [3, 3],
        ])
          await db
            .insertInto('transit_ips')
            .values({
              id: `c1a10000-0000-4000-8000-00000000000${n}`,
              tenant_id: project,
              virsubnet_id: subnet,
              ip_address: `${network(6)}.${host}`,
              network_interface_id: `c1a10000-0000-4000-8000-00000000010${n}`,
              gateway_id: '',
              enterprise_project_id: '0',
              address_key: `${network(6)}.${host}`,
              ...lifecycle,
            })
            .execute();
        await old.close();
        const service = await startService(engine, location);
        try {
          const assign = (ip_address?: string) =>
            service.as('demo', {
              method: 'POST',
              url: transitIps,
              payload: {
                transit_ip:
                  ip_address === undefined ? { virsubnet_id: subnet } : { virsubnet_id: subnet, ip_address },
              },
            });
          assertError(await assign(`${network(6)}.2`), 409, 'NAT.1403');
          assertError(await assign(`${network(6)}.3`), 409, 'NAT.1403');
          assert.equal((await assign()).json().transit_ip.ip_address, `${network(6)}.4`);
          const released = await service.as('demo', {
            method: 'DELETE',
            url: `${transitIps}/c1a10000-0000-4000-8000-000000000002`,
          });
          assert.equal(released.statusCode, 204);
          // Its release frees nothing the gateway holds.
          assertError(await assign(`${network(6)}.2`), 409, 'NAT.1403');
        } finally {
          await service.close();
        }
      } finally {
        await postgres?.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
