/**
 * The documents a run writes: one per family (`results/<family>.md`), the whole report
 * (`RESULTS.md`, with its charts) and the root README's summary block.
 */
import { execFileSync } from 'node:child_process'
import { availableParallelism, cpus, platform, release, totalmem } from 'node:os'
import { smallest } from './harness.ts'
import { type GoalCheck, type Section, table } from './report.ts'

export interface FamilyReport {
  readonly family: string
  readonly sections: readonly Section[]
  readonly startLoad: readonly number[]
  readonly endLoad: readonly number[]
  readonly seconds: number
}

const FAMILY_TITLES: Readonly<Record<string, string>> = {
  memory: 'In process (memory store)',
  redis: 'Redis (ioredis): one server and a 3-master Cluster',
  upstash: 'Upstash REST (local server)',
  http: 'HTTP (Express, Koa, Hono)',
  accuracy: 'Accuracy: each algorithm against the exact sliding log',
  'multi-region': 'Multi-region: central, independent, local-first and replicated',
}

function load(l: readonly number[]): string {
  return l.map((x) => x.toFixed(2)).join(' ')
}

/** `redis-server --version` of the one on PATH, or undefined. */
function redisServerVersion(): string | undefined {
  try {
    return /v=(\S+)/.exec(
      execFileSync('redis-server', ['--version'], { encoding: 'utf8', timeout: 5000 }),
    )?.[1]
  } catch {
    return undefined
  }
}

/** The machine, the versions and the date: the lines every report starts with. */
function machineLines(facts: readonly string[]): string[] {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU'
  const redis = facts.some((f) => f.startsWith('Redis')) ? [] : [redisServerVersion()].filter(Boolean)
  return [
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpu}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${platform()} ${release()}`,
    `- node ${process.version} (V8 ${process.versions.v8})`,
    ...[...new Set(facts), ...redis.map((v) => `Redis ${v}`)].map((f) => `- ${f}`),
  ]
}

function modeLine(quick: boolean): string {
  return `- mode: ${quick ? '--quick (short rounds: a smoke run, not numbers to quote)' : 'full'}`
}

const NOISE =
  'The machine is shared and noisy: compare ratios within one run (medians of per-round ratios of ' +
  'contenders run moments apart); absolute numbers vary from run to run.'

function sectionMarkdown(s: Section, chartsDir: string | undefined, level: string): string {
  const charts =
    chartsDir === undefined ? [] : (s.charts ?? []).map((c) => `![${c.title}](${chartsDir}${c.file})`)
  // A section's own headings sit one level below its title.
  const markdown = level === '##' ? s.markdown : s.markdown.replace(/^### /gm, '#### ')
  return [`${level} ${s.title}`, markdown, ...charts].join('\n\n')
}

/** `results/<family>.md`: one family's sections and goals. */
export function familyDocument(report: FamilyReport, quick: boolean): string {
  const facts = report.sections.flatMap((s) => s.facts ?? [])
  const goals = report.sections.flatMap((s) => s.goals)
  return [
    `# sluice benchmarks: ${report.family}`,
    [
      ...machineLines(facts),
      `- load average (1/5/15 min) at start: ${load(report.startLoad)}; at end: ${load(report.endLoad)}`,
      modeLine(quick),
    ].join('\n'),
    NOISE,
    ...report.sections.map((s) => sectionMarkdown(s, undefined, '##')),
    ...(goals.length > 0 ? [`## Goals\n\n${goalsTable(goals)}`] : []),
    `_Ran in ${report.seconds.toFixed(0)} s._`,
  ].join('\n\n')
}

function goalsTable(goals: readonly GoalCheck[]): string {
  return table(
    ['goal', 'met', 'measured'],
    goals.map((g) => [g.goal, g.met ? 'yes' : '**missed**', g.detail]),
  )
}

/** Every goal of the run, by family. */
function allGoalsTable(reports: readonly FamilyReport[]): string {
  const rows = reports.flatMap((r) =>
    r.sections.flatMap((s) =>
      s.goals.map((g) => [r.family, g.goal, g.met ? 'met' : '**missed**', g.detail] as const),
    ),
  )
  return table(['family', 'goal', '', 'measured'], rows)
}

/**
 * `RESULTS.md`: the machine, every goal met or missed, the measured causes of the misses
 * (`missed`: MISSED.md as written), then every family's sections and charts.
 */
export function resultsDocument(reports: readonly FamilyReport[], quick: boolean, missed = ''): string {
  const facts = reports.flatMap((r) => r.sections.flatMap((s) => s.facts ?? []))
  const seconds = reports.reduce((sum, r) => sum + r.seconds, 0)
  const highlights = reports.flatMap((r) => r.sections.flatMap((s) => s.highlights ?? []))
  return [
    '# sluice benchmarks: results',
    `Written by \`pnpm bench${quick ? ' --quick' : ''}\` (see [README.md](README.md) for the method and how to ` +
      'rerun any part); do not edit by hand.',
    [...machineLines(facts), modeLine(quick), `- whole run: ${(seconds / 60).toFixed(1)} minutes`].join('\n'),
    NOISE,
    '## Goals',
    summaryTable(reports),
    'Every check:',
    allGoalsTable(reports),
    ...(missed === '' ? [] : [missed]),
    ...(highlights.length > 0 ? ['## Accuracy, in short', highlights.map((h) => `- ${h}`).join('\n')] : []),
    ...reports.flatMap((r) => [
      `## ${FAMILY_TITLES[r.family] ?? r.family}`,
      `Load average (1/5/15 min) at start: ${load(r.startLoad)}; at end: ${load(r.endLoad)}. Ran in ${r.seconds.toFixed(0)} s.`,
      ...r.sections.map((s) => sectionMarkdown(s, 'charts/', '###')),
    ]),
  ].join('\n\n')
}

