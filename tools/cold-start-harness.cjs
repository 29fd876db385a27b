// One cold start, as FC's nodejs20 runtime does it: load a handler module, handle one event (HTTP or OSS trigger).
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
      // An event function answers nobody: it resolved, so the event was handled.
      status: typeof response.statusCode === 'number' ? response.statusCode : 200,
      maxRssKb: process.resourceUsage().maxRSS,
    }),
  );
});
