import * as v from 'valibot'
import { CniCode, CniError } from './cni-error.ts'
import { issueText } from '../shared/api/common/issue-text.ts'
import { AttachmentsSchema, type Attachment } from './gc-attachments-schema.ts'
import type { RawConf } from './load-net-conf.ts'
import type { Verb } from './verb.ts'

// 1.1.0 final spells it valid-attachments; runtimes written against the drafts send attachments.
const KEYS = ['cni.dev/valid-attachments', 'cni.dev/attachments'] as const

const readAttachments = (raw: RawConf): readonly Attachment[] => {
  const key = KEYS.find((k) => raw[k] !== undefined)
  // An absent list must not read as an empty one: that would release every address of the network.
  if (!key) {
    throw new CniError(CniCode.invalidNetworkConfig, `invalid network config: ${KEYS[0]}: required for GC`)
  }
  const parsed = v.safeParse(AttachmentsSchema, raw[key])
  if (!parsed.success) {
    const problem = issueText(parsed.issues[0], key)
    throw new CniError(CniCode.invalidNetworkConfig, `invalid network config: ${problem}`)
  }
  return parsed.output
}

/**
 * Tells the service which attachments of this network are still in use; it releases the rest of
 * the network's allocations on this node. The network name scopes it: another network's
 * attachments are not in this list and must survive.
 */
export const cmdGc: Verb = async ({ raw, conf, client, log }) => {
  const attachments = readAttachments(raw)
  await client.gc({
    network: conf.name,
    validAttachments: attachments.map((a) => ({ containerID: a.containerID, ifName: a.ifname })),
  })
  log.info('garbage collected', { validAttachments: attachments.length })
  return undefined
}
