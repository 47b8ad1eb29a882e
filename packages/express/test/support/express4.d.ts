// Express 4 is installed under the alias `express4`; its API for what these tests use matches the
// Express 5 types of @types/express.
declare module 'express4' {
  import express from 'express'
  export default express
}
