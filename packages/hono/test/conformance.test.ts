import { memoryStore } from '@sluice/memory'
import { describeBinding } from '@sluice/binding-conformance'
import { honoAdapter } from './support/adapter.ts'

describeBinding('Hono', honoAdapter, { store: () => memoryStore() })
