import { describeBinding } from '@sluice/binding-conformance'
import { memoryStore } from '@sluice/memory'
import { guardAdapter, moduleAdapter } from './support/adapter.ts'
import { MODULE_AREAS } from './support/areas.ts'

describeBinding('Nest on Fastify: rateLimit() guard', guardAdapter('fastify'), { store: () => memoryStore() })
describeBinding('Nest on Fastify: SluiceModule + @RateLimit', moduleAdapter('fastify'), {
  store: () => memoryStore(),
  areas: MODULE_AREAS,
})
