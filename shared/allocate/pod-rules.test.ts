import { describe, expect, it } from 'vitest'
import type { PodView } from '../api/views.ts'
import { deadPodReason, keepsStatefulSetIPs } from './pod-rules.ts'

const pod = (extra: Partial<PodView>): PodView => ({
  namespace: 'ns',
  name: 'p',
  uid: 'u',
  labels: {},
  annotations: {},
  ownerReferences: [],
  ...extra,
})

describe('deadPodReason (Spiderpool: podmanager.IsPodAlive)', () => {
  it.each([
    [{}, undefined],
    [{ phase: 'Running' }, undefined],
    [{ deletionTimestamp: '2026-01-01T00:00:00Z' }, 'pod ns/p is terminating'],
    [{ phase: 'Succeeded', restartPolicy: 'Never' }, 'pod ns/p has succeeded'],
    [{ phase: 'Succeeded', restartPolicy: 'OnFailure' }, 'pod ns/p has succeeded'],
    [{ phase: 'Succeeded', restartPolicy: 'Always' }, undefined],
    [{ phase: 'Failed', restartPolicy: 'Never' }, 'pod ns/p has failed'],
    [{ phase: 'Failed', restartPolicy: 'OnFailure' }, undefined],
    [{ phase: 'Failed', restartPolicy: 'Always', reason: 'Evicted' }, 'pod ns/p was evicted'],
    [{ phase: 'Running', reason: 'Evicted' }, undefined],
  ] as const)('%o -> %s', (extra, reason) => {
    expect(deadPodReason(pod(extra))).toBe(reason)
  })
})

describe('keepsStatefulSetIPs (Spiderpool: IsValidStatefulSetPod)', () => {
  it.each([
    ['db-0', { replicas: 2 }, true],
    ['db-1', { replicas: 2 }, true],
    ['db-2', { replicas: 2 }, false],
    ['db-0', {}, true],
    ['db-1', {}, false],
    // spec.ordinals.start: the set runs db-5 and db-6.
    ['db-4', { replicas: 2, ordinalsStart: 5 }, false],
    ['db-5', { replicas: 2, ordinalsStart: 5 }, true],
    ['db-6', { replicas: 2, ordinalsStart: 5 }, true],
    ['db-7', { replicas: 2, ordinalsStart: 5 }, false],
    ['db-x', { replicas: 2 }, false],
    ['other-0', { replicas: 2 }, false],
  ] as const)('%s of %o -> %s', (name, set, kept) => {
    expect(keepsStatefulSetIPs(name, { name: 'db', ...set })).toBe(kept)
  })

  it('keeps nothing once the set is gone', () => {
    expect(keepsStatefulSetIPs('db-0', undefined)).toBe(false)
  })
})
