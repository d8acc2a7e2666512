import { computed, reactive, ref } from 'vue';
import { ApiError, fieldErrors } from '../services/api';
import { normalizeUsername, passwordProblem, usernameProblem } from './credentials.rules';

type Field = 'username' | 'password';

/**
 * State and behaviour shared by the login and sign-up forms: the username is lower-cased
 * as typed, a field's problem shows once it was left or a submit was tried, and server
 * errors land beside their field or, failing that, above the button as a sentence.
 */
export function useCredentialsForm(options: { forSignup: boolean; submit: (username: string, password: string) => Promise<void> }) {
  const rawUsername = ref('');
  const password = ref('');
  const pending = ref(false);
  const formError = ref<string | null>(null);
  const touched = reactive<Record<Field, boolean>>({ username: false, password: false });
  const serverErrors = reactive<Partial<Record<Field, string>>>({});

  const username = computed({
    get: () => rawUsername.value,
    set: (value: string) => {
      rawUsername.value = normalizeUsername(value);
      delete serverErrors.username;
    },
  });
  const passwordModel = computed({
    get: () => password.value,
    set: (value: string) => {
      password.value = value;
      delete serverErrors.password;
    },
  });

  const problems = computed(() => ({
    username: usernameProblem(rawUsername.value, options),
    password: passwordProblem(password.value, options),
  }));

  function errorFor(field: Field): string | null {
    return serverErrors[field] ?? (touched[field] ? problems.value[field] : null);
  }

  function leave(field: Field): void {
    // An empty field someone merely tabbed through is not yet a mistake.
    if (field === 'username' ? rawUsername.value : password.value) touched[field] = true;
  }

  async function onSubmit(): Promise<boolean> {
    touched.username = true;
    touched.password = true;
    formError.value = null;
    if (problems.value.username || problems.value.password || pending.value) return false;
    pending.value = true;
    try {
      await options.submit(rawUsername.value, password.value);
      return true;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const byField = fieldErrors(error.details);
      if (byField.username) serverErrors.username = byField.username;
      if (byField.password) serverErrors.password = byField.password;
      if (error.code === 'auth/username-taken' && !byField.username) serverErrors.username = error.message;
      else if (!byField.username && !byField.password) formError.value = error.message;
      return false;
    } finally {
      pending.value = false;
    }
  }

  return { username, password: passwordModel, pending, formError, errorFor, leave, onSubmit };
}
