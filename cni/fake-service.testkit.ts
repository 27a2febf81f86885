import { dispatch, type DispatchOutput } from './dispatch.ts'
import type { Env } from './env.ts'
import type { Connect, TransportRequest, TransportResponse } from './transport.ts'

export interface RecordedCall extends TransportRequest {
  readonly socketPath: string
}

export type Handler = (req: TransportRequest) => TransportResponse | Promise<TransportResponse>

/** A stand-in for the IPAM service behind the Transport seam: answers with `handler`, records calls. */
export const fakeService = (handler: Handler): { connect: Connect; calls: RecordedCall[] } => {
  const calls: RecordedCall[] = []
  const connect: Connect = (socketPath) => ({
    request: async (req) => {
      calls.push({ ...req, socketPath })
      return handler(req)
    },
  })
  return { connect, calls }
}

export const answer = (status: number, body: unknown): TransportResponse => ({
  status,
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

export const refusal = (status: number, code: string, message: string, details?: string): TransportResponse =>
  answer(status, { code, message, ...(details ? { details } : {}) })

export const POD_ARGS = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=team-a;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=c0ffee;K8S_POD_UID=uid-1'

export const envFor = (command: string, overrides: Env = {}): Env => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: 'c0ffee',
  CNI_NETNS: '/var/run/netns/cni-1',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: POD_ARGS,
  ...overrides,
})

export const confFor = (cniVersion = '1.0.0', ipam: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    cniVersion,
    name: 'macvlan-underlay',
    type: 'macvlan',
    master: 'ens192',
    ipam: { type: 'spiderpool', ...ipam },
    ...extra,
  })

export const run = (env: Env, stdin: string, handler: Handler = () => answer(200, {})): Promise<DispatchOutput & { calls: RecordedCall[] }> => {
  const service = fakeService(handler)
  return dispatch({ env, stdin }, { connect: service.connect, now: () => new Date(0) }).then((out) => ({
    ...out,
    calls: service.calls,
  }))
}

/** The CNI error object of a failed run. */
export const errorOf = (out: DispatchOutput): { cniVersion: string; code: number; msg: string; details?: string } => JSON.parse(out.stdout)
