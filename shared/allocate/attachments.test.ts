import { describe, expect, it } from 'vitest'
import { ATTACHMENTS_ANNOTATION, parseAttachments, recordAttachments, staleNics } from './attachments.ts'

const t0 = '2026-01-01T00:00:00.000Z'
const later = Date.parse(t0) + 120_000

describe('attachments', () => {
  it('records the requested NIC with its network and the others with the container only', () => {
    const a = recordAttachments({}, ['eth0', 'net1'], { ifName: 'eth0', containerID: 'c1', network: 'macvlan' }, t0)
    expect(a).toEqual({ eth0: { containerID: 'c1', network: 'macvlan', since: t0 }, net1: { containerID: 'c1', since: t0 } })
    const b = recordAttachments(a, ['net1'], { ifName: 'net1', containerID: 'c1', network: 'ipvlan' }, '2026-01-01T00:01:00.000Z')
    expect(b.net1).toEqual({ containerID: 'c1', network: 'ipvlan', since: t0 })
    expect(b.eth0?.network).toBe('macvlan')
  })

  it('reads a missing or broken annotation as nothing known', () => {
    expect(parseAttachments(undefined)).toEqual({})
    expect(parseAttachments({ [ATTACHMENTS_ANNOTATION]: '{nope' })).toEqual({})
    expect(parseAttachments({ [ATTACHMENTS_ANNOTATION]: '{"eth0":{"containerID":1}}' })).toEqual({})
  })

  it('finds stale NICs of this network only, never young or unknown-network ones', () => {
    const a = {
      eth0: { containerID: 'c1', network: 'macvlan', since: t0 },
      net1: { containerID: 'c1', since: t0 },
      net2: { containerID: 'c1', network: 'other', since: t0 },
    }
    const scope = { network: 'macvlan', valid: new Set<string>(), now: later, graceMs: 60_000 }
    expect(staleNics(a, scope)).toEqual(['eth0'])
    expect(staleNics(a, { ...scope, valid: new Set(['c1/eth0']) })).toEqual([])
    expect(staleNics(a, { ...scope, now: Date.parse(t0) + 1000 })).toEqual([])
  })
})
