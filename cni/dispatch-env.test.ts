import { describe, expect, it } from 'vitest'
import { confFor, envFor, errorOf, run } from './fake-service.testkit.ts'

const ok = () => ({ status: 200, body: '{"ips":[{"version":4,"address":"10.6.168.65/16","nic":"eth0"}]}' })

describe('dispatch: environment (code 4)', () => {
  it('names CNI_COMMAND when it is missing, without reading stdin', async () => {
    const out = await run({}, 'not json')
    expect(out.exitCode).toBe(1)
    expect(errorOf(out)).toMatchObject({ code: 4, msg: 'required env variables [CNI_COMMAND] missing' })
    expect(errorOf(out).details).toContain('1.1.0')
  })

  it('refuses an unknown command', async () => {
    const out = await run(envFor('UPDATE'), confFor())
    expect(errorOf(out)).toMatchObject({ code: 4, msg: 'unknown CNI_COMMAND: UPDATE' })
  })

  it.each([
    ['ADD', 'CNI_CONTAINERID'],
    ['ADD', 'CNI_NETNS'],
    ['ADD', 'CNI_IFNAME'],
    ['ADD', 'CNI_PATH'],
    ['CHECK', 'CNI_CONTAINERID'],
    ['CHECK', 'CNI_NETNS'],
    ['CHECK', 'CNI_IFNAME'],
    ['CHECK', 'CNI_PATH'],
    ['DEL', 'CNI_CONTAINERID'],
    ['DEL', 'CNI_IFNAME'],
    ['DEL', 'CNI_PATH'],
  ])('%s without %s fails with 4 naming it', async (command, variable) => {
    const out = await run(envFor(command, { [variable]: undefined }), confFor('1.0.0'), ok)
    expect(out.exitCode).toBe(1)
    expect(errorOf(out)).toMatchObject({ code: 4, msg: `required env variables [${variable}] missing` })
    expect(out.calls).toHaveLength(0)
  })

  it('names every missing variable at once', async () => {
    const out = await run({ CNI_COMMAND: 'ADD' }, confFor())
    expect(errorOf(out).msg).toBe('required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing')
  })

  it('DEL does not need CNI_NETNS', async () => {
    const out = await run(envFor('DEL', { CNI_NETNS: undefined }), confFor(), () => ({ status: 200, body: '' }))
    expect(out.exitCode).toBe(0)
    expect(out.calls[0]?.body).not.toHaveProperty('netNamespace')
  })

  it.each(['GC', 'STATUS'])('%s needs only the config', async (command) => {
    const out = await run({ CNI_COMMAND: command }, confFor('1.1.0', {}, { 'cni.dev/valid-attachments': [] }))
    expect(out.exitCode).toBe(0)
  })

  it.each([
    ['CNI_CONTAINERID', '-leading-dash', 'invalid characters in container ID'],
    ['CNI_CONTAINERID', 'has space', 'invalid characters in container ID'],
    ['CNI_IFNAME', 'a-very-long-ifname', 'longer than 15'],
    ['CNI_IFNAME', '..', 'is . or ..'],
    ['CNI_IFNAME', 'eth/0', '/ or : or whitespace'],
    ['CNI_IFNAME', 'eth:0', '/ or : or whitespace'],
    ['CNI_IFNAME', 'eth 0', '/ or : or whitespace'],
  ])('%s=%j is invalid (4)', async (variable, value, reason) => {
    const out = await run(envFor('ADD', { [variable]: value }), confFor(), ok)
    expect(errorOf(out).code).toBe(4)
    expect(errorOf(out).msg).toContain(variable)
    expect(errorOf(out).msg).toContain(reason)
  })

  it('accepts a 15 character interface name', async () => {
    const out = await run(envFor('ADD', { CNI_IFNAME: 'abcdefghijklmno' }), confFor(), () => ({
      status: 200,
      body: '{"ips":[{"version":4,"address":"10.6.168.65/16","nic":"abcdefghijklmno"}]}',
    }))
    expect(out.exitCode).toBe(0)
  })

  it('refuses a CNI_ARGS pair without "="', async () => {
    const out = await run(envFor('ADD', { CNI_ARGS: 'K8S_POD_NAME=a;garbage' }), confFor(), ok)
    expect(errorOf(out)).toMatchObject({ code: 4, msg: 'CNI_ARGS: invalid pair "garbage"' })
  })

  it.each(['ADD', 'CHECK'])('%s names the pod keys CNI_ARGS lacks', async (command) => {
    const out = await run(envFor(command, { CNI_ARGS: 'K8S_POD_NAMESPACE=team-a' }), confFor(), ok)
    expect(errorOf(out)).toMatchObject({ code: 4, msg: 'CNI_ARGS lacks K8S_POD_NAME, K8S_POD_UID' })
    expect(out.calls).toHaveLength(0)
  })

  it('tolerates an empty segment in CNI_ARGS', async () => {
    const out = await run(envFor('ADD', { CNI_ARGS: 'K8S_POD_NAMESPACE=a;;K8S_POD_NAME=b;K8S_POD_UID=c;' }), confFor(), ok)
    expect(out.exitCode).toBe(0)
    expect(out.calls[0]?.body).toMatchObject({ podNamespace: 'a', podName: 'b', podUID: 'c' })
  })

  it('answers env errors in the version the config asks for', async () => {
    const out = await run(envFor('ADD', { CNI_PATH: '' }), confFor('0.4.0'))
    expect(errorOf(out).cniVersion).toBe('0.4.0')
  })
})

