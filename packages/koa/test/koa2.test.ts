import { memoryStore } from '@sluice/memory'
import Koa2 from 'koa2'
import { describeRateLimit } from './support/suite.ts'

describeRateLimit('Koa 2, memory store', { Koa: Koa2, store: () => memoryStore(), full: true })
