import { describeBinding } from '@sluice/binding-conformance'
import { memoryStore } from '@sluice/memory'
import { fetchAdapter } from './support/adapter.ts'

describeBinding('fetch', fetchAdapter, { store: () => memoryStore() })
