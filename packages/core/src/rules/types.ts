import type { Algorithm } from '../algorithm.ts'

/** One entry of a request's descriptor: `{ key: 'user', value: '42' }`. */
export interface DescriptorEntry {
  readonly key: string
  readonly value: string
}

/** A request descriptor: a list of entries, matched level by level against the rules' tree. */
export type Descriptor = readonly DescriptorEntry[]

/** What a rules limiter limits: every descriptor of one request, checked together. */
export interface DescriptorRequest {
  readonly descriptors: readonly Descriptor[]
}

/** The limit of one rule (`rate_limit` in the file), validated. */
export interface RuleLimit {
  /** `unlimited: true`: matches, but nothing is counted. */
  readonly unlimited: boolean
  /** The limit as an algorithm (the rule's `algorithm`, default fixed window); absent when unlimited. */
  readonly algorithm: Algorithm | undefined
  /** `name`: the policy name in decisions and headers, and what `replaces` refers to. */
  readonly name: string | undefined
  /** Names of the rules this one replaces when both match one request. */
  readonly replaces: readonly string[]
}

/** One descriptor of the rules' tree (`descriptors[i]` in the file), validated. */
export interface RuleDescriptor {
  readonly key: string
  /** Exact value, a prefix ending in `*`, or `undefined`: every value gets its own counter. */
  readonly value: string | undefined
  readonly rateLimit: RuleLimit | undefined
  /** Evaluated and reported, never denies. */
  readonly shadowMode: boolean
  readonly descriptors: readonly RuleDescriptor[]
  /** Where it was defined: `descriptors[0].descriptors[1]`. */
  readonly path: string
}

/**
 * A validated, immutable set of rules for one domain, from `parseRules`. Give it to
 * `createRateLimiter({ store, rules })`, or swap it in with `limiter.setRules(ruleSet)`.
 */
export interface RuleSet {
  readonly domain: string
  readonly descriptors: readonly RuleDescriptor[]
}
