/** The database mode `GET {baseUrl}/health` reports to the details token (health is cached for HEALTH_CACHE_TTL_MS). */
export async function databaseMode(baseUrl: string, detailsToken: string): Promise<string | undefined> {
  const res = await fetch(`${baseUrl}/health`, { headers: { authorization: `Bearer ${detailsToken}` } });
  const health = (await res.json()) as { details?: { database?: { mode?: string } } };
  return health.details?.database?.mode;
}
