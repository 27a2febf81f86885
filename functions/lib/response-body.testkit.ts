import type { IpamResponse } from '../../shared/api/ipam/ipam-answer.ts'

type Ip = IpamResponse['ips'][number]

/**
 * The JSON of an IPAM API response, as a test reads it: an answer or a refusal. Response.json()
 * is `unknown` in Node's types; tests read `ips[0]` of answers they expect to hold one.
 */
export interface ResponseBody {
  ips: [Ip, ...Ip[]]
  routes: IpamResponse['routes']
  code: string
  message: string
}

export const bodyOf = async (response: Response): Promise<ResponseBody> => (await response.json()) as ResponseBody
