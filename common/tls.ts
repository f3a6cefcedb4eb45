import { readFileSync } from 'node:fs';
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from './logger.js';

// Certificates for the services that serve https/wss themselves (API_TLS_*, RELAY_TLS_*). The files
// are read at start and again on SIGHUP, so a renewed certificate (certbot, cert-manager) is picked
// up without dropping a single connection: only new handshakes use it.

/** Where a service's certificate chain and private key are (PEM files). */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** A certificate chain and its key, as node:tls takes them. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

/** Reads both files; throws (naming the file) when one cannot be read. */
export function readTlsFiles(files: TlsFiles): TlsMaterial {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`cannot read the TLS ${what} ${path}: ${(error as Error).message}`, { cause: error });
    }
  };
  return { cert: read(files.certFile, 'certificate'), key: read(files.keyFile, 'key') };
}

/**
 * Re-reads the files into a listening TLS server. A file that cannot be read, or a key that does not
 * match its certificate, is logged and the server keeps the certificate it had: a typo during a
 * renewal must not take the service down.
 */
export function reloadTls(server: Pick<TlsServer, 'setSecureContext'>, files: TlsFiles, logger: Logger): boolean {
  try {
    server.setSecureContext(readTlsFiles(files));
    logger.info({ certFile: files.certFile }, 'TLS certificate reloaded');
    return true;
  } catch (error) {
    logger.error({ err: error, certFile: files.certFile }, 'TLS certificate not reloaded; still serving the previous one');
    return false;
  }
}
