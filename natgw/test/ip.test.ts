import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assignable, dotted, firstFree, usable } from '../src/network/addresses.js';
import { formatCidr, isPrivateTarget, overlaps, parseCidr, parseIpv4, within } from '../src/snat/ip.js';

const block = (text: string) => {
  const cidr = parseCidr(text);
  assert.ok(cidr, text);
  return cidr;
};

describe('IPv4 addresses', () => {
  test('reads dotted decimal as a number', () => {
    assert.equal(parseIpv4('0.0.0.0'), 0);
    assert.equal(parseIpv4('192.168.1.10'), 0xc0a8010a);
    assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
    assert.equal(parseIpv4('10.0.0.1'), 0x0a000001);
  });

  test('refuses what is not four decimal octets without leading zeros', () => {
    for (const text of [
      '256.0.0.1',
      '1.2.3.256',
      '01.2.3.4',
      '1.2.3.04',
      '1.2.3',
      '1.2.3.4.5',
      ' 1.2.3.4',
      '1.2.3.4 ',
      '1.2.3.1234',
      'a.b.c.d',
      '',
    ]) {
      assert.equal(parseIpv4(text), undefined, text);
    }
  });
});

describe('CIDR blocks', () => {
  test('reads a segment whose host bits are zero, and a host address with or without /32', () => {
    assert.deepEqual(parseCidr('192.168.1.0/24'), { base: 0xc0a80100, prefix: 24 });
    assert.deepEqual(parseCidr('192.168.1.10'), { base: 0xc0a8010a, prefix: 32 });
    assert.deepEqual(parseCidr('192.168.1.10/32'), { base: 0xc0a8010a, prefix: 32 });
    assert.deepEqual(parseCidr('0.0.0.0/0'), { base: 0, prefix: 0 });
    assert.deepEqual(parseCidr('10.0.0.0/8'), { base: 0x0a000000, prefix: 8 });
  });

  test('refuses host bits, prefixes past 32 or written oddly, and anything else', () => {
    for (const text of [
      '192.168.1.1/24',
      '192.168.1.0/33',
      '192.168.1.0/024',
      '192.168.1.0/',
      '192.168.1.0/-1',
      '192.168.1.0/100',
      '192.168.1.0/24/1',
      '192.168.1.0/2a',
      '300.1.1.0/24',
      '',
    ]) {
      assert.equal(parseCidr(text), undefined, text);
    }
  });

  test('writes a block one way', () => {
    assert.equal(formatCidr({ base: 0xc0a80100, prefix: 24 }), '192.168.1.0/24');
    assert.equal(formatCidr({ base: 0xffffffff, prefix: 32 }), '255.255.255.255/32');
    assert.equal(formatCidr({ base: 0x01020304, prefix: 32 }), '1.2.3.4/32');
  });

  test('is within another when all its addresses are', () => {
    assert.equal(within(block('192.168.1.0/25'), block('192.168.1.0/24')), true);
    assert.equal(within(block('192.168.1.0/24'), block('192.168.1.0/24')), true);
    assert.equal(within(block('192.168.1.255'), block('192.168.1.0/24')), true);
    assert.equal(within(block('192.168.2.0'), block('192.168.1.0/24')), false);
    assert.equal(within(block('192.168.0.255'), block('192.168.1.0/24')), false);
    assert.equal(within(block('192.168.0.0/23'), block('192.168.1.0/24')), false);
    assert.equal(within(block('192.168.0.0/23'), block('192.168.0.0/24')), false);
    assert.equal(within(block('10.1.0.0/16'), block('0.0.0.0/0')), true);
  });

  test('overlaps another when either holds the other, and only then', () => {
    assert.equal(overlaps(block('10.0.0.0/8'), block('10.20.0.0/16')), true);
    assert.equal(overlaps(block('10.20.0.0/16'), block('10.0.0.0/8')), true);
    assert.equal(overlaps(block('10.20.0.0/16'), block('10.20.0.0/16')), true);
    assert.equal(overlaps(block('10.20.0.0/16'), block('10.21.0.0/16')), false);
    assert.equal(overlaps(block('192.168.0.0/24'), block('192.168.1.0/24')), false);
  });

  test('takes any unicast address as a DNAT target but this network, loopback, link-local and 224/3', () => {
    for (const ip of [
      '10.0.0.1',
      '192.168.1.1',
      '1.0.0.0',
      '126.255.255.255',
      '128.0.0.1',
      '223.255.255.255',
    ])
      assert.equal(isPrivateTarget(ip), true, ip);
    for (const ip of [
      '0.0.0.1',
      '127.0.0.1',
      '169.254.1.1',
      '224.0.0.1',
      '255.255.255.255',
      '10.0.0',
      '10.0.0.01',
    ])
      assert.equal(isPrivateTarget(ip), false, ip);
    assert.equal(isPrivateTarget('169.253.255.255'), true);
    assert.equal(isPrivateTarget('169.255.0.0'), true);
  });
});

describe("a subnet's addresses", () => {
  test('are all but the network address, the gateway, the last two and the broadcast address', () => {
    assert.deepEqual(usable('192.168.1.0/24'), { first: 0xc0a80102, last: 0xc0a801fc });
    assert.deepEqual(usable('192.168.1.0/29'), { first: 0xc0a80102, last: 0xc0a80104 });
    assert.equal(usable('192.168.1.0/30'), undefined);
    assert.equal(usable('192.168.1.1/24'), undefined);
  });

  test('are assignable only inside that range, written as dotted decimal', () => {
    assert.equal(assignable('192.168.1.0/24', '192.168.1.2'), '192.168.1.2');
    assert.equal(assignable('192.168.1.0/24', '192.168.1.252'), '192.168.1.252');
    for (const ip of [
      '192.168.1.0',
      '192.168.1.1',
      '192.168.1.253',
      '192.168.1.255',
      '192.168.2.5',
      '192.168.1.x',
    ])
      assert.equal(assignable('192.168.1.0/24', ip), undefined, ip);
    assert.equal(assignable('192.168.1.0/30', '192.168.1.2'), undefined);
  });

  test('are handed out lowest first, skipping those taken, until none is left', () => {
    assert.equal(firstFree('192.168.1.0/29', new Set()), '192.168.1.2');
    assert.equal(firstFree('192.168.1.0/29', new Set(['192.168.1.2', '192.168.1.3'])), '192.168.1.4');
    assert.equal(
      firstFree('192.168.1.0/29', new Set(['192.168.1.2', '192.168.1.3', '192.168.1.4'])),
      undefined,
    );
    assert.equal(firstFree('192.168.1.0/31', new Set()), undefined);
  });

  test('are written as dotted decimal', () => {
    assert.equal(dotted(0xc0a8010a), '192.168.1.10');
    assert.equal(dotted(0), '0.0.0.0');
  });
});
