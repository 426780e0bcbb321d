// Python's repr() of a str and of bytes, because supervisord writes them
// into words users and tools read: supervisorctl's error messages, the main
// log's `'cat' stdout output:` lines, `Undecodable: b'\x88\n'` payloads.

/** repr(str): single quotes unless the text holds one and no double quote. */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === "\\" || char === quote) out += `\\${char}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code)}`;
    else out += char;
  }
  return out + quote;
}

/** repr(bytes): `b'...'`, printable ASCII as is, the rest as \xNN. */
export function pyBytesRepr(bytes: Uint8Array): string {
  const single = bytes.includes(0x27);
  const quote = single && !bytes.includes(0x22) ? '"' : "'";
  let out = `b${quote}`;
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    if (char === "\\" || char === quote) out += `\\${char}`;
    else if (byte === 0x0a) out += "\\n";
    else if (byte === 0x0d) out += "\\r";
    else if (byte === 0x09) out += "\\t";
    else if (byte < 0x20 || byte >= 0x7f) out += `\\x${hex(byte)}`;
    else out += char;
  }
  return out + quote;
}

function hex(code: number): string {
  return code.toString(16).padStart(2, "0");
}
