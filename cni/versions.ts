/** The CNI spec versions this plugin speaks, oldest first, and the comparisons the verbs need. */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const

export type CniVersion = (typeof SUPPORTED_VERSIONS)[number]

export const LATEST_VERSION: CniVersion = '1.1.0'

export const isSupportedVersion = (v: unknown): v is CniVersion => typeof v === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(v)

/** Supported versions are a closed list, so their order in it is their semver order. */
export const atLeast = (v: CniVersion, min: CniVersion): boolean => SUPPORTED_VERSIONS.indexOf(v) >= SUPPORTED_VERSIONS.indexOf(min)

/** Before 1.0.0 every IP in a result says which family it is ("version": "4" | "6"). */
export const ipsCarryVersion = (v: CniVersion): boolean => !atLeast(v, '1.0.0')
