import { describeBinding } from '@sluice/binding-conformance'
import { memoryStore } from '@sluice/memory'
import { honoAdapter } from './support/adapter.ts'

describeBinding('Hono', honoAdapter, { store: () => memoryStore() })
