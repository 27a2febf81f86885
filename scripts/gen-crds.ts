/**
 * Writes manifests/crds/*.yaml from the valibot schemas in shared/api, the single source of truth.
 * Run after changing a schema: `npx tsx scripts/gen-crds.ts`. The unit test
 * shared/api/crd/committed-crds.test.ts fails while the committed files are stale.
 */
import { writeFileSync } from 'node:fs'
import { buildCrds } from '../shared/api/crd/build-crds.ts'
import { KUSTOMIZATION_FILE, renderCrdFile, renderCrdKustomization } from '../shared/api/crd/render-crd-file.ts'

const dir = new URL('../manifests/crds/', import.meta.url)

const crds = buildCrds()
for (const { fileName, crd } of crds) {
  writeFileSync(new URL(fileName, dir), renderCrdFile(crd))
  console.log(`wrote manifests/crds/${fileName}`)
}
writeFileSync(new URL(KUSTOMIZATION_FILE, dir), renderCrdKustomization(crds.map((c) => c.fileName)))
console.log(`wrote manifests/crds/${KUSTOMIZATION_FILE}`)
