// One cold start, as FC's nodejs20 runtime does it: load a handler module, answer one HTTP-trigger event.
// argv: <module path> <base64 event> <base64 context JSON>. Prints {loadMs, answerMs, totalMs, status, maxRssKb}.
'use strict';
const [modulePath, eventB64, contextB64] = process.argv.slice(2);
const started = performance.now();
const { handler } = require(modulePath);
const loaded = performance.now();
Promise.resolve(handler(Buffer.from(eventB64, 'base64'), JSON.parse(Buffer.from(contextB64, 'base64').toString()))).then((response) => {
  const answered = performance.now();
  // stderr: the handler writes its own log line to stdout.
  process.stderr.write(
    JSON.stringify({
      loadMs: loaded - started,
      answerMs: answered - loaded,
      sinceProcessStartMs: answered,
      status: response.statusCode,
      maxRssKb: process.resourceUsage().maxRSS,
    }),
  );
});
