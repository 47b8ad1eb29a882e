// Concurrency next to the algorithms: 12 jobs of 300 ms arrive at once, at most 3 run at a time,
// each holding a lease from its start until it releases it, on a simulated clock.
import { concurrency, createRateLimiter, fixedWindow } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { SIMULATION_START_MS } from './simulation.ts'
import type { Style } from './terminalReport.ts'

/** When each job started (ms after the first arrival) and how many slots were free after it took one. */
export interface JobStart {
  readonly job: string
  readonly atMs: number
  readonly free: number
}

const JOBS = 12
const JOB_MS = 300
const STEP_MS = 100

/**
 * Runs `JOBS` jobs through `concurrency({ limit: 3, leaseMs: '5s' })` beside a rate limit: a job
 * starts when `limit()` admits it, and releases its lease when it ends; the others try again on the
 * next step. No lease expires here (each is released long before its 5 s).
 * @example const starts = await simulateConcurrency() // three jobs start at 0, 300, 600 and 900 ms
 */
export async function simulateConcurrency(): Promise<JobStart[]> {
  let now = SIMULATION_START_MS
  const limiter = createRateLimiter({
    store: memoryStore({ maxKeys: 100 }),
    algorithm: [concurrency({ limit: 3, leaseMs: '5s' }), fixedWindow({ limit: 100, window: '1m' })],
    clock: () => now,
  })
  const waiting = Array.from({ length: JOBS }, (_, i) => `job ${i + 1}`)
  let running: { end: number; release: () => Promise<boolean> }[] = []
  const starts: JobStart[] = []
  for (let t = 0; waiting.length > 0 || running.length > 0; t += STEP_MS) {
    now = SIMULATION_START_MS + t
    for (const job of running.filter((r) => r.end <= t)) await job.release()
    running = running.filter((r) => r.end > t)
    while (waiting.length > 0) {
      const decision = await limiter.limit('tenant')
      if (!decision.allowed) break
      running.push({ end: t + JOB_MS, release: () => limiter.release(decision) })
      starts.push({ job: waiting.shift() as string, atMs: t, free: decision.remaining })
    }
  }
  return starts
}

/** The section printed after the penalties. */
export function renderConcurrency(starts: readonly JobStart[], style: Style): string {
  const byTime = new Map<number, string[]>()
  for (const s of starts) byTime.set(s.atMs, [...(byTime.get(s.atMs) ?? []), s.job])
  return [
    style.bold(
      `━━ Concurrency: ${JOBS} jobs of ${JOB_MS} ms arrive at once; concurrency({ limit: 3, leaseMs: '5s' })`,
    ),
    style.dim(
      '   each job holds a lease while it runs and releases it when done; a crashed job would free its slot after leaseMs',
    ),
    ...[...byTime].map(([at, jobs]) => `  t=${String(at).padStart(4)} ms  ${jobs.join(', ')} start`),
  ].join('\n')
}
