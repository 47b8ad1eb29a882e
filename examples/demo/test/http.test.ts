import { describe, expect, it } from 'vitest'
import { sameRateContenders } from '../src/algorithms.ts'
import type { PatternProgress } from '../src/http/loadDriver.ts'
import { progressView } from '../src/http/progress.ts'
import { runOverHttp } from '../src/http/run.ts'
import { patternStarts } from '../src/http/schedule.ts'
import { summarizeHttp, tally } from '../src/http/summary.ts'
import { simulateAll } from '../src/simulation.ts'
import { PLAIN } from '../src/terminalReport.ts'
import { type TrafficPattern, trafficPatterns } from '../src/trafficPatterns.ts'

const rate = { limit: 3, windowMs: 1000 }
const contenders = sameRateContenders(rate)
const tinyBurst: TrafficPattern = {
  id: 'tiny-burst',
  title: 'Six requests at once',
  description: 'twice the limit of 3 in one go',
  durationMs: 100,
  arrivalsMs: [0, 0, 0, 0, 0, 0],
  bucketMs: 100,
}
// Draft-10 RateLimit-Policy / RateLimit: one Structured Field list member, a quoted name and integer parameters.
const POLICY = /^"[^"\\]+";q=\d+;w=\d+$/
const RATE_LIMIT = /^"[^"\\]+";r=(\d+);t=(\d+)$/

describe('the run over HTTP', () => {
  it('answers a tiny burst with the 200s and 429s each algorithm decides, with draft-10 headers', async () => {
    // The six requests go out together; on a loaded machine they may reach the server over more
    // than one emission interval (333 ms), which would let gcra admit a fourth. A frozen clock
    // makes them arrive together, as in the simulation the run is compared with.
    const frozen = Date.now()
    const run = await runOverHttp({
      contenders,
      patterns: [tinyBurst],
      windowMs: rate.windowMs,
      clock: () => frozen,
    })
    const counts = Object.fromEntries(
      run.labels.map((label) => [label, tally(run.outcomes.filter((o) => o.label === label))]),
    )
    const policing = { sent: 6, ok: 3, limited: 3, failed: 0 }
    expect(counts).toEqual({
      fixedWindow: policing,
      slidingLog: policing,
      slidingWindow: policing,
      tokenBucket: policing,
      gcra: policing,
      // One leaves now and `capacity` (3) wait their turn: shaped, not refused.
      leakyBucket: { sent: 6, ok: 4, limited: 2, failed: 0 },
    })
    const summary = summarizeHttp(run, await simulateAll([tinyBurst], contenders))
    for (const a of summary.algorithms) expect(a.perPattern[0]?.ok, a.label).toBe(a.simulated?.[0])

    for (const o of run.outcomes) {
      expect(o.headers.policy, o.label).toMatch(POLICY)
      const [, remaining, reset] = RATE_LIMIT.exec(o.headers.rateLimit ?? '') ?? []
      expect(remaining, `${o.label}: ${o.headers.rateLimit}`).toBeDefined()
      if (o.status === 429) {
        expect(remaining).toBe('0')
        expect(Number(o.headers.retryAfter)).toBeGreaterThanOrEqual(Number(reset))
      } else {
        expect(o.headers.retryAfter).toBeNull()
      }
    }
    const fixed = run.outcomes.filter((o) => o.label === 'fixedWindow')
    expect(new Set(fixed.map((o) => o.headers.policy))).toEqual(new Set(['"fixedWindow:3/1s";q=3;w=1']))
    expect(fixed.map((o) => o.headers.rateLimit).sort()).toEqual([
      ...Array(4).fill('"fixedWindow:3/1s";r=0;t=1'),
      '"fixedWindow:3/1s";r=1;t=1',
      '"fixedWindow:3/1s";r=2;t=1',
    ])

    // Shaping: on the frozen clock the k-th admitted request of the leaky bucket waits k × 333 ms
    // (rounded up), and is held at least that long.
    const held = run.outcomes.filter((o) => o.label === 'leakyBucket' && o.status === 200)
    const delays = held.map((o) => o.delayMs).sort((a, b) => a - b)
    expect(delays[0]).toBe(0)
    delays.forEach((d, k) => {
      expect(d, `delays ${delays}`).toBe(Math.ceil((k * 1000) / 3))
    })
    for (const o of held) expect(o.latencyMs).toBeGreaterThanOrEqual(o.delayMs - 1)
    expect(summary.shaping.map((s) => [s.label, s.held])).toEqual([['leakyBucket', 3]])

    // The server is closed: nothing listens any more.
    await expect(fetch(run.url)).rejects.toThrow()
  }, 120_000)

  it('starts each pattern on a window boundary, after the previous one has sent its last request', () => {
    const patterns = trafficPatterns({ limit: 10, windowMs: 1000 }, 2000)
    // steady-under ends at 1.875 s, steady-over at 3.95 s, the bursts at 5.5 s; the boundary burst
    // starts 900 ms into its pattern and the ramp's first request ~365 ms into it.
    expect(patternStarts(patterns, 1000)).toEqual([0, 2000, 4000, 5000, 6000])
  })
})

describe('live progress', () => {
  const progress = (doneAtMs: number | undefined): PatternProgress[] => [
    {
      pattern: tinyBurst,
      startMs: 0,
      total: 6,
      sent: 6,
      ok: 3,
      limited: doneAtMs === undefined ? 2 : 3,
      failed: 0,
      doneAtMs,
    },
  ]
  const capture = (isTTY: boolean) => {
    let text = ''
    return { isTTY, write: (chunk: string) => (text += chunk), text: () => text }
  }

  it('redraws its lines in place on a terminal', () => {
    const out = capture(true)
    const view = progressView(out, PLAIN)
    view.update(progress(undefined))
    view.finish(progress(1234))
    expect(out.text()).toContain('\x1b[1A\x1b[2K')
    expect(out.text()).toMatch(/1 in flight/)
    expect(out.text()).toMatch(/done at 1\.2 s\n$/)
  })

  it('cuts lines redrawn in place to the terminal width', () => {
    const out = { ...capture(true), columns: 40 }
    progressView(out, PLAIN).finish(progress(1234))
    const lines = out.text().replaceAll('\x1b[2K', '').split('\n')
    expect(lines[0]).toHaveLength(39)
    expect(lines[0]?.endsWith('…')).toBe(true)
    const unknownWidth = { ...capture(true), columns: 0 }
    progressView(unknownWidth, PLAIN).finish(progress(1234))
    expect(unknownWidth.text()).toMatch(/done at 1\.2 s\n$/)
  })

  it('prints one plain line per finished pattern otherwise', () => {
    const out = capture(false)
    const view = progressView(out, PLAIN)
    view.update(progress(undefined))
    view.update(progress(1234))
    view.finish(progress(1234))
    expect(out.text()).not.toContain('\x1b[')
    expect(out.text().split('\n')).toHaveLength(2)
    expect(out.text()).toMatch(
      /✓ 1\/1 Six requests at once .* 6\/6 sent · +3 × 200 · +3 × 429 · done at 1\.2 s\n$/,
    )
  })
})
