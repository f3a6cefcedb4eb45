import { connect as tcpConnect } from 'node:net';
import { WebSocket } from 'ws';
import { VALID_RELAY_TOKEN, type MalformedRelayInput, type RelayAnswer } from './malformed-connections.js';

// Plays one malformed input against a relay and reports what a client observed: the HTTP status that
// replaced the 101, the close code that followed it, or `open` if the relay neither refused nor closed
// within the timeout (which for a malformed input is always wrong).

/** What a client observed. */
export type ObservedAnswer = RelayAnswer | { open: true } | { error: string };

/** Sends `input` to the relay at `host:port` and reports the answer. */
export function answerRelayInput(host: string, port: number, input: MalformedRelayInput, timeoutMs = 5_000): Promise<ObservedAnswer> {
  return input.raw !== undefined
    ? rawAnswer(host, port, input.raw.replace('{{TOKEN}}', VALID_RELAY_TOKEN), timeoutMs)
    : clientAnswer(host, port, input, timeoutMs);
}

function clientAnswer(host: string, port: number, input: MalformedRelayInput, timeoutMs: number): Promise<ObservedAnswer> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {
      ...(input.auth === false ? {} : { Authorization: `Bearer ${VALID_RELAY_TOKEN}` }),
      ...input.headers,
    };
    const ws = new WebSocket(`ws://${host}:${port}${input.target}`, { headers, handshakeTimeout: timeoutMs });
    const timer = setTimeout(() => finish({ open: true }), timeoutMs);
    let done = false;
    function finish(answer: ObservedAnswer): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.terminate();
      resolve(answer);
    }
    ws.on('unexpected-response', (_request, response) => {
      response.resume();
      finish({ http: response.statusCode ?? 0 });
    });
    ws.on('open', () => {
      for (const frame of input.frames ?? [])
        ws.send(frame.data, { binary: frame.binary ?? typeof frame.data !== 'string', fin: frame.fin ?? true });
    });
    ws.on('close', (code) => finish({ close: code }));
    ws.on('error', (error) => {
      // A refusal shows up as 'unexpected-response' first; a reset while we were still writing a large
      // frame comes before the close frame could be read, so wait for 'close' a moment longer.
      if (!/Unexpected server response/.test(error.message) && ws.readyState === ws.CONNECTING) finish({ error: error.message });
    });
  });
}

function rawAnswer(host: string, port: number, request: string, timeoutMs: number): Promise<ObservedAnswer> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, host);
    let received = '';
    const finish = (answer: ObservedAnswer) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish({ open: true }), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(received);
      if (status) finish({ http: Number(status[1]) });
    });
    socket.on('error', (error) => finish({ error: error.message }));
    socket.on('close', () => finish({ error: `closed without an answer: ${JSON.stringify(received.slice(0, 40))}` }));
    socket.write(request);
  });
}
