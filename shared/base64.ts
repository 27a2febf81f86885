/**
 * Base64 of UTF-8 text and back, with the web-standard atob/btoa (which work on bytes written as
 * Latin-1 text), so the same code runs on Node and Deno: Secret data, webhook caBundles, patches.
 */
export const toBase64 = (text: string): string => {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

export const fromBase64 = (b64: string): string => new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)))
