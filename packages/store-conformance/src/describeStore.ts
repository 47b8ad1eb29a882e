import { describeBadInput } from './badInput.ts'
import { describeCharges } from './charges.ts'
import { describeClockSkew } from './clockSkew.ts'
import { describeComposite } from './composite.ts'
import { describeConcurrency } from './concurrency.ts'
import { describeCosts } from './costs.ts'
import { describeExpiry } from './expiry.ts'
import type { StoreFactory } from './harness.ts'
import { describeIsolation } from './isolation.ts'
import { describeLeases } from './leases.ts'
import { describeOperations } from './operations.ts'
import type { ConformanceOptions } from './options.ts'
import { describeParity } from './parity.ts'
import { describePenalties } from './penalties.ts'
import { describeRefunds } from './refunds.ts'
import { describeWorkedExamples } from './workedExamples.ts'

/**
 * The whole conformance suite for one store: every area, each in its own `describe`. Call it at the
 * top level of a test file. `factory` runs once per area (in `beforeAll`); every test uses its own
 * random prefix, so nothing is cleared and several suites may share one server.
 *
 * @example
 * import { describeStore } from '@sluice/store-conformance'
 * import { myStore } from '../src/index.ts'
 *
 * describeStore('my-store', () => myStore({ client }), { timeoutMs: 20_000 })
 */
export function describeStore(name: string, factory: StoreFactory, options?: ConformanceOptions): void {
  describeWorkedExamples(name, factory, options)
  describeOperations(name, factory, options)
  describeParity(name, factory, options)
  describeExpiry(name, factory, options)
  describeConcurrency(name, factory, options)
  describeIsolation(name, factory, options)
  describeComposite(name, factory, options)
  describeBadInput(name, factory, options)
  describeClockSkew(name, factory, options)
  describeRefunds(name, factory, options)
  describeLeases(name, factory, options)
  describePenalties(name, factory, options)
  describeCosts(name, factory, options)
  describeCharges(name, factory, options)
}
