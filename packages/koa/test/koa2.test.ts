import { describeBinding } from '@sluice/binding-conformance'
import { memoryStore } from '@sluice/memory'
import Koa2 from 'koa2'
import { koaAdapter } from './support/adapter.ts'

describeBinding('Koa 2', koaAdapter(Koa2), { store: () => memoryStore() })
