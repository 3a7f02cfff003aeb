import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { errorCodes } from '../src/error-codes.js';

// biome-ignore lint/suspicious/noTemplateCurlyInString: the title as the test's source spells it (one test per field)
const invalidField = 'answers an invalid ${field} with 400 and ${code}';

/** The backend failures a `fails` fault makes, at the point the cloud calls each backend (faults.test.ts). */
const backendFailures = {
  gateway:
    "fails a NAT gateway's creation at each backend with the page's code (NAT.0112, NAT.0110, NAT.0111, NAT.0107, NAT.0108): no gateway is left, and the network takes one again",
  rules:
    "fails an SNAT rule's EIP association with NAT.0212 and a DNAT rule's VTEP with NAT.0316: no rule is left, and the EIP is free",
  ports:
    "fails a private gateway's and a transit IP's port creation (500 NAT.1004) and deletion (500 NAT.1005): the address is free again, the resource kept",
};

/** The pages' codes for an account's states (accounts.test.ts). */
const accountStates = {
  restricted:
    'a restricted account creates no private NAT gateway (400 NAT.1022), a suspended one neither (NAT.1023), in English and Chinese',
  frozen:
    "a frozen account's NAT gateway takes no update (400 NAT.0104), nor its DNAT rules (NAT.0318); reads still work",
  privateFrozen:
    "a frozen account's private NAT gateways take no update or deletion, and no rule is created, updated or deleted on them (400 NAT.1208)",
};

/**
 * Every NAT code of the error-code page: produced from its condition by a named test (the file
 * and the test's title), or not reachable through this API, and why. The README prints the count.
 */
