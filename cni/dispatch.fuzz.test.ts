// The plugin's input surface in process: any environment, any stdin, any answer of the service.
// Whatever comes in, dispatch answers a CNI result or a CNI error (a code, a message) with exit
// code 1, never an internal error, and in no more time than its timeout gives the service.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FUZZ_TIMEOUT_MS, fuzz } from '../test/support/fuzz.ts'
import { expectCniOutput } from './cni-output.testkit.ts'
import { dispatch } from './dispatch.ts'
import { envFor } from './fake-service.testkit.ts'
import { envArb, serviceBehaviourArb, stdinArb, validCallConfArb, type ServiceBehaviour } from './fuzz-arbitraries.testkit.ts'
import { TransportError, type Connect, type TransportRequest } from './transport.ts'

/** The longest deadline a timer can hold (setTimeout and AbortSignal.timeout take int32 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1

/** A service behind the Transport seam that does what `behaviour` says, for every call. */
const serviceDoing =
  (behaviour: ServiceBehaviour, calls: TransportRequest[]): Connect =>
  () => ({
    request: async (req) => {
      calls.push(req)
      switch (behaviour.kind) {
        case 'answer':
          return { status: behaviour.status, body: behaviour.body }
        case 'unreachable':
          throw new TransportError('unreachable', 'ENOENT /var/run/spidernet/spiderpool.sock')
        case 'hang':
          // What a real transport does once the deadline passes.
          throw new TransportError('timeout', `no complete answer within ${req.timeoutMs} ms`)
        case 'drop':
          throw new TransportError('unreachable', 'connection closed before the answer was complete')
      }
    },
  })

describe('fuzzing the plugin in process (cni/dispatch.ts)', () => {
  it(
    'answers every environment, stdin and service answer with a result or a CNI error',
    async () => {
      const run = await fuzz(
        'cni dispatch',
        fc.asyncProperty(envArb, stdinArb(), serviceBehaviourArb, async (env, stdin, behaviour) => {
          const calls: TransportRequest[] = []
          const started = performance.now()
          const out = await dispatch({ env, stdin }, { connect: serviceDoing(behaviour, calls), now: () => new Date(0) })
          expect(performance.now() - started).toBeLessThan(1000)
          expectCniOutput(env.CNI_COMMAND, out)
          // A deadline a timer cannot hold fires at once (Node) or throws (Bun): every call's must fit.
          for (const call of calls) {
            expect(call.timeoutMs).toBeGreaterThan(0)
            expect(call.timeoutMs).toBeLessThanOrEqual(MAX_TIMER_MS)
          }
          // Success rests on the service's word, except where no call is needed.
          if (out.exitCode === 0 && env.CNI_COMMAND === 'ADD') expect(behaviour.kind).toBe('answer')
        }),
        { ci: 2000, big: 50_000 },
      )
      expect(run.cases).toBeGreaterThan(0)
    },
    FUZZ_TIMEOUT_MS,
  )

  it(
    'turns every answer of the service into a result or a CNI error, for a valid call of each verb',
    async () => {
      const run = await fuzz(
        'cni dispatch, service answers',
        fc.asyncProperty(fc.constantFrom('ADD', 'DEL', 'CHECK', 'GC', 'STATUS'), validCallConfArb, serviceBehaviourArb, async (command, stdin, behaviour) => {
          const calls: TransportRequest[] = []
          const env = envFor(command)
          const out = await dispatch({ env, stdin }, { connect: serviceDoing(behaviour, calls), now: () => new Date(0) })
          expectCniOutput(command, out)
          if (out.exitCode === 0 && command !== 'DEL') expect(behaviour.kind).toBe('answer')
        }),
        { ci: 2000, big: 50_000 },
      )
      expect(run.cases).toBeGreaterThan(0)
    },
    FUZZ_TIMEOUT_MS,
  )
})
