import { memoryStore } from '@sluice/memory'
import Koa from 'koa'
import { describeRateLimit } from './support/suite.ts'

describeRateLimit('Koa 3, memory store', { Koa, store: () => memoryStore(), full: true })
