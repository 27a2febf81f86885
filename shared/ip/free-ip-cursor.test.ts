import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IpamError } from '../errors.ts'
import { cidrToRange, parseCidr } from './cidr.ts'
import { bigIntToIp, formatIp } from './format.ts'
import { FreeIpCursor } from './free-ip-cursor.ts'
import { parseIpRanges } from './parse-ranges.ts'
import { subtractRanges } from './ranges.ts'
import { UsedIps } from './used-ips.ts'
import type { IpAddress, IpFamily } from './types.ts'

const texts = (addresses: readonly IpAddress[]): string[] => addresses.map(formatIp)
const cursorOf = (family: IpFamily, ips: string[], allocated: string[]) => FreeIpCursor.from(family, parseIpRanges(ips), allocated)

describe('FreeIpCursor', () => {
  it.each([
    [4, ['10.0.0.1-10.0.0.10'], [], 3, ['10.0.0.1', '10.0.0.2', '10.0.0.3']],
    [4, ['10.0.0.1-10.0.0.10'], ['10.0.0.1', '10.0.0.2', '10.0.0.4'], 3, ['10.0.0.3', '10.0.0.5', '10.0.0.6']],
    [4, ['10.0.0.1-10.0.0.3', '10.0.0.7-10.0.0.9'], ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.7'], 5, ['10.0.0.8', '10.0.0.9']],
    [4, ['10.0.0.1-10.0.0.3'], ['10.0.0.1', '10.0.0.2', '10.0.0.3'], 1, []],
    [4, [], [], 1, []],
    [4, ['10.0.0.0-10.0.0.1'], ['10.0.0.0'], 2, ['10.0.0.1']], // a /31
    [4, ['10.0.0.5'], [], 2, ['10.0.0.5']], // a /32
    [4, ['255.255.255.254-255.255.255.255'], ['255.255.255.254'], 2, ['255.255.255.255']],
    [4, ['10.0.0.1-10.0.0.5'], ['10.0.0.1', 'fd00::1', '192.168.0.1'], 1, ['10.0.0.2']],
    [6, ['fd00::-fd00::1'], ['fd00::'], 2, ['fd00::1']], // a /127
    [6, ['fd00::7'], [], 1, ['fd00::7']], // a /128
    [6, ['fd00::1-fd00::ff'], ['fd00::1', 'FD00:0::2', '10.0.0.1'], 2, ['fd00::3', 'fd00::4']],
    [
      6,
      ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
      [],
      3,
      ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ],
  ] as const)('IPv%s %j minus %j, take %s -> %j', (family, ips, allocated, count, expected) => {
    expect(texts(cursorOf(family, [...ips], [...allocated]).take(count))).toEqual(expected)
  })

  it('peek leaves the IP free; next and markUsed consume', () => {
    const cursor = cursorOf(4, ['10.0.0.1-10.0.0.10'], ['10.0.0.2'])
    expect(formatIp(cursor.peek()!)).toBe('10.0.0.1')
    expect(formatIp(cursor.peek()!)).toBe('10.0.0.1')
    expect(formatIp(cursor.next()!)).toBe('10.0.0.1')
    cursor.markUsed('10.0.0.3')
    cursor.markUsed('10.0.0.5')
    cursor.markUsed('10.0.0.1') // already handed out: nothing changes
    cursor.markUsed('fd00::4') // other family: nothing changes
    expect(texts(cursor.take(3))).toEqual(['10.0.0.4', '10.0.0.6', '10.0.0.7'])
    cursor.markUsed(cursor.peek()!)
    expect(formatIp(cursor.next()!)).toBe('10.0.0.9')
  })

  it('skips excluded and reserved IPs when given ips − excludeIPs − reserved', () => {
    const ips = parseIpRanges(['10.6.168.1-10.6.168.20'])
    const excluded = parseIpRanges(['10.6.168.1', '10.6.168.3-10.6.168.4'])
    const reserved = parseIpRanges(['10.6.168.5'])
    const available = subtractRanges(ips, [...excluded, ...reserved])
    const cursor = FreeIpCursor.from(4, available, ['10.6.168.2', '10.6.168.7'])
    expect(texts(cursor.take(3))).toEqual(['10.6.168.6', '10.6.168.8', '10.6.168.9'])
  })

  it('answers instantly on a huge IPv6 range', () => {
    const started = performance.now()
    const pool = [cidrToRange(parseCidr('fd00::/8'))]
    const allocated = Array.from({ length: 1000 }, (_, i) => bigIntToIp((0xfdn << 120n) + BigInt(i), 6))
    const cursor = FreeIpCursor.from(6, pool, allocated)
    expect(texts(cursor.take(2))).toEqual(['fd00::3e8', 'fd00::3e9'])
    const top = FreeIpCursor.from(6, subtractRanges(pool, [{ family: 6, start: 0xfdn << 120n, end: (0xfen << 120n) - 2n }]), [])
    expect(texts(top.take(5))).toEqual(['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'])
    expect(performance.now() - started).toBeLessThan(100)
  })

  it('shares one UsedIps between cursors without either seeing the other', () => {
    const used = UsedIps.from(4, ['10.0.0.1'])
    const available = parseIpRanges(['10.0.0.1-10.0.0.9'])
    const a = new FreeIpCursor(available, used)
    const b = new FreeIpCursor(available, used)
    expect(texts(a.take(2))).toEqual(['10.0.0.2', '10.0.0.3'])
    expect(texts(b.take(1))).toEqual(['10.0.0.2'])
  })

  it('merges unmerged available ranges and refuses the other family', () => {
    const cursor = new FreeIpCursor(parseIpRanges(['10.0.0.5-10.0.0.6', '10.0.0.1-10.0.0.5']), UsedIps.from(4, []))
    expect(texts(cursor.take(7))).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'])
    expect(() => new FreeIpCursor(parseIpRanges(['fd00::1']), UsedIps.from(4, []))).toThrow(IpamError)
  })
})

describe('FreeIpCursor properties', () => {
  // One family per case; 48 addresses at the bottom of IPv4 or the top of IPv6.
  const SIZE = 48
  const caseArb = fc.constantFrom<IpFamily>(4, 6).chain((family) => {
    const base = family === 4 ? 0n : (1n << 128n) - BigInt(SIZE)
    const offset = fc.integer({ min: 0, max: SIZE - 1 })
    const span = fc.tuple(offset, offset).map(([a, b]) => ({
      family,
      start: base + BigInt(Math.min(a, b)),
      end: base + BigInt(Math.max(a, b)),
    }))
    const value = offset.map((o) => base + BigInt(o))
    const op = fc.oneof(
      fc.record({ kind: fc.constant('next' as const) }),
      fc.record({ kind: fc.constant('peek' as const) }),
      fc.record({ kind: fc.constant('take' as const), count: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ kind: fc.constant('mark' as const), value }),
    )
    return fc.record({
      family: fc.constant(family),
      ips: fc.array(span, { maxLength: 4 }),
      excluded: fc.array(span, { maxLength: 3 }),
      reserved: fc.array(span, { maxLength: 2 }),
      allocated: fc.array(value, { maxLength: 30 }),
      asText: fc.boolean(),
      ops: fc.array(op, { maxLength: 20 }),
    })
  })

  it('hands out exactly the lowest free IPs, never an excluded, reserved, allocated or marked one, never twice', () => {
    fc.assert(
      fc.property(caseArb, ({ family, ips, excluded, reserved, allocated, asText, ops }) => {
        const available = subtractRanges(ips, [...excluded, ...reserved])
        const input = asText ? allocated.map((v) => bigIntToIp(v, family)) : allocated
        const cursor = FreeIpCursor.from(family, available, input)

        // The model: every available value not allocated, kept sorted.
        const free: bigint[] = []
        for (const r of available) for (let v = r.start; v <= r.end; v++) if (!allocated.includes(v)) free.push(v)
        const handedOut = new Set<bigint>()
        const marked = new Set<bigint>()
        const forbidden = (v: bigint) => allocated.includes(v) || marked.has(v) || [...excluded, ...reserved].some((r) => r.start <= v && v <= r.end)

        const check = (got: IpAddress[], count: number) => {
          const expected = free.splice(0, count)
          expect(got.map((a) => a.value)).toEqual(expected)
          for (const { value } of got) {
            expect(forbidden(value)).toBe(false)
            expect(handedOut.has(value)).toBe(false)
            handedOut.add(value)
          }
        }
        for (const op of ops) {
          if (op.kind === 'next')
            check(
              [cursor.next()].filter((a) => a !== undefined),
              1,
            )
          else if (op.kind === 'take') check(cursor.take(op.count), op.count)
          else if (op.kind === 'peek') expect(cursor.peek()?.value).toBe(free[0])
          else {
            cursor.markUsed(asText ? bigIntToIp(op.value, family) : op.value)
            marked.add(op.value)
            const at = free.indexOf(op.value)
            if (at >= 0) free.splice(at, 1)
          }
        }
        check(cursor.take(SIZE), SIZE)
      }),
      { numRuns: 1000 },
    )
  })
})
