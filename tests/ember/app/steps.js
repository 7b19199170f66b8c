// Steps whose outcomes are kept as data ({ok, value} or {ok: false, error})
// so that one failure does not hide the others.  The Python tests assert on
// the report.

/** Pick the parts of a rejection that the tests check. */
export function describeError(error) {
  return {
    name: error?.name ?? null,
    message: String(error?.message ?? error),
    isAdapterError: error?.isAdapterError === true,
    errors: Array.isArray(error?.errors) ? error.errors : null,
  };
}

/**
 * Create a report, a `step(name, action)` that runs `action` and stores its
 * outcome under `name`, and `need(key)` for values that earlier steps left in `state`.
 */
export function createSteps() {
  const report = {};
  const state = {};

  async function step(name, action) {
    try {
      const value = await action();
      report[name] = { ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) };
    } catch (error) {
      report[name] = { ok: false, error: describeError(error) };
    }
  }

  function need(key) {
    if (!state[key]) throw new Error(`an earlier step did not leave ${key}`);
    return state[key];
  }

  return { report, state, step, need };
}
