// `npm run control-plane:up` / `control-plane:down` / `control-plane:build`. The last line of `up`
// is `KUBECONFIG=<absolute path>` so scripts can `eval`/`export` it or grep it.
import { down, ensureBinaries, up } from './control-plane.ts'

const cmd = process.argv[2]
try {
  if (cmd === 'up') {
    const { kubeconfigPath } = await up()
    console.log(`KUBECONFIG=${kubeconfigPath}`)
  } else if (cmd === 'build') {
    // CI builds first so the long cold build stays out of the test timeouts.
    const built = await ensureBinaries('control-plane')
    console.log(built ? 'control plane binaries built' : 'control plane binaries up to date')
  } else if (cmd === 'down') {
    await down()
    console.log('control plane stopped')
  } else {
    console.error('usage: tsx scripts/control-plane/cli.ts build|up|down')
    process.exitCode = 2
  }
} catch (e) {
  console.error(`[control-plane] ${e instanceof Error ? e.message : String(e)}`)
  process.exitCode = 1
}
