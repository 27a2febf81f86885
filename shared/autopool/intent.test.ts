import { describe, expect, it } from 'vitest'
import { refusal } from '../annotations/refusal.testkit.ts'
import { autoPoolIntent, desiredPods } from './intent.ts'

const SUBNET = 'ipam.spidernet.io/subnet'
const SUBNETS = 'ipam.spidernet.io/subnets'
const NUMBER = 'ipam.spidernet.io/ippool-ip-number'
const RECLAIM = 'ipam.spidernet.io/ippool-reclaim'

describe('autoPoolIntent', () => {
  it('is undefined for a template that names no subnet', () => {
    expect(autoPoolIntent({ 'ipam.spidernet.io/ippool': '{"ipv4":["p"]}' }, { pods: 3, defaultFlexible: 1 })).toBeUndefined()
  })

  it.each([
    ['replicas plus the default spare', {}, 3, 1, 4, '+1'],
    ['replicas plus the asked spare', { [NUMBER]: '+2' }, 3, 1, 5, '+2'],
    ['replicas and no spare', { [NUMBER]: '+0' }, 3, 1, 3, '+0'],
    ['a fixed number, whatever the replicas', { [NUMBER]: '5' }, 1, 1, 5, '5'],
    ['a fixed number for a third-party controller', { [NUMBER]: '2' }, undefined, 1, 2, '2'],
    ['a default spare of 0', {}, 2, 0, 2, '+0'],
  ])('sizes %s', (_, extra, pods, defaultFlexible, size, ipNumber) => {
    const intent = autoPoolIntent({ [SUBNET]: '{"ipv4":["s4"]}', ...extra }, { pods, defaultFlexible })
    expect(intent).toMatchObject({ size, ipNumber })
  })

  it('wants one pool per NIC and family, and reads ippool-reclaim', () => {
    const annotations = {
      [SUBNETS]: '[{"interface":"eth0","ipv4":["a4"],"ipv6":["a6"]},{"interface":"net1","ipv4":["b4"]}]',
      [RECLAIM]: 'false',
    }
    expect(autoPoolIntent(annotations, { pods: 1, defaultFlexible: 1 })).toEqual({
      wants: [
        { nic: 'eth0', family: 4, subnet: 'a4' },
        { nic: 'eth0', family: 6, subnet: 'a6' },
        { nic: 'net1', family: 4, subnet: 'b4' },
      ],
      size: 2,
      ipNumber: '+1',
      reclaim: false,
    })
  })

  it.each([
    [
      'a flexible number for a third-party controller',
      { [NUMBER]: '+1' },
      undefined,
      `invalid annotation ${NUMBER}: "+1": the pods of a third-party controller need a fixed IP number ("N"), Spinneret cannot read its replicas`,
    ],
    [
      'no number for a third-party controller',
      {},
      undefined,
      `invalid annotation ${NUMBER}: absent: the pods of a third-party controller need a fixed IP number ("N"), Spinneret cannot read its replicas`,
    ],
    ['a malformed number', { [NUMBER]: 'two' }, 1, `invalid annotation ${NUMBER}: "two" is neither a count "N" (N >= 1) nor a spare "+N" (N >= 0)`],
    ['a malformed reclaim', { [RECLAIM]: 'maybe' }, 1, `invalid annotation ${RECLAIM}: "maybe" is not a boolean (true or false)`],
  ])('refuses %s', (_, extra, pods, message) => {
    expect(refusal(() => autoPoolIntent({ [SUBNET]: '{"ipv4":["s4"]}', ...extra }, { pods, defaultFlexible: 1 }))).toEqual({
      code: 'invalid-annotation',
      message,
    })
  })
})

describe('desiredPods', () => {
  it.each([
    ['Deployment', { replicas: 3 }, 3],
    ['StatefulSet', { replicas: 0 }, 0],
    ['ReplicaSet', {}, 0],
    ['DaemonSet', { desiredNumberScheduled: 2 }, 2],
    ['DaemonSet', {}, 0],
    // Spiderpool's CalculateJobPodNum: completions decide when set, else parallelism; 0 counts as 1.
    ['Job', {}, 1],
    ['Job', { parallelism: 3 }, 3],
    ['Job', { parallelism: 0 }, 1],
    ['Job', { completions: 5 }, 5],
    ['Job', { parallelism: 2, completions: 5 }, 5],
    ['CronJob', { parallelism: 2, completions: 0 }, 1],
  ])('%s %j runs %i pods', (kind, fields, pods) => {
    expect(desiredPods(kind, fields)).toBe(pods)
  })
})