describe('dispatch: stdin (code 6)', () => {
  it.each([
    ['not JSON', '{"cniVersion":'],
    ['empty', ''],
    ['an array', '[1,2]'],
    ['a string', '"hello"'],
    ['null', 'null'],
  ])('refuses stdin that is %s', async (_, stdin) => {
    const out = await run(envFor('ADD'), stdin, ok)
    expect(out.exitCode).toBe(1)
    expect(errorOf(out)).toMatchObject({ cniVersion: '1.1.0', code: 6 })
    expect(out.calls).toHaveLength(0)
  })
})

describe('dispatch: network config (code 7)', () => {
  const stdinWith = (ipam: unknown, top: Record<string, unknown> = {}) => JSON.stringify({ cniVersion: '1.0.0', name: 'net', ipam, ...top })

  it.each([
    ['no ipam', JSON.stringify({ cniVersion: '1.0.0', name: 'net' }), 'ipam: required'],
    ['ipam not an object', stdinWith('spiderpool'), 'ipam: expected an ipam object'],
    ['pools not an array', stdinWith({ default_ipv4_ippool: 'pool-a' }), 'ipam.default_ipv4_ippool: expected an array'],
    ['a pool not a string', stdinWith({ default_ipv6_ippool: ['ok', 7] }), 'ipam.default_ipv6_ippool[1]:'],
    ['clean_gateway a string', stdinWith({ clean_gateway: 'true' }), 'ipam.clean_gateway: expected a boolean'],
    ['socket path a number', stdinWith({ ipam_unix_socket_path: 5 }), 'ipam.ipam_unix_socket_path:'],
    ['unknown log level', stdinWith({ log_level: 'verbose' }), 'ipam.log_level: expected one of'],
    ['timeout a string', stdinWith({ timeout_seconds: '5' }), 'ipam.timeout_seconds: expected a number'],
    ['timeout zero', stdinWith({ timeout_seconds: 0 }), 'ipam.timeout_seconds: expected more than 0'],
    // Found by the fuzzer: beyond 2^31 - 1 ms Node's timer fired at once, Bun refused 1e308 s.
    ['a timeout no timer holds', stdinWith({ timeout_seconds: 2147484 }), 'ipam.timeout_seconds: expected at most 2147483 seconds'],
    ['an infinite timeout', '{"cniVersion":"1.0.0","name":"net","ipam":{"timeout_seconds":1e308}}', 'ipam.timeout_seconds: expected at most 2147483 seconds'],
    ['no name', JSON.stringify({ cniVersion: '1.0.0', ipam: {} }), 'name: required'],
    ['a bad name', stdinWith({}, { name: 'my net' }), 'name: invalid characters'],
    ['cniVersion a number', JSON.stringify({ cniVersion: 1, name: 'n', ipam: {} }), 'cniVersion: expected a version'],
  ])('refuses %s, naming the key', async (_, stdin, message) => {
    const out = await run(envFor('ADD'), stdin, ok)
    expect(out.exitCode).toBe(1)
    expect(errorOf(out).code).toBe(7)
    expect(errorOf(out).msg).toContain(message)
    expect(out.calls).toHaveLength(0)
  })

  it("reads Spiderpool's keys with its defaults: socket, log file, rotation", async () => {
    const stdin = confFor('0.3.1', { log_level: 'DEBUG', log_file_path: '', ipam_unix_socket_path: '' })
    const out = await run(envFor('ADD'), stdin, ok)
    expect(out.exitCode).toBe(0)
    expect(out.calls[0]?.socketPath).toBe('/var/run/spidernet/spiderpool.sock')
    expect(out.logFilePath).toBe('/var/log/spidernet/spiderpool.log')
    expect(out.logRotation).toEqual({ maxSizeMiB: 100, maxAgeDays: 30, maxCount: 7 })
  })

  it('reads the rotation keys as numbers, or as the strings Spiderpool documents', async () => {
    const stdin = confFor('1.0.0', { log_file_path: '/tmp/x.log', log_file_max_size: '10', log_file_max_age: 0, log_file_max_count: 3 })
    const out = await run(envFor('ADD'), stdin, ok)
    expect(out.logFilePath).toBe('/tmp/x.log')
    expect(out.logRotation).toEqual({ maxSizeMiB: 10, maxAgeDays: 0, maxCount: 3 })
    const bad = await run(envFor('ADD'), confFor('1.0.0', { log_file_max_size: 'lots' }), ok)
    expect(errorOf(bad)).toMatchObject({ code: 7 })
    expect(errorOf(bad).msg).toContain('log_file_max_size')
  })
})

