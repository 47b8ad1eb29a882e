import { describe } from 'vitest'
import { badRequestCases } from './badRequestCases.ts'
import { behaviourCases } from './behaviourCases.ts'
import { harness, type SuiteOptions } from './harness.ts'
import { headerCases } from './headerCases.ts'

export { NOW, type SuiteOptions } from './harness.ts'

/** The behaviours every Express major and store must show, over real HTTP. */
export function describeRateLimit(label: string, options: SuiteOptions): void {
  const h = harness(options)
  describe(label, () => {
    headerCases(h)
    behaviourCases(h, options.full)
    if (options.full) badRequestCases(h)
  })
}
