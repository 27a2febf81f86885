// `npm run cluster:up [-- --nodes N]`, `cluster:down`, `cluster:build`. The last line of `up` is
// `KUBECONFIG=<absolute path>`, so scripts can grep it or `export` it.
import { parseArgs } from 'node:util'
import { ensureBinaries } from '../control-plane/build.ts'
import { down, leftovers, up } from './cluster.ts'
import { ensureClusterImages } from './images.ts'
import { NETNS_TEST_REQUIREMENTS, ensureClusterPrerequisites, ensurePackages } from '../host-packages.ts'

const USAGE = `usage: npm run cluster:up [-- --nodes N]   start (or reuse) the local cluster; N nodes (default 2)
       npm run cluster:down                remove everything cluster:up made
       npm run cluster:build               install its packages, build its binaries and images (CI does this before the tests)`

const say = (line: string) => process.stderr.write(`[cluster] ${line}\n`)

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { nodes: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true })
  const [cmd] = positionals
  if (values.help || !cmd) {
    console.log(USAGE)
    return values.help ? 0 : 2
  }
  if (cmd === 'up') {
    const t0 = Date.now()
    const result = await up(values.nodes === undefined ? {} : { nodes: Number(values.nodes) })
    say(
      `${result.started ? 'up' : 'already up'} in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${result.description.nodes.map((n) => `${n.name} (${n.address})`).join(', ')}`,
    )
    console.log(`KUBECONFIG=${result.kubeconfigPath}`)
    return 0
  }
  if (cmd === 'down') {
    const t0 = Date.now()
    await down()
    const left = leftovers()
    if (left.length > 0) {
      say(`down left behind:\n  ${left.join('\n  ')}`)
      return 1
    }
    say(`down in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    return 0
  }
  if (cmd === 'build') {
    ensureClusterPrerequisites(say)
    ensurePackages(NETNS_TEST_REQUIREMENTS, say)
    if (await ensureBinaries('control-plane')) say('built kube-apiserver and etcd')
    if (await ensureBinaries('cluster')) say('built kubelet, kube-controller-manager, kube-scheduler, netns-gateway')
    await ensureClusterImages()
    say('binaries and images are up to date')
    return 0
  }
  console.error(USAGE)
  return 2
}

try {
  process.exitCode = await main()
} catch (e) {
  console.error(`[cluster] ${e instanceof Error ? e.message : String(e)}`)
  process.exitCode = 1
}
// Idle keep-alive sockets of the API client must not hold the process open.
process.exit()
