import { APP_LABEL } from '../api/index.ts'
import type { Labels } from './label-selector.ts'

/** The pod's top controller (Deployment, StatefulSet, ...; the pod itself when it has none). */
export interface AppRef {
  readonly apiVersion: string
  readonly kind: string
  readonly namespace: string
  readonly name: string
  /** Known from the owner references that led to it; an auto pool belongs to one incarnation. */
  readonly uid?: string
}

/**
 * The labels an auto pool's podAffinity uses to name its application. Pods do not carry them:
 * they describe the pod's top controller, so that every replica matches and nothing else does.
 */
export const appLabels = (app: AppRef): Labels => {
  const slash = app.apiVersion.indexOf('/')
  return {
    [APP_LABEL.apiGroup]: slash < 0 ? '' : app.apiVersion.slice(0, slash),
    [APP_LABEL.apiVersion]: slash < 0 ? app.apiVersion : app.apiVersion.slice(slash + 1),
    [APP_LABEL.kind]: app.kind,
    [APP_LABEL.namespace]: app.namespace,
    [APP_LABEL.name]: app.name,
  }
}
