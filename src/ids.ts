const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

// Random bytes are drawn in blocks: one getRandomValues() call per id cost more than
// the rest of a delayed call together.
const POOL_SIZE = 4_096;
const pool = new Uint8Array(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomBytes(count: number): number {
  if (poolOffset + count > POOL_SIZE) {
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  const offset = poolOffset;
  poolOffset += count;
  return offset;
}

/**
 * Creates a UUID version 7: 48 bits of Unix milliseconds, then random bits. Ids sort
 * by creation time, which keeps inserts into the primary-key index cheap, and the 74
 * random bits make them safe to hand to a client.
 */
export function createTaskId(now = Date.now()): string {
  // The timestamp as 12 hex digits, big-endian; division keeps it exact past 2^32.
  const high = Math.floor(now / 0x1000000);
  const low = now % 0x1000000;
  const time = high.toString(16).padStart(6, "0") + low.toString(16).padStart(6, "0");

  const at = randomBytes(10);
  const random = pool;
  const version = HEX[(random[at]! & 0x0f) | 0x70]! + HEX[random[at + 1]!]!;
  const variant = HEX[(random[at + 2]! & 0x3f) | 0x80]! + HEX[random[at + 3]!]!;
  let node = "";
  for (let index = at + 4; index < at + 10; index++) node += HEX[random[index]!]!;

  return `${time.slice(0, 8)}-${time.slice(8, 12)}-${version}-${variant}-${node}`;
}

/** Creates a short random id for workers and supervisor leases. */
export function createShortId(): string {
  const at = randomBytes(6);
  let id = "";
  for (let index = at; index < at + 6; index++) id += HEX[pool[index]!]!;
  return id;
}
