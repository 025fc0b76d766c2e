import type { Pool } from "undici";

/**
 * One round of a paired bench: `n` chat requests through `pool` at 16 in flight (the bodies in
 * turn), and the CPU time of this process per request, in µs (the client's share included: the
 * same for every contender measured in the same process).
 */
export async function cpuPerRequest(pool: Pool, bodies: readonly string[], n: number, headers: Record<string, string> = {}): Promise<number> {
  let i = 0;
  const worker = async () => {
    while (i < n) {
      const res = await pool.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json", ...headers }, body: bodies[i++ % bodies.length]! });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    }
  };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: 16 }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}
