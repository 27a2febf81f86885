import * as v from 'valibot'
import { CniCode, CniError } from './cni-error.ts'
import { issueText } from '../shared/api/common/issue-text.ts'
import { NetConfSchema, type NetConf } from './net-conf-schema.ts'
import { isSupportedVersion, LATEST_VERSION, SUPPORTED_VERSIONS, type CniVersion } from './versions.ts'

export type RawConf = Readonly<Record<string, unknown>>

/** stdin must be one JSON object; anything else is a decode failure (6), as libcni reports it. */
export const decodeStdin = (stdin: string): RawConf => {
  let value: unknown
  try {
    value = JSON.parse(stdin)
  } catch (e) {
    throw new CniError(CniCode.decodeFailure, 'network config on stdin is not JSON', String(e))
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CniError(CniCode.decodeFailure, 'network config on stdin is not a JSON object')
  }
  return value as RawConf
}

/** The version to answer errors in: the config's own when we speak it, else our latest. */
export const answerVersion = (raw: RawConf | undefined): CniVersion => {
  const asked = raw?.['cniVersion']
  return isSupportedVersion(asked) ? asked : LATEST_VERSION
}

export interface LoadedConf {
  readonly conf: NetConf
  readonly version: CniVersion
}

/**
 * Validates the config. A missing cniVersion is "0.1.0" to libcni, which we do not speak (1);
 * a wrong type or a missing key is an invalid network config (7) naming the key.
 */
export const loadNetConf = (raw: RawConf): LoadedConf => {
  const asked = raw['cniVersion'] ?? '0.1.0'
  if (typeof asked === 'string' && !isSupportedVersion(asked)) {
    throw new CniError(CniCode.incompatibleVersion, 'incompatible CNI versions', `config is "${asked}", plugin supports ${SUPPORTED_VERSIONS.join(', ')}`)
  }
  const parsed = v.safeParse(NetConfSchema, raw)
  if (!parsed.success) {
    throw new CniError(CniCode.invalidNetworkConfig, `invalid network config: ${issueText(parsed.issues[0])}`)
  }
  return { conf: parsed.output, version: answerVersion(raw) }
}
