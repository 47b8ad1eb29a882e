import type { TrafficPattern } from '../trafficPatterns.ts'
import { patternStarts } from './schedule.ts'
import { type AdmittedBody, routeOf } from './server.ts'

/** The rate-limit headers of one response, as received. */
interface RateLimitHeaders {
  readonly policy: string | null
  readonly rateLimit: string | null
  readonly retryAfter: string | null
}

/** One real request: when it was meant to go, when it went, and what came back. */
export interface HttpOutcome {
  readonly patternId: string
  readonly label: string
  /** The pattern's arrival time, from the pattern's start. */
  readonly plannedMs: number
  /** When fetch was called, from the pattern's start. */
  readonly sentMs: number
  /** From fetch to the response headers: includes any shaping hold. */
  readonly latencyMs: number
  /** 0 when the request failed without a response. */
  readonly status: number
  /** The middleware's hold as the server reported it (admitted requests only). */
  readonly delayMs: number
  readonly headers: RateLimitHeaders
  /** Why a request got no response (status 0). */
  readonly error?: string
}

/** Live counts of one pattern across all algorithms. */
export interface PatternProgress {
  readonly pattern: TrafficPattern
  /** When the pattern starts, from the run's start. */
  readonly startMs: number
  readonly total: number
  sent: number
  ok: number
  limited: number
  failed: number
  /** From the run's start, when the last response came in (set once every request is answered). */
  doneAtMs: number | undefined
}

export interface DriveOptions {
  readonly baseUrl: string
  readonly patterns: readonly TrafficPattern[]
  readonly labels: readonly string[]
  /** Patterns start on multiples of this in wall-clock (epoch) time: window boundaries. */
  readonly windowMs: number
  /** Called once the start is fixed, before the first request. */
  readonly onStart?: (startEpochMs: number) => void
  readonly onProgress?: ((progress: readonly PatternProgress[]) => void) | undefined
}

export interface DriveResult {
  /** Epoch milliseconds of the run's start: a window boundary, as is every pattern's start. */
  readonly startEpochMs: number
  readonly outcomes: readonly HttpOutcome[]
  readonly progress: readonly PatternProgress[]
}

/** Time to set up every timer before the first request is due. */
const LEAD_MS = 50

/**
 * Sends each pattern to every algorithm's route with real `fetch` requests, the patterns one
 * after another (see `patternStarts`). The run starts at the next multiple of `windowMs` of
 * `Date.now()`: the limiters read `Date.now()`, and fixed and sliding windows turn at multiples
 * of their length since the epoch. Each request goes out at its arrival time, by a timer on the
 * monotonic clock; requests due at the same time go out together, algorithm by algorithm.
 */
export async function drive(options: DriveOptions): Promise<DriveResult> {
  const { baseUrl, patterns, labels, windowMs, onStart, onProgress } = options
  await warmUp(baseUrl, labels)
  const starts = patternStarts(patterns, windowMs)
  const startEpochMs = Math.ceil((Date.now() + LEAD_MS) / windowMs) * windowMs
  onStart?.(startEpochMs)
  const startPerf = performance.now() + (startEpochMs - Date.now())
  const since = () => performance.now() - startPerf
  const progress: PatternProgress[] = patterns.map((pattern, i) => ({
    pattern,
    startMs: starts[i] as number,
    total: pattern.arrivalsMs.length * labels.length,
    sent: 0,
    ok: 0,
    limited: 0,
    failed: 0,
    doneAtMs: undefined,
  }))
  const outcomes: HttpOutcome[] = []

  const send = async (p: PatternProgress, label: string, plannedMs: number): Promise<void> => {
    const sentMs = since() - p.startMs
    p.sent++
    const outcome = await request(`${baseUrl}${routeOf(label, p.pattern.id)}`)
    outcomes.push({ patternId: p.pattern.id, label, plannedMs, sentMs, ...outcome })
    if (outcome.status === 200) p.ok++
    else if (outcome.status === 429) p.limited++
    else p.failed++
    if (p.ok + p.limited + p.failed === p.total) p.doneAtMs = since()
    onProgress?.(progress)
  }

  const pending: Promise<void>[] = []
  for (const p of progress) {
    for (const [plannedMs, count] of countsByTime(p.pattern.arrivalsMs)) {
      const due = () => {
        const sends: Promise<void>[] = []
        for (let k = 0; k < count; k++) for (const label of labels) sends.push(send(p, label, plannedMs))
        onProgress?.(progress)
        return Promise.all(sends)
      }
      pending.push(
        new Promise<void>((resolve) => {
          setTimeout(() => due().then(() => resolve()), Math.max(0, p.startMs + plannedMs - since()))
        }),
      )
    }
  }
  await Promise.all(pending)
  return { startEpochMs, outcomes, progress }
}

/**
 * Two requests through every route on keys of their own before the run, so that the first
 * pattern does not pay for compiling the code paths of the server, the middleware and fetch.
 */
async function warmUp(baseUrl: string, labels: readonly string[]): Promise<void> {
  for (let round = 0; round < 2; round++) {
    await Promise.all(labels.map((label) => request(`${baseUrl}${routeOf(label, `warm-up-${round}`)}`)))
  }
}

/** Arrival times with how many requests arrive at each: one timer per distinct time. */
function countsByTime(arrivalsMs: readonly number[]): Map<number, number> {
  const counts = new Map<number, number>()
  for (const t of arrivalsMs) counts.set(t, (counts.get(t) ?? 0) + 1)
  return counts
}

type Response = Pick<HttpOutcome, 'latencyMs' | 'status' | 'delayMs' | 'headers' | 'error'>

/** One GET; a failed request is recorded as status 0 rather than thrown. */
async function request(url: string): Promise<Response> {
  const started = performance.now()
  try {
    const res = await fetch(url)
    const latencyMs = performance.now() - started
    const body = await res.text()
    const delayMs = res.status === 200 ? (JSON.parse(body) as AdmittedBody).delayMs : 0
    const headers = {
      policy: res.headers.get('ratelimit-policy'),
      rateLimit: res.headers.get('ratelimit'),
      retryAfter: res.headers.get('retry-after'),
    }
    return { latencyMs, status: res.status, delayMs, headers }
  } catch (error) {
    const headers = { policy: null, rateLimit: null, retryAfter: null }
    const cause = (error as { cause?: unknown }).cause
    const message = `${error}${cause === undefined ? '' : ` (${cause})`}`
    return { latencyMs: performance.now() - started, status: 0, delayMs: 0, headers, error: message }
  }
}
