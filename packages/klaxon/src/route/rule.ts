/*
 * The shape of a routing rule as route/ needs it. config/ validates the file and produces values of
 * this shape (durations already in milliseconds); route/ does not import config/ so that it stays
 * a pure decision core.
 */

/** When a rule speaks again about a finding it already announced. */
export interface RenotifyPolicy {
  /** Triggers; default none (announce once). */
  readonly on?: readonly ('severity-increase' | 'count-increase' | 'resolved')[] | undefined;
  /** Re-announce when this many ms passed since the last announcement and the finding is seen again. */
  readonly every?: number | undefined;
  /** Minimum ms between two `count-increase` updates. */
  readonly cooldown?: number | undefined;
}

/** Alertmanager-style grouping: findings with equal `by` labels become one digest. */
export interface GroupPolicy {
  /** Labels: `account`, `region`, `type`, `source`, `product`, `severity`, `partition`, `resource` (first resource id), `rule`, `...` (all), or a dotted event path such as `detail.resource.resourceType`. */
  readonly by: readonly string[];
  /** ms to wait after a group's first finding before the first digest. */
  readonly wait: number;
  /** ms between two digests of the same group. */
  readonly interval: number;
}

/** An automated action as configured on a rule; route/ only plans it. */
export interface ActionSpec {
  readonly type: string;
  readonly dryRun?: boolean | undefined;
  readonly [option: string]: unknown;
}

/** One rule. */
export interface RouteRule {
  readonly name: string;
  readonly enabled?: boolean;
  readonly pattern: unknown;
  readonly notify: readonly string[];
  readonly renotify?: RenotifyPolicy;
  readonly group?: GroupPolicy;
  readonly transform?:
    | { readonly inputPathsMap?: Readonly<Record<string, string>>; readonly inputTemplate: string }
    | { readonly inputPath: string };
  readonly templates?: Readonly<Record<string, string>>;
  readonly actions?: readonly ActionSpec[];
}

/** A silence as written in the config file (`until`/`from` as ISO text or Date). */
export interface SilenceSpec {
  readonly pattern: unknown;
  readonly until: string | Date;
  readonly from?: string | Date;
  readonly reason: string;
  readonly author?: string;
}
