/**
 * Renders the README's table of the script's KEYS, ARGV and reply from the code itself: it calls
 * `applyCall` and `parseApplyReply` on a probe request with a limit of every kind and names each
 * slot by the request field or algorithm param whose value it holds. Pure, so a test can check
 * that the README is current; scripts/readme.ts writes it.
 */
import {
  type Algorithm,
  type AlgorithmKind,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import { applyCall, parseApplyReply, SCRIPT_ALGORITHMS } from '../src/index.ts'

export const START = '<!-- layout:start (generated from src/layout.ts by scripts/readme.ts: do not edit) -->'
export const END = '<!-- layout:end -->'

// A limit of each kind whose params all differ, so each ARGV slot names exactly one param.
const PROBES: Readonly<Record<AlgorithmKind, () => Algorithm>> = {
  fixedWindow: () => fixedWindow({ limit: 3, window: 1000 }),
  slidingLog: () => slidingLog({ limit: 3, window: 1000 }),
  slidingWindow: () => slidingWindow({ limit: 3, window: 1000 }),
  tokenBucket: () => tokenBucket({ capacity: 5, refillRate: 1 / 3 }),
  gcra: () => gcra({ rate: 30, period: '1m', burst: 16 }),
  leakyBucket: () => leakyBucket({ capacity: 2, leakRate: 0.5 }),
}

// What each request field in the ARGV header means; a field the layout sends that is missing here
// stops the generator, so a new slot cannot reach the README undescribed.
const HEADER: Readonly<Record<string, { readonly probe: string; readonly text: string }>> = {
  now: {
    probe: '1234567',
    text: "now in ms: `request.now` when defined (it always wins), else `Date.now()` for the `'client'` clock, or `''` for the `'server'` clock (the script reads `TIME`)",
  },
  cost: { probe: '7', text: 'cost: the units to take (≥ 0)' },
  consume: { probe: '1', text: "`'1'` to consume, `'0'` for a peek (decide, write nothing)" },
  maxDelayMs: {
    probe: '89',
    text: "`maxDelayMs`, the shaping bound (core's `stepWithin`), or `''` for none",
  },
}

function fail(message: string): never {
  throw new Error(`redis-scripts layout table: ${message}`)
}

/** `ARGV[4i+1]` for the j-th slot (1-based) of limit i, given the header length and the width. */
function slot(header: number, width: number, j: number): string {
  const offset = header - width + j
  return `\`ARGV[${width}i${offset === 0 ? '' : offset > 0 ? `+${offset}` : `${offset}`}]\``
}

/** The param of `limit` whose value is written as `text`; exactly one must match. */
function paramNamed(limit: Algorithm, text: string): string {
  if (text === '') return "`''` (unused)"
  const params = limit.params as Readonly<Record<string, unknown>>
  const names = Object.keys(params).filter((name) => String(params[name]) === text)
  if (names.length !== 1) fail(`${limit.kind}: ARGV value ${text} matches params ${JSON.stringify(names)}`)
  return `\`${names[0]}\``
}

/** The markdown between START and END. */
export function renderLayoutTable(): string {
  const limits = SCRIPT_ALGORITHMS.map((kind) => PROBES[kind]())
  const request = {
    key: 'sluice:user:42',
    limits,
    cost: Number(HEADER.cost?.probe),
    consume: true,
    now: Number(HEADER.now?.probe),
    maxDelayMs: Number(HEADER.maxDelayMs?.probe),
  }
  const { keys, argv } = applyCall('', request, 'server')
  const header = argv.indexOf(limits[0]?.kind as string)
  if (header < 0) fail('no limit kind in ARGV')
  const width = (argv.length - header) / limits.length
  if (!Number.isInteger(width)) fail(`${argv.length - header} ARGV values for ${limits.length} limits`)

  const rows = ['| slot | holds |', '| --- | --- |']
  rows.push(
    `| \`KEYS[i]\` | limit i's key: the store prefix (none by default), the limiter key (the limiter's prefix and the user's key) in a hash tag (\`{\`, \`}\` and \`%\` percent-encoded), then the limit's id: \`${keys[0]}\`. One hash tag for every limit of a call: one Cluster slot |`,
  )
  argv.slice(0, header).forEach((value, i) => {
    const field = Object.keys(HEADER).find((name) => HEADER[name]?.probe === value)
    if (field === undefined)
      fail(`ARGV[${i + 1}] holds ${JSON.stringify(value)}, which no HEADER entry describes`)
    rows.push(`| \`ARGV[${i + 1}]\` | ${HEADER[field]?.text} |`)
  })
  rows.push(
    `| ${slot(header, width, 1)} … ${slot(header, width, width)} | limit i (1, 2, …): its kind, then its params in core's normalised integers, by kind below |`,
  )

  const kinds = [
    `| kind | ${Array.from({ length: width }, (_, j) => slot(header, width, j + 1)).join(' | ')} |`,
  ]
  kinds.push(`| --- | ${Array.from({ length: width }, () => '---').join(' | ')} |`)
  limits.forEach((limit, i) => {
    const values = argv.slice(header + i * width, header + (i + 1) * width)
    if (values[0] !== limit.kind) fail(`limit ${i + 1}'s first ARGV value is ${values[0]}, not ${limit.kind}`)
    const cells = values.slice(1).map((value) => paramNamed(limit, value))
    kinds.push(`| ${limit.kind} | \`'${limit.kind}'\` | ${cells.join(' | ')} |`)
  })

  const reply = replyProbe()
  const decision = parseApplyReply(reply, 1)[0] as unknown as Readonly<Record<string, unknown>>
  const fields = reply.map((value) => {
    const name = Object.keys(decision).find(
      (k) => decision[k] === value || (value === 1 && decision[k] === true),
    )
    if (name === undefined) fail(`reply value ${value} reaches no decision field`)
    return name === 'allowed' ? '`allowed` (1 or 0)' : `\`${name}\``
  })
  return [
    START,
    rows.join('\n'),
    '',
    kinds.join('\n'),
    '',
    `Reply: ${fields.length} values per limit, in order: ${fields.join(', ')}.`,
    END,
  ].join('\n')
}

/** A reply for one limit of the length `parseApplyReply` takes, values 1, 2, 3 … (one per field). */
function replyProbe(): number[] {
  for (let width = 1; width <= 32; width++) {
    const reply = Array.from({ length: width }, (_, i) => i + 1)
    try {
      parseApplyReply(reply, 1)
      return reply
    } catch {}
  }
  return fail('parseApplyReply takes no reply of 1 to 32 values for one limit')
}

/** `readme` with the text between START and END replaced by `table`. */
export function withLayoutTable(readme: string, table: string): string {
  const from = readme.indexOf(START)
  const to = readme.indexOf(END)
  if (from < 0 || to < from) fail(`README.md has no ${START} … ${END} section`)
  return readme.slice(0, from) + table + readme.slice(to + END.length)
}
