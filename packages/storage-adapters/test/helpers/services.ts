import { Redis } from 'ioredis';
import pg from 'pg';

/** Where the integration tests find their databases. */
export const pgUrl = process.env.BOTPE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = process.env.BOTPE_REDIS_URL ?? 'redis://127.0.0.1:6379';

type Service = 'postgres' | 'redis';

async function ping(service: Service): Promise<void> {
  if (service === 'postgres') {
    const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
    return;
  }
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

/**
 * Whether a database answers. Locally an unreachable one skips its tests with a loud message;
 * under CI=true it throws, so the test file fails instead of passing silently.
 */
export async function serviceAvailable(service: Service): Promise<boolean> {
  try {
    await ping(service);
    return true;
  } catch (error) {
    const url = service === 'postgres' ? pgUrl : redisUrl;
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI === 'true') {
      throw new Error(
        `${service} at ${url} is unreachable and CI=true: run scripts/ensure-services.sh (${reason})`,
      );
    }
    console.warn(
      `\n!!!!! SKIPPING ${service.toUpperCase()} TESTS: ${url} is unreachable (${reason}).\n` +
        `!!!!! Start it with scripts/ensure-services.sh, or set ${service === 'postgres' ? 'BOTPE_PG_URL' : 'BOTPE_REDIS_URL'}.\n`,
    );
    return false;
  }
}
