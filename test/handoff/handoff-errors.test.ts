import assert from 'node:assert/strict';
import { AppError } from '../../src/errors/app-error';
import { ERROR_CODES } from '../../src/errors/codes';
import { HandoffError, HandoffErrorCode, isHandoffError } from '../../src/handoff/handoff-errors';
import { errorBody, httpStatusOf } from '../../src/server/error-status';

describe('HandoffError', () => {
  const statuses: Record<HandoffErrorCode, number> = {
    PSB_HANDOFF_NOT_FOUND: 404,
    PSB_HANDOFF_ALREADY_CLAIMED: 409,
    PSB_HANDOFF_NOT_YOURS: 403,
    PSB_HANDOFF_CLOSED: 409,
    PSB_HANDOFF_NOT_CLAIMED: 409,
    PSB_HANDOFF_INVALID: 400,
    PSB_HANDOFF_UNAVAILABLE: 503,
  };

  for (const [code, status] of Object.entries(statuses) as [HandoffErrorCode, number][]) {
    it(`${code} is in the registry and maps to HTTP ${status}`, () => {
      const err = new HandoffError(code, undefined, { ticketId: 't-1' });
      assert.ok(err instanceof AppError);
      assert.ok(isHandoffError(err, code));
      assert.equal(err.name, 'HandoffError');
      assert.equal(err.message, ERROR_CODES[code]);
      assert.equal(httpStatusOf(err), status);
    });
  }

  it('puts the invalid field into the JSON body', () => {
    const err = new HandoffError('PSB_HANDOFF_INVALID', 'a message needs some text', { field: 'text' });
    assert.deepEqual(errorBody(err), { error: { code: 'PSB_HANDOFF_INVALID', message: 'a message needs some text', field: 'text' } });
  });
});
