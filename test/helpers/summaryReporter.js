/**
 * Prints the plain closing line CI reads ("N passed, N failed[, N skipped]") after jest's own summary.
 * Plain JS because jest loads reporters without the ts-jest transform. stderr, like jest's own summary,
 * so the line comes last when both streams are shown together.
 */
class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
    // jest always runs its own summary reporter after custom ones: print once it has.
    setImmediate(() => process.stderr.write(`\nTests: ${line}\n`));
  }
}
module.exports = SummaryLineReporter;
