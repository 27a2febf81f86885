import { Buffer } from 'node:buffer'
import { readSync, writeSync } from 'node:fs'
import process from 'node:process'

/**
 * stdin, stdout and stderr through their file descriptors, not process.stdin/stdout/stderr: those
 * are node streams, and creating one costs the compiled plugin (Bun) about 8 ms of CPU, as much as
 * the rest of a VERSION call. Whatever the sync calls cannot do (a non-blocking descriptor answers
 * EAGAIN, a closed one EPIPE...) goes through the stream, as before. Runs on Node, Deno and Bun.
 */

/** Reads stdin to its end. A pipe has no offset: the stream goes on where the sync reads stopped. */
export const readStdin = async (): Promise<string> => {
  const chunks: Uint8Array[] = []
  const buffer = Buffer.allocUnsafe(64 * 1024)
  try {
    for (;;) {
      const n = readSync(0, buffer, 0, buffer.length, null)
      if (n === 0) return new TextDecoder().decode(Buffer.concat(chunks))
      chunks.push(Buffer.from(buffer.subarray(0, n)))
    }
  } catch {
    for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array)
    return new TextDecoder().decode(Buffer.concat(chunks))
  }
}

/** Writes all of `text` to stdout (1) or stderr (2); resolves once written, so the caller may exit. */
export const writeFd = (fd: 1 | 2, text: string): Promise<void> => {
  const bytes = Buffer.from(text, 'utf8')
  let written = 0
  try {
    while (written < bytes.length) written += writeSync(fd, bytes, written)
    return Promise.resolve()
  } catch {
    const stream = fd === 1 ? process.stdout : process.stderr
    return new Promise((resolve) => stream.write(bytes.subarray(written), () => resolve()))
  }
}
