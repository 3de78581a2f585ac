/**
 * Customers: create, get, update, delete (docs/input.md#lists-sorting-and-search, docs/responses.md#resources, docs/domain-rules.md#customers).
 */
import { SYSTEM_ACTOR } from '../../src/modules/events/event-types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { apiTime } from '../support/shapes.js';
import { expectError, expectExactJson, expectValidationError } from '../support/assertions.js';
import { postConversation } from '../support/requests.js';
import { addMembership, createUser, memberAs, sql, userName } from '../support/factories.js';
import {
  CUSTOMER_KEYS,
  NOT_FOUND_CUSTOMER,
  deleteCustomer,
  emptyTenant,
  getCustomer,
  listedIds,
  newCustomer,
  postCustomer,
  putCustomer,
} from '../support/customers.js';
import { createCustomer } from '../../src/modules/customers/customer.service.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const now = () => apiTime(h.clock.now());

function fullBody(seed: SeedResult) {
  return {
    first_name: 'Ceyda',
    last_name: 'Zed',
    phone_number: '+90 555 111 22 33',
    email: 'ceyda@example.test',
    date_of_birth: '1990-05-17',
    gender: 'female',
    country_id: 792,
    identity_number: '12345678901',
    job: 'Pilot',
    address: 'Kadıköy, İstanbul',
    default_channel_id: seed.channels.whatsapp,
    user_id: seed.user_id,
  };
}

