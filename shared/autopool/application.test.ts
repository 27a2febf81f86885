import { describe, expect, it } from 'vitest'
import { appKey, applicationName, isNativeApp, parseAppKey, parseApplicationName } from './application.ts'

describe('application names', () => {
  it.each([
    [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns', name: 'web' }, 'apps_v1_Deployment_ns_web'],
    [{ apiVersion: 'v1', kind: 'Pod', namespace: 'ns', name: 'bare' }, 'v1_Pod_ns_bare'],
    [{ apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', namespace: 'ns', name: 'c' }, 'apps.kruise.io_v1alpha1_CloneSet_ns_c'],
  ])('%j <-> %s', (app, text) => {
    expect(applicationName(app)).toBe(text)
    expect(parseApplicationName(text)).toEqual(app)
  })

  it.each(['a_b_c', 'a_b_c_d_e_f', ''])('refuses %j', (text) => {
    expect(parseApplicationName(text)).toBeUndefined()
  })

  it('tells native controllers from third-party ones by kind and apiVersion', () => {
    expect(isNativeApp({ apiVersion: 'apps/v1', kind: 'StatefulSet' })).toBe(true)
    expect(isNativeApp({ apiVersion: 'batch/v1', kind: 'CronJob' })).toBe(true)
    expect(isNativeApp({ apiVersion: 'apps.kruise.io/v1alpha1', kind: 'StatefulSet' })).toBe(false)
    expect(isNativeApp({ apiVersion: 'v1', kind: 'Pod' })).toBe(false)
    expect(isNativeApp({ apiVersion: 'apps/v1', kind: 'toString' })).toBe(false)
  })

  it('keys the dispatcher by kind, namespace and name', () => {
    expect(appKey({ kind: 'Job', namespace: 'ns', name: 'j' })).toBe('Job/ns/j')
    expect(parseAppKey('Job/ns/j')).toEqual({ kind: 'Job', namespace: 'ns', name: 'j' })
    expect(parseAppKey('Job/ns')).toBeUndefined()
    expect(parseAppKey('Job/ns/j/x')).toBeUndefined()
  })
})
