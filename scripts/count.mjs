// Reads a test report and prints "PASSED FAILED SKIPPED" on stdout; on
// stderr it prints the names (and, for Go, the output) of failed tests.
// Usage: node scripts/count.mjs go|vitest|playwright REPORT
import { readFileSync, existsSync } from 'node:fs';

const [kind, file] = process.argv.slice(2);
if (!existsSync(file)) {
  console.error(`no report at ${file}`);
  console.log('0 0 0');
  process.exit(0);
}
const text = readFileSync(file, 'utf8');
let passed = 0, failed = 0, skipped = 0;

if (kind === 'go') {
  const output = new Map();
  const failures = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let ev;
    try { ev = JSON.parse(line); } catch { continue; }
    if (!ev.Test) {
      if (ev.Action === 'fail') failures.push({ key: ev.Package, name: `${ev.Package} (package)` });
      if (ev.Action === 'output') output.set(ev.Package, (output.get(ev.Package) ?? '') + ev.Output);
      continue;
    }
    const key = `${ev.Package} ${ev.Test}`;
    if (ev.Action === 'output') output.set(key, (output.get(key) ?? '') + ev.Output);
    else if (ev.Action === 'pass') passed++;
    else if (ev.Action === 'skip') skipped++;
    else if (ev.Action === 'fail') { failed++; failures.push({ key, name: key }); }
  }
  for (const f of failures) {
    console.error(`--- FAIL ${f.name}\n${(output.get(f.key) ?? '').split('\n').slice(-40).join('\n')}`);
  }
  // A package that failed without any failing test (build error, panic
  // outside a test) still counts as one failure.
  if (failed === 0 && failures.length > 0) failed = failures.length;
} else if (kind === 'vitest') {
  const r = JSON.parse(text);
  passed = r.numPassedTests ?? 0;
  failed = (r.numFailedTests ?? 0) + (r.numRuntimeErrorTestSuites ?? 0);
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  for (const s of r.testResults ?? []) {
    for (const a of s.assertionResults ?? []) {
      if (a.status !== 'failed') continue;
      console.error(`--- FAIL ${a.fullName}`);
      // The first lines of the message, indented, so the summary can show them.
      const msg = (a.failureMessages ?? []).join('\n').split('\n').slice(0, 6);
      for (const line of msg) console.error(`    ${line}`);
    }
  }
} else if (kind === 'playwright') {
  const r = JSON.parse(text);
  const st = r.stats ?? {};
  passed = (st.expected ?? 0) + (st.flaky ?? 0);
  failed = (st.unexpected ?? 0) + (r.errors?.length ?? 0);
  skipped = st.skipped ?? 0;
  const walk = (suite, path) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status === 'unexpected') console.error(`--- FAIL ${[...path, spec.title].join(' > ')}`);
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...path, child.title]);
  };
  for (const suite of r.suites ?? []) walk(suite, [suite.title]);
} else {
  console.error(`unknown report kind ${kind}`);
  process.exit(2);
}
console.log(`${passed} ${failed} ${skipped}`);
