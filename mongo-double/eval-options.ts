// The options of a command that change how mingo evaluates it: `let` (user variables, $$name in
// $expr and pipelines) and `collation`. Parsed once per command (or statement), passed to every
// evaluation it makes.
import type { Document } from 'bson';
import type { Context } from 'mingo/core';
import type { CollationSpec } from 'mingo/types';
import { parseCollation } from './collation.js';
import { isPlainObject } from './documents.js';
import { CommandError } from './errors.js';

/** What mingo needs besides the query or pipeline itself. */
export interface EvalOptions {
  variables?: Document;
  /** A collation other than 'simple', for sorting... */
  collation?: CollationSpec;
  /** ...and the collation-aware query operators that go with it. */
  context?: Context;
}

/** The command's `let` and the `collation` of `statement` (by default the command's own). */
export function evalOptionsOf(command: Document, statement: Document = command): EvalOptions {
  return { ...variablesOf(command), ...parseCollation(statement.collation) };
}

/** The command's `let` as mingo variables, checked as mongod checks them. */
function variablesOf(command: Document): EvalOptions {
  const variables: unknown = command.let;
  if (variables === undefined) return {};
  if (!isPlainObject(variables)) throw new CommandError('TypeMismatch', "BSON field 'let' is the wrong type, expected type 'object'");
  for (const name of Object.keys(variables)) {
    // mongod's variable_validation: a lowercase ASCII letter or a non-ASCII character first, then letters, digits, _.
    if (name.length === 0) throw new CommandError('Location16869', 'empty variable names are not allowed');
    if (!/^[a-z\u0080-\uffff]/.test(name))
      throw new CommandError('Location16870', `'${name}' starts with an invalid character for a user variable name`);
    if (!/^[A-Za-z0-9_\u0080-\uffff]*$/.test(name))
      throw new CommandError('Location16871', `'${name}' contains an invalid character for a variable name`);
  }
  return { variables };
}
