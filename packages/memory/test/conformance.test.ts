import { describeStore } from '@sluice/store-conformance'
import { memoryStore } from '../src/index.ts'

describeStore('memory', () => memoryStore())
describeStore('memory on its own clock', () => memoryStore(), { time: 'store' })
