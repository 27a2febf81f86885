import { IpamError } from '../errors.ts'

/** For table tests: what an IpamError said, or a failure when nothing (or something else) was thrown. */
export const refusal = (f: () => unknown): { code: string; message: string } => {
  try {
    f()
  } catch (e) {
    if (e instanceof IpamError) return { code: e.code, message: e.message }
    throw e
  }
  throw new Error('expected an IpamError, but nothing was thrown')
}
