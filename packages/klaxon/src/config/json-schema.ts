import { z } from 'zod';
import { configSchema } from './parse.js';

/**
 * The JSON Schema (draft 2020-12) of a configuration file as written — durations as text, defaults
 * optional — for editors and YAML language servers. Generated from the zod schemas; the committed
 * copy in `packages/klaxon/schema/` is refreshed with `npm run schema`.
 */
export function configJsonSchema(): object {
  const generated = z.toJSONSchema(configSchema(), {
    io: 'input',
    target: 'draft-2020-12',
    // Output types may use refinements or transforms zod cannot express; they become "any", not a crash.
    unrepresentable: 'any',
  });
  return { ...generated, title: 'Klaxon configuration' };
}
