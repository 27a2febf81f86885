// `npm run spiderpool-plugin:build`: CI builds Spiderpool's plugin before `npm test`, so its cold
// build stays out of the test timeouts (the test builds it too when it is missing).
import { ensureSpiderpoolPlugin } from './build.ts'

try {
  const { path, built } = await ensureSpiderpoolPlugin()
  console.log(built ? `Spiderpool plugin built: ${path}` : `Spiderpool plugin up to date: ${path}`)
} catch (e) {
  console.error(`[spiderpool-plugin] ${e instanceof Error ? e.message : String(e)}`)
  process.exitCode = 1
}