describe('dispatch: versions (code 1)', () => {
  it.each(['0.1.0', '0.2.0', '1.2.0', '2.0.0', '1.0'])('refuses cniVersion %s', async (version) => {
    const out = await run(envFor('ADD'), confFor(version), ok)
    expect(errorOf(out)).toMatchObject({ cniVersion: '1.1.0', code: 1, msg: 'incompatible CNI versions' })
    expect(errorOf(out).details).toContain(version)
    expect(out.calls).toHaveLength(0)
  })

  it('takes a config without cniVersion for 0.1.0, which it does not speak', async () => {
    const out = await run(envFor('ADD'), JSON.stringify({ name: 'n', ipam: {} }), ok)
    expect(errorOf(out)).toMatchObject({ code: 1 })
    expect(errorOf(out).details).toContain('0.1.0')
  })

  it.each([
    ['CHECK', '0.3.1'],
    ['GC', '1.0.0'],
    ['STATUS', '1.0.0'],
    ['STATUS', '0.4.0'],
  ])('%s is not allowed for a %s config', async (command, version) => {
    const out = await run(envFor(command), confFor(version, {}, { prevResult: { ips: [] } }), ok)
    expect(errorOf(out)).toMatchObject({ cniVersion: version, code: 1, msg: `config version does not allow ${command}` })
    expect(out.calls).toHaveLength(0)
  })
})

describe('dispatch: logging', () => {
  it('writes structured lines filtered by log_level, with the request in them', async () => {
    const failing = () => ({ status: 503, body: '{"code":"try-again","message":"conflicts"}' })
    const quiet = await run(envFor('ADD'), confFor('1.0.0', { log_level: 'error' }), ok)
    expect(quiet.logLines).toEqual([])
    const verbose = await run(envFor('ADD'), confFor('1.0.0', { log_level: 'debug', log_file_path: '/var/log/x.log' }), failing)
    expect(verbose.logFilePath).toBe('/var/log/x.log')
    const lines = verbose.logLines.map((line) => JSON.parse(line))
    expect(lines.map((l) => l.level)).toEqual(['debug', 'error'])
    expect(lines[1]).toMatchObject({
      time: '1970-01-01T00:00:00.000Z',
      level: 'error',
      plugin: 'spinneret',
      cmd: 'ADD',
      network: 'macvlan-underlay',
      containerID: 'c0ffee',
      ifName: 'eth0',
      pod: 'team-a/web-0',
      podUID: 'uid-1',
      code: 11,
    })
  })

  it('logs an error even when the config never parsed', async () => {
    const out = await run(envFor('ADD'), '{')
    expect(out.logLines).toHaveLength(1)
    expect(JSON.parse(out.logLines[0] ?? '')).toMatchObject({ level: 'error', code: 6 })
  })
})