/** The goals of issue 7 (and of the store and binding issues before it) that each check belongs to. */
const TOPICS: readonly { readonly family: string; readonly pattern: RegExp; readonly topic: string }[] = [
  {
    family: 'memory',
    pattern: /≥ both peers/,
    topic: 'Memory: decisions/s ≥ every peer (fixedWindow, gcra, tokenBucket)',
  },
  { family: 'memory', pattern: /bare-Map floor/, topic: 'Memory: decisions/s ≥ 50% of the bare-Map floor' },
  { family: 'memory', pattern: /bytes per key/, topic: 'Memory: ≤ 200 bytes per key up to 1,000,000 keys' },
  {
    family: 'redis',
    pattern: /rate-limiter-flexible on node-redis/,
    topic: 'node-redis: decisions/s ≥ 1.0× rate-limiter-flexible on node-redis (one server and Cluster)',
  },
  {
    family: 'redis',
    pattern: /the (node-redis|valkey-glide) floor/,
    topic:
      "node-redis and Valkey GLIDE: their own client's floor ratios (≥ 3× / 1.5× batched, ≥ 0.9× unbatched)",
  },
  {
    family: 'redis',
    pattern: /instances/,
    topic: 'Redis, 4 app instances: the one-instance floor ratios and ≥ 1.0× every peer',
  },
  {
    family: 'redis',
    pattern: /CPU per decision/,
    topic: "Redis: server CPU per decision ≤ 1.2× the floor script's",
  },
  {
    family: 'redis',
    pattern: /latency at 1 in flight/,
    topic: "Redis: latency at 1 in flight ≤ 1.1× the floor's and the unbatched path's",
  },
  { family: 'redis', pattern: /8 in flight/, topic: 'Redis, 8 in flight: batched ≥ 1.5× the floor' },
  {
    family: 'redis',
    pattern: /unbatched decisions\/s ≥ 0\.9× the floor/,
    topic: 'Redis: unbatched decisions/s ≥ 0.9× the EVALSHA floor (one server and Cluster)',
  },
  {
    family: 'redis',
    pattern: /the floor/,
    topic: 'Redis: batched decisions/s ≥ 3× the floor (one server), ≥ 1.5× (Cluster)',
  },
  {
    family: 'redis',
    pattern: /each peer/,
    topic: 'Redis: decisions/s ≥ 1.0× every peer (one server and Cluster)',
  },
  { family: 'redis', pattern: /round trip/, topic: 'Redis: one round trip per decision' },
  { family: 'upstash', pattern: /./, topic: 'Upstash: decisions/s ≥ 1.0× @upstash/ratelimit' },
  { family: 'http', pattern: /bare app/, topic: 'HTTP: requests/s ≥ 0.9× the bare app' },
  { family: 'http', pattern: /2xx/, topic: 'HTTP: every response 2xx' },
  { family: 'http', pattern: /./, topic: 'HTTP: requests/s ≥ 1.0× the peer middleware' },
]

/** The number a check is judged by: the smallest ratio in its detail, or its bytes. */
function figureOf(check: GoalCheck): number {
  const bytes = /(\d+) bytes/.exec(check.detail)
  if (bytes !== null) return -Number(bytes[1])
  const ratios = [...check.detail.matchAll(/([\d.]+)[×%]/g)].map((m) => Number(m[1]))
  return ratios.length > 0 ? smallest(ratios) : Number.NaN
}

/** One row per goal: met when every check of it is met, else how many were and the weakest one. */
function summaryTable(reports: readonly FamilyReport[]): string {
  const topics = new Map<string, GoalCheck[]>()
  for (const r of reports) {
    for (const g of r.sections.flatMap((s) => s.goals)) {
      const topic =
        TOPICS.find((t) => t.family === r.family && t.pattern.test(g.goal))?.topic ?? `${r.family}: ${g.goal}`
      topics.set(topic, [...(topics.get(topic) ?? []), g])
    }
  }
  const rows = [...topics].map(([topic, checks]) => {
    const missed = checks.filter((c) => !c.met)
    const pool = missed.length > 0 ? missed : checks
    const weakest = pool.reduce((a, b) => (figureOf(b) < figureOf(a) ? b : a))
    return [
      topic,
      missed.length === 0
        ? `met (${checks.length} of ${checks.length})`
        : `**missed** (${checks.length - missed.length} of ${checks.length} met)`,
      `${missed.length > 0 ? 'weakest' : 'closest'}: ${weakest.goal}: ${weakest.detail}`,
    ]
  })
  return table(['goal', 'checks', 'figure'], rows)
}

/** The root README's block: where the numbers come from, every goal met or missed, the accuracy figures. */
export function readmeBlock(reports: readonly FamilyReport[]): string {
  const facts = reports.flatMap((r) => r.sections.flatMap((s) => s.facts ?? []))
  const highlights = reports.flatMap((r) => r.sections.flatMap((s) => s.highlights ?? []))
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU'
  const redis = [...new Set(facts)].filter((f) => f.startsWith('Redis')).join(', ')
  return [
    `_Generated by \`pnpm bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpu}, ${availableParallelism()} cores, ` +
      `Node ${process.version}${redis === '' ? '' : `, ${redis}`}. Full tables, charts and method: ` +
      '[benchmarks/RESULTS.md](benchmarks/RESULTS.md)._',
    '',
    summaryTable(reports),
    ...(highlights.length > 0 ? ['', ...highlights.map((h) => `- ${h}`)] : []),
  ].join('\n')
}
