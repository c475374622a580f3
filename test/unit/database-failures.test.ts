import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isConnectionFailure } from '../../db/database.js';

function failure(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

test('a server going away, refusing, full or too slow is the database being unavailable', () => {
  for (const error of [
    failure('terminating connection due to administrator command', '57P01'),
    failure('the database system is starting up', '57P03'),
    failure('sorry, too many clients already', '53300'),
    failure('canceling statement due to statement timeout', '57014'),
    failure('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    failure('timeout exceeded when trying to connect'),
    failure('Connection terminated unexpectedly'),
  ]) {
    assert.equal(isConnectionFailure(error), true, error.message);
  }
});

test('a query at fault is not the database being unavailable', () => {
  for (const error of [
    failure('duplicate key value violates unique constraint', '23505'),
    failure('syntax error at or near "SELEC"', '42601'),
    failure('invalid byte sequence for encoding "UTF8": 0x00', '22021'),
  ]) {
    assert.equal(isConnectionFailure(error), false, error.message);
  }
});
