// The stream position of "now", as the API hands it out with a snapshot (GET /api/product/): the
// consumers start from it, and the checker reads the canonical change order from it.

/** Reads the `Stream-Position` header (or the body's `position`) of a product list. */
export async function snapshotPosition(apiUrl: string): Promise<string> {
  const response = await fetch(`${apiUrl}/api/product/?limit=1`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json().catch(() => ({}))) as { position?: unknown };
  const position = response.headers.get('stream-position') ?? (typeof body.position === 'string' ? body.position : null);
  if (response.status !== 200 || !position) throw new Error(`GET /api/product/ gave no stream position (HTTP ${response.status})`);
  return position;
}
