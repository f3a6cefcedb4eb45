// The options of a command that change how mingo evaluates it: `let` (user variables, $$name in
// $expr and pipelines). Parsed once per command, passed to every evaluation it makes.
import type { Document } from 'bson';
import { isPlainObject } from './documents.js';
import { CommandError } from './errors.js';

/** What mingo needs besides the query or pipeline itself. */
export interface EvalOptions {
  variables?: Document;
}

/** The command's `let` as mingo variables, checked as mongod checks them. */
export function evalOptionsOf(command: Document): EvalOptions {
  const variables: unknown = command.let;
  if (variables === undefined) return {};
  if (!isPlainObject(variables)) throw new CommandError('TypeMismatch', "BSON field 'let' is the wrong type, expected type 'object'");
  for (const name of Object.keys(variables)) {
    // mongod's variable_validation: a lowercase ASCII letter or a non-ASCII character first, then letters, digits, _.
    if (name.length === 0) throw new CommandError('Location16869', 'empty variable names are not allowed');
    if (!/^[a-z\u0080-\uffff]/.test(name)) throw new CommandError('Location16870', `'${name}' starts with an invalid character for a user variable name`);
    if (!/^[A-Za-z0-9_\u0080-\uffff]*$/.test(name)) throw new CommandError('Location16871', `'${name}' contains an invalid character for a variable name`);
  }
  return { variables };
}
