/**
 * Objects as the API server returns them after real Spiderpool v1.2 wrote them, shared by the
 * tests of this folder. Not exported from index.ts.
 */

/** `status.allocatedIPs` as Spiderpool writes it: Go's json.Marshal of a map, keys sorted. */
export const SPIDERPOOL_ALLOCATED_IPS =
  '{"10.6.168.61":{"pod":"default/test-app-nkq5h","podUid":"0f1b1c56-4a8e-4f0c-9a53-3a1b2f7d9c01"},' +
  '"10.6.168.65":{"pod":"default/test-app-j9ftl","podUid":"8d2c7a3e-51f4-4b1e-8f7a-2c9d0e6b4a12"}}'

export const spiderpoolWrittenPool = () => ({
  apiVersion: 'spiderpool.spidernet.io/v2beta1',
  kind: 'SpiderIPPool',
  metadata: {
    name: 'test-ippool-6',
    uid: 'c6b7f1a2-9d3e-4f5a-8b6c-7d8e9f0a1b2c',
    resourceVersion: '48213',
    generation: 1,
    creationTimestamp: '2023-03-01T08:15:42Z',
    finalizers: ['spiderpool.spidernet.io'],
    labels: { 'ipam.spidernet.io/ippool-cidr': '10-6-0-0-16' },
    managedFields: [{ manager: 'spiderpool-controller', operation: 'Update', apiVersion: 'v1' }],
  },
  spec: {
    ipVersion: 4,
    subnet: '10.6.0.0/16',
    ips: ['10.6.168.61-10.6.168.70'],
    gateway: '10.6.0.1',
    nodeAffinity: { matchLabels: { 'node-subnet': 'subnet-6' } },
    default: false,
    disable: false,
  },
  status: { allocatedIPs: SPIDERPOOL_ALLOCATED_IPS, allocatedIPCount: 2, totalIPCount: 10 },
})

/** The seed scenario's pools, as a user writes them (manifests/examples/seed). */
export const SEED_POOLS_YAML = `
apiVersion: spiderpool.spidernet.io/v2beta1
kind: SpiderIPPool
metadata:
  name: test-ippool-6
spec:
  subnet: 10.6.0.0/16
  ips:
    - 10.6.168.61-10.6.168.70
  gateway: 10.6.0.1
  nodeAffinity:
    matchLabels:
      node-subnet: subnet-6
---
apiVersion: spiderpool.spidernet.io/v2beta1
kind: SpiderIPPool
metadata:
  name: test-ippool-7
spec:
  subnet: 10.7.0.0/16
  ips:
    - 10.7.168.61-10.7.168.70
  gateway: 10.7.0.1
  nodeAffinity:
    matchLabels:
      node-subnet: subnet-7
`
