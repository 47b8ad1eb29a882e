// The Envoy service's documented rules cases, older and current format, through the memory store.
import { envoyCurrentExamples } from '../../core/test/rules/envoyCurrentExamples.ts'
import { envoyExamples } from '../../core/test/rules/envoyExamples.ts'
import { memoryStore } from '../src/index.ts'

envoyExamples('the memory store', () => memoryStore())
envoyCurrentExamples('the memory store', () => memoryStore())
