import { fill } from './errors.js';

/** Ids of the pages' examples (and of the demo project's network, which holds them). */
const ids = {
  gateway: 'a78fb3eb-1654-4710-8742-3fc49d5f04f8',
  router: 'd84f345c-80a1-4fa2-a39c-d0d397c3f09a',
  network: '89d66639-aacb-4929-969d-07080b0f9fd9',
  port: '9a469561-daac-4c94-88f5-39366e5ea193',
  floatingIp: 'bdc10a4c-d81a-41ec-adf7-de857f7c812a',
  snatRule: '5b95c675-69c2-4656-ba06-58ff72e1d338',
  dnatRule: '79195d50-0271-41f1-bded-4c089b2502ff',
  privateGateway: '80da6f26-94eb-4537-97f0-5a56f4d04cfb',
  transitIp: '36a3049a-1682-48b3-b1cf-cb986a3350ef',
  virsubnet: '5b9ea497-727d-4ad0-a99e-3984b3f5aaed',
};

/** What a named placeholder (`%(router_id)s`, `{field}`) stands for, where its name says it. */
const byName: Record<string, string> = {
  timestamp: '2019-04-29 25:10:01',
  router_id: ids.router,
  router: ids.router,
  network_id: ids.network,
  network: ids.network,
  subnet: ids.network,
  nat_gateway_id: ids.gateway,
  nat_gateway: ids.gateway,
  port: ids.port,
  id: ids.snatRule,
  fip: ids.floatingIp,
  fips: ids.floatingIp,
  rule: ids.snatRule,
  limit: '20',
  protocol: 'icmp',
  values: "['tcp', 'udp', 'any']",
};

/** The library's own placeholders: "Invalid input for {field}: {problem} ({rule})." */
const byBracedName: Record<string, string> = {
  project_id: '5f2a7c3e9b1d4e8fa0c6b2d4e6f8a0b1',
  field: 'nat_gateway.spec',
  problem: "must have required property 'spec'",
  rule: 'required',
};

/**
 * Where a code's placeholders mean something else than their names say, or are positional (`%s`,
 * and the masked values the page writes, `'*'`, `********-****-…`): the values, in order, that
 * natgw fills them with (see where each code is raised); `gaps` fills the gaps the page writes
 * without a placeholder.
 */
const byCode: Record<string, { values?: Record<string, string>; gaps?: (template: string) => string }> = {
  'NAT.0016': { values: { 0: '5' } },
  'NAT.0017': { values: { 0: 'd84f345c' } },
  'NAT.0018': { values: { 0: '89d66639' } },
  'NAT.0021': { values: { 0: 'a78fb3eb' } },
  'NAT.0023': { values: { 0: ids.port } },
  'NAT.0024': { values: { 0: 'bdc10a4c' } },
  'NAT.0026': { values: { 0: ids.floatingIp } },
  'NAT.0014': { gaps: (template) => template.replace('.+', '. Reason: 256 characters ') },
  'NAT.0015': {
    gaps: (template) => template.replace('.+', '. Reason: 65 characters ').replace('255', '64'),
  },
  'NAT.0108': { values: { port: ids.port } },
  'NAT.0209': { values: { id: ids.snatRule } },
  'NAT.0210': { values: { fip: 'bdc10a4c' } },
  'NAT.0211': { values: { limit: '20' } },
  'NAT.0212': { values: { rule: ids.snatRule, fip: ids.floatingIp } },
  'NAT.0301': { gaps: (template) => template.replace('xxx', 'external_service_port') },
  'NAT.0303': { values: { port: '65536' } },
  'NAT.0309': { values: { limit: '200' } },
  'NAT.0313': { values: { limit: '200' } },
  'NAT.0314': { values: { limit: '200' } },
  'NAT.0315': { values: { port: '65536' } },
  'NAT.0319': { values: { id: ids.dnatRule } },
  'NAT.1002': { values: { 0: 'Private nat gateway', 1: ids.privateGateway } },
  'NAT.1003': { values: { 0: ids.virsubnet, 1: ids.privateGateway } },
  'NAT.1009': { values: { 0: ids.port } },
  'NAT.1016': { values: { 0: '20' } },
  'NAT.1201': { values: { 0: '1' } },
  'NAT.1202': { values: { 0: ids.privateGateway } },
  'NAT.1204': { values: { 0: '10' } },
  'NAT.1206': { values: { 0: 'Small', 1: 'Small' } },
  'NAT.1207': { values: { 0: ids.privateGateway, 1: '20', 2: 'Small', 3: '20' } },
  'NAT.1208': { values: { 0: ids.privateGateway } },
  'NAT.1303': { values: { 0: ids.transitIp } },
  'NAT.1304': { values: { 0: ids.port } },
  'NAT.1305': { values: { 0: ids.transitIp } },
  'NAT.1308': { values: { 0: ids.transitIp } },
  'NAT.1309': { values: { 0: ids.port } },
  'NAT.1403': { values: { 0: ids.virsubnet, 1: '192.168.1.68' } },
  'NAT.1404': { values: { 0: ids.virsubnet } },
  'NAT.1405': { values: { 0: '192.168.2.10' } },
  'NAT.1406': { values: { 0: ids.transitIp, 1: ids.privateGateway } },
  'NAT.1409': { values: { 0: ids.transitIp } },
  'NAT.1410': { values: { 0: ids.transitIp } },
  'NAT.1503': { values: { 0: ids.virsubnet } },
  'NAT.1505': { values: { 0: '192.168.1.0/24' } },
  'NAT.1506': { values: { 0: '1' } },
};

/** The library's placeholders: `{field}`. */
const braced = /\{(\w+)\}/g;

/**
 * An error example's message as natgw would send it: the page's (or the library's) template with
 * its placeholders filled with the pages' example ids and a realistic field, limit or value.
 */
export function exampleMessage(code: string, template: string): string {
  const own = byCode[code] ?? {};
  const values = { ...byName, ...own.values };
  const gapped = own.gaps ? own.gaps(template) : template;
  return fill(gapped, values, true).replace(braced, (written, name: string) => byBracedName[name] ?? written);
}

interface ErrorExample {
  summary?: string;
  value?: { error?: { code?: string; message?: string } };
}

/** Every error example of the document with its message filled (`exampleMessage`), in place. */
export function fillErrorExamples(paths: Record<string, Record<string, unknown>>): void {
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item) as { responses?: Record<string, unknown> }[]) {
      for (const response of Object.values(operation.responses ?? {}) as {
        content?: Record<string, { examples?: Record<string, ErrorExample> }>;
      }[]) {
        for (const media of Object.values(response.content ?? {})) {
          for (const example of Object.values(media.examples ?? {})) {
            const error = example.value?.error;
            if (error?.message === undefined) continue;
            const message = exampleMessage(error.code ?? '', error.message);
            if (example.summary === error.message) example.summary = message;
            error.message = message;
          }
        }
      }
    }
  }
}
