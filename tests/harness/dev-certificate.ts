import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// A certificate made at test time by the project's own script (deploy/dev-certificate.sh, openssl),
// so the tests exercise what a developer runs.

const script = fileURLToPath(new URL('../../deploy/dev-certificate.sh', import.meta.url));
const run = promisify(execFile);

/** A self-signed certificate for localhost/127.0.0.1: the files, and the PEM text to trust as a CA. */
export interface DevCertificate {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

/** Writes cert.pem and key.pem into `dir`. */
export async function makeDevCertificate(dir: string): Promise<DevCertificate> {
  await run('bash', [script, dir]);
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  return { certFile, keyFile, cert: await readFile(certFile), key: await readFile(keyFile) };
}
