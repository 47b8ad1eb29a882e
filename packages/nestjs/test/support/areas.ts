// The conformance areas the module way runs: all but those asserting the factory's own messages.
import { BINDING_AREAS, type BindingArea } from '@sluice/binding-conformance'

/**
 * `options` asserts construction messages that begin `rateLimit` (the factory's name); through the
 * module they begin `SluiceModule.forRoot`. The `rateLimit()` guard runs it; the module's own
 * construction errors are tested in module.test.ts.
 */
export const MODULE_AREAS: readonly BindingArea[] = BINDING_AREAS.filter((area) => area !== 'options')
