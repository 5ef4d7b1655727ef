/**
 * Prints the plain closing line CI reads ("N passed, N failed[, N skipped]") after jest's own summary.
 * Plain JS because jest loads reporters without the ts-jest transform.
 */
class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
    process.stdout.write(`\nTests: ${line}\n`);
  }
}
module.exports = SummaryLineReporter;
