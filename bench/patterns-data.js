// Deterministic data and rules for `npm run bench:patterns`.
//
// The events are shaped like the public "citylots2" benchmark used by aws/event-ruler: one GeoJSON
// Feature per line (San Francisco lots), with string properties MAPBLKLOT, BLKLOT, BLOCK_NUM,
// LOT_NUM, FROM_ST, TO_ST, STREET, ODD_EVEN, a Polygon of [lon, lat, 0.0] points, and the first
// point repeated as geometry.firstCoordinates {x, y, z} for numeric rules. The values are made up
// by a seeded generator, so every run (and every engine fed the same file) sees the same bytes.

import { once } from 'node:events';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Number of events in the real citylots2 file, and so in the generated one. */
export const CITYLOTS2_EVENTS = 213_068;

/**
 * The events of a JSON-lines file (gzip allowed when the name ends in .gz), the first `limit` if
 * given. Each line is decoded from the file's bytes on its own, as an event read from a socket or a
 * queue message is: splitting one decoded string of the whole file would give slices of a 200 MB
 * string instead, which the engine reads more slowly character by character.
 */
export function readEvents(file, limit) {
  const raw = readFileSync(file);
  const bytes = file.endsWith('.gz') ? gunzipSync(raw) : raw;
  const events = [];
  for (let start = 0; start < bytes.length && (limit === undefined || events.length < limit); ) {
    let end = bytes.indexOf(10, start);
    if (end < 0) end = bytes.length;
    if (end > start) events.push(bytes.toString('utf8', start, end));
    start = end + 1;
  }
  return events;
}

/** A small, fast, seeded PRNG (mulberry32): the same seed always gives the same sequence. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const STREETS = [
  'UNKNOWN',
  'ACADIA',
  'ADA',
  'AGUA',
  'ALEMANY',
  'ALVARADO',
  'ARGUELLO',
  'BAKER',
  'BALBOA',
  'BAY',
  'BEACH',
  'BRODERICK',
  'BRYANT',
  'BUSH',
  'CALIFORNIA',
  'CASTRO',
  'CHESTNUT',
  'CLAY',
  'CLEMENT',
  'COLE',
  'DIAMOND',
  'DIVISADERO',
  'DOLORES',
  'ELLIS',
  'FELL',
  'FILLMORE',
  'FOLSOM',
  'FULTON',
  'GEARY',
  'GOLDEN GATE',
  'GREEN',
  'GUERRERO',
  'HAIGHT',
  'HARRISON',
  'HAYES',
  'HOWARD',
  'IRVING',
  'JACKSON',
  'JEFFERSON',
  'JUDAH',
  'KEARNY',
  'LAGUNA',
  'LARKIN',
  'LINCOLN',
  'LOMBARD',
  'MARKET',
  'MASON',
  'MISSION',
  'MONTGOMERY',
  'NOE',
  'OAK',
  "O'FARRELL",
  'PAGE',
  'PINE',
  'POLK',
  'POST',
  'POWELL',
  'SACRAMENTO',
  'SANCHEZ',
  'SCOTT',
  'STEINER',
  'STOCKTON',
  'SUTTER',
  'TARAVAL',
  'TAYLOR',
  'TURK',
  'UNION',
  'VALENCIA',
  'VAN NESS',
  'VALLEJO',
  'WASHINGTON',
  'WEBSTER',
];

const pad = (n, width) => String(n).padStart(width, '0');

/** The i-th event of the generated data set, as a parsed value (deterministic in i). */
export function citylot(i) {
  const r = random(0x5eed + i * 7919);
  const block = 1 + Math.floor(r() * 7600);
  const lot = 1 + Math.floor(r() * 140);
  const letter = r() < 0.08 ? 'ABCDEFGH'.charAt(Math.floor(r() * 8)) : '';
  const blockNum = pad(block, 4) + letter;
  const lotNum = pad(lot, 3);
  const from = Math.floor(r() * 4000);
  const street = STREETS[Math.floor(r() * STREETS.length)];
  const lon0 = -122.515 + r() * 0.16;
  const lat0 = 37.708 + r() * 0.1;
  const points = 8 + Math.floor(r() * 12);
  const ring = [];
  for (let p = 0; p < points; p++) {
    const angle = (2 * Math.PI * p) / points;
    ring.push([lon0 + Math.cos(angle) * r() * 3e-4, lat0 + Math.sin(angle) * r() * 3e-4, 0.0]);
  }
  ring.push(ring[0]);
  return {
    type: 'Feature',
    properties: {
      MAPBLKLOT: blockNum + lotNum,
      BLKLOT: blockNum + lotNum,
      BLOCK_NUM: blockNum,
      LOT_NUM: lotNum,
      FROM_ST: String(from),
      TO_ST: String(from + (r() < 0.7 ? 0 : 2 + 2 * Math.floor(r() * 20))),
      STREET: street,
      ST_TYPE: street === 'UNKNOWN' ? null : ['ST', 'AVE', 'BLVD', 'WAY'][Math.floor(r() * 4)],
      ODD_EVEN: from % 2 === 0 ? 'E' : 'O',
    },
    geometry: {
      type: 'Polygon',
      coordinates: [ring],
      firstCoordinates: { x: ring[0][0], y: ring[0][1], z: 0 },
    },
  };
}

