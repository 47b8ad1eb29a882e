import { describeBinding } from '@sluice/binding-conformance'
import { memoryStore } from '@sluice/memory'
import Fastify from 'fastify'
import { fastifyAdapter } from './support/adapter.ts'

describeBinding('Fastify 5', fastifyAdapter(Fastify), { store: () => memoryStore() })
