// The command table: every command the double answers, by name as it appears on the wire.
import type { CommandHandler } from '../state.js';
import { aggregateCommands } from './aggregate.js';
import { collectionAdminCommands } from './collection-admin.js';
import { cursorCommands } from './cursor.js';
import { failPointCommands } from './fail-point.js';
import { findAndModifyCommands } from './find-and-modify.js';
import { handshakeCommands } from './handshake.js';
import { namespaceCommands } from './namespace.js';
import { readCommands } from './read.js';
import { writeCommands } from './write.js';

/** All commands; anything else is CommandNotFound (59). */
export const commandTable: ReadonlyMap<string, CommandHandler> = new Map(
  Object.entries({
    ...handshakeCommands,
    ...readCommands,
    ...writeCommands,
    ...findAndModifyCommands,
    ...aggregateCommands,
    ...cursorCommands,
    ...namespaceCommands,
    ...collectionAdminCommands,
    ...failPointCommands,
  }),
);
