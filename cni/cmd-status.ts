import { CniCode, CniError, isCniError } from './cni-error.ts'
import type { Verb } from './verb.ts'

/** Ready when the service answers its health check; anything else is "plugin not available" (50). */
export const cmdStatus: Verb = async ({ conf, client }) => {
  try {
    await client.healthy()
  } catch (e) {
    if (!isCniError(e)) throw e
    throw new CniError(
      CniCode.pluginNotAvailable,
      `plugin not available: IPAM service at ${conf.ipam.ipam_unix_socket_path} is not healthy`,
      [e.message, e.details].filter((part) => part).join('; '),
    )
  }
  return undefined
}
