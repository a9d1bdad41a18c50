/** A location inside a configuration document: keys and array indices from the root. */
export type ConfigPath = readonly PropertyKey[];

const PLAIN_KEY = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

/** Formats a path the way users write it: `rules[2].pattern.detail-type`, `outputs["my out"].url`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      // A key is echoed back in messages; a pathological one is cut so a message stays one short line.
      const whole = String(segment);
      const key = whole.length > 80 ? `${whole.slice(0, 80)}…` : whole;
      if (PLAIN_KEY.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}
