// Adds up the JSON reports every vitest run wrote to $MINIGUN_TEST_REPORT, prints one
// 'N passed, N failed, N skipped' line, and names each failed test with the start of its message,
// so a failing CI log says which test failed even when the console output around it was cut.
const fs = require('node:fs');
const dir = process.env.MINIGUN_TEST_REPORT;
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
for (const file of fs.readdirSync(dir).sort()) {
  const report = JSON.parse(fs.readFileSync(`${dir}/${file}`, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests || 0);
  for (const suite of report.testResults) {
    const where = `${file.replace(/\.json$/, '')}: ${suite.name.split('/').slice(-2).join('/')}`;
    // A suite that fails outside its tests (an import error, a hook) has a message and no failed test.
    if (suite.status === 'failed' && !suite.assertionResults.some((a) => a.status === 'failed')) {
      failures.push(`${where}\n    ${String(suite.message).split('\n').slice(0, 12).join('\n    ')}`);
    }
    for (const test of suite.assertionResults) {
      if (test.status !== 'failed') continue;
      const message = (test.failureMessages || []).join('\n').split('\n').slice(0, 12).join('\n    ');
      failures.push(`${where} > ${test.fullName || test.title}\n    ${message}`);
    }
  }
}
for (const failure of failures) console.log(`FAILED ${failure}`);
if (passed + failed === 0) {
  console.error('no test ran');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || failures.length > 0 ? 1 : 0);
