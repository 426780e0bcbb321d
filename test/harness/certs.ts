// A self-signed certificate for a local https server (https probes do not
// verify): made with openssl into a directory of the caller's.

/** `dir/cert.pem` and `dir/key.pem`, or why they could not be made. */
export function selfSignedCertificate(
  dir: string,
): { ok: true; cert: string; key: string } | { ok: false; problem: string } {
  const cert = `${dir}/cert.pem`;
  const key = `${dir}/key.pem`;
  if (Bun.which("openssl") === null) return { ok: false, problem: "no openssl" };
  const made = Bun.spawnSync(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdout: "ignore", stderr: "pipe" },
  );
  return made.success
    ? { ok: true, cert, key }
    : { ok: false, problem: `openssl: ${made.stderr.toString()}` };
}
