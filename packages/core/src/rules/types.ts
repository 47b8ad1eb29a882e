import type { Algorithm } from '../algorithm.ts'

/** One entry of a request's descriptor: `{ key: 'user', value: '42' }`. */
export interface DescriptorEntry {
  readonly key: string
  readonly value: string
}

/** A request descriptor: a list of entries, matched level by level against the rules' tree. */
export type Descriptor = readonly DescriptorEntry[]

/**
 * A limit that replaces, for one request, the limit its descriptor's rule sets: Envoy's
 * `RateLimitDescriptor.limit` (`RateLimitOverride`), named as in the rules file. A fixed window of
 * `requests_per_unit` per `unit` (`second` … `year`, any case); 0 refuses every request.
 */
export interface LimitOverride {
  readonly requests_per_unit: number
  readonly unit: string
}

/**
 * A descriptor with a limit of its own, as Envoy sends it (`{ entries, limit }`). The limit comes
 * from a trusted source (your code, a plan in your database), never from what the client sends.
 */
export interface DescriptorWithLimit {
  readonly entries: Descriptor
  readonly limit: LimitOverride
}

/** What a rules limiter limits: every descriptor of one request, checked together. */
export interface DescriptorRequest {
  readonly descriptors: readonly (Descriptor | DescriptorWithLimit)[]
}

/** The limit of one rule (`rate_limit` in the file), validated. */
export interface RuleLimit {
  /**
   * `unlimited: true`: matches, but nothing is counted; the decision names it in `unlimited`, so
   * it can be told from a request that matched no rule.
   */
  readonly unlimited: boolean
  /**
   * `requests_per_unit: 0`: every request it matches is refused (the service's block list), with
   * no store call; `retryAfterMs` is one window (`unit` × `unit_multiplier`).
   */
  readonly blocked: boolean
  /** The window, `unit` × `unit_multiplier` in ms; absent when unlimited. */
  readonly windowMs: number | undefined
  /** The limit as an algorithm (the rule's `algorithm`, default fixed window); absent when unlimited or blocked. */
  readonly algorithm: Algorithm | undefined
  /** `name`: the policy name in decisions and headers, and what `replaces` refers to. */
  readonly name: string | undefined
  /** Names of the rules this one replaces when both match one request. */
  readonly replaces: readonly string[]
}

/** One descriptor of the rules' tree (`descriptors[i]` in the file), validated. */
export interface RuleDescriptor {
  readonly key: string
  /**
   * Exact value; a wildcard, where each `*` stands for any run of characters (`foo*`, `api*v1`,
   * `a*b*c`: `*` is never literal, as in the service); or `undefined`: every value gets its own counter.
   */
  readonly value: string | undefined
  /** `share_threshold: true` (wildcard values only): every value the wildcard matches shares one counter. */
  readonly shareThreshold: boolean
  /** `detailed_metric`: the service's statistics name gets the request value (see `ShadowDeny.statName`). */
  readonly detailedMetric: boolean
  /** `value_to_metric`: this level's request value goes into the statistics name (see `ShadowDeny.statName`). */
  readonly valueToMetric: boolean
  /** `metadata`: data the file attaches to the descriptor, kept as written (frozen); it changes no decision. */
  readonly metadata: Readonly<Record<string, unknown>> | undefined
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
