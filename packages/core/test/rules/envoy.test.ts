import { referenceStore } from '../referenceStore.ts'
import { envoyExamples } from './envoyExamples.ts'

envoyExamples('the reference store', () => referenceStore())
