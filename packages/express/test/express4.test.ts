import { describeBinding } from '@sluice/binding-conformance'
import { memoryStore } from '@sluice/memory'
import express4 from 'express4'
import { expressAdapter } from './support/adapter.ts'

describeBinding('Express 4', expressAdapter(express4), { store: () => memoryStore() })
