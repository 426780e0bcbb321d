// The values XML-RPC carries, as TypeScript sees them, and the checks on
// their shape that the server (its parameters) and the client (its replies)
// both make. The nesting limit is here because encoder and decoder share it.

export type XmlRpcValue =
  | string
  | number
  | boolean
  | null
  | Date
  | Uint8Array
  | XmlRpcValue[]
  | { [key: string]: XmlRpcValue };

/** An XML-RPC `<struct>`: members by name. */
export type XmlRpcStruct = { [key: string]: XmlRpcValue };

/** Arrays and structs may nest this deep: a guard against stack exhaustion, far above any real use. */
export const MAX_NESTING = 100;

/** Whether a value is a struct (an object that is not an array, a dateTime or base64 bytes). */
export function isStruct(value: XmlRpcValue | undefined): value is XmlRpcStruct {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array)
  );
}
