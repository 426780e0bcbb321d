// The XML-RPC codec of the control protocol in one import: the server (/RPC2)
// parses calls and encodes responses and faults, `tend ctl` encodes calls and
// parses responses. The work is done in xmlrpc-encoder.ts, xml-reader.ts and
// xmlrpc-decoder.ts; this file only names what the two sides use.

export { XmlRpcParseError } from "./xml-reader.ts";
export { type MethodResponse, parseMethodCall, parseMethodResponse } from "./xmlrpc-decoder.ts";
export { encodeFault, encodeMethodCall, encodeMethodResponse } from "./xmlrpc-encoder.ts";
export { isStruct, type XmlRpcStruct, type XmlRpcValue } from "./xmlrpc-value.ts";
