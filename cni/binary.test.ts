import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCni, type BuiltCni } from '../scripts/build-cni.ts'
import { confFor, envFor } from './fake-service.testkit.ts'
import { runPlugin } from './run-plugin.testkit.ts'

// Async on purpose: the test server answering the binary lives in this same event loop.
const exec = async (binary: string, env: Record<string, string | undefined>, stdin = '') => {
  const { code, stdout, stderr } = await runPlugin(binary, env, stdin)
  return { code, stdout, stderr }
}

// The compiled binary is what runtimes execute: build it for real (bun missing = failure, not skip).
describe('the compiled plugin (bun build --compile)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spinneret-bin-'))
  const logFile = () => join(dir, 'log', 'spiderpool.log')
  const socketPath = join(dir, 'ipam.sock')
  const bodies: string[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      if (body.includes('"podName":"hang"')) return // never answers
      bodies.push(`${req.method} ${req.url} ${body}`)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        req.method === 'POST'
          ? JSON.stringify({
              ips: [
                { version: 4, address: '198.18.0.10/24', nic: 'eth0', ipPool: 'bench-v4', gateway: '198.18.0.1' },
                { version: 6, address: 'fd00:198:18::a/64', nic: 'eth0', ipPool: 'bench-v6' },
              ],
              routes: [{ ifName: 'eth0', dst: '0.0.0.0/0', gw: '198.18.0.1' }],
            })
          : '{}',
      )
    })
  })
  let built: BuiltCni

  beforeAll(async () => {
    built = buildCni({ outDir: join(dir, 'bin') })
    await new Promise<void>((resolve) => server.listen(socketPath, resolve))
  }, 180_000)

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers VERSION exactly, under both of its names', async () => {
    const expected = '{"cniVersion":"1.1.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}\n'
    for (const binary of [built.binary, built.spiderpoolAlias]) {
      expect(await exec(binary, { CNI_COMMAND: 'VERSION' })).toEqual({ code: 0, stdout: expected, stderr: '' })
    }
  })

  it('runs ADD and DEL over the unix socket (Bun fetch, DELETE with a body)', async () => {
    const stdin = confFor('0.3.1', { ipam_unix_socket_path: socketPath, log_level: 'error', log_file_path: logFile() })
    const added = await exec(built.binary, envFor('ADD') as Record<string, string>, stdin)
    expect(added.code).toBe(0)
    expect(JSON.parse(added.stdout)).toEqual({
      cniVersion: '0.3.1',
      ips: [
        { version: '4', address: '198.18.0.10/24', gateway: '198.18.0.1' },
        { version: '6', address: 'fd00:198:18::a/64' },
      ],
      routes: [{ dst: '0.0.0.0/0', gw: '198.18.0.1' }],
      dns: {},
    })
    const deleted = await exec(built.spiderpoolAlias, envFor('DEL') as Record<string, string>, stdin)
    expect(deleted).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(bodies.map((b) => b.split(' ').slice(0, 2).join(' '))).toEqual(['POST /v1/ipam/ip', 'DELETE /v1/ipam/ip'])
    expect(JSON.parse(bodies[1]?.split(' ').slice(2).join(' ') ?? '')).toMatchObject({ containerID: 'c0ffee', podUID: 'uid-1' })
  })

  it('gives 11 when the service does not answer within timeout_seconds (Bun fetch deadline)', async () => {
    const stdin = confFor('1.0.0', { ipam_unix_socket_path: socketPath, timeout_seconds: 0.3, log_level: 'error', log_file_path: logFile() })
    const env = envFor('ADD', { CNI_ARGS: 'K8S_POD_NAMESPACE=team-a;K8S_POD_NAME=hang;K8S_POD_UID=uid-2' })
    const ran = await exec(built.binary, env as Record<string, string>, stdin)
    expect(ran.code).toBe(1)
    expect(JSON.parse(ran.stdout)).toMatchObject({
      code: 11,
      msg: `IPAM service at ${socketPath} did not answer POST /v1/ipam/ip within 0.3 s`,
    })
  })

  it('prints errors as CNI JSON on stdout and logs on stderr, exiting 1', async () => {
    const ran = await exec(built.binary, { CNI_COMMAND: 'ADD' }, confFor())
    expect(ran.code).toBe(1)
    expect(JSON.parse(ran.stdout)).toMatchObject({ cniVersion: '1.0.0', code: 4 })
    expect(JSON.parse(ran.stderr.trim())).toMatchObject({ level: 'error', code: 4 })
  })

  it('reports STATUS 50 when nothing listens on the socket', async () => {
    const stdin = confFor('1.1.0', { ipam_unix_socket_path: join(dir, 'absent.sock'), log_file_path: logFile() })
    const ran = await exec(built.binary, { CNI_COMMAND: 'STATUS' }, stdin)
    expect(ran.code).toBe(1)
    expect(JSON.parse(ran.stdout)).toMatchObject({ code: 50 })
    // Once the config is read, the log goes to its log_file_path (Spiderpool's default otherwise), not stderr.
    expect(ran.stderr).toBe('')
    expect(JSON.parse(readFileSync(logFile(), 'utf8').trim().split('\n').at(-1) ?? '')).toMatchObject({ level: 'error', code: 50 })
  })
})
