import { describe, expect, it } from 'vitest'
import { unclaimedNic } from './multi-nic.ts'
import { multusNetworkOf, type MultusDefaults } from './multus-network.ts'
import { refusal } from './refusal.testkit.ts'

const DEFAULT = 'v1.multus-cni.io/default-network'
const NETWORKS = 'k8s.v1.cni.cncf.io/networks'
const defaults: MultusDefaults = { podNamespace: 'app', systemNamespace: 'spinneret' }

describe('multusNetworkOf', () => {
  it.each([
    // The seed scenario's pod.
    [{ [DEFAULT]: 'kube-system/macvlan-conf' }, 'eth0', defaults, 'kube-system/macvlan-conf'],
    // A bare default network lives with Multus / the project, not the pod.
    [{ [DEFAULT]: 'macvlan-conf' }, 'eth0', defaults, 'spinneret/macvlan-conf'],
    [{}, 'eth0', { ...defaults, clusterNetwork: 'kube-system/calico' }, 'kube-system/calico'],
    [{}, 'eth0', { ...defaults, clusterNetwork: 'calico' }, 'spinneret/calico'],
    [{}, 'eth0', defaults, undefined],
    [{ [NETWORKS]: 'macvlan-a, other/macvlan-b' }, 'net1', defaults, 'app/macvlan-a'],
    [{ [NETWORKS]: 'macvlan-a, other/macvlan-b' }, 'net2', defaults, 'other/macvlan-b'],
    [{ [NETWORKS]: 'macvlan-a@eth1,other/macvlan-b' }, 'eth1', defaults, 'app/macvlan-a'],
    // Position counts every element, named or not.
    [{ [NETWORKS]: 'macvlan-a@eth1,other/macvlan-b' }, 'net2', defaults, 'other/macvlan-b'],
    [{ [NETWORKS]: 'macvlan-a' }, 'net3', defaults, undefined],
    [{ [NETWORKS]: '[{"name":"m1","namespace":"x","interface":"ens1"},{"name":"m2"}]' }, 'ens1', defaults, 'x/m1'],
    [{ [NETWORKS]: '[{"name":"m1","namespace":"x","interface":"ens1"},{"name":"m2"}]' }, 'net2', defaults, 'app/m2'],
    [{}, 'net1', defaults, undefined],
    // An unclaimed unnamed ippools entry i is the i-th element, whatever it names its NIC.
    [{ [NETWORKS]: 'macvlan-a@eth1,other/macvlan-b@eth2' }, unclaimedNic(2), defaults, 'other/macvlan-b'],
  ])('%j on %s', (annotations, nic, d, want) => {
    expect(multusNetworkOf(annotations, nic, d)).toBe(want)
  })

  it.each([
    [{ [DEFAULT]: 'a/b/c' }, 'eth0', `invalid annotation ${DEFAULT}: invalid network object "a/b/c" (failed at '/')`],
    [{ [DEFAULT]: 'ns/Bad_Name' }, 'eth0', `invalid annotation ${DEFAULT}: failed to parse network object: Bad_Name`],
    [{ [NETWORKS]: 'a@b@c' }, 'net1', `invalid annotation ${NETWORKS}: invalid network object "a@b@c" (failed at '@')`],
    [{ [NETWORKS]: 'a,,b' }, 'net1', `invalid annotation ${NETWORKS}: invalid network object "": empty name`],
    [{ [NETWORKS]: '[{"namespace":"x"}]' }, 'net1', `invalid annotation ${NETWORKS}: [0].name: is required`],
    // Found by the fuzzer: the JSON form took any text as a name, and "/" made the network "app//".
    [{ [NETWORKS]: '[{"name":"/"}]' }, 'net1', `invalid annotation ${NETWORKS}: failed to parse network object: /`],
    [{ [NETWORKS]: '[{"name":"m1","namespace":"Team A"}]' }, 'net1', `invalid annotation ${NETWORKS}: failed to parse network object: Team A`],
  ])('refuses %j', (annotations, nic, message) => {
    expect(refusal(() => multusNetworkOf(annotations, nic, defaults))).toEqual({ code: 'invalid-annotation', message })
  })
})
