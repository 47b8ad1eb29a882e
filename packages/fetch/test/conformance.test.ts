// The shared binding conformance suite, on the memory store: @sluice/fetch served on Node.
import { describeBinding } from '@sluice/binding-conformance'
import { memoryStore } from '@sluice/memory'
import { fetchAdapter } from './support/adapter.ts'

describeBinding('fetch', fetchAdapter, { store: () => memoryStore() })