/** Writes `count` events as JSON lines to `file` (skipped by the caller when the file exists). */
export async function writeCitylots2(file, count = CITYLOTS2_EVENTS) {
  mkdirSync(dirname(file), { recursive: true });
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    if (!out.write(`${JSON.stringify(citylot(i))}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

// ------------------------------------------------------------------------------------------------
// Rules: 5 per family, written against values the generator produces, plus mixed sets.

const lotOf = (i) => citylot(i).properties;
const firstX = (i) => citylot(i).geometry.firstCoordinates.x;

/** The rule families, 5 rules each, as {family: {ruleName: pattern}}. */
export function ruleFamilies() {
  const families = {
    exact: (k) => ({ properties: { MAPBLKLOT: [lotOf(k * 101).MAPBLKLOT] } }),
    prefix: (k) => ({ properties: { STREET: [{ prefix: ['AC', 'BA', 'CL', 'GO', 'MA'][k] }] } }),
    suffix: (k) => ({ properties: { STREET: [{ suffix: ['ON', 'ER', 'ST', 'AY', 'RO'][k] }] } }),
    'equals-ignore-case': (k) => ({
      properties: {
        STREET: [{ 'equals-ignore-case': ['jefferson', 'Bush', 'fulTON', 'van ness', 'mIsSiOn'][k] }],
      },
    }),
    'prefix-equals-ignore-case': (k) => ({
      properties: { STREET: [{ prefix: { 'equals-ignore-case': ['ac', 'Ba', 'cL', 'go', 'MA'][k] } }] },
    }),
    'suffix-equals-ignore-case': (k) => ({
      properties: { STREET: [{ suffix: { 'equals-ignore-case': ['on', 'Er', 'sT', 'ay', 'rO'][k] } }] },
    }),
    wildcard: (k) => ({
      properties: { MAPBLKLOT: [{ wildcard: ['143*', '2*7*', '*01', '3*4*5', '*6*'][k] }] },
    }),
    'anything-but': (k) => ({
      properties: {
        STREET: [
          { 'anything-but': [['FULTON'], ['MASON', 'POLK'], 'UNKNOWN', ['BAY', 'OAK', 'ADA'], 'NOE'][k] },
        ],
      },
    }),
    'anything-but-prefix': (k) => ({
      properties: { STREET: [{ 'anything-but': { prefix: ['A', 'B', 'C', 'M', 'S'][k] } }] },
    }),
    'anything-but-suffix': (k) => ({
      properties: { STREET: [{ 'anything-but': { suffix: ['ON', 'ER', 'ST', 'AY', 'N'][k] } }] },
    }),
    'anything-but-equals-ignore-case': (k) => ({
      properties: {
        STREET: [
          {
            'anything-but': {
              'equals-ignore-case': [['fulton'], ['Mason', 'polk'], 'unknown', ['bay'], 'noe'][k],
            },
          },
        ],
      },
    }),
    'anything-but-wildcard': (k) => ({
      properties: {
        MAPBLKLOT: [{ 'anything-but': { wildcard: ['1*', '*0', '2*3*', ['4*', '5*'], '*9*'][k] } }],
      },
    }),
    numeric: (k) => ({
      geometry: {
        type: ['Polygon'],
        firstCoordinates: {
          x: [
            [{ numeric: ['=', firstX(k * 37)] }],
            [{ numeric: ['<', -122.5] }],
            [{ numeric: ['>=', -122.4, '<', -122.39] }],
            [{ numeric: ['>', -122.36] }],
            [{ numeric: ['>', -122.45, '<=', -122.449] }],
          ][k],
        },
      },
    }),
    cidr: (k) => ({
      properties: {
        MAPBLKLOT: [
          { cidr: ['10.0.0.0/8', '192.168.0.0/16', '172.16.0.0/12', '2001:db8::/32', '100.64.0.0/10'][k] },
        ],
      },
    }),
    'complex-arrays': (k) => ({
      geometry: {
        type: ['Polygon'],
        coordinates: [
          [{ numeric: ['>', -122.42, '<', -122.419] }],
          [{ numeric: ['=', citylot(k * 53).geometry.coordinates[0][2][1]] }],
          [{ numeric: ['>=', 37.8, '<', 37.8001] }],
          [0],
          [{ numeric: ['<', -122.514] }],
        ][k],
      },
      properties: { ODD_EVEN: [['E', 'O'][k % 2]], STREET: [{ 'anything-but': 'UNKNOWN' }] },
    }),
  };
  const out = {};
  for (const [family, make] of Object.entries(families)) {
    out[family] = {};
    for (let k = 0; k < 5; k++) out[family][`${family}-${k + 1}`] = make(k);
  }
  return out;
}

/**
 * `count` mixed rules cycling through the families, each with its own operand taken from the data.
 * Like real routing rules (source + detail-type + a detail condition), every rule whose operator
 * matches most values (anything-but, numeric, wildcard, cidr) also names one street, so each rule
 * matches a small share of the events; the report gives the matches per event.
 */
export function mixedRules(count) {
  const r = random(0xbe4c4 + count);
  const street = (i) => [STREETS[(i * 7) % STREETS.length]];
  const makers = [
    (i) => ({ properties: { MAPBLKLOT: [lotOf(i * 13).MAPBLKLOT] } }),
    (i) => ({ properties: { STREET: [{ prefix: STREETS[i % STREETS.length].slice(0, 1 + (i % 3)) }] } }),
    (i) => ({ properties: { STREET: [{ suffix: STREETS[i % STREETS.length].slice(-3) }] } }),
    (i) => ({
      properties: { STREET: [{ 'equals-ignore-case': STREETS[i % STREETS.length].toLowerCase() }] },
    }),
    (i) => ({
      properties: {
        STREET: [{ prefix: { 'equals-ignore-case': STREETS[i % STREETS.length].slice(0, 3).toLowerCase() } }],
      },
    }),
    (i) => ({ properties: { BLOCK_NUM: [{ suffix: { 'equals-ignore-case': pad(i % 1000, 3) } }] } }),
    (i) => ({ properties: { STREET: street(i), MAPBLKLOT: [{ wildcard: `${pad(i % 100, 2)}*${i % 10}` }] } }),
    (i) => ({
      properties: {
        STREET: [{ 'anything-but': [STREETS[i % STREETS.length], STREETS[(i + 7) % STREETS.length]] }],
        LOT_NUM: [pad(1 + (i % 140), 3)],
      },
    }),
    (i) => ({ properties: { STREET: street(i), LOT_NUM: [{ 'anything-but': { prefix: pad(i % 10, 2) } }] } }),
    (i) => ({ properties: { STREET: street(i), BLKLOT: [{ 'anything-but': { suffix: pad(i % 100, 3) } }] } }),
    (i) => ({
      properties: {
        STREET: [{ 'anything-but': { 'equals-ignore-case': STREETS[i % STREETS.length].toLowerCase() } }],
        LOT_NUM: [pad(1 + (i % 140), 3)],
      },
    }),
    (i) => ({
      properties: { STREET: street(i), MAPBLKLOT: [{ 'anything-but': { wildcard: `*${pad(i % 100, 2)}` } }] },
    }),
    (i) => {
      const low = -122.515 + r() * 0.16;
      return {
        properties: { STREET: street(i) },
        geometry: { firstCoordinates: { x: [{ numeric: ['>=', low, '<', low + 0.05] }] } },
      };
    },
    (i) => ({ properties: { STREET: street(i), FROM_ST: [{ cidr: `10.${i % 256}.0.0/16` }] } }),
    (i) => {
      const low = 37.708 + r() * 0.1;
      return {
        geometry: { type: ['Polygon'], coordinates: [{ numeric: ['>', low, '<', low + 0.01] }] },
        properties: { STREET: street(i), ODD_EVEN: [i % 2 === 0 ? 'E' : 'O'] },
      };
    },
  ];
  const out = {};
  for (let i = 0; i < count; i++) out[`mixed-${i + 1}`] = makers[i % makers.length](i);
  return out;
}

/** Writes every family and the 100/1,000 mixed sets as `<dir>/<family>.json` ({name: pattern}). */
export function writeRules(dir) {
  mkdirSync(dir, { recursive: true });
  const all = { ...ruleFamilies(), 'mixed-100': mixedRules(100), 'mixed-1000': mixedRules(1000) };
  for (const [family, rules] of Object.entries(all)) {
    writeFileSync(`${dir}/${family}.json`, `${JSON.stringify(rules, null, 1)}\n`);
  }
  return Object.keys(all);
}
