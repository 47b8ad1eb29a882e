// The whole suite for one binding: every area, or those the options name, in one describe.
import { describe } from 'vitest'
import type { BindingAdapter } from './adapter.ts'
import { badRequestCases } from './badRequests.ts'
import { constructionCases } from './construction.ts'
import { eventCases } from './events.ts'
import { failureCases } from './failures.ts'
import { type Harness, harness } from './harness.ts'
import { headerCases } from './headers.ts'
import { hostileCases } from './hostile.ts'
import { identityCases } from './identity.ts'
import { keyCases } from './keys.ts'
import { listCases } from './lists.ts'
import { type BindingArea, type BindingSuiteOptions, resolveSuiteOptions } from './options.ts'
import { outcomeCases } from './outcomes.ts'
import { refusalCases } from './refusal.ts'
import { ruleCases } from './rules.ts'
import { shapingCases } from './shaping.ts'

// biome-ignore lint/suspicious/noExplicitAny: each area is generic in the binding's request and middleware types
const AREAS: Record<BindingArea, (h: Harness<any, any>) => void> = {
  headers: headerCases,
  refusal: refusalCases,
  identity: identityCases,
  keys: keyCases,
  lists: listCases,
  shaping: shapingCases,
  failures: failureCases,
  badRequests: badRequestCases,
  rules: ruleCases,
  options: constructionCases,
  hostile: hostileCases,
  outcomes: outcomeCases,
  events: eventCases,
}

/**
 * The HTTP behaviour every sluice binding must show, driven with fetch against a real server: status
 * codes, draft-10 / legacy / both / no headers, the problem+json body, client identity (peer
 * address, trusted proxy, IPv6 grouping, IPv4 carried in IPv6), shaping waits and bounds, failure
 * modes, key / cost / skip, allow and deny lists, rules descriptors, 400s for unusable input, construction errors and
 * hostile header values, counting by outcome (skipFailedRequests and co.) and the binding's events. Call it at the top level of a vitest test file.
 *
 * @example
 * import { describeBinding } from '@sluice/binding-conformance'
 * import { memoryStore } from '@sluice/memory'
 * import express from 'express'
 * import { expressAdapter } from './support/adapter.ts'
 *
 * describeBinding('Express 5', expressAdapter(express), { store: () => memoryStore() })
 */
export function describeBinding<Req, M>(
  name: string,
  adapter: BindingAdapter<Req, M>,
  options: BindingSuiteOptions,
): void {
  const resolved = resolveSuiteOptions(options)
  describe(name, { timeout: resolved.timeoutMs }, () => {
    const h = harness(adapter, resolved)
    for (const [area, cases] of Object.entries(AREAS)) {
      if (resolved.areas.has(area as BindingArea)) cases(h)
    }
  })
}
