/**
 * Test-only: what a runtime, a broken config or a broken service can hand the plugin. Each
 * generator mixes values that pass every check (so the fuzzer reaches the verbs and the service
 * call) with values that break one check, and plain garbage.
 */
import fc from 'fast-check'
import { COMMANDS } from './env.ts'
import { SUPPORTED_VERSIONS } from './versions.ts'

/** Text of any kind, NUL excluded (an environment variable cannot hold one). */
const text = (maxLength = 40) =>
  fc.oneof(fc.string({ maxLength }), fc.string({ unit: 'grapheme', maxLength }), fc.string({ unit: 'binary', maxLength })).map((s) => s.replaceAll('\0', ''))

const podArgs = fc
  .array(
    fc.oneof(
      fc
        .tuple(
          fc.constantFrom('K8S_POD_NAMESPACE', 'K8S_POD_NAME', 'K8S_POD_UID', 'IgnoreUnknown', 'K8S_POD_INFRA_CONTAINER_ID'),
          fc.oneof(fc.constantFrom('team-a', 'web-0', 'uid-1', '1', ''), text(12)),
        )
        .map(([k, v]) => `${k}=${v}`),
      text(12),
    ),
    { maxLength: 6 },
  )
  .map((segments) => segments.join(';'))

const complete = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=team-a;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=c0ffee;K8S_POD_UID=uid-1'

/** Mostly a valid value, sometimes one that breaks a rule. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, broken: fc.Arbitrary<U>, weight = 12) => fc.oneof({ weight, arbitrary: valid }, { weight: 1, arbitrary: broken })

const VARIABLES = ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH', 'CNI_ARGS'] as const

/**
 * CNI_* variables: a valid set, then up to two of them removed or replaced by anything, so that
 * most runs get past the environment and every variable is broken now and then.
 */
export const envArb = fc
  .tuple(
    fc.record({
      CNI_COMMAND: mostly(fc.constantFrom(...COMMANDS), fc.oneof(fc.constantFrom('add', 'UPDATE', ''), text(10)), 12),
      CNI_CONTAINERID: mostly(fc.stringMatching(/^[a-f0-9]{1,64}$/), text(70)),
      CNI_NETNS: mostly(fc.constant('/var/run/netns/cni-1'), text()),
      CNI_IFNAME: mostly(fc.constantFrom('eth0', 'net1', 'abcdefghijklmno'), text(20)),
      CNI_PATH: mostly(fc.constant('/opt/cni/bin'), text()),
      CNI_ARGS: mostly(fc.constant(complete), fc.oneof(podArgs, text(80)), 3),
    }),
    fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom(...VARIABLES), fc.option(text(20), { nil: undefined })), { minLength: 1, maxLength: 2 }) },
    ),
  )
  .map(([env, changes]) => {
    const changed: Record<string, string | undefined> = { ...env }
    for (const [name, value] of changes) {
      if (value === undefined) delete changed[name]
      else changed[name] = value
    }
    return changed
  })

/** Any JSON value, deep and wide enough to reach every branch of a schema. */
const anyJson = fc.jsonValue({ maxDepth: 3 })

const poolNames = mostly(fc.array(fc.constantFrom('pool-a', 'pool-*', 'pool-b'), { maxLength: 3 }), fc.oneof(fc.constant(['']), anyJson))

