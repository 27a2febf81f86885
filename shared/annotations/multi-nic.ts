import { invalidAnnotation } from './parse-json.ts'

/**
 * The NIC an unnamed `subnets` entry stands for, by position: `eth0`, then Multus' default
 * names `net1`, `net2`, ... (auto pools are not served yet, so only the annotation's checks use
 * it). Unnamed `ippools` entries go by call order instead, as in Spiderpool: see `unclaimedNic`.
 */
export const positionalNicName = (position: number): string => (position === 0 ? 'eth0' : `net${position}`)

/**
 * The NIC of an unnamed `ippools` entry that no ADD has claimed yet. Spiderpool allocates every
 * unnamed entry on the first ADD, gives entry 0 to that ADD's NIC and records the others with
 * an empty interface; each later ADD of another NIC claims the first unclaimed entry (call order).
 * Inside one allocation the entries need distinct names: these contain a space, which no Linux
 * interface name may, and are written to the SpiderEndpoint as "".
 */
export const unclaimedNic = (position: number): string => `unclaimed ${position}`
export const isUnclaimedNic = (nic: string): boolean => nic.startsWith('unclaimed ')
export const unclaimedPosition = (nic: string): number => Number(nic.slice('unclaimed '.length))

export interface MultiNic<T> {
  /** True when the entries carry `interface` names, false when they map by position. */
  readonly named: boolean
  /** Every entry, in annotation order, each with the NIC it serves. */
  readonly entries: readonly T[]
  /** The entry of the NIC being set up. */
  readonly current: T
}

/**
 * The rules Spiderpool applies to `ippools` (and we to `subnets`): at least one item; interface
 * names all set or all unset; no duplicates; when named, the current NIC must be listed.
 * Error texts are Spiderpool's. `build` turns an item into its entry once its NIC is known, and
 * may refuse it; `unnamedNic` names an unnamed entry by its position.
 */
export const resolveMultiNic = <T extends { readonly interface: string }, U extends { readonly nic: string }>(
  key: string,
  items: readonly T[],
  currentNic: string,
  build: (item: T, nic: string) => U,
  unnamedNic: (position: number) => string = positionalNicName,
): MultiNic<U> => {
  const first = items[0]
  if (first === undefined) throw invalidAnnotation(key, 'value requires at least one item')
  const named = first.interface !== ''
  const seen = new Set<string>()
  const entries = items.map((item, position) => {
    if ((item.interface !== '') !== named) {
      throw invalidAnnotation(key, 'NIC should be either all specified or all unspecified')
    }
    const nic = named ? item.interface : unnamedNic(position)
    if (seen.has(nic)) throw invalidAnnotation(key, `duplicate interface ${nic}`)
    seen.add(nic)
    return build(item, nic)
  })
  const current = entries.find((e) => e.nic === currentNic)
  if (current === undefined) {
    throw invalidAnnotation(
      key,
      named ? `interface ${currentNic} must be specified` : `interface ${currentNic} has no entry: unnamed entries map by position to ${[...seen].join(', ')}`,
    )
  }
  return { named, entries, current }
}
