/**
 * What a demo run made, written to disk as it is made: cleanup reads it, in the same process
 * (the normal end, a failure, a signal) or in a later one (`--cleanup` after `--keep`, or the next
 * run after a run that was killed). Nothing is cleaned up that is not named here.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../build-cni.ts'

export const DEMO_DIR = join(REPO_ROOT, '.cache', 'demo')
export const RECORD_PATH = join(DEMO_DIR, 'state.json')
export const SERVICE_LOG = join(DEMO_DIR, 'service.log')

export interface ServiceRecord {
  readonly pid: number
  readonly socket: string
  readonly log: string
}

/** A Pod object the demo created, and once its network is being set up, how. */
export interface PodRecord {
  readonly name: string
  readonly namespace: string
  readonly uid: string
  readonly node: string
  /** Set just before CNI ADD: from then on, cleanup owes it a CNI DEL. */
  network?: {
    readonly netns: string
    readonly containerID: string
    readonly args: Readonly<Record<string, string>>
    readonly config: Readonly<Record<string, unknown>> & { readonly type: string }
  }
}

export interface DemoRecord {
  /** The demo process that wrote it. */
  readonly pid: number
  keep: boolean
  /** Started by a demo (not reused): a demo stops it at its end. */
  controlPlaneStarted: boolean
  kubeconfig?: string
  service?: ServiceRecord
  /** Every network namespace of the run is named `<prefix>-...`. */
  netnsPrefix?: string
  pods: PodRecord[]
}

export const newRecord = (): DemoRecord => ({ pid: process.pid, keep: false, controlPlaneStarted: false, pods: [] })

export function readRecord(): DemoRecord | undefined {
  try {
    return JSON.parse(readFileSync(RECORD_PATH, 'utf8')) as DemoRecord
  } catch {
    return undefined
  }
}

/** Written beside and renamed, so a kill mid-write never leaves half a record. */
export function saveRecord(record: DemoRecord): void {
  mkdirSync(DEMO_DIR, { recursive: true })
  writeFileSync(`${RECORD_PATH}.tmp`, JSON.stringify(record, null, 2) + '\n')
  renameSync(`${RECORD_PATH}.tmp`, RECORD_PATH)
}

export const removeRecord = (): void => rmSync(RECORD_PATH, { force: true })
