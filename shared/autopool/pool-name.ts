import type { IpFamily } from '../ip/index.ts'

// A SpiderIPPool name is a DNS-1123 subdomain: at most 253 characters.
const MAX_NAME = 253
const SUFFIX = 5

/**
 * The name of an application's auto pool, as Spiderpool makes it (AutoPoolName):
 * `auto{4|6}-{app}-{nic}-{suffix}`, lowercased, where the suffix is the first 5 characters of the
 * last group of the application's UID. A name too long for the pool is shortened by cutting the
 * application's name, so the NIC and the suffix always stay.
 *
 * @example autoPoolName('web', 4, 'eth0', '30f7c69c-3c8e-4dbc-b22b-6b707f3114b8') // 'auto4-web-eth0-6b707'
 */
export function autoPoolName(appName: string, family: IpFamily, nic: string, appUid: string): string {
  const suffix = (appUid.split('-').at(-1) ?? '').slice(0, SUFFIX)
  // "auto4" and three dashes. (Spiderpool counts two and can make a name of 254 characters,
  // which the API server refuses.)
  const room = MAX_NAME - suffix.length - 8
  const app = appName.length + nic.length > room ? appName.slice(0, Math.max(0, room - nic.length)) : appName
  return `auto${family}-${app}-${nic}-${suffix}`.toLowerCase()
}
