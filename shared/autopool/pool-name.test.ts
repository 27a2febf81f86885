import { describe, expect, it } from 'vitest'
import { autoPoolName } from './pool-name.ts'

const uid = '30f7c69c-3c8e-4dbc-b22b-6b707f3114b8'

describe('autoPoolName', () => {
  it.each([
    ['web', 4, 'eth0', uid, 'auto4-web-eth0-6b707'],
    ['web', 6, 'net1', uid, 'auto6-web-net1-6b707'],
    ['Web', 4, 'ETH0', 'ABCDE-FGHIJK', 'auto4-web-eth0-fghij'],
    // A UID without dashes, and one whose last group is short.
    ['db', 4, 'eth0', 'abc', 'auto4-db-eth0-abc'],
  ] as const)('%s %s %s %s -> %s', (app, family, nic, appUid, want) => {
    expect(autoPoolName(app, family, nic, appUid)).toBe(want)
  })

  it('cuts a long application name so that the name stays a valid object name and keeps NIC and suffix', () => {
    const name = autoPoolName('a'.repeat(253), 4, 'eth0', uid)
    expect(name).toHaveLength(253)
    expect(name.endsWith('-eth0-6b707')).toBe(true)
    expect(name.startsWith('auto4-aaaa')).toBe(true)
  })

  it('leaves a name that fits exactly alone', () => {
    const app = 'b'.repeat(253 - 8 - 5 - 4)
    expect(autoPoolName(app, 4, 'eth0', uid)).toBe(`auto4-${app}-eth0-6b707`)
  })
})
