/**
 * The multi-region simulation (`pnpm bench regions`): four regions 1, 40, 80 and 150 ms one way
 * from the central store, one global `fixedWindow` limit, seeded Poisson traffic in three mixes
 * (uniform, one hot region, a region failing over to another), and each strategy of ./strategies.ts
 * on a virtual clock. Per strategy: p50/p99 decision latency, over- and under-admission against the
 * exact global limit, the worst window, and store operations per decision.
 */

import type { Case, RunContext } from '../case.ts'
import { largest, quantiles } from '../harness.ts'
import { formatPerCall, formatPercent, type GoalCheck, type Section, table } from '../report.ts'
import type { Chart } from '../svg.ts'
import { STRATEGIES, type StrategyKind } from './strategies.ts'
import { arrivals, MIXES, type Mix, REGION_LATENCY_MS, REGIONS } from './traffic.ts'
import { VirtualTime } from './virtualTime.ts'

const LIMIT = 100
const WINDOW_MS = 1000
/** Total demand: 1.5× the global limit, so every strategy must refuse some. */
const DEMAND = 1.5
const SEED = 20_261_203

export interface Outcome {
  readonly strategy: string
  readonly mix: Mix
  readonly decisions: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Admitted past the limit, summed over windows, as a share of what the exact limit admits. */
  readonly over: number
  /** Refused although the exact limit had room, as a share of what it admits. */
  readonly under: number
  /** The most any window admitted past the limit. */
  readonly worstOver: number
  readonly opsPerDecision: number
}

/** Runs one strategy on one mix for `durationMs` of virtual time. */
export async function simulate(kind: StrategyKind, mix: Mix, durationMs: number): Promise<Outcome> {
  const vt = new VirtualTime()
  const strategy = kind.make({ vt, limit: LIMIT, windowMs: WINDOW_MS })
  const list = arrivals(mix, (DEMAND * LIMIT) / WINDOW_MS, durationMs, SEED)
  const latencies = new Float64Array(list.length)
  const demand = new Map<number, number>()
  const admitted = new Map<number, number>()
  let done = 0
  for (const a of list) {
    vt.at(a.at, () => {
      const started = vt.now
      void strategy.decide(a.region).then(({ allowed, at }) => {
        latencies[done++] = vt.now - started
        const w = Math.floor(at / WINDOW_MS)
        demand.set(w, (demand.get(w) ?? 0) + 1)
        if (allowed) admitted.set(w, (admitted.get(w) ?? 0) + 1)
      })
    })
  }
  // Past the last arrival by more than the longest round trip: every decision is back.
  await vt.run(durationMs + 4 * largest(REGION_LATENCY_MS))
  let exact = 0
  let over = 0
  let under = 0
  let worstOver = 0
  for (const [w, d] of demand) {
    const a = admitted.get(w) ?? 0
    exact += Math.min(d, LIMIT)
    over += Math.max(0, a - LIMIT)
    under += Math.max(0, Math.min(d, LIMIT) - a)
    worstOver = Math.max(worstOver, a - LIMIT)
  }
  const [p50Ms, p99Ms] = quantiles(latencies.subarray(0, done), [0.5, 0.99]) as [number, number]
  return {
    strategy: kind.name,
    mix,
    decisions: done,
    p50Ms,
    p99Ms,
    over: over / exact,
    under: under / exact,
    worstOver: Math.max(0, worstOver),
    opsPerDecision: strategy.storeOps() / done,
  }
}

/** The over-admission bound of `@sluice/hybrid` here: instances × ceil(limit / instances). */
export const HYBRID_BOUND = REGIONS * Math.ceil(LIMIT / REGIONS)

const ms = (x: number): string => `${x.toFixed(x < 10 ? 1 : 0)} ms`

function render(outcomes: readonly Outcome[], durationMs: number): Section {
  const rows = outcomes.map((o) => [
    o.mix,
    o.strategy,
    ms(o.p50Ms),
    ms(o.p99Ms),
    formatPercent(o.over),
    formatPercent(o.under),
    String(o.worstOver),
    formatPerCall(o.opsPerDecision),
  ])
  const hybrid = outcomes.filter((o) => o.strategy.startsWith('local-first'))
  const worst = largest(hybrid.map((o) => o.worstOver))
  const goals: GoalCheck[] = [
    {
      goal: `local-first: no window over the limit by more than instances × ceil(limit / instances) = ${HYBRID_BOUND}`,
      met: worst <= HYBRID_BOUND,
      detail: `worst window ${worst} over, every mix and sync interval`,
    },
  ]
  const hot = outcomes.filter((o) => o.mix === 'hot region')
  const group = (name: string) => (name.startsWith('local-first') ? ('sluice' as const) : ('other' as const))
  const charts: Chart[] = [
    {
      kind: 'bar',
      file: 'regions-p99.svg',
      title: 'p99 decision latency, one hot region 150 ms from the store (virtual ms)',
      unit: 'ms',
      bars: hot.map((o) => ({ label: o.strategy, value: o.p99Ms, group: group(o.strategy) })),
    },
    {
      kind: 'bar',
      file: 'regions-error.svg',
      title: 'Admission error (over + under, % of the exact limit), one hot region',
      unit: '%',
      bars: hot.map((o) => ({
        label: o.strategy,
        value: 100 * (o.over + o.under),
        group: group(o.strategy),
      })),
    },
  ]
  const markdown = [
    `Simulated on a virtual clock (no sleeping; one seed, so every run gives these figures): ${REGIONS} regions ` +
      `${REGION_LATENCY_MS.join(', ')} ms one way from the central store (in the first region), one global ` +
      `\`fixedWindow({ limit: ${LIMIT}, window: '1s' })\`, Poisson traffic at ${DEMAND}× the limit for ` +
      `${durationMs / 1000} s. Mixes: uniform; one hot region (the farthest: 70% of requests); failover ` +
      '(the 40 ms region goes down halfway, its clients move to the first region). A store in the same ' +
      `region answers in 1 ms. Replicated: each region's replica applies its own writes at once and the ` +
      "others' after both links' latency. Over/under: requests admitted past, or refused within, the exact " +
      'global limit per window, as a share of what the exact limit admits; "worst window": the most one ' +
      `window went over (the local-first bound is ${HYBRID_BOUND}). Store ops: every store operation anywhere ` +
      '(central, local, replica writes) per decision.',
    '',
    table(
      [
        'mix',
        'strategy',
        'p50',
        'p99',
        'over-admitted',
        'under-admitted',
        'worst window',
        'store ops / decision',
      ],
      rows,
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  ].join('\n')
  return { title: 'Multi-region simulation', markdown, goals, charts }
}

export const regionsStudy: Case = {
  name: 'regions',
  family: 'multi-region',
  summary: 'simulated regions 1-150 ms apart: central, independent, local-first, replicated',
  async run(context: RunContext): Promise<Section> {
    const durationMs = context.quick ? 10_000 : 60_000
    const outcomes: Outcome[] = []
    for (const mix of MIXES) {
      for (const kind of STRATEGIES) {
        outcomes.push(await simulate(kind, mix, durationMs))
        context.progress(`regions: ${mix}, ${kind.name}`)
      }
    }
    return render(outcomes, durationMs)
  },
}
