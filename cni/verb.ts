import type { CniEnv } from './env.ts'
import type { IpamClient } from './ipam-client.ts'
import type { RawConf } from './load-net-conf.ts'
import type { Logger } from '../shared/log.ts'
import type { NetConf } from './net-conf-schema.ts'
import type { CniVersion } from './versions.ts'

/** Everything a verb needs, already validated by dispatch. */
export interface VerbContext {
  readonly env: CniEnv
  /** CNI_ARGS as key/value pairs (syntax already checked). */
  readonly args: ReadonlyMap<string, string>
  /** The config as decoded, for the keys only one verb reads (prevResult, attachments). */
  readonly raw: RawConf
  readonly conf: NetConf
  readonly version: CniVersion
  readonly client: IpamClient
  readonly log: Logger
}

/** A verb answers with what goes to stdout (nothing for DEL, GC, STATUS) or throws a CniError. */
export type Verb = (ctx: VerbContext) => Promise<string | undefined>
