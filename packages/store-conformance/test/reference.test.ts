import { describeStore } from '../src/index.ts'
import { referenceStore } from '../src/reference.ts'

// The suite must hold for its own model: a check on the suite's hand-computed expectations against core.
describeStore('reference model', () => referenceStore())
