import { request } from 'node:https';
import { connect } from 'node:tls';

// What a client of an https/wss service sees: an answer when it trusts the certificate, the
// certificate the server presents (to tell a reload happened), and the TLS error when it does not.

/** An https request trusting `ca`; resolves status and body. */
export function httpsRequest(
  url: string,
  { ca, method = 'GET', body }: { ca?: Buffer; method?: string; body?: unknown },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, ca, headers: payload ? { 'content-type': 'application/json' } : {} }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The SHA-256 fingerprint of the certificate a TLS server on 127.0.0.1:port presents for `localhost`. */
export function presentedFingerprint(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.on('error', reject);
  });
}