const produced: Record<string, readonly [file: string, test: string]> = {
  'NAT.0001': ['gateways', 'lists with filters and pages with limit and marker'],
  'NAT.0002': ['gateways', 'answers an invalid name with 400 naming the field'],
  'NAT.0004': ['gateways', 'answers an unknown VPC or network with 404 and the page codes'],
  'NAT.0005': ['gateways', 'answers an unknown VPC or network with 404 and the page codes'],
  'NAT.0006': ['snat', 'refuses to delete a gateway with a rule (400 NAT.0006) until the rule is deleted'],
  'NAT.0008': [
    'pages',
    'answers a subnet of another VPC with 400 NAT.0008, for a gateway and for an SNAT rule',
  ],
  'NAT.0012': [
    'gateways',
    'refuses more gateways than the VPC and network limits allow with 400 NAT.0113 and NAT.0012',
  ],
  'NAT.0014': [
    'gateways',
    "answers a name over 64 characters and a description over 255 with the page's 400 NAT.0015 and NAT.0014",
  ],
  'NAT.0015': [
    'gateways',
    "answers a name over 64 characters and a description over 255 with the page's 400 NAT.0015 and NAT.0014",
  ],
  'NAT.0016': ['gateways', invalidField],
  'NAT.0017': ['gateways', invalidField],
  'NAT.0018': ['gateways', invalidField],
  'NAT.0020': ['gateways', 'refuses a tenant_id other than the token project with 404 NAT.0020'],
  'NAT.0021': [
    'gateways',
    'answers an unknown gateway with 404 NAT.0105 and a malformed id with 404 NAT.0021',
  ],
  'NAT.0022': ['snat', 'needs exactly one of network_id and cidr: NAT.0022 for both, NAT.0202 for neither'],
  'NAT.0023': ['dnat', 'answers a malformed port_id with 400 NAT.0315 and an unknown one with 404 NAT.0023'],
  'NAT.0024': [
    'dnat',
    'answers a malformed floating_ip_id with 404 NAT.0024 and an unknown one with 400 NAT.0026',
  ],
  'NAT.0025': ['identity', 'answers an expired token with 401 NAT.0025'],
  'NAT.0026': [
    'dnat',
    'answers a malformed floating_ip_id with 404 NAT.0024 and an unknown one with 400 NAT.0026',
  ],
  'NAT.0101': ['gateways', 'updates only name, description and spec, at least one of them: else 400'],
  'NAT.0103': ['gateways', 'answers acting on a pending gateway with 400 NAT.0103'],
  'NAT.0105': ['gateways', 'deletes with 204 and an empty body, and the gateway is gone after'],
  'NAT.0106': [
    'page-fidelity',
    '1. with PENDING_* states configured, a rule still being made answers a page code, never SK.*',
  ],
  'NAT.0107': [
    'page-fidelity',
    "6. a gateway takes an address of its network: none left is the page's NAT.0107",
  ],
  'NAT.0113': [
    'gateways',
    'refuses more gateways than the VPC and network limits allow with 400 NAT.0113 and NAT.0012',
  ],
  'NAT.0201': ['pages', "answers a bad limit or marker of the rule lists with their page's code"],
  'NAT.0202': ['snat', 'needs exactly one of network_id and cidr: NAT.0022 for both, NAT.0202 for neither'],
  'NAT.0203': ['snat', 'answers a malformed cidr with 400 NAT.0203'],
  'NAT.0204': [
    'snat',
    "checks the cidr against the VPC's subnets: NAT.0205, NAT.0206, and NAT.0204 for network_id over Direct Connect",
  ],
  'NAT.0205': [
    'snat',
    "checks the cidr against the VPC's subnets: NAT.0205, NAT.0206, and NAT.0204 for network_id over Direct Connect",
  ],
  'NAT.0206': [
    'snat',
    "checks the cidr against the VPC's subnets: NAT.0205, NAT.0206, and NAT.0204 for network_id over Direct Connect",
  ],
  'NAT.0207': ['snat', 'refuses a cidr that overlaps another rule of the gateway with 400 NAT.0207'],
  'NAT.0208': ['snat', 'refuses a second rule for the same network on a gateway with 400 NAT.0208'],
  'NAT.0209': ['snat', 'answers an unknown or malformed rule id with 404 NAT.0209'],
  'NAT.0210': [
    'snat',
    'answers malformed EIP ids with 400 NAT.0210 and a malformed network id with 400 naming the field',
  ],
  'NAT.0211': ['snat', 'refuses more than 20 EIPs with 400 NAT.0211'],
  'NAT.0301': ['pages', "answers a bad limit or marker of the rule lists with their page's code"],
  'NAT.0302': ['dnat', 'answers another protocol with 400 NAT.0302'],
  'NAT.0303': ['dnat', 'answers ports outside 0..65535 or not integers with 400 NAT.0303'],
  'NAT.0304': [
    'dnat',
    'refuses the same port or private IP, internal port and protocol twice with 400 NAT.0304',
  ],
  'NAT.0305': ['dnat', 'refuses the same EIP, external port and protocol twice with 400 NAT.0305'],
  'NAT.0306': [
    'dnat',
    'needs any with both ports 0 and nothing else: 400 NAT.0301 for any on a port, else NAT.0306',
  ],
  'NAT.0307': [
    'dnat',
    'keeps an all-port rule apart from port rules on its EIP (400 NAT.0408), port (NAT.0307) and private IP (NAT.0308)',
  ],
  'NAT.0308': [
    'dnat',
    'keeps an all-port rule apart from port rules on its EIP (400 NAT.0408), port (NAT.0307) and private IP (NAT.0308)',
  ],
  'NAT.0309': [
    'dnat',
    'refuses more DNAT rules than the gateway and EIP limits allow with 400 NAT.0309 and NAT.0313',
  ],
  'NAT.0310': [
    'dnat',
    'needs exactly one of port_id and private_ip: 400 NAT.0310 for neither, NAT.0317 for both',
  ],
  'NAT.0311': ['dnat', 'answers a private IP that is not a unicast IPv4 address with 400 NAT.0311'],
  'NAT.0314': [
    'rule-updates',
    'creates a batch all or none, and refuses an empty one (NAT.0301) and one over the limit (NAT.0314)',
  ],
  'NAT.0313': [
    'dnat',
    'refuses more DNAT rules than the gateway and EIP limits allow with 400 NAT.0309 and NAT.0313',
  ],
  'NAT.0315': ['dnat', 'answers a malformed port_id with 400 NAT.0315 and an unknown one with 404 NAT.0023'],
  'NAT.0317': [
    'dnat',
    'needs exactly one of port_id and private_ip: 400 NAT.0310 for neither, NAT.0317 for both',
  ],
  'NAT.0319': ['dnat', 'answers an unknown or malformed rule id with 404 NAT.0319'],
  'NAT.0403': ['snat', 'refuses the same EIP twice in one list with 400 NAT.0403'],
  'NAT.0404': [
    'snat',
    'shares an EIP among the rules of one gateway, refuses it to another gateway with 400 NAT.0404 and frees it with the last rule',
  ],
  'NAT.0405': ['pages', "answers an EIP another project's rules use with 400 NAT.0405, naming no gateway"],
  'NAT.0408': [
    'dnat',
    'keeps an all-port rule apart from port rules on its EIP (400 NAT.0408), port (NAT.0307) and private IP (NAT.0308)',
  ],
  'NAT.0409': [
    'snat',
    'shares an EIP among the rules of one gateway, refuses it to another gateway with 400 NAT.0404 and frees it with the last rule',
  ],
  'NAT.1001': ['contract', '500 with nothing leaked when the database breaks under a handler'],
  'NAT.1002': ['tags', 'deleting a key the gateway does not have is 404 NAT.1002'],
  'NAT.1010': ['pages', 'answers a body that is not JSON with 400 NAT.1010, saying where and not echoing it'],
  'NAT.1015': ['pages', 'names the tag field at fault in the details of NAT.1015'],
  'NAT.1016': [
    'tags',
    'a gateway takes 20 tags; the 21st is refused with 400 NAT.1016, a replacement is not',
  ],
  'NAT.1206': [
    'private-gateways',
    "updates name, description and spec as the page's example; the same spec alone is NAT.1206",
  ],
  'NAT.1201': [
    'private-gateways',
    'one downlink VPC only (NAT.1201); a subnet not in the project is NAT.1002',
  ],
  'NAT.1403': [
    'private-gateways',
    'the address: given, or the lowest free one; outside the subnet NAT.1405, taken NAT.1403, freed on delete',
  ],
  'NAT.1404': ['private-gateways', 'takes the free addresses, then answers NAT.1404 naming the subnet'],
  'NAT.1405': [
    'private-gateways',
    'the address: given, or the lowest free one; outside the subnet NAT.1405, taken NAT.1403, freed on delete',
  ],
  'NAT.1003': [
    'private-snat',
    'answers an unknown gateway or transit IP with 404 NAT.1002 and a subnet outside the VPC with NAT.1003',
  ],
  'NAT.1202': [
    'private-snat',
    'refuses to delete a gateway with a rule (400 NAT.1202) until the rule is deleted',
  ],
  'NAT.1207': ['private-snat', "refuses a rule over the gateway's rule_max with 400 NAT.1207"],
  'NAT.1303': ['private-snat', "refuses a transit IP in the gateway's VPC with 409 NAT.1303"],
  'NAT.1406': [
    'private-snat',
    'keeps a transit IP to one gateway (409 NAT.1406) and refuses its release while a rule uses it (409 NAT.1409)',
  ],
  'NAT.1409': [
    'private-snat',
    'keeps a transit IP to one gateway (409 NAT.1406) and refuses its release while a rule uses it (409 NAT.1409)',
  ],
  'NAT.1501': [
    'private-snat',
    'needs exactly one of cidr and virsubnet_id (NAT.1501), a valid block (NAT.1502), transit ids as UUIDs (NAT.1507), one of them (NAT.1506)',
  ],
  'NAT.1502': [
    'private-snat',
    'needs exactly one of cidr and virsubnet_id (NAT.1501), a valid block (NAT.1502), transit ids as UUIDs (NAT.1507), one of them (NAT.1506)',
  ],
  'NAT.1503': [
    'private-snat',
    'keeps one rule per subnet (409 NAT.1503) and no overlapping blocks (409 NAT.1505) on a gateway',
  ],
  'NAT.1505': [
    'private-snat',
    'keeps one rule per subnet (409 NAT.1503) and no overlapping blocks (409 NAT.1505) on a gateway',
  ],
  'NAT.1506': [
    'private-snat',
    'needs exactly one of cidr and virsubnet_id (NAT.1501), a valid block (NAT.1502), transit ids as UUIDs (NAT.1507), one of them (NAT.1506)',
  ],
  'NAT.1507': [
    'private-snat',
    'needs exactly one of cidr and virsubnet_id (NAT.1501), a valid block (NAT.1502), transit ids as UUIDs (NAT.1507), one of them (NAT.1506)',
  ],
  'NAT.1304': [
    'private-dnat',
    'needs one of network_interface_id and private_ip_address (NAT.1311), a UUID transit IP (NAT.1507), ports 0 with any (NAT.1306), a port of the VPC (NAT.1304)',
  ],
  'NAT.1306': [
    'private-dnat',
    'needs one of network_interface_id and private_ip_address (NAT.1311), a UUID transit IP (NAT.1507), ports 0 with any (NAT.1306), a port of the VPC (NAT.1304)',
  ],
  'NAT.1311': [
    'private-dnat',
    'needs one of network_interface_id and private_ip_address (NAT.1311), a UUID transit IP (NAT.1507), ports 0 with any (NAT.1306), a port of the VPC (NAT.1304)',
  ],
  'NAT.1307': [
    'private-dnat',
    'refuses the same transit traffic (NAT.1310) and the same backend traffic (NAT.1307), a port of both any and tcp (NAT.1309)',
  ],
  'NAT.1309': [
    'private-dnat',
    'refuses the same transit traffic (NAT.1310) and the same backend traffic (NAT.1307), a port of both any and tcp (NAT.1309)',
  ],
  'NAT.1310': [
    'private-dnat',
    'refuses the same transit traffic (NAT.1310) and the same backend traffic (NAT.1307), a port of both any and tcp (NAT.1309)',
  ],
  'NAT.1305': [
    'private-dnat',
    "keeps SNAT and DNAT rules off each other's transit IPs (NAT.1308, NAT.1305) and any apart from port protocols (NAT.1410)",
  ],
  'NAT.1308': [
    'private-dnat',
    "keeps SNAT and DNAT rules off each other's transit IPs (NAT.1308, NAT.1305) and any apart from port protocols (NAT.1410)",
  ],
  'NAT.1410': [
    'private-dnat',
    "keeps SNAT and DNAT rules off each other's transit IPs (NAT.1308, NAT.1305) and any apart from port protocols (NAT.1410)",
  ],
  'NAT.0108': ['faults', backendFailures.gateway],
  'NAT.0110': ['faults', backendFailures.gateway],
  'NAT.0111': ['faults', backendFailures.gateway],
  'NAT.0112': ['faults', backendFailures.gateway],
  'NAT.0212': ['faults', backendFailures.rules],
  'NAT.0316': ['faults', backendFailures.rules],
  'NAT.1004': ['faults', backendFailures.ports],
  'NAT.1005': ['faults', backendFailures.ports],
  'NAT.1022': ['accounts', accountStates.restricted],
  'NAT.1023': ['accounts', accountStates.restricted],
  'NAT.0104': ['accounts', accountStates.frozen],
  'NAT.0318': ['accounts', accountStates.frozen],
  'NAT.1208': ['accounts', accountStates.privateFrozen],
  'NAT.0010': [
    'gateways',
    'answers a network without an IPv4 subnet with 400 NAT.0010, once it is known to exist',
  ],
  'NAT.0109': [
    'snat',
    'refuses a network without an IPv4 subnet (400 NAT.0010) and an IPv6, bound or frozen EIP (NAT.0109, NAT.0402, NAT.0401)',
  ],
  'NAT.0401': [
    'snat',
    'refuses a network without an IPv4 subnet (400 NAT.0010) and an IPv6, bound or frozen EIP (NAT.0109, NAT.0402, NAT.0401)',
  ],
  'NAT.0402': [
    'snat',
    'refuses a network without an IPv4 subnet (400 NAT.0010) and an IPv6, bound or frozen EIP (NAT.0109, NAT.0402, NAT.0401)',
  ],
  'NAT.0312': [
    'dnat',
    'refuses a virtual IP port (400 NAT.0312), a port without an address (404 NAT.1009) and an IPv6, bound or frozen EIP (NAT.0109, NAT.0402, NAT.0401)',
  ],
  'NAT.1009': [
    'dnat',
    'refuses a virtual IP port (400 NAT.0312), a port without an address (404 NAT.1009) and an IPv6, bound or frozen EIP (NAT.0109, NAT.0402, NAT.0401)',
  ],
  'NAT.1204': [
    'private-gateways',
    "counts a VPC's gateways against `privateGatewaysPerVpc` (none by default): past it 400 NAT.1204",
  ],
};

