import { describe, expect, test } from '@jest/globals';
import { Password, Username } from '@streamcat/protocol';
import { normalizeUsername, passwordProblem, usernameProblem } from './credentials.rules';

const signup = { forSignup: true };
const login = { forSignup: false };

describe('username rules', () => {
  test('lower-cases and trims what is typed', () => {
    expect(normalizeUsername('  Ann_B-9 ')).toBe('ann_b-9');
  });

  test.each([
    ['ab', /at least 3/],
    ['a'.repeat(33), /at most 32/],
    ['ann.b', /only lower-case letters/],
    ['änn', /only lower-case letters/],
    ['studio', /reserved/],
    ['login', /reserved/],
    ['', /Enter a username/],
  ])('sign-up refuses %j', (name, message) => {
    expect(usernameProblem(name, signup)).toMatch(message);
  });

  test.each(['ann', 'a_b-c', 'x'.repeat(32), 'cat42'])('sign-up accepts %j', (name) => {
    expect(usernameProblem(name, signup)).toBeNull();
  });

  test('login only asks for something, so old or odd names can still log in', () => {
    expect(usernameProblem('ab', login)).toBeNull();
    expect(usernameProblem('', login)).toMatch(/Enter a username/);
  });
});

describe('password rules', () => {
  test('sign-up needs 8 to 128 characters', () => {
    expect(passwordProblem('1234567', signup)).toMatch(/at least 8/);
    expect(passwordProblem('12345678', signup)).toBeNull();
    expect(passwordProblem('x'.repeat(129), signup)).toMatch(/at most 128/);
  });

  test('login does not judge length, the server does', () => {
    expect(passwordProblem('short', login)).toBeNull();
    expect(passwordProblem('', login)).toMatch(/Enter a password/);
  });
});

describe('agreement with the server schema', () => {
  // The client checks early; the protocol schema decides. They must not disagree.
  const names = ['ann', 'ab', 'a'.repeat(32), 'a'.repeat(33), 'ann.b', 'a b', 'x_y-z', '123', 'änn', 'Ann', 'studio'];
  test.each(names)('username %j', (name) => {
    const normalized = normalizeUsername(name);
    const clientOk = usernameProblem(normalized, signup) === null;
    const serverOk = Username.safeParse(name).success;
    expect(clientOk).toBe(serverOk);
  });

  test.each([0, 7, 8, 128, 129])('password of %i characters', (length) => {
    const password = 'p'.repeat(length);
    expect(passwordProblem(password, signup) === null).toBe(Password.safeParse(password).success);
  });
});
