// A route with no limit of its own: the middleware limits it, and its headers reach this response.
export function GET(): Response {
  return Response.json({ through: 'middleware' })
}
