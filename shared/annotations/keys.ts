/**
 * Annotation keys, spelled exactly as Spiderpool users write them: their YAML must work unchanged.
 */
export const AnnotationKey = {
  /** Pod: candidate pools for the NIC being set up, `{"ipv4":[..],"ipv6":[..]}`. */
  ippool: 'ipam.spidernet.io/ippool',
  /** Pod: candidate pools per NIC, `[{"interface":"eth0","ipv4":[..],"ipv6":[..],"cleangateway":false}]`. */
  ippools: 'ipam.spidernet.io/ippools',
  /** Pod: auto pool carved from a SpiderSubnet, `{"ipv4":["s1"],"ipv6":["s2"]}`. */
  subnet: 'ipam.spidernet.io/subnet',
  /** Pod: auto pools per NIC, `[{"interface":"eth0","ipv4":["s1"]}]`. */
  subnets: 'ipam.spidernet.io/subnets',
  /** Pod: auto pool size, `"2"` (fixed) or `"+1"` (replicas + 1). */
  ippoolIPNumber: 'ipam.spidernet.io/ippool-ip-number',
  /** Pod: delete the auto pool with its application (`"true"`, the default) or keep it. */
  ippoolReclaim: 'ipam.spidernet.io/ippool-reclaim',
  /** Pod: extra routes, `[{"dst":"10.0.0.0/16","gw":"10.6.0.1"}]`. */
  routes: 'ipam.spidernet.io/routes',
  /** Namespace: default IPv4 pools, a JSON array of names. */
  defaultIPv4IPPool: 'ipam.spidernet.io/default-ipv4-ippool',
  /** Namespace: default IPv6 pools, a JSON array of names. */
  defaultIPv6IPPool: 'ipam.spidernet.io/default-ipv6-ippool',
  /** Pod (Multus): the NetworkAttachmentDefinition of the first NIC, `ns/name`. */
  multusDefaultNetwork: 'v1.multus-cni.io/default-network',
  /** Pod (Multus): the additional NICs, `ns/name@if, ...` or a JSON list. */
  multusNetworks: 'k8s.v1.cni.cncf.io/networks',
} as const

export type AnnotationKey = (typeof AnnotationKey)[keyof typeof AnnotationKey]

export type Annotations = Readonly<Record<string, string>>