/** timeout_seconds as a config may spell it: sane, zero, negative, tiny, beyond any timer, or not a number. */
export const timeoutArb = fc.oneof(
  { weight: 3, arbitrary: fc.double({ min: 0.05, max: 0.5, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1e-9, 2147483.647, 2147484, 1e10, 1e308) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: anyJson },
)

const ipamArb = (logFile: fc.Arbitrary<unknown>, timeout: fc.Arbitrary<unknown>) =>
  fc.record(
    {
      type: mostly(fc.constantFrom('spiderpool', 'spinneret'), anyJson),
      default_ipv4_ippool: poolNames,
      default_ipv6_ippool: poolNames,
      clean_gateway: mostly(fc.boolean(), anyJson),
      ipam_unix_socket_path: mostly(fc.constant(''), anyJson),
      log_level: mostly(fc.constantFrom('debug', 'INFO', 'Warn', 'error', 'fatal', 'panic', ''), fc.oneof(fc.constant('verbose'), anyJson)),
      log_file_path: logFile,
      log_file_max_size: anyJson,
      timeout_seconds: timeout,
    },
    { requiredKeys: [] },
  )

const ipArb = mostly(fc.oneof(fc.ipV4(), fc.ipV6()), text(20), 4)
const cidrArb = mostly(
  fc.oneof(
    fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, p]) => `${ip}/${p}`),
    fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([ip, p]) => `${ip}/${p}`),
  ),
  fc.oneof(
    fc.tuple(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: -1, max: 1000 })).map(([ip, p]) => `${ip}/${p}`),
    ipArb,
    text(20),
  ),
  4,
)

const prevResultArb = mostly(
  fc.record(
    {
      cniVersion: fc.constantFrom(...SUPPORTED_VERSIONS),
      interfaces: mostly(fc.array(fc.record({ name: mostly(fc.constantFrom('eth0', 'net1'), anyJson) }), { maxLength: 3 }), anyJson),
      ips: mostly(
        fc.array(fc.record({ address: mostly(cidrArb, anyJson), interface: mostly(fc.nat(4), anyJson) }, { requiredKeys: ['address'] }), { maxLength: 3 }),
        anyJson,
      ),
    },
    { requiredKeys: [] },
  ),
  anyJson,
)

const attachmentsArb = mostly(
  fc.array(
    fc.record(
      { containerID: mostly(fc.constantFrom('c0ffee', 'dead'), anyJson), ifname: mostly(fc.constantFrom('eth0', 'net1'), anyJson) },
      { requiredKeys: [] },
    ),
    { maxLength: 3 },
  ),
  anyJson,
)

export interface ConfOptions {
  /** What `ipam.log_file_path` may be: the real binary must only write where the test says. */
  logFile?: fc.Arbitrary<unknown>
  timeout?: fc.Arbitrary<unknown>
  /** Where the socket is: absent from the config means the default path. */
  socketPath?: string
}

/** A network config, built field by field, then serialized (sometimes with garbage around it). */
export const structuredConfArb = ({
  logFile = mostly(fc.constantFrom('', '/var/log/spidernet/spiderpool.log'), anyJson),
  timeout = timeoutArb,
  socketPath,
}: ConfOptions = {}) =>
  fc
    .record(
      {
        cniVersion: mostly(
          fc.oneof({ weight: 3, arbitrary: fc.constant('1.1.0') }, { weight: 4, arbitrary: fc.constantFrom(...SUPPORTED_VERSIONS) }),
          fc.oneof(fc.constantFrom('0.1.0', '0.2.0', '1.2.0', '1.0'), anyJson),
          8,
        ),
        name: mostly(fc.constantFrom('macvlan-underlay', 'net_1.a-b'), anyJson, 8),
        type: fc.constant('macvlan'),
        ipam: mostly(ipamArb(logFile, timeout), anyJson, 10),
        prevResult: fc.option(prevResultArb, { nil: undefined, freq: 10 }),
        'cni.dev/valid-attachments': fc.option(attachmentsArb, { nil: undefined, freq: 10 }),
        'cni.dev/attachments': fc.option(attachmentsArb, { nil: undefined, freq: 2 }),
      },
      { requiredKeys: ['cniVersion', 'name', 'type', 'ipam'] },
    )
    .map((conf) => {
      if (socketPath === undefined || typeof conf.ipam !== 'object' || conf.ipam === null || Array.isArray(conf.ipam)) return conf
      return { ...conf, ipam: { ...conf.ipam, ipam_unix_socket_path: socketPath } }
    })

