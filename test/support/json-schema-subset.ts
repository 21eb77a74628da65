/**
 * A checker for the part of JSON Schema (2020-12) our schemas use, so tests can hold a document
 * against its published schema without a validator dependency: type, const, enum, required,
 * properties, additionalProperties, items, minLength, minimum, format "date-time" and local $ref.
 * A schema using any other keyword is refused, so the subset never silently ignores a rule.
 */
export type JsonSchema = Readonly<Record<string, unknown>>;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$comment', '$defs']);
const CHECKED = new Set(['type', 'const', 'enum', 'required', 'properties', 'additionalProperties', 'items', 'minLength', 'minimum', 'format', '$ref']);
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function resolve(ref: string, root: JsonSchema): JsonSchema {
  if (!ref.startsWith('#/')) throw new Error(`only local $ref are supported, got ${ref}`);
  let target: unknown = root;
  for (const part of ref.slice(2).split('/')) target = (target as Record<string, unknown>)?.[part];
  if (typeof target !== 'object' || target === null) throw new Error(`$ref ${ref} points nowhere`);
  return target as JsonSchema;
}

/** Every way `value` breaks `schema`, as "path: problem" (empty when it conforms). */
export function schemaProblems(schema: JsonSchema, value: unknown, root: JsonSchema = schema, at = '$'): string[] {
  for (const keyword of Object.keys(schema)) if (!ANNOTATIONS.has(keyword) && !CHECKED.has(keyword)) throw new Error(`json-schema-subset does not support "${keyword}" (at ${at})`);
  if (typeof schema.$ref === 'string') return schemaProblems(resolve(schema.$ref, root), value, root, at);
  const problems: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((type) => matchesType(value, type))) return [`${at}: expected ${types.join(' or ')}, got ${typeOf(value)}`];
  }
  if ('const' in schema && JSON.stringify(value) !== JSON.stringify(schema.const)) problems.push(`${at}: expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) problems.push(`${at}: not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.format === 'date-time' && (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))) problems.push(`${at}: not a date-time`);
  }
  if (typeof value === 'number' && typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${at}: below ${schema.minimum}`);
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in object)) problems.push(`${at}: missing "${key}"`);
    const properties = (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
    for (const [key, inner] of Object.entries(object)) {
      if (properties[key]) problems.push(...schemaProblems(properties[key], inner, root, `${at}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${at}: unexpected "${key}"`);
      else if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null) problems.push(...schemaProblems(schema.additionalProperties as JsonSchema, inner, root, `${at}.${key}`));
    }
  }
  if (Array.isArray(value) && typeof schema.items === 'object' && schema.items !== null) {
    value.forEach((item, i) => problems.push(...schemaProblems(schema.items as JsonSchema, item, root, `${at}[${i}]`)));
  }
  return problems;
}
