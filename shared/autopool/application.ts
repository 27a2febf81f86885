import type { AppRef } from '../select/app-labels.ts'

/**
 * An application that auto pools follow: a pod's top controller, with the UID that tells one
 * incarnation of a name from the next (a pool named after it belongs to that incarnation).
 */
export interface AutoPoolApp extends AppRef {
  readonly uid: string
}

/** The kinds Spinneret watches and sizes pools for; Spiderpool's K8sKinds without Pod. */
export const NATIVE_KINDS = {
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
} as const
export type NativeKind = keyof typeof NATIVE_KINDS

export const isNativeKind = (kind: string): kind is NativeKind => Object.hasOwn(NATIVE_KINDS, kind)

/**
 * A controller of the core API (the six kinds above, at their apiVersion). Anything else is a
 * third-party controller: Spinneret cannot read its replicas, so its pool has a fixed size and is
 * made when its first pod asks (as Spiderpool does).
 */
export const isNativeApp = (app: Pick<AppRef, 'apiVersion' | 'kind'>): boolean => isNativeKind(app.kind) && NATIVE_KINDS[app.kind] === app.apiVersion

/**
 * Spiderpool's ApplicationNamespacedName, the `application` of a subnet's controlledIPPools entry:
 * `apps_v1_Deployment_ns_name`, `v1_Pod_ns_name` for the core group.
 */
export const applicationName = (app: AppRef): string => `${app.apiVersion.replace('/', '_')}_${app.kind}_${app.namespace}_${app.name}`

/** The owner-application-gv label value: `apps_v1` (label values cannot hold `/`). */
export const applicationLabelGV = (apiVersion: string): string => apiVersion.replace('/', '_')

/**
 * The application an entry's `application` names, back as apiVersion, kind, namespace, name
 * (Spiderpool's ParseApplicationNamespacedName); undefined when it has neither 4 nor 5 parts.
 * Kubernetes names hold no `_`, so the split is unambiguous.
 */
export const parseApplicationName = (text: string): AppRef | undefined => {
  const parts = text.split('_')
  if (parts.length === 4) {
    const [version, kind, namespace, name] = parts as [string, string, string, string]
    return { apiVersion: version, kind, namespace, name }
  }
  if (parts.length === 5) {
    const [group, version, kind, namespace, name] = parts as [string, string, string, string, string]
    return { apiVersion: `${group}/${version}`, kind, namespace, name }
  }
  return undefined
}

/** The dispatcher's key of an application: `Deployment/ns/name`. */
export const appKey = (app: Pick<AppRef, 'kind' | 'namespace' | 'name'>): string => `${app.kind}/${app.namespace}/${app.name}`

export const parseAppKey = (key: string): { kind: string; namespace: string; name: string } | undefined => {
  const [kind, namespace, name, ...rest] = key.split('/')
  if (!kind || !namespace || !name || rest.length > 0) return undefined
  return { kind, namespace, name }
}
