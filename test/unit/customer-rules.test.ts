import { describe, expect, it } from 'vitest';
import { latestBirthDateForAge } from '../../src/modules/customers/age.js';
import { phoneSearchDigits } from '../../src/modules/customers/customer.finder.js';
import { isValidPhoneInput } from '../../src/modules/customers/customer-input.js';

describe('latestBirthDateForAge', () => {
  it('is the same calendar day N years back, in UTC', () => {
    expect(latestBirthDateForAge(new Date('2026-06-15T23:59:59Z'), 30)).toBe('1996-06-15');
    expect(latestBirthDateForAge(new Date('2026-06-15T00:00:00Z'), 0)).toBe('2026-06-15');
    expect(latestBirthDateForAge(new Date('2026-01-01T00:00:00Z'), 151)).toBe('1875-01-01');
  });

  it('moves 29 February to the 28th in a year without one', () => {
    expect(latestBirthDateForAge(new Date('2028-02-29T12:00:00Z'), 1)).toBe('2027-02-28');
    expect(latestBirthDateForAge(new Date('2028-02-29T12:00:00Z'), 4)).toBe('2024-02-29');
    expect(latestBirthDateForAge(new Date('2026-03-31T12:00:00Z'), 1)).toBe('2025-03-31');
  });
});

describe('phoneSearchDigits (docs/domain-rules.md#customers)', () => {
  it('strips separators and leading zeros from a term of 3+ digits', () => {
    expect(phoneSearchDigits('+90 555 111 22 33')).toBe('905551112233');
    expect(phoneSearchDigits('0090 5551112233')).toBe('905551112233');
    expect(phoneSearchDigits('0555-111-2233')).toBe('5551112233');
    expect(phoneSearchDigits('(555) 111 22 33')).toBe('5551112233');
    expect(phoneSearchDigits('5.5/5')).toBe('555');
  });

  it('is null for fewer than 3 digits, other characters, or nothing left after the zeros', () => {
    for (const term of ['55', '+ 5 5', '555a', 'ada', '000', '0 0 0', '']) expect(phoneSearchDigits(term), term).toBeNull();
  });
});

describe('isValidPhoneInput (docs/domain-rules.md#customers)', () => {
  it('accepts digits with separators and a leading +; an international number must be possible', () => {
    for (const text of ['+90 555 111 22 33', '0555 111 22 33', '(202) 555-0143', '12', '0049 30 1234567']) expect(isValidPhoneInput(text), text).toBe(true);
    for (const text of ['555+1', '+', '--', 'abc', '+90 5', '0090 1', '1'.repeat(21)]) expect(isValidPhoneInput(text), text).toBe(false);
  });
});
