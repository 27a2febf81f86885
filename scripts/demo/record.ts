/**
 * What a demo run made, written to disk as it is made: cleanup reads it, in the same process
 * (the normal end, a failure, a signal) or in a later one (`--cleanup` after `--keep`, or the next
 * run after a run that was killed). Nothing is cleaned up that is not named here.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../control-plane/build.ts'

export const DEMO_DIR = join(REPO_ROOT, '.cache', 'demo')
export const RECORD_PATH = join(DEMO_DIR, 'state.json')

export interface DemoRecord {
  /** The demo process that wrote it. */
  readonly pid: number
  keep: boolean
  /** Started by a demo (not reused): a demo's cleanup takes it down again. */
  clusterStarted: boolean
  kubeconfig?: string
  /**
   * The seed's objects the demo created (not those that existed before it applied their file),
   * in the order it applied them: cleanup deletes exactly these.
   */
  created: Array<{ name: string; namespace?: string }>
}

export const newRecord = (): DemoRecord => ({ pid: process.pid, keep: false, clusterStarted: false, created: [] })

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
