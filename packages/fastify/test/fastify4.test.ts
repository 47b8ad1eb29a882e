import { describeBinding } from '@sluice/binding-conformance'
import { memoryStore } from '@sluice/memory'
import Fastify4 from 'fastify4'
import { fastifyAdapter } from './support/adapter.ts'

describeBinding('Fastify 4', fastifyAdapter(Fastify4), { store: () => memoryStore() })