/** The codes no request through this API can cause, each with the reason. */
const unreachable: Record<string, string> = {
  'NAT.0007':
    "a database failure is the contract's 500 (NAT.1001), which never shows the failure to the client",
  'NAT.0009': 'natgw manages none of the resources (ports, subnets) whose use the code reports',
  'NAT.0013':
    "a gateway's VPC cannot disappear: a network document that drops a VPC or network in use is refused (409)",
  'NAT.0019': 'the same condition as NAT.0005 (an unknown network, 404), which natgw sends',
  'NAT.0102':
    'overload and draining are answered by the contract with 503 and Retry-After, which clients and the gateway retry; the page makes NAT.0102 a 400',
  'NAT.0407':
    'the pages give it no condition beyond those with codes of their own (another gateway NAT.0404, an all-port rule NAT.0408 and NAT.0409, another project NAT.0405)',
  'NAT.0410': 'EIPs are given by id: a malformed one is NAT.0210 or NAT.0024, an unknown one NAT.0026',
  'NAT.1101':
    'natgw makes no transit subnets (their operations are in no page here): a transit IP is assigned from a subnet of the project as it is',
};

const natCodes = Object.keys(errorCodes).filter((code) => code.startsWith('NAT.'));
const source = (file: string) => readFileSync(new URL(`./${file}.test.ts`, import.meta.url), 'utf8');

describe('the NAT codes of the error-code page', () => {
  test('are each produced by a named test or listed as not reachable through this API, with the reason', () => {
    for (const code of natCodes) {
      const listed = [code in produced, code in unreachable].filter(Boolean).length;
      assert.equal(listed, 1, `${code} must be in exactly one list`);
    }
    for (const code of [...Object.keys(produced), ...Object.keys(unreachable)])
      assert.ok(natCodes.includes(code), `${code} is not on the page`);
  });

  test('produced: the named test exists and asserts the code', () => {
    for (const [code, [file, title]] of Object.entries(produced)) {
      const text = source(file);
      const at = text.indexOf(title);
      assert.ok(at >= 0, `${code}: no test "${title}" in ${file}.test.ts`);
      // The test, from the end of the one before it (a loop's cases included) to the next.
      const next = text.indexOf('test(', at);
      const body = text.slice(text.lastIndexOf('test(', at - 8), next < 0 ? undefined : next);
      assert.ok(body.includes(`'${code}'`), `${code}: "${title}" does not assert it`);
    }
  });

  test('the README gives the count', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const count = `${Object.keys(produced).length} of the page's ${natCodes.length} NAT codes`;
    assert.ok(readme.includes(count), `README should say "${count}"`);
  });
});
