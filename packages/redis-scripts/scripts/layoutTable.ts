/**
 * Renders the README's table of a kind's script's KEYS, ARGV and reply from the code itself: it
 * calls `singleArgs` and `parseSingleReply` on a probe request per kind and names each slot by the
 * request field or algorithm param whose value it holds. Pure, so a test can check that the README
 * is current; scripts/readme.ts writes it.
 */
import {
  type Algorithm,
  type AlgorithmKind,
  concurrency,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import { parseSingleReply, SCRIPT_ALGORITHMS, singleArgs, storeKeys } from '../src/index.ts'
import { PARAM_WORDS, paramText } from '../src/layout.ts'

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
  concurrency: () => concurrency({ limit: 3, leaseMs: 1000 }),
}

// What each request field in the ARGV header means; a field the layout sends that is missing here
// stops the generator, so a new slot cannot reach the README undescribed.
const HEADER: Readonly<Record<string, { readonly probe: string; readonly text: string }>> = {
  now: {
    probe: '1234567',
    text: "now in ms: `request.now` when defined (it always wins), else `Date.now()` for the `'client'` clock, or `''` for the `'server'` clock (the script reads `TIME`)",
  },
  cost: { probe: '7', text: 'cost: the units to take (≥ 0)' },
  mode: {
    probe: '1:89',
    text: "the mode: `'1'` to consume, `'0'` for a peek (decide, write nothing), either followed by `:` and `maxDelayMs`, the shaping bound (core's `stepWithin`), when the request has one",
  },
}

function fail(message: string): never {
  throw new Error(`redis-scripts layout table: ${message}`)
}

/** The param of `limit` whose value is written as `text`; exactly one must match. */
function paramNamed(limit: Algorithm, text: string): string {
  const params = limit.params as Readonly<Record<string, unknown>>
  const sent = (name: string): string | undefined => {
    try {
      return paramText(limit.kind, name, params[name])
    } catch {
      return undefined // a param no script receives
    }
  }
  const names = Object.keys(params).filter((name) => sent(name) === text)
  if (names.length !== 1) fail(`${limit.kind}: ARGV value ${text} matches params ${JSON.stringify(names)}`)
  const words = PARAM_WORDS[names[0] as string]
  const codes = words === undefined ? '' : ` (${words.map((word, i) => `${i}: \`'${word}'\``).join(', ')})`
  return `\`${names[0]}\`${codes}`
}

/** The markdown between START and END. */
export function renderLayoutTable(): string {
  const header = Object.keys(HEADER).length
  const probe = (limit: Algorithm) => ({
    key: 'sluice:user:42',
    limits: [limit],
    cost: Number(HEADER.cost?.probe),
    consume: true,
    now: Number(HEADER.now?.probe),
    maxDelayMs: 89,
  })
  const limits = SCRIPT_ALGORITHMS.map((kind) => PROBES[kind]())
  const first = limits[0] as Algorithm
  const argv = singleArgs(probe(first), 'server')
  const rows = ['| slot | holds |', '| --- | --- |']
  rows.push(
    `| \`KEYS[1]\` | the limit's key: the store prefix (none by default), the limiter key (the limiter's prefix and the user's key) in a hash tag (\`{\`, \`}\` and \`%\` percent-encoded), then the limit's id (a fixed window's followed by \`:b\`: its state is a bitfield, see lua/fixedWindow.lua): \`${storeKeys('', 'sluice:user:42', [first])[0]}\`. Every limit of a decision has the same hash tag: one Cluster slot |`,
  )
  argv.slice(0, header).forEach((value, i) => {
    const field = Object.keys(HEADER).find((name) => HEADER[name]?.probe === value)
    if (field === undefined)
      fail(`ARGV[${i + 1}] holds ${JSON.stringify(value)}, which no HEADER entry describes`)
    rows.push(`| \`ARGV[${i + 1}]\` | ${HEADER[field]?.text} |`)
  })
  const width =
    limits.reduce((most, limit) => Math.max(most, singleArgs(probe(limit), 'server').length), 0) - header
  const slots = Array.from({ length: width }, (_, j) => `\`ARGV[${header + j + 1}]\``)
  rows.push(
    `| ${slots[0]} … ${slots[width - 1]} | the limit's params in core's normalised integers (a word param as the index of its word), by kind below |`,
  )

  const kinds = [`| script | ${slots.join(' | ')} |`, `| --- | ${slots.map(() => '---').join(' | ')} |`]
  for (const limit of limits) {
    const values = singleArgs(probe(limit), 'server').slice(header)
    const cells = slots.map((_, j) => (j < values.length ? paramNamed(limit, values[j] as string) : '—'))
    kinds.push(`| \`KIND_SCRIPTS.${limit.kind}\` | ${cells.join(' | ')} |`)
  }

  const reply = replyProbe(first)
  const decision = parseSingleReply(reply, first) as unknown as Readonly<Record<string, unknown>>
  const fields = reply.map((value) => {
    if (value === 1) return '`allowed` (1 or 0)'
    if (value === reply[reply.length - 1])
      return 'the wait: `retryAfterMs` when denied, `delayMs` when allowed'
    const names = Object.keys(decision).filter((k) => decision[k] === value)
    if (names.length === 0) fail(`reply value ${value} reaches no decision field`)
    return names.map((name) => `\`${name}\``).join(' or ')
  })
  return [
    START,
    rows.join('\n'),
    '',
    kinds.join('\n'),
    '',
    `Reply: ${fields.length} values, in order: ${fields.join(', ')}. \`limit\` is not sent back: the store knows it from the params.`,
    END,
  ].join('\n')
}

/** A reply of the length `parseSingleReply` takes, values 1, 1001, 1002 … (one per field). */
function replyProbe(limit: Algorithm): number[] {
  for (let width = 1; width <= 32; width++) {
    // 1 first (allowed), then values no param of the probes holds.
    const reply = Array.from({ length: width }, (_, i) => (i === 0 ? 1 : 1000 + i))
    try {
      parseSingleReply(reply, limit)
      return reply
    } catch {}
  }
  return fail('parseSingleReply takes no reply of 1 to 32 values')
}

/** `readme` with the text between START and END replaced by `table`. */
export function withLayoutTable(readme: string, table: string): string {
  const from = readme.indexOf(START)
  const to = readme.indexOf(END)
  if (from < 0 || to < from) fail(`README.md has no ${START} … ${END} section`)
  return readme.slice(0, from) + table + readme.slice(to + END.length)
}
