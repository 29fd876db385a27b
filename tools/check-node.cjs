// The first step of `npm start`, `npm test` and the build: stop at once, in one line, on a Node the project does not
// run on (package.json "engines"; FC's runtime is nodejs20). Plain CommonJS with nothing newer than Node 8 in it, so
// that an old Node reaches the message instead of failing on the syntax or the modules of what follows.
'use strict';

const MINIMUM_MAJOR = 20;

/** The one line to stop with, or undefined when `version` (as `process.versions.node` gives it) will do. */
function nodeVersionProblem(version) {
  const major = Number(String(version).split('.')[0]);
  if (Number.isInteger(major) && major >= MINIMUM_MAJOR) return undefined;
  return `needs Node ${MINIMUM_MAJOR} or newer; this is ${version}`;
}

module.exports = { nodeVersionProblem, MINIMUM_MAJOR };

if (require.main === module) {
  const problem = nodeVersionProblem(process.versions.node);
  if (problem !== undefined) {
    console.error(problem);
    process.exit(1);
  }
}
