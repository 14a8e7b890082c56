// Checks the JS codec's layout (MESSAGES, ENUMS) against the SBE schema itself: the one XML file that is the wire
// contract. Plain regex parsing of the schema, no XML package. Run: node --test clients/src/test/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  decode, encode, ENUMS, MESSAGES, SCHEMA_ID, SCHEMA_VERSION,
} from '../../main/resources/web/tickwire-decoder.js';

const SCHEMA_PATH = fileURLToPath(
  new URL('../../../../codec/src/main/resources/sbe/tickwire-schema.xml', import.meta.url));
const PRIMITIVE_SIZE = {
  int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, double: 8,
};
/** Templates of the engine's internal rings and ingest, not of the feed. */
const INTERNAL = new Set([1, 2, 3, 4, 60, 61, 70, 76, 72, 73, 74, 75, 80, 82]); // 72..75: the WebSocket ingest protocol's

const attrs = (text) => Object.fromEntries([...text.matchAll(/([\w:]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));

/** The schema as plain objects: its header attributes, named types, enums and messages with computed offsets. */
function parseSchema(xml) {
  xml = xml.replace(/<!--[\s\S]*?-->/g, '');
  const schema = attrs(xml.match(/<sbe:messageSchema\b([^>]*)>/)[1]);
  const types = {};
  for (const m of xml.matchAll(/<type\s([^>]*?)\/>/g)) {
    const a = attrs(m[1]);
    types[a.name] = a.primitiveType;
  }
  const enums = {};
  for (const m of xml.matchAll(/<enum\s([^>]*)>([\s\S]*?)<\/enum>/g)) {
    const a = attrs(m[1]);
    const values = {};
    for (const v of m[2].matchAll(/<validValue\s+name="(\w+)"[^>]*>\s*(\d+)\s*<\/validValue>/g)) values[v[2]] = v[1];
    enums[a.name] = { encodingType: a.encodingType, values };
  }
  const composites = new Set([...xml.matchAll(/<composite\s+name="(\w+)"/g)].map((m) => m[1]));

  const resolve = (type) => {
    if (PRIMITIVE_SIZE[type]) return { primitive: type };
    if (enums[type]) return { primitive: enums[type].encodingType, enum: type };
    if (types[type]) return { primitive: types[type] };
    throw new Error(`schema type ${type} not resolved`);
  };
  const messages = [];
  for (const m of xml.matchAll(/<sbe:message\s([^>]*)>([\s\S]*?)<\/sbe:message>/g)) {
    const a = attrs(m[1]);
    const message = { name: a.name, id: Number(a.id), fields: [], groups: [], data: [] };
    let current = message; // the message, or the group being read
    let offset = 0;
    for (const t of m[2].matchAll(/<(\/?)(field|group|data)\b([^>]*?)(\/?)>/g)) {
      const [, closing, tag, body] = t;
      if (closing) { // </group>
        current.blockLength = offset;
        current = message;
        offset = message.blockLength;
        continue;
      }
      const x = attrs(body);
      const since = Number(x.sinceVersion ?? 0);
      if (tag === 'field') {
        const r = resolve(x.type);
        current.fields.push({ name: x.name, offset, type: r.primitive, enum: r.enum, since });
        offset += PRIMITIVE_SIZE[r.primitive];
      } else if (tag === 'group') {
        message.blockLength ??= offset;
        const group = { name: x.name, since, fields: [], data: [] };
        message.groups.push(group);
        current = group;
        offset = 0;
      } else {
        assert.ok(composites.has(x.type), `data ${x.name} of a composite type`);
        current.data.push({ name: x.name, kind: x.type === 'varStringEncoding' ? 'string' : 'bytes', since });
      }
    }
    message.blockLength ??= offset;
    messages.push(message);
  }
  return { id: Number(schema.id), version: Number(schema.version), enums, messages };
}

const schema = parseSchema(readFileSync(SCHEMA_PATH, 'utf8'));
const feedMessages = schema.messages.filter((m) => !INTERNAL.has(m.id));

const layout = (fields) => fields.map((x) => ({
  name: x.name, offset: x.offset, type: x.type, enum: x.enum, since: x.since,
}));
const dataLayout = (data) => data.map((x) => ({ name: x.name, kind: x.kind, since: x.since }));

test('schema id and version', () => {
  assert.equal(SCHEMA_ID, schema.id);
  assert.equal(SCHEMA_VERSION, schema.version);
});

test('every feed message of the schema is in MESSAGES, and nothing else', () => {
  assert.ok(feedMessages.length >= 14, `${feedMessages.length} feed messages parsed`);
  assert.deepEqual(Object.keys(MESSAGES).sort(), feedMessages.map((m) => m.name).sort());
});

for (const s of feedMessages) {
  test(`${s.name} (${s.id}): template id, block length, every field's offset, type and version`, () => {
    const m = MESSAGES[s.name];
    assert.equal(m.templateId, s.id);
    assert.equal(m.blockLength, s.blockLength);
    assert.deepEqual(layout(m.fields), layout(s.fields));
    assert.deepEqual(m.groups.map((g) => g.name), s.groups.map((g) => g.name));
    m.groups.forEach((g, i) => {
      const sg = s.groups[i];
      assert.equal(g.since, sg.since, `${g.name} sinceVersion`);
      assert.equal(g.blockLength, sg.blockLength, `${g.name} blockLength`);
      assert.deepEqual(layout(g.fields), layout(sg.fields), `${g.name} fields`);
      assert.deepEqual(dataLayout(g.data), dataLayout(sg.data), `${g.name} data`);
    });
    assert.deepEqual(dataLayout(m.data), dataLayout(s.data));
  });
}

test('enum values match the schema', () => {
  for (const [name, values] of Object.entries(ENUMS)) {
    assert.ok(schema.enums[name], `enum ${name} in the schema`);
    assert.deepEqual({ ...values }, schema.enums[name].values, name);
  }
  const used = new Set(schema.messages.filter((m) => !INTERNAL.has(m.id))
    .flatMap((m) => [...m.fields, ...m.groups.flatMap((g) => g.fields)]).map((x) => x.enum).filter(Boolean));
  for (const name of used) assert.ok(ENUMS[name], `enum ${name} decoded`);
});

/** A value for every field of a layout, distinct per field, within its type's range. */
function sample(fields, seed) {
  const out = {};
  fields.forEach((x, i) => {
    if (x.enum) {
      const codes = Object.keys(ENUMS[x.enum]);
      out[x.as] = ENUMS[x.enum][codes[(seed + i) % codes.length]];
      out[x.raw] = Number(codes[(seed + i) % codes.length]);
    } else {
      const v = {
        uint8: 200, uint16: 60_000, int16: -30_000, int32: -70_000, uint32: 4_000_000_000, int64: -(2 ** 40),
        double: 0.1,
      }[x.type];
      out[x.name] = x.type === 'uint16' || x.type === 'uint8' ? v - seed - i
        : x.type === 'double' ? v * (seed + i + 1) : v + seed * 1000 + i;
    }
  });
  return out;
}

test('every message round-trips through encode and decode at the current version', () => {
  for (const m of Object.values(MESSAGES)) {
    const msg = { type: m.type, version: SCHEMA_VERSION, ...sample(m.fields, 1) };
    for (const g of m.groups) {
      msg[g.name] = [2, 3].map((seed) => {
        const entry = sample(g.fields, seed);
        for (const x of g.data) {
          entry[x.as] = x.kind === 'string' ? `${g.name}-${seed}-ü` : Uint8Array.of(seed, 255, 0, seed);
        }
        return entry;
      });
    }
    for (const x of m.data) msg[x.as] = x.kind === 'string' ? `${x.name} ✓` : Uint8Array.of(9);
    assert.deepEqual(decode(encode(m.type, msg)), msg, m.name);
  }
});
