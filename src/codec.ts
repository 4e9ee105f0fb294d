/**
 * How arguments and results are stored: JSON text with tagged values for what JSON
 * lacks. It is data only, never code, and every runtime writes and reads the same
 * text, so a task enqueued on Node runs on a Bun worker.
 *
 * A tagged value is an object whose only key is `$` plus the tag's payload key:
 * `{ "$": "date", "v": "2026-01-01T00:00:00.000Z" }`. A plain object that happens to
 * have a `$` key is wrapped as `{ "$": "object", "v": [[key, value], ...] }`, so no
 * user data is ever mistaken for a tag.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Raised when a value cannot be stored; the message names where it sits. */
export class EncodeError extends TypeError {
  override name = "EncodeError";
}

/**
 * Encodes a list of task arguments. A value that cannot be stored raises a
 * `TypeError` naming the argument's position (1-based) and the path inside it.
 */
export function encodeArguments(args: readonly unknown[], taskName: string): string {
  if (args.length === 0) return "[]";
  const encoded = args.map((value, index) =>
    encodeAny(value, { label: `argument ${index + 1} of task "${taskName}"`, path: "", seen: new Set() })
  );
  return JSON.stringify(encoded);
}

/** Decodes what `encodeArguments` stored. */
export function decodeArguments(text: string): unknown[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) {
    throw new TypeError(`stored arguments are not a list: ${text.slice(0, 80)}`);
  }
  return parsed.map((value) => decodeValue(value as Json));
}

/** Encodes any storable value to JSON text; `label` names the value in errors. */
export function encode(value: unknown, label: string): string {
  return JSON.stringify(encodeAny(value, { label, path: "", seen: new Set() }));
}

/** Decodes JSON text written by `encode`. */
export function decode(text: string): unknown {
  return decodeValue(JSON.parse(text) as Json);
}

interface EncodeContext {
  label: string;
  path: string;
  seen: Set<object>;
}

function fail(context: EncodeContext, problem: string, fix: string): never {
  const where = context.path === "" ? context.label : `${context.label} at ${context.path}`;
  throw new EncodeError(`cannot store ${where}: ${problem}; ${fix}`);
}

function encodeAny(value: unknown, context: EncodeContext): Json {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return encodeNumber(value);
    case "bigint":
      return { $: "bigint", v: value.toString() };
    case "undefined":
      return { $: "undefined" };
    case "function":
      return fail(context, `it is a function (${value.name || "anonymous"})`, "pass data, and look the function up inside the task");
    case "symbol":
      return fail(context, `it is a symbol (${String(value)})`, "pass a string instead");
    case "object":
      return value === null ? null : encodeObject(value, context);
  }
  return fail(context, `values of type ${typeof value} are not supported`, "pass plain data");
}

function encodeNumber(value: number): Json {
  if (Number.isNaN(value)) return { $: "number", v: "NaN" };
  if (value === Infinity) return { $: "number", v: "Infinity" };
  if (value === -Infinity) return { $: "number", v: "-Infinity" };
  if (Object.is(value, -0)) return { $: "number", v: "-0" };
  return value;
}

function encodeObject(value: object, context: EncodeContext): Json {
  if (context.seen.has(value)) {
    return fail(context, "it refers back to itself (a circular reference)", "pass a tree of values");
  }
  context.seen.add(value);
  try {
    return encodeContainer(value, context);
  } finally {
    context.seen.delete(value);
  }
}

function encodeContainer(value: object, context: EncodeContext): Json {
  if (Array.isArray(value)) {
    return Array.from(value, (item, index) => encodeAny(item, child(context, `[${index}]`)));
  }
  if (value instanceof Date) {
    const time = value.getTime();
    return { $: "date", v: Number.isNaN(time) ? null : value.toISOString() };
  }
  if (value instanceof Map) {
    const entries: Json[] = [];
    let index = 0;
    for (const [key, item] of value) {
      entries.push([
        encodeAny(key, child(context, `<map key ${index}>`)),
        encodeAny(item, child(context, `<map value ${index}>`)),
      ]);
      index++;
    }
    return { $: "map", v: entries };
  }
  if (value instanceof Set) {
    return { $: "set", v: Array.from(value, (item, index) => encodeAny(item, child(context, `<set item ${index}>`))) };
  }
  if (value instanceof RegExp) {
    return { $: "regexp", v: [value.source, value.flags] };
  }
  if (value instanceof Uint8Array) {
    return { $: "bytes", v: bytesToBase64(value) };
  }
  if (value instanceof Error) {
    return encodeError(value, context);
  }
  return encodePlainObject(value, context);
}

