import { decideSubnet, type ReconcileOutcome } from '../../shared/reconcile/index.ts'
import { reconcileObject, type ReconcileDeps } from '../lib/reconcile-object.ts'

/**
 * Brings one SpiderSubnet's finalizer and status (controlledIPPools, counts) in line with the
 * pools that name its CIDR (shared/reconcile decideSubnet), in the one reconcile shape
 * (functions/lib/reconcile-object.ts). A lost race re-reads the subnet and every pool.
 * 'invalid' when the subnet or one of its pools breaks the API contract: a status without that
 * pool would understate what is handed out.
 *
 * @example await reconcile('subnet-6', { store, log })
 */
export const reconcile = (name: string, deps: ReconcileDeps): Promise<ReconcileOutcome> =>
  reconcileObject(
    name,
    {
      kind: 'SpiderSubnet',
      logFields: { function: 'reconcile-subnet', subnet: name },
      invalid: 'SpiderSubnet not reconciled: it or one of its pools breaks the API contract',
      read: () => deps.store.getSubnet(name),
      decide: async (subnet) => decideSubnet(subnet, await deps.store.listPools()),
      writeFinalizers: (subnet, finalizers) => deps.store.replaceSubnetFinalizers(subnet, finalizers),
      writeStatus: (subnet, status) => deps.store.replaceSubnetStatus(subnet, status),
    },
    deps,
  )