describe('POST /customers and GET /customers/{id}', () => {
  it('creates the documented example: 201, every key in order with its JSON type, and GET answers the same data', async () => {
    const seed = await emptyTenant(h);
    const response = await postCustomer(h, seed, fullBody(seed));
    expect(response.status, response.body).toBe(201);
    const id = response.json.data.id;
    expect(Number.isInteger(id)).toBe(true);
    expectExactJson(response.json, {
      success: 'Customer created successfully.',
      data: {
        id,
        first_name: 'Ceyda',
        last_name: 'Zed',
        phone_number: '+905551112233',
        email: 'ceyda@example.test',
        date_of_birth: '1990-05-17T00:00:00Z',
        gender: 'female',
        country_name: 'Türkiye',
        identity_number: '12345678901',
        job: 'Pilot',
        address: 'Kadıköy, İstanbul',
        default_channel_id: seed.channels.whatsapp,
        avatar_url: null,
        related_user: { id: seed.user_id, name: await userName(h, seed.user_id) },
        created_at: now(),
        updated_at: now(),
        deleted_at: null,
      },
    });

    const fetched = await getCustomer(h, seed, id);
    expect(fetched.status).toBe(200);
    expectExactJson(fetched.json, { success: 'Customer retrieved successfully.', data: response.json.data });
    // Leading zeros in a path id read as decimal (docs/request-checks.md#paths-and-path-ids).
    expect((await getCustomer(h, seed, `00${id}`)).json.data).toEqual(response.json.data);
  });

  it('keeps every key with null for a customer with only a first name; strings are trimmed', async () => {
    const seed = await emptyTenant(h);
    const response = await postCustomer(h, seed, { first_name: '  Ada  ', last_name: '   ', email: null });
    expect(response.status, response.body).toBe(201);
    const data = response.json.data;
    expect(Object.keys(data)).toEqual(CUSTOMER_KEYS);
    expect(data).toEqual({
      id: data.id,
      first_name: 'Ada',
      last_name: null,
      phone_number: null,
      email: null,
      date_of_birth: null,
      gender: null,
      country_name: null,
      identity_number: null,
      job: null,
      address: null,
      default_channel_id: null,
      avatar_url: null,
      related_user: null,
      created_at: now(),
      updated_at: now(),
      deleted_at: null,
    });
  });

  it('accepts integers as numeric strings, a date-time (its UTC calendar date) and unknown fields', async () => {
    const seed = await emptyTenant(h);
    const data = await newCustomer(h, seed, {
      country_id: '276',
      default_channel_id: String(seed.channels.telegram),
      user_id: ` ${seed.user_id} `,
      date_of_birth: '1990-05-17T23:30:00-02:00',
      avatar_url: 'https://evil.test/x.png',
      id: 1,
      tenant_id: 99,
    });
    expect(data).toMatchObject({
      country_name: 'Germany',
      default_channel_id: seed.channels.telegram,
      related_user: { id: seed.user_id },
      date_of_birth: '1990-05-18T00:00:00Z',
      avatar_url: null,
    });
    expect(data.id).not.toBe(1);
  });

  it('answers the documented 422 messages, one per field, every failing field at once in the documented order', async () => {
    const seed = await emptyTenant(h);
    const cases: Array<[Record<string, unknown>, Record<string, string[]>]> = [
      [{}, { first_name: ['The first name field is required.'] }],
      [{ first_name: '   ' }, { first_name: ['The first name field is required.'] }],
      [{ first_name: 42 }, { first_name: ['The first name field must be a string.'] }],
      [{ first_name: 'x'.repeat(256) }, { first_name: ['The first name field must not be greater than 255 characters.'] }],
      [{ first_name: 'A', last_name: 'é'.repeat(256) }, { last_name: ['The last name field must not be greater than 255 characters.'] }],
      [{ first_name: 'A', email: 'not-an-email' }, { email: ['The email field must be a valid email address.'] }],
      [
        { first_name: 'A', email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com` },
        { email: ['The email field must not be greater than 255 characters.'] },
      ],
      [{ first_name: 'A', email: 7 }, { email: ['The email field must be a string.'] }],
      [{ first_name: 'A', gender: 'unknown' }, { gender: ['The selected gender is invalid.'] }],
      [{ first_name: 'A', gender: 'Male' }, { gender: ['The selected gender is invalid.'] }],
      [{ first_name: 'A', phone_number: '1'.repeat(21) }, { phone_number: ['The phone number field must not be greater than 20 characters.'] }],
      [{ first_name: 'A', date_of_birth: 'yesterday-ish' }, { date_of_birth: ['The date of birth field must be a valid date.'] }],
      [{ first_name: 'A', date_of_birth: '2001-02-29' }, { date_of_birth: ['The date of birth field must be a valid date.'] }],
      [{ first_name: 'A', country_id: 999 }, { country_id: ['The selected country id is invalid.'] }],
      [{ first_name: 'A', country_id: 99999999 }, { country_id: ['The selected country id is invalid.'] }],
      [{ first_name: 'A', country_id: 'abc' }, { country_id: ['The country id field must be an integer.'] }],
      [{ first_name: 'A', country_id: 1.5 }, { country_id: ['The country id field must be an integer.'] }],
      [{ first_name: 'A', identity_number: 'x'.repeat(256) }, { identity_number: ['The identity number field must not be greater than 255 characters.'] }],
      [{ first_name: 'A', job: 'x'.repeat(256) }, { job: ['The job field must not be greater than 255 characters.'] }],
      [{ first_name: 'A', address: 'x'.repeat(1001) }, { address: ['The address field must not be greater than 1000 characters.'] }],
      [{ first_name: 'A', default_channel_id: 999999999 }, { default_channel_id: ['The selected default channel id is invalid.'] }],
      [{ first_name: 'A', default_channel_id: true }, { default_channel_id: ['The default channel id field must be an integer.'] }],
      [{ first_name: 'A', user_id: 999999999 }, { user_id: ['The selected user id is invalid.'] }],
      [
        { first_name: null, email: 'bad', gender: 'x', user_id: 'one', job: [] },
        {
          first_name: ['The first name field is required.'],
          email: ['The email field must be a valid email address.'],
          gender: ['The selected gender is invalid.'],
          job: ['The job field must be a string.'],
          user_id: ['The user id field must be an integer.'],
        },
      ],
    ];
    for (const [body, errors] of cases) expectValidationError(await postCustomer(h, seed, body), errors);
    expect(await listedIds(h, seed)).toEqual([]);
  });

  it('checks the email shape of docs/domain-rules.md#customers', async () => {
    const seed = await emptyTenant(h);
    for (const email of ['a@b', '@example.com', 'a b@example.com', 'a@-x.com', 'a@x-.com', 'a@x.c', 'a@x.c0', 'a"b@x.com', `${'a'.repeat(65)}@x.com`]) {
      expectValidationError(await postCustomer(h, seed, { first_name: 'A', email }), { email: ['The email field must be a valid email address.'] });
    }
    for (const email of ['a.b+c@sub.example.com', 'ÇAĞLA@örnek.com.tr', 'x@a-b.io']) {
      expect((await postCustomer(h, seed, { first_name: 'A', email })).status, email).toBe(201);
    }
  });

  it('refuses a date of birth after today (UTC) and accepts today, even a date-time later today', async () => {
    // Tokens are checked against the clock too, so the tenant and its token come after the move.
    h.clock.set('2026-11-24T10:00:00Z');
    const seed = await emptyTenant(h);
    const late = { date_of_birth: ['The date of birth field must be a date before or equal to today.'] };
    expectValidationError(await postCustomer(h, seed, { first_name: 'A', date_of_birth: '2026-11-25' }), late);
    expectValidationError(await postCustomer(h, seed, { first_name: 'A', date_of_birth: '2026-11-25T00:00:00Z' }), late);
    expect((await newCustomer(h, seed, { date_of_birth: '2026-11-24' })).date_of_birth).toBe('2026-11-24T00:00:00Z');
    expect((await newCustomer(h, seed, { date_of_birth: '2026-11-24T23:59:59Z' })).date_of_birth).toBe('2026-11-24T00:00:00Z');
    // 01:00 at +02:00 on the 25th is still the 24th in UTC.
    expect((await newCustomer(h, seed, { date_of_birth: '2026-11-25T01:00:00+02:00' })).date_of_birth).toBe('2026-11-24T00:00:00Z');
  });
});

describe('phone numbers (docs/domain-rules.md#customers)', () => {
  it('stores E.164 when possible: international, 00 prefix, national with the country; otherwise the compacted text', async () => {
    const seed = await emptyTenant(h);
    const stored = async (body: Record<string, unknown>) => (await newCustomer(h, seed, body)).phone_number;
    expect(await stored({ phone_number: '+90 (555) 111-22-33' })).toBe('+905551112233');
    expect(await stored({ phone_number: '0049 30 1234567' })).toBe('+49301234567');
    expect(await stored({ phone_number: '0555 111 22 34', country_id: 792 })).toBe('+905551112234');
    expect(await stored({ phone_number: '(202) 555-0143', country_id: 840 })).toBe('+12025550143');
    // Without a country a national number cannot be read: stored compacted, as entered otherwise.
    expect(await stored({ phone_number: '0555.111/22 35' })).toBe('05551112235');
  });

  it('answers "format is invalid" for other characters, a + after the start, no digit, or an impossible international number', async () => {
    const seed = await emptyTenant(h);
    for (const phone_number of ['555-CALL-NOW', '555+1234', '+ - ( )', '+90 5', '+1 2', '0090 1', '555_1234']) {
      expectValidationError(await postCustomer(h, seed, { first_name: 'A', phone_number }), { phone_number: ['The phone number field format is invalid.'] });
    }
    expectValidationError(await postCustomer(h, seed, { first_name: 'A', phone_number: 5551112233 }), {
      phone_number: ['The phone number field must be a string.'],
    });
  });
});

describe('duplicates (docs/domain-rules.md#customers)', () => {
  const phoneTaken = { phone_number: ['The phone number has already been taken.'] };
  const emailTaken = { email: ['The email has already been taken.'] };

  it('refuses a phone in another format and an email in another case; a deleted customer frees both; other tenants never count', async () => {
    const seed = await emptyTenant(h);
    const other = await emptyTenant(h);
    const first = await newCustomer(h, seed, { phone_number: '+90 555 111 22 33', email: 'Ceyda@Example.test' });
    expectValidationError(await postCustomer(h, seed, { first_name: 'B', phone_number: '00905551112233' }), phoneTaken);
    expectValidationError(await postCustomer(h, seed, { first_name: 'B', phone_number: '0555 111 22 33', country_id: 792 }), phoneTaken);
    expectValidationError(await postCustomer(h, seed, { first_name: 'B', email: 'ceyda@EXAMPLE.TEST' }), emailTaken);
    expectValidationError(await postCustomer(h, seed, { first_name: 'B', phone_number: '+905551112233', email: 'CEYDA@example.test' }), {
      ...phoneTaken,
      ...emailTaken,
    });
    // The same values in another tenant are free.
    expect((await postCustomer(h, other, { first_name: 'B', phone_number: '+905551112233', email: 'ceyda@example.test' })).status).toBe(201);

    expect((await deleteCustomer(h, seed, first.id)).status).toBe(200);
    const again = await newCustomer(h, seed, { phone_number: '+905551112233', email: 'ceyda@example.test' });
    expect(again.id).not.toBe(first.id);
  });

  it("a PUT ignores the customer itself but refuses another live customer's values", async () => {
    const seed = await emptyTenant(h);
    const ceyda = await newCustomer(h, seed, { phone_number: '+905551112233', email: 'ceyda@example.test' });
    const ada = await newCustomer(h, seed, { phone_number: '+905551112244', email: 'ada@example.test' });
    const same = await putCustomer(h, seed, ceyda.id, { phone_number: '+90 555 111 22 33', email: 'CEYDA@example.test' });
    expect(same.status, same.body).toBe(200);
    expect(same.json.data.email).toBe('CEYDA@example.test');
    expectValidationError(await putCustomer(h, seed, ada.id, { phone_number: '+905551112233' }), phoneTaken);
    expectValidationError(await putCustomer(h, seed, ada.id, { email: 'ceyda@EXAMPLE.test' }), emailTaken);
    expect((await getCustomer(h, seed, ada.id)).json.data).toEqual(ada);
  });

  it('maps a unique-index violation (a concurrent create that passed validation) to the same 422', async () => {
    const seed = await emptyTenant(h);
    await newCustomer(h, seed, { phone_number: '+905551112233', email: 'race@example.test' });
    const input = { first_name: 'Late', phone_number: '+905551112233' };
    await expect(createCustomer(h.deps.db, seed.tenant_id, input, SYSTEM_ACTOR, h.clock.now())).rejects.toMatchObject({
      code: 'validation_error',
      details: { errors: phoneTaken },
    });
    await expect(
      createCustomer(h.deps.db, seed.tenant_id, { first_name: 'Late', email: 'RACE@example.test' }, SYSTEM_ACTOR, h.clock.now()),
    ).rejects.toMatchObject({
      code: 'validation_error',
      details: { errors: emailTaken },
    });
  });
});

describe('PUT /customers/{id}', () => {
  it('changes only the fields sent and updated_at ({"job": "Captain"})', async () => {
    const seed = await emptyTenant(h);
    const created = (await postCustomer(h, seed, fullBody(seed))).json.data;
    h.clock.advance(432);
    const response = await putCustomer(h, seed, created.id, { job: 'Captain', gender: 'other' });
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, {
      success: 'Customer updated successfully.',
      data: { ...created, job: 'Captain', gender: 'other', updated_at: now() },
    });
    expectExactJson((await getCustomer(h, seed, created.id)).json.data, response.json.data);
    // An empty body still counts as an update.
    h.clock.advance(5);
    expect((await putCustomer(h, seed, created.id, {})).json.data).toEqual({ ...response.json.data, updated_at: now() });
  });

  it('clears nullable fields with null or "", and first_name when present must not be null, empty or a non-string', async () => {
    const seed = await emptyTenant(h);
    const created = (await postCustomer(h, seed, fullBody(seed))).json.data;
    const cleared = await putCustomer(h, seed, created.id, {
      last_name: null,
      phone_number: '',
      email: null,
      date_of_birth: null,
      gender: null,
      country_id: null,
      identity_number: ' ',
      job: null,
      address: null,
      default_channel_id: null,
      user_id: null,
    });
    expect(cleared.status, cleared.body).toBe(200);
    expect(cleared.json.data).toMatchObject({
      first_name: 'Ceyda',
      last_name: null,
      phone_number: null,
      email: null,
      date_of_birth: null,
      gender: null,
      country_name: null,
      identity_number: null,
      job: null,
      address: null,
      default_channel_id: null,
      related_user: null,
    });
    expectValidationError(await putCustomer(h, seed, created.id, { first_name: null }), { first_name: ['The first name field is required.'] });
    expectValidationError(await putCustomer(h, seed, created.id, { first_name: '  ' }), { first_name: ['The first name field is required.'] });
    expectValidationError(await putCustomer(h, seed, created.id, { first_name: 42 }), { first_name: ['The first name field must be a string.'] });
    expectValidationError(await putCustomer(h, seed, created.id, { first_name: 'x'.repeat(256), gender: 'x' }), {
      first_name: ['The first name field must not be greater than 255 characters.'],
      gender: ['The selected gender is invalid.'],
    });
    expect((await putCustomer(h, seed, created.id, { first_name: 'Cey' })).json.data.first_name).toBe('Cey');
  });

  it('reads a national phone in the stored country; a new country re-reads the phone only when the phone is sent', async () => {
    const seed = await emptyTenant(h);
    const customer = await newCustomer(h, seed, { country_id: 792 });
    expect((await putCustomer(h, seed, customer.id, { phone_number: '0555 111 22 33' })).json.data.phone_number).toBe('+905551112233');
    const moved = await putCustomer(h, seed, customer.id, { country_id: 276 });
    expect(moved.json.data).toMatchObject({ country_name: 'Germany', phone_number: '+905551112233' });
    expect((await putCustomer(h, seed, customer.id, { phone_number: '030 1234567' })).json.data.phone_number).toBe('+49301234567');
    expect((await putCustomer(h, seed, customer.id, { phone_number: '0555 111 22 33', country_id: 792 })).json.data.phone_number).toBe('+905551112233');
  });

  it("answers 404 before 422 for unknown, deleted and other tenants' ids", async () => {
    const seed = await emptyTenant(h);
    const other = await emptyTenant(h);
    const theirs = await newCustomer(h, other, { job: 'Theirs' });
    const deleted = await newCustomer(h, seed, {});
    await deleteCustomer(h, seed, deleted.id);
    for (const id of [theirs.id, deleted.id, 999999999, 'abc', '-1', '1.5', '99999999999999999999']) {
      const response = await putCustomer(h, seed, id, { first_name: null, gender: 'bad' });
      expect(response.status, String(id)).toBe(404);
      expectExactJson(response.json, NOT_FOUND_CUSTOMER);
    }
    expect((await getCustomer(h, other, theirs.id)).json.data.job).toBe('Theirs');
  });
});

describe('DELETE /customers/{id}', () => {
  it('soft-deletes: MessageResult, then 404 on GET, PUT and a second DELETE, absent from the list, the row kept', async () => {
    const seed = await emptyTenant(h);
    const kept = await newCustomer(h, seed, { first_name: 'Kept' });
    const gone = await newCustomer(h, seed, { first_name: 'Gone' });
    const response = await deleteCustomer(h, seed, gone.id);
    expect(response.status).toBe(200);
    expectExactJson(response.json, { success: 'Customer deleted successfully.', data: { message: 'Customer deleted successfully.' } });
    for (const again of [await getCustomer(h, seed, gone.id), await putCustomer(h, seed, gone.id, { job: 'x' }), await deleteCustomer(h, seed, gone.id)]) {
      expect(again.status).toBe(404);
      expectExactJson(again.json, NOT_FOUND_CUSTOMER);
    }
    expect(await listedIds(h, seed)).toEqual([kept.id]);
    const [row] = await sql(h, 'SELECT deleted_at FROM customers WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, gone.id]);
    expect(row!.deleted_at).not.toBeNull();
  });

  it('a WhatsApp conversation attaches to the live customer with that phone; the conversation keeps showing it after the delete', async () => {
    const seed = await emptyTenant(h);
    const customer = await newCustomer(h, seed, { first_name: 'Ceyda', phone_number: '+90 555 111 22 33' });
    const start = (address: string) => postConversation(h, seed, { channel_id: seed.channels.whatsapp, address });
    const conversation = await start('905551112233');
    expect(conversation.status, conversation.body).toBe(201);
    expect(conversation.json.data.customer).toMatchObject({ id: customer.id, first_name: 'Ceyda', phone_number: '+905551112233' });
    await deleteCustomer(h, seed, customer.id);
    const kept = await h.request({ url: `/api/v1/conversations/${conversation.json.data.id}`, token: seed.access_token });
    expect(kept.json.data.customer.id).toBe(customer.id);
    const fresh = await start('+90 555 111 22 33');
    expect(fresh.json.data.id).toBe(conversation.json.data.id);
  });
});

describe('permissions, scopes and tenants', () => {
  it('a Viewer reads but gets 403 on POST, PUT (whatever the id and body) and DELETE', async () => {
    const seed = await emptyTenant(h);
    const customer = await newCustomer(h, seed, {});
    const viewer = await memberAs(h, seed, 'v', 'Viewer');
    expect((await getCustomer(h, seed, customer.id, viewer.token)).status).toBe(200);
    expect((await listedIds(h, seed)).length).toBe(1);
    const refusals = [
      await postCustomer(h, seed, { first_name: 'A' }, viewer.token),
      await putCustomer(h, seed, customer.id, { job: 'x' }, viewer.token),
      await putCustomer(h, seed, 999999999, { first_name: null }, viewer.token),
      await deleteCustomer(h, seed, customer.id, viewer.token),
    ];
    for (const response of refusals) expectError(response, 403, 'forbidden', 'You do not have permission to perform this action.');
    expect((await getCustomer(h, seed, customer.id)).json.data).toEqual(customer);
  });

  it('an Agent manages customers; a token without customers:write cannot, one without customers:read cannot read', async () => {
    const seed = await emptyTenant(h);
    const agent = await memberAs(h, seed, 'a', 'Agent');
    expect((await postCustomer(h, seed, { first_name: 'A' }, agent.token)).status).toBe(201);
    const readOnly = await h.token(seed.user_id, { scopes: ['customers:read'] });
    expectError(
      await postCustomer(h, seed, { first_name: 'A' }, readOnly),
      403,
      'insufficient_scope',
      'The access token does not have the required scope: customers:write.',
    );
    const writeOnly = await h.token(seed.user_id, { scopes: ['customers:write'] });
    expectError(await h.request({ url: '/api/v1/customers', token: writeOnly }), 403, 'insufficient_scope');
  });

  it('another tenant\'s customer is 404; its channel or member in a body is "The selected … is invalid."', async () => {
    const seed = await emptyTenant(h);
    const other = await emptyTenant(h);
    const theirs = await newCustomer(h, other, {});
    expectExactJson((await getCustomer(h, seed, theirs.id)).json, NOT_FOUND_CUSTOMER);
    expect((await deleteCustomer(h, seed, theirs.id)).status).toBe(404);
    const invalid = { default_channel_id: ['The selected default channel id is invalid.'], user_id: ['The selected user id is invalid.'] };
    expectValidationError(await postCustomer(h, seed, { first_name: 'A', default_channel_id: other.channels.website, user_id: other.user_id }), invalid);
    const mine = await newCustomer(h, seed, {});
    expectValidationError(await putCustomer(h, seed, mine.id, { default_channel_id: other.channels.website, user_id: other.user_id }), invalid);
  });

  it('user_id must be a live member: a removed member or an account without membership is invalid; a suspended one is valid', async () => {
    const seed = await emptyTenant(h);
    const outsider = await createUser(h, 'Outsider');
    const removed = await memberAs(h, seed, 'Removed', 'Agent');
    await sql(h, 'UPDATE memberships SET deleted_at = now() WHERE tenant_id = $1 AND user_id = $2', [seed.tenant_id, removed.userId]);
    const suspended = await createUser(h, 'Suspended');
    await addMembership(h, seed.tenant_id, suspended, ['Agent'], { isActive: false });
    for (const user_id of [outsider, removed.userId]) {
      expectValidationError(await postCustomer(h, seed, { first_name: 'A', user_id }), { user_id: ['The selected user id is invalid.'] });
    }
    expect((await newCustomer(h, seed, { user_id: suspended })).related_user).toEqual({ id: suspended, name: 'Suspended' });
  });
});
