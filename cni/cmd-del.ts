import { missingPodKeys, requirePodRef } from './k8s-args.ts'
import type { Verb } from './verb.ts'

/**
 * Releases the pod's allocation for CNI_IFNAME. Succeeds when the service knows nothing of it
 * (repeated DEL, DEL after a failed ADD); fails with 11 when the service cannot be asked, because
 * a DEL reported as done while the address stays taken is a leak nobody retries.
 */
export const cmdDel: Verb = async ({ env, args, client, log }) => {
  const missing = missingPodKeys(args)
  if (missing.length > 0) {
    // ADD refuses without the pod identity, so nothing of this container can have been allocated.
    log.warn('nothing to release: CNI_ARGS has no pod identity', { missing })
    return undefined
  }
  const pod = requirePodRef(args)
  const outcome = await client.release({
    containerID: env.containerID,
    ifName: env.ifName,
    ...(env.netns ? { netNamespace: env.netns } : {}),
    ...pod,
  })
  log.info(outcome === 'released' ? 'released' : 'nothing to release: unknown to the IPAM service')
  return undefined
}
