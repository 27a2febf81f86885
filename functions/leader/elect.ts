import { silentLogger, type Logger } from '../../shared/log.ts'
import { isStoreConflict, type LeaseStore, type WatchSource } from '../../shared/store/store.ts'
import type { LeaseView } from '../../shared/api/views.ts'

export interface ElectionOptions {
  store: LeaseStore
  /** A source whose `Lease` watch follows exactly this lease (kube-watch's `lease` option). */
  source: Pick<WatchSource, 'watch'>
  namespace: string
  name: string
  /** Unique per process: a restarted process is a new candidate. */
  identity: string
  /** How long a lease not renewed stays the holder's. */
  leaseSeconds?: number
  /** How often the leader renews; a third of the lease by default (two renewals may fail). */
  renewSeconds?: number
  onStartedLeading: () => void
  onStoppedLeading: () => void
  log?: Logger
  /** Monotonic milliseconds: expiry is judged on this process's clock, never the holder's. */
  now?: () => number
  random?: () => number
}

export interface Election {
  start(): void
  /** Stops; a leader gives the lease up (holder ''), so that another replica takes it at once. */
  stop(): Promise<void>
  isLeader(): boolean
}

/**
 * Leader election on a coordination.k8s.io Lease, after client-go's leaderelection: the holder
 * renews it every `renewSeconds`; a candidate takes it over when it has seen the same holder and
 * renewTime for longer than `leaseSeconds` (measured on its own clock), or when the lease is free.
 * Every change is a write conditional on the resourceVersion read, so two candidates never both
 * win. A leader that cannot renew within two thirds of the lease steps down before anyone may
 * take over.
 *
 * Candidates do not poll: they follow the lease through a watch (served from the API server's
 * watch cache) and try only when it expires or is given up. At 5,000 nodes that is one write
 * every `renewSeconds` (the leader's) and one watch event per replica per renewal; a poll every
 * two seconds, client-go's default, would be 2,500 reads a second.
 */
export function createElection(options: ElectionOptions): Election {
  const log = (options.log ?? silentLogger).child({ function: 'leader-election', lease: `${options.namespace}/${options.name}`, identity: options.identity })
  const now = options.now ?? (() => performance.now())
  const random = options.random ?? Math.random
  const leaseMs = (options.leaseSeconds ?? 15) * 1000
  const renewMs = (options.renewSeconds ?? (options.leaseSeconds ?? 15) / 3) * 1000
  const deadlineMs = (leaseMs * 2) / 3
  let leading = false
  let stopped = true
  let lastRenewed = 0
  /** The lease last seen, and when (on our clock) its holder or renewTime last changed. */
  let observed: { lease: LeaseView | undefined; at: number } = { lease: undefined, at: 0 }
  let timer: ReturnType<typeof setTimeout> | undefined
  let unwatch = () => {}
  let attempt: Promise<void> | undefined

  const observe = (lease: LeaseView | undefined) => {
    const before = observed.lease
    const changed = before?.holderIdentity !== lease?.holderIdentity || before?.renewTime !== lease?.renewTime
    observed = { lease, at: changed ? now() : observed.at }
  }
  const expiresIn = (): number => {
    const lease = observed.lease
    if (!lease || lease.holderIdentity === '') return 0
    return observed.at + (lease.leaseDurationSeconds * 1000 || leaseMs) - now()
  }
  const schedule = (ms: number) => {
    clearTimeout(timer)
    if (stopped) return
    timer = setTimeout(() => void tryOnce(), Math.max(0, ms))
  }
  const becomeLeader = () => {
    if (leading) return
    leading = true
    log.info('became the leader: running the cluster-wide duties')
    options.onStartedLeading()
  }
  const stepDown = (why: string) => {
    if (!leading) return
    leading = false
    log.info('stopped leading', { why })
    options.onStoppedLeading()
  }
  const stamp = () => new Date().toISOString().replace('Z', '000Z') // MicroTime
  const leaseSeconds = Math.round(leaseMs / 1000)

  // One read-decide-write: acquire, renew or stay a candidate.
  const acquireOrRenew = async (): Promise<void> => {
    const current = await options.store.getLease(options.namespace, options.name)
    observe(current)
    if (!current) {
      const created = await options.store.createLease({
        namespace: options.namespace,
        name: options.name,
        holderIdentity: options.identity,
        leaseDurationSeconds: leaseSeconds,
        acquireTime: stamp(),
        renewTime: stamp(),
        leaseTransitions: 0,
      })
      observe(created)
      lastRenewed = now()
      becomeLeader()
      return
    }
    const mine = current.holderIdentity === options.identity
    if (!mine && expiresIn() > 0) {
      stepDown(`${current.holderIdentity} holds the lease`)
      return
    }
    const written = await options.store.replaceLease({
      ...current,
      holderIdentity: options.identity,
      leaseDurationSeconds: leaseSeconds,
      renewTime: stamp(),
      ...(mine ? {} : { acquireTime: stamp(), leaseTransitions: current.leaseTransitions + 1 }),
    })
    observe(written)
    lastRenewed = now()
    if (!mine) log.info('took the lease over', { from: current.holderIdentity || '(free)' })
    becomeLeader()
  }

  const tryOnce = (): Promise<void> =>
    (attempt ??= acquireOrRenew()
      .catch((error: unknown) => {
        // A conflict: someone else wrote first; the watch shows who. Anything else: the API server.
        if (!isStoreConflict(error)) log.warn('could not read or write the lease', { error })
      })
      .finally(() => {
        attempt = undefined
        if (stopped) return
        if (leading && now() - lastRenewed > deadlineMs) stepDown(`could not renew the lease for ${Math.round((now() - lastRenewed) / 1000)} s`)
        // A leader renews; a candidate waits for the lease to expire (and the watch may wake it sooner).
        schedule(leading ? renewMs : Math.max(expiresIn(), 0) + jitter())
      }))
  // Candidates that see the same expiry spread their tries, so most see the winner's write
  // (through the watch) before they try: not every replica writes when a leader goes.
  const jitter = () => random() * Math.min(2000, renewMs)

  return {
    start: () => {
      stopped = false
      unwatch = options.source.watch('Lease', (type, lease) => {
        if (lease.name !== options.name) return
        observe(type === 'DELETED' ? undefined : lease)
        if (leading) {
          if (type !== 'DELETED' && lease.holderIdentity !== options.identity) stepDown(`${lease.holderIdentity || 'nobody'} holds the lease now`)
          return
        }
        schedule(Math.max(expiresIn(), 0) + jitter())
      })
      void tryOnce()
    },
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      unwatch()
      await attempt
      if (!leading) return
      const lease = observed.lease
      stepDown('stopping')
      if (lease?.holderIdentity !== options.identity) return
      try {
        // Given up: the others take it at once instead of waiting for it to expire.
        await options.store.replaceLease({ ...lease, holderIdentity: '', leaseDurationSeconds: 1, renewTime: stamp() })
        log.info('gave the lease up')
      } catch (error) {
        log.warn('could not give the lease up; it expires by itself', { error })
      }
    },
    isLeader: () => leading,
  }
}
