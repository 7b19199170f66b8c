// The two @embroider/macros functions that @ember/test-waiters imports, with
// the values the macros babel plugin gives them in a development build.
export function macroCondition(predicate) {
  return predicate;
}

export function isDevelopingApp() {
  return true;
}
