import { io, type Socket } from 'socket.io-client';
import type { JobUpdate, TokenSource } from './api';

export interface LiveHandlers {
  update(update: JobUpdate): void;
  /** Connected (again): updates may have been missed while away, so the list should be read afresh. */
  connected(): void;
  state(text: string): void;
  /** The server ended the socket because the token expired and it cannot be renewed here. */
  expired(): void;
}

/**
 * The Socket.IO `/jobs` namespace of this origin: every `job.update` of the signed-in user. The token is asked for at
 * each (re)connection, so a renewable (Clerk) session reconnects with a fresh one after `session.expired`.
 */
export function connectLive(token: TokenSource, renewable: boolean, on: LiveHandlers): Socket {
  const socket = io('/jobs', {
    auth: (cb) => {
      token().then(
        (value) => cb({ token: value }),
        () => cb({}),
      );
    },
  });
  socket.on('connect', () => {
    on.state('live');
    on.connected();
  });
  socket.on('disconnect', () => on.state('offline'));
  socket.on('connect_error', () => on.state('offline'));
  socket.on('job.update', (update: JobUpdate) => on.update(update));
  socket.on('session.expired', () => {
    if (renewable) socket.connect();
    else on.expired();
  });
  return socket;
}
