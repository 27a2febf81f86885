// @peculiar/x509 looks its ASN.1 classes up through tsyringe, which needs the Reflect metadata
// API: loaded first, before the library.
import type { webcrypto } from 'node:crypto'
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { tryParseIp } from '../../../shared/ip/index.ts'

/** PEM text of a CA and of a serving certificate it signed, with their private keys (PKCS#8). */
export interface ServingCertificates {
  caCert: string
  caKey: string
  cert: string
  key: string
}

// ECDSA P-256: every Kubernetes API server and both runtimes' Web Crypto speak it, and its keys
// are made in a millisecond where RSA 2048 takes a hundred.
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
const DAY_MS = 24 * 3600 * 1000
/** Long-lived: the service renews them itself (see needsRenewal), and nobody has to rotate by hand. */
const CA_LIFETIME_MS = 10 * 365 * DAY_MS
const CERT_LIFETIME_MS = 2 * 365 * DAY_MS
/** Renewed when less than this is left, at a start or a periodic check. */
export const RENEW_BEFORE_MS = 30 * DAY_MS

const pemKey = async (key: webcrypto.CryptoKey) => x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY')
const newKeys = () => crypto.subtle.generateKey(EC, true, ['sign', 'verify'])

const sameHost = (a: string, b: string): boolean => {
  const x = tryParseIp(a)
  const y = tryParseIp(b)
  return x && y ? x.family === y.family && x.value === y.value : a.toLowerCase() === b.toLowerCase()
}

/** A CA for the webhook's serving certificates. */
export async function issueCa(now = new Date()): Promise<Pick<ServingCertificates, 'caCert' | 'caKey'>> {
  const keys = await newKeys()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=spinneret-webhook-ca',
    notBefore: new Date(now.getTime() - 5 * 60_000), // clocks of API server and service may differ
    notAfter: new Date(now.getTime() + CA_LIFETIME_MS),
    signingAlgorithm: EC,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  return { caCert: cert.toString('pem'), caKey: await pemKey(keys.privateKey) }
}

/** A serving certificate for `hosts` (DNS names and IP addresses), signed by the CA. */
export async function issueServingCert(
  ca: Pick<ServingCertificates, 'caCert' | 'caKey'>,
  hosts: readonly string[],
  now = new Date(),
): Promise<ServingCertificates> {
  const caCert = new x509.X509Certificate(ca.caCert)
  const signingKey = await crypto.subtle.importKey('pkcs8', x509.PemConverter.decode(ca.caKey)[0] as ArrayBuffer, EC, false, ['sign'])
  const keys = await newKeys()
  const notAfter = Math.min(now.getTime() + CERT_LIFETIME_MS, caCert.notAfter.getTime())
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${hosts.find((h) => tryParseIp(h) === undefined) ?? 'spinneret-webhook'}`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - 5 * 60_000),
    notAfter: new Date(notAfter),
    signingAlgorithm: EC,
    publicKey: keys.publicKey,
    signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(hosts.map((value) => ({ type: tryParseIp(value) ? ('ip' as const) : ('dns' as const), value }))),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  })
  return { ...ca, cert: cert.toString('pem'), key: await pemKey(keys.privateKey) }
}

/**
 * Why stored certificates cannot serve `hosts` any more (the CA or the certificate expires within
 * RENEW_BEFORE_MS, a host is missing from the names, the certificate is not the CA's), or
 * undefined when they can.
 */
export async function needsRenewal(stored: ServingCertificates, hosts: readonly string[], now = new Date()): Promise<string | undefined> {
  let ca: x509.X509Certificate
  let cert: x509.X509Certificate
  try {
    ca = new x509.X509Certificate(stored.caCert)
    cert = new x509.X509Certificate(stored.cert)
  } catch (e) {
    return `the stored certificates do not parse: ${(e as Error).message}`
  }
  const soon = now.getTime() + RENEW_BEFORE_MS
  if (ca.notAfter.getTime() < soon) return `the CA expires on ${ca.notAfter.toISOString()}`
  if (cert.notAfter.getTime() < soon) return `the certificate expires on ${cert.notAfter.toISOString()}`
  if (!(await cert.verify({ publicKey: ca, signatureOnly: true }))) return 'the certificate was not signed by the stored CA'
  const names = (cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? []).map((n) => n.value)
  const missing = hosts.filter((host) => !names.some((name) => sameHost(name, host)))
  return missing.length > 0 ? `the certificate does not name ${missing.join(', ')}` : undefined
}

/** Whether the CA itself can sign a renewed certificate (else a new CA is made too). */
export const caUsable = (caCert: string, now = new Date()): boolean => {
  try {
    return new x509.X509Certificate(caCert).notAfter.getTime() >= now.getTime() + RENEW_BEFORE_MS
  } catch {
    return false
  }
}
