/**
 * Ends a Jest run with one plain line, `jest: N passed, N failed, N skipped`, that any CI can read without knowing
 * Jest's own summary format.
 */
class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    process.stdout.write(`jest: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`);
  }
}

module.exports = PlainSummaryReporter;
