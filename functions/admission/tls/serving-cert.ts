import { readFileSync } from 'node:fs'
import { IpamError } from '../../../shared/errors.ts'
import { silentLogger, type Logger } from '../../../shared/log.ts'
import { retryOnConflict } from '../../../shared/store/retry-on-conflict.ts'
import type { WebhookStore } from '../../../shared/store/store.ts'
import type { SecretView } from '../../../shared/api/views.ts'
import { caUsable, issueCa, issueServingCert, needsRenewal, type ServingCertificates } from './certificates.ts'

export interface BootstrapOptions {
  namespace: string
  secretName: string
  /** DNS names and IP addresses the serving certificate must name. */
  hosts: readonly string[]
  log?: Logger
  now?: () => Date
}

// kubernetes.io/tls keys, plus the CA that signed them and its key, to sign the next one.
const toData = (c: ServingCertificates) => ({ 'tls.crt': c.cert, 'tls.key': c.key, 'ca.crt': c.caCert, 'ca.key': c.caKey })
const fromSecret = (secret: SecretView): ServingCertificates | undefined => {
  const { 'tls.crt': cert, 'tls.key': key, 'ca.crt': caCert, 'ca.key': caKey } = secret.data
  return cert && key && caCert && caKey ? { cert, key, caCert, caKey } : undefined
}

/**
 * The CA and serving certificate every replica serves with, kept in one Secret. The first replica
 * to find none creates it, by a create that fails when another replica's create came first (409);
 * it then reads and serves the winner's, so every replica agrees on one CA. Certificates that no
 * longer fit (expiring, a host missing) are replaced by an update conditional on the Secret's
 * resourceVersion, keeping the CA while it lasts so `caBundle` stays valid.
 */
export async function bootstrapServingCert(store: WebhookStore, options: BootstrapOptions): Promise<ServingCertificates> {
  const { namespace, secretName, hosts } = options
  const log = (options.log ?? silentLogger).child({ secret: `${namespace}/${secretName}` })
  const now = options.now ?? (() => new Date())
  return retryOnConflict(`store the webhook certificate in Secret ${namespace}/${secretName}`, async () => {
    const secret = await store.getSecret(namespace, secretName)
    const stored = secret && fromSecret(secret)
    const reason = stored ? await needsRenewal(stored, hosts, now()) : 'no certificate stored yet'
    if (stored && reason === undefined) return stored
    const ca = stored && caUsable(stored.caCert, now()) ? stored : await issueCa(now())
    const issued = await issueServingCert(ca, hosts, now())
    const written = secret
      ? await store.replaceSecret({ ...secret, type: 'kubernetes.io/tls', data: toData(issued) })
      : await store.createSecret({ namespace, name: secretName, type: 'kubernetes.io/tls', data: toData(issued) })
    log.info('webhook serving certificate issued', { reason, hosts, newCA: ca !== stored })
    return fromSecret(written) ?? issued
  })
}

/** A certificate the user brings (e.g. from cert-manager), read from files; `caFile` is optional. */
export function certificatesFromFiles(files: { certFile: string; keyFile: string; caFile?: string }): { cert: string; key: string; caCert?: string } {
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path, 'utf8')
    } catch (e) {
      throw new IpamError('invalid-request', `cannot read the webhook ${what} file ${path}: ${(e as Error).message}`)
    }
  }
  return {
    cert: read('certificate', files.certFile),
    key: read('key', files.keyFile),
    ...(files.caFile ? { caCert: read('CA', files.caFile) } : {}),
  }
}
