// The Envoy service's documented rules cases, older and current format, through the Upstash store on the local Upstash server.
import { envoyCurrentExamples } from '../../core/test/rules/envoyCurrentExamples.ts'
import { envoyExamples } from '../../core/test/rules/envoyExamples.ts'
import { upstashStore } from '../src/index.ts'
import { randomPrefix, upstashClient } from './support/clients.ts'

const store = () =>
  upstashStore({ client: upstashClient(), prefix: randomPrefix('rules'), timeoutMs: 10_000 })
envoyExamples('the Upstash store', store)
envoyCurrentExamples('the Upstash store', store)
