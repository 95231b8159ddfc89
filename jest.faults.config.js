/** The fault-injection suite: the service on a PostgreSQL cluster of its own, restarted, cut and frozen. */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testRegex: '.*\\.fault-spec\\.ts$',
  // the suite starts its own cluster: no shared test server
  globalSetup: undefined,
  globalTeardown: undefined,
  testTimeout: 240000,
};
