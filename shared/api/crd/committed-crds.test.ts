/// <reference types="vite/client" />
import { loadAllYaml } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { buildCrds } from './build-crds.ts'
import { KUSTOMIZATION_FILE, renderCrdFile, renderCrdKustomization } from './render-crd-file.ts'
import { toYaml } from './to-yaml.ts'

// Vite reads the files at import time: no node:fs in shared/, and every file there is seen,
// so a CRD someone added by hand (or a stale one left behind) fails too.
const committed = import.meta.glob<string>('../../../manifests/crds/*', { query: '?raw', import: 'default', eager: true })
const committedByName = new Map(Object.entries(committed).map(([path, text]) => [path.split('/').pop(), text]))
const REGENERATE = 'manifests/crds/ is stale: run `npx tsx scripts/gen-crds.ts`'

describe('manifests/crds (generated from the valibot schemas)', () => {
  const crds = buildCrds()

  it('holds exactly the generated files', () => {
    expect([...committedByName.keys()].sort(), REGENERATE).toEqual([...crds.map((c) => c.fileName), KUSTOMIZATION_FILE].sort())
  })

  it('has a kustomization that lists every CRD', () => {
    expect(committedByName.get(KUSTOMIZATION_FILE), REGENERATE).toBe(renderCrdKustomization(crds.map((c) => c.fileName)))
  })

  it.each(crds)('$fileName is what the schemas generate today', ({ fileName, crd }) => {
    expect(committedByName.get(fileName), REGENERATE).toBe(renderCrdFile(crd))
  })

  it.each(crds)('$fileName means, read as YAML, the CRD object it was written from', ({ fileName, crd }) => {
    // Through client-node's typed CRD model, as a client that applies the file would read it...
    expect(loadAllYaml(committedByName.get(fileName) ?? '')).toEqual(loadAllYaml(JSON.stringify(crd)))
    // ...and untyped, where no field the model does not know could hide a difference.
    expect(loadAllYaml(toYaml({ document: crd }))).toEqual([{ document: crd }])
  })
})
