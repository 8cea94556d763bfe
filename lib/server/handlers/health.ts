/** `/health` (alive) and `/health/ready` (able to serve). */
export function health(): Response {
  return Response.json({ status: "ok" });
}

export function ready(): Response {
  return Response.json({ status: "ok" });
}
