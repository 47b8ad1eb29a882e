import { memoryStore } from '@sluice/memory'
import express4 from 'express4'
import { describeRateLimit } from './support/suite.ts'

describeRateLimit('Express 4, memory store', { express: express4, store: () => memoryStore(), full: true })
