// Writes klaxon.schema.json from the zod config schemas in dist/ (run `npm run schema`, which builds first).
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../dist/config/index.js';

const target = new URL('./klaxon.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target.pathname}\n`);
