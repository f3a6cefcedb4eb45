import type { WebSocket } from 'ws';
import type { ConnectRequest, Hub } from '../../relay/hub-types.js';
import { PROTOCOL_VERSION, type EventMessage, type WelcomeMessage } from '../../relay/protocol.js';

// A minimal Hub for edge tests that must not depend on the delivery core: it welcomes each socket
// and broadcasts pushed events to sockets whose ops match. Used only where the real hub is not needed.

/** A fake hub the test drives: `push` sends an event to every matching socket. */
export interface FakeHub extends Hub {
  ready: boolean;
  requests: ConnectRequest[];
  push(event: EventMessage): void;
}

/** Builds a fake hub that is ready unless told otherwise. */
export function createFakeHub(): FakeHub {
  const sockets = new Map<WebSocket, ConnectRequest>();
  const hub: FakeHub = {
    ready: true,
    requests: [],
    get clientCount() {
      return sockets.size;
    },
    connect(socket, request) {
      hub.requests.push(request);
      sockets.set(socket, request);
      socket.once('close', () => sockets.delete(socket));
      const welcome: WelcomeMessage = {
        type: 'welcome',
        protocol: PROTOCOL_VERSION,
        relayId: 'fake',
        heartbeatMs: 0,
        resume: 'none',
        subscription: request.subscription,
      };
      socket.send(JSON.stringify(welcome));
    },
    push(event) {
      const text = JSON.stringify(event);
      for (const [socket, request] of sockets) {
        if (request.subscription.ops.includes(event.op)) socket.send(text);
      }
    },
    async close() {},
  };
  return hub;
}
