import { describeBinding } from '@sluice/binding-conformance'
import { memoryStore } from '@sluice/memory'
import Koa from 'koa'
import { koaAdapter } from './support/adapter.ts'

describeBinding('Koa 3', koaAdapter(Koa), { store: () => memoryStore() })
