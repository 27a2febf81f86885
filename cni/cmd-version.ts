import { LATEST_VERSION, SUPPORTED_VERSIONS } from './versions.ts'

/** VERSION reads no config: the runtime asks it before knowing which version to write. */
export const versionJson = (): string => JSON.stringify({ cniVersion: LATEST_VERSION, supportedVersions: SUPPORTED_VERSIONS })