function encodePlainObject(value: object, context: EncodeContext): Json {
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    const className = (value as { constructor?: { name?: string } }).constructor?.name || "an unnamed class";
    return fail(
      context,
      `it is an instance of ${className}, and only plain objects, arrays, Date, Map, Set, RegExp, Uint8Array and Error can be stored`,
      "convert it to a plain object or a string first",
    );
  }

  const entries = Object.entries(value);
  const encoded: { [key: string]: Json } = {};
  for (const [key, item] of entries) {
    encoded[key] = encodeAny(item, child(context, `.${key}`));
  }

  // Wrap objects that own a "$" key so decoding never takes them for a tag.
  if (Object.hasOwn(value, "$")) {
    return { $: "object", v: Object.entries(encoded).map(([key, item]) => [key, item]) };
  }
  return encoded;
}

function encodeError(error: Error, context: EncodeContext): Json {
  const encoded: { [key: string]: Json } = {
    $: "error",
    name: error.name,
    message: error.message,
    stack: error.stack ?? null,
  };
  if (error.cause !== undefined) {
    encoded.cause = encodeAny(error.cause, child(context, ".cause"));
  }
  return encoded;
}

function child(context: EncodeContext, step: string): EncodeContext {
  return { label: context.label, path: context.path + step, seen: context.seen };
}

function decodeValue(value: Json): unknown {
  if (Array.isArray(value)) {
    return value.map(decodeValue);
  }
  if (value === null || typeof value !== "object") {
    return value;
  }
  if (!Object.hasOwn(value, "$")) {
    const decoded: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      decoded[key] = decodeValue(item);
    }
    return decoded;
  }
  return decodeTagged(value);
}

function decodeTagged(value: { [key: string]: Json }): unknown {
  const payload = value.v;
  switch (value.$) {
    case "undefined":
      return undefined;
    case "number":
      return Number(payload);
    case "bigint":
      return BigInt(payload as string);
    case "date":
      return new Date(payload === null ? NaN : payload as string);
    case "map":
      return new Map((payload as Json[][]).map(([key, item]) => [decodeValue(key!), decodeValue(item!)]));
    case "set":
      return new Set((payload as Json[]).map(decodeValue));
    case "regexp":
      return new RegExp((payload as string[])[0]!, (payload as string[])[1]);
    case "bytes":
      return base64ToBytes(payload as string);
    case "error":
      return decodeError(value);
    case "object": {
      const decoded: Record<string, unknown> = {};
      for (const [key, item] of payload as [string, Json][]) {
        decoded[key] = decodeValue(item);
      }
      return decoded;
    }
  }
  throw new TypeError(`stored value has an unknown tag ${JSON.stringify(value.$)}; was it written by a newer autocron?`);
}

function decodeError(value: { [key: string]: Json }): Error {
  const error = new Error(String(value.message ?? ""));
  error.name = String(value.name ?? "Error");
  if (typeof value.stack === "string") {
    error.stack = value.stack;
  }
  if (value.cause !== undefined) {
    error.cause = decodeValue(value.cause);
  }
  return error;
}

// `btoa` works on strings of code units, so the bytes are converted in chunks to
// stay clear of argument-count limits in `String.fromCharCode`.
function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let offset = 0; offset < bytes.length; offset += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  }
  return btoa(binary);
}

function base64ToBytes(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new TypeError("stored bytes are not valid base64");
  }
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) {
    bytes[index] = binary.charCodeAt(index);
  }
  return bytes;
}
