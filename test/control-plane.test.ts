// Smoke test of the test control plane itself: the client library and kubectl both reach it.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import { describe, expect, inject, it } from 'vitest'

const kubeconfig = inject('kubeconfig')

describe('test control plane', () => {
  it('lists namespaces through @kubernetes/client-node', async () => {
    const kc = new KubeConfig()
    kc.loadFromFile(kubeconfig)
    const api = kc.makeApiClient(CoreV1Api)
    const list = await api.listNamespace()
    expect(list.items.map((ns) => ns.metadata?.name)).toContain('default')
  })

  it('answers kubectl', async () => {
    const run = promisify(execFile)
    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, 'get', 'ns', '-o', 'name']).catch((e: NodeJS.ErrnoException & { stderr?: string }) => {
      if (e.code === 'ENOENT') {
        throw new Error('kubectl not found: install kubectl (https://kubernetes.io/docs/tasks/tools/) and put it on PATH')
      }
      throw new Error(`kubectl get ns failed: ${e.stderr ?? e.message}`)
    })
    expect(stdout.split('\n')).toContain('namespace/default')
  })
})
