import { describe, expect, it } from 'vitest'
import { toWorkloadView } from './to-views.ts'

const metadata = {
  namespace: 'ns',
  name: 'app',
  uid: 'u1',
  ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'c', uid: 'u0', controller: true }],
}
const template = { metadata: { annotations: { 'ipam.spidernet.io/subnet': '{"ipv4":["s"]}' } }, spec: { hostNetwork: true } }

describe('toWorkloadView', () => {
  it('reads what auto pools decide on from a Deployment', () => {
    expect(toWorkloadView('Deployment', { metadata, spec: { replicas: 3, template } })).toEqual({
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      namespace: 'ns',
      name: 'app',
      uid: 'u1',
      ownerReferences: metadata.ownerReferences,
      templateAnnotations: { 'ipam.spidernet.io/subnet': '{"ipv4":["s"]}' },
      pods: 3,
      hostNetwork: true,
    })
  })

  it.each([
    ['Job', { spec: { parallelism: 2, completions: 4, template } }, 4],
    ['CronJob', { spec: { jobTemplate: { spec: { parallelism: 3, template } } } }, 3],
    ['DaemonSet', { spec: { template }, status: { desiredNumberScheduled: 2 } }, 2],
    ['StatefulSet', { spec: { replicas: 0, template } }, 0],
  ])('counts the pods of a %s and finds its template', (kind, object, pods) => {
    const view = toWorkloadView(kind, { metadata, ...object })
    expect(view.pods).toBe(pods)
    expect(view.templateAnnotations).toEqual(template.metadata.annotations)
    expect(view.apiVersion).toBe(kind.endsWith('Job') ? 'batch/v1' : 'apps/v1')
  })

  it('reads an empty object without failing', () => {
    expect(toWorkloadView('Deployment', {})).toMatchObject({ name: '', templateAnnotations: {}, pods: 0, hostNetwork: false })
  })
})
