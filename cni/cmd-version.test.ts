import { describe, expect, it } from 'vitest'
import { run } from './fake-service.testkit.ts'

const EXPECTED = '{"cniVersion":"1.1.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}\n'

describe('VERSION', () => {
  it('prints the supported versions, exactly', async () => {
    const out = await run({ CNI_COMMAND: 'VERSION' }, '')
    expect(out).toMatchObject({ exitCode: 0, stdout: EXPECTED, logLines: [] })
    expect(out.calls).toHaveLength(0)
  })

  it('ignores stdin and every other variable, whatever they hold', async () => {
    const out = await run({ CNI_COMMAND: 'VERSION', CNI_IFNAME: 'bad/name', CNI_ARGS: 'garbage' }, '{"cniVersion":"9.9.9"')
    expect(out.stdout).toBe(EXPECTED)
  })
})