export const stdinArb = (options: ConfOptions = {}) =>
  fc.oneof(
    { weight: 12, arbitrary: structuredConfArb(options).map((conf) => JSON.stringify(conf)) },
    { weight: 1, arbitrary: fc.tuple(structuredConfArb(options), text(5)).map(([conf, tail]) => `${JSON.stringify(conf)}${tail}`) },
    { weight: 1, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: text(200) },
  )

/** A config every verb accepts up to what it reads for itself: prevResult (CHECK), the attachments (GC). */
export const validCallConfArb = fc
  .record({ prevResult: prevResultArb, attachments: attachmentsArb, timeout: fc.option(fc.double({ min: 0.05, max: 5, noNaN: true }), { nil: undefined }) })
  .map(({ prevResult, attachments, timeout }) =>
    JSON.stringify({
      cniVersion: '1.1.0',
      name: 'macvlan-underlay',
      type: 'macvlan',
      ipam: { type: 'spiderpool', timeout_seconds: timeout },
      prevResult,
      'cni.dev/valid-attachments': attachments,
    }),
  )

const serviceIpArb = fc.record(
  {
    version: mostly(fc.constantFrom(4, 6), anyJson),
    address: mostly(cidrArb, anyJson),
    nic: mostly(fc.constantFrom('eth0', 'net1'), anyJson, 3),
    ipPool: mostly(fc.constant('pool-a'), anyJson),
    gateway: mostly(ipArb, anyJson),
    vlan: mostly(fc.nat(4094), anyJson),
  },
  { requiredKeys: ['version', 'address', 'nic'] },
)

/** What the IPAM service might answer: its own shapes, their near misses, and anything. */
export const serviceBodyArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant('') },
  fc
    .record(
      {
        ips: mostly(fc.array(serviceIpArb, { maxLength: 3 }), anyJson),
        routes: mostly(
          fc.array(
            fc.record(
              { ifName: mostly(fc.constant('eth0'), anyJson), dst: mostly(cidrArb, anyJson), gw: mostly(ipArb, anyJson) },
              { requiredKeys: ['ifName', 'dst'] },
            ),
            { maxLength: 3 },
          ),
          anyJson,
        ),
        dns: mostly(fc.record({ nameservers: fc.array(ipArb, { maxLength: 2 }), domain: text(10) }, { requiredKeys: [] }), anyJson),
      },
      { requiredKeys: ['ips'] },
    )
    .map((body) => JSON.stringify(body)),
  fc
    .record(
      {
        code: mostly(
          fc.constantFrom(
            'try-again',
            'invalid-request',
            'no-pool',
            'ip-used-out',
            'not-found',
            'pod-dead',
            'invalid-annotation',
            'invalid-resource',
            'toString',
            '__proto__',
            'constructor',
          ),
          anyJson,
        ),
        message: mostly(text(60), anyJson),
        details: mostly(text(60), anyJson),
      },
      { requiredKeys: ['code', 'message'] },
    )
    .map((body) => JSON.stringify(body)),
  anyJson.map((v) => JSON.stringify(v)),
  text(100),
)

export const serviceStatusArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(200) },
  { weight: 3, arbitrary: fc.constantFrom(201, 204, 400, 404, 409, 410, 429, 500, 502, 503) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 599 }) },
)

/** How the service behaves for one call. */
export type ServiceBehaviour = { kind: 'answer'; status: number; body: string } | { kind: 'unreachable' } | { kind: 'hang' } | { kind: 'drop' }

export const serviceBehaviourArb: fc.Arbitrary<ServiceBehaviour> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('answer' as const), status: serviceStatusArb, body: serviceBodyArb }) },
  { weight: 1, arbitrary: fc.constantFrom<ServiceBehaviour>({ kind: 'unreachable' }, { kind: 'hang' }, { kind: 'drop' }) },
)
