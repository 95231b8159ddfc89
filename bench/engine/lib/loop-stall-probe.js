// Preloaded into the measured Sirocco (`node --require`): a 10 ms timer whose lateness is the
// event-loop stall. Every 100 ms it appends "<epoch ms> <max lateness in ms since the last line>"
// to $BENCH_LOOP_STALL_FILE; the bench reads the lines inside each scenario's time window.
'use strict';
const { appendFileSync } = require('node:fs');

const file = process.env.BENCH_LOOP_STALL_FILE;
if (file) {
  const PERIOD_MS = 10;
  let expected = Date.now() + PERIOD_MS;
  let worst = 0;
  let lastWrite = Date.now();
  setInterval(() => {
    const now = Date.now();
    worst = Math.max(worst, now - expected);
    expected = now + PERIOD_MS;
    if (now - lastWrite >= 100) {
      appendFileSync(file, `${now} ${worst}\n`);
      worst = 0;
      lastWrite = now;
    }
  }, PERIOD_MS).unref();
}
