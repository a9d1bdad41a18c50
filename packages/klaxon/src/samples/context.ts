/** What every sample generator shares: the random stream, the account, region, partition and clock. */
import type { Random } from './random.js';

/** Per-sample generation context. Times derive from the seed, never from the wall clock. */
export interface SampleContext {
  readonly random: Random;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  /** Epoch milliseconds of the sample's last update. */
  readonly now: number;
}

/** ISO-8601 time `offsetMinutes` before the sample's `now` (GuardDuty's millisecond format). */
export function isoBefore(ctx: SampleContext, offsetMinutes: number): string {
  return new Date(ctx.now - offsetMinutes * 60_000).toISOString();
}

/** A documentation-range (TEST-NET, RFC 5737) public IPv4 address: never a real host. */
export function documentationIp(ctx: SampleContext): string {
  const prefix = ctx.random.pick(['198.51.100', '203.0.113', '192.0.2']);
  return `${prefix}.${1 + ctx.random.int(254)}`;
}

/** A private (RFC 1918) address inside the sample VPC. */
export function privateIp(ctx: SampleContext): string {
  return `10.0.${ctx.random.int(256)}.${1 + ctx.random.int(254)}`;
}

/** An AWS-style resource id suffix: `i-`, `vpc-`, `subnet-` followed by 17 hex digits. */
export function awsId(ctx: SampleContext, prefix: string): string {
  return `${prefix}-${ctx.random.hex(17)}`;
}

/** A random version-4-shaped UUID from the sample stream. */
export function uuid(ctx: SampleContext): string {
  const h = ctx.random.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}
