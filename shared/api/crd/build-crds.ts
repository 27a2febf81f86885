import { GROUP, VERSION } from '../constants.ts'
import { CRD_DEFINITIONS, type CrdDefinition } from './crd-definitions.ts'
import { rootOpenAPISchema } from './root-schema.ts'

/** A CRD as a plain object, ready to be written as YAML or sent to the API server. */
export type CustomResourceDefinition = ReturnType<typeof buildCrd>

export const buildCrd = (def: CrdDefinition) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${def.plural}.${GROUP}` },
  spec: {
    group: GROUP,
    names: {
      categories: ['spiderpool'],
      kind: def.kind,
      listKind: `${def.kind}List`,
      plural: def.plural,
      shortNames: [...def.shortNames],
      singular: def.singular,
    },
    scope: def.scope,
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        additionalPrinterColumns: def.columns.map((c) => ({ ...c })),
        schema: { openAPIV3Schema: rootOpenAPISchema(def.schema, def.description) },
        ...(def.statusSubresource ? { subresources: { status: {} } } : {}),
      },
    ],
  },
})

/** File name as Spiderpool's chart names it, e.g. `spiderpool.spidernet.io_spiderippools.yaml`. */
export const crdFileName = (def: CrdDefinition): string => `${GROUP}_${def.plural}.yaml`

/** Every CRD with the file it lives in under manifests/crds/. */
export const buildCrds = (): { fileName: string; crd: CustomResourceDefinition }[] =>
  CRD_DEFINITIONS.map((def) => ({ fileName: crdFileName(def), crd: buildCrd(def) }))
