import Redis from 'ioredis';
import { deleteKeysWithPrefix, dropTestSchema } from './services';

/** Where a test that runs several app instances keeps their shared state: its own Redis prefix and PostgreSQL schema. */
export interface SharedTestStores {
  readonly redisUrl: string;
  /** From `uniqueRedisPrefix`: only this test's keys are deleted. */
  readonly redisPrefix: string;
  readonly databaseUrl: string;
  /** This test's own schema, dropped with everything in it. */
  readonly schema: string;
}

/** Deletes the test's Redis keys and drops its schema, touching no one else's data (the services are shared). */
export async function removeSharedTestStores(stores: SharedTestStores): Promise<void> {
  const redis = new Redis(stores.redisUrl);
  try {
    await deleteKeysWithPrefix(redis, stores.redisPrefix);
  } finally {
    redis.disconnect();
  }
  await dropTestSchema(stores.databaseUrl, stores.schema);
}
