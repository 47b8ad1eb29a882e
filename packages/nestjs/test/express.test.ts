import { describeBinding } from '@sluice/binding-conformance'
import { memoryStore } from '@sluice/memory'
import { guardAdapter, moduleAdapter } from './support/adapter.ts'
import { MODULE_AREAS } from './support/areas.ts'

describeBinding('Nest on Express: rateLimit() guard', guardAdapter('express'), { store: () => memoryStore() })
describeBinding('Nest on Express: SluiceModule + @RateLimit', moduleAdapter('express'), {
  store: () => memoryStore(),
  areas: MODULE_AREAS,
})
